"""CUBA / COBA scaling: spikesim against Brian2 (cpp_standalone warm, Cython) and BrainPy, in one invocation.

    python bench/cuba.py --sizes 4000 16000 64000 256000 --repeats 3 [--model coba] [--json out.json]
    python bench/cuba.py --size 4000 --sims spikesim brian2-standalone

Network: Vogels & Abbott (2005) with Brian2's examples/CUBA.py parameters (or the COBA form of
MODELS.md), fixed in-degree 80 (64 excitatory + 16 inhibitory inputs per neuron, identical
arrays in every simulator), 1 s of biological time at dt = 0.1 ms.

Simulators (``--sims``):

* ``spikesim``: a fresh process per measurement (imports, connectivity, lowering, compile, run).
* ``brian2-standalone``: Brian2 cpp_standalone, *warm*: the project is generated and compiled once
  (the warm-up), then every measurement runs the built binary (``./main``) again. Its wall time is
  the binary's process, which reads the synapse arrays from disk and writes the results there.
* ``brian2-standalone-full``: the whole Brian2 standalone process (Python, code generation, an
  incremental ``make`` that compiles nothing, the binary, loading the results).
* ``brian2-cython``: Brian2 runtime mode with Cython (cache warm); loop = the timed ``net.run``.
* ``brainpy``: BrainPy 2.x (CSR event matmul) from its own venv (``SPIKESIM_BRAINPY_PYTHON``,
  default /tmp/bpvenv/bin/python; see run_all.sh), CUBA only. Its loop is a second, timed run
  after a first run that compiles; its wall is the process minus that second run.

"loop" is the simulation loop alone; "wall" is the whole process, from start to results. Every
measurement is a fresh process; the simulators alternate (A B C A B C ...) after one warm-up
round each, and the report gives medians [min-max] and the ratios spikesim / reference of the
medians (below 1: spikesim is faster). ``events_per_s`` = spikes x 80 / loop.
"""

from __future__ import annotations

import argparse
import glob
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (
    BRAINPY_PYTHON,
    add_ratios,
    alternate,
    brainpy_available,
    fixed_indegree,
    machine,
    print_row,
    run_worker,
    table_row,
    write_json,
)

SIMULATORS = ("spikesim", "brian2-standalone", "brian2-standalone-full", "brian2-cython", "brainpy")
REFERENCES = SIMULATORS[1:]
WORK_DIR = Path(tempfile.gettempdir()) / "spikesim-bench-brian2"
FAN_IN = 80


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
    t0 = time.perf_counter()
    net.plan  # noqa: B018 -- lowering, timed on its own
    lower_s = time.perf_counter() - t0
    res = net.run(duration)
    return {"loop_s": res.info["loop_s"], "compile_s": res.info["compile_s"], "lower_s": lower_s,
            "rate_hz": res.rate("P")}


def standalone_dir(model: str, n: int, seed: int) -> Path:
    return WORK_DIR / f"{model}_{n}_s{seed}"


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
        b2.device.build(directory=str(standalone_dir(model, n, seed)), run=True, compile=True)
        loop = b2.device._last_run_time
    else:
        net.run(0.1 * ms)  # code generation and Cython compilation happen here
        t0 = time.perf_counter()
        net.run(duration * ms)
        loop = time.perf_counter() - t0
    return {"loop_s": float(loop), "rate_hz": float(mon.num_spikes / n / (duration / 1000.0))}


def run_standalone_binary(directory: Path, n: int, duration: float) -> dict:
    """Run a built Brian2 standalone project again (the binary only); loop time from its run info."""
    results = directory / "results"
    for f in ("last_run_info.txt",):
        (results / f).unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(["./main"], cwd=directory, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{directory}/main failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    loop = float((results / "last_run_info.txt").read_text().split()[0])
    n_spikes = int(np.fromfile(glob.glob(str(results / "_array_spikemonitor_N_*"))[0], dtype=np.int32)[0])
    return {"loop_s": loop, "wall_s": wall, "rate_hz": n_spikes / n / (duration / 1000.0)}


def work_brainpy(arrays: str, duration: float, seed: int) -> dict:
    """CUBA in BrainPy 2.x (runs in BrainPy's own venv; the synapse arrays come from a file)."""
    import brainpy as bp
    import brainpy.math as bm

    bm.set_platform("cpu")
    bm.set_dt(0.1)
    data = np.load(arrays)
    n = int(data["n"])
    bm.random.seed(seed)

    def projection(pre, post, w, tau, neurons):
        comm = bp.dnn.EventCSRLinear(bp.conn.IJConn(i=pre, j=post)(n, n), w)
        return bp.dyn.ProjAlignPostMg2(pre=neurons, delay=None, comm=comm, syn=bp.dyn.Expon.desc(n, tau=tau),
                                       out=bp.dyn.CUBA.desc(), post=neurons)

    class CUBA(bp.DynSysGroup):
        def __init__(self) -> None:
            super().__init__()
            self.N = bp.dyn.LifRef(n, V_rest=-49.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0,
                                   V_initializer=bp.init.Uniform(-60.0, -50.0))
            self.E = projection(data["pre_e"], data["post_e"], 1.62, 5.0, self.N)
            self.I = projection(data["pre_i"], data["post_i"], -9.0, 10.0, self.N)

        def update(self):
            self.E()
            self.I()
            self.N()
            return self.N.spike.value

    net = CUBA()
    runner = bp.DSRunner(net, monitors={"spk": net.N.spike}, progress_bar=False)
    runner.run(duration)  # compiles
    t0 = time.perf_counter()
    runner.run(duration)
    loop = time.perf_counter() - t0
    rate = float(np.asarray(runner.mon["spk"]).sum() / n / (duration / 1000.0))
    return {"loop_s": loop, "rate_hz": rate, "second_run_s": loop}


# ------------------------------------------------------------------ driver
def _measures(sims: list[str], n: int, model: str, duration: float, seed: int) -> tuple[dict, dict]:
    base = ["--sizes", str(n), "--model", model, "--duration", str(duration), "--seed", str(seed)]
    me = str(Path(__file__).resolve())
    measures, warmups = {}, {}
    for sim in sims:
        if sim == "spikesim":
            measures[sim] = lambda: run_worker([me, "--worker", "spikesim", *base])
        elif sim == "brian2-standalone":
            warmups[sim] = lambda: run_worker([me, "--worker", "brian2-standalone-full", *base])
            measures[sim] = lambda: run_standalone_binary(standalone_dir(model, n, seed), n, duration)
        elif sim in ("brian2-standalone-full", "brian2-cython"):
            measures[sim] = lambda sim=sim: run_worker([me, "--worker", sim, *base])
        elif sim == "brainpy":
            arrays = WORK_DIR / f"arrays_{n}_s{seed}.npz"
            if not arrays.exists():
                arrays.parent.mkdir(parents=True, exist_ok=True)
                pe, qe, pi, qi = fixed_indegree(n, 64, 16, seed)
                np.savez(arrays, n=n, pre_e=pe, post_e=qe, pre_i=pi, post_i=qi)

            def brainpy(arrays=arrays) -> dict:
                out = run_worker([me, "--worker", "brainpy", "--arrays", str(arrays), *base], python=BRAINPY_PYTHON)
                out["wall_s"] -= out["second_run_s"]
                return out

            measures[sim] = brainpy
    return measures, warmups


def available_sims(requested: list[str], model: str) -> tuple[list[str], list[str]]:
    """The requested simulators that can run here, and notes on those that cannot."""
    sims, notes = [], []
    try:
        import brian2  # noqa: F401
        has_brian2 = True
    except ImportError:
        has_brian2 = False
    for sim in requested:
        if sim.startswith("brian2") and not has_brian2:
            notes.append(f"{sim}: brian2 is not installed")
        elif sim == "brainpy" and model != "cuba":
            notes.append("brainpy: CUBA only")
        elif sim == "brainpy" and not brainpy_available():
            notes.append(f"brainpy: no BrainPy at {BRAINPY_PYTHON} (set SPIKESIM_BRAINPY_PYTHON; see run_all.sh)")
        else:
            sims.append(sim)
    return sims, notes


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000, 256000])
    ap.add_argument("--size", type=int, dest="sizes_one", help="a single size (same as --sizes N)")
    ap.add_argument("--model", choices=("cuba", "coba"), default="cuba")
    ap.add_argument("--duration", type=float, default=1000.0, help="ms of biological time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sims", nargs="+", default=list(SIMULATORS), choices=SIMULATORS)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    ap.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    ap.add_argument("--arrays", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [a.sizes_one] if a.sizes_one else a.sizes
    if a.worker:
        if a.worker == "spikesim":
            out = work_spikesim(sizes[0], a.model, a.duration, a.seed)
        elif a.worker == "brainpy":
            out = work_brainpy(a.arrays, a.duration, a.seed)
        else:
            out = work_brian2(sizes[0], a.model, a.duration, a.seed, a.worker.split("-")[1])
        print(json.dumps(out))
        return out

    sims, notes = available_sims(a.sims, a.model)
    for note in notes:
        print(f"skipped {note}")
    report = {"benchmark": a.model, "command": " ".join(["python bench/cuba.py", *(argv or sys.argv[1:])]),
              "machine": machine(), "duration_ms": a.duration, "repeats": a.repeats, "seed": a.seed,
              "sims": sims, "skipped": notes, "results": {}}
    for n in sizes:
        print(f"N={n}: {', '.join(sims)}")
        measures, warmups = _measures(sims, n, a.model, a.duration, a.seed)
        runs = alternate(measures, a.repeats, warmups)
        for rs in runs.values():
            for r in rs:
                r["events_per_s"] = r["rate_hz"] * n * (a.duration / 1000.0) * FAN_IN / r["loop_s"]
        row = table_row(runs, ("loop_s", "wall_s", "rate_hz", "events_per_s", "lower_s", "compile_s"))
        add_ratios(row, "spikesim", REFERENCES)
        report["results"][n] = row
        print_row(n, row)
        write_json(a.json, report)  # after every size, so a long run leaves partial results
    return report


if __name__ == "__main__":
    main()
