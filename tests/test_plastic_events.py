"""The event-driven plasticity paths of ``jax_plastic`` (work per step ~ spikes x fan-out).

Pre events are grouped by (presynaptic neuron, delay): only the synapses whose spike arrives now
are visited. The compacted path (small buffers), its overflow paths (a spike list too short: a
masked pass over every synapse in pieces; more post-event synapses than one piece: several
pieces) and the dense masked pass (buffers as large as the projection) must give bit-identical
weights and spikes.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import spikesim as ss
from spikesim.backends.jax_float import JaxRunner

N_IN, N_OUT = 200, 60
DELAYS = np.arange(1, 21)  # ms (dt = 1 ms): 20 distinct delays


STDP_ARGS = dict(a_plus=0.02, a_minus=0.021, tau_pre=15.0, tau_post=25.0, w_min=0.0, w_max=2.0)


def make_rule(net: ss.Network, rule: str):
    """The projection's rule: pair STDP (additive, all-to-all), soft-bound nearest-spike STDP,
    triplet STDP, or a three-factor rule over pair STDP with a time-varying modulator."""
    if rule == "pair":
        return ss.STDP(**STDP_ARGS)
    if rule == "mult-nearest":
        return ss.STDP(**STDP_ARGS, dependence="multiplicative", pairing="nearest")
    if rule == "triplet":
        return ss.TripletSTDP(a2_plus=0.01, a3_plus=0.02, a2_minus=0.015, a3_minus=0.002, w_max=2.0)
    da = net.add_modulator("da", signal=lambda t: 0.5 + 0.5 * np.sin(t / 40.0))
    return ss.ThreeFactor(ss.STDP(**STDP_ARGS), modulator=da, tau_e=200.0, lr=0.5, w_max=2.0)


def network(n_delays: int = 20, rule: str = "pair") -> tuple[ss.Network, int]:
    net = ss.Network(dt=1.0, seed=3)
    inp = net.add_poisson("inp", N_IN, rate_hz=10.0)
    out = net.add_population("out", N_OUT, ss.LIF(tau_m=10.0, v_rest=-70.0, v_thresh=-54.0, v_reset=-60.0))
    net.add_noise_current(out, std=3.0, mean=5.0)
    rule = make_rule(net, rule)
    rng = np.random.default_rng(0)
    pre = np.repeat(np.arange(N_IN), 20)
    post = np.concatenate([rng.choice(N_OUT, 20, replace=False) for _ in range(N_IN)])
    delay = np.concatenate([rng.permutation(DELAYS) for _ in range(N_IN)]) % n_delays + 1.0
    net.connect(inp, out, ss.FromArrays(pre, post), ss.Delta(), weight=ss.Uniform(0.0, 2.0), delay=delay,
                plasticity=rule, name="p")
    net.record(out, "spikes")
    return net, pre.size


@cache
def run(buffers: tuple[int, int] | None, n_delays: int = 20, steps: int = 1000, rule: str = "pair"):
    """Weights, spikes and info after ``steps`` steps (one compiled chunk); ``buffers`` = (pre
    spikes per step, post synapses per piece) held fixed, or None to let the runner adapt them."""
    net, _ = network(n_delays, rule)
    runner = JaxRunner(net.plan)
    if buffers is not None:
        runner.buffer[("pre", "p")], runner.buffer[("post", "p")] = buffers
        runner._adapt_buffers = lambda *args: None
    res = runner.run(steps, records=list(net.records))
    return runner.weights("p"), res.spikes("out"), res.info


def test_budgets_follow_the_spikes_not_the_synapses():
    """At 10 Hz, 200 inputs x 20 synapses over 20 delays: about 2 spikes per step and 40
    arriving synapses (of 40 arriving rows x 20): the default buffers (32 spikes per step, 256
    synapses per piece), far below the projection (200 rows, 4000 synapses), suffice in 99% of
    the steps, and the result equals the dense pass bit for bit."""
    w, (t, i), info = run(None, 20)
    n_syn = N_IN * 20
    assert info["spike_buffer"][("pre", "p")] <= 32 < N_IN
    assert info["spike_buffer"][("post", "p")] <= n_syn // 8
    assert 3.0 < t.size / N_OUT < 30.0  # the output neurons fire (Hz), so both paths run
    assert info["fallback_steps"] <= 10  # at most 1% of the 1000 steps needed more than one piece
    assert not np.allclose(w, w.mean())
    dense_w, (dense_t, dense_i), _ = run((N_IN, n_syn), 20)
    np.testing.assert_array_equal(w, dense_w)
    np.testing.assert_array_equal(t, dense_t)
    np.testing.assert_array_equal(i, dense_i)


@pytest.mark.parametrize("rule", ["pair", "mult-nearest", "triplet", "three-factor"])
@pytest.mark.parametrize("n_delays", [20, 2], ids=["spike-lists", "few-delays"])
def test_overflowing_buffers_equal_the_dense_pass(n_delays, rule):
    """One spike per step in the lists (their readers make a masked pass in pieces) or, with
    two delays, pre pieces of 32 synapses read straight from the history; post pieces of 4.

    Bit for bit, for every rule: a synapse's update must not depend on where it sits in its
    piece (XLA's CPU code contracted ``a * b + c`` into an FMA in the vector lanes of a piece
    but not in its scalar tail while a select sat between them; see ``jax_plastic._read``)."""
    w, (t, i), info = run((1, 4), n_delays, rule=rule)
    assert info["fallback_steps"] > 100
    dense_w, (dense_t, dense_i), _ = run((N_IN, N_IN * 20), n_delays, rule=rule)
    assert not np.allclose(w, w.mean())
    np.testing.assert_array_equal(w, dense_w)
    np.testing.assert_array_equal(t, dense_t)
    np.testing.assert_array_equal(i, dense_i)
