#!/usr/bin/env python3
"""Modbus peer for Lanterne's driver tests: a pymodbus server nobody on the team wrote.

Run with the venv made by setup.sh:

    peer.py --tcp 127.0.0.1:0 --device 1:sdm120 --device 2:gateway:8
    peer.py --rtu /tmp/lanterne-rtu-server --baud 9600 --device 1:sdm630
    peer.py --cabinet fixtures/cabinet.json [--time-scale K] [--listen BUS=HOST:PORT ...]

Device kinds: sdm120, sdm630, sunspec-inverter, sunspec-meter, gateway:N, io:N.
Register values come from fixtures/values.json (or --values FILE).

It prints exactly one line `READY tcp HOST:PORT`, `READY rtu DEVICE` or
`READY cabinet BUS=HOST:PORT ...`, then reads commands from stdin, one per line,
answering one line `OK[ payload]` or `ERR reason` each (see README.md). EOF on stdin
exits (unless --no-stdin).

Cabinet mode (--cabinet MODEL.json) serves the devices of a model cabinet, one TCP
listener per bus, and runs a small physics loop: the meter's per-phase power and import
energy and the inverter's W/WH follow the contactor coils and gateway levels the client
writes, with faults (failed lamps, stuck contactors, lost phases, day burners...)
injected through stdin. The meter keeps per-phase import energy (L1/L2/L3 import kWh at
0x015A/0x015C/0x015E, summing to the total at 0x0048); `meter-reset` zeroes them,
`meter-set KWH [L1_KWH L2_KWH L3_KWH]` sets the total and splits it equally among the
phases, or as given (the three must add up to KWH).

The Modbus protocol (framing, PDUs, datastore) is entirely pymodbus'. This file only
builds register images (floats with struct.pack, SunSpec models with pysunspec2's model
definitions) and injects faults through pymodbus' own hooks: `trace_pdu` (per request:
count, mute, canned exception, drop the connection, delay the reply) and
`trace_connect`, on a per-connection ServerRequestHandler subclass.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import math
import os
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VALUES = os.path.join(HERE, "fixtures", "values.json")

# pymodbus is imported lazily in main() so that `--help` and argument errors are fast.
ModbusPDU = ExceptionResponse = None  # set in _import_pymodbus()

TABLES = {"co": "c", "di": "d", "hr": "h", "ir": "i"}
# function code pymodbus' SimRuntime maps to each table (used for get/set commands)
READ_FC = {"c": 1, "d": 2, "h": 3, "i": 4}
WRITE_FC = {"c": 15, "d": 2, "h": 16, "i": 4}
WRITE_FCS = {5, 6, 15, 16, 22, 23}


class CmdError(Exception):
    pass


# --------------------------------------------------------------------------- images


def float_words(value: float) -> list[int]:
    """IEEE-754 float32, big-endian byte order, high word first (Eastron)."""
    return list(struct.unpack(">HH", struct.pack(">f", float(value))))


def cycled(values: list, n: int) -> list:
    if not values:
        raise ValueError("empty list in fixture")
    return [values[i % len(values)] for i in range(n)]


class Device:
    """One unit: register tables as {table: [(address, [values])]} plus access rules."""

    def __init__(self, unit: int, kind: str, bus: str = ""):
        self.unit = unit
        self.kind = kind
        self.bus = bus  # cabinet mode: the bus (listener) it sits on; "" otherwise
        # what stdin commands and stats call it: "1" (plain mode) or "meter-gw/1" (cabinet)
        self.key = f"{bus}/{unit}" if bus else str(unit)
        self.segments: dict[str, list[tuple[int, list]]] = {"c": [], "d": [], "h": [], "i": []}
        self.bit_limit = {"c": 0, "d": 0}  # coils/discrete inputs exist at 0..limit-1
        self.writable: set[str] = set()  # tables Modbus requests may write
        self.sunspec_layout: dict | None = None


def build_sdm(dev: Device, fx: dict) -> None:
    seen = set()
    for entry in fx["input_registers_float32"]:
        addr = int(entry["address"])
        if addr in seen or addr + 1 in seen:
            raise ValueError(f"{dev.kind}: overlapping float at {addr}")
        seen.update((addr, addr + 1))
        dev.segments["i"].append((addr, float_words(entry["value"])))


def build_sunspec(dev: Device, fx: dict, base: int) -> None:
    import sunspec2.device as ssd  # model definitions (JSON) + point encoders
    import sunspec2.mb as ssmb

    words = [0x5375, 0x6E53]  # "SunS"
    layout = []
    for m in fx["models"]:
        mid = int(m["id"])
        points = dict(m.get("points", {}))
        mdef = ssd.get_model_def(mid)
        group = mdef["group"]
        if group.get("groups"):
            raise ValueError(f"SunSpec model {mid} has groups; not supported here")
        pdefs = group["points"]
        names = [p["name"] for p in pdefs]
        unknown = sorted(set(points) - set(names))
        if unknown:
            raise ValueError(f"SunSpec model {mid}: unknown points {unknown}")
        size = sum(int(p.get("size") or ssmb.point_type_info[p["type"]].len) for p in pdefs)
        length = size - 2  # L excludes ID and L
        points["ID"] = mid
        points["L"] = length
        if mid == 1 and "DA" in names and "DA" not in points:
            points["DA"] = dev.unit
        model = ssd.Model(model_id=mid, model_def=mdef, data=points)
        if model.error_info:
            raise ValueError(f"SunSpec model {mid}: {model.error_info.strip()}")
        data = model.get_mb()
        if len(data) != size * 2:
            raise ValueError(f"SunSpec model {mid}: encoded {len(data)} bytes, expected {size * 2}")
        offsets = {}
        off = 0
        for p in pdefs:
            offsets[p["name"]] = off
            off += int(p.get("size") or ssmb.point_type_info[p["type"]].len)
        layout.append({"id": mid, "address": base + len(words), "length": length,
                       "points": {n: base + len(words) + o for n, o in offsets.items()}})
        words.extend(struct.unpack(f">{size}H", data))
    layout.append({"id": 0xFFFF, "address": base + len(words), "length": 0})
    words.extend([0xFFFF, 0x0000])
    if base < 0 or base + len(words) > 0x10000:
        raise ValueError(f"SunSpec base {base} does not fit")
    dev.segments["h"].append((base, words))
    dev.sunspec_layout = {"base": base, "models": layout}


def build_gateway(dev: Device, fx: dict, n: int) -> None:
    if not 1 <= n <= 100:
        raise ValueError("gateway:N needs 1 <= N <= 100 (status registers start at 100)")
    dev.segments["h"].append((0, [int(v) for v in cycled(fx["levels"], n)]))
    dev.segments["h"].append((100, [int(v) for v in cycled(fx["status"], n)]))
    dev.segments["c"].append((0, [bool(v) for v in cycled(fx["on"], n)]))
    dev.bit_limit["c"] = n
    dev.writable = {"h", "c"}


def build_io(dev: Device, fx: dict, n: int) -> None:
    if not 1 <= n <= 2000:
        raise ValueError("io:N needs 1 <= N <= 2000")
    dev.segments["c"].append((0, [bool(v) for v in cycled(fx["coils"], n)]))
    dev.segments["d"].append((0, [bool(v) for v in cycled(fx["discrete_inputs"], n)]))
    dev.bit_limit = {"c": n, "d": n}
    dev.writable = {"c"}


def build_device(spec: str, fixture: dict, sunspec_base: int | None, bus: str = "",
                 what: str | None = None) -> Device:
    what = what or f"--device {spec!r}"
    try:
        unit_s, kind = spec.split(":", 1)
        unit = int(unit_s, 0)
    except ValueError:
        raise ValueError(f"{what}: expected UNIT:KIND") from None
    if not 0 <= unit <= 255:
        raise ValueError(f"{what}: unit must be 0..255")
    base_kind, _, arg = kind.partition(":")
    dev = Device(unit, kind, bus)
    if base_kind in ("sdm120", "sdm630") and not arg:
        build_sdm(dev, fixture[base_kind])
    elif base_kind in ("sunspec-inverter", "sunspec-meter") and not arg:
        fx = fixture[base_kind]
        base = sunspec_base if sunspec_base is not None else int(fx.get("default_base", 40000))
        build_sunspec(dev, fx, base)
    elif base_kind == "gateway" and arg:
        build_gateway(dev, fixture["gateway"], int(arg))
    elif base_kind == "io" and arg:
        build_io(dev, fixture["io"], int(arg))
    else:
        raise ValueError(f"{what}: unknown kind {kind!r} (sdm120, sdm630, sunspec-inverter, "
                         "sunspec-meter, gateway:N, io:N)")
    return dev


def to_simdevice(dev: Device):
    """pymodbus 3.x SimDevice with four separate tables (coils, DI, HR, IR)."""
    from pymodbus.simulator import DataType, SimData, SimDevice

    blocks = []
    for t in ("c", "d", "h", "i"):
        segs = []
        for addr, values in dev.segments[t]:
            if t in ("c", "d"):
                segs.append(SimData(addr, values=list(values), datatype=DataType.BITS))
            else:
                segs.append(SimData(addr, values=list(values), datatype=DataType.REGISTERS))
        if not segs:
            # pymodbus needs a non-empty block: an invalid register (exception 2), or for
            # bit tables one placeholder bit that trace_pdu hides (bit_limit 0 -> exception 2)
            if t in ("c", "d"):
                segs.append(SimData(0, values=[False], datatype=DataType.BITS))
            else:
                segs.append(SimData(0, count=1, datatype=DataType.INVALID))
        blocks.append(segs)
    return SimDevice(id=dev.unit, simdata=tuple(blocks))


# --------------------------------------------------------------------------- pymodbus glue


def _import_pymodbus():
    global ModbusPDU, ExceptionResponse
    from pymodbus.pdu import ExceptionResponse as _ER, ModbusPDU as _PDU

    ModbusPDU, ExceptionResponse = _PDU, _ER


def make_canned_exception(request, code: int):
    """A stand-in request whose 'execution' is an exception reply; the datastore is untouched."""

    class CannedException(ModbusPDU):
        async def datastore_update(self, context, device_id):
            return ExceptionResponse(self.function_code, self.code)

    pdu = CannedException(dev_id=request.dev_id, transaction_id=request.transaction_id)
    pdu.function_code = request.function_code & 0x7F
    pdu.code = code
    return pdu


def request_ranges(pdu) -> list[tuple[str, int, int, bool]]:
    """(table, address, count, is_write) touched by a request, for the access rules."""
    fc = pdu.function_code
    if fc in (1, 2, 3, 4):
        return [({1: "c", 2: "d", 3: "h", 4: "i"}[fc], pdu.address, max(pdu.count, 1), False)]
    if fc == 5:
        return [("c", pdu.address, 1, True)]
    if fc == 6 or fc == 22:
        return [("h", pdu.address, 1, True)]
    if fc == 15:
        return [("c", pdu.address, max(pdu.count, len(pdu.bits), 1), True)]
    if fc == 16:
        return [("h", pdu.address, max(pdu.count, len(pdu.registers), 1), True)]
    if fc == 23:
        return [("h", pdu.write_address, max(pdu.write_count, 1), True),
                ("h", pdu.read_address, max(pdu.read_count, 1), False)]
    return []


class Listener:
    """One server (TCP port or serial line) and the units it serves."""

    def __init__(self, name: str, devices: dict[int, Device]):
        self.name = name  # "" in plain mode; a bus name, or "*" for cabinet --tcp (shared)
        self.devices = devices  # unit -> Device
        self.server = None
        self.accepted = 0
        self.bind: tuple[str, int] = ("127.0.0.1", 0)  # TCP: where to listen
        self.address = ""  # "HOST:PORT" once listening (TCP)


class Peer:
    def __init__(self, listeners: list[Listener], transport: str, rtu_gap: float):
        self.listeners = listeners
        self.transport = transport  # "tcp" | "rtu"
        self.rtu_gap = rtu_gap
        # every configured device by its key ("1" or "meter-gw/1"); stdin commands name these
        self.devices: dict[str, Device] = {}
        self.listener_of: dict[str, Listener] = {}  # bus name -> its listener (cabinet mode)
        for lst in listeners:
            for dev in lst.devices.values():
                self.devices[dev.key] = dev
                self.listener_of[dev.bus] = lst
        self.muted: set[str] = set()
        self.exceptions: dict[str, int] = {}
        self.delays: dict[str, float] = {}
        self.drop_next: Listener | str | None = None  # "*" = next request on any listener
        self.stats: dict[tuple[str, int], dict[int, int]] = {}
        self.cabinet = None  # Cabinet in cabinet mode
        self.roles: dict[str, Device] = {}  # cabinet mode: "io", "gateway", "meter", "inverter"

    # ---- hooks (called by pymodbus) ----
    def on_pdu(self, handler, sending: bool, pdu):
        lst = handler.peer_listener
        if sending:
            dev = lst.devices.get(pdu.dev_id)
            handler.delay_next_send = self.delays.get(dev.key, 0.0) if dev else 0.0
            # cabinet mode: a write's reply leaves only once the physics has seen the write,
            # so a client that reads the meter after its write reply sees the new power
            handler.update_before_send = self.cabinet is not None and pdu.function_code in WRITE_FCS
            return pdu
        unit, fc = pdu.dev_id, pdu.function_code
        dev = lst.devices.get(unit)
        bus = dev.bus if dev else (lst.name if lst.name != "*" else "*")
        per_unit = self.stats.setdefault((bus, unit), {})
        per_unit[fc] = per_unit.get(fc, 0) + 1
        if self.drop_next is not None and (self.drop_next == "*" or self.drop_next is lst):
            self.drop_next = None
            if self.transport == "tcp":
                handler.close()
            return None  # no reply
        if dev is None and 0 not in lst.devices:
            # a TCP gateway answers for a missing unit; on a serial line nobody answers
            return None if self.transport == "rtu" else make_canned_exception(pdu, 0x0B)
        if dev is not None and dev.key in self.muted:
            return None
        if dev is not None and dev.key in self.exceptions:
            return make_canned_exception(pdu, self.exceptions[dev.key])
        if dev is None:
            dev = lst.devices[0]
        for table, addr, count, is_write in request_ranges(pdu):
            if is_write and table not in dev.writable:
                return make_canned_exception(pdu, 0x02)
            if table in dev.bit_limit and addr + count > dev.bit_limit[table]:
                return make_canned_exception(pdu, 0x02)
        return pdu

    def on_connect(self, handler, connected: bool):
        if connected:
            handler.peer_listener.accepted += 1

    # ---- stdin commands (run on the event loop) ----
    def _unit(self, s: str) -> Device:
        """A device named by its key (UNIT, or BUS/UNIT in cabinet mode), a cabinet role
        (io, gateway, meter, inverter) or a unit number that only one bus has."""
        if s in self.devices:
            return self.devices[s]
        if s in self.roles:
            return self.roles[s]
        bus, slash, unit_s = s.rpartition("/")
        try:
            unit = int(unit_s, 0)
        except ValueError:
            raise CmdError(f"bad unit {s!r}") from None
        if slash:
            dev = self.devices.get(f"{bus}/{unit}")
            if dev is None:
                raise CmdError(f"unknown unit {s}")
            return dev
        found = [d for d in self.devices.values() if d.unit == unit]
        if not found:
            raise CmdError(f"unknown unit {unit}")
        if len(found) > 1:
            raise CmdError(f"unit {unit} is ambiguous ({', '.join(d.key for d in found)}): "
                           "say BUS/UNIT")
        return found[0]

    def _bus(self, s: str) -> Listener:
        if s not in self.listener_of or not s:
            raise CmdError(f"unknown bus {s!r} ({', '.join(b for b in self.listener_of if b)})")
        return self.listener_of[s]

    def _table(self, s: str) -> str:
        if s not in TABLES:
            raise CmdError(f"bad table {s!r} (hr|ir|co|di)")
        return TABLES[s]

    def _check_bits(self, dev: Device, t: str, addr: int, count: int):
        if t in dev.bit_limit and addr + count > dev.bit_limit[t]:
            raise CmdError("illegal address")

    async def _get(self, dev: Device, t: str, addr: int, count: int) -> list[int]:
        self._check_bits(dev, t, addr, count)
        server = self.listener_of[dev.bus].server
        try:
            vals = await server.async_getValues(dev.unit, READ_FC[t], addr, count)
        except TypeError:
            raise CmdError("illegal address") from None
        return [int(v) for v in vals]

    async def _set(self, dev: Device, t: str, addr: int, vals: list) -> None:
        self._check_bits(dev, t, addr, len(vals))
        server = self.listener_of[dev.bus].server
        try:
            await server.async_setValues(dev.unit, WRITE_FC[t], addr, vals)
        except TypeError:
            raise CmdError("illegal address") from None

    async def command(self, line: str) -> str:
        parts = line.split()
        if not parts:
            return "ERR empty command"
        cmd, args = parts[0].lower(), parts[1:]
        try:
            return await self._dispatch(cmd, args)
        except CmdError as exc:
            return f"ERR {exc}"
        except (ValueError, IndexError) as exc:
            return f"ERR bad arguments: {exc}"
        except Exception as exc:  # keep the protocol alive whatever happens
            return f"ERR {type(exc).__name__}: {exc}".replace("\n", " ")

    async def _dispatch(self, cmd: str, a: list[str]) -> str:
        def nargs(lo, hi=None):
            if len(a) < lo or (hi is not None and len(a) > hi):
                raise CmdError(f"usage error for {cmd}")

        if cmd == "ping":
            return "OK"
        if cmd == "mute":
            nargs(1, 1)
            self.muted.add(self._unit(a[0]).key)
            return "OK"
        if cmd == "unmute":
            nargs(1, 1)
            self.muted.discard(self._unit(a[0]).key)
            return "OK"
        if cmd == "exception":
            nargs(2, 2)
            key, code = self._unit(a[0]).key, int(a[1], 0)
            if not 1 <= code <= 255:
                raise CmdError("exception code must be 1..255")
            self.exceptions[key] = code
            return "OK"
        if cmd == "clear":
            nargs(1, 1)
            key = self._unit(a[0]).key
            self.exceptions.pop(key, None)
            self.muted.discard(key)
            self.delays.pop(key, None)
            return "OK"
        if cmd == "delay":
            nargs(2, 2)
            key, ms = self._unit(a[0]).key, float(a[1])
            if ms < 0:
                raise CmdError("delay must be >= 0")
            if ms:
                self.delays[key] = ms / 1000.0
            else:
                self.delays.pop(key, None)
            return "OK"
        if cmd == "disconnect":
            nargs(0, 1 if self.cabinet is not None else 0)
            if self.transport != "tcp":
                raise CmdError("disconnect is TCP only")
            targets = [self._bus(a[0])] if a else self.listeners
            conns = [c for lst in targets for c in list(lst.server.active_connections.values())]
            for conn in conns:
                conn.close()
            return f"OK {len(conns)}"
        if cmd == "drop-next":
            nargs(0, 1 if self.cabinet is not None else 0)
            self.drop_next = self._bus(a[0]) if a else "*"
            return "OK"
        if cmd == "get":
            nargs(4, 4)
            dev, t = self._unit(a[0]), self._table(a[1])
            addr, count = int(a[2], 0), int(a[3], 0)
            if count < 1:
                raise CmdError("count must be >= 1")
            vals = await self._get(dev, t, addr, count)
            return "OK " + " ".join(str(v) for v in vals)
        if cmd == "set":
            nargs(4)
            dev, t = self._unit(a[0]), self._table(a[1])
            addr = int(a[2], 0)
            if t in ("c", "d"):
                vals = []
                for s in a[3:]:
                    if s.lower() in ("1", "true", "on"):
                        vals.append(True)
                    elif s.lower() in ("0", "false", "off"):
                        vals.append(False)
                    else:
                        raise CmdError(f"bad bit {s!r}")
            else:
                vals = []
                for s in a[3:]:
                    v = int(s, 0)
                    if not -0x8000 <= v <= 0xFFFF:
                        raise CmdError(f"register value out of range: {s}")
                    vals.append(v & 0xFFFF)
            await self._set(dev, t, addr, vals)
            if self.cabinet is not None:
                await self.cabinet.update()  # a coil, level or input set here counts at once
            return "OK"
        if cmd == "getf":
            nargs(3, 4)
            dev, t = self._unit(a[0]), self._table(a[1])
            if t not in ("h", "i"):
                raise CmdError("getf needs hr or ir")
            addr, count = int(a[2], 0), int(a[3], 0) if len(a) > 3 else 1
            regs = await self._get(dev, t, addr, 2 * count)
            floats = struct.unpack(f">{count}f", struct.pack(f">{2 * count}H", *regs))
            return "OK " + " ".join(repr(f) for f in floats)
        if cmd == "setf":
            nargs(4)
            dev, t = self._unit(a[0]), self._table(a[1])
            if t not in ("h", "i"):
                raise CmdError("setf needs hr or ir")
            addr = int(a[2], 0)
            regs = []
            for s in a[3:]:
                regs.extend(float_words(float(s)))
            await self._set(dev, t, addr, regs)
            return "OK"
        if cmd == "stats":
            nargs(0, 0)
            out = {(f"{bus}/{unit}" if bus else str(unit)):
                   {str(fc): n for fc, n in sorted(fcs.items())}
                   for (bus, unit), fcs in sorted(self.stats.items())}
            return "OK " + json.dumps(out, separators=(",", ":"))
        if cmd == "reset-stats":
            nargs(0, 0)
            self.stats.clear()
            return "OK"
        if cmd == "connections":
            nargs(0, 0)
            if self.transport == "tcp":
                open_n = sum(len(lst.server.active_connections) for lst in self.listeners)
            else:
                open_n = None
            reply = {"open": open_n, "accepted": sum(lst.accepted for lst in self.listeners)}
            if self.cabinet is not None:
                reply["buses"] = {bus: {"address": lst.address,
                                        "open": len(lst.server.active_connections),
                                        "accepted": lst.accepted}
                                  for bus, lst in self.listener_of.items()}
            return "OK " + json.dumps(reply, separators=(",", ":"))
        if cmd == "devices":
            nargs(0, 0)
            devs = sorted(self.devices.values(), key=lambda d: (d.bus, d.unit))
            return "OK " + json.dumps({d.key: d.kind for d in devs}, separators=(",", ":"))
        if cmd == "sunspec":
            nargs(1, 1)
            dev = self._unit(a[0])
            if dev.sunspec_layout is None:
                raise CmdError("not a SunSpec device")
            return "OK " + json.dumps(dev.sunspec_layout, separators=(",", ":"))
        if cmd == "quit":
            return "OK"
        if self.cabinet is not None:
            reply = await self.cabinet.dispatch(cmd, a)
            if reply is not None:
                return reply
        raise CmdError(f"unknown command {cmd!r}")


# --------------------------------------------------------------------------- cabinet mode

PHASES = ("L1", "L2", "L3")
# role -> the device kind (prefix) it must have
ROLE_KINDS = {"io": "io:", "gateway": "gateway:", "meter": "sdm630", "inverter": "sunspec-inverter"}
# input name -> (word when active, word when inactive); "active" is after active-low inversion,
# as Lanterne's DigitalInput reads it: photocell active = dark, door active = open,
# surge arrester (a breaker-kind input) active = tripped
INPUT_WORDS = {"photocell": ("dark", "light"), "door": ("open", "closed"),
               "surge": ("tripped", "ok")}
BUS_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
SUNSPEC_INVERTER_MODELS = {101: 1, 102: 2, 103: 3}  # model id -> number of AC phases
SDM_PER_PHASE = {"V": (0, 2, 4), "A": (6, 8, 10), "W": (12, 14, 16), "VA": (18, 20, 22),
                 "VAr": (24, 26, 28), "PF": (30, 32, 34)}
# SDM630 per-phase active energy, kWh (Eastron's 30347..30363: L1/L2/L3 import, export,
# total); cabinet mode serves them (added to the meter's image: the fixture has no values)
SDM_PHASE_ENERGY = {"import": (346, 348, 350), "export": (352, 354, 356),
                    "total": (358, 360, 362)}
PHASE_KWH_TOLERANCE = 0.001  # meter-set / importKWhPhases: the phases must add up to the total


class ModelError(ValueError):
    """A bad cabinet model file; the message names the file and the field."""


class CabinetOutput:
    def __init__(self, oid: str, kind: str, index: int, watts: float, phase: str):
        self.id = oid
        self.kind = kind  # "contactor" (a coil of the io unit) | "dimmer" (a gateway channel)
        self.index = index  # coil address or gateway channel
        self.watts = watts
        self.phase = phase


class CabinetModel:
    """A validated --cabinet MODEL.json (see README.md, 'Cabinet mode')."""

    def __init__(self):
        self.path = ""
        self.board = None
        self.buses: dict[str, dict[int, str]] = {}  # bus -> unit -> KIND, in file order
        self.roles: dict[str, tuple[str, int]] = {}  # role -> (bus, unit)
        self.full_scale = 254
        self.switching = "none"  # gateway: "none" (level 0 = off) | "coil"
        self.voltage = 230.0
        self.import_kwh: float | None = None  # None: the fixture's value
        self.import_kwh_phases: list[float] | None = None  # None: the total split equally
        self.inverter_power = 0.0
        self.inverter_points: dict = {}
        self.sunspec_base: int | None = None
        self.outputs: list[CabinetOutput] = []
        self.inputs: dict[str, dict] = {}  # name -> {"input", "activeLow", "initial"}


def _type_name(v) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(v), type(v).__name__)


def phase_kwh_problem(total: float, phases: list[float], total_name: str = "the total") \
        -> str | None:
    """Why L1/L2/L3 import kWh cannot go with this total kWh (None if they can)."""
    got = sum(phases)
    # 0.001 kWh; relative beyond 1e9 kWh, where decimal inputs no longer add up that closely
    if abs(got - total) <= max(PHASE_KWH_TOLERANCE, abs(total) * 1e-12):
        return None
    return (f"L1 + L2 + L3 = {' + '.join(f'{x:.15g}' for x in phases)} = {got:.15g} kWh, not "
            f"{total_name} {total:.15g} kWh (they must add up within {PHASE_KWH_TOLERANCE:g} kWh)")


def load_cabinet_model(path: str) -> CabinetModel:
    def err(where: str, msg: str) -> ModelError:
        return ModelError(f"cabinet model {path}: {where}: {msg}")

    def obj(v, where: str, required: tuple = (), optional: tuple = ()) -> dict:
        if not isinstance(v, dict):
            raise err(where, f"expected an object, got {_type_name(v)}")
        for k in v:
            if k not in required and k not in optional:
                raise err(f"{where}.{k}" if where != "(top level)" else k,
                          f"unknown field (expected {', '.join(required + optional)})")
        for k in required:
            if k not in v:
                raise err(f"{where}.{k}" if where != "(top level)" else k, "missing")
        return v

    def mapping(v, where: str) -> dict:  # an object whose keys are names the file chooses
        if not isinstance(v, dict):
            raise err(where, f"expected an object, got {_type_name(v)}")
        return v

    def num(v, where: str, lo: float | None = None, hi: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise err(where, f"expected a number, got {v!r}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            raise err(where, f"{v!r} is out of range ({rng})")
        return float(v)

    def integer(v, where: str, lo: int, hi: int) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise err(where, f"expected an integer, got {v!r}")
        if not lo <= v <= hi:
            raise err(where, f"{v} is out of range ({lo}..{hi})")
        return v

    def string(v, where: str, choices: tuple | None = None) -> str:
        if not isinstance(v, str) or not v:
            raise err(where, f"expected a non-empty string, got {v!r}")
        if choices is not None and v not in choices:
            raise err(where, f"expected {', '.join(choices)}, got {v!r}")
        return v

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise ModelError(f"cabinet model {path}: cannot read: {exc.strerror or exc}") from None
    try:
        root = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"cabinet model {path}: not valid JSON: line {exc.lineno} column "
                         f"{exc.colno}: {exc.msg}") from None

    m = CabinetModel()
    m.path = path
    obj(root, "(top level)", required=("schema", "buses", "outputs"),
        optional=("about", "board", "io", "gateway", "meter", "inverter", "inputs"))
    if root["schema"] != 1:
        raise err("schema", f"expected 1, got {root['schema']!r}")
    if "board" in root:
        m.board = string(root["board"], "board")

    buses = mapping(root["buses"], "buses")
    if not buses:
        raise err("buses", "no bus")
    for bus, spec in buses.items():
        where = f"buses.{bus}"
        if not set(bus) <= BUS_NAME_CHARS:
            raise err(where, "a bus name may only use letters, digits, '_', '.' and '-'")
        devices = obj(spec, where, required=("devices",))["devices"]
        mapping(devices, f"{where}.devices")
        if not devices:
            raise err(f"{where}.devices", "no device")
        units: dict[int, str] = {}
        for unit_s, kind in devices.items():
            try:
                unit = int(unit_s, 0)
            except ValueError:
                raise err(f"{where}.devices.{unit_s}", "a unit id (0..255) is expected as the "
                          "key") from None
            if not 0 <= unit <= 255:
                raise err(f"{where}.devices.{unit_s}", "unit must be 0..255")
            if unit in units:
                raise err(f"{where}.devices.{unit_s}", f"unit {unit} given twice")
            units[unit] = string(kind, f"{where}.devices.{unit_s}")
        m.buses[bus] = units

    role_fields = {"io": (), "gateway": ("fullScale", "switching"),
                   "meter": ("voltage", "importKWh", "importKWhPhases"),
                   "inverter": ("powerW", "points", "sunspecBase")}
    for role, extra in role_fields.items():
        if role not in root:
            continue
        r = obj(root[role], role, required=("bus", "unit"), optional=extra)
        bus = string(r["bus"], f"{role}.bus")
        if bus not in m.buses:
            raise err(f"{role}.bus", f"no bus {bus!r} in buses ({', '.join(m.buses)})")
        unit = integer(r["unit"], f"{role}.unit", 0, 255)
        kind = m.buses[bus].get(unit)
        if kind is None:
            raise err(f"{role}.unit", f"bus {bus!r} has no unit {unit}")
        want = ROLE_KINDS[role]
        if not (kind.startswith(want) if want.endswith(":") else kind == want):
            raise err(f"{role}.unit", f"{bus}/{unit} is {kind!r}; the {role} must be "
                      f"{want + 'N' if want.endswith(':') else want}")
        m.roles[role] = (bus, unit)
        if role == "gateway":
            m.full_scale = int(num(r.get("fullScale", 254), "gateway.fullScale", 1, 65535))
            m.switching = string(r.get("switching", "none"), "gateway.switching", ("none", "coil"))
        elif role == "meter":
            m.voltage = num(r.get("voltage", 230.0), "meter.voltage", 1, 1000)
            if "importKWh" in r:
                m.import_kwh = num(r["importKWh"], "meter.importKWh", 0, 3.0e38)
            if "importKWhPhases" in r:
                split = r["importKWhPhases"]
                if not isinstance(split, list) or len(split) != 3:
                    raise err("meter.importKWhPhases", "expected a list of 3 numbers (L1, L2, "
                              f"L3 kWh), got {split!r}")
                m.import_kwh_phases = [num(x, f"meter.importKWhPhases[{i}]", 0, 1.0e38)
                                       for i, x in enumerate(split)]
                if m.import_kwh is None:
                    m.import_kwh = sum(m.import_kwh_phases)
                problem = phase_kwh_problem(m.import_kwh, m.import_kwh_phases, "meter.importKWh")
                if problem:
                    raise err("meter.importKWhPhases", problem)
        elif role == "inverter":
            m.inverter_power = num(r.get("powerW", 0), "inverter.powerW", 0)
            m.inverter_points = mapping(r.get("points", {}), "inverter.points")
            if "sunspecBase" in r:
                m.sunspec_base = integer(r["sunspecBase"], "inverter.sunspecBase", 0, 65535)

    def size_of(role: str) -> int:
        bus, unit = m.roles[role]
        return int(m.buses[bus][unit].split(":", 1)[1])

    outputs = root["outputs"]
    if not isinstance(outputs, list):
        raise err("outputs", f"expected a list, got {_type_name(outputs)}")
    seen: set[str] = set()
    for i, o in enumerate(outputs):
        where = f"outputs[{i}]"
        obj(o, where, required=("id", "watts", "phase"), optional=("coil", "channel"))
        oid = string(o["id"], f"{where}.id")
        if any(c.isspace() for c in oid):
            raise err(f"{where}.id", f"{oid!r} contains white space")
        if oid in seen:
            raise err(f"{where}.id", f"{oid!r} given twice")
        seen.add(oid)
        if ("coil" in o) == ("channel" in o):
            raise err(where, "give exactly one of coil (a contactor on the io unit) or channel "
                      "(a gateway channel)")
        role, field = ("io", "coil") if "coil" in o else ("gateway", "channel")
        if role not in m.roles:
            raise err(f"{where}.{field}", f"the model has no {role} (add a top-level {role!r})")
        index = integer(o[field], f"{where}.{field}", 0, size_of(role) - 1)
        watts = num(o["watts"], f"{where}.watts", 0)
        phase = string(o["phase"], f"{where}.phase", PHASES)
        m.outputs.append(CabinetOutput(oid, "contactor" if field == "coil" else "dimmer",
                                       index, watts, phase))

    inputs = obj(root.get("inputs", {}), "inputs", optional=tuple(INPUT_WORDS))
    for name, spec in inputs.items():
        where = f"inputs.{name}"
        obj(spec, where, required=("input",), optional=("activeLow", "initial"))
        if "io" not in m.roles:
            raise err(f"{where}.input", "the model has no io (add a top-level 'io')")
        idx = integer(spec["input"], f"{where}.input", 0, size_of("io") - 1)
        active_low = spec.get("activeLow", False)
        if not isinstance(active_low, bool):
            raise err(f"{where}.activeLow", f"expected true or false, got {active_low!r}")
        initial = string(spec.get("initial", INPUT_WORDS[name][1]), f"{where}.initial",
                         INPUT_WORDS[name])
        m.inputs[name] = {"input": idx, "activeLow": active_low, "initial": initial}
    return m


def build_cabinet_devices(m: CabinetModel, fixture: dict,
                          sunspec_base: int | None) -> dict[str, dict[int, Device]]:
    """The devices of each bus, built like --device ones (the inverter with the model's
    point overrides and SunSpec base)."""
    out: dict[str, dict[int, Device]] = {}
    for bus, units in m.buses.items():
        out[bus] = {}
        for unit, kind in units.items():
            where = f"buses.{bus}.devices.{unit}"
            fx, base = fixture, sunspec_base
            if m.roles.get("inverter") == (bus, unit):
                fx = copy.deepcopy(fixture)
                if m.sunspec_base is not None:
                    base = m.sunspec_base
                if m.inverter_points:
                    models = [x for x in fx["sunspec-inverter"]["models"]
                              if int(x["id"]) in SUNSPEC_INVERTER_MODELS]
                    if not models:
                        raise ModelError(f"cabinet model {m.path}: inverter.points: the fixture's "
                                         "sunspec-inverter chain has no model 101, 102 or 103")
                    models[0].setdefault("points", {}).update(m.inverter_points)
                if m.inverter_points:
                    where = "inverter.points"  # the likeliest culprit; the device is named below
            try:
                out[bus][unit] = build_device(f"{unit}:{kind}", fx, base, bus=bus,
                                              what=f"cabinet model {m.path}: {where}")
            except (ValueError, KeyError) as exc:
                msg = str(exc) if isinstance(exc, ValueError) else f"fixture has no {exc}"
                if msg.startswith(f"cabinet model {m.path}"):
                    raise ModelError(msg) from None
                raise ModelError(f"cabinet model {m.path}: {where}: {msg} (device {bus}/{unit}, "
                                 f"{kind})") from None
            if m.roles.get("meter") == (bus, unit):
                # per-phase energy registers, which the fixture (plain mode) does not serve;
                # the physics writes them before READY
                dev = out[bus][unit]
                taken = {start + i for start, words in dev.segments["i"] for i in range(len(words))}
                for addr in sorted(a for addrs in SDM_PHASE_ENERGY.values() for a in addrs):
                    if addr not in taken and addr + 1 not in taken:
                        dev.segments["i"].append((addr, float_words(0.0)))
    return out


class Cabinet:
    """The physics of cabinet mode: outputs -> drawn power -> meter phases and energy;
    inverter production -> W and WH. Reads coils/levels and writes registers through the
    servers' own datastores (peer._get/_set), so Modbus clients see exactly this."""

    TICK = 0.05  # s between updates; also one before a Modbus write's reply and on commands

    def __init__(self, peer: Peer, model: CabinetModel, time_scale: float):
        self.peer = peer
        self.model = model
        self.scale = time_scale
        self.io = peer.roles.get("io")
        self.gateway = peer.roles.get("gateway")
        self.meter = peer.roles.get("meter")
        self.inverter = peer.roles.get("inverter")
        self.outputs = {o.id: o for o in model.outputs}
        self.lamp: dict[str, float] = {o.id: 1.0 for o in model.outputs}
        self.stuck: dict[str, bool | None] = {o.id: None for o in model.outputs}
        self.day_burner: set[str] = set()
        self.lost: set[str] = set()
        self.import_kwh = 0.0  # the total (0x0048): authoritative
        self.phase_kwh = {ph: 0.0 for ph in PHASES}  # the same increments, per phase
        self.max_demand = 0.0
        self.total_w = 0.0  # drawn power since the last update (integrated at the next one)
        self.phase_w = {ph: 0.0 for ph in PHASES}  # the same, per phase
        self.pv_w = model.inverter_power
        self.pv_wh = 0.0
        self.last: float | None = None
        self.lock = asyncio.Lock()
        self.snapshot: dict = {}
        self.meter_runs: list[tuple[int, list[int]]] = []
        self.inv: dict = {}  # inverter point addresses and scale factors
        self.failed_once = False
        self.task = None

    # ---- start ----
    async def setup(self, fixture: dict) -> None:
        p = self.peer
        if self.io is not None:
            n = self.io.bit_limit["c"]
            await p._set(self.io, "c", 0, [False] * n)
            await p._set(self.io, "d", 0, [False] * n)
            for name, spec in self.model.inputs.items():
                await self._set_input(name, spec["initial"])
        if self.gateway is not None:
            n = self.gateway.bit_limit["c"]
            await p._set(self.gateway, "h", 0, [0] * n)
            await p._set(self.gateway, "h", 100, [0] * n)
            await p._set(self.gateway, "c", 0, [False] * n)
        if self.meter is not None:
            present = {a for a, _ in self.meter.segments["i"]}
            addrs = sorted(a for a in self._meter_values().keys() if a in present)
            for a in addrs:  # contiguous runs of floats: one datastore write each
                run = self.meter_runs[-1] if self.meter_runs else None
                if run and run[0] + 2 * len(run[1]) == a:
                    run[1].append(a)
                else:
                    self.meter_runs.append((a, [a]))
            if self.model.import_kwh is not None:
                self.import_kwh = self.model.import_kwh
            else:
                fx = fixture["sdm630"]["input_registers_float32"]
                self.import_kwh = float(next(e["value"] for e in fx if int(e["address"]) == 72))
            self._set_phase_kwh(self.import_kwh, self.model.import_kwh_phases)
        if self.inverter is not None:
            await self._setup_inverter()
        self.last = time.monotonic()
        await self.update()
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def _setup_inverter(self) -> None:
        layout = self.inverter.sunspec_layout
        model = next((x for x in layout["models"] if x["id"] in SUNSPEC_INVERTER_MODELS), None)
        if model is None:
            raise ModelError(f"cabinet model {self.model.path}: inverter: its SunSpec chain has "
                             "no inverter model (101, 102 or 103)")
        pts = model["points"]

        async def sf(name: str) -> int:
            v = (await self.peer._get(self.inverter, "h", pts[name], 1))[0]
            v = v - 0x10000 if v >= 0x8000 else v
            if v == -0x8000 or not -10 <= v <= 10:
                raise ModelError(f"cabinet model {self.model.path}: inverter: {name} = {v} is "
                                 "not a usable scale factor (set it in inverter.points)")
            return v

        hi, lo = await self.peer._get(self.inverter, "h", pts["WH"], 2)
        self.inv = {"points": pts, "phases": SUNSPEC_INVERTER_MODELS[model["id"]],
                    "W_SF": await sf("W_SF"), "WH_SF": await sf("WH_SF"),
                    "A_SF": await sf("A_SF") if "A_SF" in pts else None}
        self.pv_wh = (hi << 16 | lo) * 10.0 ** self.inv["WH_SF"]
        problem = self._pv_power_problem(self.pv_w)
        if problem:
            raise ModelError(f"cabinet model {self.model.path}: inverter.powerW: {problem}")

    def _pv_power_problem(self, w: float) -> str | None:
        sf = self.inv["W_SF"]
        if round(w / 10.0 ** sf) > 0x7FFF:
            return (f"{w:g} W does not fit the int16 W point with W_SF {sf} (at most "
                    f"{0x7FFF * 10.0 ** sf:g} W); give the inverter a larger W_SF in the "
                    "model's inverter.points")
        return None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.TICK)
            try:
                await self.update()
            except Exception as exc:  # keep ticking; say it once
                if not self.failed_once:
                    self.failed_once = True
                    sys.stderr.write(f"peer: cabinet update failed: {type(exc).__name__}: {exc}\n")

    # ---- physics ----
    async def update(self) -> None:
        p = self.peer
        async with self.lock:
            now = time.monotonic()
            dt = (now - self.last) * self.scale if self.last is not None else 0.0
            self.last = now
            # energy of the interval that just ended, at the power it had
            self.import_kwh += self.total_w * dt / 3.6e6
            for ph in PHASES:
                self.phase_kwh[ph] += self.phase_w[ph] * dt / 3.6e6
            self.pv_wh += self.pv_w * dt / 3600.0

            coils = await p._get(self.io, "c", 0, self.io.bit_limit["c"]) if self.io else []
            dis = await p._get(self.io, "d", 0, self.io.bit_limit["d"]) if self.io else []
            levels, gcoils = [], []
            if self.gateway is not None:
                n = self.gateway.bit_limit["c"]
                levels = await p._get(self.gateway, "h", 0, n)
                if self.model.switching == "coil":
                    gcoils = await p._get(self.gateway, "c", 0, n)

            fs = self.model.full_scale
            outputs = []
            phase_w = {ph: 0.0 for ph in PHASES}
            for o in self.model.outputs:
                if o.kind == "contactor":
                    on, level = bool(coils[o.index]), None
                    fraction = 1.0 if on else 0.0
                else:
                    level = levels[o.index]
                    on = level > 0 and (self.model.switching != "coil" or bool(gcoils[o.index]))
                    fraction = min(level, fs) / fs if on else 0.0
                if o.id in self.day_burner:
                    base = 1.0
                elif self.stuck[o.id] is not None:
                    base = 1.0 if self.stuck[o.id] else 0.0
                else:
                    base = fraction
                drawn = 0.0 if o.phase in self.lost else o.watts * base * self.lamp[o.id]
                phase_w[o.phase] += drawn
                faults = {"lampFail": self.lamp[o.id],
                          "stuck": None if self.stuck[o.id] is None else
                          ("on" if self.stuck[o.id] else "off"),
                          "dayBurner": o.id in self.day_burner,
                          "phaseLost": o.phase in self.lost}
                outputs.append({"id": o.id, "kind": o.kind, "phase": o.phase, "ratedW": o.watts,
                                "on": on, "level": level, "expectedW": o.watts * fraction,
                                "drawnW": drawn, "faults": faults})
            phases = {}
            for ph in PHASES:
                v = 0.0 if ph in self.lost else self.model.voltage
                w = phase_w[ph]
                phases[ph] = {"V": v, "A": w / v if v else 0.0, "W": w, "lost": ph in self.lost,
                              "importKWh": self.phase_kwh[ph] if self.meter is not None else None}
            total = sum(phase_w.values())
            self.total_w = total
            self.phase_w = phase_w
            self.max_demand = max(self.max_demand, total)
            self.phases = phases

            inputs = {}
            for name, spec in self.model.inputs.items():
                value = dis[spec["input"]]
                active = bool(value) != spec["activeLow"]
                inputs[name] = {"input": spec["input"], "activeLow": spec["activeLow"],
                                "value": value, "state": INPUT_WORDS[name][0 if active else 1]}

            if self.meter is not None:
                vals = self._meter_values()
                for start, addrs in self.meter_runs:
                    words = []
                    for a in addrs:
                        words.extend(float_words(vals[a]))
                    await p._set(self.meter, "i", start, words)
            inverter = None
            if self.inverter is not None:
                await self._write_inverter()
                inverter = {"W": self.pv_w, "WH": self.pv_wh}

            self.snapshot = {
                "timeScale": self.scale, "outputs": outputs, "phases": phases, "totalW": total,
                "importKWh": self.import_kwh if self.meter is not None else None,
                "maxDemandW": self.max_demand, "inverter": inverter, "inputs": inputs,
                "coils": [int(c) for c in coils], "discreteInputs": [int(d) for d in dis],
            }

    def _meter_values(self) -> dict[int, float]:
        """SDM630 input-register address -> value, from the phases of the last update."""
        ph = getattr(self, "phases", None) or {x: {"V": 0.0, "A": 0.0, "W": 0.0} for x in PHASES}
        v = [ph[x]["V"] for x in PHASES]
        a = [ph[x]["A"] for x in PHASES]
        w = [ph[x]["W"] for x in PHASES]
        vals: dict[int, float] = {}
        for i in range(3):
            vals[SDM_PER_PHASE["V"][i]] = v[i]
            vals[SDM_PER_PHASE["A"][i]] = a[i]
            vals[SDM_PER_PHASE["W"][i]] = w[i]
            vals[SDM_PER_PHASE["VA"][i]] = w[i]  # power factor 1: VA = W, VAr = 0
            vals[SDM_PER_PHASE["VAr"][i]] = 0.0
            vals[SDM_PER_PHASE["PF"][i]] = 1.0

        def ll(x: float, y: float) -> float:  # |Vx - Vy| for phasors 120 degrees apart
            return math.sqrt(x * x + y * y + x * y)

        total = sum(w)
        vals.update({
            42: sum(v) / 3, 46: sum(a) / 3, 48: sum(a), 52: total, 56: total, 60: 0.0, 62: 1.0,
            72: self.import_kwh, 74: 0.0, 84: total, 86: self.max_demand,
            200: ll(v[0], v[1]), 202: ll(v[1], v[2]), 204: ll(v[2], v[0]),
            206: (ll(v[0], v[1]) + ll(v[1], v[2]) + ll(v[2], v[0])) / 3,
            # neutral current: the phasor sum of three resistive phase currents
            224: math.sqrt(max(0.0, a[0] ** 2 + a[1] ** 2 + a[2] ** 2
                               - a[0] * a[1] - a[1] * a[2] - a[2] * a[0])),
            342: self.import_kwh,  # total active energy = import + export (export is 0)
        })
        for i, x in enumerate(PHASES):  # per-phase energy: import, export (0), total = import
            vals[SDM_PHASE_ENERGY["import"][i]] = self.phase_kwh[x]
            vals[SDM_PHASE_ENERGY["export"][i]] = 0.0
            vals[SDM_PHASE_ENERGY["total"][i]] = self.phase_kwh[x]
        return vals

    def _set_phase_kwh(self, total: float, phases: list[float] | None) -> None:
        """The per-phase import energy for a total just set: as given, else split equally."""
        split = phases if phases is not None else [total / 3.0] * 3
        self.phase_kwh = dict(zip(PHASES, (float(x) for x in split)))

    async def _write_inverter(self) -> None:
        p, inv, pts = self.peer, self.inv, self.inv["points"]
        dev = self.inverter
        w_raw = round(self.pv_w / 10.0 ** inv["W_SF"])
        await p._set(dev, "h", pts["W"], [w_raw & 0xFFFF])
        wh_raw = int(math.floor(self.pv_wh / 10.0 ** inv["WH_SF"] + 1e-9)) % (1 << 32)
        await p._set(dev, "h", pts["WH"], [wh_raw >> 16, wh_raw & 0xFFFF])
        if inv["A_SF"] is not None:
            n = inv["phases"]
            per_phase = self.pv_w / (n * self.model.voltage)
            names = ["AphA", "AphB", "AphC"][:n]
            for name, amps in [("A", per_phase * n)] + [(x, per_phase) for x in names]:
                if name in pts:
                    raw = min(0xFFFE, round(amps / 10.0 ** inv["A_SF"]))
                    await p._set(dev, "h", pts[name], [raw])
        if "St" in pts:
            await p._set(dev, "h", pts["St"], [4 if self.pv_w > 0 else 2])  # MPPT / SLEEPING

    # ---- stdin commands ----
    def _output(self, s: str) -> CabinetOutput:
        if s not in self.outputs:
            raise CmdError(f"unknown output {s!r} ({', '.join(self.outputs)})")
        return self.outputs[s]

    def _phase(self, s: str) -> str:
        ph = s.upper()
        if ph not in PHASES:
            raise CmdError(f"bad phase {s!r} (L1|L2|L3)")
        return ph

    async def _set_input(self, name: str, word: str) -> None:
        spec = self.model.inputs.get(name)
        if spec is None:
            raise CmdError(f"the model has no {name} input")
        active_word, inactive_word = INPUT_WORDS[name]
        if word not in (active_word, inactive_word):
            raise CmdError(f"{name} {active_word}|{inactive_word}")
        value = (word == active_word) != spec["activeLow"]
        await self.peer._set(self.io, "d", spec["input"], [value])

    def _state_json(self) -> str:
        return json.dumps(self.snapshot, separators=(",", ":"))

    async def dispatch(self, cmd: str, a: list[str]) -> str | None:
        def nargs(n):
            if len(a) != n:
                raise CmdError(f"usage error for {cmd}")

        def fraction(s: str) -> float:
            v = float(s)
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise CmdError(f"fraction must be 0..1, got {s}")
            return v

        # each change: close the energy interval at the old state, change, show the new one
        if cmd == "state":
            nargs(0)
            await self.update()
            return "OK " + self._state_json()
        if cmd == "lamp-fail":
            nargs(2)
            o, f = self._output(a[0]), fraction(a[1])
            await self.update()
            self.lamp[o.id] = f
            if o.kind == "dimmer":  # a DALI gateway reports lamp failure in its status
                await self.peer._set(self.gateway, "h", 100 + o.index, [2 if f < 1.0 else 0])
        elif cmd == "stuck":
            nargs(2)
            o, s = self._output(a[0]), a[1].lower()
            if s not in ("on", "off"):
                raise CmdError("stuck OUTPUT on|off")
            await self.update()
            self.stuck[o.id] = s == "on"
        elif cmd == "unstick":
            nargs(1)
            o = self._output(a[0])
            await self.update()
            self.stuck[o.id] = None
        elif cmd in ("day-burner", "day-burner-off"):
            nargs(1)
            o = self._output(a[0])
            await self.update()
            if cmd == "day-burner":
                self.day_burner.add(o.id)
            else:
                self.day_burner.discard(o.id)
        elif cmd in ("phase-lost", "phase-restored"):
            nargs(1)
            ph = self._phase(a[0])
            await self.update()
            if cmd == "phase-lost":
                self.lost.add(ph)
            else:
                self.lost.discard(ph)
        elif cmd in INPUT_WORDS:
            nargs(1)
            await self._set_input(cmd, a[0].lower())
        elif cmd in ("meter-reset", "meter-set"):
            if self.meter is None:
                raise CmdError("the model has no meter")
            if cmd == "meter-reset":
                nargs(0)
            elif len(a) not in (1, 4):
                raise CmdError("usage: meter-set KWH [L1_KWH L2_KWH L3_KWH]")
            values = [0.0] if cmd == "meter-reset" else [float(x) for x in a]
            for s, v in zip(a, values):
                if not (math.isfinite(v) and 0.0 <= v <= 3.0e38):
                    raise CmdError(f"kWh must be a finite number >= 0, got {s}")
            kwh, split = values[0], values[1:] or None
            if split is not None:
                problem = phase_kwh_problem(kwh, split)
                if problem:
                    raise CmdError(problem)
            await self.update()
            self.import_kwh = kwh
            self._set_phase_kwh(kwh, split)
            if cmd == "meter-reset":
                self.max_demand = 0.0
        elif cmd == "pv-power":
            if self.inverter is None:
                raise CmdError("the model has no inverter")
            nargs(1)
            w = float(a[0])
            if not (math.isfinite(w) and w >= 0.0):
                raise CmdError(f"power must be a finite number >= 0, got {a[0]}")
            problem = self._pv_power_problem(w)
            if problem:
                raise CmdError(problem)
            await self.update()
            self.pv_w = w
        else:
            return None
        await self.update()
        return "OK"


def make_server_classes(peer: Peer):
    from pymodbus.server import ModbusSerialServer, ModbusTcpServer
    from pymodbus.server.requesthandler import ServerRequestHandler

    class PeerHandler(ServerRequestHandler):
        """pymodbus' own per-connection handler, with our trace hooks bound to it."""

        def __init__(self, owner):
            self.delay_next_send = 0.0
            self.update_before_send = False
            self.pending: set = set()  # send tasks waiting for a cabinet update
            self.last_rx = 0.0
            self.peer_listener = owner.peer_listener  # (pymodbus sets .listener itself)
            super().__init__(owner, None, self._trace_pdu, self._trace_connect)

        def _trace_pdu(self, sending, pdu):
            return peer.on_pdu(self, sending, pdu)

        def _trace_connect(self, connected):
            peer.on_connect(self, connected)

        def send(self, data, addr=None):
            delay, self.delay_next_send = self.delay_next_send, 0.0
            sync, self.update_before_send = self.update_before_send, False
            base_send = super().send
            if sync:
                async def after_update():
                    try:
                        await peer.cabinet.update()
                    except Exception:  # the periodic update reports failures on stderr
                        pass
                    if delay > 0:
                        self.loop.call_later(delay, base_send, data, addr)
                    else:
                        base_send(data, addr)

                task = self.loop.create_task(after_update())
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)
            elif delay > 0:
                self.loop.call_later(delay, base_send, data, addr)
            else:
                base_send(data, addr)

        def datagram_received(self, data, addr):
            # RTU frames are delimited by silence (>= 3.5 characters): bytes left over from
            # a garbled frame must not be glued to the next request.
            if peer.rtu_gap:
                now = time.monotonic()
                if self.recv_buffer and now - self.last_rx > peer.rtu_gap:
                    self.recv_buffer = b""
                self.last_rx = now
            super().datagram_received(data, addr)

    class PeerTcpServer(ModbusTcpServer):
        def callback_new_connection(self):
            return PeerHandler(self)

    class PeerSerialServer(ModbusSerialServer):
        def callback_new_connection(self):
            return PeerHandler(self)

    return PeerTcpServer, PeerSerialServer


# --------------------------------------------------------------------------- main


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stdin_loop(loop: asyncio.AbstractEventLoop, peer: Peer) -> None:
    stdin = sys.stdin.buffer
    try:
        while True:
            raw = stdin.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").strip()
            reply = asyncio.run_coroutine_threadsafe(peer.command(line), loop).result()
            out(reply)
            if reply == "OK" and line.lower().split()[:1] == ["quit"]:
                break
    except BrokenPipeError:
        pass
    except Exception as exc:  # pragma: no cover - last resort
        sys.stderr.write(f"peer: stdin loop failed: {exc}\n")
    finally:
        try:
            sys.stdout.flush()
        finally:
            os._exit(0)


async def serve(args, listeners: list[Listener], model: CabinetModel | None = None,
                fixture: dict | None = None) -> None:
    from pymodbus.framer import FramerType

    transport = "rtu" if args.rtu else "tcp"
    char_time = (1 + 8 + (0 if args.parity == "N" else 1) + args.stopbits) / args.baud
    rtu_gap = 0.0
    if transport == "rtu" and args.rtu_gap_ms != 0:
        rtu_gap = (args.rtu_gap_ms / 1000.0) if args.rtu_gap_ms > 0 else max(3.5 * char_time, 0.02)
    peer = Peer(listeners, transport, rtu_gap)
    TcpServer, SerialServer = make_server_classes(peer)

    if transport == "tcp":
        for lst in listeners:
            host, port = lst.bind
            simdevices = [to_simdevice(d) for d in lst.devices.values()]
            server = TcpServer(simdevices, framer=FramerType.SOCKET, address=(host, port))
            server.peer_listener = lst
            lst.server = server
            try:
                await server.serve_forever(background=True)
            except (OSError, RuntimeError) as exc:
                what = f"bus {lst.name}" if model is not None and lst.name != "*" else "TCP"
                raise RuntimeError(f"{what}: cannot listen on {host}:{port}: {exc}") from exc
            lst.address = f"{host}:{server.transport.sockets[0].getsockname()[1]}"
        if model is None:
            ready = f"READY tcp {listeners[0].address}"
        else:
            ready = "READY cabinet " + " ".join(f"{bus}={peer.listener_of[bus].address}"
                                                for bus in model.buses)
    else:
        lst = listeners[0]
        simdevices = [to_simdevice(d) for d in lst.devices.values()]
        parity = args.parity
        for attempt in (parity, "N"):
            server = SerialServer(simdevices, framer=FramerType.RTU, port=args.rtu,
                                  baudrate=args.baud, parity=attempt, stopbits=args.stopbits,
                                  bytesize=8, reconnect_delay=0.5)
            server.peer_listener = lst
            lst.server = server
            try:
                await server.serve_forever(background=True)
                break
            except Exception as exc:
                # a pseudo-terminal cannot carry parity: pyserial's tcsetattr check refuses E/O
                # there with termios.error 22 (pymodbus' listen() lets it through)
                import termios
                if attempt == "N" or parity == "N" or not isinstance(exc, termios.error):
                    raise RuntimeError(f"cannot open {args.rtu}: {exc}") from exc
                sys.stderr.write(f"peer: {args.rtu}: parity {parity} refused ({exc}); using N\n")
        ready = f"READY rtu {args.rtu}"

    if model is not None:
        for role, (bus, unit) in model.roles.items():
            peer.roles[role] = peer.devices[f"{bus}/{unit}"]
        peer.cabinet = Cabinet(peer, model, args.time_scale)
        await peer.cabinet.setup(fixture)

    out(ready)
    if args.no_stdin:
        await asyncio.Event().wait()
    threading.Thread(target=stdin_loop, args=(asyncio.get_running_loop(), peer),
                     daemon=True, name="stdin").start()
    await asyncio.Event().wait()


def parse_host_port(s: str, what: str) -> tuple[str, int]:
    host, sep, port_s = s.rpartition(":")
    try:
        port = int(port_s)
    except ValueError:
        port = -1
    if not sep or not 0 <= port <= 65535:
        raise ValueError(f"{what}: expected HOST:PORT (PORT 0 = any free port)")
    return host.strip("[]") or "127.0.0.1", port


def cabinet_listeners(args, model: CabinetModel, fixture: dict) -> list[Listener]:
    per_bus = build_cabinet_devices(model, fixture, args.sunspec_base)
    if args.tcp:  # one shared port: unit ids must be distinct across buses
        owner: dict[int, str] = {}
        for bus, devs in per_bus.items():
            for unit in devs:
                if unit in owner:
                    raise ValueError(
                        f"--tcp (one shared port): unit {unit} is on both bus {owner[unit]!r} and "
                        f"bus {bus!r} of {model.path}; give each bus its own port with --listen "
                        "BUS=HOST:PORT (the default), or use distinct unit ids")
                owner[unit] = bus
        lst = Listener("*", {u: d for devs in per_bus.values() for u, d in devs.items()})
        lst.bind = parse_host_port(args.tcp, f"--tcp {args.tcp!r}")
        return [lst]
    binds: dict[str, tuple[str, int]] = {}
    for spec in args.listen:
        bus, eq, hp = spec.partition("=")
        if not eq:
            raise ValueError(f"--listen {spec!r}: expected BUS=HOST:PORT")
        if bus not in per_bus:
            raise ValueError(f"--listen {spec!r}: {model.path} has no bus {bus!r} "
                             f"({', '.join(per_bus)})")
        if bus in binds:
            raise ValueError(f"--listen: bus {bus!r} given twice")
        binds[bus] = parse_host_port(hp, f"--listen {spec!r}")
    listeners = []
    for bus, devs in per_bus.items():
        lst = Listener(bus, devs)
        lst.bind = binds.get(bus, ("127.0.0.1", 0))
        listeners.append(lst)
    return listeners


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (PORT 0 = any free port); "
                       "with --cabinet: every bus on this one port")
    where.add_argument("--rtu", metavar="DEVICE", help="serve RTU on a serial device / PTY")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--parity", choices=["N", "E", "O"], default="N")
    ap.add_argument("--stopbits", type=int, choices=[1, 2], default=1)
    ap.add_argument("--device", action="append", default=[], metavar="UNIT:KIND",
                    help="sdm120 | sdm630 | sunspec-inverter | sunspec-meter | gateway:N | io:N")
    ap.add_argument("--sunspec-base", type=int, default=None,
                    help="SunSpec base register (0, 40000 or 50000; default from fixture: 40000)")
    ap.add_argument("--values", default=DEFAULT_VALUES, help="fixture file (default %(default)s)")
    ap.add_argument("--cabinet", metavar="MODEL.json",
                    help="cabinet mode: serve the model's buses, meter/inverter follow the outputs")
    ap.add_argument("--listen", action="append", default=[], metavar="BUS=HOST:PORT",
                    help="cabinet mode: where a bus listens (default 127.0.0.1:0 for each bus)")
    ap.add_argument("--time-scale", type=float, default=1.0, metavar="K",
                    help="cabinet mode: energy integrates K times faster than wall time "
                         "(default 1)")
    ap.add_argument("--rtu-gap-ms", type=float, default=-1,
                    help="RTU: drop a partial frame after this much silence "
                         "(default max(3.5 chars, 20 ms); 0 = never)")
    ap.add_argument("--no-stdin", action="store_true", help="ignore stdin; run until killed")
    ap.add_argument("--verbose", action="store_true", help="pymodbus debug log on stderr")
    args = ap.parse_args(argv)
    if args.cabinet:
        if args.rtu:
            ap.error("--cabinet serves TCP only (--listen BUS=HOST:PORT or --tcp HOST:PORT)")
        if args.device:
            ap.error("--cabinet takes its devices from the model's buses, not --device")
        if args.tcp and args.listen:
            ap.error("--cabinet: give either --tcp (all buses on one port) or --listen per bus")
        if not (math.isfinite(args.time_scale) and args.time_scale > 0):
            ap.error("--time-scale must be a number > 0")
    else:
        if not (args.tcp or args.rtu):
            ap.error("one of the arguments --tcp --rtu --cabinet is required")
        if args.listen or args.time_scale != 1.0:
            ap.error("--listen and --time-scale need --cabinet")
        if not args.device:
            ap.error("at least one --device UNIT:KIND is needed")
    if args.tcp and ":" not in args.tcp:
        ap.error("--tcp needs HOST:PORT")

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if args.verbose else logging.CRITICAL + 1)

    try:
        try:
            _import_pymodbus()
            import sunspec2  # noqa: F401  (only needed for SunSpec kinds, but fail early)
        except ImportError as exc:
            sys.stderr.write(f"peer: {exc}; run tools/modbus-testbed/setup.sh and start peer.py "
                             "with its venv's python (see .build/modbus-testbed.env)\n")
            return 2
        with open(args.values, encoding="utf-8") as f:
            fixture = json.load(f)
        if args.cabinet:
            model = load_cabinet_model(args.cabinet)
            listeners = cabinet_listeners(args, model, fixture)
            asyncio.run(serve(args, listeners, model, fixture))
            return 0
        devices: dict[int, Device] = {}
        for spec in args.device:
            dev = build_device(spec, fixture, args.sunspec_base)
            if dev.unit in devices:
                raise ValueError(f"unit {dev.unit} given twice")
            devices[dev.unit] = dev
        lst = Listener("", devices)
        if args.tcp:
            host, _, port_s = args.tcp.rpartition(":")
            lst.bind = (host.strip("[]") or "127.0.0.1", int(port_s))
        asyncio.run(serve(args, [lst]))
    except KeyboardInterrupt:
        return 0
    except ModelError as exc:
        sys.stderr.write(f"peer: {exc}\n")
        return 2
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        sys.stderr.write(f"peer: {type(exc).__name__}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
