#!/usr/bin/env bash
# The full test suite (HDL simulations included): creates .venv, installs spikesim with its test
# dependencies (and Icarus Verilog through apt-get when it is missing), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_env "test,hdl"
ensure_iverilog || echo "warning: could not install iverilog (need root or sudo); HDL tests will fail" >&2
.venv/bin/python -m ruff check spikesim tests examples bench
.venv/bin/python -m pytest -n 2 --durations=15 "$@"
