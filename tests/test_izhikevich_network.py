"""The 1000-neuron network of Izhikevich (2003), net.m (MODELS.md §1), via ``examples/izhikevich_2003.py``.

1. With net.m's numerics (1-ms step, two v half-steps, CurrentPulse synapses), 5 s and three
   seeds: excitatory rate 7.0-7.8 Hz, inhibitory 6.3-7.2 Hz, population spectrum peak 6-10 Hz.
2. Order of operations: with the thalamic noise replaced by a frozen per-neuron current, spikesim
   and a line-by-line numpy transcription of net.m fire exactly the same spikes until float32
   rounding (spikesim) and float64 (numpy) part the chaotic trajectories.
"""

from __future__ import annotations

import numpy as np
import pytest
from example_modules import load_example

izh = load_example("izhikevich_2003")

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[int, dict]:
    out = tmp_path_factory.mktemp("izhikevich_2003")
    return {seed: izh.main(["--duration", "5000", "--seed", str(seed), "--out", str(out)]) for seed in SEEDS}


def test_excitatory_rate(measured):
    rates = {seed: round(m["rates"]["excitatory"], 3) for seed, m in measured.items()}
    assert all(7.0 <= r <= 7.8 for r in rates.values()), f"excitatory rates (Hz) by seed: {rates}"


def test_inhibitory_rate(measured):
    rates = {seed: round(m["rates"]["inhibitory"], 3) for seed, m in measured.items()}
    assert all(6.3 <= r <= 7.2 for r in rates.values()), f"inhibitory rates (Hz) by seed: {rates}"


def test_population_spectrum_peak(measured):
    peaks = {seed: m["spectrum_peak"] for seed, m in measured.items()}
    assert all(6.0 <= f <= 10.0 for f in peaks.values()), f"spectrum peaks (Hz) by seed: {peaks}"


def netm_spike_steps(params: dict[str, np.ndarray], s: np.ndarray, i_const: np.ndarray, n_steps: int) -> list[set]:
    """net.m's loop, verbatim but for the input: ``I = i_const`` instead of the thalamic noise.
    Returns, for each spikesim step k, the neurons that net.m finds fired at its iteration k + 1."""
    a, b, c, d = (params[k] for k in "abcd")
    v = np.full(a.size, -65.0)
    u = b * v
    fired_at = []
    for t in range(n_steps + 1):
        fired = np.flatnonzero(v >= 30)
        if t > 0:
            fired_at.append(set(fired.tolist()))
        v[fired] = c[fired]
        u[fired] = u[fired] + d[fired]
        i = i_const + s[:, fired].sum(axis=1)
        v = v + 0.5 * (0.04 * v**2 + 5 * v + 140 - u + i)
        v = v + 0.5 * (0.04 * v**2 + 5 * v + 140 - u + i)
        u = u + a * (b * v - u)
    return fired_at


def test_same_spikes_as_netm_transcription():
    n_steps = 80  # the trajectories stay identical for ~100-120 steps (5000+ spikes) in these seeds
    i_const = np.random.default_rng(7).normal(3.0, 4.0, izh.N_EXC + izh.N_INH)
    net, pop = izh.build(seed=0, noise=False, i_offset=i_const)
    conn = net.connections(next(iter(net.projections)))
    s = np.zeros((pop.n, pop.n))
    s[conn["post"], conn["pre"]] = conn["weight"]
    expected = netm_spike_steps(net.plan.pop("P").params, s, i_const, n_steps)

    times, idx = net.run(float(n_steps)).spikes("P")
    steps = np.rint(times / net.dt).astype(int)
    got = [set(idx[steps == k].tolist()) for k in range(n_steps)]
    assert sum(map(len, expected)) > 1000
    first_difference = next((k for k in range(n_steps) if got[k] != expected[k]), None)
    k = first_difference
    assert k is None, f"step {k}: spikesim fired {got[k]}, net.m {expected[k]}"
