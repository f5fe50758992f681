#!/usr/bin/env bash
# Installs schemathesis (PyPI) into .build/schemathesis-venv, once: the control API's property
# tests against a running controller (Tests/LanterneCLITests/SchemathesisTests.swift).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/../../.build/schemathesis-venv"
if [[ -x "$venv/bin/schemathesis" ]]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "schemathesis==4.32.5"
