"""Cross-simulator: on identical deterministic spike trains, spikesim's STDP and triplet-STDP
weight trajectories equal Brian2's (MODELS.md §3: within 1e-6 relative).

Brian2 runs the rules as event-driven per-synapse traces (the textbook formulation); spikesim
keeps per-neuron traces with a delay-aware history. The pre and post spike trains are given:
spike generators in Brian2, spike sources driving forced LIF neurons in spikesim. Heterogeneous
delays are included: a spikesim delay of d steps is Brian2's ``(d - 1) * dt``.
"""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import ms
from plasticity_helpers import forced_post

import spikesim as ss

b2.prefs.codegen.target = "numpy"
DT = 0.1
DURATION = 400.0
EVERY = 10  # steps between weight samples


def spike_trains(n: int, rate_hz: float, seed: int) -> list[np.ndarray]:
    """Spike times on the grid (ms), at most one per step, none in the first and last 5 ms."""
    rng = np.random.default_rng(seed)
    steps = np.arange(round(5 / DT), round((DURATION - 5) / DT))
    return [np.sort(rng.choice(steps, rng.binomial(steps.size, rate_hz * DT / 1000), replace=False)) * DT
            for _ in range(n)]


def wiring(seed: int, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All-to-all synapses sorted by pre, with random weights and delays of 1..15 steps."""
    rng = np.random.default_rng(seed + 100)
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    i, j = i.ravel(), j.ravel()
    return i, j, rng.uniform(0.3, 0.7, i.size), rng.integers(1, 16, i.size)


def run_spikesim(rule, pre_t, post_t, i, j, w0, d):
    net = ss.Network(dt=DT, seed=0, precision="float64")
    pre = net.add_spike_source("pre", len(pre_t), times=np.concatenate(pre_t),
                               indices=np.concatenate([np.full(t.size, k) for k, t in enumerate(pre_t)]))
    post = forced_post(net, "post", len(post_t), post_t)
    proj = net.connect(pre, post, ss.FromArrays(i, j), ss.Delta(), weight=w0, delay=d * DT, plasticity=rule, name="p")
    net.record(proj, "weights", every=EVERY)
    net.record(post)
    res = net.run(DURATION)
    got = res.spikes("post")
    want = np.concatenate(post_t)
    assert got[0].size == want.size  # the forced neurons fire exactly as told
    return res.weights("p")


def run_brian2(model: str, on_pre: str, on_post: str, namespace: dict, pre_t, post_t, i, j, w0, d):
    b2.start_scope()
    b2.defaultclock.dt = DT * ms
    gen = [b2.SpikeGeneratorGroup(len(tr), np.concatenate([np.full(t.size, k) for k, t in enumerate(tr)]),
                                  np.concatenate(tr) * ms) for tr in (pre_t, post_t)]
    syn = b2.Synapses(gen[0], gen[1], model, on_pre=on_pre, on_post=on_post, namespace=namespace,
                      method="exact")
    syn.connect(i=i, j=j)
    syn.w = w0
    syn.pre.delay = (d - 1) * DT * ms
    mon = b2.StateMonitor(syn, "w", record=True, dt=EVERY * DT * ms, when="start")
    net = b2.Network(gen, syn, mon)
    net.run(DURATION * ms)
    return mon.t / ms, np.asarray(mon.w).T


STDP_B2 = ("""w : 1
dx/dt = -x / tau_pre : 1 (event-driven)
dy/dt = -y / tau_post : 1 (event-driven)""",
           "{jump_x}\nw = clip(w - {dep}, w_min, w_max)",
           "{jump_y}\nw = clip(w + {pot}, w_min, w_max)")


@pytest.mark.parametrize("dependence,pairing", [("additive", "all"), ("multiplicative", "nearest")])
def test_stdp_weight_trajectories_match_brian2(dependence, pairing):
    rule = ss.STDP(a_plus=0.02, a_minus=0.021, tau_pre=17.0, tau_post=23.0, w_min=0.0, w_max=1.0,
                   dependence=dependence, pairing=pairing)
    pre_t, post_t = spike_trains(6, 40.0, 1), spike_trains(5, 40.0, 2)
    i, j, w0, d = wiring(3, 6, 5)
    t_s, w_s = run_spikesim(rule, pre_t, post_t, i, j, w0, d)
    jump = "{v} += 1" if pairing == "all" else "{v} = 1"
    dep = "a_minus * y" if dependence == "additive" else "a_minus * (w - w_min) * y"
    pot = "a_plus * x" if dependence == "additive" else "a_plus * (w_max - w) * x"
    model, on_pre, on_post = STDP_B2
    ns = {k: getattr(rule, k) for k in ("a_plus", "a_minus", "w_min", "w_max")}
    ns.update(tau_pre=rule.tau_pre * ms, tau_post=rule.tau_post * ms)
    t_b, w_b = run_brian2(model, on_pre.format(jump_x=jump.format(v="x"), dep=dep),
                          on_post.format(jump_y=jump.format(v="y"), pot=pot), ns, pre_t, post_t, i, j, w0, d)
    np.testing.assert_allclose(t_s, t_b)
    assert np.abs(w_s - w0).max() > 0.05  # the weights really moved
    np.testing.assert_allclose(w_s, w_b, rtol=1e-6, atol=0)


def test_triplet_weight_trajectories_match_brian2():
    rule = ss.TripletSTDP(a2_plus=6.1e-3, a3_plus=6.7e-3, a2_minus=1.6e-3, a3_minus=1.4e-3, tau_plus=16.8,
                          tau_minus=33.7, tau_x=946.0, tau_y=27.0, w_min=0.0, w_max=1.0)  # hippocampal, all-to-all
    pre_t, post_t = spike_trains(5, 30.0, 4), spike_trains(4, 30.0, 5)
    i, j, w0, d = wiring(6, 5, 4)
    t_s, w_s = run_spikesim(rule, pre_t, post_t, i, j, w0, d)
    model = """w : 1
dr1/dt = -r1 / tau_plus : 1 (event-driven)
dr2/dt = -r2 / tau_x : 1 (event-driven)
do1/dt = -o1 / tau_minus : 1 (event-driven)
do2/dt = -o2 / tau_y : 1 (event-driven)"""
    on_pre = "w = clip(w - o1 * (a2_minus + a3_minus * r2), w_min, w_max)\nr1 += 1\nr2 += 1"
    on_post = "w = clip(w + r1 * (a2_plus + a3_plus * o2), w_min, w_max)\no1 += 1\no2 += 1"
    ns = {k: getattr(rule, k) for k in ("a2_plus", "a3_plus", "a2_minus", "a3_minus", "w_min", "w_max")}
    ns.update({k: getattr(rule, k) * ms for k in ("tau_plus", "tau_minus", "tau_x", "tau_y")})
    t_b, w_b = run_brian2(model, on_pre, on_post, ns, pre_t, post_t, i, j, w0, d)
    np.testing.assert_allclose(t_s, t_b)
    assert np.abs(w_s - w0).max() > 0.01
    np.testing.assert_allclose(w_s, w_b, rtol=1e-6, atol=0)
