#!/usr/bin/env bash
# Self-test of the Modbus test bed: sets it up (setup.sh), then checks peer.py (TCP and RTU
# through ptyrelay.py, and cabinet mode's physics and faults), the relay's pacing/garbling,
# and libmodbus' own unit tests, with clients independent of peer.py (mbpoll, pymodbus'
# client, libmodbus). Sections can be chosen: selftest.sh [tcp] [rtu] [cabinet] [libmodbus].
# Exits non-zero on any failure; the last line reads 'selftest: N passed, N failed'.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
env_lines="$("$here/setup.sh")"
while IFS= read -r kv; do export "${kv?}"; done <<< "$env_lines"
exec "$LANTERNE_MODBUS_PYTHON" "$here/selftest.py" "$@"
