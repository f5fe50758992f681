#!/usr/bin/env bash
# The GPIO tests against the real kernel driver: builds gpio-sim-check (Lanterne's GPIO
# driver, runtime and engine, statically linked with the Swift runtime), boots the gpio-sim
# guest (prepare.sh installs and caches everything it needs) and runs the checks there.
# Exit status: 0 when every check passed. The presence-to-output latency is printed as a
# MEASURE line (a speed figure, reported, not judged).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
scratch="${LANTERNE_GPIOSIM_CACHE:-$repo/.build/gpio-sim}/swift"
echo "gpio-sim test: building gpio-sim-check (static Swift runtime) in $scratch" >&2
swift build --product gpio-sim-check --static-swift-stdlib --scratch-path "$scratch" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
binary="$(swift build --product gpio-sim-check --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/gpio-sim-check"
[ -x "$binary" ] || { echo "gpio-sim test: the build failed (no $binary)" >&2; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
set +e
tools/gpio-sim/run.sh --timeout "${GPIOSIM_TIMEOUT:-300}" \
    --payload "$binary" --payload boards/gpio-sim.yaml --payload tools/gpio-sim/check/testbed-profile.yaml \
    ${GPIOSIM_ROUNDS:+--env GPIOSIM_ROUNDS=$GPIOSIM_ROUNDS} \
    -- ./gpio-sim-check /payload | tee "$out"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -c '^PASS ' "$out" || true)
failed=$(grep -c '^FAIL ' "$out" || true)
echo "gpio-sim test: $passed passed, $failed failed (exit $rc)" >&2
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
