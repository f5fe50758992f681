#!/usr/bin/env python3
"""Bytes a Lanterne controller writes to storage per day for its ledger (SD-card wear).

Simulates DAYS days of a cabinet into a ledger that already holds a first run (so the
measurement is steady state, not file creation) and reads the kernel's accounting of the
process: write_bytes (ru_oublock, what reached the block layer: WAL appends and checkpoints)
and wchar (bytes passed to write()).

`lanterne simulate --ledger` commits a lighting day per transaction (a simulation's origin,
docs/LEDGER.md), where the controller commits every interval: what this measures is the
simulation's writes, a lower bound of the controller's (whose per-interval figure is in
docs/PERFORMANCE.md, measured when the simulation still committed every interval).

    python3 tools/measure-ledger-writes.py [LANTERNE] [CABINET] [DAYS]
"""
import os
import sys
import tempfile
import time

lanterne = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/lanterne"
cabinet = sys.argv[2] if len(sys.argv) > 2 else "examples/montdidier.yaml"
days = int(sys.argv[3]) if len(sys.argv) > 3 else 30
ledger = os.path.join(tempfile.mkdtemp(prefix="lanterne-io-"), "ledger.sqlite")


def run(start, end, measure):
    args = [lanterne, "simulate", "--cabinet", cabinet, "--from", start, "--to", end, "--ledger", ledger, "--quiet"]
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.execv(args[0], args)
    wchar = 0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if measure:
            try:
                for line in open(f"/proc/{pid}/io"):
                    if line.startswith("wchar"):
                        wchar = int(line.split()[1])
            except OSError:
                pass
        time.sleep(0.02)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"lanterne failed: {' '.join(args)}")
    return usage.ru_oublock * 512, wchar


run("2026-01-01", "2026-01-08", measure=False)
from datetime import date, timedelta
end = (date(2026, 1, 8) + timedelta(days=days)).isoformat()
written, wchar = run("2026-01-08", end, measure=True)
print(f"{cabinet}: {written / days / 1e6:.3f} MB written to storage per day "
      f"(write() calls: at least {wchar / days / 1e6:.3f} MB per day), over {days} days")
