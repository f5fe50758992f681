#!/usr/bin/env bash
# Runs COMMAND inside a Debian kernel booted under QEMU (TCG) with the gpio-sim GPIO simulator:
# one simulated chip "lanterne-sim" with 8 named lines, driven through /dev/gpiochipN (libgpiod)
# and observed/stimulated through sysfs. Exits with COMMAND's exit code.
#
#   run.sh [--payload FILE_OR_DIR]... [--env NAME=VALUE]... [--timeout SECONDS] -- COMMAND [ARGS...]
#
# See README.md next to this script.
set -euo pipefail

log() { printf 'gpio-sim/run: %s\n' "$*" >&2; }
die() { printf 'gpio-sim/run: ERROR: %s\n' "$*" >&2; exit 1; }
usage() {
  cat >&2 <<'EOF'
usage: run.sh [--payload FILE_OR_DIR]... [--env NAME=VALUE]... [--timeout SECONDS] -- COMMAND [ARGS...]

  --payload P    copy file or directory P to /payload/<basename P> in the guest (repeatable);
                 modes are kept, and every library that `ldd` lists for an ELF file in P is
                 copied to the same path in the guest
  --env N=V      export N=V to COMMAND in the guest (repeatable)
  --timeout S    kill QEMU after S seconds (default 120) and exit 124
  COMMAND        run in the guest with cwd /payload (PATH starts with /payload), stdin /dev/null

Exit status: COMMAND's exit status; 124 on timeout; 1 if the guest never reported a result.
The guest command receives GPIOSIM_CHIP, GPIOSIM_DEV, GPIOSIM_SYSFS, GPIOSIM_LABEL.
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

payloads=()
envs=()
timeout_s=120
while [ $# -gt 0 ]; do
  case $1 in
    --payload) [ $# -ge 2 ] || die "--payload needs an argument"; payloads+=("$2"); shift 2 ;;
    --payload=*) payloads+=("${1#*=}"); shift ;;
    --env) [ $# -ge 2 ] || die "--env needs NAME=VALUE"; envs+=("$2"); shift 2 ;;
    --env=*) envs+=("${1#*=}"); shift ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
    --timeout=*) timeout_s=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage; die "unknown argument '$1' (the command goes after --)" ;;
  esac
done
[ $# -gt 0 ] || { usage; die "no COMMAND given after --"; }
[[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -gt 0 ] || die "--timeout must be a positive integer (got '$timeout_s')"
for p in "${payloads[@]}"; do
  [ -e "$p" ] || die "payload '$p' does not exist"
done
for e in "${envs[@]}"; do
  [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env '$e' is not NAME=VALUE"
done

cache=$("$here/prepare.sh" | tail -n1)
[ -f "$cache/vmlinux" ] && [ -f "$cache/modules/load-order" ] || die "prepare.sh did not produce $cache/vmlinux"
kver=$(sed -n 's/^kver=//p' "$cache/ready")

# Single-quote a word for the guest's busybox sh.
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

stage=$(mktemp -d "$cache/stage.XXXXXX")
initrd=$stage.cpio
qemu_log=$stage.log
cleanup() { rm -rf "$stage" "$initrd" "$qemu_log"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Copy FILE (ldd-listed library or tool) to the same path in the guest.
copy_at_path() {
  local f=$1
  [ -e "$stage$f" ] && return 0
  mkdir -p "$stage$(dirname "$f")"
  cp -L --preserve=mode "$f" "$stage$f"
}
is_elf() { [ -f "$1" ] && [ "$(head -c4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
# Copy every library ldd lists for ELF file $1 (skip libraries already inside the stage).
copy_libs() {
  local out lib
  out=$(ldd "$1" 2>/dev/null) || return 0   # static or not loadable: nothing to copy
  while read -r lib; do
    [ -n "$lib" ] || continue
    case $lib in "$stage"/*) continue ;; esac
    [ -e "$lib" ] || die "ldd lists $lib for $1, but it does not exist"
    copy_at_path "$lib"
  done < <(printf '%s\n' "$out" | sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p')
}

log "building the initramfs ($kver)"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,payload,gpiosim,lib/modules/gpiosim}
chmod 1777 "$stage/tmp"
# busybox and its applets
cp /bin/busybox "$stage/bin/busybox"
while read -r a; do
  [ -n "$a" ] && [ ! -e "$stage/$a" ] && [ ! -L "$stage/$a" ] && ln -s /bin/busybox "$stage/$a"
done < <(/bin/busybox --list-full)
# gpiod tools (libgpiod 1.6) with their libraries
for t in gpioset gpioget gpiomon gpioinfo gpiodetect gpiofind; do
  p=$(command -v "$t") || die "$t not found (package gpiod)"
  rm -f "$stage/usr/bin/$t" "$stage/bin/$t"
  cp -L --preserve=mode "$p" "$stage/usr/bin/$t"
  copy_libs "$p"
done
[ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$stage/etc/ld.so.cache"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
printf 'root:x:0:\n' > "$stage/etc/group"
# kernel modules, in load order
while read -r m; do
  cp "$cache/modules/$m.ko" "$stage/lib/modules/gpiosim/$m.ko"
done < "$cache/modules/load-order"
cp "$cache/modules/load-order" "$stage/lib/modules/gpiosim/load-order"
# payloads
for p in "${payloads[@]}"; do
  dst=$stage/payload/$(basename "$p")
  [ ! -e "$dst" ] || die "two payloads named $(basename "$p")"
  cp -rL --preserve=mode,timestamps "$p" "$dst"
done
while IFS= read -r -d '' f; do
  is_elf "$f" && copy_libs "$f"
done < <(find "$stage/payload" -type f -print0)
# command and environment
{
  echo '# generated by run.sh'
  for e in "${envs[@]}"; do printf 'export %s=%s\n' "${e%%=*}" "$(q "${e#*=}")"; done
  printf 'exec'
  for a in "$@"; do printf ' %s' "$(q "$a")"; done
  printf '\n'
} > "$stage/gpiosim/command.sh"
[ "$(id -u)" -ne 0 ] || mknod -m 600 "$stage/dev/console" c 5 1

cat > "$stage/init" <<'INIT'
#!/bin/busybox sh
# gpio-sim test bed init (generated by tools/gpio-sim/run.sh)
export PATH=/payload:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root TMPDIR=/tmp
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 1 > /proc/sys/kernel/printk          # keep kernel messages off the console (emerg only)
stty -onlcr 2>/dev/null || true

fail() {
  echo "GPIOSIM-ERROR: $*"
  dmesg | tail -n 20
  sleep 0.3
  poweroff -f
}

while read -r m; do
  insmod "/lib/modules/gpiosim/$m.ko" || fail "insmod $m.ko failed"
done < /lib/modules/gpiosim/load-order
mount -t configfs none /sys/kernel/config || fail "cannot mount configfs"

cfg=/sys/kernel/config/gpio-sim/lanterne
mkdir "$cfg" "$cfg/bank0" || fail "cannot create the gpio-sim device in configfs"
echo 8 > "$cfg/bank0/num_lines"
echo lanterne-sim > "$cfg/bank0/label"
i=0
for name in relay-1 relay-2 relay-3 step-1 photocell door pir-1 pir-2; do
  mkdir "$cfg/bank0/line$i" && echo "$name" > "$cfg/bank0/line$i/name" || fail "cannot name line $i"
  i=$((i + 1))
done
echo 1 > "$cfg/live" || fail "cannot set the gpio-sim device live"

GPIOSIM_DEV=$(cat "$cfg/dev_name")
GPIOSIM_CHIP=$(cat "$cfg/bank0/chip_name")
GPIOSIM_SYSFS=/sys/devices/platform/$GPIOSIM_DEV/$GPIOSIM_CHIP
GPIOSIM_LABEL=lanterne-sim
export GPIOSIM_DEV GPIOSIM_CHIP GPIOSIM_SYSFS GPIOSIM_LABEL
n=0
while [ ! -c "/dev/$GPIOSIM_CHIP" ] || [ ! -e "$GPIOSIM_SYSFS/sim_gpio7/value" ]; do
  n=$((n + 1)); [ $n -le 50 ] || fail "/dev/$GPIOSIM_CHIP or $GPIOSIM_SYSFS/sim_gpio7 did not appear"
  sleep 0.1
done

cd /payload
sh /gpiosim/command.sh </dev/null
rc=$?
echo "GPIOSIM-EXIT $rc"
sleep 0.3        # let the UART drain before the power goes
poweroff -f
INIT
chmod 755 "$stage/init"

(cd "$stage" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) > "$initrd"
log "initramfs: $(du -h "$initrd" | cut -f1); booting $kver under QEMU (TCG), timeout ${timeout_s}s"

# -display none rather than -nographic: with -nographic QEMU tells SeaBIOS to use the serial port
# as its console, which puts the BIOS banner and terminal escape codes in front of the output.
# The guest's serial console is this process's stdout; CRs are stripped, and the kernel's final
# "reboot: Power down" line is dropped.
boot_start=$(date +%s.%N)
set +e
# Two vCPUs (GPIOSIM_SMP), one host thread each (multi-threaded TCG), like a small multi-core board.
timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg,thread=multi -smp "${GPIOSIM_SMP:-2}" -cpu max -m 1024 -display none -no-reboot \
  -nodefaults -serial stdio -kernel "$cache/vmlinux" -initrd "$initrd" \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init" </dev/null 2>&1 \
  | sed -u -e 's/\r$//' -e '/^\[ *[0-9]*\.[0-9]*\] reboot: Power down$/d' | tee "$qemu_log"
qemu_rc=${PIPESTATUS[0]}
set -e
log "QEMU ran $(awk -v a="$boot_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s (boot to power-off)"

code=$(sed -n 's/^GPIOSIM-EXIT \([0-9][0-9]*\)$/\1/p' "$qemu_log" | tail -n1)
if [ -n "$code" ]; then
  [ "$qemu_rc" -eq 0 ] || log "warning: QEMU exited with $qemu_rc after the guest reported"
  exit "$code"
fi
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
  log "timed out after ${timeout_s}s: QEMU killed before the guest command finished"
  exit 124
fi
if err=$(grep -m1 '^GPIOSIM-ERROR: ' "$qemu_log"); then
  die "guest setup failed: ${err#GPIOSIM-ERROR: }"
fi
if grep -q 'Kernel panic' "$qemu_log"; then
  die "the guest kernel panicked (see the output above); no GPIOSIM-EXIT marker"
fi
die "the guest never printed the GPIOSIM-EXIT marker (QEMU exit code $qemu_rc)"
