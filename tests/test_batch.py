"""Batched runs (``ss.run_batch``): every member equals its own sequential run, on both push
paths, with inputs, parameter differences, recordings, plasticity, continuation, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import spikesim as ss

pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")

N = 300


def member(seed: int, tau_m: float = 20.0, w_e: float = 7.0, inputs: bool = True, plastic: bool = False,
           n: int = N) -> ss.Network:
    """A small CUBA-like network; its connectivity, initial v, Poisson input and noise depend on
    ``seed``. ``plastic`` makes the input projection STDP-plastic and records its weights."""
    net = ss.Network(dt=0.1, seed=seed)
    lif = ss.LIF(tau_m=tau_m, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=2.0)
    P = net.add_population("P", n, lif, init={"v": ss.Uniform(-60.0, -50.0)})
    net.connect(P[: 4 * n // 5], P, ss.FixedProbability(0.05), synapse=ss.ExpCurrent(tau=5.0), weight=w_e,
                delay=ss.Uniform(0.1, 2.0))
    net.connect(P[4 * n // 5:], P, ss.FixedProbability(0.05), synapse=ss.ExpCurrent(tau=10.0), weight=-30.0, delay=0.1)
    if inputs:
        X = net.add_poisson("X", 50, 30.0)
        rule = ss.STDP(a_plus=0.05, a_minus=0.06, w_min=0.0, w_max=4.0) if plastic else None
        # the same input connectivity in every member (a batch's plastic projections must agree)
        pre, post = np.nonzero(np.random.default_rng(0).random((50, n)) < 0.2)
        delay = np.random.default_rng(1).uniform(0.1, 1.0, pre.size)
        proj = net.connect(X, P, ss.FromArrays(pre, post), synapse=ss.ExpCurrent(tau=5.0), weight=2.0,
                           delay=delay, plasticity=rule)
        net.add_noise_current(P[: n // 2], std=1.5)
        net.add_step_current(P[n // 2:], [0.0, 40.0], [0.5, -0.5])
        net.record(X, "spikes")
        if plastic:
            net.record(proj, "weights", every=50)
    net.record(P, "spikes")
    net.record(P, "v", every=10)
    return net


def assert_equal_results(a: ss.Result, b: ss.Result, names=("P",)) -> None:
    for name in names:
        (ta, ia), (tb, ib) = a.spikes(name), b.spikes(name)
        assert ta.size == tb.size, f"{name}: {ta.size} vs {tb.size} spikes"
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_array_equal(ia, ib)
    for key in a.state_data:
        np.testing.assert_array_equal(a.state_data[key][1], b.state_data[key][1])
    for key in a.weight_data:
        np.testing.assert_array_equal(a.weight_data[key][1], b.weight_data[key][1])


def test_members_equal_sequential_runs(native=None):
    """Members differing in seed (connectivity, v0, Poisson, noise), tau_m and weight: each one
    fires exactly the spikes of its own run, and continues exactly in a second batch. (The XLA
    push path is checked in test_xla_path_reruns_on_overflow.)"""
    specs = [(1, 20.0, 7.0), (2, 15.0, 6.0), (3, 25.0, 8.0)]  # seed, tau_m, w_e
    nets = [member(*s) for s in specs]
    first = ss.run_batch(nets, 60.0, native=native, chunk=20.0)  # one chunk length: one compile per network
    second = ss.run_batch(nets, 40.0, native=native, chunk=20.0)
    assert all(n.t == pytest.approx(100.0) for n in nets)
    for s, r1, r2 in zip(specs, first, second):
        ref = member(*s)
        assert_equal_results(r1, ref.run(60.0, native=native, chunk=20.0), ("P", "X"))
        assert_equal_results(r2, ref.run(40.0, native=native, chunk=20.0), ("P", "X"))
        assert r1.spikes("P")[0].size > 100  # the network is active
    counts = [r.spikes("P")[0].size for r in first]
    assert len(set(counts)) == 3  # and the members really differ
    # a member continues on its own from its batch state
    alone = nets[1].run(20.0, chunk=20.0)
    ref = member(*specs[1])
    ref.run(100.0, native=native, chunk=20.0)
    assert_equal_results(alone, ref.run(20.0, chunk=20.0))


def test_xla_path_reruns_on_overflow():
    """The XLA push has no fallback under vmap: an overflowing spike buffer re-runs the chunk."""
    nets = [member(s, tau_m=t) for s, t in ((4, 20.0), (5, 10.0))]
    res = ss.run_batch(nets, 30.0, native=False, spike_buffer=4, chunk=30.0)
    assert res[0].info["reruns"] >= 1
    assert res[0].info["spike_buffer"][0] > 4
    for (s, t), r in zip(((4, 20.0), (5, 10.0)), res):
        assert_equal_results(r, member(s, tau_m=t).run(30.0, native=False, chunk=30.0), ("P", "X"))


def test_plastic_members():
    """STDP on every member (weights recorded): equal to the sequential runs, weights included."""
    nets = [member(s, plastic=True) for s in (6, 7)]
    res = ss.run_batch(nets, 50.0)
    for s, r, net in zip((6, 7), res, nets):
        ref = member(s, plastic=True)
        assert_equal_results(r, ref.run(50.0), ("P", "X"))
        name = next(iter(r.weight_data))
        np.testing.assert_array_equal(net.connections(name)["weight"], ref.connections(name)["weight"])
        assert not np.allclose(net.connections(name)["weight"], 2.0)  # the weights did change


def test_batch_errors():
    a, b = member(1), member(2, n=200)
    with pytest.raises(ss.SpecError, match="differs from member 0 in its populations"):
        ss.run_batch([a, b], 10.0)
    with pytest.raises(ss.SpecError, match="non-empty sequence"):
        ss.run_batch([], 10.0)
    c = member(3)
    with pytest.raises(ss.SpecError, match="appears twice"):
        ss.run_batch([c, c], 10.0)
    with pytest.raises(ss.SpecError, match="duration=-1"):
        ss.run_batch([member(4), member(5)], -1.0)
    d, e = member(6), member(7)
    d.run(1.0)
    with pytest.raises(ss.SpecError, match="member 0 has already run on its own"):
        ss.run_batch([d, e], 10.0)
    f, g = member(8), member(9)
    g.records.pop()  # drop the v recording of member 1
    with pytest.raises(ss.SpecError, match="recordings of a batch must be the same"):
        ss.run_batch([f, g], 10.0)
    h, i = member(10, inputs=False), member(11, inputs=False)
    i.add_population("Q", 5, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0))
    with pytest.raises(ss.SpecError, match="populations"):
        ss.run_batch([h, i], 10.0)


def test_batch_too_big_fails_early_with_estimate(monkeypatch):
    """The batch's device state is estimated before anything is built or compiled."""
    import importlib

    nets = [member(s, inputs=False) for s in (12, 13)]
    for n in nets:
        _ = n.plan  # lowering has its own check; this one is about the batch's state
    monkeypatch.setattr(importlib.import_module("spikesim.lower"), "available_memory", lambda: 10_000)
    with pytest.raises(ss.SpecError, match=r"the JAX state of this batch of 2 networks needs about .* GiB, but only"):
        ss.run_batch(nets, 10.0)
    assert all(n._runner is None for n in nets)
