#!/usr/bin/env bash
# Proves the gpio-sim test bed: boots the guest through run.sh and runs selftest-guest.sh there,
# which exercises the simulated chip with libgpiod 1.6's command-line tools only:
#   (a) gpioset --mode=signal drives sim_gpio0/value (active-high and active-low);
#   (b) pull-up/pull-down written to sim_gpio4/pull is what gpioget reads;
#   (c) a rising edge made by writing pull-up reaches gpiomon --num-events=1.
# Prints PASS/FAIL per check; exits non-zero on any failure.
# Usage: selftest.sh [--timeout SECONDS]   (passed on to run.sh)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf 'gpio-sim/selftest: %s\n' "$*" >&2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
set +e
"$here/run.sh" --payload "$here/selftest-guest.sh" "$@" -- ./selftest-guest.sh | tee "$out"
rc=${PIPESTATUS[0]}
set -e
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

passes=$(grep -c '^PASS: ' "$out" || true)
fails=$(grep -c '^FAIL: ' "$out" || true)
expected=$(grep -cE '^ *(check|pass) "' "$here/selftest-guest.sh")
if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$passes" -ge "$expected" ]; then
  log "PASS ($passes checks, ${elapsed}s including boot)"
  exit 0
fi
log "FAIL (run.sh exit $rc, $passes passed, $fails failed, $expected+ expected; ${elapsed}s)"
[ "$rc" -ne 0 ] && exit "$rc"
exit 1
