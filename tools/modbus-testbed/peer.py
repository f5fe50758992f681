#!/usr/bin/env python3
"""Modbus peer for Lanterne's driver tests: a pymodbus server nobody on the team wrote.

Run with the venv made by setup.sh:

    peer.py --tcp 127.0.0.1:0 --device 1:sdm120 --device 2:gateway:8
    peer.py --rtu /tmp/lanterne-rtu-server --baud 9600 --device 1:sdm630

Device kinds: sdm120, sdm630, sunspec-inverter, sunspec-meter, gateway:N, io:N.
Register values come from fixtures/values.json (or --values FILE).

It prints exactly one line `READY tcp HOST:PORT` or `READY rtu DEVICE`, then reads
commands from stdin, one per line, answering one line `OK[ payload]` or `ERR reason`
each (see README.md). EOF on stdin exits (unless --no-stdin).

The Modbus protocol (framing, PDUs, datastore) is entirely pymodbus'. This file only
builds register images (floats with struct.pack, SunSpec models with pysunspec2's model
definitions) and injects faults through pymodbus' own hooks: `trace_pdu` (per request:
count, mute, canned exception, drop the connection, delay the reply) and
`trace_connect`, on a per-connection ServerRequestHandler subclass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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

    def __init__(self, unit: int, kind: str):
        self.unit = unit
        self.kind = kind
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


def build_device(spec: str, fixture: dict, sunspec_base: int | None) -> Device:
    try:
        unit_s, kind = spec.split(":", 1)
        unit = int(unit_s, 0)
    except ValueError:
        raise ValueError(f"--device {spec!r}: expected UNIT:KIND") from None
    if not 0 <= unit <= 255:
        raise ValueError(f"--device {spec!r}: unit must be 0..255")
    base_kind, _, arg = kind.partition(":")
    dev = Device(unit, kind)
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
        raise ValueError(f"--device {spec!r}: unknown kind (sdm120, sdm630, sunspec-inverter, "
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


class Peer:
    def __init__(self, devices: dict[int, Device], transport: str, rtu_gap: float):
        self.devices = devices
        self.transport = transport  # "tcp" | "rtu"
        self.rtu_gap = rtu_gap
        self.server = None
        self.muted: set[int] = set()
        self.exceptions: dict[int, int] = {}
        self.delays: dict[int, float] = {}
        self.drop_next = False
        self.stats: dict[int, dict[int, int]] = {}
        self.accepted = 0

    # ---- hooks (called by pymodbus) ----
    def on_pdu(self, handler, sending: bool, pdu):
        if sending:
            handler.delay_next_send = self.delays.get(pdu.dev_id, 0.0)
            return pdu
        unit, fc = pdu.dev_id, pdu.function_code
        per_unit = self.stats.setdefault(unit, {})
        per_unit[fc] = per_unit.get(fc, 0) + 1
        if self.drop_next:
            self.drop_next = False
            if self.transport == "tcp":
                handler.close()
            return None  # no reply
        dev = self.devices.get(unit)
        if dev is None and 0 not in self.devices:
            # a TCP gateway answers for a missing unit; on a serial line nobody answers
            return None if self.transport == "rtu" else make_canned_exception(pdu, 0x0B)
        if unit in self.muted:
            return None
        if unit in self.exceptions:
            return make_canned_exception(pdu, self.exceptions[unit])
        if dev is None:
            dev = self.devices[0]
        for table, addr, count, is_write in request_ranges(pdu):
            if is_write and table not in dev.writable:
                return make_canned_exception(pdu, 0x02)
            if table in dev.bit_limit and addr + count > dev.bit_limit[table]:
                return make_canned_exception(pdu, 0x02)
        return pdu

    def on_connect(self, handler, connected: bool):
        if connected:
            self.accepted += 1

    # ---- stdin commands (run on the event loop) ----
    def _unit(self, s: str) -> int:
        try:
            unit = int(s, 0)
        except ValueError:
            raise CmdError(f"bad unit {s!r}") from None
        if unit not in self.devices:
            raise CmdError(f"unknown unit {unit}")
        return unit

    def _table(self, s: str) -> str:
        if s not in TABLES:
            raise CmdError(f"bad table {s!r} (hr|ir|co|di)")
        return TABLES[s]

    def _check_bits(self, unit: int, t: str, addr: int, count: int):
        dev = self.devices[unit]
        if t in dev.bit_limit and addr + count > dev.bit_limit[t]:
            raise CmdError("illegal address")

    async def _get(self, unit: int, t: str, addr: int, count: int) -> list[int]:
        self._check_bits(unit, t, addr, count)
        try:
            vals = await self.server.async_getValues(unit, READ_FC[t], addr, count)
        except TypeError:
            raise CmdError("illegal address") from None
        return [int(v) for v in vals]

    async def _set(self, unit: int, t: str, addr: int, vals: list) -> None:
        self._check_bits(unit, t, addr, len(vals))
        try:
            await self.server.async_setValues(unit, WRITE_FC[t], addr, vals)
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
            self.muted.add(self._unit(a[0]))
            return "OK"
        if cmd == "unmute":
            nargs(1, 1)
            self.muted.discard(self._unit(a[0]))
            return "OK"
        if cmd == "exception":
            nargs(2, 2)
            unit, code = self._unit(a[0]), int(a[1], 0)
            if not 1 <= code <= 255:
                raise CmdError("exception code must be 1..255")
            self.exceptions[unit] = code
            return "OK"
        if cmd == "clear":
            nargs(1, 1)
            unit = self._unit(a[0])
            self.exceptions.pop(unit, None)
            self.muted.discard(unit)
            self.delays.pop(unit, None)
            return "OK"
        if cmd == "delay":
            nargs(2, 2)
            unit, ms = self._unit(a[0]), float(a[1])
            if ms < 0:
                raise CmdError("delay must be >= 0")
            if ms:
                self.delays[unit] = ms / 1000.0
            else:
                self.delays.pop(unit, None)
            return "OK"
        if cmd == "disconnect":
            nargs(0, 0)
            if self.transport != "tcp":
                raise CmdError("disconnect is TCP only")
            conns = list(self.server.active_connections.values())
            for conn in conns:
                conn.close()
            return f"OK {len(conns)}"
        if cmd == "drop-next":
            nargs(0, 0)
            self.drop_next = True
            return "OK"
        if cmd == "get":
            nargs(4, 4)
            unit, t = self._unit(a[0]), self._table(a[1])
            addr, count = int(a[2], 0), int(a[3], 0)
            if count < 1:
                raise CmdError("count must be >= 1")
            vals = await self._get(unit, t, addr, count)
            return "OK " + " ".join(str(v) for v in vals)
        if cmd == "set":
            nargs(4)
            unit, t = self._unit(a[0]), self._table(a[1])
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
            await self._set(unit, t, addr, vals)
            return "OK"
        if cmd == "getf":
            nargs(3, 4)
            unit, t = self._unit(a[0]), self._table(a[1])
            if t not in ("h", "i"):
                raise CmdError("getf needs hr or ir")
            addr, count = int(a[2], 0), int(a[3], 0) if len(a) > 3 else 1
            regs = await self._get(unit, t, addr, 2 * count)
            floats = struct.unpack(f">{count}f", struct.pack(f">{2 * count}H", *regs))
            return "OK " + " ".join(repr(f) for f in floats)
        if cmd == "setf":
            nargs(4)
            unit, t = self._unit(a[0]), self._table(a[1])
            if t not in ("h", "i"):
                raise CmdError("setf needs hr or ir")
            addr = int(a[2], 0)
            regs = []
            for s in a[3:]:
                regs.extend(float_words(float(s)))
            await self._set(unit, t, addr, regs)
            return "OK"
        if cmd == "stats":
            nargs(0, 0)
            out = {str(u): {str(fc): n for fc, n in sorted(fcs.items())}
                   for u, fcs in sorted(self.stats.items())}
            return "OK " + json.dumps(out, separators=(",", ":"))
        if cmd == "reset-stats":
            nargs(0, 0)
            self.stats.clear()
            return "OK"
        if cmd == "connections":
            nargs(0, 0)
            open_n = len(self.server.active_connections) if self.transport == "tcp" else None
            return "OK " + json.dumps({"open": open_n, "accepted": self.accepted},
                                      separators=(",", ":"))
        if cmd == "devices":
            nargs(0, 0)
            return "OK " + json.dumps({str(u): d.kind for u, d in sorted(self.devices.items())},
                                      separators=(",", ":"))
        if cmd == "sunspec":
            nargs(1, 1)
            dev = self.devices[self._unit(a[0])]
            if dev.sunspec_layout is None:
                raise CmdError("not a SunSpec device")
            return "OK " + json.dumps(dev.sunspec_layout, separators=(",", ":"))
        if cmd == "quit":
            return "OK"
        raise CmdError(f"unknown command {cmd!r}")


def make_server_classes(peer: Peer):
    from pymodbus.server import ModbusSerialServer, ModbusTcpServer
    from pymodbus.server.requesthandler import ServerRequestHandler

    class PeerHandler(ServerRequestHandler):
        """pymodbus' own per-connection handler, with our trace hooks bound to it."""

        def __init__(self, owner):
            self.delay_next_send = 0.0
            self.last_rx = 0.0
            super().__init__(owner, None, self._trace_pdu, self._trace_connect)

        def _trace_pdu(self, sending, pdu):
            return peer.on_pdu(self, sending, pdu)

        def _trace_connect(self, connected):
            peer.on_connect(self, connected)

        def send(self, data, addr=None):
            delay, self.delay_next_send = self.delay_next_send, 0.0
            if delay > 0:
                self.loop.call_later(delay, super().send, data, addr)
            else:
                super().send(data, addr)

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


async def serve(args, devices: dict[int, Device]) -> None:
    from pymodbus.framer import FramerType

    transport = "tcp" if args.tcp else "rtu"
    char_time = (1 + 8 + (0 if args.parity == "N" else 1) + args.stopbits) / args.baud
    rtu_gap = 0.0
    if transport == "rtu" and args.rtu_gap_ms != 0:
        rtu_gap = (args.rtu_gap_ms / 1000.0) if args.rtu_gap_ms > 0 else max(3.5 * char_time, 0.02)
    peer = Peer(devices, transport, rtu_gap)
    TcpServer, SerialServer = make_server_classes(peer)
    simdevices = [to_simdevice(d) for d in devices.values()]

    if transport == "tcp":
        host, _, port_s = args.tcp.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        server = TcpServer(simdevices, framer=FramerType.SOCKET, address=(host, int(port_s)))
        peer.server = server
        await server.serve_forever(background=True)
        port = server.transport.sockets[0].getsockname()[1]
        ready = f"READY tcp {host}:{port}"
    else:
        parity = args.parity
        for attempt in (parity, "N"):
            server = SerialServer(simdevices, framer=FramerType.RTU, port=args.rtu,
                                  baudrate=args.baud, parity=attempt, stopbits=args.stopbits,
                                  bytesize=8, reconnect_delay=0.5)
            peer.server = server
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

    out(ready)
    if args.no_stdin:
        await asyncio.Event().wait()
    threading.Thread(target=stdin_loop, args=(asyncio.get_running_loop(), peer),
                     daemon=True, name="stdin").start()
    await asyncio.Event().wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (PORT 0 = any free port)")
    where.add_argument("--rtu", metavar="DEVICE", help="serve RTU on a serial device / PTY")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--parity", choices=["N", "E", "O"], default="N")
    ap.add_argument("--stopbits", type=int, choices=[1, 2], default=1)
    ap.add_argument("--device", action="append", default=[], metavar="UNIT:KIND",
                    help="sdm120 | sdm630 | sunspec-inverter | sunspec-meter | gateway:N | io:N")
    ap.add_argument("--sunspec-base", type=int, default=None,
                    help="SunSpec base register (0, 40000 or 50000; default from fixture: 40000)")
    ap.add_argument("--values", default=DEFAULT_VALUES, help="fixture file (default %(default)s)")
    ap.add_argument("--rtu-gap-ms", type=float, default=-1,
                    help="RTU: drop a partial frame after this much silence "
                         "(default max(3.5 chars, 20 ms); 0 = never)")
    ap.add_argument("--no-stdin", action="store_true", help="ignore stdin; run until killed")
    ap.add_argument("--verbose", action="store_true", help="pymodbus debug log on stderr")
    args = ap.parse_args(argv)
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
        devices: dict[int, Device] = {}
        for spec in args.device:
            dev = build_device(spec, fixture, args.sunspec_base)
            if dev.unit in devices:
                raise ValueError(f"unit {dev.unit} given twice")
            devices[dev.unit] = dev
        asyncio.run(serve(args, devices))
    except KeyboardInterrupt:
        return 0
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        sys.stderr.write(f"peer: {type(exc).__name__}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
