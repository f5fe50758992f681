#!/usr/bin/env python3
"""Tells the kernel its clock is synchronised, as an NTP client does (for tests and
measurements on a machine without one): ntp_adjtime clears STA_UNSYNC and sets a small maximum
error. The controller trusts its clock only while the kernel says it is synchronised. Needs
root. Exits 1 when the kernel refuses.

    python3 tools/declare-clock-synchronised.py
"""
import ctypes
import sys


class Timex(ctypes.Structure):  # struct timex of a 64-bit Linux
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long), ("tick", ctypes.c_long),
                ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
                ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
                ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
                ("padding", ctypes.c_int * 11)]


ADJ_MAXERROR, ADJ_ESTERROR, ADJ_STATUS, STA_UNSYNC = 0x0004, 0x0008, 0x0010, 0x0040
t = Timex(modes=ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS, maxerror=1000, esterror=100, status=0)
state = ctypes.CDLL("libc.so.6", use_errno=True).ntp_adjtime(ctypes.byref(t))
if state < 0 or t.status & STA_UNSYNC:
    sys.exit(f"ntp_adjtime refused (errno {ctypes.get_errno()}): run as root")
