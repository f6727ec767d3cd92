"""Vogels & Abbott (2005) benchmarks (MODELS.md §2), via ``examples/cuba.py`` and ``examples/coba.py``.

Targets: CUBA rate 5.6-5.95 Hz (1 s); COBA excitatory rate 18.9-20.2 Hz,
dt = 0.1 and dt = 0.05 agreeing within 5%.

The 1-s rate of one network varies from seed to seed by more than the width of these ranges, in
Brian2 as much as in spikesim (measured over many seeds; see SPREAD), so the per-seed targets fail
for some seeds in both simulators. The tests therefore check the mean over six seeds: it must lie
in the range, widened by three standard errors of the mean (from Brian2's seed-to-seed spread).
The cross-simulator check (tests/test_brian2_parity.py) compares with Brian2 directly.
The spread is the model's, not a deviation: given the same connectivity and initial state (seed 3),
spikesim and Brian2 fire identical spikes (CUBA: the first 48.9 ms, 1110 spikes; COBA at dt = 0.1:
all 77917 spikes of the second) until a neuron passes within float32 rounding of the threshold
(9e-6 mV in CUBA).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from example_modules import load_example

cuba = load_example("cuba")
coba = load_example("coba")

SEEDS = tuple(range(6))
CUBA_RANGE = (5.6, 5.95)  # Hz, whole population
COBA_RANGE = (18.9, 20.2)  # Hz, excitatory neurons
# Standard deviation over seeds of the 1-s rate in Brian2 (cython, dt = 0.1 ms): CUBA over 60 seeds
# (mean 5.65 Hz; spikesim: 5.62 ± 0.21 Hz), COBA with Brian 1's initial conductances over 40 seeds
# (mean 19.36 Hz; spikesim: 19.16 ± 1.27 Hz). Only 42% (CUBA) and 28% (COBA) of Brian2's seeds,
# 52% and 35% of spikesim's, fall in the ranges above.
SPREAD = {"cuba": 0.26, "coba": 1.60}


@cache
def cuba_rate(seed: int) -> float:
    return cuba.build(seed).run(1000.0).rate("P")


@cache
def coba_exc_rate(seed: int, dt: float) -> float:
    res = coba.build(seed, dt).run(1000.0)
    return float(res.spike_counts("P")[: load_example("_vogels_abbott").GROUPS["excitatory"].stop].mean())


def within_standard_errors(rates: list[float], target: tuple[float, float], sd: float) -> bool:
    margin = 3.0 * sd / math.sqrt(len(rates))
    return target[0] - margin <= float(np.mean(rates)) <= target[1] + margin


def report(rates: dict) -> str:
    return ", ".join(f"seed {k}: {v:.3f} Hz" for k, v in rates.items())


def test_cuba_mean_rate_consistent_with_range():
    rates = {seed: cuba_rate(seed) for seed in SEEDS}
    assert within_standard_errors(list(rates.values()), CUBA_RANGE, SPREAD["cuba"]), report(rates)


def test_coba_mean_excitatory_rate_consistent_with_range():
    rates = {seed: coba_exc_rate(seed, 0.1) for seed in SEEDS}
    assert all(r > 1.0 for r in rates.values()), f"a network did not ignite: {report(rates)}"
    assert within_standard_errors(list(rates.values()), COBA_RANGE, SPREAD["coba"]), report(rates)


def test_coba_rate_converges_in_dt():
    coarse = np.mean([coba_exc_rate(seed, 0.1) for seed in SEEDS])
    fine = np.mean([coba_exc_rate(seed, 0.05) for seed in SEEDS])
    assert abs(coarse - fine) <= 0.05 * fine, f"mean excitatory rate {coarse:.3f} Hz (dt 0.1) vs {fine:.3f} Hz (dt 0.05)"
