#!/usr/bin/env bash
# The full test suite (HDL simulations included): creates .venv, installs spikesim with its test
# dependencies (and Icarus Verilog through apt-get when it is missing), then runs pytest in two
# parts: the suite proper (-m "not slow"; about 6 min on 2 cores), then the long published
# reproductions (-m slow: several seeds of Song 2000, polychronization 300 s, DA-STDP 1200 s, NALSM,
# and the full open-FPGA flow to bitstreams; about 11-13 min on 2 cores). Arguments go to both parts,
# e.g. ./scripts/test.sh tests/hdl; SPIKESIM_SKIP_SLOW=1 runs only the first part.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_env "test,hdl"
ensure_iverilog || echo "warning: could not install iverilog (need root or sudo); HDL tests will fail" >&2
.venv/bin/python -m ruff check spikesim tests examples bench
echo "== the suite (-m 'not slow')"
.venv/bin/python -m pytest -n 2 --durations=15 -m "not slow" "$@"
if [ "${SPIKESIM_SKIP_SLOW:-0}" != 1 ]; then
    echo "== long reproductions (-m slow)"
    # exit code 5: the selection held no slow test (e.g. a path argument without any)
    .venv/bin/python -m pytest -n 2 --durations=15 -m slow "$@" || { rc=$?; [ "$rc" = 5 ] || exit "$rc"; }
fi
