"""NALSM (Ivanov & Michmizos 2021): astrocyte-modulated STDP initialises a liquid; its branching
factor with and without the astrocyte.

The liquid of combra-lab/NALSM (``generate_spatial_network.py``, ``NALSM_LIF_v1.py``), dt = 1 ms:

* 1000 LIF neurons on a 10x10x10 grid (unit spacing, positions shuffled), 800 excitatory and
  200 inhibitory; synapse i -> j with probability ``C * exp(-(d_ij / 3)^2)``, C = 0.2 (E->E),
  0.1 (E->I), 0.3 (I->E), 0.05 (I->I), no autapses; all weights start at the bound, +3 (E) and
  -3 (I).
* ``v <- v - v/64 + sum of synaptic currents``; threshold 20, reset to 0; after a spike the
  neuron cannot fire for the next 2 steps (spikesim ``t_ref = 3 ms``). A presynaptic spike adds
  the current ``w exp(-k/tau_u) / tau_u`` in the k-th step after it (k = 0, 1, ...), tau_u = 1 or
  2 ms per postsynaptic neuron: in total ``w / (tau_u (1 - exp(-1/tau_u)))``, 1.58 w or 1.27 w.
  spikesim delivers that charge at once (a ``Delta`` synapse of one step with the weight w and a
  threshold ``20 / 1.58`` or ``20 / 1.27``), which drops only the 1-2 ms smear of the current.
* Input: ``N_INPUTS`` Poisson sources (NALSM: 784 MNIST pixels) each connected to a liquid neuron
  with probability 0.15, weights +3 or -3 at random.
* Plasticity (MODELS.md §6): ``dw = 0.15 x_pre S_post - A x_post S_pre`` on excitatory and input
  synapses, the signs swapped on inhibitory ones, traces ``x <- lambda (x + 0.1 S)``, tau = 10 ms;
  bounds E [0, 3], I [-3, 0], input [-3, 3]. With the astrocyte,
  ``A <- A + (0.015 (liquid spikes - input spikes) + 0.15 - A) / 100`` each step; without it
  ("LSM+STDP"), A stays at its baseline 0.15 (the same STDP with equal rates).

Plasticity runs for the initialisation; then the liquid is frozen and the branching factor
sigma is measured on its spikes: NALSM's estimator (``spikesim.analysis.branching_factor_nalsm``:
spikes of a neuron's targets in the 4 ms after each of its spikes over the spikes of its sources
in the 4 ms before) and, for comparison, the population regression estimator on 4-ms bins.

Prints sigma, the liquid rate and A for both liquids; writes sigma, the rate and A over the
initialisation and a raster of each frozen liquid.
Usage: ``python examples/nalsm.py --duration 3000 --seed 0`` (duration = initialisation, ms).
"""

from __future__ import annotations

import math
import time

import matplotlib.pyplot as plt
import numpy as np
from _common import parse_args, save_figure

import spikesim as ss
from spikesim import analysis

GRID = (10, 10, 10)
N_EXC = 800
C_EE, C_EI, C_IE, C_II = 0.2, 0.1, 0.3, 0.05  # E->E, E->I, I->E, I->I
LAMBDA_CONN = 3.0  # grid units
TAU_V, V_THRESH, T_REF = 64.0, 20.0, 3.0  # ms, mV, ms
W_MAX = 3.0
P_INPUT = 0.15
N_INPUTS, INPUT_RATE_HZ = 784, 10.0  # MNIST's pixel count; a Poisson rate that keeps the liquid near 15 Hz
STDP_TAU = 10.0  # ms
LAMBDA_TRACE = math.exp(-1.0 / STDP_TAU)
A_PLUS, A_MINUS = 0.15, 1.0  # NALSM's potentiation rate; the depression rate is a_minus * A
ASTRO_W, ASTRO_BIAS, ASTRO_TAU = 0.015, 0.15, 100.0
WINDOW = 4  # bins (ms) of NALSM's branching-factor estimator
CHUNK = 1000.0  # ms per run call (one compiled chunk length for the whole experiment)


def liquid_synapses(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The liquid's synapses (pre, post) in the order excitatory 0..799, inhibitory 800..999."""
    n = int(np.prod(GRID))
    pos = np.stack(np.unravel_index(rng.permutation(n), GRID), axis=1).astype(float)
    exc = np.arange(n) < N_EXC
    d2 = ((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1)
    c = np.where(exc[:, None], np.where(exc[None, :], C_EE, C_EI), np.where(exc[None, :], C_IE, C_II))
    p = c * np.exp(-d2 / LAMBDA_CONN**2)
    np.fill_diagonal(p, 0.0)
    return np.nonzero(rng.random((n, n)) < p)


def build(seed: int, astrocyte: bool, n_inputs: int = N_INPUTS, rate_hz: float = INPUT_RATE_HZ):
    """The NALSM liquid with its input and plastic synapses; returns (net, pre, post) with the
    liquid's internal synapses (pre, post) for the branching factor."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(GRID))
    tau_u = rng.integers(1, 3, n).astype(float)
    charge = -1.0 / (tau_u * np.expm1(-1.0 / tau_u))  # sum over k >= 0 of exp(-k/tau_u)/tau_u
    pre, post = liquid_synapses(rng)
    net = ss.Network(dt=1.0, seed=seed)
    liquid = net.add_population("liquid", n, ss.LIF(tau_m=TAU_V, v_rest=0.0, v_thresh=V_THRESH / charge,
                                                     v_reset=0.0, t_ref=T_REF))
    inputs = net.add_poisson("input", n_inputs, rate_hz)
    astro = (net.add_astrocyte("A", liquid=liquid, inputs=inputs, w_astro=ASTRO_W, bias=ASTRO_BIAS, tau=ASTRO_TAU)
             if astrocyte else None)
    a_minus = 0.1 * LAMBDA_TRACE * (A_MINUS if astrocyte else ASTRO_BIAS)  # NALSM's traces are 0.1*lambda x ours

    def stdp(w_min: float, w_max: float, sign: int) -> ss.STDP:
        return ss.STDP(a_plus=0.1 * LAMBDA_TRACE * A_PLUS, a_minus=a_minus, tau_pre=STDP_TAU, tau_post=STDP_TAU,
                       w_min=w_min, w_max=w_max, modulator=astro, sign=sign)

    e = pre < N_EXC
    net.connect(liquid, liquid, ss.FromArrays(pre[e], post[e]), ss.Delta(), weight=W_MAX,
                plasticity=stdp(0.0, W_MAX, 1), name="exc")
    net.connect(liquid, liquid, ss.FromArrays(pre[~e], post[~e]), ss.Delta(), weight=-W_MAX,
                plasticity=stdp(-W_MAX, 0.0, -1), name="inh")
    i_in, j_in = np.nonzero(rng.random((n_inputs, n)) < P_INPUT)
    net.connect(inputs, liquid, ss.FromArrays(i_in, j_in), ss.Delta(), weight=W_MAX * rng.choice([-1.0, 1.0], i_in.size),
                plasticity=stdp(-W_MAX, W_MAX, 1), name="inp")
    net.record(liquid)
    return net, pre, post


def sigma(res: ss.Result, pre: np.ndarray, post: np.ndarray) -> tuple[float, float]:
    """(NALSM's sigma, the regression sigma on 4-ms bins) of the liquid's spikes in ``res``."""
    t, i = res.spikes("liquid")
    n = res.sizes["liquid"]
    counts = analysis.spike_matrix(t, i, n, res.t_start, res.t_stop, 1.0)
    coarse = analysis.spike_matrix(t, i, n, res.t_start, res.t_stop, float(WINDOW))
    return analysis.branching_factor_nalsm(counts, pre, post, WINDOW), analysis.branching_factor(coarse)


def experiment(seed: int, astrocyte: bool, init_ms: float, chunk_ms: float = CHUNK, **kw) -> dict:
    """Initialise with plasticity for ``init_ms`` (in chunks), freeze, run one more chunk and
    measure. Returns the traces per chunk (t, rate, A, sigma) and the frozen liquid's numbers."""
    net, pre, post = build(seed, astrocyte, **kw)
    trace = {"t": [], "rate": [], "A": [], "sigma": []}
    while net.t < init_ms - 1e-9:
        res = net.run(chunk_ms)
        trace["t"].append(net.t)
        trace["rate"].append(res.rate("liquid"))
        trace["A"].append(float(net.modulator_value("A")[0]) if astrocyte else ASTRO_BIAS)
        trace["sigma"].append(sigma(res, pre, post)[0])
    for proj in net.projections.values():
        proj.plastic = False
    res = net.run(chunk_ms)
    s_nalsm, s_reg = sigma(res, pre, post)
    weights = {k: float(net.connections(k)["weight"].mean()) for k in ("exc", "inh", "inp")}
    return {"trace": trace, "sigma": s_nalsm, "sigma_regression": s_reg, "rate_hz": res.rate("liquid"),
            "weights": weights, "result": res}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, duration=3000.0)
    chunk = min(CHUNK, args.duration)
    out = {}
    for label, astro in (("astrocyte", True), ("plain STDP", False)):
        t0 = time.time()
        out[label] = r = experiment(args.seed, astro, args.duration, chunk)
        print(f"{label:>10}: sigma = {r['sigma']:.3f} (NALSM estimator), {r['sigma_regression']:.3f} (regression); "
              f"liquid rate {r['rate_hz']:.1f} Hz; mean weights " + ", ".join(f"{k} {v:+.2f}" for k, v in r["weights"].items())
              + f" [{time.time() - t0:.0f} s]")
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for label, r in out.items():
        tr = r["trace"]
        axes[0, 0].plot(np.asarray(tr["t"]) / 1000, tr["sigma"], "o-", label=label)
        axes[0, 1].plot(np.asarray(tr["t"]) / 1000, tr["rate"], "o-", label=label)
    axes[0, 0].axhline(1.0, color="k", lw=0.8, ls="--")
    axes[0, 0].set(xlabel="initialisation time (s)", ylabel="sigma (NALSM estimator)", title="branching factor")
    axes[0, 1].set(xlabel="initialisation time (s)", ylabel="liquid rate (Hz), solid", yscale="log")
    tr = out["astrocyte"]["trace"]
    twin = axes[0, 1].twinx()
    twin.plot(np.asarray(tr["t"]) / 1000, tr["A"], "s--", color="C2", label="A (astrocyte)")
    twin.set(ylabel="astrocyte A (depression rate), dashed")
    axes[0, 0].legend()
    for ax, (label, r) in zip(axes[1], out.items()):
        t, i = r["result"].spikes("liquid")
        ax.plot(t, i, ",k")
        ax.set(title=f"frozen liquid, {label}: sigma = {r['sigma']:.2f}", xlabel="t (ms)", ylabel="neuron")
    save_figure(fig, args.out, "nalsm.png")
    return out


if __name__ == "__main__":
    main()
