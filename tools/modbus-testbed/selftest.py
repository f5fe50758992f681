#!/usr/bin/env python3
"""Checks the Modbus test bed with clients that are not peer.py's own code.

Run by selftest.sh with the test bed's venv python, after setup.sh. Clients used:
mbpoll (Debian, C, libmodbus), pymodbus' client, raw sockets, and modbus-rtt (libmodbus).
Expectations come from fixtures/values.json (and fixtures/cabinet.json for cabinet mode);
SunSpec layouts are decoded here from pysunspec2's JSON model files with struct,
independently of peer.py's encoder.
Prints one line per check and closes with 'N passed, N failed'.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
PEER = os.path.join(HERE, "peer.py")
RELAY = os.path.join(HERE, "ptyrelay.py")
FIXTURE = json.load(open(os.path.join(HERE, "fixtures", "values.json"), encoding="utf-8"))
EXAMPLES = os.environ.get("LANTERNE_MODBUS_EXAMPLES") or os.path.join(
    os.path.dirname(os.path.dirname(HERE)), ".build", "libmodbus-examples")
RTT = os.path.join(EXAMPLES, "modbus-rtt")

passed = 0
failed = 0
timings: dict[str, object] = {}


def check(name: str, ok: bool, detail: str = "") -> bool:
    global passed, failed
    detail = " ".join(detail.split())
    if ok:
        passed += 1
        print(f"PASS {name}" + (f"  ({detail})" if detail else ""), flush=True)
    else:
        failed += 1
        print(f"FAIL {name}" + (f"  ({detail})" if detail else ""), flush=True)
    return ok


def f32(v: float) -> float:
    return struct.unpack(">f", struct.pack(">f", v))[0]


def f32_ulp(v: float) -> float:
    """The step of float32 at v (what a float32 register can be off by, rounding twice)."""
    if v == 0:
        return 2.0 ** -149
    return 2.0 ** (math.frexp(abs(v))[1] - 24)


def wait_until(fn, pred, timeout: float = 2.0):
    """Polls fn() every 10 ms until pred(value) holds or the timeout passes; returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if pred(v) or time.monotonic() >= deadline:
            return v
        time.sleep(0.01)


# ------------------------------------------------------------------ child processes


class Child:
    """A peer.py / ptyrelay.py child driven through its stdin/stdout line protocol."""

    def __init__(self, argv: list[str], ready_prefix: str, timeout: float = 10.0):
        self.t0 = time.perf_counter()
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, bufsize=0)
        self.buf = b""
        self.ready = self.readline(timeout)
        self.startup = time.perf_counter() - self.t0
        if not self.ready.startswith(ready_prefix):
            err = self.p.stderr.read().decode() if self.p.poll() is not None else ""
            raise RuntimeError(f"{argv[1]}: expected {ready_prefix!r}, got {self.ready!r} {err}")

    def readline(self, timeout: float) -> str:
        import select
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line from child")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise EOFError("child closed stdout")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def cmd(self, line: str, timeout: float = 5.0) -> str:
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        return self.readline(timeout)

    def stop(self):
        if self.p.poll() is None:
            try:
                self.cmd("quit", 2.0)
            except Exception:
                pass
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                f.close()
            except Exception:
                pass


def start_peer(*args: str) -> Child:
    return Child([PY, PEER, *args], "READY ")


def tcp_port(peer: Child) -> int:
    m = re.fullmatch(r"READY tcp 127\.0\.0\.1:(\d+)", peer.ready)
    if not m:
        raise RuntimeError(f"bad READY line {peer.ready!r}")
    return int(m.group(1))


def run(argv: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def mbpoll_tcp(port: int, unit: int, typ: str, addr: int, count: int = 1, writes=(),
               extra=()) -> subprocess.CompletedProcess:
    count_opt = [] if writes else ["-c", str(count)]  # mbpoll refuses -c when writing
    return run(["mbpoll", "-m", "tcp", "-p", str(port), "-a", str(unit), "-t", typ, "-0",
                "-r", str(addr), *count_opt, "-1", "-o", "0.5", *extra, "127.0.0.1",
                *[str(w) for w in writes]])


def mbpoll_values(cp: subprocess.CompletedProcess) -> dict[int, str]:
    return {int(a): v for a, v in re.findall(r"^\[(\d+)\]:\s+(\S+)", cp.stdout, re.M)}


def rtt(*args: str, timeout: float = 120.0) -> dict:
    cp = run([RTT, *args], timeout=timeout)
    if cp.returncode != 0:
        raise RuntimeError(f"modbus-rtt failed: {cp.stderr.strip()}")
    return json.loads(cp.stdout)


# ------------------------------------------------------------------ SunSpec decoding

SS_TYPES = {"uint16": "H", "int16": "h", "sunssf": "h", "enum16": "H", "bitfield16": "H",
            "acc16": "H", "count": "H", "pad": "H", "uint32": "I", "int32": "i",
            "acc32": "I", "enum32": "I", "bitfield32": "I", "float32": "f",
            "uint64": "Q", "int64": "q", "acc64": "Q"}


def sunspec_model_def(mid: int) -> dict:
    import sunspec2
    path = os.path.join(os.path.dirname(sunspec2.__file__), "models", "json", f"model_{mid}.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def decode_model(mid: int, regs: list[int]) -> tuple[dict, int]:
    """Decode ID..end of one model from raw registers using the JSON definition."""
    raw = struct.pack(f">{len(regs)}H", *regs)
    vals = {}
    off = 0
    for p in sunspec_model_def(mid)["group"]["points"]:
        t = p["type"]
        if t == "string":
            n = int(p["size"])
            vals[p["name"]] = raw[off * 2:(off + n) * 2].rstrip(b"\0").decode()
        else:
            code = SS_TYPES[t]
            n = struct.calcsize(code) // 2
            vals[p["name"]] = struct.unpack(">" + code, raw[off * 2:(off + n) * 2])[0]
        off += n
    return vals, off


def read_hr(client, unit: int, addr: int, count: int) -> list[int]:
    out = []
    while count > 0:
        n = min(count, 125)
        r = client.read_holding_registers(addr, count=n, device_id=unit)
        if r.isError():
            raise RuntimeError(f"read {addr}+{n} unit {unit}: {r}")
        out += r.registers
        addr += n
        count -= n
    return out


def check_sunspec(client, unit: int, kind: str, base: int):
    fx = FIXTURE[kind]
    head = read_hr(client, unit, base, 2)
    check(f"{kind} 'SunS' at {base}", head == [0x5375, 0x6E53], f"{head}")
    addr = base + 2
    seen = []
    for _ in range(20):
        mid, length = read_hr(client, unit, addr, 2)
        if mid == 0xFFFF:
            check(f"{kind} end marker 0xFFFF length 0", length == 0, f"at {addr}, L={length}")
            break
        regs = read_hr(client, unit, addr, 2 + length)
        vals, size = decode_model(mid, regs)
        check(f"{kind} model {mid} length from definition", size == length + 2, f"L={length}")
        expected = next(m for m in fx["models"] if m["id"] == mid)["points"]
        bad = {k: (vals[k], v) for k, v in expected.items() if vals.get(k) != v}
        check(f"{kind} model {mid} points = fixture ({len(expected)} points)", not bad, f"{bad}")
        if mid == 1:
            check(f"{kind} model 1 DA = unit id", vals["DA"] == unit, f"DA={vals['DA']}")
        seen.append(mid)
        addr += 2 + length
    check(f"{kind} model chain", seen == [m["id"] for m in fx["models"]], f"{seen}")
    return seen


# ------------------------------------------------------------------ test sections


def section_tcp():
    from pymodbus.client import ModbusTcpClient
    from pymodbus.exceptions import ModbusException

    devices = ["1:sdm120", "2:sdm630", "3:sunspec-inverter", "4:sunspec-meter", "5:gateway:8",
               "6:io:16"]
    args = [a for d in devices for a in ("--device", d)]
    starts = []
    for _ in range(5):
        p = start_peer("--tcp", "127.0.0.1:0", *args)
        starts.append(p.startup)
        p.stop()
    timings["peer_startup_ms_6_devices"] = round(statistics.median(starts) * 1000, 1)
    p1 = start_peer("--tcp", "127.0.0.1:0", "--device", "1:gateway:4")
    timings["peer_startup_ms_1_device"] = round(p1.startup * 1000, 1)
    p1.stop()
    check("peer.py startup (median of 5, 6 devices)", statistics.median(starts) < 3.0,
          f"{timings['peer_startup_ms_6_devices']} ms to READY")

    peer = start_peer("--tcp", "127.0.0.1:0", *args)
    try:
        port = tcp_port(peer)
        check("READY line", True, peer.ready)
        check("devices command", json.loads(peer.cmd("devices")[3:]) ==
              {d.split(":", 1)[0]: d.split(":", 1)[1] for d in devices})

        # --- SDM floats with mbpoll (big-endian word order: -B)
        for unit, kind in ((1, "sdm120"), (2, "sdm630")):
            bad = []
            for e in FIXTURE[kind]["input_registers_float32"]:
                cp = mbpoll_tcp(port, unit, "3:float", e["address"], extra=["-B"])
                got = mbpoll_values(cp).get(e["address"])
                if got is None or abs(float(got) - e["value"]) > 1e-5 * max(1.0, abs(e["value"])) + 5e-4:
                    bad.append((e["address"], got, e["value"], cp.stderr.strip()))
            check(f"{kind} floats via mbpoll ({len(FIXTURE[kind]['input_registers_float32'])})",
                  not bad, f"{bad[:3]}")
        c = ModbusTcpClient("127.0.0.1", port=port, timeout=0.5, retries=0)
        c.connect()
        bad = []
        for unit, kind in ((1, "sdm120"), (2, "sdm630")):
            for e in FIXTURE[kind]["input_registers_float32"]:
                r = c.read_input_registers(e["address"], count=2, device_id=unit)
                exp = list(struct.unpack(">HH", struct.pack(">f", e["value"])))
                if r.isError() or r.registers != exp:
                    bad.append((kind, e["address"], r))
        check("SDM float32 words exact, high word first (pymodbus client)", not bad, f"{bad[:3]}")
        r = c.read_input_registers(0, count=18, device_id=2)
        check("sdm630 block read 0x0000..0x0011 (V, I, P of 3 phases)",
              not r.isError() and len(r.registers) == 18)
        big = [e for e in FIXTURE["sdm630"]["input_registers_float32"] if e["address"] == 72][0]
        check("sdm630 import energy > 65535 kWh at 0x0048",
              struct.unpack(">f", struct.pack(">HH", *c.read_input_registers(72, count=2, device_id=2).registers))[0] == f32(big["value"]))
        cp = mbpoll_tcp(port, 1, "3", 2)
        check("sdm120 unknown input register 0x0002 -> exception 2 (mbpoll)",
              cp.returncode != 0 and "Illegal data address" in cp.stderr, cp.stderr.strip())
        r = c.read_input_registers(0, count=4, device_id=1)
        check("sdm120 read spanning a gap -> exception 2",
              r.isError() and r.exception_code == 2, f"{r}")
        r = c.read_holding_registers(0, count=1, device_id=1)
        check("sdm120 holding register -> exception 2", r.isError() and r.exception_code == 2)

        # --- SunSpec
        cp = mbpoll_tcp(port, 3, "4:hex", 40000, 4)
        v = mbpoll_values(cp)
        check("sunspec-inverter header via mbpoll", [v.get(40000 + i) for i in range(4)] ==
              ["0x5375", "0x6E53", "0x0001", "0x0042"], f"{v}")
        check_sunspec(c, 3, "sunspec-inverter", 40000)
        check_sunspec(c, 4, "sunspec-meter", 40000)
        layout = json.loads(peer.cmd("sunspec 3")[3:])
        wh = layout["models"][1]["points"]["WH"]
        hi, lo = read_hr(c, 3, wh, 2)
        check("inverter WH acc32 high word matters", hi != 0 and (hi << 16 | lo) ==
              FIXTURE["sunspec-inverter"]["models"][1]["points"]["WH"], f"{hi:#06x} {lo:#06x} @ {wh}")
        wsf = read_hr(c, 3, layout["models"][1]["points"]["W_SF"], 1)[0]
        check("inverter W_SF = -1 on the wire as 0xFFFF", wsf == 0xFFFF, f"{wsf:#06x}")
        tmp = read_hr(c, 3, layout["models"][1]["points"]["TmpTrns"], 1)[0]
        check("unimplemented int16 point reads 0x8000", tmp == 0x8000, f"{tmp:#06x}")
        r = c.read_holding_registers(39999, count=1, device_id=3)
        check("below SunSpec base -> exception 2", r.isError() and r.exception_code == 2)
        end = layout["models"][-1]["address"]
        r = c.read_holding_registers(end + 2, count=1, device_id=3)
        check("after end marker -> exception 2", r.isError() and r.exception_code == 2)
        r = c.write_register(40004, 1, device_id=3)
        check("SunSpec registers read-only -> exception 2", r.isError() and r.exception_code == 2)

        # --- gateway
        gw = FIXTURE["gateway"]
        cp = mbpoll_tcp(port, 5, "4", 0, 8)
        v = mbpoll_values(cp)
        check("gateway levels = fixture (mbpoll)", [int(v.get(i, -1)) for i in range(8)] ==
              gw["levels"][:8], f"{v}")
        cp = mbpoll_tcp(port, 5, "4", 100, 8)
        v = mbpoll_values(cp)
        check("gateway status at 100 = fixture", [int(v.get(100 + i, -1)) for i in range(8)] ==
              gw["status"][:8], f"{v}")
        cp = mbpoll_tcp(port, 5, "0", 0, 8)
        v = mbpoll_values(cp)
        check("gateway on/off coils = fixture", [int(v.get(i, -1)) for i in range(8)] ==
              gw["on"][:8], f"{v}")
        cp = mbpoll_tcp(port, 5, "4", 2, writes=[77])
        check("gateway write level (mbpoll fc06)", cp.returncode == 0, cp.stderr.strip())
        check("gateway level visible via peer get", peer.cmd("get 5 hr 2 1") == "OK 77")
        v = mbpoll_values(mbpoll_tcp(port, 5, "4", 2))
        check("gateway level read back (mbpoll)", v.get(2) == "77", f"{v}")
        cp = mbpoll_tcp(port, 5, "0", 2, writes=[1])
        check("gateway coil write (mbpoll fc05)", cp.returncode == 0 and
              peer.cmd("get 5 co 0 4") == "OK 1 1 1 1", cp.stderr.strip())
        r = c.write_registers(100, [0, 0, 0, 0], device_id=5)
        check("gateway status writable (fc16)", not r.isError() and peer.cmd("get 5 hr 100 4") == "OK 0 0 0 0")
        check("peer set -> client sees it", peer.cmd("set 5 hr 7 4095") == "OK" and
              read_hr(c, 5, 7, 1) == [4095])
        r = c.read_holding_registers(8, count=1, device_id=5)
        check("gateway level N (past the end) -> exception 2", r.isError() and r.exception_code == 2)
        r = c.read_coils(6, count=3, device_id=5)
        check("gateway coils past N -> exception 2", r.isError() and r.exception_code == 2)

        # --- io module
        io = FIXTURE["io"]
        r = c.read_coils(0, count=16, device_id=6)
        check("io coils = fixture", not r.isError() and [int(b) for b in r.bits[:16]] ==
              [io["coils"][i % len(io["coils"])] for i in range(16)], f"{r}")
        r = c.read_discrete_inputs(0, count=16, device_id=6)
        check("io discrete inputs = fixture", not r.isError() and [int(b) for b in r.bits[:16]] ==
              [io["discrete_inputs"][i % len(io["discrete_inputs"])] for i in range(16)])
        r = c.write_coils(10, [True, True, False], device_id=6)
        check("io write coils (fc15)", not r.isError() and peer.cmd("get 6 co 10 3") == "OK 1 1 0")
        check("io set discrete input via stdin", peer.cmd("set 6 di 15 1") == "OK" and
              c.read_discrete_inputs(15, count=1, device_id=6).bits[0] is True)
        r = c.read_discrete_inputs(15, count=2, device_id=6)
        check("io discrete input 16 of 16 -> exception 2", r.isError() and r.exception_code == 2)

        # --- faults
        check("exception command", peer.cmd("exception 5 6") == "OK")
        cp = mbpoll_tcp(port, 5, "4", 0)
        r = c.read_holding_registers(0, count=1, device_id=5)
        check("exception 6 answered (mbpoll + pymodbus)", "busy" in cp.stderr.lower() and
              r.isError() and r.exception_code == 6, cp.stderr.strip())
        r = c.write_register(0, 1, device_id=5)
        check("exception leaves datastore untouched", r.isError() and
              peer.cmd("get 5 hr 0 1") == f"OK {gw['levels'][0]}")
        peer.cmd("clear 5")
        r = c.read_holding_registers(0, count=1, device_id=5)
        check("clear -> normal replies", not r.isError())

        check("mute command", peer.cmd("mute 1") == "OK")
        t = time.perf_counter()
        try:
            r = c.read_input_registers(0, count=2, device_id=1)
            timed_out = r.isError() and not hasattr(r, "exception_code")
        except ModbusException:
            timed_out = True
        dt = time.perf_counter() - t
        check("muted unit -> client timeout", timed_out and dt >= 0.45, f"{dt * 1000:.0f} ms")
        cp = mbpoll_tcp(port, 1, "3:float", 0, extra=["-B"])
        check("muted unit -> mbpoll timeout", cp.returncode != 0 and "timed out" in cp.stderr.lower(),
              cp.stderr.strip())
        r = c.read_input_registers(0, count=2, device_id=2)
        c.close()
        c.connect()
        peer.cmd("unmute 1")
        r = c.read_input_registers(0, count=2, device_id=1)
        check("unmute -> replies again", not r.isError())

        peer.cmd("delay 5 300")
        t = time.perf_counter()
        c2 = ModbusTcpClient("127.0.0.1", port=port, timeout=2, retries=0)
        c2.connect()
        r = c2.read_holding_registers(0, count=1, device_id=5)
        dt = time.perf_counter() - t
        peer.cmd("delay 5 0")
        c2.close()
        check("delay 300 ms", not r.isError() and 0.29 <= dt < 1.5, f"{dt * 1000:.0f} ms")

        r = c.read_holding_registers(0, count=1, device_id=77)
        check("unknown unit over TCP -> exception 0x0B", r.isError() and r.exception_code == 0x0B,
              f"{r}")

        # stats: exact counts from a fresh start
        peer.cmd("reset-stats")
        c.read_input_registers(0, count=2, device_id=1)
        c.read_input_registers(6, count=2, device_id=1)
        c.write_registers(0, [1, 2], device_id=5)
        st = peer.cmd("stats")
        check("stats per unit and function code",
              st.startswith("OK ") and json.loads(st[3:]) == {"1": {"4": 2}, "5": {"16": 1}}, st)
        c.close()

        # drop-next / disconnect seen on a raw socket
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        check("drop-next command", peer.cmd("drop-next") == "OK")
        s.sendall(struct.pack(">HHHBBHH", 1, 0, 6, 5, 3, 0, 1))
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        s.close()
        check("drop-next closes the connection without a reply", data == b"", f"{data!r}")
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(struct.pack(">HHHBBHH", 2, 0, 6, 5, 3, 0, 1))
        ok_reply = s.recv(100)
        reply = peer.cmd("disconnect")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        s.close()
        check("disconnect closes open connections", len(ok_reply) == 11 and reply == "OK 1" and
              data == b"", f"{reply} {data!r}")
        res = run([RTT, "-n", "1", "-w", "0", "-u", "5", "tcp", "127.0.0.1", str(port)])
        check("after disconnect a new client is served", '"ok":1' in res.stdout, res.stdout.strip())
        # the client has exited, but the server may not have handled its FIN yet: poll briefly
        conns = wait_until(lambda: json.loads(peer.cmd("connections")[3:]),
                           lambda x: x["open"] == 0)
        check("connections command", conns["open"] == 0 and conns["accepted"] >= 5, f"{conns}")

        # protocol robustness
        check("unknown command -> ERR", peer.cmd("frobnicate").startswith("ERR "))
        check("unknown unit in command -> ERR", peer.cmd("mute 99").startswith("ERR "))
        check("getf", peer.cmd("getf 1 ir 0") == f"OK {f32(231.7)!r}")
        check("setf", peer.cmd("setf 1 ir 72 12850.5") == "OK" and
              peer.cmd("getf 1 ir 72") == "OK 12850.5")

        # TCP round trip (libmodbus client)
        res = rtt("-n", "500", "-u", "5", "-a", "0", "tcp", "127.0.0.1", str(port))
        timings["tcp_write_rtt_ms_p50"] = res.get("p50_ms")
        check("TCP single-register write round trip (libmodbus)", res["ok"] == 500,
              f"p50 {res.get('p50_ms')} ms, p90 {res.get('p90_ms')} ms")
    finally:
        peer.stop()

    for base in (0, 50000):
        peer = start_peer("--tcp", "127.0.0.1:0", "--device", "3:sunspec-inverter",
                          "--sunspec-base", str(base))
        try:
            c = ModbusTcpClient("127.0.0.1", port=tcp_port(peer), timeout=0.5, retries=0)
            c.connect()
            check_sunspec(c, 3, "sunspec-inverter", base)
            if base:
                r = c.read_holding_registers(40000, count=2, device_id=3)
                check("--sunspec-base 50000: nothing at 40000", r.isError() and r.exception_code == 2)
            c.close()
        finally:
            peer.stop()

    c = None
    p = subprocess.run([PY, PEER, "--tcp", "127.0.0.1:0", "--device", "1:nonsense"],
                       capture_output=True, text=True, timeout=10)
    check("bad --device exits non-zero with a message", p.returncode != 0 and "nonsense" in p.stderr)
    p = subprocess.run([PY, PEER, "--tcp", "127.0.0.1:0", "--device", "1:io:4"],
                       input="", capture_output=True, text=True, timeout=10)
    check("EOF on stdin exits 0", p.returncode == 0 and p.stdout.startswith("READY tcp"))


def section_rtu():
    import serial  # pyserial, to open the client end like a driver would

    tmp = tempfile.mkdtemp(prefix="lanterne-rtu-")
    client, server = os.path.join(tmp, "client"), os.path.join(tmp, "server")
    relay = Child([PY, RELAY, "--client-link", client, "--server-link", server,
                   "--baud", "9600", "--bits-per-char", "10", "--seed", "7"], "READY ")
    timings["relay_startup_ms"] = round(relay.startup * 1000, 1)
    peer = None
    try:
        check("relay READY line", relay.ready == f"READY client={client} server={server}",
              relay.ready)
        check("relay links are PTYs", os.path.realpath(client).startswith("/dev/pts/") and
              os.path.realpath(server).startswith("/dev/pts/"))
        peer = start_peer("--rtu", server, "--baud", "9600", "--device", "1:gateway:8",
                          "--device", "2:sdm120", "--device", "3:sunspec-meter")
        check("peer RTU READY", peer.ready == f"READY rtu {server}", peer.ready)

        cp = run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", "2", "-t", "3:float",
                  "-B", "-0", "-r", "72", "-1", "-o", "1", client])
        v = mbpoll_values(cp)
        check("RTU: sdm120 energy via mbpoll through the relay",
              abs(float(v.get(72, "nan")) - 12847.31) < 0.05, cp.stdout.strip()[-40:] + cp.stderr.strip())
        cp = run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", "3", "-t", "4:hex",
                  "-0", "-r", "40000", "-c", "2", "-1", "-o", "1", client])
        v = mbpoll_values(cp)
        check("RTU: SunSpec header", [v.get(40000), v.get(40001)] == ["0x5375", "0x6E53"], f"{v}")

        with serial.Serial(client, 19200) as _s:
            line = json.loads(relay.cmd("line")[3:])
        check("relay reports the client's termios (baud)", line["client"]["baud"] == 19200 and
              line["server"]["baud"] == 9600, f"{line}")

        res = rtt("-n", "50", "-u", "1", "-a", "0", "rtu", client, "9600", "N")
        timings["rtu9600_write_rtt_ms"] = {k: res.get(k) for k in ("min_ms", "p50_ms", "p90_ms", "max_ms")}
        # 8-byte request + 8-byte response = 16 characters = 16.67 ms at 9600 8N1
        check("RTU 9600 8N1 single-register write round trip paced at line rate",
              res["ok"] == 50 and 16.6 <= res["p50_ms"] <= 30.0,
              f"min {res.get('min_ms')} p50 {res.get('p50_ms')} p90 {res.get('p90_ms')} ms")
        res = rtt("-n", "50", "-u", "1", "-a", "0", "-r", "rtu", client, "9600", "N")
        timings["rtu9600_read1_rtt_ms_p50"] = res.get("p50_ms")
        check("RTU 9600 read 1 register round trip (15 chars = 15.6 ms + turnaround)",
              res["ok"] == 50 and 15.6 <= res["p50_ms"] <= 30.0, f"p50 {res.get('p50_ms')} ms")

        relay.cmd("reset-stats")
        check("garble command", relay.cmd("garble 0.03") == "OK")
        res = rtt("-n", "150", "-u", "1", "-t", "150", "rtu", client, "9600", "N")
        st = json.loads(relay.cmd("stats")[3:])
        relay.cmd("garble 0")
        timings["rtu_garble_0.03_150_writes"] = res["errors"] | {"ok": res["ok"]}
        check("garble -> CRC errors at the libmodbus client", res["errors"]["bad_crc"] > 0 and
              st["garbled"] > 0, f"{res['errors']} relay {st}")
        res = rtt("-n", "10", "-u", "1", "-t", "300", "rtu", client, "9600", "N")
        check("garble 0 -> clean again", res["ok"] == 10, f"{res['errors']}")

        check("cut command", relay.cmd("cut") == "OK")
        res = rtt("-n", "2", "-w", "0", "-u", "1", "-t", "150", "rtu", client, "9600", "N")
        relay.cmd("restore")
        check("cut -> no answers", res["errors"]["timeout"] == 2, f"{res['errors']}")
        res = rtt("-n", "3", "-u", "1", "-t", "300", "rtu", client, "9600", "N")
        check("restore -> answers", res["ok"] == 3, f"{res['errors']}")

        peer.cmd("mute 1")
        res = rtt("-n", "1", "-w", "0", "-u", "1", "-t", "150", "rtu", client, "9600", "N")
        peer.cmd("unmute 1")
        check("RTU mute -> timeout", res["errors"]["timeout"] == 1, f"{res['errors']}")
        peer.cmd("exception 1 4")
        res = rtt("-n", "1", "-w", "0", "-u", "1", "-t", "300", "rtu", client, "9600", "N")
        peer.cmd("clear 1")
        check("RTU exception 4", res["errors"]["exception"] == 1, f"{res['errors']}")
        res = rtt("-n", "1", "-w", "0", "-u", "9", "-t", "150", "rtu", client, "9600", "N")
        check("RTU unknown unit -> silence", res["errors"]["timeout"] == 1, f"{res['errors']}")
        peer.cmd("drop-next")
        res = rtt("-n", "1", "-w", "0", "-u", "1", "-t", "150", "rtu", client, "9600", "N")
        check("RTU drop-next -> that request unanswered", res["errors"]["timeout"] == 1)
        check("RTU disconnect -> ERR (TCP only)", peer.cmd("disconnect").startswith("ERR"))
        peer.cmd("reset-stats")
        rtt("-n", "2", "-w", "0", "-u", "1", "rtu", client, "9600", "N")
        st = peer.cmd("stats")
        check("RTU stats", json.loads(st[3:]) == {"1": {"6": 2}}, st)
    finally:
        if peer:
            peer.stop()
        relay.stop()
    check("relay removes its links on quit", not os.path.lexists(client) and
          not os.path.lexists(server))
    os.rmdir(tmp)


# ------------------------------------------------------------------ cabinet mode

CABINET_MODEL = os.path.join(HERE, "fixtures", "cabinet.json")


def regs_f32(regs: list[int]) -> list[float]:
    n = len(regs) // 2
    return list(struct.unpack(f">{n}f", struct.pack(f">{2 * n}H", *regs)))


def cabinet_ports(ready: str) -> dict[str, int]:
    m = re.fullmatch(r"READY cabinet((?: [A-Za-z0-9_.-]+=127\.0\.0\.1:\d+)+)", ready)
    if not m:
        raise RuntimeError(f"bad READY line {ready!r}")
    return {bus: int(port) for bus, port in re.findall(r" ([^=]+)=127\.0\.0\.1:(\d+)", m.group(1))}


class Meter:
    """The SDM630 as an independent client (pymodbus) sees it."""

    def __init__(self, client, unit: int):
        self.c, self.unit = client, unit

    def f(self, addr: int) -> float:
        r = self.c.read_input_registers(addr, count=2, device_id=self.unit)
        if r.isError():
            raise RuntimeError(f"meter read {addr}: {r}")
        return regs_f32(r.registers)[0]

    def phases(self) -> dict:
        r = self.c.read_input_registers(0, count=18, device_id=self.unit)
        if r.isError():
            raise RuntimeError(f"meter read 0..17: {r}")
        v = regs_f32(r.registers)
        return {"V": v[0:3], "A": v[3:6], "W": v[6:9], "total": self.f(52)}

    def energies(self) -> dict:
        """Total active energy 0x0156 (= import) and L1/L2/L3 import kWh 0x015A..0x015F, in
        one request (so from one physics update)."""
        r = self.c.read_input_registers(342, count=10, device_id=self.unit)
        if r.isError():
            raise RuntimeError(f"meter read 342..351: {r}")
        v = regs_f32(r.registers)
        return {"total": v[0], "phases": v[2:5]}


def phase_sum_ok(total: float, phases: list[float]) -> tuple[bool, str]:
    """L1 + L2 + L3 import registers = the total register, up to float32 rounding of each."""
    tol = (f32_ulp(total) + sum(f32_ulp(x) for x in phases)) / 2 + 1e-9
    diff = sum(phases) - total
    return abs(diff) <= tol, (f"{phases} sum {sum(phases)} vs {total} (diff {diff:.6f}, "
                              f"tol {tol:.6f})")


def cabinet_bad_models(model: dict):
    tmp = tempfile.mkdtemp(prefix="lanterne-cabinet-")
    try:
        def start(path: str, *extra: str) -> subprocess.CompletedProcess:
            return subprocess.run([PY, PEER, "--cabinet", path, *extra], input="",
                                  capture_output=True, text=True, timeout=10)

        def bad(name: str, mutate, field: str):
            m = json.loads(json.dumps(model))
            mutate(m)
            path = os.path.join(tmp, f"{name}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(m, f)
            p = start(path)
            check(f"bad model ({name}) -> exit 2, names the file and {field}",
                  p.returncode == 2 and path in p.stderr and f"{field}:" in p.stderr and
                  "READY" not in p.stdout, p.stderr.strip())

        bad("phase", lambda m: m["outputs"][0].update(phase="L4"), "outputs[0].phase")
        bad("missing-watts", lambda m: m["outputs"][2].pop("watts"), "outputs[2].watts")
        bad("coil-out-of-range", lambda m: m["outputs"][1].update(coil=8), "outputs[1].coil")
        bad("typo", lambda m: m["outputs"][0].update(wats=100), "outputs[0].wats")
        bad("meter-not-sdm630", lambda m: m["meter"].update(bus="io"), "meter.unit")
        bad("unknown-bus", lambda m: m["gateway"].update(bus="dali"), "gateway.bus")
        bad("bad-inverter-point", lambda m: m["inverter"]["points"].update(Wattz=1),
            "inverter.points")
        bad("import-phases-sum", lambda m: m["meter"].update(importKWhPhases=[1, 2, 3]),
            "meter.importKWhPhases")
        path = os.path.join(tmp, "broken.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write('{"schema": 1,\n "buses": }\n')
        p = start(path)
        check("model that is not JSON -> exit 2, names the file and the line",
              p.returncode == 2 and path in p.stderr and "line 2" in p.stderr, p.stderr.strip())
        p = start(CABINET_MODEL, "--tcp", "127.0.0.1:0")
        check("one shared port (--tcp) with unit 1 on every bus -> exit 2 explaining why",
              p.returncode == 2 and "unit 1" in p.stderr and "--listen" in p.stderr,
              p.stderr.strip())
        p = start(CABINET_MODEL, "--listen", "nope=127.0.0.1:0")
        check("--listen for an unknown bus -> exit 2", p.returncode == 2 and "nope" in p.stderr,
              p.stderr.strip())
    finally:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


def section_cabinet():
    from pymodbus.client import ModbusTcpClient
    from pymodbus.exceptions import ModbusException

    model = json.load(open(CABINET_MODEL, encoding="utf-8"))
    cabinet_bad_models(model)
    outputs = {o["id"]: o for o in model["outputs"]}
    K = 3600.0  # one wall second = one hour of energy
    V = model["meter"]["voltage"]
    peer = start_peer("--cabinet", CABINET_MODEL, "--time-scale", str(int(K)),
                      "--listen", "io=127.0.0.1:0", "--listen", "meter-gw=127.0.0.1:0",
                      "--listen", "dali-gw=127.0.0.1:0", "--listen", "pv=127.0.0.1:0")
    timings["cabinet_peer_startup_ms"] = round(peer.startup * 1000, 1)
    clients = []
    try:
        ports = cabinet_ports(peer.ready)
        check("cabinet READY line: one listener per bus, in model order",
              list(ports) == ["io", "meter-gw", "dali-gw", "pv"] and len(set(ports.values())) == 4,
              peer.ready)

        def client(bus: str, timeout: float = 0.5):
            c = ModbusTcpClient("127.0.0.1", port=ports[bus], timeout=timeout, retries=0)
            c.connect()
            clients.append(c)
            return c

        io, gw, pv = client("io"), client("dali-gw"), client("pv")
        mc = client("meter-gw")
        meter = Meter(mc, 1)

        def state() -> dict:
            reply = peer.cmd("state")
            if not reply.startswith("OK "):
                raise RuntimeError(f"state: {reply}")
            return json.loads(reply[3:])

        def expect_phases(name: str, w: list[float], detail_extra: str = ""):
            """Waits for the meter to show per-phase powers w, then checks V, A, W, total."""
            got = wait_until(meter.phases, lambda g: g["W"] == [f32(x) for x in w])
            volts = [f32(V) for _ in w]
            amps = [f32(x / V) for x in w]
            ok = got["W"] == [f32(x) for x in w] and got["V"] == volts and got["A"] == amps and \
                got["total"] == f32(sum(w))
            check(name, ok, f"W {got['W']} A {[round(a, 3) for a in got['A']]} "
                  f"total {got['total']} {detail_extra}")
            return ok

        # --- start: everything off, inputs at their initial states
        expect_phases("cabinet starts with every output off: 0 W, 0 A, 230 V per phase", [0, 0, 0])
        e = meter.f(72)
        check("import energy starts at the model's importKWh",
              e == f32(model["meter"]["importKWh"]),
              f"{e}")
        r = mc.read_input_registers(346, count=6, device_id=1)
        third = f32(model["meter"]["importKWh"] / 3)
        got = regs_f32(r.registers) if not r.isError() else r
        check("per-phase import kWh 0x015A..0x015F (6 registers, one read) start at importKWh / 3",
              not r.isError() and got == [third] * 3, f"{got}")
        ok, detail = phase_sum_ok(e, got if not r.isError() else [0.0] * 3)
        check("L1 + L2 + L3 import registers = total import register 0x0048", ok, detail)
        cp = mbpoll_tcp(ports["meter-gw"], 1, "3:float", 342, 11, extra=["-B"])
        v = mbpoll_values(cp)
        check("mbpoll reads 0x0156..0x016B in one block (total, phase import/export/total kWh)",
              cp.returncode == 0 and [float(v.get(a, "nan")) for a in range(346, 363, 2)] ==
              [third] * 3 + [0.0] * 3 + [third] * 3, cp.stdout[-200:] + cp.stderr)
        r = io.read_discrete_inputs(0, count=3, device_id=1)
        check("inputs start light / door closed (1, active low) / surge ok (1)",
              not r.isError() and [int(b) for b in r.bits[:3]] == [0, 1, 1], f"{r}")

        # --- outputs drive the meter
        r = io.write_coil(0, True, device_id=1)  # k1: 1800 W on L1
        check("io write coil 0 (k1) accepted", not r.isError(), f"{r}")
        expect_phases("k1 on -> L1 = 1800 W, A = P/V, total follows", [1800, 0, 0])
        cp = mbpoll_tcp(ports["meter-gw"], 1, "3:float", 12, 3, extra=["-B"])
        v = mbpoll_values(cp)
        check("mbpoll sees the same per-phase power",
              [float(v.get(a, "nan")) for a in (12, 14, 16)] == [1800, 0, 0],
              cp.stdout[-120:] + cp.stderr)
        s0, e0 = state(), meter.energies()
        time.sleep(0.2)
        s1, e1 = state(), meter.energies()
        d = [s1["phases"][L]["importKWh"] - s0["phases"][L]["importKWh"]
             for L in ("L1", "L2", "L3")]
        dt = s1["importKWh"] - s0["importKWh"]
        check("only L1 drawing -> only L1's import energy grows, by as much as the total (state)",
              d[0] > 0.1 and d[1] == 0 and d[2] == 0 and abs(d[0] - dt) <= 1e-9,
              f"deltas {d} total {dt}")
        ok, detail = phase_sum_ok(e1["total"], e1["phases"])
        check("... and in the registers (L2, L3 unchanged; L1 + L2 + L3 = total)",
              e1["phases"][0] > e0["phases"][0] and e1["phases"][1:] == e0["phases"][1:] and
              e1["total"] > e0["total"] and ok, f"{e0['phases']} -> {detail}")
        cp = mbpoll_tcp(ports["dali-gw"], 1, "4", 0, writes=[127])  # dali-1: 1016 W x 127/254
        check("gateway level 127 on channel 0 via mbpoll", cp.returncode == 0, cp.stderr.strip())
        expect_phases("dali-1 at 127/254 -> L2 = 1016 x 127/254 = 508 W", [1800, 508, 0])
        gw.write_register(1, 254, device_id=1)  # dali-2: 508 W at full
        io.write_coil(1, True, device_id=1)  # k2: 1200 W on L2
        expect_phases("dali-2 full + k2 on -> L2 = 1708, L3 = 508", [1800, 1708, 508])
        gw.write_register(1, 64, device_id=1)
        got = meter.phases()["W"]  # no waiting: the write's reply came after the update
        check("a write's reply comes after the meter follows (read at once: L3 = 128 W)",
              got == [1800, 1708, 128], f"{got}")
        expect_phases("dali-2 at 64/254 -> L3 = 128 W (linear)", [1800, 1708, 508 * 64 / 254])
        gw.write_register(1, 254, device_id=1)
        expect_phases("dali-2 back to 254", [1800, 1708, 508])
        na = meter.f(224)
        a = [1800 / V, 1708 / V, 508 / V]
        exp_n = math.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2
                          - a[0] * a[1] - a[1] * a[2] - a[2] * a[0])
        check("neutral current = phasor sum of the phase currents", abs(na - exp_n) < 1e-3,
              f"{na} vs {exp_n:.4f}")

        # --- energy integrates P x t x time-scale (meter) and PV production (inverter WH)
        layout = json.loads(peer.cmd("sunspec pv/1")[3:])
        inv_pts = next(m for m in layout["models"] if m["id"] in (101, 102, 103))["points"]

        def s16(x: int) -> int:
            return x - 0x10000 if x >= 0x8000 else x

        def inverter() -> dict:
            w, wsf = read_hr(pv, 1, inv_pts["W"], 2)
            hi, lo = read_hr(pv, 1, inv_pts["WH"], 2)
            whsf = read_hr(pv, 1, inv_pts["WH_SF"], 1)[0]
            return {"W": s16(w) * 10.0 ** s16(wsf), "WH": (hi << 16 | lo) * 10.0 ** s16(whsf),
                    "St": read_hr(pv, 1, inv_pts["St"], 1)[0]}

        check("pv-power 2500", peer.cmd("pv-power 2500") == "OK")
        inv = inverter()
        check("inverter W point shows the production power, St = 4 (MPPT)",
              inv["W"] == 2500 and inv["St"] == 4, f"{inv}")
        P = 1800 + 1708 + 508

        def timed_state() -> tuple[float, float, dict]:
            """state (which runs an update) with the instant it ran: (midpoint, +-, state)."""
            t0 = time.monotonic()
            s = state()
            t1 = time.monotonic()
            return (t0 + t1) / 2, (t1 - t0) / 2, s

        def energy_check(name: str, got: float, watts: float, a, b, unit_s: float, quantum=0.0):
            """got ~ watts x (b - a) x K / unit_s; the tolerance is what the timing allows:
            each update ran somewhere within its state command's round trip."""
            exp = watts * (b[0] - a[0]) * K / unit_s
            tol = watts * (a[1] + b[1] + 0.002) * K / unit_s + 0.002 * exp + quantum
            check(name, abs(got - exp) <= tol,
                  f"{got:.4f} vs {exp:.4f} over {b[0] - a[0]:.3f} s (tolerance {tol:.4f})")

        a = timed_state()
        e_a, wh_a = meter.f(72), inverter()["WH"]  # registers as of that update (or a tick
        gap_a = time.monotonic() - a[0]            # that came after it, within gap_a)
        time.sleep(1.0)
        b = timed_state()
        e_b, wh_b = meter.f(72), inverter()["WH"]
        gap_b = time.monotonic() - b[0]
        energy_check("import energy (state) grows by P x t x time-scale", b[2]["importKWh"] -
                     a[2]["importKWh"], P, a, b, 3.6e6)
        # registers: float32 of ~12004 kWh steps by 1/1024 kWh; acc32 Wh by 1 Wh
        energy_check("import energy register 0x0048 (float32) grows the same", e_b - e_a, P, a, b,
                     3.6e6, quantum=P * (gap_a + gap_b) * K / 3.6e6 + 2 / 1024)
        energy_check("inverter WH (state) integrates the production power (x time-scale)",
                     b[2]["inverter"]["WH"] - a[2]["inverter"]["WH"], 2500, a, b, 3600)
        energy_check("inverter WH acc32 register grows the same", wh_b - wh_a, 2500, a, b, 3600,
                     quantum=2500 * (gap_a + gap_b) * K / 3600 + 2)
        for L, w in (("L1", 1800), ("L2", 1708), ("L3", 508)):
            energy_check(f"{L} import energy (state) grows by its own P ({w} W) x t x time-scale",
                         b[2]["phases"][L]["importKWh"] - a[2]["phases"][L]["importKWh"], w, a, b,
                         3.6e6)
        sums = [x[2]["importKWh"] - sum(x[2]["phases"][L]["importKWh"] for L in ("L1", "L2", "L3"))
                for x in (a, b)]
        ok, detail = phase_sum_ok(**meter.energies())
        check("L1 + L2 + L3 import = total while all three phases draw (state and registers)",
              all(abs(x) <= 1e-6 for x in sums) and ok, f"state diffs {sums}; registers {detail}")
        seen = {meter.f(72)}
        t_end = time.monotonic() + 0.5
        while time.monotonic() < t_end:
            seen.add(meter.f(72))
            time.sleep(0.01)
        check("the energy register advances on its own (periodic update, no commands)",
              len(seen) >= 3, f"{len(seen)} distinct values in 0.5 s")

        # --- state JSON against the registers
        s = state()
        ph = meter.phases()
        e_reg = meter.f(72)
        coils = [int(b) for b in io.read_coils(0, count=8, device_id=1).bits[:8]]
        dis = [int(b) for b in io.read_discrete_inputs(0, count=8, device_id=1).bits[:8]]
        levels = read_hr(gw, 1, 0, 2)
        inv = inverter()
        by_id = {o["id"]: o for o in s["outputs"]}
        bad = []
        for i, L in enumerate(("L1", "L2", "L3")):
            for q in ("V", "A", "W"):
                if f32(s["phases"][L][q]) != ph[q][i]:
                    bad.append((L, q, s["phases"][L][q], ph[q][i]))
        if f32(s["totalW"]) != ph["total"]:
            bad.append(("totalW", s["totalW"], ph["total"]))
        if not 0 <= e_reg - f32(s["importKWh"]) <= P * 0.2 * K / 3.6e6:
            bad.append(("importKWh", s["importKWh"], e_reg))
        pe = meter.energies()["phases"]
        for i, L in enumerate(("L1", "L2", "L3")):
            if not 0 <= pe[i] - f32(s["phases"][L]["importKWh"]) <= \
                    s["phases"][L]["W"] * 0.2 * K / 3.6e6:
                bad.append((L, "importKWh", s["phases"][L]["importKWh"], pe[i]))
        for oid, o in outputs.items():
            got = by_id[oid]
            if "coil" in o and got["on"] != bool(coils[o["coil"]]):
                bad.append((oid, "on", got["on"], coils[o["coil"]]))
            if "channel" in o and got["level"] != levels[o["channel"]]:
                bad.append((oid, "level", got["level"], levels[o["channel"]]))
        if [s["inputs"][n]["value"] for n in ("photocell", "door", "surge")] != dis[:3]:
            bad.append(("inputs", s["inputs"], dis))
        if s["inverter"]["W"] != inv["W"] or s["timeScale"] != K:
            bad.append(("inverter/timeScale", s["inverter"], inv, s["timeScale"]))
        drawn = sum(o["drawnW"] for o in s["outputs"])
        if abs(drawn - s["totalW"]) > 1e-9:
            bad.append(("sum of drawnW", drawn, s["totalW"]))
        check("state JSON = the registers (phases, total, energy per phase too, outputs, inputs, "
              "inverter)",
              not bad, f"{bad}")

        # --- faults
        check("lamp-fail k1 0.25", peer.cmd("lamp-fail k1 0.25") == "OK")
        expect_phases("lamp-fail k1 0.25 -> L1 = 450 W", [450, 1708, 508])
        peer.cmd("lamp-fail dali-1 0.5")
        expect_phases("lamp-fail dali-1 0.5 -> L2 = 1200 + 254", [450, 1454, 508])
        check("lamp-fail on a gateway channel -> its status register reads 2 (lamp failure)",
              read_hr(gw, 1, 100, 2) == [2, 0])
        s = state()
        check("state shows the lamp failure and expected vs drawn watts",
              s["outputs"][0]["faults"]["lampFail"] == 0.25 and s["outputs"][0]["expectedW"] == 1800
              and s["outputs"][0]["drawnW"] == 450, f"{s['outputs'][0]}")
        peer.cmd("lamp-fail k1 1")
        peer.cmd("lamp-fail dali-1 1")
        expect_phases("lamp-fail OUTPUT 1 restores", [1800, 1708, 508])
        check("restored gateway channel status reads 0", read_hr(gw, 1, 100, 2) == [0, 0])
        check("lamp-fail with a fraction > 1 -> ERR",
              peer.cmd("lamp-fail k1 1.5").startswith("ERR"))
        check("unknown output -> ERR",
              peer.cmd("lamp-fail k9 0.5").startswith("ERR unknown output"))

        check("stuck k3 on", peer.cmd("stuck k3 on") == "OK")
        expect_phases("stuck k3 on with its coil off -> L3 = 508 + 900", [1800, 1708, 1408])
        io.write_coil(2, True, device_id=1)
        io.write_coil(2, False, device_id=1)
        state()  # the peer has seen both writes
        ph = meter.phases()
        check("a stuck contactor ignores its coil", ph["W"] == [1800, 1708, 1408], f"{ph['W']}")
        peer.cmd("unstick k3")
        expect_phases("unstick k3 -> follows its coil (off) again", [1800, 1708, 508])
        peer.cmd("stuck k1 off")
        expect_phases("stuck k1 off with its coil on -> L1 = 0", [0, 1708, 508])
        peer.cmd("unstick k1")
        expect_phases("unstick k1 -> L1 = 1800 again", [1800, 1708, 508])

        check("phase-lost L2", peer.cmd("phase-lost L2") == "OK")
        got = wait_until(meter.phases, lambda g: g["V"][1] == 0)
        check("phase-lost L2 -> L2 V, A and W read 0, the others unchanged",
              got["V"] == [f32(V), 0, f32(V)] and got["A"][1] == 0 and
              got["W"] == [1800, 0, 508] and got["total"] == 2308, f"{got}")
        ll = meter.f(200)
        check("line-to-line L1-L2 with L2 lost reads the L1 voltage", ll == f32(V), f"{ll}")
        a = timed_state()
        time.sleep(0.4)
        b = timed_state()
        sb = b[2]
        energy_check("energy stops for the outputs of a lost phase (grows at 2308 W)",
                     sb["importKWh"] - a[2]["importKWh"], 2308, a, b, 3.6e6)
        check("state marks the lost phase and its outputs",
              sb["phases"]["L2"]["lost"] and sb["outputs"][1]["faults"]["phaseLost"] and
              sb["outputs"][1]["drawnW"] == 0, f"{sb['phases']['L2']}")
        peer.cmd("phase-restored L2")
        expect_phases("phase-restored L2 -> back to 1708 W, 230 V", [1800, 1708, 508])
        ll = meter.f(200)
        check("line-to-line L1-L2 = sqrt(3) x 230", abs(ll - math.sqrt(3) * V) < 1e-3, f"{ll}")

        check("day-burner k4", peer.cmd("day-burner k4") == "OK")
        expect_phases("day-burner k4 (coil off) -> L1 = 1800 + 600", [2400, 1708, 508])
        peer.cmd("day-burner dali-1")
        expect_phases("day-burner dali-1 (level 127) -> full 1016 W", [2400, 2216, 508])
        peer.cmd("day-burner-off k4")
        peer.cmd("day-burner-off dali-1")
        expect_phases("day-burner-off -> outputs follow their commands", [1800, 1708, 508])

        def di(addr: int) -> int:
            r = io.read_discrete_inputs(addr, count=1, device_id=1)
            return int(r.bits[0]) if not r.isError() else -1

        bad = []
        for cmd, addr, want in (("door open", 1, 0), ("door closed", 1, 1), ("surge tripped", 2, 0),
                                ("surge ok", 2, 1), ("photocell dark", 0, 1),
                                ("photocell light", 0, 0)):
            reply = peer.cmd(cmd)
            if reply != "OK" or di(addr) != want:
                bad.append((cmd, reply, di(addr)))
        check("door/surge/photocell set discrete inputs 1/2/0 (door, surge active low)",
              not bad, f"{bad}")
        peer.cmd("door open")
        cp = mbpoll_tcp(ports["io"], 1, "1", 0, 3)
        v = mbpoll_values(cp)
        check("mbpoll reads photocell light, door open, surge ok as 0 0 1",
              [v.get(0), v.get(1), v.get(2)] == ["0", "0", "1"], cp.stdout[-80:] + cp.stderr)
        check("state names the inputs' states",
              {n: x["state"] for n, x in state()["inputs"].items()} ==
              {"photocell": "light", "door": "open", "surge": "ok"})
        peer.cmd("door closed")
        check("door ajar -> ERR", peer.cmd("door ajar").startswith("ERR"))

        # --- meter reset / set, with everything off so the counter stands still
        io.write_coils(0, [False] * 4, device_id=1)
        gw.write_registers(0, [0, 0], device_id=1)
        expect_phases("all outputs off -> 0 W", [0, 0, 0])
        check("meter-reset", peer.cmd("meter-reset") == "OK")
        e = meter.f(72)
        check("meter-reset -> import register 0x0048 reads 0.0 (and stays there at 0 W)",
              e == 0.0 and wait_until(lambda: meter.f(72), lambda x: x != 0.0, 0.15) == 0.0, f"{e}")
        check("meter-set 16777216", peer.cmd("meter-set 16777216") == "OK")
        e = meter.f(72)
        check("meter-set -> register reads the value (2^24 kWh, where float32 steps by 2)",
              e == 16777216.0 and state()["importKWh"] == 16777216.0, f"{e}")
        check("meter-set -1 -> ERR", peer.cmd("meter-set -1").startswith("ERR"))
        en, s = meter.energies(), state()
        third = 16777216 / 3
        ok, detail = phase_sum_ok(meter.f(72), en["phases"])
        check("meter-set KWH splits it equally: L1/L2/L3 = KWH / 3 (state), float32 of it "
              "(registers), summing to 0x0048",
              [s["phases"][L]["importKWh"] for L in ("L1", "L2", "L3")] == [third] * 3 and
              en["phases"] == [f32(third)] * 3 and ok, detail)
        check("meter-set 600 100 200 300 (explicit split)",
              peer.cmd("meter-set 600 100 200 300") == "OK")
        en, s = meter.energies(), state()
        check("meter-set KWH L1 L2 L3 -> 0x0048 = 600, 0x015A/C/E = 100, 200, 300 (and in state)",
              meter.f(72) == 600 and en == {"total": 600, "phases": [100, 200, 300]} and
              [s["phases"][L]["importKWh"] for L in ("L1", "L2", "L3")] == [100, 200, 300],
              f"{en}")
        reply = peer.cmd("meter-set 600 100 200 299")
        check("meter-set whose phases do not add up to KWH -> ERR, nothing changed",
              reply.startswith("ERR") and "600" in reply and meter.energies() == en, reply)
        reply = peer.cmd("meter-set 600 100 200")
        check("meter-set with 2 phase values -> ERR usage", reply.startswith("ERR usage"), reply)
        check("meter-reset (again)", peer.cmd("meter-reset") == "OK")
        en, s = meter.energies(), state()
        check("meter-reset zeroes L1/L2/L3 import energy too (registers and state)",
              en == {"total": 0.0, "phases": [0.0, 0.0, 0.0]} and meter.f(72) == 0.0 and
              [s["phases"][L]["importKWh"] for L in ("L1", "L2", "L3")] == [0.0] * 3, f"{en}")

        check("pv-power 0", peer.cmd("pv-power 0") == "OK")
        inv = inverter()
        check("pv-power 0 -> W 0, St 2 (sleeping)", inv["W"] == 0 and inv["St"] == 2, f"{inv}")
        peer.cmd("pv-power 9876")
        check("pv-power 9876 -> W 9876 (W_SF 0 from the model's points)", inverter()["W"] == 9876)
        check("pv-power beyond the W point's range -> ERR",
              peer.cmd("pv-power 40000").startswith("ERR") and inverter()["W"] == 9876)

        # --- the plain fault commands, addressed per bus
        io.write_coil(0, True, device_id=1)
        check("mute 1 is ambiguous on this board -> ERR naming BUS/UNIT",
              peer.cmd("mute 1").startswith("ERR unit 1 is ambiguous"))
        check("mute meter-gw/1", peer.cmd("mute meter-gw/1") == "OK")
        t = time.perf_counter()
        try:
            r = mc.read_input_registers(12, count=2, device_id=1)
            timed_out = r.isError() and not hasattr(r, "exception_code")
        except ModbusException:
            timed_out = True
        dt = time.perf_counter() - t
        r_io = io.read_coils(0, count=4, device_id=1)
        r_gw = gw.read_holding_registers(0, count=2, device_id=1)
        check("muted meter -> client timeout, while io, gateway and inverter answer",
              timed_out and dt >= 0.45 and not r_io.isError() and not r_gw.isError() and
              inverter()["W"] == 9876, f"{dt * 1000:.0f} ms")
        s = state()
        check("physics goes on while the meter is muted", s["phases"]["L1"]["W"] == 1800,
              f"{s['phases']['L1']}")
        peer.cmd("unmute meter")  # role names work too
        mc.close()
        mc.connect()
        check("unmute -> the meter answers again (with the current power)",
              meter.f(12) == 1800.0)
        peer.cmd("exception meter 4")
        r = mc.read_input_registers(12, count=2, device_id=1)
        check("exception meter 4 -> exception 4 from the meter only",
              r.isError() and getattr(r, "exception_code", None) == 4 and
              not io.read_coils(0, count=1, device_id=1).isError(), f"{r}")
        peer.cmd("clear meter-gw/1")
        peer.cmd("reset-stats")
        meter.f(12)
        io.read_coils(0, count=4, device_id=1)
        io.read_coils(0, count=4, device_id=1)
        st = peer.cmd("stats")
        check("stats keyed BUS/UNIT",
              json.loads(st[3:]) == {"io/1": {"1": 2}, "meter-gw/1": {"4": 1}}, st)
        check("devices keyed BUS/UNIT", json.loads(peer.cmd("devices")[3:]) ==
              {"io/1": "io:8", "meter-gw/1": "sdm630", "dali-gw/1": "gateway:16",
               "pv/1": "sunspec-inverter"})
        check("get BUS/UNIT reads a datastore", peer.cmd("get io/1 co 0 4") == "OK 1 0 0 0")
        reply = peer.cmd("disconnect meter-gw")
        r = io.read_coils(0, count=1, device_id=1)
        check("disconnect BUS closes only that bus's connections", reply == "OK 1" and
              not r.isError(), reply)
        conns = json.loads(peer.cmd("connections")[3:])
        check("connections lists every bus", set(conns["buses"]) == set(ports) and
              conns["buses"]["meter-gw"]["open"] == 0 and conns["buses"]["io"]["open"] == 1,
              f"{conns}")
    finally:
        for c in clients:
            c.close()
        peer.stop()

    # --- one shared port: the same cabinet with distinct unit ids
    m = json.loads(json.dumps(model))
    units = {"io": 1, "meter-gw": 2, "dali-gw": 3, "pv": 4}
    for bus, spec in m["buses"].items():
        spec["devices"] = {str(units[bus]): kind for kind in spec["devices"].values()}
    for role in ("io", "gateway", "meter", "inverter"):
        m[role]["unit"] = units[m[role]["bus"]]
    m["meter"]["importKWhPhases"] = [1000.0, 2000.0, 9000.0]  # sums to importKWh (12000)
    fd, path = tempfile.mkstemp(prefix="lanterne-cabinet-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(m, f)
    peer = start_peer("--cabinet", path, "--tcp", "127.0.0.1:0")
    try:
        ports = cabinet_ports(peer.ready)
        check("--tcp: READY lists every bus on the one shared port",
              list(ports) == list(units) and len(set(ports.values())) == 1, peer.ready)
        c = ModbusTcpClient("127.0.0.1", port=ports["io"], timeout=0.5, retries=0)
        c.connect()
        c.write_coil(0, True, device_id=1)
        c.write_register(0, 254, device_id=3)
        got = wait_until(lambda: Meter(c, 2).phases()["W"], lambda w: w == [1800, 1016, 0])
        check("--tcp: coil on unit 1 and level on unit 3 move the meter on unit 2",
              got == [1800, 1016, 0], f"{got}")
        check("--tcp: plain unit numbers name devices", peer.cmd("get 1 co 0 1") == "OK 1")
        en = Meter(c, 2).energies()  # k1 (L1) is on: L1 may have grown a little (K = 1)
        ok, detail = phase_sum_ok(en["total"], en["phases"])
        check("meter.importKWhPhases in the model -> the phases start as given",
              en["phases"][1:] == [2000.0, 9000.0] and 1000.0 <= en["phases"][0] < 1000.01 and
              ok, detail)
        c.close()
    finally:
        peer.stop()
        os.unlink(path)


def listening(port: int) -> bool:
    with open("/proc/net/tcp", encoding="ascii") as f:
        next(f)
        for row in f:
            local, state = row.split()[1], row.split()[3]
            if int(local.split(":")[1], 16) == port and state == "0A":
                return True
    return False


def section_libmodbus_unit_tests():
    srv = os.path.join(EXAMPLES, "unit-test-server")
    cli = os.path.join(EXAMPLES, "unit-test-client")
    probe = socket.socket()
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", 1502))
    except OSError:
        check("libmodbus unit tests need 127.0.0.1:1502 free", False, "port 1502 in use")
        return
    finally:
        probe.close()
    server = subprocess.Popen([srv, "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # unit-test-server accepts exactly one connection: wait for LISTEN without connecting
        for _ in range(200):
            if listening(1502):
                break
            time.sleep(0.02)
        t = time.perf_counter()
        cp = run([cli, "tcp"], timeout=120)
        dt = time.perf_counter() - t
        check("libmodbus unit-test-server tcp + unit-test-client tcp",
              cp.returncode == 0 and "ALL TESTS PASS" in cp.stdout,
              f"rc {cp.returncode}, {dt:.1f} s" + ("" if cp.returncode == 0 else cp.stdout[-300:]))
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(3)
            except subprocess.TimeoutExpired:
                server.kill()


def main() -> int:
    import logging
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL + 1)  # client timeouts are expected
    only = set(sys.argv[1:])
    sections = [("tcp", section_tcp), ("rtu", section_rtu), ("cabinet", section_cabinet),
                ("libmodbus", section_libmodbus_unit_tests)]
    for name, fn in sections:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        try:
            fn()
        except Exception as exc:
            traceback.print_exc()
            check(f"section {name} ran to the end", False, f"{type(exc).__name__}: {exc}")
    print("TIMINGS " + json.dumps(timings), flush=True)
    print(f"selftest: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
