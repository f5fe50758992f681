#!/usr/bin/env python3
"""Checks the Modbus test bed with clients that are not peer.py's own code.

Run by selftest.sh with the test bed's venv python, after setup.sh. Clients used:
mbpoll (Debian, C, libmodbus), pymodbus' client, raw sockets, and modbus-rtt (libmodbus).
Expectations come from fixtures/values.json; SunSpec layouts are decoded here from
pysunspec2's JSON model files with struct, independently of peer.py's encoder.
Prints one line per check and closes with 'N passed, N failed'.
"""

from __future__ import annotations

import json
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
        conns = json.loads(peer.cmd("connections")[3:])
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
    sections = [("tcp", section_tcp), ("rtu", section_rtu), ("libmodbus", section_libmodbus_unit_tests)]
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
