#!/usr/bin/env bash
# The main demo: creates .venv, installs spikesim, runs the CUBA network (4000 LIF neurons, 1 s)
# and writes a raster plot to examples/out/cuba.png.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
ensure_env ""
.venv/bin/python examples/cuba.py --out examples/out "$@"
