#!/usr/bin/env python3
"""Verify a Lanterne energy ledger and its exports without Lanterne.

An auditor's tool: it re-implements, from docs/LEDGER.md, the hash chain over the ledger's
records (measurements, events and declarations), the signatures of the declarations and of
the signing-key rotations, and the checks of an export's manifest, using only Python's
standard library (sqlite3, hashlib, and an RFC 8032 Ed25519 verifier below; the
`cryptography` package is used instead when installed).

    python3 tools/ledger-verify.py LEDGER.sqlite
    python3 tools/ledger-verify.py --export FILE.csv [--public-key HEX] [--ledger LEDGER.sqlite]

Exit status 0 when sound, 1 otherwise (the reason is printed).
"""
import argparse
import datetime
import hashlib
import json
import os
import sqlite3
import struct
import sys

# --- Ed25519 verification (RFC 8032, section 6) --------------------------------------------

_P = 2 ** 255 - 19
_Q = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % _P
    B = (a[1] + a[0]) * (b[1] + b[0]) % _P
    C = 2 * a[3] * b[3] * _D % _P
    D = 2 * a[2] * b[2] % _P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % _P, G * H % _P, F * G % _P, E * H % _P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % _P)


def ed25519_verify(public, message, signature):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
            return True
        except Exception:
            return False
    except ImportError:
        pass
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


def fingerprint(public_hex):
    digest = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


# --- The chain -------------------------------------------------------------------------------

def encode_field(value):
    if value is None:
        return b"n"
    if isinstance(value, int):
        return b"i" + struct.pack(">q", value)
    data = value.encode("utf-8")
    return b"t" + struct.pack(">I", len(data)) + data


def encode(tag, fields):
    return tag + b"".join(encode_field(f) for f in fields)


TABLES = [
    ("M", "measurement", "seq, cabinet_id, kind, channel_id, start_unix, end_unix, energy_wh, source, burning_seconds, "
                         "mean_level_tenths, register_wh"),
    ("E", "event", "seq, cabinet_id, at_unix, kind, subject, detail"),
    ("D", "declaration", "seq, cabinet_id, effective_unix, kind, subject, body, signature"),
]


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(tag, row):
    if tag == "M":
        return f"{row[2]} {row[3]} of cabinet {row[1]}, interval starting {iso(row[4])}"
    if tag == "E":
        return f"{row[3]} event of cabinet {row[1]} at {iso(row[2])}"
    subject = f" {row[4]}" if row[4] else ""
    return f"{row[3]} declaration{subject} of cabinet {row[1] or '(ledger)'}, effective {iso(row[2])}"


def verify_ledger(path):
    """Returns (ok, message, keys) where keys lists (seq, public key hex) oldest first."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    version = db.execute("SELECT value FROM ledger_meta WHERE key = 'schema_version'").fetchone()
    if version is None or int(version[0]) < 3:
        return False, f"{path}: schema version {version and version[0]}: open it once with this lanterne to migrate it", []
    cursors = [(tag, db.cursor().execute(f"SELECT {cols}, hash FROM {table} ORDER BY seq")) for tag, table, cols in TABLES]
    pending = [c.fetchone() for _, c in cursors]
    previous = bytes(32)
    expected = 1
    counts = {"M": 0, "E": 0, "D": 0}
    keys = []          # (seq, public key hex)
    unsigned = 0
    while any(r is not None for r in pending):
        seqs = [r[0] if r is not None else None for r in pending]
        seq = min(s for s in seqs if s is not None)
        if seqs.count(seq) > 1:
            return False, f"record {seq} appears twice", keys
        i = seqs.index(seq)
        tag = cursors[i][0]
        row = pending[i]
        if seq != expected:
            what = f"records {expected} to {seq - 1} are missing before record {seq}" if seq > expected else f"record {seq} appears twice"
            return False, what, keys
        fields = row[:-1]
        digest = hashlib.sha256(previous + encode(tag.encode(), fields)).digest()
        if digest != row[-1]:
            return False, f"record {seq} ({describe(tag, fields)}) does not match its hash: it was altered, or records before it were", keys
        if tag == "D":
            ok, why = check_declaration(fields, previous, keys)
            if not ok:
                return False, f"record {seq} ({describe(tag, fields)}): {why}", keys
            if fields[6] is None:
                unsigned += 1
        previous = digest
        counts[tag] += 1
        expected += 1
        pending[i] = cursors[i][1].fetchone()
    total = sum(counts.values())
    lines = [f"{path}: chain sound, {total} records ({counts['M']} measurements, {counts['E']} events, "
             f"{counts['D']} declarations), head {previous.hex()}"]
    if keys:
        lines.append(f"  signing key {fingerprint(keys[-1][1])} (since record {keys[-1][0]})")
    else:
        lines.append("  no signing key")
    if unsigned:
        lines.append(f"  {unsigned} declarations written before the ledger had a signing key are unsigned")
    return True, "\n".join(lines), keys


def check_declaration(fields, previous, keys):
    """The signature rules of docs/LEDGER.md; appends a new key to `keys`."""
    seq, cabinet, effective, kind, subject, body, signature = fields
    signer = keys[-1][1] if keys else None
    new_key = None
    if kind == "signing-key":
        content = json.loads(body)
        if content.get("previousKey") != signer:
            return False, "a key rotation must name the key in force as its previous key (a first key names none)"
        new_key = content["publicKey"]
        signer = signer or new_key
    if signer is None:
        if signature is not None:
            return False, "signed although the ledger had no key then"
        return True, ""
    if signature is None:
        return False, f"not signed, but the ledger had signing key {fingerprint(signer)}"
    message = previous + encode(b"D", [seq, cabinet, effective, kind, subject, body])
    if not ed25519_verify(bytes.fromhex(signer), message, bytes.fromhex(signature)):
        return False, f"its signature is not valid for signing key {fingerprint(signer)}"
    if new_key:
        keys.append((seq, new_key))
    return True, ""


# --- Exports -----------------------------------------------------------------------------------

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
    keys = SIGNED_KEYS + ([] if manifest.get("format") == "lanterne-export/1" else ["publicKeyFingerprint"])
    return "".join(f"{k}={value(k)}\n" for k in keys)


def verify_export(csv_path, public_key=None, ledger=None):
    with open(csv_path + ".manifest.json", encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") not in ("lanterne-export/1", "lanterne-export/2"):
        return False, f"{csv_path}: not a Lanterne export manifest"
    data = open(csv_path, "rb").read()
    if hashlib.sha256(data).hexdigest() != manifest["csvSHA256"]:
        return False, f"{csv_path}: SHA-256 differs from the manifest's: the CSV was altered"
    summary = os.path.join(os.path.dirname(csv_path), manifest["summaryFile"])
    if hashlib.sha256(open(summary, "rb").read()).hexdigest() != manifest["summarySHA256"]:
        return False, f"{summary}: SHA-256 differs from the manifest's"
    signer = manifest["publicKey"]
    if not ed25519_verify(bytes.fromhex(signer), signed_text(manifest).encode("utf-8"), bytes.fromhex(manifest["signature"])):
        return False, f"{csv_path}: the manifest's signature is not valid"
    stated = manifest.get("publicKeyFingerprint")
    if stated is not None and stated != fingerprint(signer):
        return False, f"{csv_path}: the manifest states fingerprint {stated}, its key's is {fingerprint(signer)}"
    lines = [f"{csv_path}: sound, {manifest['rows']} rows, signature valid, signed by key {fingerprint(signer)}"]
    if public_key:
        if public_key.lower() != signer:
            return False, f"{csv_path}: signed by key {fingerprint(signer)}, not by the expected key"
        lines.append("  the signer is the expected key")
    if ledger:
        ok, message, keys = verify_ledger(ledger)
        if not ok:
            return False, message
        db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        seq = manifest["chainRecords"]
        stored = db.execute("SELECT hash FROM measurement WHERE seq = ?1 UNION ALL SELECT hash FROM event WHERE seq = ?1 "
                            "UNION ALL SELECT hash FROM declaration WHERE seq = ?1", (seq,)).fetchone()
        if stored is None or stored[0].hex() != manifest["chainHead"]:
            return False, f"{csv_path}: the manifest's chain head (record {seq}) is not in {ledger}"
        in_force = [k for s, k in keys if s <= seq]
        if not in_force or in_force[-1] != signer:
            return False, f"{csv_path}: the signer is not the ledger's signing key at record {seq}"
        lines.append(f"  the signer is the ledger's chained signing key at the export, and record {seq} is its chain head")
    if not public_key and not ledger:
        lines.append(f"  the signer is NOT pinned: compare {fingerprint(signer)} with the fingerprint the municipality holds, "
                     "or give --public-key or --ledger")
    return True, "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ledger", nargs="?")
    parser.add_argument("--export")
    parser.add_argument("--public-key")
    parser.add_argument("--ledger", dest="export_ledger")
    args = parser.parse_args()
    if args.export:
        ok, message = verify_export(args.export, args.public_key, args.export_ledger or args.ledger)
    elif args.ledger or args.export_ledger:
        ok, message, _ = verify_ledger(args.ledger or args.export_ledger)
    else:
        parser.error("give a ledger or --export FILE.csv")
    print(message, file=sys.stdout if ok else sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
