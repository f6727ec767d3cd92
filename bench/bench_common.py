"""Shared pieces of the benchmarks: identical networks for every simulator, subprocess timing.

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
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def fixed_indegree(n: int, k_exc: int, k_inh: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CUBA/COBA connectivity with a fixed in-degree: every neuron gets ``k_exc`` distinct inputs
    from the first 80 % and ``k_inh`` from the last 20 %. Returns (pre_e, post_e, pre_i, post_i),
    population indices, fed as explicit arrays to every simulator."""
    from spikesim.connectivity import ConnectContext, FixedInDegree  # numpy only

    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    post = np.arange(n)
    out = []
    for pre, k in ((np.arange(n_e), k_exc), (np.arange(n_e, n), k_inh)):
        p_loc, q_loc = FixedInDegree(k).build(ConnectContext(pre, post, True), rng)
        out += [pre[p_loc], post[q_loc]]
    return out[0], out[1], out[2], out[3]


def run_worker(args: list[str], timeout: float = 1800) -> dict:
    """Run ``python <args>`` in a fresh process; return its JSON line plus the process wall time."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    out = json.loads(line)
    out["wall_s"] = wall
    return out


def summarize(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("jax", "numpy", "brian2"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            versions[mod] = None
    return {"date": time.strftime("%Y-%m-%d"), "nproc": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), **versions}
