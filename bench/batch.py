"""Batch of CUBA networks: B networks that differ in seed (connectivity, initial v) and weights.

    python bench/batch.py --size 4000 --batch 32 --repeats 3 [--json out.json]

References: B sequential Brian2 cpp_standalone runs, warm (one project per seed, generated and
compiled during the warm-up; every measurement runs the B built binaries one after the other).
spikesim runs them one after the other in one process, or (``--spikesim-batch``) in one batched call.

``--spikesim-batch`` switches spikesim to one batched call, ``ss.run_batch(nets, duration)``
(:func:`work_spikesim_batched`); without it spikesim runs the B networks one after the other.

The report gives, per simulator, the loop time (sum over the B networks) and the wall time (the
whole sequence: one process for spikesim; B binary processes for Brian2), medians [min-max] over
the repeats, and the ratios spikesim / Brian2. The goal of BENCHMARKS.md is <= 0.25x.
"""

from __future__ import annotations

import argparse
import glob
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import add_ratios, alternate, fixed_indegree, machine, print_row, run_worker, table_row, write_json

WORK_DIR = Path(tempfile.gettempdir()) / "spikesim-bench-brian2"
FAN_IN = 80


def member(n: int, seed: int, index: int, batch: int) -> dict:
    """Member ``index`` of the batch: its synapse arrays, initial v (mV) and weights (mV)."""
    pre_e, post_e, pre_i, post_i = fixed_indegree(n, 64, 16, seed)
    v0 = np.random.default_rng([seed, 1]).uniform(-60.0, -50.0, n)
    scale = 0.95 + 0.1 * index / max(batch - 1, 1)
    return {"pre_e": pre_e, "post_e": post_e, "pre_i": pre_i, "post_i": post_i, "v0": v0,
            "w_e": 1.62 * scale, "w_i": -9.0 * scale}


def seeds(first: int, batch: int) -> list[int]:
    return [first + i for i in range(batch)]


def build_spikesim(n: int, m: dict, seed: int):
    import spikesim as ss

    net = ss.Network(dt=0.1, seed=seed)
    P = net.add_population("P", n, ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0),
                           init={"v": m["v0"]})
    net.connect(P, P, ss.FromArrays(m["pre_e"], m["post_e"]), synapse=ss.ExpCurrent(5.0), weight=m["w_e"], delay=0.1)
    net.connect(P, P, ss.FromArrays(m["pre_i"], m["post_i"]), synapse=ss.ExpCurrent(10.0), weight=m["w_i"], delay=0.1)
    net.record(P, "spikes")
    return net


# ------------------------------------------------------------------ workers (one per process)
def work_spikesim(n: int, batch: int, duration: float, seed: int) -> dict:
    """The B networks one after the other, in this one process."""
    loop, spikes = 0.0, 0
    for i, s in enumerate(seeds(seed, batch)):
        res = build_spikesim(n, member(n, s, i, batch), s).run(duration)
        loop += res.info["loop_s"]
        spikes += res.spikes("P")[0].size
    return {"loop_s": loop, "rate_hz": spikes / batch / n / (duration / 1000.0)}


def work_spikesim_batched(n: int, batch: int, duration: float, seed: int) -> dict:
    """All B networks (their own seeds, connectivity, initial v and weights) in one batched,
    compiled call: ``ss.run_batch``. The loop time is that of the whole batch."""
    import spikesim as ss

    nets = [build_spikesim(n, member(n, s, i, batch), s) for i, s in enumerate(seeds(seed, batch))]
    results = ss.run_batch(nets, duration)
    spikes = sum(r.spikes("P")[0].size for r in results)
    return {"loop_s": results[0].info["loop_s"], "rate_hz": spikes / batch / n / (duration / 1000.0)}


def work_brian2_build(n: int, batch: int, duration: float, seed: int, index: int) -> dict:
    """Generate and compile the Brian2 standalone project of member ``index`` (one process per
    member, so that Brian2's object names, and with them the code, are the same for every member).

    The code is the same for every member (initial v and weights are per-neuron arrays, the
    synapses are explicit arrays, no random numbers in the binary), so after the first project
    only the static arrays change and ``make`` compiles nothing."""
    import brian2 as b2

    build = WORK_DIR / f"batch_{n}_{duration:g}ms_build"
    target = member_dir(n, duration, seed + index, index, batch)
    if (target / "main").exists():
        return {"built": False}
    m = member(n, seed + index, index, batch)
    b2.set_device("cpp_standalone", build_on_run=False)
    b2.defaultclock.dt = 0.1 * b2.ms
    ms, mV = b2.ms, b2.mV
    eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
             dge/dt = -ge / taue : volt
             dgi/dt = -gi / taui : volt
             we : volt (constant)
             wi : volt (constant)"""
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV, "Vt": -50 * mV, "Vr": -60 * mV}
    P = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact", namespace=ns,
                       name="P")  # fixed names: the same code for every member
    P.v = m["v0"] * mV
    P.we = np.full(n, m["w_e"]) * mV
    P.wi = np.full(n, m["w_i"]) * mV
    Ce = b2.Synapses(P, P, on_pre="ge += we_pre", name="Ce")
    Ce.connect(i=m["pre_e"], j=m["post_e"])
    Ci = b2.Synapses(P, P, on_pre="gi += wi_pre", name="Ci")
    Ci.connect(i=m["pre_i"], j=m["post_i"])
    mon = b2.SpikeMonitor(P, name="mon")
    net = b2.Network(P, Ce, Ci, mon, name="net")
    net.run(duration * ms)
    b2.device.build(directory=str(build), run=False, compile=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(build, target, symlinks=True)
    return {"built": True}


def member_dir(n: int, duration: float, seed: int, index: int, batch: int) -> Path:
    return WORK_DIR / f"batch_{n}_{duration:g}ms_b{batch}_i{index}_s{seed}"


def run_brian2_sequence(n: int, batch: int, duration: float, seed: int) -> dict:
    """The B built binaries, one after the other (the timed Brian2 measurement)."""
    loop, spikes = 0.0, 0
    t0 = time.perf_counter()
    for i, s in enumerate(seeds(seed, batch)):
        d = member_dir(n, duration, s, i, batch)
        (d / "results").mkdir(exist_ok=True)
        proc = subprocess.run(["./main"], cwd=d, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"{d}/main failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        loop += float((d / "results" / "last_run_info.txt").read_text().split()[0])
        spikes += int(np.fromfile(glob.glob(str(d / "results" / "_array_mon_N_*"))[0], dtype=np.int32)[0])
    wall = time.perf_counter() - t0
    return {"loop_s": loop, "wall_s": wall, "rate_hz": spikes / batch / n / (duration / 1000.0)}


# ------------------------------------------------------------------ driver
def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=4000, help="neurons per network")
    ap.add_argument("--batch", type=int, default=32, help="networks in the batch")
    ap.add_argument("--duration", type=float, default=1000.0, help="ms of biological time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="seed of member 0 (member i has seed + i)")
    ap.add_argument("--sims", nargs="+", default=["spikesim", "brian2-standalone"],
                    choices=["spikesim", "brian2-standalone"])
    ap.add_argument("--spikesim-batch", action="store_true",
                    help="spikesim runs the batch in one call (ss.run_batch)")
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    ap.add_argument("--worker", choices=["spikesim", "spikesim-batched", "brian2-build"], help=argparse.SUPPRESS)
    ap.add_argument("--member", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        if a.worker == "brian2-build":
            out = work_brian2_build(a.size, a.batch, a.duration, a.seed, a.member)
        else:
            fn = work_spikesim_batched if a.worker == "spikesim-batched" else work_spikesim
            out = fn(a.size, a.batch, a.duration, a.seed)
        print(json.dumps(out))
        return out

    me = str(Path(__file__).resolve())
    base = ["--size", str(a.size), "--batch", str(a.batch), "--duration", str(a.duration), "--seed", str(a.seed)]
    worker = "spikesim-batched" if a.spikesim_batch else "spikesim"
    measures, warmups = {}, {}
    if "spikesim" in a.sims:
        measures["spikesim"] = lambda: run_worker([me, "--worker", worker, *base])
    if "brian2-standalone" in a.sims:
        warmups["brian2-standalone"] = lambda: [run_worker([me, "--worker", "brian2-build", "--member", str(i), *base])
                                                for i in range(a.batch)]
        measures["brian2-standalone"] = lambda: run_brian2_sequence(a.size, a.batch, a.duration, a.seed)
    report = {"benchmark": "batch", "command": " ".join(["python bench/batch.py", *(argv or sys.argv[1:])]),
              "machine": machine(), "size": a.size, "batch": a.batch, "duration_ms": a.duration, "repeats": a.repeats,
              "spikesim_mode": "batched" if a.spikesim_batch else "sequential", "results": {}}
    print(f"batch of {a.batch} CUBA networks, N={a.size}, spikesim {report['spikesim_mode']}")
    runs = alternate(measures, a.repeats, warmups)
    for rs in runs.values():
        for r in rs:
            r["events_per_s"] = r["rate_hz"] * a.batch * a.size * (a.duration / 1000.0) * FAN_IN / r["loop_s"]
    row = table_row(runs, ("loop_s", "wall_s", "rate_hz", "events_per_s"))
    add_ratios(row, "spikesim", ("brian2-standalone",))
    report["results"][a.size] = row
    print_row(a.size, row)
    write_json(a.json, report)
    return report


if __name__ == "__main__":
    main()
