#!/usr/bin/env bash
# GPU benchmark: CUBA scaling with spikesim only, on an NVIDIA GPU. Run from anywhere:
#
#   bench/gpu.sh                         # N = 4k 16k 64k 256k 1M, 3 repeats
#   bench/gpu.sh --sizes 4000 --repeats 1  # any arguments go to bench/gpu.py
#
# What it does:
#   1. checks for a GPU (nvidia-smi);
#   2. makes the venv $GPU_VENV (default .venv-gpu) with jax[cuda13] (driver >= 580) or jax[cuda12],
#      at the jax version of .venv when there is one, and spikesim (editable), unless jax there
#      already sees a GPU;
#   3. runs bench/gpu.py (µs per step, synaptic events per second, against the memory-bandwidth
#      bound; see its docstring) and writes bench/results/gpu.json and bench/results/gpu.md.
# Without network access, point GPU_VENV at a venv that has a CUDA jax already.
set -euo pipefail
cd "$(dirname "$0")/.."
GPU_VENV=${GPU_VENV:-.venv-gpu}
OUT=${OUT:-bench/results}

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "bench/gpu.sh: no NVIDIA GPU here (nvidia-smi -L failed); run this on a GPU machine." >&2
    exit 2
fi
nvidia-smi -L
mkdir -p "$OUT"

has_gpu_jax() { "$GPU_VENV/bin/python" -c 'import jax, sys; sys.exit(jax.default_backend() != "gpu")' 2>/dev/null; }

if [ ! -x "$GPU_VENV/bin/python" ]; then
    python3 -m venv "$GPU_VENV"
fi
if ! has_gpu_jax; then
    driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1 | cut -d. -f1)
    cuda=cuda12
    if [ "${driver:-0}" -ge 580 ]; then cuda=cuda13; fi
    jaxver=""
    if [ -x .venv/bin/python ]; then
        jaxver=$(.venv/bin/python -c 'import jax; print(jax.__version__)' 2>/dev/null || true)
    fi
    spec="jax[$cuda]${jaxver:+==$jaxver}"
    echo "installing $spec into $GPU_VENV (driver $driver)"
    "$GPU_VENV/bin/pip" install -q --upgrade pip
    if ! "$GPU_VENV/bin/pip" install -q "$spec"; then
        echo "installing $spec failed; trying jax[cuda12]${jaxver:+==$jaxver}" >&2
        "$GPU_VENV/bin/pip" install -q "jax[cuda12]${jaxver:+==$jaxver}"
    fi
    "$GPU_VENV/bin/pip" install -q -e .
    if ! has_gpu_jax; then
        echo "bench/gpu.sh: jax in $GPU_VENV does not see the GPU:" >&2
        "$GPU_VENV/bin/python" -c 'import jax; print(jax.devices())' >&2 || true
        exit 3
    fi
fi
"$GPU_VENV/bin/python" -c 'import jax; print("jax", jax.__version__, jax.devices())'

"$GPU_VENV/bin/python" bench/gpu.py --json "$OUT/gpu.json" "$@"
"$GPU_VENV/bin/python" bench/make_table.py "$OUT/gpu.json" -o "$OUT/gpu.md"
echo "wrote $OUT/gpu.json and $OUT/gpu.md"
