"""Reward learning on the simulated hardware: the same closed loop on ``jax_fixed`` and on the RTL.

A go/no-go discrimination task. One LIF neuron receives 40 spike trains through plastic synapses
with a dopamine-modulated three-factor rule (:class:`spikesim.ThreeFactor` over a nearest-spike pair
:class:`spikesim.STDP` with ``a_minus = 0.8 a_plus``; eligibility ``tau_e`` = 50 ms; dopamine ``DA``
decaying with ``tau`` = 20 ms). Each trial (``--trial`` ms) presents pattern 1 (inputs 0-19 at 30 Hz,
the others at 2 Hz) or pattern 2 (the reverse), in a random order. After the trial the host reads the
neuron's spike count ``n`` and delivers ``r = +0.25 min(n, 4)`` after pattern 1 (go: reward) or
``-0.25 min(n, 4)`` after pattern 2 (no-go: punishment) into the dopamine. Only the synapses that were
active carry eligibility, so pattern 1's synapses grow and the neuron learns to answer pattern 1.

The host loop runs twice, with the same structure:

* on ``backend="jax_fixed"``: ``net.run(trial)``, then ``net.reward("DA", r)`` between runs;
* on the RTL: the emitted ``spikesim_axi_top`` simulated under cocotb (Icarus, or
  ``$SPIKESIM_FPGA_SIM=verilator``) and programmed through :class:`spikesim.fpga.CoreDriver`,
  exactly as a board would be (``driver.load``, ``driver.run(steps)``, ``driver.read_spikes()``,
  ``driver.reward(r)``, which adds to the core's MODULATOR register while it is idle). The function
  :func:`program` would run unchanged on a PYNQ board (``SpikesimIP``) or over the UART bridge.

The two learning curves (spike count per trial) and the final weights must be identical, bit for
bit. Prints the responses to both patterns early and late, and whether the curves match; writes
``fpga_reward_learning.png`` (the learning curves and the final weights). Usage:
``python examples/fpga_reward_learning.py --duration 4000 --trial 100`` (``--duration``: the whole
experiment in ms; dt = 1 ms).
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _common import DEFAULT_OUT, save_figure

import spikesim as ss

N_IN, HI_HZ, LO_HZ = 40, 30.0, 2.0
PROJ = "In->Out"


def reward_of(count: int, pattern: int) -> float:
    """The reward of one trial: +0.25 min(count, 4) after pattern 0 (go), -0.25 min(count, 4) after pattern 1."""
    return 0.25 * min(int(count), 4) * (1.0 if pattern == 0 else -1.0)


def patterns(seed: int, n_trials: int) -> np.ndarray:
    """The pattern (0 or 1) of each trial."""
    return np.random.default_rng([seed, 1]).integers(0, 2, n_trials)


def build(seed: int, n_trials: int, trial: float, dt: float = 1.0) -> ss.Network:
    """The network with the input spike trains of all ``n_trials`` trials of ``trial`` ms."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=dt, seed=seed)
    lif = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
    out = net.add_population("Out", 1, lif, init={"v": -65.0})
    group = np.arange(N_IN) // (N_IN // 2)
    rates = np.where(group[None, :] == patterns(seed, n_trials)[:, None], HI_HZ, LO_HZ)  # (trials, inputs)
    rates = np.repeat(rates, round(trial / dt), axis=0)  # (steps, inputs)
    t_idx, i_idx = np.nonzero(rng.random(rates.shape) < rates * dt / 1000.0)  # at most one spike per step
    src = net.add_spike_source("In", N_IN, t_idx * dt, i_idx)
    da = net.add_modulator("DA", tau=20.0)
    hebb = ss.STDP(a_plus=1.0, a_minus=0.8, tau_pre=20.0, tau_post=20.0, w_min=0.0, w_max=12.0, pairing="nearest")
    rule = ss.ThreeFactor(hebb, da, tau_e=50.0, lr=0.5, w_min=0.0, w_max=12.0)
    net.connect(src, out, ss.AllToAll(), synapse=ss.ExpCurrent(tau=5.0), weight=ss.Uniform(4.0, 6.0), delay=1.0,
                plasticity=rule, name=PROJ)
    net.record(out, "spikes")
    return net


def run_jax_fixed(seed: int, n_trials: int, trial: float) -> dict[str, Any]:
    """The closed loop on ``backend="jax_fixed"``: spike count and reward of each trial, final weights."""
    net = build(seed, n_trials, trial)
    counts, rewards = [], []
    for pattern in patterns(seed, n_trials):
        n = int(net.run(trial, backend="jax_fixed").spike_counts("Out")[0])
        r = reward_of(n, pattern)
        if r:
            net.reward("DA", r)  # added to DA between this trial's last step and the next trial's first
        counts.append(n)
        rewards.append(r)
    return {"counts": np.array(counts), "rewards": np.array(rewards), "weights": net.connections(PROJ)["weight"],
            "pre": net.connections(PROJ)["pre"]}


def program(driver: Any, design: Any, trial_patterns: np.ndarray, trial_steps: int) -> dict[str, Any]:
    """The host program of the hardware (a :class:`~spikesim.fpga.CoreDriver` on any bus): load the design,
    then per trial run, read the spikes, count the output neuron's, reward. Returns the counts, the rewards
    and the final weights (raw Q8.16, the core's synapse order)."""
    driver.load(design, dma=getattr(driver.bus, "dma", None))
    first, _ = design.pops["Out"]
    counts, rewards = [], []
    for pattern in trial_patterns:
        driver.run(trial_steps)
        n = int(np.count_nonzero(driver.read_spikes().idx == first))
        r = reward_of(n, int(pattern))
        if r:
            driver.reward(r)  # M += q(r) while the core is idle: the core's MODULATOR register
        counts.append(n)
        rewards.append(r)
    w = driver.read_memory("WEIGHT", design.counts["synapses"]).astype(np.int64)
    return {"counts": np.array(counts), "rewards": np.array(rewards),
            "weights_raw": np.where(w >= 1 << 31, w - (1 << 32), w), "counters": driver.counters()}


def run_hardware(seed: int, n_trials: int, trial: float, work_dir: str) -> dict[str, Any]:
    """The closed loop on the simulated RTL (:func:`spikesim.fpga.sim_host.simulate`)."""
    from spikesim.backends.verilog import emit
    from spikesim.fpga.sim_host import simulate

    net = build(seed, n_trials, trial)
    design = emit(net.plan, work_dir, mem_dir=f"{work_dir}/")
    host = importlib.import_module("fpga_reward_learning").program  # by module name: the simulator unpickles it
    out = simulate(design, host, design, patterns(seed, n_trials), round(trial / net.dt))
    out["weights"] = ss.fixed.to_float(out["weights_raw"][design.syn_index[PROJ]], ss.fixed.WEIGHT)
    return out


def responses(counts: np.ndarray, pats: np.ndarray, trial: float, part: slice) -> tuple[float, float]:
    """Mean rate (Hz) of the neuron in the pattern-1 and pattern-2 trials of ``part``."""
    c, p = counts[part], pats[part]
    return tuple(float(c[p == k].mean() * 1000.0 / trial) if np.any(p == k) else float("nan") for k in (0, 1))


def plot(fixed: dict, hw: dict, pats: np.ndarray, trial: float, out) -> Any:
    """The learning curves (rate per trial, both backends, by pattern) and the final weights."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    k = np.arange(1, len(pats) + 1)
    for p, label in ((0, "pattern 1 (go)"), (1, "pattern 2 (no-go)")):
        sel = pats == p
        ax.plot(k[sel], fixed["counts"][sel] * 1000.0 / trial, "-", color=f"C{p}", label=f"{label}, jax_fixed")
        ax.plot(k[sel], hw["counts"][sel] * 1000.0 / trial, "o", color=f"C{p}", mfc="none", label=f"{label}, RTL")
    ax.set(xlabel="trial", ylabel="rate (Hz)", title="learning curve")
    ax.legend(fontsize=8)
    group = fixed["pre"] // (N_IN // 2)
    for p in (0, 1):
        bx.hist(hw["weights"][group == p], bins=24, range=(0, 12), alpha=0.6, color=f"C{p}", label=f"inputs of pattern {p + 1}")
    bx.set(xlabel="weight", ylabel="synapses", title="final weights (RTL)")
    bx.legend(fontsize=8)
    return save_figure(fig, out, "fpga_reward_learning.png")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=4000.0, help="the whole experiment in ms (default 4000)")
    p.add_argument("--trial", type=float, default=None, help="trial length in ms (default 100, or duration/2 if shorter)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the figure")
    args = p.parse_args(argv)
    trial = args.trial if args.trial is not None else min(100.0, args.duration / 2)
    n_trials = max(1, int(args.duration // trial))
    pats = patterns(args.seed, n_trials)
    fixed = run_jax_fixed(args.seed, n_trials, trial)
    with tempfile.TemporaryDirectory(prefix="fpga-reward-") as tmp:
        hw = run_hardware(args.seed, n_trials, trial, tmp)
    same_curve = bool(np.array_equal(fixed["counts"], hw["counts"]))
    same_weights = bool(np.array_equal(fixed["weights"], hw["weights"]))
    q = max(1, n_trials // 4)
    first, last = responses(fixed["counts"], pats, trial, slice(0, q)), responses(fixed["counts"], pats, trial, slice(-q, None))
    group = fixed["pre"] // (N_IN // 2)
    print(f"{n_trials} trials of {trial:g} ms; total reward {fixed['rewards'].sum():+.2f}")
    print(f"first {q} trials: {first[0]:.1f} Hz to pattern 1 (go), {first[1]:.1f} Hz to pattern 2 (no-go)")
    print(f"last {q} trials:  {last[0]:.1f} Hz to pattern 1 (go), {last[1]:.1f} Hz to pattern 2 (no-go)")
    print(f"mean weight from pattern-1 inputs {fixed['weights'][group == 0].mean():.3f}, "
          f"from pattern-2 inputs {fixed['weights'][group == 1].mean():.3f}")
    print(f"RTL learning curve identical to jax_fixed: {same_curve}; final weights identical: {same_weights}; "
          f"RTL counters {hw['counters']}")
    fig = plot(fixed, hw, pats, trial, args.out)
    return {"fixed": fixed, "hardware": hw, "identical": same_curve and same_weights, "first": first, "last": last,
            "figure": fig}


if __name__ == "__main__":
    main()
