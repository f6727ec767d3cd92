"""Shared driver of the plasticity benchmarks (``bench/song.py``, ``bench/polychronization.py``).

A benchmark module provides

* ``NAME`` (the report's ``benchmark`` key), ``DEFAULT_SIZE``, ``DEFAULT_DURATION_S``, ``STAT_KEYS``
  (the per-run statistics reported beside the times) and ``describe(row) -> str`` (one line that
  compares those statistics across the simulators);
* ``work_spikesim(size, duration_s, seed) -> dict`` with ``loop_s``, ``compile_s`` and the statistics;
* ``brian2_inputs(size, duration_s, seed) -> dict``: the model's parameters and arrays (connectivity,
  input sequences), taken from the spikesim example in the driver's process and handed to the
  Brian2 workers in an .npz, so that the Brian2 processes import neither spikesim nor jax;
* ``build_brian2(inputs, size, duration_s) -> (network, arrays, dt_ms)``: the Brian2 network (device
  and seed already set), the Brian2 variables that the statistics need, by name, and the time step;
* ``stats(values, size, duration_s) -> dict``: the statistics from those arrays' final values.

Simulators: ``spikesim`` (a fresh process per measurement); ``brian2-standalone``: Brian2
cpp_standalone, *warm* (the project is generated and compiled once, during the warm-up; every
measurement runs the built binary again, its loop time read from ``results/last_run_info.txt``,
its arrays from ``results/``); ``brian2-cython``: Brian2 runtime mode with Cython (cache warm),
loop = the timed ``net.run``. Both Brian2 modes run one step first (code generation, and in
runtime mode Cython compilation, happen there) and then the timed ``duration``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ROOT, add_ratios, alternate, machine, run_worker, table_row, write_json

SIMULATORS = ("spikesim", "brian2-standalone", "brian2-cython")
REFERENCES = SIMULATORS[1:]
WORK_DIR = Path(tempfile.gettempdir()) / "spikesim-bench-brian2"
MANIFEST = "bench_arrays.json"


def load_example(name: str) -> ModuleType:
    """A private copy of ``examples/<name>.py`` (a script; ``examples/`` goes on the path for its
    helpers). Private, so that setting its constants (sizes) here never leaks into another user of
    the example in the same process."""
    examples = ROOT / "examples"
    if str(examples) not in sys.path:
        sys.path.insert(0, str(examples))
    spec = importlib.util.spec_from_file_location(f"_bench_example_{name}", examples / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def standalone_dir(name: str, size: int, duration_s: float, seed: int) -> Path:
    return WORK_DIR / f"{name}_{size}_{duration_s:g}s_s{seed}"


def work_brian2(bench: Any, size: int, duration_s: float, target: str, inputs: str, values: str) -> dict:
    """One Brian2 process: build from the parameters and arrays in ``inputs`` (an .npz written by
    the driver, so that this process imports neither spikesim nor the example), run one step, run
    ``duration_s`` (timed), save the final values of the arrays the statistics need to ``values``.
    ``target`` is ``"standalone"`` (generate, compile and run the project; also writes the manifest
    of the result arrays that :func:`run_standalone_binary` reads back) or ``"cython"``."""
    import brian2 as b2

    data = dict(np.load(inputs))
    if target == "standalone":
        b2.set_device("cpp_standalone", build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.seed(int(data["seed"]))
    net, arrays, dt_ms = bench.build_brian2(data, size, duration_s)
    net.run(dt_ms * b2.ms)
    if target == "standalone":
        net.run(duration_s * b2.second)
        directory = Path(str(data["directory"]))
        b2.device.build(directory=str(directory), run=True, compile=True)
        loop = b2.device._last_run_time
        manifest = {k: [b2.device.get_array_filename(v), np.dtype(v.dtype).str] for k, v in arrays.items()}
        (directory / MANIFEST).write_text(json.dumps(manifest))
    else:
        t0 = time.perf_counter()
        net.run(duration_s * b2.second)
        loop = time.perf_counter() - t0
    np.savez(values, **{k: np.asarray(v.get_value()) for k, v in arrays.items()})
    return {"loop_s": float(loop)}


def run_standalone_binary(bench: Any, directory: Path, size: int, duration_s: float) -> dict:
    """Run the built Brian2 standalone project again (the binary only): loop time from its run
    info, wall = the binary's process, statistics from the arrays it wrote."""
    results = directory / "results"
    (results / "last_run_info.txt").unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(["./main"], cwd=directory, capture_output=True, text=True, timeout=7200)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{directory}/main failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    loop = float((results / "last_run_info.txt").read_text().split()[0])
    manifest = json.loads((directory / MANIFEST).read_text())
    values = {k: np.fromfile(results / fname, dtype=np.dtype(dtype)) for k, (fname, dtype) in manifest.items()}
    return {"loop_s": loop, "wall_s": wall, **bench.stats(values, size, duration_s)}


def _measures(bench: Any, sims: list[str], me: str, size: int, duration_s: float, seed: int) -> tuple[dict, dict]:
    """The measurement (and warm-up) callables of every simulator. Writes the Brian2 inputs."""
    base = ["--size", str(size), "--duration", str(duration_s), "--seed", str(seed)]
    directory = standalone_dir(bench.NAME, size, duration_s, seed)
    inputs = WORK_DIR / f"{directory.name}_inputs.npz"
    values = WORK_DIR / f"{directory.name}_values.npz"
    if any(s.startswith("brian2") for s in sims):
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        np.savez(inputs, seed=seed, directory=str(directory), **bench.brian2_inputs(size, duration_s, seed))

    def brian2(target: str) -> dict:
        out = run_worker([me, "--worker", f"brian2-{target}", *base, "--inputs", str(inputs), "--values", str(values)],
                         timeout=7200)
        with np.load(values) as v:
            return {**out, **bench.stats(dict(v), size, duration_s)}

    measures, warmups = {}, {}
    for sim in sims:
        if sim == "spikesim":
            measures[sim] = lambda: run_worker([me, "--worker", "spikesim", *base], timeout=7200)
        elif sim == "brian2-standalone":
            warmups[sim] = lambda: brian2("standalone")
            measures[sim] = lambda: run_standalone_binary(bench, directory, size, duration_s)
        else:
            measures[sim] = lambda: brian2("cython")
    return measures, warmups


def available_sims(requested: list[str]) -> tuple[list[str], list[str]]:
    """The requested simulators that can run here, and notes on those that cannot."""
    if not any(s.startswith("brian2") for s in requested):
        return list(requested), []
    try:
        import brian2  # noqa: F401
    except ImportError:
        return [s for s in requested if not s.startswith("brian2")], \
            [f"{s}: brian2 is not installed" for s in requested if s.startswith("brian2")]
    return list(requested), []


def parser(bench: Any, doc: str, size_help: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=bench.DEFAULT_SIZE, help=size_help)
    ap.add_argument("--duration", type=float, default=bench.DEFAULT_DURATION_S, help="s of biological time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sims", nargs="+", default=list(SIMULATORS), choices=SIMULATORS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    ap.add_argument("--no-warmup", action="store_true",
                    help="skip the unrecorded warm-up round (not for brian2-standalone, whose warm-up builds the "
                         "project); for smoke tests")
    ap.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    ap.add_argument("--inputs", help=argparse.SUPPRESS)
    ap.add_argument("--values", help=argparse.SUPPRESS)
    return ap


def main(bench: Any, script: Path, doc: str, size_help: str, argv: list[str] | None = None) -> dict:
    """Parse the command line; as a worker, run one simulator and print its JSON line; otherwise
    alternate the simulators (fresh processes) and report medians and ratios."""
    a = parser(bench, doc, size_help).parse_args(argv)
    bench.check_size(a.size)
    if not a.duration > 0:
        raise SystemExit(f"--duration must be > 0 s, got {a.duration}")
    if a.repeats < 1:
        raise SystemExit(f"--repeats must be >= 1, got {a.repeats}")
    if a.worker:
        if a.worker == "spikesim":
            out = bench.work_spikesim(a.size, a.duration, a.seed)
        else:
            out = work_brian2(bench, a.size, a.duration, a.worker.split("-")[1], a.inputs, a.values)
        print(json.dumps(out))
        return out

    sims, notes = available_sims(a.sims)
    for note in notes:
        print(f"skipped {note}")
    measures, warmups = _measures(bench, sims, str(script.resolve()), a.size, a.duration, a.seed)
    if a.no_warmup:
        warmups.update({sim: (lambda: None) for sim in measures if sim != "brian2-standalone"})
    report = {"benchmark": bench.NAME, "command": " ".join([f"python bench/{script.name}", *(argv or sys.argv[1:])]),
              "machine": machine(), "size": a.size, "duration_s": a.duration, "repeats": a.repeats, "seed": a.seed,
              "sims": sims, "skipped": notes, "results": {}}
    print(f"{bench.NAME} size={a.size}, {a.duration:g} s: {', '.join(sims)}")
    runs = alternate(measures, a.repeats, warmups)
    row = table_row(runs, ("loop_s", "wall_s", "compile_s", *bench.STAT_KEYS))
    add_ratios(row, "spikesim", REFERENCES)
    report["results"][a.size] = row
    print_row(row, bench.STAT_KEYS)
    print(bench.describe(row))
    write_json(a.json, report)
    return report


def print_row(row: dict, stat_keys: tuple[str, ...]) -> None:
    """Human-readable lines: times and statistics per simulator, then the ratios."""
    for sim, r in row.items():
        if sim == "ratios":
            continue
        loop, wall = r["loop_s"], r["wall_s"]
        stats = "  ".join(f"{k} {r[k]['median']:.4g}" for k in stat_keys if k in r)
        print(f"  {sim:20s} loop {loop['median']:8.3f} s [{loop['min']:.3f}-{loop['max']:.3f}]"
              f"  wall {wall['median']:7.2f} s [{wall['min']:.2f}-{wall['max']:.2f}]  {stats}")
    for ref, rat in row.get("ratios", {}).items():
        print(f"  spikesim / {ref}: " + ", ".join(f"{k.removesuffix('_s')} {v:.2f}x" for k, v in rat.items()))
