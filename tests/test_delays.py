"""Delays and the delay ring: a spike sent in step s through a synapse of delay d arrives in step
s + d, however often the ring wraps around, however the run is chunked or split, and the ring as a
whole computes a dense causal conv1d of the input spikes with one-hot delay kernels."""

from __future__ import annotations

import numpy as np
import pytest

import spikesim as ss

# A neuron that spikes in exactly the steps in which a (big, positive) CurrentPulse input arrives:
# the one-step current lifts v from 0 far above threshold, the reset brings it back to exactly 0,
# and without input v stays at v_rest = 0. No refractory period, so it can spike in consecutive
# steps. (A Delta input would not do: as in Brian2, a Delta input arriving in the step after a
# spike is overwritten by the reset.)
DETECTOR = ss.LIF(tau_m=10.0, v_rest=0.0, v_thresh=1.0, v_reset=0.0)
DETECTOR_WEIGHT = 1e4  # mV: the pulse raises v by w * (1 - exp(-dt / tau_m)) >= 99 mV for dt >= 0.1 ms
# A neuron whose v is the running sum of its Delta inputs: tau_m = 1e9 ms makes the leak factor
# exp(-dt/tau_m) round to exactly 1.0 in float32, v_rest = 0 makes the drive exactly 0, and the
# threshold is out of reach.
INTEGRATOR = ss.LIF(tau_m=1e9, v_rest=0.0, v_thresh=1e9, v_reset=0.0)


def source_raster(rng: np.random.Generator, n_steps: int, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    steps, idx = np.nonzero(rng.random((n_steps, n)) < p)
    return steps, idx


def expected_arrivals(src_steps, src_idx, pre, post, delay, n_steps: int, n_post: int) -> np.ndarray:
    """Boolean raster (n_steps, n_post): step t of target j receives at least one spike."""
    out = np.zeros((n_steps, n_post), bool)
    for i, j, d in zip(pre, post, delay):
        t = src_steps[src_idx == i] + d
        out[t[t < n_steps], j] = True
    return out


def raster(res: ss.Result, name: str, n_steps: int, n: int, t0: float = 0.0) -> np.ndarray:
    times, idx = res.spikes(name)
    steps = np.rint((times - t0) / res.dt).astype(np.int64)
    np.testing.assert_allclose(times, (steps * res.dt) + t0, rtol=0, atol=1e-9)
    out = np.zeros((n_steps, n), bool)
    out[steps, idx] = True
    return out


def run_detectors(dt: float, n_src: int, n_tgt: int, pre, post, delay_steps, src_steps, src_idx, n_steps: int,
                  split: tuple[int, ...] | None = None, chunk_steps: int | None = None, **run_kw) -> np.ndarray:
    """Spike source -> detectors (CurrentPulse); the detectors' spike raster over ``n_steps``."""
    net = ss.Network(dt=dt, seed=0)
    S = net.add_spike_source("S", n_src, src_steps * dt, src_idx)
    T = net.add_population("T", n_tgt, DETECTOR)
    net.connect(S, T, ss.FromArrays(pre, post), synapse=ss.CurrentPulse(), weight=DETECTOR_WEIGHT,
                delay=np.asarray(delay_steps) * dt)
    net.record(T, "spikes")
    split = split or (n_steps,)
    assert sum(split) == n_steps
    chunk = None if chunk_steps is None else chunk_steps * dt
    parts = [net.run(k * dt, chunk=chunk, **run_kw) for k in split]
    np.testing.assert_allclose(net.t, n_steps * dt)
    starts = np.cumsum((0, *split[:-1]))
    for res, k0 in zip(parts, starts):
        assert res.t_start == pytest.approx(k0 * dt)
    return np.concatenate([raster(r, "T", k, n_tgt, t0=k0 * dt) for r, k, k0 in zip(parts, split, starts)])


@pytest.mark.parametrize("dt", [1.0, 0.1])
@pytest.mark.parametrize(("split", "chunk_steps"), [
    pytest.param(None, None, id="one-run"),
    pytest.param((101, 57, 142), 7, id="three-runs-chunk-7"),
])
def test_each_delay_arrives_exactly_d_steps_later(dt, split, chunk_steps):
    """One source fans out to D = 12 detectors with delays 1..12 steps; it fires repeatedly for
    300 steps, so the 12-row ring wraps around 25 times (also across chunks and runs)."""
    D, n_steps = 12, 300
    rng = np.random.default_rng(1)
    src_steps = np.flatnonzero(rng.random(n_steps) < 0.15)
    src_steps = np.union1d(src_steps, [0, 1, n_steps - D - 1, n_steps - 1])  # back-to-back, and at the edges
    delays = np.arange(1, D + 1)
    got = run_detectors(dt, 1, D, np.zeros(D, int), np.arange(D), delays, src_steps, np.zeros_like(src_steps),
                        n_steps, split=split, chunk_steps=chunk_steps)
    for j, d in enumerate(delays):
        expected = src_steps + d
        np.testing.assert_array_equal(np.flatnonzero(got[:, j]), expected[expected < n_steps], err_msg=f"delay {d}")


@pytest.mark.parametrize("run_kw", [
    pytest.param({"native": False}, id="xla"),
    pytest.param({"native": False, "spike_buffer": 1}, id="xla-buffer-1"),
    pytest.param({}, id="default"),
])
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_random_delays_from_many_sources(dt, run_kw):
    """Random synapses (several per pair, several sources per target) with delays 1..16 steps."""
    rng = np.random.default_rng(2)
    n_src, n_tgt, n_syn, n_steps, D = 15, 20, 80, 250, 16
    pre, post = rng.integers(0, n_src, n_syn), rng.integers(0, n_tgt, n_syn)
    delay = rng.integers(1, D + 1, n_syn)
    delay[:2] = (1, D)
    src_steps, src_idx = source_raster(rng, n_steps, n_src, 0.05)
    got = run_detectors(dt, n_src, n_tgt, pre, post, delay, src_steps, src_idx, n_steps, **run_kw)
    np.testing.assert_array_equal(got, expected_arrivals(src_steps, src_idx, pre, post, delay, n_steps, n_tgt))


def test_integrator_leak_is_exactly_one_in_float32():
    assert np.float32(np.exp(-0.1 / 1e9)) == np.float32(1.0)


def conv1d_reference(inputs: list[tuple[np.ndarray, dict]], n_steps: int, n_post: int, D: int) -> tuple[np.ndarray, ...]:
    """The arrivals as a dense causal conv1d: ``a[t] = sum_d x[t - d] @ W_d``, where ``W_d`` holds the
    weights of the synapses of delay d (one-hot delay kernels). Returns v (the running sum of the
    arrivals up to and including step t, i.e. the value recorded at the start of step t, after its
    arrivals), the same sum of the absolute contributions, and the number of contributions."""
    arrivals, scale, count = (np.zeros((n_steps, n_post)) for _ in range(3))
    for x, c in inputs:
        x = x.astype(np.float64)
        w = c["weight"].astype(np.float32).astype(np.float64)  # the ring holds float32 weights
        steps = np.rint(c["delay"] / 0.1).astype(int)
        for d in range(1, D + 1):
            W = np.zeros((x.shape[1], n_post))
            A = np.zeros((x.shape[1], n_post))
            sel = steps == d
            np.add.at(W, (c["pre"][sel], c["post"][sel]), w[sel])
            np.add.at(A, (c["pre"][sel], c["post"][sel]), np.abs(w[sel]))
            C = np.zeros((x.shape[1], n_post))
            np.add.at(C, (c["pre"][sel], c["post"][sel]), 1.0)
            arrivals[d:] += x[:-d] @ W
            scale[d:] += x[:-d] @ A
            count[d:] += x[:-d] @ C

    return np.cumsum(arrivals, axis=0), np.cumsum(scale, axis=0), np.cumsum(count, axis=0)


@pytest.mark.parametrize(("weights", "run_kw"), [
    pytest.param("integer", {"native": False}, id="integer-xla"),
    pytest.param("integer", {}, id="integer-default"),
    pytest.param("real", {}, id="real"),
])
def test_ring_equals_dense_causal_conv1d(weights, run_kw):
    """MODELS.md section 7. Poisson and spike-source input through random synapses with random delays
    into integrator neurons: the recorded v equals the numpy conv1d reference, bit for bit for
    integer weights (float32 sums of integers are exact), and within 1e-6 of the summed absolute
    contributions for real weights (each float32 addition errs by at most 2**-24 of that sum)."""
    rng = np.random.default_rng(4)
    dt, n_steps, D, n_post = 0.1, 400, 10, 12
    net = ss.Network(dt=dt, seed=9)
    P = net.add_poisson("P", 8, 250.0)
    s_steps, s_idx = source_raster(rng, n_steps, 5, 0.03)
    S = net.add_spike_source("S", 5, s_steps * dt, s_idx)
    T = net.add_population("T", n_post, INTEGRATOR, init={"v": 0.0})
    for src, n_syn in ((P, 40), (S, 25)):
        pre, post = rng.integers(0, src.n, n_syn), rng.integers(0, n_post, n_syn)
        w = rng.integers(-6, 7, n_syn).astype(float) if weights == "integer" else rng.normal(0.0, 3.0, n_syn)
        net.connect(src, T, ss.FromArrays(pre, post), synapse=ss.Delta(), weight=w,
                    delay=rng.integers(1, D + 1, n_syn) * dt, name=f"{src.name}->T")
    for pop in (P, S):
        net.record(pop, "spikes")
    net.record(T, "v")
    res = net.run(n_steps * dt, **run_kw)

    inputs = [(raster(res, name, n_steps, net.populations[name].n), net.connections(f"{name}->T")) for name in "PS"]
    assert all(x.sum() > 20 for x, _ in inputs)
    v_ref, scale, count = conv1d_reference(inputs, n_steps, n_post, D)
    times, v = res.state("T", "v")
    np.testing.assert_allclose(times, np.arange(n_steps) * dt, atol=1e-9)
    assert np.abs(v_ref).max() > 10
    if weights == "integer":
        np.testing.assert_array_equal(v.astype(np.float64), v_ref)
    else:
        err = np.abs(v - v_ref)
        assert np.all(err <= 2 * count * 2.0**-24 * scale)  # the rounding model: <= 2 float32 adds per arrival
        assert np.all(err <= 1e-6 * scale)
