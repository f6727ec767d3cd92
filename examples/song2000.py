"""Song, Miller & Abbott (2000): competitive Hebbian learning through STDP, as Brian2's
``examples/synapses/STDP.py``.

1000 Poisson inputs at 15 Hz drive one LIF neuron (tau_m = 10 ms, rest -74 mV, threshold -54 mV,
reset -60 mV) through excitatory conductances (tau_e = 5 ms, E_e = 0 mV; weights in units of the
leak conductance, as Brian2's dimensionless ``ge``). Additive all-to-all STDP with
A+ = 0.01 gmax, A- = 1.05 A+, tau+ = tau- = 20 ms, weights clipped to [0, gmax], gmax = 0.01, and
initial weights U(0, gmax). dt = 0.1 ms. After 100 s the weights are bimodal (U-shaped histogram).

Integration: spikesim integrates a conductance LIF with exponential Euler; Brian2's example uses
``method='euler'``, which at dt = 0.1 ms fires markedly less under this input (fixed weights
0.47 gmax, 20 s: Brian2 euler 15.1 Hz, Brian2 exponential_euler 18.7 Hz, spikesim 18.1-18.5 Hz).
After 100 s of STDP the output rates are 24-26 Hz (Brian2, euler) and 28.5-29.6 Hz (spikesim),
while the weight statistics agree (mean w/gmax 0.474-0.475 in Brian2, 0.468-0.472 in spikesim).

Prints the fraction of weights above 0.9 gmax and below 0.1 gmax, the mean w/gmax and the output
rate; writes the weight histogram and w/gmax against the input index.
Usage: ``python examples/song2000.py --duration 100000 --seed 0``.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from _common import parse_args, save_figure

import spikesim as ss

N_INPUTS = 1000
RATE_HZ = 15.0
GMAX = 0.01
TAU_E = 5.0  # ms
A_PLUS = 0.01 * GMAX
A_MINUS = 1.05 * A_PLUS
TAU_STDP = 20.0  # ms
NEURON = ss.LIF(tau_m=10.0, v_rest=-74.0, v_thresh=-54.0, v_reset=-60.0)


def build(seed: int = 0, dt: float = 0.1, plastic: bool = True, record_every_ms: float | None = None) -> ss.Network:
    """The network: Poisson population ``"input"`` -> one LIF neuron ``"out"`` through the
    projection ``"syn"`` (plastic unless ``plastic=False``). ``record_every_ms`` records the weights."""
    net = ss.Network(dt=dt, seed=seed)
    inp = net.add_poisson("input", N_INPUTS, RATE_HZ)
    out = net.add_population("out", 1, NEURON)
    rule = ss.STDP(a_plus=A_PLUS, a_minus=A_MINUS, tau_pre=TAU_STDP, tau_post=TAU_STDP,
                   w_min=0.0, w_max=GMAX, pairing="all") if plastic else None
    proj = net.connect(inp, out, ss.AllToAll(), synapse=ss.ExpConductance(tau=TAU_E, e_rev=0.0),
                       weight=ss.Uniform(0.0, GMAX), delay=dt, plasticity=rule, name="syn")
    net.record(out, "spikes")
    if record_every_ms:
        net.record(proj, "weights", every=max(1, round(record_every_ms / dt)))
    return net


def weight_stats(w: np.ndarray) -> dict:
    """The targets of MODELS.md §3 for final weights ``w``: fractions near the bounds, mean w/gmax,
    and the 10-bin histogram of w/gmax over [0, 1]."""
    x = np.asarray(w) / GMAX
    hist = np.histogram(x, bins=10, range=(0.0, 1.0))[0]
    return {"frac_high": float(np.mean(x > 0.9)), "frac_low": float(np.mean(x < 0.1)),
            "mean": float(x.mean()), "hist": hist}


def is_u_shaped(hist: np.ndarray) -> bool:
    """Both end bins of a 10-bin histogram hold more weights than any of the six middle bins."""
    return bool(min(hist[0], hist[-1]) > max(hist[2:8]))


def simulate(seed: int = 0, duration: float = 100_000.0, dt: float = 0.1, record_every_ms: float | None = None) -> dict:
    """Run the model; returns the weight statistics, the output rate (Hz) and the wall time (s)."""
    net = build(seed, dt, record_every_ms=record_every_ms)
    t0 = time.perf_counter()
    res = net.run(duration)
    wall = time.perf_counter() - t0
    w = net.connections("syn")["weight"]
    return {**weight_stats(w), "rate": res.rate("out"), "wall_s": wall, "weights": w, "result": res}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, duration=100_000.0, dt=0.1)
    r = simulate(args.seed, args.duration, args.dt, record_every_ms=min(1000.0, args.duration))
    x = r["weights"] / GMAX
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(7, 9))
    ax1.hist(x, bins=20, range=(0.0, 1.0), color="0.3")
    ax1.set_xlabel("w / gmax")
    ax1.set_ylabel("synapses")
    ax2.plot(x, ".", markersize=2)
    ax2.set_xlabel("input index")
    ax2.set_ylabel("w / gmax")
    times, ws = r["result"].weights("syn")
    ax3.plot(times / 1000.0, ws.mean(axis=1) / GMAX, label="mean")
    ax3.plot(times / 1000.0, (ws > 0.9 * GMAX).mean(axis=1), label="fraction > 0.9")
    ax3.plot(times / 1000.0, (ws < 0.1 * GMAX).mean(axis=1), label="fraction < 0.1")
    ax3.set_xlabel("time (s)")
    ax3.legend()
    summary = (f"w > 0.9 gmax: {r['frac_high']:.3f}, w < 0.1 gmax: {r['frac_low']:.3f}, mean w/gmax {r['mean']:.3f}, "
               f"output rate {r['rate']:.2f} Hz")
    fig.suptitle(f"Song, Miller & Abbott 2000 ({args.duration / 1000:g} s, seed {args.seed})\n{summary}", fontsize=9)
    path = save_figure(fig, args.out, "song2000.png")
    print(f"Song 2000 STDP: {summary}; U-shaped: {is_u_shaped(r['hist'])} (10-bin histogram {r['hist'].tolist()})")
    print(f"{args.duration / 1000:g} s simulated in {r['wall_s']:.1f} s; figure: {path}")
    return {**r, "figure": path}


if __name__ == "__main__":
    main()
