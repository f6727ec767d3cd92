#!/usr/bin/env bash
# The CPU benchmark suite in one command: CUBA and COBA scaling, the batch of 32, the plasticity
# benchmarks (Song 2000 STDP, polychronization), then the tables.
#
#   bench/run_all.sh              # small sizes (N = 4k, 16k; batch of 32 at 4k); a few minutes of work
#   bench/run_all.sh --full       # N = 4k 16k 64k 256k, Song 100 s, polychronization 60 s (the sizes
#                                 # of BENCHMARKS.md); an hour or more (default: Song 20 s, polychronization 10 s)
#   bench/run_all.sh --repeats 5  # more repeats (default 3)
#   bench/run_all.sh --brainpy    # also make /tmp/bpvenv with BrainPy (its own jax) for the reference
#
# Writes bench/results/{cuba,coba,batch,song,polychronization}.json and bench/results/latest.md
# (Markdown tables with the machine, the date and the versions), to paste into bench/RESULTS.md.
# Run it on a quiet machine: every figure is a ratio measured in the same invocation, but a loaded machine still
# widens the spread (see the [min-max] columns and the load in the header).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-bench/results}
SIZES="4000 16000"
BATCH_SIZE=4000
SONG_S=20
POLY_S=10
REPEATS=3
BRAINPY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --full) SIZES="4000 16000 64000 256000"; SONG_S=100; POLY_S=60 ;;
        --sizes) shift; SIZES="$1" ;;
        --repeats) shift; REPEATS="$1" ;;
        --brainpy) BRAINPY=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"

if [ "$BRAINPY" = 1 ] && [ ! -x /tmp/bpvenv/bin/python ]; then
    # BrainPy pins its own jax: keep it out of .venv. Same jax as .venv; brainpy 2.8 accepts jax 0.10.
    jaxver=$($PY -c 'import jax; print(jax.__version__)')
    python3 -m venv /tmp/bpvenv
    /tmp/bpvenv/bin/pip install -q "jax==$jaxver" "numpy<2.4" "brainpy<2.9" numba \
        || echo "BrainPy did not install; the suite runs without it" >&2
fi

echo "== CUBA: N = $SIZES"
# shellcheck disable=SC2086
$PY bench/cuba.py --model cuba --sizes $SIZES --repeats "$REPEATS" --json "$OUT/cuba.json"
echo "== COBA: N = $SIZES"
# shellcheck disable=SC2086
$PY bench/cuba.py --model coba --sizes $SIZES --repeats "$REPEATS" --json "$OUT/coba.json"
echo "== batch of 32 at N = $BATCH_SIZE"
$PY bench/batch.py --size "$BATCH_SIZE" --batch 32 --repeats "$REPEATS" --json "$OUT/batch.json"
$PY bench/batch.py --size "$BATCH_SIZE" --batch 32 --repeats "$REPEATS" --spikesim-batch --json "$OUT/batch_vmap.json"

echo "== Song 2000 STDP: 1000 inputs, $SONG_S s"
$PY bench/song.py --size 1000 --duration "$SONG_S" --repeats "$REPEATS" --json "$OUT/song.json"
echo "== polychronization: 1000 neurons, $POLY_S s"
$PY bench/polychronization.py --size 1000 --duration "$POLY_S" --repeats "$REPEATS" --json "$OUT/polychronization.json"

$PY bench/make_table.py "$OUT/cuba.json" "$OUT/coba.json" "$OUT/batch.json" "$OUT/batch_vmap.json" \
    "$OUT/song.json" "$OUT/polychronization.json" -o "$OUT/latest.md"
echo "wrote $OUT/latest.md"
