"""Polychronization (Izhikevich 2006, spnet): spikesim against Brian2 (cpp_standalone warm, Cython), in one invocation.

    python bench/polychronization.py --size 1000 --duration 60 --repeats 3 [--json out.json]
    python bench/polychronization.py --size 1000 --duration 10 --sims spikesim brian2-standalone

``--size`` N Izhikevich neurons (80 % regular spiking, 20 % fast spiking), dt = 1 ms, spnet's
integration (two 0.5-ms half-steps of v, then u), 100 synapses per neuron: excitatory ones onto any
neuron with delays of 1-20 ms and weight 6, plastic up to 10; inhibitory ones onto excitatory
neurons, delay 1 ms, weight -5; each ms one random neuron gets I = 20. Plasticity: traces 0.1 (pre)
and 0.12 (post) that reset on a spike and decay x0.95 per ms accumulate into ``sd``; once per
second ``w <- clip(w + 0.01 + sd, 0, 10)``, ``sd <- 0.9 sd``. ``--duration`` s of biological time.

spikesim runs ``examples/polychronization.py``'s ``build`` (its population sizes set to
``--size``). Brian2 runs the same equations, written here: the identical synapse arrays, delays
and thalamic input sequence (the example's ``connectivity`` and generator), the v/u update as a
``run_regularly`` operation in the ``groups`` slot, ``I_post += w`` pathways (a spikesim delay of
d ms is Brian2's (d - 1) ms, docs/semantics.md), per-synapse event-driven traces and a
once-per-second ``run_regularly`` on the synapses for the weight update.

Reported per simulator: loop and wall time, the fraction of excitatory weights >= 9 and <= 1,
their mean, and the mean rate. The models differ in small event-order details (see the example's
docstring), so the statistics agree only approximately.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_plastic

NAME = "polychronization"
DEFAULT_SIZE = 1000
DEFAULT_DURATION_S = 60.0
STAT_KEYS = ("frac_high", "frac_low", "mean_w", "rate_hz")
CHUNK_MS = 10_000.0  # spikesim runs in chunks, as the example does


def check_size(size: int) -> None:
    """N must be a multiple of 5 (80 % excitatory) with at least 100 excitatory neurons (every
    inhibitory neuron has 100 distinct excitatory targets)."""
    if size % 5 or size < 125:
        raise SystemExit(f"--size (number of neurons) must be a multiple of 5 and >= 125, got {size}")


def example(size: int):
    """``examples/polychronization.py`` as a module, its population sizes set to ``size``
    (``build`` and ``connectivity`` read the module constants N_EXC, N_INH and N)."""
    poly = bench_plastic.load_example("polychronization")
    poly.N_EXC = size * 4 // 5
    poly.N_INH = size - poly.N_EXC
    poly.N = size
    return poly


def stats(values: dict[str, np.ndarray], size: int, duration_s: float) -> dict:
    """Fractions of excitatory weights >= 9 and <= 1, their mean, and the mean rate (Hz), from
    the final weights ``values["w"]`` and the spike count ``values["n_spikes"]``."""
    s = example(size).exc_weight_stats(np.asarray(values["w"], dtype=float))
    return {"frac_high": s["frac_high"], "frac_low": s["frac_low"], "mean_w": s["mean"],
            "rate_hz": float(np.asarray(values["n_spikes"]).ravel()[0]) / size / duration_s}


def work_spikesim(size: int, duration_s: float, seed: int) -> dict:
    """The example's ``build`` at ``size`` neurons, run ``duration_s`` in chunks of 10 s."""
    poly = example(size)
    duration_ms = duration_s * 1000.0
    net = poly.build(seed, duration_ms)
    done, n_spikes, loop, compile_s = 0.0, 0, 0.0, 0.0
    while done < duration_ms - 1e-9:
        step = min(CHUNK_MS, duration_ms - done)
        res = net.run(step)
        n_spikes += res.spikes("P")[0].size
        loop += res.info["loop_s"]
        compile_s += res.info["compile_s"]
        done += step
    w = net.connections("exc")["weight"]
    if w.size != poly.N_EXC * poly.M:
        raise RuntimeError(f"polychronization.build made {w.size} excitatory synapses, expected {poly.N_EXC * poly.M}")
    out = stats({"w": w, "n_spikes": np.array([n_spikes])}, size, duration_s)
    return {"loop_s": loop, "compile_s": compile_s, **out}


def brian2_inputs(size: int, duration_s: float, seed: int) -> dict:
    """The example's synapse arrays, thalamic sequence and parameters, drawn as its ``build`` draws
    them (connectivity, then the neuron of every ms), for the Brian2 worker."""
    import spikesim as ss

    poly = example(size)
    rng = np.random.default_rng(seed)
    c = poly.connectivity(rng)
    n_steps = round(duration_s * 1000.0 / poly.DT)
    rs, fs = ss.IZHIKEVICH_TYPES["RS"], ss.IZHIKEVICH_TYPES["FS"]
    abcd = np.stack([np.concatenate([np.full(poly.N_EXC, x), np.full(poly.N_INH, y)]) for x, y in zip(rs, fs)])
    return {**c, "thal_idx": rng.integers(0, size, n_steps), "abcd": abcd, "n_exc": poly.N_EXC, "dt": poly.DT,
            "w_exc": poly.W_EXC, "w_inh": poly.W_INH, "w_max": poly.W_MAX, "i_thalamic": poly.I_THALAMIC}


def build_brian2(p: dict, size: int, duration_s: float):
    """The same network in Brian2; returns (network, {"w", "n_spikes"} variables, dt in ms)."""
    import brian2 as b2

    ms, dt, n_exc = b2.ms, float(p["dt"]), int(p["n_exc"])
    b2.defaultclock.dt = dt * ms
    ns = {"tau": -1.0 / math.log(0.95) * ms, "wmax": float(p["w_max"]), "t_first": 0.5 * ms}

    P = b2.NeuronGroup(size, """v : 1
                                u : 1
                                I : 1
                                a : 1 (constant)
                                b : 1 (constant)
                                c : 1 (constant)
                                d : 1 (constant)""",
                       threshold="v >= 30", reset="v = c\nu += d", namespace=ns)
    for k, name in enumerate("abcd"):
        setattr(P, name, p["abcd"][k])
    P.v = -65.0
    P.u = "b * v"
    # spnet: two 0.5-ms half-steps of v, then u with the new v; the input current acts for one step
    P.run_regularly("""v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
                       v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
                       u += a * (b * v - u)
                       I = 0""", when="groups")
    exc = b2.Synapses(P, P, """w : 1
                               sd : 1
                               dApre/dt = -Apre / tau : 1 (event-driven)
                               dApost/dt = -Apost / tau : 1 (event-driven)""",
                      on_pre="I_post += w\nsd -= Apost\nApre = 0.1",
                      on_post="sd += Apre\nApost = 0.12", namespace=ns)
    exc.connect(i=p["exc_pre"], j=p["exc_post"])
    exc.w = float(p["w_exc"])
    exc.delay = (p["exc_delay"] - 1.0) * dt * ms
    # once per second (t = 1 s, 2 s, ...; not at t = 0), before that step
    exc.run_regularly("w = clip(w + int(t > t_first) * (0.01 + sd), 0, wmax)\nsd *= 0.9",
                      dt=1 * b2.second, when="start")
    inh = b2.Synapses(P, P, "w : 1", on_pre="I_post += w")
    inh.connect(i=p["inh_pre"] + n_exc, j=p["inh_post"])
    inh.w = float(p["w_inh"])
    thal = b2.SpikeGeneratorGroup(size, p["thal_idx"], np.arange(p["thal_idx"].size) * dt * ms)
    thal_syn = b2.Synapses(thal, P, on_pre="I_post += i_thal", namespace={"i_thal": float(p["i_thalamic"])})
    thal_syn.connect(j="i")
    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, exc, inh, thal, thal_syn, mon)
    return net, {"w": exc.variables["w"], "n_spikes": mon.variables["N"]}, dt


def describe(row: dict) -> str:
    """The weight statistics and rate of every simulator, side by side."""
    parts = []
    for sim, r in row.items():
        if sim != "ratios" and "frac_high" in r:
            parts.append(f"{sim}: w >= 9 {r['frac_high']['median']:.3f}, w <= 1 {r['frac_low']['median']:.3f}, "
                         f"rate {r['rate_hz']['median']:.2f} Hz")
    return "final excitatory weights (median over repeats): " + "; ".join(parts)


def main(argv: list[str] | None = None) -> dict:
    return bench_plastic.main(SimpleNamespace(**globals()), Path(__file__), __doc__, "number of neurons (80 %% excitatory)",
                              argv)


if __name__ == "__main__":
    main()
