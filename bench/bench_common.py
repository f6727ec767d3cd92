"""Shared pieces of the benchmarks: identical networks for every simulator, subprocess timing,
alternating repeats, medians and ratios, the machine description.

Every figure is measured in the same invocation as its reference, alternating A B A B, each
measurement in a fresh process (so "wall" is the whole process: start, imports, build, run,
results). Workers print one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: A Python interpreter with BrainPy installed (a separate venv: BrainPy pins its own jax).
BRAINPY_PYTHON = os.environ.get("SPIKESIM_BRAINPY_PYTHON", "/tmp/bpvenv/bin/python")


def fixed_indegree(n: int, k_exc: int, k_inh: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CUBA/COBA connectivity with a fixed in-degree: every neuron gets ``k_exc`` distinct inputs
    from the first 80 % and ``k_inh`` from the last 20 %. Returns (pre_e, post_e, pre_i, post_i),
    population indices, fed as explicit arrays to every simulator."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from spikesim.connectivity import ConnectContext, FixedInDegree  # numpy only

    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    post = np.arange(n)
    out = []
    for pre, k in ((np.arange(n_e), k_exc), (np.arange(n_e, n), k_inh)):
        p_loc, q_loc = FixedInDegree(k).build(ConnectContext(pre, post, True), rng)
        out += [pre[p_loc], post[q_loc]]
    return out[0], out[1], out[2], out[3]


def run_worker(args: list[str], timeout: float = 3600, python: str | None = None, cwd: str | None = None) -> dict:
    """Run ``python <args>`` in a fresh process; return its JSON line plus the process wall time."""
    t0 = time.perf_counter()
    proc = subprocess.run([python or sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=cwd)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    out = json.loads(line)
    out["wall_s"] = wall
    return out


def summarize(values: list[float]) -> dict:
    """Median, min, max and count of a list of measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def alternate(measures: dict[str, Callable[[], dict]], repeats: int, warmups: dict[str, Callable[[], object]] | None = None,
              log: Callable[[str], None] = print) -> dict[str, list[dict]]:
    """Warm every simulator's caches once (``warmups[name]``, by default one unrecorded
    measurement), then run ``repeats`` rounds of A B C ... in turn. Returns, per name, the
    list of result dicts."""
    warmups = warmups or {}
    for name, fn in measures.items():
        log(f"  warm-up {name}")
        warmups.get(name, fn)()
    runs: dict[str, list[dict]] = {name: [] for name in measures}
    for r in range(repeats):
        for name, fn in measures.items():
            runs[name].append(fn())
            last = runs[name][-1]
            log(f"  round {r + 1}/{repeats} {name}: loop {last.get('loop_s', float('nan')):.3f} s, "
                f"wall {last.get('wall_s', float('nan')):.2f} s")
    return runs


def table_row(runs: dict[str, list[dict]], keys: tuple[str, ...] = ("loop_s", "wall_s", "rate_hz")) -> dict:
    """Summaries of every key present in every run of a simulator."""
    row = {}
    for sim, rs in runs.items():
        row[sim] = {k: summarize([r[k] for r in rs]) for k in keys if rs and all(k in r for r in rs)}
    return row


def add_ratios(row: dict, ours: str, refs: tuple[str, ...], keys: tuple[str, ...] = ("loop_s", "wall_s")) -> None:
    """``row["ratios"][ref][key]`` = median of ``ours`` / median of ``ref`` (below 1: we are faster)."""
    ratios = row.setdefault("ratios", {})
    for ref in refs:
        if ours not in row or ref not in row:
            continue
        ratios[ref] = {k: row[ours][k]["median"] / row[ref][k]["median"]
                       for k in keys if k in row[ours] and k in row[ref] and row[ref][k]["median"] > 0}


def brainpy_available(python: str = BRAINPY_PYTHON) -> bool:
    """Whether ``python`` exists and imports brainpy (it lives in its own venv, see run_all.sh)."""
    if not Path(python).exists():
        return False
    proc = subprocess.run([python, "-c", "import brainpy"], capture_output=True, timeout=300)
    return proc.returncode == 0


def _version(module: str, python: str | None = None) -> str | None:
    if python is None:
        try:
            return __import__(module).__version__
        except Exception:
            return None
    try:
        proc = subprocess.run([python, "-c", f"import {module}; print({module}.__version__)"], capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def machine() -> dict:
    """The machine and the versions that a result depends on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions = {mod: _version(mod) for mod in ("jax", "numpy", "brian2")}
    versions["brainpy"] = _version("brainpy", BRAINPY_PYTHON) if Path(BRAINPY_PYTHON).exists() else None
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "host": platform.node(), "nproc": os.cpu_count(), "cpu": cpu,
            "mem_gib": mem_gib, "load_1min": load, "python": platform.python_version(), **versions}


def write_json(path: str | None, report: dict) -> None:
    """Write ``report`` to ``path`` (creating the folder), if a path is given."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2, default=str))


def print_row(n: int, row: dict, ours: str = "spikesim") -> None:
    """One block of human-readable lines for size ``n``."""
    print(f"N={n}")
    for sim, r in row.items():
        if sim == "ratios":
            continue
        loop, wall = r.get("loop_s"), r.get("wall_s")
        rate = f"  rate {r['rate_hz']['median']:.2f} Hz" if "rate_hz" in r else ""
        print(f"  {sim:24s} loop {loop['median']:8.3f} s [{loop['min']:.3f}-{loop['max']:.3f}]"
              f"  wall {wall['median']:7.2f} s [{wall['min']:.2f}-{wall['max']:.2f}]{rate}")
    for ref, rat in row.get("ratios", {}).items():
        print(f"  {ours} / {ref}: " + ", ".join(f"{k.removesuffix('_s')} {v:.2f}x" for k, v in rat.items()))
