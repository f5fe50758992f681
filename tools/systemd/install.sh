#!/usr/bin/env bash
# Installs Lanterne's cabinet controller as a systemd service:
#   - the binary            -> /usr/local/bin/lanterne
#   - the unit              -> /etc/systemd/system/lanterne.service (tools/systemd/lanterne.service)
#   - the user `lanterne`   (system user, no login, in the groups `gpio` and `dialout`;
#                            `gpio` is created when missing, with a udev rule that gives it the
#                            /dev/gpiochip* devices: Debian has no such group, Raspberry Pi OS has)
#   - /etc/lanterne/        (root:lanterne, 0750): the cabinet file and the files it names
#                            (board, profile) when --cabinet DIR is given
# The ledger and its key live in /var/lib/lanterne/ (the unit's StateDirectory).
#
# Usage: tools/systemd/install.sh [--binary PATH] [--cabinet DIR] [--root DIR] [--no-start]
#   --binary PATH  the lanterne binary (default: .build/release/lanterne, built when missing,
#                  with the Swift runtime and Foundation linked in: --static-swift-stdlib)
#   --cabinet DIR  copies DIR's *.yaml into /etc/lanterne/ (DIR/cabinet.yaml must exist)
#   --root DIR     installs under DIR instead of / (DIR/etc/passwd and DIR/etc/group must
#                  exist: the user and group are made there with useradd/groupadd --root)
#   --no-start     installs and enables, but does not start the service
# Idempotent: run it again after an upgrade. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary="" cabinet="" root="" start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --cabinet) cabinet=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "install.sh: needs root (sudo $0 $*)" >&2; exit 1; }
if [ -z "$binary" ]; then
  binary="$repo/.build/release/lanterne"
  if [ ! -x "$binary" ]; then
    # The Swift runtime and Foundation linked in: the board needs no Swift toolchain, and the
    # controller's pages are its own (docs/PERFORMANCE.md, memory).
    echo "install.sh: building $binary (swift build -c release --static-swift-stdlib --product lanterne)"
    (cd "$repo" && swift build -c release --static-swift-stdlib --product lanterne)
  fi
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
if [ -n "$cabinet" ] && [ ! -f "$cabinet/cabinet.yaml" ]; then
  echo "install.sh: $cabinet/cabinet.yaml does not exist (the unit runs /etc/lanterne/cabinet.yaml)" >&2; exit 1
fi
if [ -n "$root" ]; then
  [ -f "$root/etc/passwd" ] && [ -f "$root/etc/group" ] || { echo "install.sh: $root/etc/passwd and $root/etc/group must exist" >&2; exit 1; }
  rootopt=(--root "$(cd "$root" && pwd)")
else
  rootopt=()
fi

# Groups and user.
group_exists() { grep -q "^$1:" "$root/etc/group"; }
for g in gpio dialout; do
  if ! group_exists "$g"; then
    groupadd "${rootopt[@]}" --system "$g"
    echo "install.sh: group $g created"
  fi
done
if grep -q "^lanterne:" "$root/etc/passwd"; then
  usermod "${rootopt[@]}" --append --groups gpio,dialout lanterne
  echo "install.sh: user lanterne exists (groups gpio, dialout ensured)"
else
  useradd "${rootopt[@]}" --system --user-group --groups gpio,dialout --home-dir /var/lib/lanterne --no-create-home \
    --shell /usr/sbin/nologin --comment "Lanterne cabinet controller" lanterne
  echo "install.sh: user lanterne created (groups gpio, dialout)"
fi

# Files.
install -D -m 0755 "$binary" "$root/usr/local/bin/lanterne"
install -D -m 0644 "$here/lanterne.service" "$root/etc/systemd/system/lanterne.service"
install -D -m 0644 "$repo/README.md" "$root/usr/local/share/doc/lanterne/README.md"
install -d -m 0750 "$root/etc/lanterne"
chgrp "$(grep '^lanterne:' "$root/etc/group" | cut -d: -f3)" "$root/etc/lanterne"
# The keys whose signed profiles 'lanterne profile flash' may activate (NAME.pub each).
install -d -m 0750 "$root/etc/lanterne/trusted-keys"
chgrp "$(grep '^lanterne:' "$root/etc/group" | cut -d: -f3)" "$root/etc/lanterne/trusted-keys"
rules="$root/etc/udev/rules.d/60-lanterne-gpio.rules"
install -D -m 0644 /dev/null "$rules"
echo 'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"' > "$rules"
if [ -n "$cabinet" ]; then
  for f in "$cabinet"/*.yaml; do install -m 0640 "$f" "$root/etc/lanterne/"; done
  chgrp "$(grep '^lanterne:' "$root/etc/group" | cut -d: -f3)" "$root"/etc/lanterne/*.yaml
  echo "install.sh: $(ls "$cabinet"/*.yaml | wc -l) file(s) from $cabinet in /etc/lanterne/"
elif [ ! -f "$root/etc/lanterne/cabinet.yaml" ]; then
  echo "install.sh: put the cabinet file in /etc/lanterne/cabinet.yaml (with the board and profile it names)"
fi
echo "install.sh: installed $root/usr/local/bin/lanterne and $root/etc/systemd/system/lanterne.service"
echo "install.sh: copy the public keys that sign this cabinet's profiles (NAME.pub, 'lanterne keys generate') to /etc/lanterne/trusted-keys/"

# Hand over to systemd when it runs this machine (not under --root, not in a container).
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  udevadm control --reload && udevadm trigger --subsystem-match=gpio || true
  systemctl enable lanterne.service
  if [ "$start" -eq 1 ] && [ -f /etc/lanterne/cabinet.yaml ]; then
    systemctl restart lanterne.service
    echo "install.sh: started; follow it with: journalctl -u lanterne -f"
  else
    echo "install.sh: enabled; start it with: systemctl start lanterne"
  fi
else
  echo "install.sh: systemd does not run this system: nothing enabled or started"
fi
