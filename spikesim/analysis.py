"""Analysis of recorded spikes (numpy only): branching factors.

Both estimators read spikes as ``(times_ms, indices)`` (what :meth:`spikesim.Result.spikes`
returns) and bin them in steps of ``bin_ms`` (ms).
"""

from __future__ import annotations

import numpy as np

from .values import SpecError


def spike_matrix(times: np.ndarray, indices: np.ndarray, n: int, t_start: float, t_stop: float,
                 bin_ms: float) -> np.ndarray:
    """Spike counts per bin and neuron, shape (bins, n): bin k covers
    [t_start + k*bin_ms, t_start + (k+1)*bin_ms) (ms)."""
    if not bin_ms > 0:
        raise SpecError(f"bin_ms={bin_ms} must be > 0 ms")
    if not t_stop > t_start:
        raise SpecError(f"t_stop={t_stop} must be greater than t_start={t_start} ms")
    times, indices = np.asarray(times, float), np.asarray(indices, np.int64)
    n_bins = int(np.floor((t_stop - t_start) / bin_ms + 1e-9))
    k = np.floor((times - t_start) / bin_ms + 1e-9).astype(np.int64)
    keep = (k >= 0) & (k < n_bins)
    out = np.zeros((n_bins, n), np.int64)
    np.add.at(out, (k[keep], indices[keep]), 1)
    return out


def branching_factor(counts: np.ndarray) -> float:
    """Branching factor of a population activity ``counts`` (spikes per bin, shape (bins,) or
    (bins, n), summed over neurons): the least-squares slope of A(t+1) against A(t).

    For a branching process with immigration, ``E[A(t+1) | A(t)] = sigma * A(t) + h`` (each
    spike has on average sigma descendants in the next bin; h spikes come from outside), so the
    slope estimates sigma whatever the input rate (Wilting & Priesemann 2018, the
    "conventional" estimator under full sampling). The plain ratio ``mean A(t+1) / mean A(t)``
    would give 1 for any stationary activity."""
    a = np.asarray(counts, float)
    a = a.sum(axis=1) if a.ndim == 2 else a
    if a.ndim != 1 or a.size < 3:
        raise SpecError(f"counts: need at least 3 bins of population activity, got shape {np.shape(counts)}")
    x, y = a[:-1], a[1:]
    var = np.var(x)
    if var == 0:
        raise SpecError("counts: the activity is constant; the branching factor is undefined")
    return float(np.mean((x - x.mean()) * (y - y.mean())) / var)


def branching_factor_nalsm(counts: np.ndarray, pre: np.ndarray, post: np.ndarray, window: int = 4) -> float:
    """The branching factor of Ivanov & Michmizos 2021 (NALSM's ``compute_branching_factor.py``).

    ``counts``: spikes per 1-ms bin, shape (bins, n); ``pre``/``post``: the synapses inside the
    network (indices in 0..n-1). For each spike of neuron j at bin t, the ratio
    ``(spikes of j's postsynaptic neurons in bins t+1..t+window) /
    max(1, spikes of j's presynaptic neurons in bins t-window..t-1)``; averaged over j's spikes,
    then over the neurons that spiked (spikes closer than ``window`` bins to either end are
    skipped). 1 is the edge of chaos: a spike is followed by as many spikes downstream as
    preceded it upstream."""
    s = np.asarray(counts, float)
    pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
    if s.ndim != 2 or pre.shape != post.shape:
        raise SpecError(f"counts must be (bins, n) and pre/post of equal length; got {s.shape}, {pre.shape}, {post.shape}")
    if window < 1:
        raise SpecError(f"window={window} must be >= 1 bin")
    n_bins, n = s.shape
    cum = np.concatenate([np.zeros((1, n)), np.cumsum(s, axis=0)])
    t = np.arange(window, n_bins - window)
    back = cum[t] - cum[t - window]  # bins t-window .. t-1
    ahead = cum[t + 1 + window] - cum[t + 1]  # bins t+1 .. t+window
    adj = np.zeros((n, n))
    np.add.at(adj, (pre, post), 1.0)
    upstream = np.maximum(back @ adj, 1.0)  # [t, j]: spikes of j's presynaptic neurons
    downstream = ahead @ adj.T  # [t, j]: spikes of j's postsynaptic neurons
    fired = s[t] > 0
    n_fired = fired.sum(axis=0)
    ratio = np.where(fired, downstream / upstream, 0.0).sum(axis=0)
    spiking = n_fired > 0
    if not spiking.any():
        raise SpecError("counts: no neuron spiked away from the ends; the branching factor is undefined")
    return float(np.mean(ratio[spiking] / n_fired[spiking]))


def galton_watson(sigma: float, steps: int, immigration: float, rng: np.random.Generator,
                  start: int = 0) -> np.ndarray:
    """A Galton-Watson process with Poisson(sigma) offspring per individual and Poisson
    (``immigration``) immigrants per generation: the population of each generation (the test
    case of :func:`branching_factor`)."""
    a = np.empty(steps, np.int64)
    z = start
    for k in range(steps):
        z = rng.poisson(sigma * z) + rng.poisson(immigration)
        a[k] = z
    return a
