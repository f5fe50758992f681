#!/usr/bin/env python3
"""The running controller's speed and size, against the Modbus test bed's cabinet peer
(tools/modbus-testbed, cabinet mode), release build as tools/systemd/install.sh makes it
(`swift build -c release --static-swift-stdlib --product lanterne`):

1. Start to first output: from starting `lanterne run --ledger` (15-minute intervals) to its
   READY=1 on a notify socket of this script's own (systemd's protocol: sent once the first
   step has written the outputs), over RUNS starts.
2. Idle: the last of those runs, past the moment it gives back its start-up's pages (10 s
   after its first step, said in its log with its resident memory before and after) and asked
   for its status once through its control socket, is left alone for IDLE seconds; then its
   resident memory (VmRSS, and per file from /proc/PID/smaps), the CPU it used meanwhile
   (utime + stime from /proc/PID/stat) as a share of one core, and the pages it read again
   from storage meanwhile (major faults).
3. SD-card bytes per day: `lanterne run --ledger` with a short interval; once the ledger has a first
stretch of intervals (steady state: the file and its WAL exist), it reads the kernel's
accounting of the process (/proc/PID/io: write_bytes, what reached the block layer — WAL
appends and checkpoints; wchar, bytes passed to write()) over INTERVALS further intervals
(and its resident memory at the end: a controller that has recorded hundreds of intervals),
counted in the ledger. Each interval is one transaction whatever its length, with the same
rows (the meter, each circuit, each inverter), so the bytes of one interval times 96 are the
bytes of a day at 15-minute intervals. The events of a real day (a few switchings, a door)
add a few more records; the measure says how many the measured intervals carried.

Needs root: the kernel is told its clock is synchronised (ntp_adjtime, as an NTP client
does), since the controller records nothing while it does not trust the clock.

    python3 tools/measure-run.py [--lanterne PATH] [--runs N] [--idle SECONDS] [--intervals N] [--interval SECONDS]
"""
import argparse
import os
import shutil
import socket
import statistics
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def declare_clock_synchronised():
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools/declare-clock-synchronised.py")])
    if done.returncode != 0:
        sys.exit("the controller records only with a synchronised clock")


def io_counters(pid):
    values = {}
    for line in open(f"/proc/{pid}/io"):
        key, value = line.split(":")
        values[key] = int(value)
    return values


def stat_fields(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()


def cpu_seconds(pid):
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def major_faults(pid):
    return int(stat_fields(pid)[9])


def rss_kb(pid):
    """VmRSS, RssAnon (heap, stacks) and RssFile (code and data of the program and its libraries), kB."""
    values = {}
    for line in open(f"/proc/{pid}/status"):
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            values[key] = int(line.split()[1])
    return values


def resident_by_file(pid):
    """Resident kB per mapped file (anonymous memory as "[anonymous]"), from /proc/PID/smaps."""
    sizes, name = {}, None
    for line in open(f"/proc/{pid}/smaps"):
        fields = line.split()
        if "-" in fields[0] and not fields[0].endswith(":"):
            name = fields[5] if len(fields) > 5 and fields[5].startswith("/") else "[anonymous]"
        elif fields[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(fields[1])
    return sorted(sizes.items(), key=lambda item: -item[1])


def start_to_ready(lanterne, cabinet, ledger, work, runs, idle):
    """Seconds from each start to READY=1; then the last run's idle memory, CPU and faults."""
    path = os.path.join(work, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    control = os.path.join(work, "control.sock")
    log_path = os.path.join(work, "run.log")
    times = []
    for k in range(runs):
        t0 = time.monotonic()
        with open(log_path, "w") as log:
            proc = subprocess.Popen([lanterne, "run", "--cabinet", cabinet, "--ledger", ledger, "--control", control,
                                     "--state", os.path.join(work, "state.json"), "--log-level", "info"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=log)
        while True:
            data = sock.recv(4096)
            if data.startswith(b"READY=1"):
                times.append(time.monotonic() - t0)
                break
        if k < runs - 1:
            proc.terminate()
            proc.wait()
            while not sock.recv(4096).startswith(b"STOPPING=1"):
                pass
    time.sleep(15)   # past the start, and the start-up's pages given back
    subprocess.run([lanterne, "status", "--control", control], stdout=subprocess.DEVNULL, check=True)
    cpu0, faults0, t0 = cpu_seconds(proc.pid), major_faults(proc.pid), time.monotonic()
    time.sleep(idle)
    cpu1, faults1, t1 = cpu_seconds(proc.pid), major_faults(proc.pid), time.monotonic()
    rss = rss_kb(proc.pid)
    rss["files"] = resident_by_file(proc.pid)
    rss["faults"] = faults1 - faults0
    proc.terminate()
    proc.wait()
    sock.close()
    released = [line.strip() for line in open(log_path) if "released the start-up's pages" in line]
    rss["released"] = released[-1].split("] ", 1)[-1] if released else "no pages given back (see the run's log)"
    return times, rss, (cpu1 - cpu0) / (t1 - t0)


def intervals(ledger):
    try:
        db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        row = db.execute("SELECT count(*) FROM measurement WHERE kind = 'meter'").fetchone()
        events = db.execute("SELECT count(*) FROM event").fetchone()
        db.close()
        return row[0], events[0]
    except sqlite3.Error:
        return 0, 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lanterne", default=os.path.join(ROOT, ".build/release/lanterne"))
    parser.add_argument("--runs", type=int, default=10, help="starts timed (default 10)")
    parser.add_argument("--idle", type=int, default=60, help="seconds of idle measured (default 60)")
    parser.add_argument("--intervals", type=int, default=240, help="intervals measured (default 240; 0: start and idle only)")
    parser.add_argument("--interval", type=int, default=1, help="the interval in seconds (default 1)")
    parser.add_argument("--warm-up", type=int, default=20, help="intervals recorded before measuring (default 20)")
    args = parser.parse_args()
    if not os.access(args.lanterne, os.X_OK):
        sys.exit(f"{args.lanterne}: no such program (swift build -c release --static-swift-stdlib --product lanterne, "
                 "as tools/systemd/install.sh builds it; or --lanterne PATH)")
    python = os.path.join(ROOT, ".build/modbus-venv/bin/python")
    if not os.access(python, os.X_OK):
        sys.exit(f"{python}: the test bed is not set up (tools/modbus-testbed/setup.sh)")
    declare_clock_synchronised()

    work = tempfile.mkdtemp(prefix="lanterne-run-io-")
    buses = ["io", "meter-gw", "dali-gw", "pv"]
    peer = subprocess.Popen(
        [python, os.path.join(ROOT, "tools/modbus-testbed/peer.py"), "--cabinet",
         os.path.join(ROOT, "tools/modbus-testbed/fixtures/cabinet.json"), "--time-scale", "1"]
        + [a for bus in buses for a in ("--listen", f"{bus}=127.0.0.1:0")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    controller = None
    try:
        ready = peer.stdout.readline().split()
        if not ready or ready[0] != "READY":
            sys.exit(f"the cabinet peer did not start: {' '.join(ready)}")
        address = dict(word.split("=", 1) for word in ready[2:])
        board = open(os.path.join(ROOT, "boards/modbus-tcp-cabinet.yaml")).read()
        real = {"io": "192.168.10.20:502", "meter-gw": "192.168.10.21:502",
                "dali-gw": "192.168.10.22:502", "pv": "192.168.10.30:502"}
        for bus, at in real.items():
            board = board.replace(f'tcp: "{at}"', f'tcp: "{address[bus]}"')
        open(os.path.join(work, "board.yaml"), "w").write(board)
        cabinet = os.path.join(work, "cabinet.yaml")
        open(cabinet, "w").write(f"""cabinet: sd-card
site: {{ latitude: 49.648, longitude: 2.570, timeZone: Europe/Paris }}
board: board.yaml
profile: {os.path.join(ROOT, "tools/gpio-sim/check/testbed-profile.yaml")}
luminaires:
  - {{ id: street, ratedWatts: 200, legacyWatts: 250 }}
circuits:
  - {{ id: c1, output: k1, luminaire: street, count: 12 }}
  - {{ id: c2, output: k2, luminaire: street, count: 8 }}
  - {{ id: c3, output: k3, luminaire: street, count: 6 }}
""")
        ready, rss, cpu = start_to_ready(args.lanterne, cabinet, os.path.join(work, "idle.sqlite"), work, args.runs, args.idle)
        ready.sort()
        print(f"start to first output (READY=1 after the first step's writes), {len(ready)} starts: "
              f"median {statistics.median(ready) * 1000:.0f} ms, min {ready[0] * 1000:.0f} ms, max {ready[-1] * 1000:.0f} ms")
        print(f"idle for {args.idle} s (15-minute intervals, fault sampling every 10 s): resident memory {rss['VmRSS'] / 1024:.1f} MB "
              f"({rss['RssAnon'] / 1024:.1f} MB anonymous, {rss['RssFile'] / 1024:.1f} MB of program and library files), "
              f"CPU {cpu * 100:.2f} % of a core")
        print(f"  {rss['released']}; {rss['faults']} major faults (pages read again) while idle")
        for name, kb in rss["files"][:8]:
            print(f"  {kb / 1024:5.1f} MB  {name}")
        sys.stdout.flush()
        if args.intervals == 0:
            return
        ledger = os.path.join(work, "ledger.sqlite")
        controller = subprocess.Popen(
            [args.lanterne, "run", "--cabinet", cabinet, "--ledger", ledger, "--interval", f"{args.interval}s",
             "--control", os.path.join(work, "control.sock"), "--state", os.path.join(work, "state.json"),
             "--log-level", "error"], stdout=subprocess.DEVNULL)
        print(f"lanterne run --interval {args.interval}s against the cabinet peer: "
              f"{args.warm_up} intervals to warm up, then {args.intervals} measured", file=sys.stderr)
        while intervals(ledger)[0] < args.warm_up:
            if controller.poll() is not None:
                sys.exit("lanterne run stopped")
            time.sleep(0.1)
        n0, e0 = intervals(ledger)
        io0 = io_counters(controller.pid)
        t0 = time.monotonic()
        shown = -1
        while (n := intervals(ledger)[0]) < n0 + args.intervals:
            if controller.poll() is not None:
                sys.exit("lanterne run stopped")
            if n - n0 != shown and sys.stderr.isatty():
                shown = n - n0
                print(f"\r{shown}/{args.intervals} intervals", end="", file=sys.stderr)
            time.sleep(0.05)
        io1 = io_counters(controller.pid)
        working = rss_kb(controller.pid)
        n1, e1 = intervals(ledger)
        elapsed = time.monotonic() - t0
        if sys.stderr.isatty():
            print(file=sys.stderr)
        measured = n1 - n0
        written = io1["write_bytes"] - io0["write_bytes"]
        wchar = io1["wchar"] - io0["wchar"]
        per_interval = written / measured
        print(f"{measured} intervals in {elapsed:.0f} s, {e1 - e0} events: {written} bytes to storage "
              f"({per_interval:.0f} per interval), write() calls {wchar} bytes ({wchar / measured:.0f} per interval)")
        print(f"at 15-minute intervals (96 a day): {per_interval * 96 / 1e6:.3f} MB written to storage per day "
              f"(write() calls: {wchar / measured * 96 / 1e6:.3f} MB per day)")
        print(f"resident memory after {n1} intervals recorded: {working['VmRSS'] / 1024:.1f} MB "
              f"({working['RssAnon'] / 1024:.1f} MB anonymous, {working['RssFile'] / 1024:.1f} MB of program and library files)")
    finally:
        if controller is not None:
            controller.terminate()
            controller.wait()
        peer.stdin.close()
        peer.terminate()
        peer.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
