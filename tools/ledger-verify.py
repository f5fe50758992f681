#!/usr/bin/env python3
"""Verify a Lanterne energy ledger and its exports without Lanterne.

An auditor's tool: it re-implements, from docs/LEDGER.md, the hash chain over the ledger's
records and the checks of an export's manifest, using only Python's standard library
(sqlite3, hashlib) — plus the `cryptography` package, if installed, for Ed25519 signatures.

    python3 tools/ledger-verify.py LEDGER.sqlite
    python3 tools/ledger-verify.py --export FILE.csv [--public-key HEX]

Exit status 0 when sound, 1 otherwise (the reason is printed).
"""
import argparse
import hashlib
import json
import os
import sqlite3
import struct
import sys


def encode_field(value):
    if value is None:
        return b"n"
    if isinstance(value, int):
        return b"i" + struct.pack(">q", value)
    data = value.encode("utf-8")
    return b"t" + struct.pack(">I", len(data)) + data


def measurement_bytes(row):
    seq, cabinet, kind, channel, start, end, energy, source, burning, level, register = row
    fields = [seq, cabinet, kind, channel, start, end, energy, source, burning, level, register]
    return b"M" + b"".join(encode_field(f) for f in fields)


def event_bytes(row):
    seq, cabinet, at, kind, subject, detail = row
    return b"E" + b"".join(encode_field(f) for f in [seq, cabinet, at, kind, subject, detail])


def verify_ledger(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    version = db.execute("SELECT value FROM ledger_meta WHERE key = 'schema_version'").fetchone()
    if version is None or int(version[0]) < 2:
        return False, f"{path}: schema version {version} has no hash chain"
    m = db.execute(
        "SELECT seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh, source, burning_seconds, "
        "mean_level_tenths, register_wh, hash FROM measurement ORDER BY seq")
    e = db.cursor().execute("SELECT seq, cabinet_id, at_unix, kind, subject, detail, hash FROM event ORDER BY seq")
    mr, er = m.fetchone(), e.fetchone()
    previous = bytes(32)
    expected = 1
    count = 0
    while mr is not None or er is not None:
        take_m = er is None or (mr is not None and mr[0] < er[0])
        if mr is not None and er is not None and mr[0] == er[0]:
            return False, f"record {mr[0]} appears twice"
        row = mr if take_m else er
        seq = row[0]
        if seq != expected:
            return False, f"records {expected} to {seq - 1} are missing before record {seq}" if seq > expected else f"record {seq} appears twice"
        data = measurement_bytes(row[:11]) if take_m else event_bytes(row[:6])
        digest = hashlib.sha256(previous + data).digest()
        if digest != row[-1]:
            return False, f"record {seq} does not match its hash: it was altered, or records before it were"
        previous = digest
        count += 1
        expected += 1
        if take_m:
            mr = m.fetchone()
        else:
            er = e.fetchone()
    return True, f"{path}: chain sound, {count} records, head {previous.hex()}"


SIGNED_KEYS = ["format", "csvFile", "csvSHA256", "csvBytes", "rows", "columns", "periodStartUTC", "periodEndUTC",
               "interval", "grouping", "cabinet", "delimiter", "decimalComma", "ledgerFile", "chainHead",
               "chainRecords", "summaryFile", "summarySHA256", "generator", "createdAtUTC", "publicKey"]


def signed_text(manifest):
    def value(key):
        v = manifest.get(key)
        if key == "columns":
            return ",".join(v)
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    return "".join(f"{k}={value(k)}\n" for k in SIGNED_KEYS)


def verify_export(csv_path, public_key=None):
    with open(csv_path + ".manifest.json", encoding="utf-8") as f:
        manifest = json.load(f)
    data = open(csv_path, "rb").read()
    if hashlib.sha256(data).hexdigest() != manifest["csvSHA256"]:
        return False, f"{csv_path}: SHA-256 differs from the manifest's: the CSV was altered"
    summary = os.path.join(os.path.dirname(csv_path), manifest["summaryFile"])
    if hashlib.sha256(open(summary, "rb").read()).hexdigest() != manifest["summarySHA256"]:
        return False, f"{summary}: SHA-256 differs from the manifest's"
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["publicKey"]))
        key.verify(bytes.fromhex(manifest["signature"]), signed_text(manifest).encode("utf-8"))
        signature = "signature valid"
    except ImportError:
        signature = "signature not checked (pip install cryptography)"
    except Exception:
        return False, f"{csv_path}: the manifest's signature is not valid"
    if public_key and public_key.lower() != manifest["publicKey"]:
        return False, f"{csv_path}: signed by another key"
    return True, f"{csv_path}: sound, {manifest['rows']} rows, {signature}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ledger", nargs="?")
    parser.add_argument("--export")
    parser.add_argument("--public-key")
    args = parser.parse_args()
    if args.export:
        ok, message = verify_export(args.export, args.public_key)
    elif args.ledger:
        ok, message = verify_ledger(args.ledger)
    else:
        parser.error("give a ledger or --export FILE.csv")
    print(message, file=sys.stdout if ok else sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
