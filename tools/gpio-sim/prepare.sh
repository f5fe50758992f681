#!/usr/bin/env bash
# Prepares everything the gpio-sim test bed needs to boot a Debian kernel under QEMU with the
# kernel's GPIO simulator (gpio-sim):
#   - installs the host packages (apt-get, --no-install-recommends) when missing;
#   - takes the kernel version KVER from the installed linux-headers-amd64 dependency;
#   - downloads linux-image-$KVER and linux-source-6.1 of the same package version
#     (apt-get download; nothing is installed, nothing goes to /boot);
#   - builds irq_sim.ko and gpio-sim.ko out of tree against the installed headers;
#   - decompresses vmlinuz to a plain vmlinux ELF and extracts configfs.ko (+ dependencies).
# Everything lands in ${LANTERNE_GPIOSIM_CACHE:-<repo>/.build/gpio-sim}/<KVER>/, keyed by KVER:
# a second run only checks and returns. Prints the prepared directory on stdout (last line);
# progress and errors go to stderr. See README.md next to this script.
set -euo pipefail

log() { printf 'gpio-sim/prepare: %s\n' "$*" >&2; }
die() { printf 'gpio-sim/prepare: ERROR: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${LANTERNE_GPIOSIM_CACHE:-$repo/.build/gpio-sim}

[ "$(uname -m)" = x86_64 ] || die "only x86_64 hosts are supported (found $(uname -m))"

# --- 1. host packages -------------------------------------------------------------------
packages=(qemu-system-x86 linux-headers-amd64 busybox-static cpio xz-utils gpiod libgpiod-dev gcc make)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing missing packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and sudo is missing: install ${missing[*]} first"
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q >&2 || die "apt-get update failed"
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
else
  log "host packages present"
fi

# --- 2. kernel version from the installed headers ----------------------------------------
# linux-headers-amd64 depends on "linux-headers-6.1.0-NN-amd64 (= 6.1.X-Y)".
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64) || die "cannot read linux-headers-amd64's dependencies"
hdr_pkg=$(printf '%s\n' "$dep" | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-amd64\)\b.*/\1/p' | head -n1)
[ -n "$hdr_pkg" ] || die "could not find the -amd64 headers package in linux-headers-amd64's Depends: '$dep'"
KVER=${hdr_pkg#linux-headers-}
hdr_ver=$(dpkg-query -W -f='${Version}' "$hdr_pkg" 2>/dev/null) \
  || die "$hdr_pkg (named by linux-headers-amd64) is not installed"
hdr_dir=/usr/src/linux-headers-$KVER
[ -f "$hdr_dir/Makefile" ] || die "kernel headers not found at $hdr_dir"

dir=$cache_root/$KVER
stamp=$dir/ready
is_ready() {
  [ -f "$stamp" ] && grep -qx "headers=$hdr_ver" "$stamp" && [ -s "$dir/vmlinux" ] \
    && [ -s "$dir/modules/load-order" ]
}
if is_ready; then
  log "cached: $dir (KVER $KVER, $hdr_ver)"
  printf '%s\n' "$dir"
  exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
log "taking the cache lock $dir/.lock"
flock 9
if is_ready; then   # another run finished it meanwhile
  log "cached: $dir (KVER $KVER, $hdr_ver)"
  printf '%s\n' "$dir"
  exit 0
fi
rm -f "$stamp"
log "preparing KVER $KVER (headers package $hdr_pkg $hdr_ver) in $dir"

work=$dir/work
rm -rf "$work"
mkdir -p "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

versions_of() { apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u | tr '\n' ' '; }

# download PACKAGE VERSION -> path of the .deb in $work
download() {
  local pkg=$1 ver=$2 deb got
  log "downloading $pkg=$ver"
  # As root, apt drops to user _apt, which cannot write into the cache: keep root.
  local sandbox=()
  [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
  if ! (cd "$work" && apt-get download -q "${sandbox[@]}" "$pkg=$ver" >&2); then
    die "cannot download $pkg=$ver to match the installed headers ($hdr_pkg $hdr_ver).
  versions of $pkg known to apt: $(versions_of "$pkg")
  Run 'apt-get update' and upgrade linux-headers-amd64 so that headers, image and source match."
  fi
  deb=$(ls "$work/${pkg}_"*.deb 2>/dev/null | head -n1)
  [ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
  got=$(dpkg-deb -f "$deb" Version)
  [ "$got" = "$ver" ] || die "version mismatch: headers $hdr_pkg is $hdr_ver but downloaded $pkg is $got"
  printf '%s\n' "$deb"
}

# --- 3. kernel image: vmlinux + modules -----------------------------------------------------
img_deb=$(download "linux-image-$KVER" "$hdr_ver")
log "unpacking vmlinuz and module list from $(basename "$img_deb")"
mkdir -p "$work/img"
dpkg-deb --fsys-tarfile "$img_deb" > "$work/img.tar"
tar -tf "$work/img.tar" > "$work/img.list"
vmlinuz_member=$(grep -E "^\./boot/vmlinuz-$KVER\$" "$work/img.list" | head -n1) \
  || die "no boot/vmlinuz-$KVER in $(basename "$img_deb")"
tar -xf "$work/img.tar" -C "$work/img" "$vmlinuz_member"

log "decompressing vmlinuz to vmlinux (xz payload)"
off=$(LC_ALL=C grep -obUaP '\xFD\x37\x7A\x58\x5A\x00' "$work/img/$vmlinuz_member" | head -n1 | cut -d: -f1)
[ -n "$off" ] || die "no xz stream found in vmlinuz-$KVER (is this kernel not xz-compressed?)"
tail -c +"$((off + 1))" "$work/img/$vmlinuz_member" | xz -dc --single-stream > "$work/vmlinux" 2>/dev/null || true
[ "$(head -c4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] \
  || die "decompressed vmlinuz is not an ELF file"

# modinfo without kmod (not on minimal machines): read the .modinfo section (NUL-separated).
modinfo_field() { # FIELD FILE.ko
  objcopy -O binary --only-section=.modinfo "$2" "$work/modinfo.bin" \
    || die "cannot read the .modinfo section of $2"
  tr '\0' '\n' < "$work/modinfo.bin" | sed -n "s/^$1=//p" | head -n1
}
command -v objcopy >/dev/null || die "objcopy (binutils, pulled in by gcc) is missing"

# Extract MODULE (by name, '-' and '_' equivalent) from the image, then its dependencies.
mkdir -p "$work/mods"
: > "$work/load-order"
find_member() { # module name -> tar member path
  local n=${1//-/[-_]}; n=${n//_/[-_]}
  grep -E "/kernel/.*/${n}\.ko(\.xz|\.zst|\.gz)?\$" "$work/img.list" | head -n1
}
extract_module() { # name: extracts recursively, appends to load-order deps first
  local name=$1 member file deps d
  grep -qx "$name" "$work/load-order" && return 0
  member=$(find_member "$name") || true
  [ -n "$member" ] || die "module $name not found in linux-image-$KVER"
  tar -xf "$work/img.tar" -C "$work/img" "$member"
  file=$work/mods/$name.ko
  case $member in
    *.ko) cp "$work/img/$member" "$file" ;;
    *.ko.xz) xz -dc "$work/img/$member" > "$file" ;;
    *.ko.zst) zstd -dc "$work/img/$member" > "$file" ;;
    *.ko.gz) gzip -dc "$work/img/$member" > "$file" ;;
  esac
  deps=$(modinfo_field depends "$file" | tr ',' ' ')
  for d in $deps; do extract_module "$d"; done
  grep -qx "$name" "$work/load-order" || echo "$name" >> "$work/load-order"
}
extract_module configfs
kernel_vermagic=$(modinfo_field vermagic "$work/mods/configfs.ko")

# --- 4. sources and out-of-tree build of irq_sim.ko + gpio-sim.ko ---------------------------
src_deb=$(download linux-source-6.1 "$hdr_ver")
log "extracting gpio-sim.c, gpiolib.h, irq_sim.c from $(basename "$src_deb") (decompresses the whole tarball; ~1 min)"
mkdir -p "$work/src" "$work/build"
dpkg-deb --fsys-tarfile "$src_deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz \
  | tar -xJ -C "$work/src" \
      linux-source-6.1/drivers/gpio/gpio-sim.c \
      linux-source-6.1/drivers/gpio/gpiolib.h \
      linux-source-6.1/kernel/irq/irq_sim.c \
  || die "could not extract the three source files from linux-source-6.1 $hdr_ver"
rm -f "$src_deb"
s=$work/src/linux-source-6.1
cp "$s/drivers/gpio/gpio-sim.c" "$s/drivers/gpio/gpiolib.h" "$work/build/"
cp "$s/kernel/irq/irq_sim.c" "$work/build/irq_sim.c"

# irq_sim.c is built-in only upstream: irq_to_desc() is not exported, and it lacks a license.
b=$work/build
grep -q 'handle_simple_irq(irq_to_desc(irqnum))' "$b/irq_sim.c" \
  || die "irq_sim.c of $hdr_ver does not contain the expected 'handle_simple_irq(irq_to_desc(irqnum))'"
sed -i 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' "$b/irq_sim.c"
grep -q 'MODULE_LICENSE' "$b/irq_sim.c" || printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("interrupt simulator (out-of-tree build for the Lanterne gpio-sim test bed)");\n' >> "$b/irq_sim.c"
printf 'obj-m := irq_sim.o gpio-sim.o\n' > "$b/Kbuild"

log "building irq_sim.ko and gpio-sim.ko against $hdr_dir"
make -s -C "$hdr_dir" M="$b" -j2 modules > "$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  die "out-of-tree module build failed (log above)"
}
for m in irq_sim gpio-sim; do
  strip --strip-debug -o "$work/mods/$m.ko" "$b/$m.ko"
  v=$(modinfo_field vermagic "$work/mods/$m.ko")
  [ "$v" = "$kernel_vermagic" ] || die "vermagic mismatch: $m.ko has '$v', kernel modules have '$kernel_vermagic'"
done
# Dependencies of our modules that live in the image (configfs at least): deps before users.
for m in irq_sim gpio-sim; do
  for d in $(modinfo_field depends "$work/mods/$m.ko" | tr ',' ' '); do
    case $d in irq_sim|gpio-sim|gpio_sim) ;; *) extract_module "$d" ;; esac
  done
  echo "$m" >> "$work/load-order"
done

# --- 5. publish ------------------------------------------------------------------------------
rm -rf "$dir/modules"
mv "$work/mods" "$dir/modules"
mv "$work/load-order" "$dir/modules/load-order"
mv "$work/vmlinux" "$dir/vmlinux"
{
  echo "kver=$KVER"
  echo "headers=$hdr_ver"
  echo "image=$(dpkg-deb -f "$img_deb" Version)"
  echo "source=$hdr_ver"
  echo "vermagic=$kernel_vermagic"
  echo "modules=$(tr '\n' ' ' < "$dir/modules/load-order")"
} > "$stamp.tmp"
mv "$stamp.tmp" "$stamp"
log "ready: $dir (modules: $(tr '\n' ' ' < "$dir/modules/load-order"))"
printf '%s\n' "$dir"
