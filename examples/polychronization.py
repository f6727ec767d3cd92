"""Izhikevich (2006) "Polychronization: computation with spikes": the network of spnet.

800 regular-spiking excitatory and 200 fast-spiking inhibitory Izhikevich neurons, dt = 1 ms with
spnet's integration (two 0.5-ms half-steps of v, then u; ``integrator="netm"``). Every neuron has
100 synapses, without self or duplicate connections: excitatory neurons project to any neuron, with
conduction delays of 1-20 ms (5 synapses per 1-ms value) and weight +6, plastic up to 10
(``ss.spnet_stdp``: traces 0.1 and 0.12 decaying x0.95 per ms accumulate into ``sd``; once per
second ``s <- clip(s + 0.01 + sd, 0, 10)`` and ``sd <- 0.9 sd``); inhibitory neurons project to
excitatory ones only, with delay 1 ms and a fixed weight of -5. Synapses are ``CurrentPulse``
(spnet adds s to the input current of one step). Each ms one random neuron receives I = 20.

Timing against spnet (docs/semantics.md): a spike of spikesim step k is spnet's firing at ms k + 1
(spnet detects it at the start of its next loop), and spnet's delay index j (0..19) is a spikesim
delay of j + 1 steps, so inputs arrive in the same ms in both. The plasticity events differ in one
respect: spikesim applies a pre event (the step before the input acts) before the post spikes of that
step, so a post spike in that very step counts as a causal pair (LTP with the full trace, as Brian2
does), while spnet handles it as post-before-pre (LTD 0.12). spikesim's LTP for a post spike n ms
after the input takes effect is 0.1 * 0.95^n, spnet's 0.1 * 0.95^(n - 1) (spnet reads the pre
trace one ms earlier); LTD is the same. Weights are read when a spike is emitted (spnet: on arrival);
since they change only once per second, this matters only for spikes in flight at a second boundary.

Prints the fraction of excitatory weights >= 9 and <= 1 and the rate; writes the weight histogram
and a raster of the last second. Usage: ``python examples/polychronization.py --seconds 3600 --seed 0``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from _common import DEFAULT_OUT, save_figure

import spikesim as ss

N_EXC, N_INH = 800, 200
N = N_EXC + N_INH
M = 100  # synapses per neuron
D = 20  # largest delay (ms)
DT = 1.0
W_EXC, W_INH, W_MAX, I_THALAMIC = 6.0, -5.0, 10.0, 20.0


def connectivity(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """spnet's synapses: ``exc_pre, exc_post, exc_delay`` (ms) and ``inh_pre, inh_post`` (the
    inhibitory neurons' local indices 0..199). M distinct targets per neuron, never itself."""
    exc_post = np.stack([rng.choice(np.delete(np.arange(N), i), M, replace=False) for i in range(N_EXC)])
    delays = np.repeat(np.arange(1, D + 1), M // D)
    exc_delay = np.stack([rng.permutation(delays) for _ in range(N_EXC)])
    inh_post = np.stack([rng.choice(N_EXC, M, replace=False) for _ in range(N_INH)])
    return {"exc_pre": np.repeat(np.arange(N_EXC), M), "exc_post": exc_post.ravel(),
            "exc_delay": exc_delay.ravel().astype(float),
            "inh_pre": np.repeat(np.arange(N_INH), M), "inh_post": inh_post.ravel()}


def build(seed: int = 0, duration_ms: float = 3_600_000.0) -> ss.Network:
    """The network: population ``"P"`` (0-799 RS, 800-999 FS), plastic projection ``"exc"``, fixed
    ``"inh"``, and a thalamic source ``"thalamus"`` that picks one random neuron per ms up to
    ``duration_ms``."""
    rng = np.random.default_rng(seed)
    rs, fs = ss.IZHIKEVICH_TYPES["RS"], ss.IZHIKEVICH_TYPES["FS"]
    model = ss.Izhikevich(*(np.concatenate([np.full(N_EXC, x), np.full(N_INH, y)]) for x, y in zip(rs, fs)),
                          integrator="netm")
    c = connectivity(rng)
    net = ss.Network(dt=DT, seed=seed)
    pop = net.add_population("P", N, model)  # v = -65, u = 0.2 v, as spnet
    net.connect(pop[:N_EXC], pop, ss.FromArrays(c["exc_pre"], c["exc_post"]), synapse=ss.CurrentPulse(),
                weight=W_EXC, delay=c["exc_delay"], plasticity=ss.spnet_stdp(w_max=W_MAX), name="exc")
    net.connect(pop[N_EXC:], pop[:N_EXC], ss.FromArrays(c["inh_pre"], c["inh_post"]), synapse=ss.CurrentPulse(),
                weight=W_INH, delay=DT, name="inh")
    # spnet sets I = 20 for one random neuron at the start of each ms; a source spike of step k
    # arrives (delay 1 step) as the input current of step k + 1, so the source starts at step -1 -> 0.
    n_steps = round(duration_ms / DT)
    thal = net.add_spike_source("thalamus", N, times=np.arange(n_steps) * DT, indices=rng.integers(0, N, n_steps))
    net.connect(thal, pop, ss.OneToOne(), synapse=ss.CurrentPulse(), weight=I_THALAMIC, delay=DT, name="thalamic")
    net.record(pop, "spikes")
    return net


def exc_weight_stats(w: np.ndarray) -> dict[str, float]:
    return {"frac_high": float(np.mean(w >= 9.0)), "frac_low": float(np.mean(w <= 1.0)), "mean": float(np.mean(w))}


def simulate(seed: int = 0, duration_ms: float = 3_600_000.0, chunk_ms: float = 10_000.0, verbose: bool = False) -> dict:
    """Run in chunks (so the spike record of one hour never sits in memory at once); returns the
    final excitatory weights, their statistics, the mean rate over the whole run and over the last
    second (Hz), the spikes of the last second and the wall time."""
    net = build(seed, duration_ms)
    t0 = time.perf_counter()
    n_spikes, done, last = 0, 0.0, None
    while done < duration_ms - 1e-9:
        step = min(chunk_ms, duration_ms - done)
        res = net.run(step)
        times, idx = res.spikes("P")
        n_spikes += times.size
        done += step
        last = (times, idx, res.t_stop)
        if verbose:
            w = net.connections("exc")["weight"]
            s = exc_weight_stats(w)
            print(f"  t = {done / 1000:7.1f} s: rate {times.size / N / (step / 1000):5.2f} Hz, "
                  f"w >= 9: {s['frac_high']:.3f}, w <= 1: {s['frac_low']:.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    wall = time.perf_counter() - t0
    w = net.connections("exc")["weight"]
    times, idx, t_end = last
    window = min(1000.0, duration_ms)
    keep = times >= t_end - window
    return {**exc_weight_stats(w), "weights": w, "rate": n_spikes / N / (duration_ms / 1000.0),
            "rate_last": float(keep.sum() / N / (window / 1000.0)),
            "last_spikes": (times[keep], idx[keep]), "wall_s": wall}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600.0, help="simulated time in s (default 3600)")
    parser.add_argument("--duration", type=float, default=None, help="simulated time in ms (overrides --seconds)")
    parser.add_argument("--seed", type=int, default=0, help="network seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the figures (default examples/out)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    duration = args.duration if args.duration is not None else args.seconds * 1000.0
    r = simulate(args.seed, duration, verbose=duration >= 60_000)
    summary = (f"exc weights >= 9: {r['frac_high']:.3f}, <= 1: {r['frac_low']:.3f}; "
               f"rate {r['rate']:.2f} Hz (last second {r['rate_last']:.2f} Hz)")
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 8))
    ax1.hist(r["weights"], bins=50, range=(0.0, W_MAX), color="0.3")
    ax1.set_xlabel("excitatory weight (mV/ms)")
    ax1.set_ylabel("synapses")
    t, i = r["last_spikes"]
    ax2.plot(t / 1000.0, i, ".k", markersize=1)
    ax2.set_xlabel("time (s)")
    ax2.set_ylabel("neuron")
    fig.suptitle(f"Polychronization (Izhikevich 2006), {duration / 1000:g} s, seed {args.seed}\n{summary}", fontsize=9)
    path = save_figure(fig, args.out, "polychronization.png")
    print(f"Polychronization: {summary}")
    print(f"{duration / 1000:g} s simulated in {r['wall_s']:.1f} s; figure: {path}")
    return {**r, "figure": path}


if __name__ == "__main__":
    main()
