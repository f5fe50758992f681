#!/usr/bin/env python3
"""An RS-485 line between two pseudo-terminals, paced at the line rate.

    ptyrelay.py --client-link /tmp/rtu-client --server-link /tmp/rtu-server \
                --baud 9600 --bits-per-char 10 [--garble 0.01 --seed 1]

The relay makes two PTY pairs with os.openpty() (no socat process: fewer processes, no
start-up race, and the relay can read the client's termios settings). It symlinks each
pair's slave (/dev/pts/N) at the given link path, keeps the slaves open itself (so a client
closing and reopening its end never sees EIO/hang-up), and forwards bytes between the two
masters in both directions. Each byte is delivered one character time after the line in
that direction became free (start bit to stop bit: --bits-per-char, 10 for 8N1, 11 for
8E1/8O1/8N2), as on a real UART: an 8-byte frame takes 8 character times end to end.
Timing uses time.perf_counter(): select() until shortly before the next byte is due, then
a short busy wait.

Prints `READY client=<link> server=<link>` and reads commands on stdin, answering one
line each: garble P | cut | restore | stats | line | quit (see README.md).
Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import errno
import json
import os
import random
import select
import signal
import sys
import termios
import time
import tty

SPIN = 0.00025  # seconds of busy wait before a byte is due (select() wakes ~60 us late)


def tighten_timer_slack() -> None:
    """Ask Linux for 1 us timer slack (default 50 us) so select() timeouts wake on time."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(29, 1000, 0, 0, 0)  # PR_SET_TIMERSLACK, in nanoseconds
    except Exception:
        pass


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


BAUDS = {getattr(termios, n): int(n[1:]) for n in dir(termios)
         if n.startswith("B") and n[1:].isdigit()}


def describe_termios(fd: int) -> dict:
    """What the program holding the other end configured (PTYs accept but ignore it)."""
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
    size = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}[cflag & termios.CSIZE]
    parity = "N"
    if cflag & termios.PARENB:
        parity = "O" if cflag & termios.PARODD else "E"
    return {"baud": BAUDS.get(ospeed, ospeed), "bytesize": size, "parity": parity,
            "stopbits": 2 if cflag & termios.CSTOPB else 1}


class End:
    """One PTY pair: programs open `link` (the slave); the relay reads/writes `master`."""

    def __init__(self, link: str):
        self.link = os.path.abspath(link)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # raw, no echo, until the program configures it
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        if os.path.lexists(self.link):
            if not os.path.islink(self.link):
                raise SystemExit(f"ptyrelay: {self.link} exists and is not a symlink")
            os.unlink(self.link)
        os.symlink(self.path, self.link)

    def close(self):
        try:
            if os.path.islink(self.link) and os.readlink(self.link) == self.path:
                os.unlink(self.link)
        except OSError:
            pass
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class Direction:
    """Bytes waiting to cross the line one way. A byte is delivered one character time
    after its transmission starts; transmission starts when the byte has arrived and the
    previous byte in this direction has been delivered (so bytes are never closer than one
    character time, even after the relay was descheduled)."""

    def __init__(self, src: End, dst: End):
        self.src, self.dst = src, dst
        self.queue: collections.deque[tuple[float, int]] = collections.deque()  # (arrival, byte)
        self.last = float("-inf")  # when the previous byte was actually delivered
        self.delivered = 0

    def due(self, char_time: float) -> float | None:
        if not self.queue:
            return None
        return max(self.queue[0][0], self.last) + char_time


class Relay:
    def __init__(self, args):
        self.char_time = args.bits_per_char / args.baud
        self.garble_p = args.garble
        self.rng = random.Random(args.seed)
        self.cut = False
        self.garbled = 0
        self.dropped = 0
        self.client = End(args.client_link)
        self.server = End(args.server_link)
        self.to_server = Direction(self.client, self.server)
        self.to_client = Direction(self.server, self.client)
        self.dirs = (self.to_server, self.to_client)
        self.stdin_fd = None if args.no_stdin else sys.stdin.fileno()
        self.stdin_buf = b""

    # ---- commands ----
    def command(self, line: str) -> tuple[str, bool]:
        parts = line.split()
        if not parts:
            return "ERR empty command", False
        cmd, a = parts[0].lower(), parts[1:]
        try:
            if cmd == "garble" and len(a) == 1:
                p = float(a[0])
                if not 0.0 <= p <= 1.0:
                    return "ERR probability must be 0..1", False
                self.garble_p = p
                return "OK", False
            if cmd == "seed" and len(a) == 1:
                self.rng.seed(int(a[0], 0))
                return "OK", False
            if cmd == "cut" and not a:
                self.cut = True
                for d in self.dirs:
                    self.dropped += len(d.queue)
                    d.queue.clear()
                return "OK", False
            if cmd == "restore" and not a:
                self.cut = False
                return "OK", False
            if cmd == "stats" and not a:
                return "OK " + json.dumps({
                    "bytes_to_server": self.to_server.delivered,
                    "bytes_to_client": self.to_client.delivered,
                    "garbled": self.garbled,
                    "dropped": self.dropped,
                }, separators=(",", ":")), False
            if cmd == "reset-stats" and not a:
                self.to_server.delivered = self.to_client.delivered = 0
                self.garbled = self.dropped = 0
                return "OK", False
            if cmd == "line" and not a:
                return "OK " + json.dumps({"client": describe_termios(self.client.slave),
                                           "server": describe_termios(self.server.slave)},
                                          separators=(",", ":")), False
            if cmd == "ping" and not a:
                return "OK", False
            if cmd == "quit" and not a:
                return "OK", True
        except ValueError as exc:
            return f"ERR bad arguments: {exc}", False
        return f"ERR unknown command or arguments: {line.strip()}", False

    # ---- byte pump ----
    def read_side(self, d: Direction, now: float) -> None:
        try:
            data = os.read(d.src.master, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno == errno.EIO:  # cannot happen while we hold the slave; be safe
                return
            raise
        if self.cut:
            self.dropped += len(data)
            return
        d.queue.extend((now, b) for b in data)

    def deliver_due(self) -> None:
        perf = time.perf_counter
        for d in self.dirs:
            while True:
                due = d.due(self.char_time)
                if due is None or due > perf():
                    break
                b = d.queue.popleft()[1]
                if self.garble_p and self.rng.random() < self.garble_p:
                    b ^= 1 << self.rng.randrange(8)
                    self.garbled += 1
                d.last = perf()  # the byte leaves now (>= due)
                try:
                    n = os.write(d.dst.master, bytes((b,)))
                except BlockingIOError:  # nobody reads that end and its buffer is full
                    n = 0
                d.delivered += n
                self.dropped += 1 - n

    def next_due(self) -> float | None:
        dues = [t for t in (d.due(self.char_time) for d in self.dirs) if t is not None]
        return min(dues) if dues else None

    def handle_stdin(self) -> bool:
        """Returns False when the relay should stop."""
        try:
            data = os.read(self.stdin_fd, 4096)
        except BlockingIOError:
            return True
        if not data:
            return False
        self.stdin_buf += data
        while b"\n" in self.stdin_buf:
            raw, self.stdin_buf = self.stdin_buf.split(b"\n", 1)
            reply, stop = self.command(raw.decode("utf-8", "replace"))
            out(reply)
            if stop:
                return False
        return True

    def run(self) -> None:
        out(f"READY client={self.client.link} server={self.server.link}")
        fds = [self.client.master, self.server.master]
        if self.stdin_fd is not None:
            fds.append(self.stdin_fd)
        perf = time.perf_counter
        while True:
            due = self.next_due()
            if due is None:
                timeout = None
            else:
                timeout = max(0.0, due - perf() - SPIN)
            readable, _, _ = select.select(fds, [], [], timeout)
            now = perf()
            for fd in readable:
                if fd == self.stdin_fd:
                    if not self.handle_stdin():
                        return
                elif fd == self.client.master:
                    self.read_side(self.to_server, now)
                else:
                    self.read_side(self.to_client, now)
            due = self.next_due()
            if due is not None and due - perf() <= SPIN:
                while perf() < due:
                    pass
                self.deliver_due()

    def close(self) -> None:
        self.client.close()
        self.server.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client-link", required=True, help="symlink to create for the client (driver) end")
    ap.add_argument("--server-link", required=True, help="symlink to create for the server (peer.py --rtu) end")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--bits-per-char", type=int, default=10,
                    help="start + data + parity + stop bits: 10 for 8N1, 11 for 8E1/8O1/8N2")
    ap.add_argument("--garble", type=float, default=0.0, help="initial corruption probability per byte")
    ap.add_argument("--seed", type=int, default=1, help="seed for the corruption RNG (deterministic)")
    ap.add_argument("--no-stdin", action="store_true", help="ignore stdin; run until killed")
    args = ap.parse_args(argv)
    if args.baud <= 0 or args.bits_per_char <= 0:
        ap.error("--baud and --bits-per-char must be positive")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tighten_timer_slack()
    relay = Relay(args)
    try:
        relay.run()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass
    finally:
        relay.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
