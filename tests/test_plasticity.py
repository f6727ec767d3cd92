"""Exact checks of the plasticity rules (MODELS.md §3, §5): closed forms on independent synapses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from plasticity_helpers import forced_post, synapse_run

import spikesim as ss

RULE = ss.STDP(a_plus=0.01, a_minus=0.012, tau_pre=20.0, tau_post=30.0, w_min=0.0, w_max=1.0)


@pytest.mark.parametrize("precision,dt,rtol", [("float64", 0.1, 1e-9), ("float32", 1.0, 1e-5)])
def test_pair_window(precision, dt, rtol):
    lags = np.concatenate([-np.arange(1, 101), np.arange(1, 101)]).astype(float)
    pre, post = [], []
    for lag in lags:  # pre at 150 ms, post at 150 + lag
        pre.append(np.array([150.0]))
        post.append(np.array([150.0 + lag]))
    rule = ss.STDP(a_plus=0.01, a_minus=0.012, tau_pre=20.0, tau_post=30.0, w_min=-1.0, w_max=1.0)
    w, _, res = synapse_run(rule, pre, post, dt=dt, precision=precision, w0=0.0)  # w0 = 0: w is the change itself
    assert res.spikes("post")[0].size == lags.size  # every post neuron fired exactly once
    np.testing.assert_allclose(w, ss.pair_window(rule, lags), rtol=rtol, atol=0)


def test_simultaneous_spikes_count_as_causal():
    w, _, _ = synapse_run(RULE, [np.array([20.0])], [np.array([20.0])])
    assert w[0] - 0.5 == pytest.approx(0.01, rel=1e-12)


@pytest.mark.parametrize("pairing,expected", [
    ("all", 0.01 * (math.exp(-5 / 20) + math.exp(-15 / 20))),
    ("nearest", 0.01 * math.exp(-5 / 20)),
])
def test_pairing_schemes_two_pre_one_post(pairing, expected):
    rule = ss.STDP(a_plus=0.01, a_minus=0.0, tau_pre=20.0, tau_post=20.0, pairing=pairing)
    w, _, _ = synapse_run(rule, [np.array([10.0, 20.0])], [np.array([25.0])])
    assert w[0] - 0.5 == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("pairing,expected", [
    ("all", -0.012 * (math.exp(-5 / 30) + math.exp(-15 / 30))),
    ("nearest", -0.012 * math.exp(-5 / 30)),
])
def test_pairing_schemes_two_post_one_pre(pairing, expected):
    rule = ss.STDP(a_plus=0.0, a_minus=0.012, tau_pre=20.0, tau_post=30.0, pairing=pairing)
    w, _, _ = synapse_run(rule, [np.array([25.0])], [np.array([10.0, 20.0])])
    assert w[0] - 0.5 == pytest.approx(expected, rel=1e-12)


def test_multiplicative_soft_bounds():
    rule = ss.STDP(a_plus=0.1, a_minus=0.2, tau_pre=20.0, tau_post=20.0, w_min=0.0, w_max=2.0,
                   dependence="multiplicative")
    w, _, _ = synapse_run(rule, [np.array([10.0]), np.array([20.0])], [np.array([15.0]), np.array([10.0])], w0=0.5)
    assert w[0] == pytest.approx(0.5 + 0.1 * (2.0 - 0.5) * math.exp(-5 / 20), rel=1e-12)
    assert w[1] == pytest.approx(0.5 - 0.2 * 0.5 * math.exp(-10 / 20), rel=1e-12)


def test_hard_bounds_clip():
    rule = ss.STDP(a_plus=0.5, a_minus=0.5, tau_pre=20.0, tau_post=20.0, w_min=0.2, w_max=0.7)
    w, _, _ = synapse_run(rule, [np.array([10.0]), np.array([20.0])], [np.array([10.5]), np.array([19.5])], w0=0.5)
    np.testing.assert_allclose(w, [0.7, 0.2])


def test_delay_shifts_the_window():
    """A synapse of delay d sees the pre spike d - 1 steps later (Brian2's delay (d-1)*dt)."""
    dt, d = 0.1, 7
    w, _, _ = synapse_run(RULE, [np.array([10.0]), np.array([10.0])], [np.array([15.0]), np.array([10.3])],
                          dt=dt, delay=d * dt)
    lag = np.array([15.0, 10.3]) - (10.0 + (d - 1) * dt)
    np.testing.assert_allclose(w - 0.5, ss.pair_window(RULE, lag), rtol=1e-9)


def test_heterogeneous_delays_on_one_neuron():
    """One presynaptic neuron, five targets with delays 1..5 ms, post spikes at fixed times."""
    dt = 1.0
    net = ss.Network(dt=dt, seed=0, precision="float64")
    pre = net.add_spike_source("pre", 1, times=[10.0], indices=[0])
    post = forced_post(net, "post", 5, [np.array([13.0])] * 5)
    delays = np.arange(1, 6) * dt
    net.connect(pre, post, ss.FromArrays(np.zeros(5, int), np.arange(5)), ss.Delta(), weight=0.5,
                delay=delays, plasticity=RULE, name="p")
    net.run(30.0)
    arrive = 10.0 + delays - dt
    np.testing.assert_allclose(net.connections("p")["weight"] - 0.5, ss.pair_window(RULE, 13.0 - arrive), rtol=1e-9)


def test_triplet_increments_by_hand():
    """Pre at 10, post at 15 and 20, pre at 30 (all-to-all): each update computed by hand."""
    r = ss.TripletSTDP(a2_plus=5e-3, a3_plus=6e-3, a2_minus=7e-3, a3_minus=2e-3, tau_plus=16.8, tau_minus=33.7,
                       tau_x=101.0, tau_y=125.0, w_min=-10, w_max=10)
    w, _, _ = synapse_run(r, [np.array([10.0, 30.0])], [np.array([15.0, 20.0])], w0=0.0)
    e = math.exp
    dw1 = e(-5 / 16.8) * (5e-3 + 6e-3 * 0.0)  # post at 15: r1 = e^{-5/16.8}, o2 before jump = 0
    dw2 = (e(-10 / 16.8)) * (5e-3 + 6e-3 * e(-5 / 125))  # post at 20: o2 = e^{-5/125}
    o1 = e(-15 / 33.7) + e(-10 / 33.7)
    r2 = e(-20 / 101)  # before the jump of the pre spike at 30
    dw3 = -o1 * (7e-3 + 2e-3 * r2)
    assert w[0] == pytest.approx(dw1 + dw2 + dw3, rel=1e-12)


def test_plasticity_switch_between_runs():
    net = ss.Network(dt=0.1, seed=0, precision="float64")
    src = net.add_spike_source("pre", 1, times=[10.0, 50.0, 90.0], indices=[0, 0, 0])
    post = forced_post(net, "post", 1, [np.array([15.0, 55.0, 95.0])])
    rule = ss.STDP(a_plus=0.01, a_minus=0.0, tau_pre=20.0, tau_post=20.0, pairing="nearest")
    proj = net.connect(src, post, ss.OneToOne(), ss.Delta(), weight=0.5, plasticity=rule, name="p")
    net.run(40.0)
    w1 = net.connections("p")["weight"][0]
    assert w1 == pytest.approx(0.5 + 0.01 * math.exp(-5 / 20), rel=1e-12)
    proj.plastic = False
    net.run(40.0)
    assert net.connections("p")["weight"][0] == w1
    proj.plastic = True
    net.run(40.0)
    assert net.connections("p")["weight"][0] == pytest.approx(w1 + 0.01 * math.exp(-5 / 20), rel=1e-12)


def test_weights_recorded_and_chunking_invariant():
    rng = np.random.default_rng(0)
    pre = [np.sort(rng.choice(np.arange(1, 400), 20, replace=False)) * 0.5 for _ in range(6)]
    post = [np.sort(rng.choice(np.arange(1, 400), 20, replace=False)) * 0.5 for _ in range(6)]
    w_a, _, res_a = synapse_run(RULE, pre, post, precision="float32", record_every=10, duration=250.0)
    w_b, _, res_b = synapse_run(RULE, pre, post, precision="float32", record_every=10, duration=250.0, chunk=7.3)
    np.testing.assert_array_equal(w_a, w_b)
    np.testing.assert_array_equal(res_a.weights("plastic")[1], res_b.weights("plastic")[1])
    assert not np.allclose(w_a, 0.5)


def test_work_scales_with_spikes_buffers_overflow_exactly():
    """Many arrivals in one step overflow the compacted row buffer; the fallback is exact."""
    n = 200
    pre = [np.array([10.0])] * n
    post = [np.array([12.0])] * n
    w, _, res = synapse_run(RULE, pre, post)
    np.testing.assert_allclose(w - 0.5, ss.pair_window(RULE, np.full(n, 2.0)), rtol=1e-9)
    assert res.info["fallback_steps"] >= 1


# ---------------------------------------------------------------- three-factor
def _three_factor_net(mod_kwargs: dict, every: float = 1.0, lr: float = 1.0):
    net = ss.Network(dt=1.0, seed=0, precision="float64")
    src = net.add_spike_source("pre", 2, times=[10.0, 10.0], indices=[0, 1])
    post = forced_post(net, "post", 2, [np.array([12.0]), np.array([12.0])])
    mod = net.add_modulator("M", **mod_kwargs)
    hebb = ss.STDP(a_plus=0.1, a_minus=0.0, tau_pre=20.0, tau_post=20.0)
    rule = ss.ThreeFactor(hebb, mod, tau_e=50.0, every=every, lr=lr, w_min=-5, w_max=5)
    net.connect(src, post, ss.OneToOne(), ss.Delta(), weight=0.0, plasticity=rule, name="p")
    return net


def test_three_factor_signal_function_and_closed_form():
    """e jumps by 0.1 e^{-2/20} at t=12 and decays by e^{-1/50} per update; with M = 1 from
    t = 20 ms, w(t) = sum over updates of e."""
    net = _three_factor_net({"signal": lambda t: 1.0 if t >= 20.0 else 0.0})
    net.run(60.0)
    e0 = 0.1 * math.exp(-2 / 20)
    # updates happen at the end of steps 12..59; e after the update at step 12 is e0*q, ...
    q = math.exp(-1 / 50)
    expected = sum(e0 * q ** (k - 12) for k in range(20, 60))
    np.testing.assert_allclose(net.connections("p")["weight"], expected, rtol=1e-12)


def test_three_factor_per_neuron_array_signal():
    sig = np.zeros((100, 2))
    sig[30:, 0] = 1.0
    sig[30:, 1] = -2.0
    net = _three_factor_net({"signal": sig})
    net.run(40.0)
    w = net.connections("p")["weight"]
    assert w[0] > 0 and w[1] == pytest.approx(-2 * w[0], rel=1e-12)


def test_three_factor_reward_between_runs():
    net = _three_factor_net({"tau": 20.0})
    net.run(30.0)
    assert np.all(net.connections("p")["weight"] == 0.0)
    net.reward("M", 1.0)  # delivered at the start of the next run (t = 30 ms)
    net.run(30.0)
    e30 = 0.1 * math.exp(-2 / 20) * math.exp(-1 / 50) ** (30 - 12)
    q, d = math.exp(-1 / 50), math.exp(-1 / 20)
    expected = sum(e30 * q ** (k - 30) * d ** (k - 30) for k in range(30, 60))
    np.testing.assert_allclose(net.connections("p")["weight"], expected, rtol=1e-12)


def test_three_factor_modulator_released_by_population_spikes():
    net = ss.Network(dt=1.0, seed=0, precision="float64")
    src = net.add_spike_source("pre", 1, times=[10.0], indices=[0])
    post = forced_post(net, "post", 1, [np.array([12.0])])
    da_src = net.add_spike_source("da_cells", 3, times=[20.0, 20.0, 25.0], indices=[0, 1, 2])
    mod = net.add_modulator("DA", tau=math.inf, source=da_src, per_spike=0.5)
    rule = ss.ThreeFactor(ss.STDP(a_plus=0.1, a_minus=0.0), mod, tau_e=1e9, every=1.0, w_min=-5, w_max=5)
    net.connect(src, post, ss.OneToOne(), ss.Delta(), weight=0.0, plasticity=rule, name="p")
    net.run(40.0)
    e0 = 0.1 * math.exp(-2 / 20) * math.exp(-1 / 1e9) ** 0  # tau_e huge: e stays ~e0
    expected = e0 * (1.0 * (25 - 20) + 1.5 * (40 - 25))
    assert net.connections("p")["weight"][0] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,match", [
    ({"a_plus": -0.1}, "a_plus=-0.1"),
    ({"a_minus": -1.0}, "a_minus=-1.0"),
    ({"w_min": 1.0, "w_max": 0.5}, "w_min=1.0 is greater than w_max=0.5"),
    ({"tau_pre": 0.0}, "tau_pre=0.0"),
    ({"pairing": "first"}, "pairing='first'"),
    ({"dependence": "log"}, "dependence='log'"),
])
def test_bad_stdp_parameters(kwargs, match):
    with pytest.raises(ss.SpecError, match=match):
        ss.STDP(**kwargs)


def test_bad_plasticity_inputs():
    net = ss.Network(dt=1.0)
    a = net.add_population("a", 3, ss.LIF(tau_m=10.0, v_rest=0.0, v_thresh=1.0, v_reset=0.0))
    with pytest.raises(ss.SpecError, match="is not a plasticity rule"):
        net.connect(a, a, ss.AllToAll(), plasticity="stdp")
    src = net.add_spike_source("src", 2, times=[], indices=[])
    with pytest.raises(ss.SpecError, match="spike source"):
        net.connect(a, src, ss.AllToAll(), plasticity=ss.STDP())
    with pytest.raises(ss.SpecError, match="signal has shape"):
        net.add_modulator("m", signal=np.zeros((2, 2, 2)))
    mod = net.add_modulator("m2", signal=np.zeros((50, 4)))
    net.connect(a, a, ss.AllToAll(), weight=0.5, plasticity=ss.ThreeFactor(ss.STDP(), mod), name="p")
    with pytest.raises(ss.SpecError, match="modulator 'm2' has 4 values per step"):
        net.run(1.0)


def test_initial_weight_outside_bounds_is_an_error():
    net = ss.Network(dt=1.0)
    a = net.add_population("a", 3, ss.LIF(tau_m=10.0, v_rest=0.0, v_thresh=1.0, v_reset=0.0))
    net.connect(a, a, ss.AllToAll(), weight=2.0, plasticity=ss.STDP(w_max=1.0))
    with pytest.raises(ss.SpecError, match=r"weight=2.0 lies outside the rule's bounds"):
        net.run(1.0)


def test_modulator_array_too_short_for_the_run():
    net = _three_factor_net({"signal": np.zeros(50)})
    net.run(40.0)
    with pytest.raises(ss.SpecError, match="signal has 50 steps"):
        net.run(20.0)


def test_triplet_frequency_dependence_visual_cortex():
    """Pfister & Gerstner 2006, visual cortex minimal model: 60 pairings with |dt| = 10 ms give
    LTD at 1 Hz for post->pre pairs, and LTP at 50 Hz for both orders."""
    rule = ss.TripletSTDP(w_min=-1.0, w_max=1.0)  # the defaults are the minimal visual-cortex model
    pre, post = [], []
    for freq, lag in [(1.0, -10.0), (50.0, 10.0), (50.0, -10.0), (1.0, 10.0)]:
        t = 100.0 + np.arange(60) * 1000.0 / freq
        pre.append(t)
        post.append(t + lag)
    w, _, _ = synapse_run(rule, pre, post, dt=1.0, w0=0.0)
    assert w[0] < -1e-2  # post->pre at 1 Hz: depression, about 60 * a2_minus * e^{-10/33.7}
    assert w[0] == pytest.approx(-60 * 7.1e-3 * math.exp(-10 / 33.7), rel=1e-3)
    assert w[1] > 0.05 and w[2] > 0.05  # 50 Hz: potentiation for both orders
    assert w[1] > w[2]


# ---------------------------------------------------------------- astrocyte (NALSM)
def test_astrocyte_relaxes_exactly():
    """A <- A + dt/tau (w (L - I) + b - A): from A0 with no spikes, A_n = b + (A0 - b)(1 - dt/tau)^n;
    with c liquid spikes per step, it relaxes to b + w c."""
    net = ss.Network(dt=1.0, seed=0, precision="float64")
    quiet = net.add_spike_source("quiet", 3, times=[], indices=[])
    busy = net.add_spike_source("busy", 4, times=np.repeat(np.arange(0.0, 200.0), 2),
                                indices=np.tile([0, 1], 200))
    net.add_astrocyte("A", liquid=quiet, w_astro=0.015, bias=0.15, tau=100.0, initial=1.0)
    net.add_astrocyte("B", liquid=busy, inputs=quiet, w_astro=0.015, bias=0.15, tau=100.0)
    assert net.modulator_value("A")[0] == 1.0
    net.run(50.0)
    assert net.modulator_value("A")[0] == pytest.approx(0.15 + 0.85 * 0.99 ** 50, rel=1e-12)
    b50 = (0.15 + 0.015 * 2) + (0.15 - 0.18) * 0.99 ** 50
    assert net.modulator_value("B")[0] == pytest.approx(b50, rel=1e-12)


@pytest.mark.parametrize("sign", [1, -1])
def test_astrocyte_sign_and_gating_table(sign):
    """NALSM: excitatory synapses dw = a+ x_pre S_post - A x_post S_pre; inhibitory ones (sign=-1)
    the negative. The astrocyte gates only the depression."""
    net = ss.Network(dt=1.0, seed=0, precision="float64")
    quiet = net.add_spike_source("quiet", 1, times=[], indices=[])
    astro = net.add_astrocyte("A", liquid=quiet, bias=0.4, tau=100.0)  # stays at 0.4
    src = net.add_spike_source("pre", 2, times=[10.0, 20.0], indices=[0, 1])
    post = forced_post(net, "post", 2, [np.array([15.0]), np.array([12.0])])
    rule = ss.STDP(a_plus=0.015, a_minus=0.1, tau_pre=10.0, tau_post=10.0, w_min=-3.0, w_max=3.0,
                   modulator=astro, sign=sign)
    net.connect(src, post, ss.OneToOne(), ss.Delta(), weight=0.0, plasticity=rule, name="p")
    net.run(40.0)
    w = net.connections("p")["weight"]
    assert w[0] == pytest.approx(sign * 0.015 * math.exp(-5 / 10), rel=1e-12)  # pre -> post
    assert w[1] == pytest.approx(-sign * 0.1 * 0.4 * math.exp(-8 / 10), rel=1e-12)  # post -> pre, scaled by A
