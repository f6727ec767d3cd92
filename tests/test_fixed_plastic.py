"""Fixed point beyond pair STDP (spikesim/fixed_plastic.py, backend "jax_fixed"): the three-factor
eligibility and periodic update, the one global modulator with host rewards, the astrocyte-scaled
depression; worked examples (numbers in, bits out), float vs fixed, chunking, refusals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import spikesim as ss
from spikesim import fixed as F
from spikesim import fixed_plastic as FP

DA_TAU = -1.0 / math.log(0.995)


def sources(rng, n: int, steps: int, count: int, dt: float = 1.0):
    k = np.unique(rng.integers(0, steps * n, count))
    return (k // n) * dt, k % n


def da_network(precision: str = "float64", seed: int = 0, steps: int = 2000, n_src: int = 10, n: int = 5,
               rule=None) -> tuple[ss.Network, ss.Modulator]:
    """Spike sources onto LIF neurons through DA-STDP (Izhikevich 2007, dt = 1 ms) synapses of delays 1-4 steps;
    the dopamine decays x0.995 per ms and rises by 0.01 per post spike."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=1.0, seed=seed, precision=precision)
    t, i = sources(rng, n_src, steps, 3 * steps)
    S = net.add_spike_source("S", n_src, t, i)
    P = net.add_population("P", n, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0))
    DA = net.add_modulator("DA", tau=DA_TAU, source=P, per_spike=0.01)
    net.connect(S, P, ss.AllToAll(), synapse=ss.Delta(), weight=ss.Uniform(1.0, 3.0), delay=1.0 + np.arange(n_src * n) % 4,
                plasticity=rule or ss.da_stdp(DA), name="SP")
    net.record(P, "spikes")
    net.record("SP", "weights")
    return net, DA


def run_rewarded(net: ss.Network, DA, backend: str, chunk: float | None = None) -> list[ss.Result]:
    """Three runs with rewards between them (at the start of a run, and scheduled inside one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        out = [net.run(500.0, backend=backend, chunk=chunk)]
        net.reward(DA, 1.5)
        out.append(net.run(700.0, backend=backend, chunk=chunk))
        net.reward(DA, 0.8, at=1523.0)
        net.reward(DA, -0.4, at=1523.0)
        out.append(net.run(800.0, backend=backend, chunk=chunk))
    return out


def test_three_factor_worked_example():
    """The numbers of docs/fixed_point.md (DA-STDP: a+ = 0.1, a- = 0.15, x = y = 0.95, M = 0.5,
    lr = 1, baseline = 0.002, e decay 0.99 per 10 ms)."""
    a_p, a_m, x = int(np.rint(0.1 * 2**24)), int(np.rint(0.15 * 2**24)), int(np.rint(0.95 * 2**24))
    assert (a_p, a_m, x) == (1677722, 2516582, 15938355)
    r = F.FixedSTDP("nearest", False, a_p, a_m, 0, 4 << 16, 0, 0)
    e, n = FP.elig_event(np, r, a_p, 32768, 0, x, 0, True, pot=True)
    assert int(e) == 1593835 and n == 0                      # floor(0.09499997 * 2^24)
    e, n = FP.elig_event(np, r, a_m, 32768, e, x, n, True, pot=False)
    assert int(e) == 1593835 - 2390752 == -796917            # -0.04749995
    rule = FP.FixedThreeFactor(r, e_dec=16609444, lr=1 << 24, lrb=33554, drift=0, w_min=0, w_max=4 << 16, every=10)
    g, n = FP.three_factor_gain(np, rule, 8388608, 0)
    assert int(g) == 33554 + 8388608 == 8422162              # lr * (baseline + M) = 0.502
    w, e2 = FP.three_factor_update(np, rule, 65536, e, g)
    assert int(w) == 65536 - 1563                            # round(-1562.704) (float: -1562.706 LSB)
    assert int(e2) == -788947                                # trunc(-788947.84): towards 0
    # a negative eligibility of one LSB decays to 0 (the floor would keep -1 for ever)
    assert int(FP.mul_trunc(np, -1, 16609444, 24)) == 0 and int(F.mul_shift(np, -1, 16609444, 24)) == -1
    # saturation of e is counted
    e, n = FP.elig_event(np, r, a_p, 0, F.STATE_MAX - 10, x, 0, True, pot=True)
    assert int(e) == F.STATE_MAX and int(n) == 1


def test_modulator_worked_example():
    """R = 0.3, two post spikes of gain 0.01, decay 0.995: M = clamp(R + 2 g), R' = mul_shift(M, dec, 24)."""
    m = FP.FixedModulator("DA", 0, int(np.rint(0.995 * 2**24)), 0, (167772,), ((0, (0,)),), 0)
    mval, reg, n = FP.modulator_step(np, m, 5033165, [2], 0)
    assert int(mval) == 5033165 + 2 * 167772 == 5368709            # 0.32 (to 3e-8)
    assert m.dec == 16693330 and int(reg) == (5368709 * 16693330) >> 24 == 5341865   # 0.3184
    assert FP.add_reward(F.STATE_MAX - 5, 100) == F.STATE_MAX       # the host's read-modify-write saturates
    _, _, n = FP.modulator_step(np, m, F.STATE_MAX, [3], 0)
    assert int(n) == 1


def test_da_stdp_float_vs_fixed_with_rewards():
    """jax_fixed vs the float64 rule, rewards between runs and inside one: the same spikes, and every
    weight within n_updates * (2^-17 + 2^-16) of the float one: per periodic update the rounding to
    nearest loses <= 2^-17, and the quantised e, g and decays add < 2^-16 (e is Q8.24, |e| < 1,
    |g| < 3: e is off by < 100 x 2^-24 after its events and periodic truncations, g by < 2^-20)."""
    fx = run_rewarded(*da_network(), "jax_fixed")
    fl = run_rewarded(*da_network(), "jax")
    for a, b in zip(fx, fl):
        for j in (0, 1):
            np.testing.assert_array_equal(a.spikes("P")[j], b.spikes("P")[j])
    w_x = np.concatenate([r.weights("SP")[1] for r in fx])
    w_f = np.concatenate([r.weights("SP")[1] for r in fl])
    diff = np.abs(w_x - w_f).max()
    bound = 2**-17 + (2000 // 10) * (2**-17 + 2**-16)
    moved = np.abs(w_f[-1] - w_f[0]).max()
    assert diff <= bound and moved > 20 * bound, (diff, bound, moved)
    assert fx[-1].info["trace_saturation"] == {"SP": 0} and fx[-1].info["modulator_saturation"] == {"DA": 0}


def test_three_factor_chunking_and_reward_timing():
    """Bit-identical across chunkings (chunks end at reward steps); a reward at step s is the host's
    R += q(amount) between steps s - 1 and s, then the step adds the spikes and decays."""
    ref = run_rewarded(*da_network(precision="float32"), "jax_fixed")
    net, DA = da_network(precision="float32")
    res = run_rewarded(net, DA, "jax_fixed", chunk=7.3)
    for a, b in zip(ref, res):
        np.testing.assert_array_equal(a.weights("SP")[1], b.weights("SP")[1])
        np.testing.assert_array_equal(a.spikes("P")[1], b.spikes("P")[1])
    net2, DA2 = da_network(precision="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        net2.run(500.0, backend="jax_fixed")
        r0 = net2._runner.modulator_raw("DA")
        net2.reward(DA2, 1.5)
        net2.run(1.0, backend="jax_fixed")
    # the step after the reward: M = R + q(1.5) + gain * spikes; R' = mul_shift(M, dec, 24)
    m = net2._runner.mod
    spk = int(np.sum(res[1].spikes("P")[0] == 500.0))
    want = F.mul_shift(np, r0 + int(np.rint(1.5 * 2**24)) + m.gains[0] * spk, m.dec, 24)
    assert net2._runner.modulator_raw("DA") == int(want)
    assert net2.modulator_value("DA")[0] == pytest.approx(F.to_float(want, F.COEF)) and r0 > 0


def test_eligibility_decays_to_zero_and_spnet_runs():
    """spnet's rule (no modulator: baseline 1, drift 0.01, every 1 s): after the inputs stop, e decays to
    exactly 0 (truncation towards 0), so each update then adds exactly the drift (0.01 -> 655 LSB)."""
    rng = np.random.default_rng(3)
    net = ss.Network(dt=1.0, seed=3)
    t, i = sources(rng, 8, 400, 300)
    S = net.add_spike_source("S", 8, t, i)
    P = net.add_population("P", 4, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0))
    net.connect(S, P, ss.AllToAll(), synapse=ss.Delta(), weight=ss.Uniform(1.0, 4.0), delay=1.0,
                plasticity=ss.spnet_stdp(w_max=10.0), name="SP")
    net.run(200000.0, backend="jax_fixed")     # 0.9^199 x |e| < 2^-24
    e = net._runner.eligibility_raw("SP")
    assert np.all(e == 0)
    w0 = net._runner.weights_raw("SP")
    net.run(2000.0, backend="jax_fixed")
    w1 = net._runner.weights_raw("SP")
    np.testing.assert_array_equal(w1, np.minimum(w0 + 2 * int(np.rint(0.01 * 2**16)), 10 << 16))


def astro_network(precision: str = "float64", seed: int = 4) -> ss.Network:
    """NALSM-like: a liquid L driven by sources S, the astrocyte A (liquid minus inputs) scales the
    depression of the plastic L->L synapses; dt = 1 ms, 600 steps."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=1.0, seed=seed, precision=precision)
    t, i = sources(rng, 12, 600, 1500)
    S = net.add_spike_source("S", 12, t, i)
    L = net.add_population("L", 10, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0))
    A = net.add_astrocyte("A", liquid=L, inputs=S, w_astro=0.05, bias=0.5, tau=20.0)
    rule = ss.STDP(a_plus=0.05, a_minus=0.06, tau_pre=10.0, tau_post=10.0, w_min=0.0, w_max=6.0, modulator=A)
    net.connect(S, L, ss.FixedProbability(0.5), synapse=ss.Delta(), weight=ss.Uniform(3.0, 9.0), delay=1.0)
    net.connect(L, L, ss.FixedProbability(0.4), synapse=ss.Delta(), weight=ss.Uniform(0.5, 4.0),
                delay=ss.Uniform(1.0, 5.0), plasticity=rule, name="LL")
    net.record(L, "spikes")
    net.record("LL", "weights")
    return net


def test_astrocyte_float_vs_fixed():
    """The astrocyte-scaled depression a- * A * y in fixed point follows the float64 rule: the same spikes,
    weights within U * (2^-16 + 2^-18) (U: updates per synapse; floors of the amounts, quantised rates, A
    off by < 2^-20), A's register equal to decay * A_last + bias within 1e-5."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        net_x, net_f = astro_network(), astro_network()
        fx, fl = net_x.run(600.0, backend="jax_fixed"), net_f.run(600.0, backend="jax")
    np.testing.assert_array_equal(fx.spikes("L")[1], fl.spikes("L")[1])
    assert fx.spikes("L")[1].size > 300
    w_x, w_f = fx.weights("LL")[1], fl.weights("LL")[1]
    updates = 2 * fx.spikes("L")[1].size
    bound = 2**-17 + updates / 10 * (2**-16 + 2**-18)   # each synapse sees about a tenth of the events
    diff = np.abs(w_x - w_f).max()
    assert diff <= bound and np.abs(w_f[-1] - w_f[0]).max() > 20 * bound, (diff, bound)
    a_f = net_f.modulator_value("A")[0]
    assert net_x.modulator_value("A")[0] == pytest.approx(a_f * (1 - 1 / 20) + 0.5 / 20, abs=1e-5)
    assert fx.info["modulator_saturation"] == {"A": 0}


def _lif() -> ss.LIF:
    return ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0)


@pytest.mark.parametrize("case", ["signal", "array2d", "two", "every", "triplet", "exact", "hebb_mod"])
def test_what_fixed_point_refuses(case):
    net = ss.Network(dt=1.0)
    P = net.add_population("P", 4, _lif())
    match = {"signal": r"modulator 'M': a function signal modulator is not supported in fixed point",
             "array2d": r"modulator 'M': a array signal modulator is not supported in fixed point",
             "two": r"runs one modulator per design; this network has 2: \['M', 'N'\]",
             "every": r"ThreeFactor every=2.5 ms is not a whole number of steps of dt=1.0 ms",
             "triplet": r"ThreeFactor hebbian=TripletSTDP is not supported in fixed point",
             "exact": r"ThreeFactor integration='exact' is not supported in fixed point",
             "hebb_mod": r"modulated STDP \(modulator='M'\) as the hebbian part"}[case]
    if case == "signal":
        M = net.add_modulator("M", signal=lambda t: 0.1)
    elif case == "array2d":
        M = net.add_modulator("M", signal=np.zeros((10, 4)))
    else:
        M = net.add_modulator("M", tau=100.0, source=P, per_spike=0.1)
    if case == "two":
        net.add_modulator("N", tau=50.0)
    rule = ss.ThreeFactor(ss.STDP(), M, every=2.5 if case == "every" else None,
                          integration="exact" if case == "exact" else "euler")
    if case == "triplet":
        rule = ss.ThreeFactor(ss.TripletSTDP(), M)
    if case == "hebb_mod":
        rule = ss.ThreeFactor(ss.STDP(modulator=M), M)
    net.connect(P, P, ss.AllToAll(), synapse=ss.Delta(), weight=0.5, plasticity=rule)
    with pytest.raises(ss.SpecError, match=match):
        net.run(5.0, backend="jax_fixed")


def test_reward_outside_q8_24_is_refused():
    net, DA = da_network(steps=50)
    net.reward(DA, 200.0)
    with pytest.raises(ss.SpecError, match=r"reward to modulator 'DA': amount=200 is outside .* Q8\.24"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ss.DelayRoundingWarning)
            net.run(10.0, backend="jax_fixed")
