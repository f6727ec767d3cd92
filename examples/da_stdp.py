"""Izhikevich (2007) "Solving the distal reward problem": dopamine-modulated STDP (daspnet).

800 regular-spiking excitatory and 200 fast-spiking inhibitory Izhikevich neurons (dt = 1 ms,
``integrator="netm"``), 100 synapses each (no self or duplicate connections; excitatory -> any,
inhibitory -> excitatory), delay 1 ms, ``CurrentPulse`` synapses. Excitatory weights start at 1 and
are plastic up to 4 with ``ss.da_stdp`` (traces 0.1 decaying x0.95 per ms, LTD factor 1.5, into the
eligibility sd; every 10 ms ``s <- clip(s + (0.002 + DA) sd, 0, 4)``, ``sd <- 0.99 sd``);
inhibitory weights are -1. Dopamine DA decays x0.995 per ms.

One excitatory -> excitatory synapse (the target) starts at 0. Whenever its postsynaptic neuron fires
0 < dt < 20 ms after its presynaptic neuron, DA += 0.5 is delivered after a random delay of 1-3 s
(``net.reward``). The network runs in 1-s pieces; the pairings are found in each piece's spikes.

Input: daspnet draws 13 (U - 0.5) per neuron and ms (uniform, standard deviation 13/sqrt(12) = 3.75).
spikesim's ``add_noise_current`` is Gaussian, so this example uses N(0, 3.75²): the same mean and
variance, with tails beyond +-6.5 that the uniform input does not have.

Prints the target weight (final, maximum, fraction of the last 600 s >= 0.75 max), the fraction of
the other excitatory synapses at the maximum and the rate; writes the target weight over time and the
weight histogram. ``--no-reward`` runs the control. Usage:
``python examples/da_stdp.py --seconds 1200`` (fast variant) or ``--seconds 3600`` (full).
"""

from __future__ import annotations

import argparse
import math
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
M = 100
DT = 1.0
W_EXC, W_INH, W_MAX = 1.0, -1.0, 4.0
NOISE_STD = 13.0 / math.sqrt(12.0)  # the standard deviation of 13 (U - 0.5)
DA_TAU = -1.0 / math.log(0.995)  # ms: x0.995 per ms
REWARD, REWARD_WINDOW = 0.5, 20.0  # DA per reward; the pairing window (ms)
REWARD_DELAY = (1000.0, 3000.0)  # ms


def build(seed: int = 0) -> tuple[ss.Network, int, tuple[int, int]]:
    """The network; returns (net, the target synapse's position in ``net.connections("exc")``,
    (its presynaptic, its postsynaptic neuron))."""
    rng = np.random.default_rng(seed)
    exc_post = np.stack([rng.choice(np.delete(np.arange(N), i), M, replace=False) for i in range(N_EXC)])
    inh_post = np.stack([rng.choice(N_EXC, M, replace=False) for _ in range(N_INH)])
    exc_pre = np.repeat(np.arange(N_EXC), M)  # sorted: the plan keeps this order
    exc_post = exc_post.ravel()
    target = int(np.flatnonzero(exc_post < N_EXC)[0])  # the first excitatory -> excitatory synapse
    weights = np.full(exc_pre.size, W_EXC)
    weights[target] = 0.0
    rs, fs = ss.IZHIKEVICH_TYPES["RS"], ss.IZHIKEVICH_TYPES["FS"]
    model = ss.Izhikevich(*(np.concatenate([np.full(N_EXC, x), np.full(N_INH, y)]) for x, y in zip(rs, fs)),
                          integrator="netm")
    net = ss.Network(dt=DT, seed=seed)
    pop = net.add_population("P", N, model)
    da = net.add_modulator("DA", tau=DA_TAU)
    net.connect(pop[:N_EXC], pop, ss.FromArrays(exc_pre, exc_post), synapse=ss.CurrentPulse(), weight=weights,
                delay=DT, plasticity=ss.da_stdp(da, w_max=W_MAX), name="exc")
    net.connect(pop[N_EXC:], pop[:N_EXC], ss.FromArrays(np.repeat(np.arange(N_INH), M), inh_post.ravel()),
                synapse=ss.CurrentPulse(), weight=W_INH, delay=DT, name="inh")
    net.add_noise_current(pop, std=NOISE_STD)
    net.record(pop, "spikes")
    return net, target, (int(exc_pre[target]), int(exc_post[target]))


def simulate(seed: int = 0, duration_ms: float = 1_200_000.0, reward: bool = True, piece_ms: float = 1000.0,
             verbose: bool = False) -> dict:
    """Run the experiment; returns the target weight after every piece, the final weights, the
    number of rewards, the mean rate (Hz) and the wall time (s)."""
    net, target, (n1, n2) = build(seed)
    rng = np.random.default_rng([seed, 2007])
    t0 = time.perf_counter()
    last_pre = -math.inf
    times_s, target_w, n_rewards, n_spikes, done = [], [], 0, 0, 0.0
    while done < duration_ms - 1e-9:
        piece = min(piece_ms, duration_ms - done)
        res = net.run(piece)
        t, i = res.spikes("P")
        n_spikes += t.size
        for ts, who in zip(t[(i == n1) | (i == n2)], i[(i == n1) | (i == n2)]):  # sorted by time, n1 before n2
            if who == n1:
                last_pre = ts
            elif reward and 0.0 < ts - last_pre < REWARD_WINDOW:
                net.reward("DA", REWARD, at=ts + DT * round(rng.uniform(*REWARD_DELAY) / DT))
                n_rewards += 1
        done += piece
        w = net.connections("exc")["weight"]
        times_s.append(done / 1000.0)
        target_w.append(float(w[target]))
        if verbose and round(done) % 60_000 == 0:
            print(f"  t = {done / 1000:6.0f} s: target {w[target]:.3f}, rewards {n_rewards}, "
                  f"rate {t.size / N / (piece / 1000):.2f} Hz ({time.perf_counter() - t0:.0f} s)", flush=True)
    wall = time.perf_counter() - t0
    w = net.connections("exc")["weight"]
    others = np.delete(w, target)
    times_s, target_w = np.asarray(times_s), np.asarray(target_w)
    late = times_s > times_s[-1] - 600.0
    return {"times_s": times_s, "target": target_w, "final": float(target_w[-1]), "max": float(target_w.max()),
            "late_high": float(np.mean(target_w[late] >= 0.75 * W_MAX)),
            "others_at_max": float(np.mean(others >= W_MAX * (1 - 1e-6))), "weights": w, "target_index": target,
            "rewards": n_rewards, "rate": n_spikes / N / (duration_ms / 1000.0), "wall_s": wall}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1200.0, help="simulated time in s (default 1200; 3600: the full run)")
    parser.add_argument("--duration", type=float, default=None, help="simulated time in ms (overrides --seconds)")
    parser.add_argument("--seed", type=int, default=0, help="network seed (default 0)")
    parser.add_argument("--no-reward", action="store_true", help="the control: no dopamine is ever delivered")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the figures (default examples/out)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    duration = args.duration if args.duration is not None else args.seconds * 1000.0
    r = simulate(args.seed, duration, reward=not args.no_reward, verbose=duration >= 60_000)
    label = "no reward" if args.no_reward else "reward"
    summary = (f"{label}: target synapse {r['final']:.3f} (max {r['max']:.3f}, >= 0.75 max for {r['late_high']:.0%} "
               f"of the last 600 s), other synapses at max {r['others_at_max']:.3f}, {r['rewards']} rewards, "
               f"rate {r['rate']:.2f} Hz")
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 7))
    ax1.plot(r["times_s"], r["target"], "k")
    ax1.axhline(W_MAX, color="0.6", ls=":")
    ax1.set_xlabel("time (s)")
    ax1.set_ylabel("target synapse")
    ax2.hist(np.delete(r["weights"], r["target_index"]), bins=40, range=(0.0, W_MAX), color="0.3")
    ax2.set_yscale("log")
    ax2.set_xlabel("excitatory weight (other synapses)")
    ax2.set_ylabel("synapses")
    fig.suptitle(f"DA-modulated STDP (Izhikevich 2007), {duration / 1000:g} s, seed {args.seed}\n{summary}", fontsize=8)
    path = save_figure(fig, args.out, ("da_stdp_no_reward.png" if args.no_reward else "da_stdp.png"))
    print(f"DA-STDP {summary}")
    print(f"{duration / 1000:g} s simulated in {r['wall_s']:.1f} s; figure: {path}")
    return {**r, "figure": path}


if __name__ == "__main__":
    main()
