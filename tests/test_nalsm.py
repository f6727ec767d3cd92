"""NALSM (MODELS.md §6): the branching-factor estimators on processes with a known answer, and
the astrocyte's effect on a 1000-neuron liquid (``examples/nalsm.py`` holds the liquid)."""

from __future__ import annotations

import numpy as np
import pytest
from example_modules import load_example

import spikesim as ss
from spikesim import analysis


@pytest.mark.parametrize("sigma,steps,immigration,tol", [(0.8, 20000, 20.0, 0.02), (1.0, 3000, 5.0, 0.02),
                                                         (1.2, 60, 5.0, 0.02)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_branching_factor_of_galton_watson(sigma, steps, immigration, tol, seed):
    """A Galton-Watson process with Poisson(sigma) offspring and Poisson immigration: the slope
    of A(t+1) on A(t) recovers sigma (subcritical, critical and supercritical)."""
    a = analysis.galton_watson(sigma, steps, immigration, np.random.default_rng(seed))
    assert abs(analysis.branching_factor(a) - sigma) < tol
    if sigma < 1:  # the naive ratio of means is 1 for any stationary activity: no information
        assert abs(a[1:].mean() / a[:-1].mean() - 1.0) < 0.01


def test_branching_factor_nalsm_by_hand():
    """NALSM's per-spike ratio on a 4-neuron chain 0 -> 1 -> 2 -> 3 (window 2 bins)."""
    counts = np.zeros((12, 4), int)
    counts[3, 0] = 1  # neuron 0: upstream none (clipped to 1), downstream: neuron 1 in bins 4..5
    counts[4, 1] = 1  # neuron 1: upstream 1 (bin 3), downstream 2 spikes of neuron 2 in bins 5..6
    counts[5, 2] = counts[6, 2] = 1
    counts[9, 3] = 1  # neuron 3: upstream none within bins 7..8, downstream none (no targets)
    # neuron 2 fired at bins 5 and 6: upstream 1 (bin 4) each time, downstream 0 -> 0
    got = analysis.branching_factor_nalsm(counts, pre=[0, 1, 2], post=[1, 2, 3], window=2)
    assert got == pytest.approx(np.mean([1.0, 2.0, 0.0, 0.0]))


def test_spike_matrix_bins_and_bad_input():
    c = analysis.spike_matrix(np.array([0.0, 0.9, 1.0, 3.99, 4.0]), np.array([0, 0, 1, 1, 0]), 2, 0.0, 4.0, 1.0)
    np.testing.assert_array_equal(c, [[2, 0], [0, 1], [0, 0], [0, 1]])
    with pytest.raises(ss.SpecError, match="bin_ms"):
        analysis.spike_matrix(np.zeros(1), np.zeros(1, int), 1, 0.0, 1.0, 0.0)
    with pytest.raises(ss.SpecError, match="constant"):
        analysis.branching_factor(np.ones(10))
    with pytest.raises(ss.SpecError, match="window"):
        analysis.branching_factor_nalsm(np.zeros((5, 2)), [0], [1], window=0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_astrocyte_pulls_branching_factor_toward_one(seed):
    """MODELS.md §6: the NALSM liquid (1000 LIF neurons, 784 Poisson inputs at 10 Hz), 3 s of
    astrocyte-modulated STDP, then frozen: |sigma - 1| < 0.1, and closer to 1 than the same STDP
    without the astrocyte (2 s), which runs away (about 105 Hz, sigma about 1.45). Measured:
    sigma 1.021, 0.972, 1.004 (seeds 0, 1, 2; 14.6-15.1 Hz) against 1.45 (plain)."""
    nalsm = load_example("nalsm")
    astro = nalsm.experiment(seed, True, 3000.0)
    plain = nalsm.experiment(seed, False, 2000.0)
    assert plain["rate_hz"] > 60.0 and plain["sigma"] > 1.3  # runaway: every neuron near its maximal rate
    assert astro["rate_hz"] < 0.5 * plain["rate_hz"]
    assert abs(astro["sigma"] - 1.0) < 0.1, astro["sigma"]
    assert abs(astro["sigma"] - 1.0) < abs(plain["sigma"] - 1.0) - 0.1
