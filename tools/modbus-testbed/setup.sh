#!/usr/bin/env bash
# Sets up Lanterne's Modbus test bed on Debian 12 (idempotent; well under a second when done):
#  1. apt packages, only those missing: python3-venv socat mbpoll gcc libc6-dev pkg-config
#     libmodbus-dev (--no-install-recommends; sudo only when not root);
#  2. a Python venv at ${LANTERNE_MODBUS_VENV:-<repo>/.build/modbus-venv} with the pinned
#     requirements.txt (pymodbus, pyserial, pysunspec2);
#  3. libmodbus's example servers/clients from /usr/share/doc/libmodbus-dev/examples, plus
#     modbus-rtt.c (libmodbus timing client), into <repo>/.build/libmodbus-examples/.
# Progress goes to stderr; stdout gets KEY=VALUE lines (also written to
# <repo>/.build/modbus-testbed.env), so `eval "$(tools/modbus-testbed/setup.sh)"` works.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$repo/.build"
venv="${LANTERNE_MODBUS_VENV:-$build/modbus-venv}"
bin_out="$build/libmodbus-examples"
examples_doc=/usr/share/doc/libmodbus-dev/examples
say() { echo "modbus-testbed setup: $*" >&2; }

mkdir -p "$build"
# one setup at a time (tests may call this in parallel)
exec 9>"$build/.modbus-testbed.lock"
flock 9

# ---- 1. apt packages ------------------------------------------------------------------
packages=(python3-venv socat mbpoll gcc libc6-dev pkg-config libmodbus-dev)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
missing=()
while read -r name status; do
  [ "$status" = "installed" ] || missing+=("$name")
done < <(for p in "${packages[@]}"; do
  s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  echo "$p ${s:-absent}"
done)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q >&2
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# ---- 2. Python venv ---------------------------------------------------------------------
# Debian's own python3 (not a pyenv/asdf shim that may shadow it on a developer machine)
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3)"
stamp="$venv/.lanterne-requirements"
if ! { [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$stamp"; }; then
  say "creating venv $venv"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$here/requirements.txt" >&2
  "$venv/bin/python" -c 'import pymodbus, serial, sunspec2' >&2
  cp "$here/requirements.txt" "$stamp"
fi

# ---- 3. libmodbus examples --------------------------------------------------------------
examples=(unit-test-server unit-test-client bandwidth-server-one bandwidth-client
          random-test-server random-test-client)
mkdir -p "$bin_out"
src="$examples_doc"
if [ ! -f "$src/unit-test-server.c" ] && [ ! -f "$src/unit-test-server.c.gz" ]; then
  # some minimal images drop /usr/share/doc (dpkg path-exclude): take the sources from the .deb
  src="$bin_out/src"
  if [ ! -f "$src/unit-test-server.c" ]; then
    say "examples missing under $examples_doc; extracting them from libmodbus-dev's .deb"
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"  # apt's _apt user downloads into it
    (cd "$tmp" && apt-get download libmodbus-dev >&2) || {
      "${sudo_cmd[@]}" apt-get update -q >&2
      (cd "$tmp" && apt-get download libmodbus-dev >&2)
    }
    dpkg-deb -x "$tmp"/libmodbus-dev_*.deb "$tmp/x"
    mkdir -p "$src"
    cp "$tmp/x$examples_doc"/* "$src"/
    rm -rf "$tmp"
  fi
fi
flags=$(pkg-config --cflags --libs libmodbus)
build_one() {  # name source-file
  local name="$1" file="$2" out="$bin_out/$1"
  if [ ! -x "$out" ] || [ "$file" -nt "$out" ]; then
    say "building $name"
    local c="$file" tmpc=""
    if [[ "$file" == *.gz ]]; then
      tmpc="$bin_out/.$name.c"; zcat "$file" > "$tmpc"; c="$tmpc"
    fi
    # shellcheck disable=SC2086  # pkg-config flags are words
    gcc -O2 -I"$(dirname "$file")" "$c" -o "$out.tmp" $flags
    mv "$out.tmp" "$out"
    [ -z "$tmpc" ] || rm -f "$tmpc"
  fi
}
if [ -f "$src/unit-test.h.gz" ] && [ ! -f "$bin_out/src/unit-test.h" ]; then
  mkdir -p "$bin_out/src"; zcat "$src/unit-test.h.gz" > "$bin_out/src/unit-test.h"
fi
for e in "${examples[@]}"; do
  if [ -f "$src/$e.c" ]; then build_one "$e" "$src/$e.c"; else build_one "$e" "$src/$e.c.gz"; fi
done
build_one modbus-rtt "$here/modbus-rtt.c"

# ---- paths --------------------------------------------------------------------------------
env_text="LANTERNE_MODBUS_PYTHON=$venv/bin/python
LANTERNE_MODBUS_PEER=$here/peer.py
LANTERNE_MODBUS_RELAY=$here/ptyrelay.py
LANTERNE_MODBUS_FIXTURE=$here/fixtures/values.json
LANTERNE_MODBUS_EXAMPLES=$bin_out
LANTERNE_MODBUS_RTT=$bin_out/modbus-rtt"
env_file="$build/modbus-testbed.env"
if [ ! -f "$env_file" ] || [ "$(cat "$env_file")" != "$env_text" ]; then
  printf '%s\n' "$env_text" > "$env_file"
fi
printf '%s\n' "$env_text"
