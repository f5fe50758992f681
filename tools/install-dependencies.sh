#!/usr/bin/env bash
# Installs the system packages Lanterne builds against, on Debian or Ubuntu:
# - libsqlite3-dev: the SQLite that GRDB (the energy ledger) links;
# - libgpiod-dev, libmodbus-dev, pkg-config: the GPIO and Modbus drivers' C libraries;
# - python3: the CLI tests use its sqlite3 module to read ledgers independently of our code;
# - tzdata: the IANA time zones (cabinets run in local time; minimal images lack it);
# - systemd: its systemd-analyze checks tools/systemd/lanterne.service in the tests (nothing
#   is started: systemd need not be PID 1).
# Idempotent: does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail
packages=(libsqlite3-dev libgpiod-dev libmodbus-dev pkg-config python3 python3-venv tzdata systemd openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-dependencies: all present (${packages[*]})"
  exit 0
fi
echo "install-dependencies: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
