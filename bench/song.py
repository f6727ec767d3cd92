"""Song, Miller & Abbott (2000) STDP: spikesim against Brian2 (cpp_standalone warm, Cython), in one invocation.

    python bench/song.py --size 1000 --duration 100 --repeats 3 [--json out.json]
    python bench/song.py --size 1000 --duration 20 --sims spikesim brian2-standalone

``--size`` Poisson inputs at 15 Hz drive one conductance LIF neuron through plastic synapses
(additive all-to-all STDP, A+ = 0.01 gmax, A- = 1.05 A+, tau = 20 ms, w in [0, gmax], gmax = 0.01,
initial w ~ U(0, gmax)), dt = 0.1 ms, ``--duration`` s of biological time. spikesim runs
``examples/song2000.py``'s ``build``; Brian2 runs the same equations, written here after Brian2's
``examples/synapses/STDP.py`` but with spikesim's conductance synapse, ``ge * (Ee - v)``
(that example linearises it as ``ge * (Ee - vr)``), integrated with exponential Euler as spikesim
does, and the per-synapse event-driven traces of that example (equal to spikesim's per-neuron
traces for a synapse of delay one step = Brian2 delay 0, docs/plasticity.md).

Reported per simulator: loop and wall time, the final mean w/gmax, the fractions of w above
0.9 gmax and below 0.1 gmax, and the output rate. The Poisson inputs are drawn independently in
each simulator, so the weight statistics agree only statistically: after 100 s the mean w/gmax
of the two should agree to about 0.01 (shorter runs have not converged; the comparison is printed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_plastic

NAME = "song"
DEFAULT_SIZE = 1000
DEFAULT_DURATION_S = 100.0
STAT_KEYS = ("mean_w", "frac_high", "frac_low", "rate_hz")
DT = 0.1  # ms


def check_size(size: int) -> None:
    """The number of Poisson inputs must be at least 1."""
    if size < 1:
        raise SystemExit(f"--size (number of Poisson inputs) must be >= 1, got {size}")


def example():
    """``examples/song2000.py`` as a module, with its number of inputs left as it is (set per run)."""
    return bench_plastic.load_example("song2000")


def stats(values: dict[str, np.ndarray], size: int, duration_s: float) -> dict:
    """Mean w/gmax, fractions of w/gmax above 0.9 and below 0.1, output rate (Hz), from the final
    weights ``values["w"]`` and the output spike count ``values["n_spikes"]``."""
    song = example()
    s = song.weight_stats(np.asarray(values["w"], dtype=float))
    return {"mean_w": s["mean"], "frac_high": s["frac_high"], "frac_low": s["frac_low"],
            "rate_hz": float(np.asarray(values["n_spikes"]).ravel()[0]) / duration_s}


def work_spikesim(size: int, duration_s: float, seed: int) -> dict:
    """``song2000.build`` with ``size`` inputs (the example's ``N_INPUTS``), run ``duration_s``."""
    song = example()
    song.N_INPUTS = size  # build() reads the module constant
    net = song.build(seed, DT)
    res = net.run(duration_s * 1000.0)
    w = net.connections("syn")["weight"]
    if w.size != size:
        raise RuntimeError(f"song2000.build made {w.size} synapses, expected {size}")
    out = stats({"w": w, "n_spikes": np.array([res.spikes("out")[0].size])}, size, duration_s)
    return {"loop_s": res.info["loop_s"], "compile_s": res.info["compile_s"], **out}


def brian2_inputs(size: int, duration_s: float, seed: int) -> dict:
    """The example's parameters, for the Brian2 worker (ms, mV, leak-conductance units)."""
    song = example()
    n = song.NEURON
    return {"tau_m": n.tau_m, "v_rest": n.v_rest, "v_thresh": n.v_thresh, "v_reset": n.v_reset, "e_rev": 0.0,
            "tau_e": song.TAU_E, "tau_stdp": song.TAU_STDP, "gmax": song.GMAX, "a_plus": song.A_PLUS,
            "a_minus": song.A_MINUS, "rate_hz": song.RATE_HZ}


def build_brian2(p: dict, size: int, duration_s: float):
    """The same network in Brian2; returns (network, {"w", "n_spikes"} variables, dt in ms)."""
    import brian2 as b2

    ms, mV = b2.ms, b2.mV
    b2.defaultclock.dt = DT * ms
    ns = {"taum": p["tau_m"] * ms, "El": p["v_rest"] * mV, "vt": p["v_thresh"] * mV, "vr": p["v_reset"] * mV,
          "Ee": p["e_rev"] * mV, "taue": p["tau_e"] * ms, "taupre": p["tau_stdp"] * ms, "taupost": p["tau_stdp"] * ms,
          "gmax": float(p["gmax"]), "dApre": float(p["a_plus"]), "dApost": -float(p["a_minus"])}
    inp = b2.PoissonGroup(size, rates=float(p["rate_hz"]) * b2.Hz)
    out = b2.NeuronGroup(1, """dv/dt = (ge * (Ee - v) + El - v) / taum : volt
                               dge/dt = -ge / taue : 1""",
                         threshold="v >= vt", reset="v = vr", method="exponential_euler", namespace=ns)
    out.v = "El"
    syn = b2.Synapses(inp, out, """w : 1
                                   dApre/dt = -Apre / taupre : 1 (event-driven)
                                   dApost/dt = -Apost / taupost : 1 (event-driven)""",
                      on_pre="""ge_post += w
                                Apre += dApre
                                w = clip(w + Apost, 0, gmax)""",
                      on_post="""Apost += dApost
                                 w = clip(w + Apre, 0, gmax)""", namespace=ns)
    syn.connect()
    syn.w = "rand() * gmax"
    mon = b2.SpikeMonitor(out)
    net = b2.Network(inp, out, syn, mon)
    return net, {"w": syn.variables["w"], "n_spikes": mon.variables["N"]}, DT


def describe(row: dict) -> str:
    """The final mean w/gmax of every simulator and the largest difference from spikesim's."""
    means = {sim: r["mean_w"]["median"] for sim, r in row.items() if sim != "ratios" and "mean_w" in r}
    text = ", ".join(f"{sim} {m:.4f}" for sim, m in means.items())
    if "spikesim" in means and len(means) > 1:
        diff = max(abs(m - means["spikesim"]) for m in means.values())
        text += f"; largest difference from spikesim {diff:.4f} (expected <= ~0.01 after 100 s)"
    return f"final mean w/gmax (median over repeats): {text}"


def main(argv: list[str] | None = None) -> dict:
    return bench_plastic.main(SimpleNamespace(**globals()), Path(__file__), __doc__, "number of Poisson inputs", argv)


if __name__ == "__main__":
    main()
