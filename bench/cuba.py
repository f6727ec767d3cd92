"""CUBA / COBA scaling: spikesim against Brian2 (cpp_standalone warm, Cython), in one invocation.

    python bench/cuba.py --sizes 4000 16000 64000 --repeats 3 [--model coba] [--json out.json]

Network: Vogels & Abbott (2005) with Brian2's examples/CUBA.py parameters (or the COBA form of
MODELS.md), fixed in-degree 80 (64 excitatory + 16 inhibitory inputs per neuron, identical
arrays in every simulator), 1 s of biological time at dt = 0.1 ms. "loop" is the simulation
loop alone; "wall" is the whole process, from start to results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import fixed_indegree, machine, run_worker, summarize

SIMULATORS = ("spikesim", "brian2-standalone", "brian2-cython")
STANDALONE_DIR = Path(tempfile.gettempdir()) / "spikesim-bench-brian2"


# ------------------------------------------------------------------ workers (one per process)
def work_spikesim(n: int, model: str, duration: float, seed: int) -> dict:
    import spikesim as ss

    pre_e, post_e, pre_i, post_i = fixed_indegree(n, 64, 16, seed)
    net = ss.Network(dt=0.1, seed=seed)
    if model == "cuba":
        P = net.add_population("P", n, ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0),
                               init={"v": ss.Uniform(-60.0, -50.0)})
        syn_e, syn_i, w_e, w_i = ss.ExpCurrent(5.0), ss.ExpCurrent(10.0), 1.62, -9.0
    else:
        syn_e, syn_i = ss.ExpConductance(5.0, 60.0, name="ge"), ss.ExpConductance(10.0, -20.0, name="gi")
        P = net.add_population("P", n, ss.LIF(tau_m=20.0, v_rest=0.0, v_thresh=10.0, v_reset=0.0, t_ref=5.0),
                               init={"v": ss.Normal(-5.0, 5.0), "ge": ss.Normal(4.0, 1.5), "gi": ss.Normal(20.0, 12.0)})
        w_e, w_i = 0.6, 6.7
    net.connect(P, P, ss.FromArrays(pre_e, post_e), synapse=syn_e, weight=w_e, delay=0.1)
    net.connect(P, P, ss.FromArrays(pre_i, post_i), synapse=syn_i, weight=w_i, delay=0.1)
    net.record(P, "spikes")
    res = net.run(duration)
    return {"loop_s": res.info["loop_s"], "compile_s": res.info["compile_s"], "rate_hz": res.rate("P")}


def work_brian2(n: int, model: str, duration: float, seed: int, target: str) -> dict:
    import brian2 as b2

    pre_e, post_e, pre_i, post_i = fixed_indegree(n, 64, 16, seed)
    if target == "standalone":
        b2.set_device("cpp_standalone", build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(seed)
    ms, mV = b2.ms, b2.mV
    if model == "cuba":
        eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : volt
                 dgi/dt = -gi / taui : volt"""
        ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV, "Vt": -50 * mV, "Vr": -60 * mV}
        P = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact", namespace=ns)
        P.v = "Vr + rand() * (Vt - Vr)"
        on_e, on_i = "ge += 1.62*mV", "gi += -9*mV"
    else:
        eqs = """dv/dt = (ge * (Ee - v) + gi * (Ei - v) - v) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : 1
                 dgi/dt = -gi / taui : 1"""
        ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Ee": 60 * mV, "Ei": -20 * mV, "Vt": 10 * mV, "Vr": 0 * mV}
        P = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms,
                           method="exponential_euler", namespace=ns)
        P.v = "(randn() * 5 - 5) * mV"
        P.ge = "randn() * 1.5 + 4"
        P.gi = "randn() * 12 + 20"
        on_e, on_i = "ge += 0.6", "gi += 6.7"
    Ce = b2.Synapses(P, P, on_pre=on_e)
    Ce.connect(i=pre_e, j=post_e)
    Ci = b2.Synapses(P, P, on_pre=on_i)
    Ci.connect(i=pre_i, j=post_i)
    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, mon)
    if target == "standalone":
        net.run(duration * ms)
        b2.device.build(directory=str(STANDALONE_DIR / f"{model}_{n}"), run=True, compile=True)
        loop = b2.device._last_run_time
    else:
        net.run(0.1 * ms)  # code generation and Cython compilation happen here
        t0 = time.perf_counter()
        net.run(duration * ms)
        loop = time.perf_counter() - t0
    return {"loop_s": float(loop), "rate_hz": float(mon.num_spikes / n / (duration / 1000.0))}


# ------------------------------------------------------------------ driver
def measure(sim: str, n: int, model: str, duration: float, seed: int) -> dict:
    return run_worker([__file__, "--worker", sim, "--sizes", str(n), "--model", model,
                       "--duration", str(duration), "--seed", str(seed)])


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000])
    ap.add_argument("--size", type=int, dest="sizes_one", help="a single size (same as --sizes N)")
    ap.add_argument("--model", choices=("cuba", "coba"), default="cuba")
    ap.add_argument("--duration", type=float, default=1000.0, help="ms of biological time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sims", nargs="+", default=list(SIMULATORS), choices=SIMULATORS)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    ap.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [a.sizes_one] if a.sizes_one else a.sizes
    if a.worker:
        if a.worker == "spikesim":
            out = work_spikesim(sizes[0], a.model, a.duration, a.seed)
        else:
            out = work_brian2(sizes[0], a.model, a.duration, a.seed, a.worker.split("-")[1])
        print(json.dumps(out))
        return out

    report = {"machine": machine(), "model": a.model, "duration_ms": a.duration, "results": {}}
    for n in sizes:
        for sim in a.sims:  # warm-up: compile caches (Brian2 standalone build, Cython, spikesim native)
            measure(sim, n, a.model, a.duration, a.seed)
        runs: dict[str, list[dict]] = {sim: [] for sim in a.sims}
        for _ in range(a.repeats):
            for sim in a.sims:
                runs[sim].append(measure(sim, n, a.model, a.duration, a.seed))
        row = {}
        for sim, rs in runs.items():
            row[sim] = {k: summarize([r[k] for r in rs]) for k in ("loop_s", "wall_s", "rate_hz")}
        if "spikesim" in row and "brian2-standalone" in row:
            ref = row["brian2-standalone"]
            row["ratio_loop_vs_standalone"] = row["spikesim"]["loop_s"]["median"] / ref["loop_s"]["median"]
            row["ratio_wall_vs_standalone"] = row["spikesim"]["wall_s"]["median"] / ref["wall_s"]["median"]
        report["results"][n] = row
        print(f"N={n}")
        for sim in a.sims:
            r = row[sim]
            print(f"  {sim:18s} loop {r['loop_s']['median']:8.3f} s [{r['loop_s']['min']:.3f}-{r['loop_s']['max']:.3f}]"
                  f"  wall {r['wall_s']['median']:7.2f} s  rate {r['rate_hz']['median']:.2f} Hz")
        if "ratio_loop_vs_standalone" in row:
            print(f"  spikesim / brian2-standalone: loop {row['ratio_loop_vs_standalone']:.2f}x, "
                  f"wall {row['ratio_wall_vs_standalone']:.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
