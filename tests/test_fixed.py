"""Fixed point: the integer rules of spikesim/fixed.py, quantisation, and backend="jax_fixed".

1. The rules on worked examples (numbers in, bits out; the same numbers as docs/fixed_point.md).
2. numpy and jax.numpy give the same bits through the same functions.
3. jax_fixed: bit-identical across chunkings and spike-buffer sizes, Poisson draws identical to
   the float backend, saturations counted, clear errors for what fixed point cannot express.
4. Statistics: float vs fixed rates within 5% on CUBA and on the Izhikevich 2003 network.
5. Pair STDP: the integer rules on a worked example, numpy == jax, bit-identical across chunkings,
   float vs fixed weight trajectories within a derived quantisation bound, refusals.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from example_modules import load_example

import spikesim as ss
from spikesim import fixed as F


# ------------------------------------------------------------------ 1. the rules, worked examples
def test_quantize_rounds_half_to_even_and_reports_range():
    lsb = F.VALUE.lsb
    np.testing.assert_array_equal(F.quantize(np.array([0.5, 1.5, 2.5, -0.5, -1.5]) * lsb, F.VALUE, "x"),
                                  [0, 2, 2, 0, -2])
    assert int(F.quantize(1.62, F.VALUE, "w")) == 106168          # 1.62 * 2^16 = 106168.32
    assert int(F.quantize(-9.0, F.VALUE, "w")) == -589824
    assert int(F.quantize(np.exp(-0.1 / 20.0), F.COEF, "a")) == 16693539
    with pytest.raises(ss.SpecError, match=r"w=200 is outside the fixed-point format Q8\.16"):
        F.quantize(200.0, F.WEIGHT, "w")
    with pytest.raises(ss.SpecError, match=r"Q16\.16"):
        F.quantize(-40000.0, F.VALUE, "v")


def test_mul_shift_rounds_towards_minus_infinity():
    half = 1 << 23  # 0.5 in Q8.24
    assert [int(F.mul_shift(np, x, half, 24)) for x in (3, -3, 1, -1)] == [1, -2, 0, -1]
    assert int(F.mul_shift(np, -1, 16693539, 24)) == -1  # a negative value decays to -1 LSB, never to 0


def test_clamp_counts_saturations_where_masked():
    x = np.array([F.STATE_MAX + 1, 5, F.STATE_MIN - 7, F.STATE_MAX], np.int64)
    y, n = F.clamp(np, x, 0)
    np.testing.assert_array_equal(y, [F.STATE_MAX, 5, F.STATE_MIN, F.STATE_MAX])
    assert n == 2
    _, n = F.clamp(np, x, 10, mask=np.array([False, True, True, True]))
    assert n == 11


def test_lif_step_worked_example():
    """v = -55, drive = -49 mV (rest), one ExpCurrent I = 1.62 mV (tau 5 ms), tau_m = 20 ms, dt = 0.1 ms."""
    tm, ts, dt = 20.0, 5.0, 0.1
    kappa = ts / (ts - tm) * (np.exp(-dt / ts) - np.exp(-dt / tm))
    c = {"am": np.array([16693539]), "drive": np.array([-3211264]), "v_thresh": np.array([-3276800]),
         "v_reset": np.array([-3932160]), "ref": np.array([50]), "kappa": [np.array([82845])],
         "adec": [np.array([16445005])]}
    assert int(F.quantize(kappa, F.COEF, "k")) == 82845
    st = {"v": np.array([-3604480]), "refr": np.array([0]), "syn": [np.array([106168])]}
    out, spiked, n = F.lif_advance(np, c, ("current",), st, np.array([0]), 0)
    # -3211264 + floor(-393216 * 16693539 / 2^24) + floor(106168 * 82845 / 2^24) = -3211264 - 391255 + 524
    assert int(out["v"][0]) == -3601995 and not spiked[0] and n == 0
    assert abs(int(out["v"][0]) / 2**16 - (-49.0 - 6.0 * np.exp(-dt / tm) + 1.62 * kappa)) < 2e-5
    assert int(out["syn"][0][0]) == 104065  # floor(106168 * 16445005 / 2^24)
    # threshold v >= v_thresh: exactly at threshold fires, one LSB below does not
    st_thr = {"v": np.array([-3276800, -3276801]), "refr": np.array([0, 0]), "syn": [np.zeros(2, np.int64)]}
    c_id = {**c, "am": np.full(2, 1 << 24), "drive": np.zeros(2, np.int64), "kappa": [np.zeros(2, np.int64)]}
    out, spiked, _ = F.lif_advance(np, c_id, ("current",), st_thr, np.zeros(2, np.int64), 0)
    assert spiked.tolist() == [True, False]
    assert out["v"].tolist() == [-3932160, -3276801] and out["refr"].tolist() == [50, 0]


def test_izhikevich_step_worked_example():
    """v = -65, u = -13, I = 10 mV/ms, dt = 0.1 ms (forward Euler): v' = -64.3 mV (float: -64.3)."""
    v, u, i = (int(F.quantize(x, F.VALUE, "")) for x in (-65.0, -13.0, 10.0))
    t1 = F.mul_shift(np, v, F.IZH_C04, 24) + F.IZH_FIVE
    t2 = F.mul_shift(np, t1, v, 16)
    assert (int(t1), int(t2)) == (157286, -10223590)       # 2.39999 and -155.9996
    rhs, n = F.izh_rhs(np, np.array([v]), np.array([u]), np.array([i]), 0)
    assert int(rhs[0]) == 458778 and n == 0                   # 7.0004 mV/ms
    c = {"dtv": np.array([1677722]), "adt": F.quantize([0.02 * 0.1], F.COEF, ""), "b": F.quantize([0.2], F.COEF, ""),
         "c": F.quantize([-65.0], F.VALUE, ""), "d": F.quantize([8.0], F.VALUE, ""), "i_offset": np.array([i]),
         "v_peak": F.quantize([30.0], F.VALUE, ""), "adec": []}
    out, spiked, n = F.izh_advance(np, c, (), {"v": np.array([v]), "u": np.array([u]), "syn": []}, 0, 0, netm=False)
    assert int(out["v"][0]) == -4213963 and not spiked[0]
    assert abs(out["v"][0] / 2**16 - (-64.3)) < 1e-4


def test_rules_give_the_same_bits_in_numpy_and_jax():
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    n = 1000
    c = {"am": rng.integers(15_000_000, 1 << 24, n), "drive": rng.integers(-5_000_000, 0, n),
         "v_thresh": np.full(n, -3276800), "v_reset": np.full(n, -3932160), "ref": rng.integers(0, 5, n),
         "kappa": [rng.integers(0, 200_000, n), None], "adec": [rng.integers(10_000_000, 1 << 24, n), None]}
    st = {"v": rng.integers(-5_000_000, -3_000_000, n), "refr": rng.integers(0, 3, n),
          "syn": [rng.integers(-2**31, 2**31 - 1, n), None]}
    rows = [rng.integers(-2**30, 2**30, n), rng.integers(-400_000, 400_000, n)]
    i_ext = rng.integers(-10**6, 10**6, n)
    kinds = ("current", "delta")

    def step(xp, c, st, rows, i_ext):
        st, pulse, n0 = F.deliver(xp, kinds, st, rows, 0, gated=True)
        return F.lif_advance(xp, c, kinds, st, i_ext + pulse, n0)

    ref, ref_spk, ref_n = step(np, c, st, rows, i_ext)
    assert ref_n > 0 and ref_spk.sum() > 0, "no saturation or no spike: the comparison would cover too little"
    with jax.enable_x64(True):
        conv = lambda t: jax.tree.map(jnp.asarray, t)  # noqa: E731
        got, spk, n_sat = step(jnp, conv(c), conv(st), conv(rows), jnp.asarray(i_ext))
        for var in ("v", "refr"):
            np.testing.assert_array_equal(np.asarray(got[var]), ref[var])
        np.testing.assert_array_equal(np.asarray(got["syn"][0]), ref["syn"][0])
        np.testing.assert_array_equal(np.asarray(spk), ref_spk)
        assert int(n_sat) == ref_n


# ------------------------------------------------------------------ 2. jax_fixed
def small_network(seed: int = 3, kind: str = "lif", poisson: bool = True) -> ss.Network:
    net = ss.Network(dt=0.1, seed=seed)
    if kind == "lif":
        model = ss.LIF(tau_m=ss.Uniform(10.0, 20.0), v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
        P = net.add_population("P", 60, model, init={"v": ss.Uniform(-65.0, -50.0)})
        w_in, w_rec = 6.0, ss.Uniform(-3.0, 3.0)
    else:
        P = net.add_population("P", 60, ss.Izhikevich.of_type("RS"), init={"v": ss.Uniform(-70.0, -60.0)})
        w_in, w_rec = 20.0, ss.Uniform(-4.0, 6.0)
    src = net.add_poisson("In", 30, 80.0) if poisson else net.add_spike_source(
        "In", 30, np.arange(0.0, 100.0, 0.7), np.arange(143) % 30)
    net.connect(src, P, ss.FixedProbability(0.3), synapse=ss.ExpCurrent(tau=3.0, name="ie"), weight=w_in,
                delay=ss.Uniform(0.1, 2.0))
    net.connect(P, P, ss.FixedProbability(0.2), synapse=ss.Delta(), weight=w_rec, delay=ss.Uniform(0.1, 3.0))
    net.add_step_current(P[:20], times=[10.0, 60.0], amplitudes=[12.0 if kind == "lif" else 8.0, 0.0])
    net.record(P, "spikes")
    net.record(P, "v", every=3)
    net.record(src, "spikes")
    return net


@pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")
@pytest.mark.parametrize("kind", ["lif", "izh"])
def test_fixed_runs_are_bit_identical_across_chunkings(kind):
    ref = small_network(kind=kind).run(100.0, backend="jax_fixed")
    assert ref.spike_counts("P").sum() > 100
    for chunk, buffer in ((7.3, None), (33.0, 1), (100.0, 64)):
        net = small_network(kind=kind)
        res = net.run(60.0, backend="jax_fixed", chunk=chunk, spike_buffer=buffer)
        res2 = net.run(40.0, backend="jax_fixed", chunk=chunk)
        t = np.concatenate([res.spikes("P")[0], res2.spikes("P")[0]])
        i = np.concatenate([res.spikes("P")[1], res2.spikes("P")[1]])
        np.testing.assert_array_equal(t, ref.spikes("P")[0])
        np.testing.assert_array_equal(i, ref.spikes("P")[1])
        v = np.concatenate([res.state("P", "v")[1], res2.state("P", "v")[1]])
        np.testing.assert_array_equal(v, ref.state("P", "v")[1])


@pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")
def test_fixed_states_are_whole_lsbs_and_close_to_float():
    fixed = small_network(poisson=False).run(100.0, backend="jax_fixed")
    flt = small_network(poisson=False).run(100.0, backend="jax")
    v = fixed.state("P", "v")[1]
    np.testing.assert_array_equal(v * 2**16, np.rint(v * 2**16))
    # identical input spikes; before the first difference in spiking the traces agree within ~1e-3 mV
    t_f = fixed.spikes("P")[0]
    t_x = flt.spikes("P")[0]
    first_f = t_f[0] if t_f.size else 100.0
    assert abs(first_f - t_x[0]) < 1e-9
    k = int(np.searchsorted(fixed.state("P", "v")[0], first_f))
    assert np.max(np.abs(v[:k] - flt.state("P", "v")[1][:k])) < 2e-3
    rate_ratio = fixed.rate("P") / flt.rate("P")
    assert 0.9 < rate_ratio < 1.1, rate_ratio


@pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")
def test_poisson_draws_are_those_of_the_float_backend():
    a = small_network().run(100.0, backend="jax_fixed")
    b = small_network().run(100.0, backend="jax")
    assert a.spikes("In")[0].size > 100
    for k in (0, 1):
        np.testing.assert_array_equal(a.spikes("In")[k], b.spikes("In")[k])


def test_saturation_is_counted():
    net = ss.Network(dt=0.1, seed=0)
    P = net.add_population("P", 10, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0),
                           init={"ie": np.linspace(32700.0, 32767.0, 10)})
    S = net.add_spike_source("S", 1, np.arange(11) * 0.1, np.zeros(11, int))
    net.connect(S, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=100.0, name="ie"), weight=127.0)
    net.record(P, "spikes")
    res = net.run(1.5, backend="jax_fixed")
    # each of the 11 arrivals (steps 1..11) pushes I = 32734 mV (after one decay) + 127 mV past 32768 mV
    assert res.info["saturation"]["P"] == 110
    assert net.state("P")["ie"].max() < 32768.0


def test_quantization_report_bounds_the_errors():
    net = load_example("cuba").build(seed=0)
    from spikesim.backends.jax_fixed import JaxFixedRunner

    rep = JaxFixedRunner(net.plan).fplan.report
    for name, (err, lsb) in rep.errors.items():
        assert err <= lsb / 2 + 1e-12, (name, err, lsb)
    assert rep.errors["P->P#0.weight"][0] == pytest.approx(abs(106168 / 2**16 - 1.62))
    name, _ = rep.worst()
    assert name in rep.errors and "quantity" in str(rep)


def test_what_fixed_point_cannot_express_fails_clearly():
    net = ss.Network(dt=0.1)
    P = net.add_population("P", 4, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0))
    net.connect(P, P, ss.AllToAll(), synapse=ss.ExpConductance(tau=5.0, e_rev=0.0), weight=0.1)
    with pytest.raises(ss.SpecError, match="ExpConductance synapses are not supported in fixed point"):
        net.run(1.0, backend="jax_fixed")
    net = ss.Network(dt=0.1)
    P = net.add_population("P", 4, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0))
    net.connect(P, P, ss.AllToAll(), synapse=ss.Delta(), weight=130.0)
    with pytest.raises(ss.SpecError, match=r"weight=130 is outside the fixed-point format Q8\.16"):
        net.run(1.0, backend="jax_fixed")
    net = ss.Network(dt=0.1)
    P = net.add_population("P", 2, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0))
    S = net.add_poisson("S", 300, 1.0)
    net.connect(S, P, ss.AllToAll(), synapse=ss.Delta(), weight=120.0)
    with pytest.raises(ss.SpecError, match="more than a ring entry"):
        net.run(1.0, backend="jax_fixed")
    # triplet STDP (three-factor and modulator refusals: tests/test_fixed_plastic.py)
    for rule, match in ((ss.TripletSTDP(), r"plasticity \(TripletSTDP\) is not supported in fixed point"),):
        net = ss.Network(dt=0.1)
        P = net.add_population("P", 4, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0))
        net.connect(P, P, ss.AllToAll(), synapse=ss.Delta(), weight=0.5, plasticity=rule)
        with pytest.raises(ss.SpecError, match=match):
            net.run(1.0, backend="jax_fixed")


@pytest.mark.parametrize("module", ["spikesim.fixed", "spikesim.fixed_plastic", "spikesim.backends.verilog"])
def test_fixed_and_emitter_do_not_import_jax(module):
    code = f"import sys, {module}; print(sorted(m for m in ('jax', 'jaxlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import {module} pulled in {out.stdout.strip()}"


# ------------------------------------------------------------------ 3. statistics
def test_cuba_rates_float_vs_fixed_within_5_percent():
    cuba = load_example("cuba")
    ratios = {}
    for seed in (0, 1, 2):
        flt = cuba.build(seed=seed).run(1000.0, backend="jax").rate("P")
        res = cuba.build(seed=seed).run(1000.0, backend="jax_fixed")
        ratios[seed] = res.rate("P") / flt
        assert res.info["saturation"] == {"P": 0}
    assert all(abs(r - 1) < 0.05 for r in ratios.values()), ratios


def test_izhikevich_2003_rates_float_vs_fixed_within_5_percent():
    izh = load_example("izhikevich_2003")
    ratios = {}
    for seed in (0, 1):
        rates = {}
        for backend in ("jax", "jax_fixed"):
            net, _ = izh.build(seed)
            res = net.run(2000.0, backend=backend)
            idx = res.spikes("P")[1]
            rates[backend] = (np.sum(idx < izh.N_EXC) / izh.N_EXC / 2.0, np.sum(idx >= izh.N_EXC) / izh.N_INH / 2.0)
        ratios[seed] = [f / x for f, x in zip(rates["jax_fixed"], rates["jax"])]
    assert all(abs(r - 1) < 0.05 for rs in ratios.values() for r in rs), ratios


# ------------------------------------------------------------------ 5. pair STDP
def test_stdp_rules_worked_example():
    """The numbers of docs/fixed_point.md (STDP): tau = 20 ms, dt = 0.1 ms, a+ = 0.01, a- = 0.0105, w = 0.5."""
    r = F.quantize_stdp("p", ss.STDP(a_plus=0.01, a_minus=0.0105, tau_pre=20.0, tau_post=20.0), 0.1,
                        F.QuantizationReport())
    assert (r.dec_pre, r.a_plus, r.a_minus, r.w_max) == (16693539, 167772, 176161, 65536)
    x = F.trace_decay(np, np.array([F.TRACE_ONE]), r.dec_pre)                  # 1.0 one step later
    assert int(x[0]) == 16693539
    y, n = F.trace_jump(np, x, np.array([True]), "all")                        # + 1.0 on a spike
    assert int(y[0]) == 33470755 and n == 0
    assert int(F.trace_jump(np, x, np.array([True]), "nearest")[0][0]) == F.TRACE_ONE
    assert int(F.trace_jump(np, np.array([F.STATE_MAX - 5]), np.array([True]), "all")[1]) == 1  # clamped, counted
    # additive: floor(16693539 * 167772 / 2^32) = floor(652.09) = 652 LSB; 0.5 -> 0.509949 (float 0.509950)
    assert int(F.stdp_potentiate(np, r, np.array([32768]), x)[0]) == 32768 + 652
    # depression with y = 1.995: floor(33470755 * 176161 / 2^32) = floor(1372.83) = 1372
    assert int(F.stdp_depress(np, r, np.array([32768]), y)[0]) == 32768 - 1372
    assert int(F.stdp_depress(np, r, np.array([100]), y)[0]) == 0              # hard bound w_min
    # multiplicative: floor(floor(x * a / 2^24) * (w_max - w) / 2^24) = floor(166935 * 32768 / 2^24) = 326
    m = F.FixedSTDP(**{**r.__dict__, "multiplicative": True})
    assert int(F.stdp_potentiate(np, m, np.array([32768]), x)[0]) == 32768 + 326


def test_stdp_rules_give_the_same_bits_in_numpy_and_jax():
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    rep = F.QuantizationReport()
    rules = [F.quantize_stdp("p", ss.STDP(a_plus=0.7, a_minus=0.8, w_min=-2.0, w_max=3.0, dependence=d, pairing=p,
                                          sign=sg), 0.1, rep)
             for d, p, sg in (("additive", "all", 1), ("multiplicative", "nearest", -1))]
    w = rng.integers(-2 * 65536, 3 * 65536, 2000)
    tr = rng.integers(0, 40 << 24, 2000)
    spk = rng.random(2000) < 0.3
    for r in rules:
        ref = [F.stdp_depress(np, r, w, tr), F.stdp_potentiate(np, r, w, tr), F.trace_decay(np, tr, r.dec_pre),
               F.trace_jump(np, tr, spk, r.pairing)[0]]
        assert len(np.unique(ref[0])) > 100 and len(np.unique(ref[1])) > 100
        with jax.enable_x64(True):
            got = [F.stdp_depress(jnp, r, jnp.asarray(w), jnp.asarray(tr)),
                   F.stdp_potentiate(jnp, r, jnp.asarray(w), jnp.asarray(tr)),
                   F.trace_decay(jnp, jnp.asarray(tr), r.dec_pre), F.trace_jump(jnp, jnp.asarray(tr), jnp.asarray(spk),
                                                                            r.pairing)[0]]
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(np.asarray(a), b)


def stdp_pair_network(precision: str, pairing: str, dependence: str, seed: int = 1) -> ss.Network:
    """20 spike sources onto 6 LIF neurons through plastic synapses (delays 1..7 steps); the post
    spikes are forced by a second source (Delta, 30 mV), so both backends see the same spikes."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=0.1, seed=seed, precision=precision)

    def trains(n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        k = np.unique(rng.integers(0, 3000, count) * n + rng.integers(0, n, count))
        return (k // n) * 0.1, k % n

    S = net.add_spike_source("S", 20, *trains(20, 400))
    D = net.add_spike_source("D", 6, *trains(6, 150))
    P = net.add_population("P", 6, ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=0.5))
    net.connect(D, P, ss.OneToOne(), synapse=ss.Delta(), weight=30.0, delay=0.1)
    rule = ss.STDP(a_plus=0.02, a_minus=0.021, tau_pre=20.0, tau_post=15.0, w_min=0.0, w_max=1.0, pairing=pairing,
                   dependence=dependence)
    pr = net.connect(S, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=1.0), weight=ss.Uniform(0.3, 0.7),
                     delay=rng.integers(1, 8, 120) * 0.1, plasticity=rule, name="SP")
    net.record(P, "spikes")
    net.record(S, "spikes")
    net.record(pr, "weights", every=50)
    return net


def max_trace(times_steps: np.ndarray, idx: np.ndarray, n: int, decay: float, pairing: str) -> float:
    """The largest all-to-all / nearest trace value of ``n`` neurons over their spike trains."""
    best = 1.0
    for i in range(n):
        x, last = 0.0, None
        for t in np.sort(times_steps[idx == i]):
            x = (x * decay ** (t - last) if last is not None else 0.0)
            x = x + 1.0 if pairing == "all" else 1.0
            best, last = max(best, x), t
    return best


@pytest.mark.parametrize(("pairing", "dependence"), [("all", "additive"), ("nearest", "multiplicative")])
def test_stdp_float_vs_fixed_weight_trajectories(pairing, dependence):
    """jax_fixed's weight trajectory equals the float64 one within the quantisation bound.

    Per weight update the fixed-point change differs from the exact one by at most
    * 1 LSB (2^-16) from the floor of the change (twice, multiplicative: 2^-24 * span, then 2^-16),
    * |a| * e_x, with e_x <= (x_max * 2^-25 + 2^-24) / (1 - q(decay)) the trace error (the
      decay coefficient is off by <= 2^-25, each floor loses < 2^-24; errors shrink by the decay),
    * x_max * 2^-25 (span times that, multiplicative) from the quantised rate;
    clipping never increases a difference, and a multiplicative update contracts it (factor
    1 - a x). With U updates of a synapse (pre + post events) and 2^-17 for the initial weight:
    |w_fixed - w_float| <= 2^-17 + U * per-update bound."""
    fixed = stdp_pair_network("float64", pairing, dependence).run(300.0, backend="jax_fixed")
    flt = stdp_pair_network("float64", pairing, dependence).run(300.0, backend="jax")
    np.testing.assert_array_equal(fixed.spikes("P")[1], flt.spikes("P")[1])
    w_x = fixed.weights("SP")[1]
    w_f = flt.weights("SP")[1]
    diff = np.abs(w_x - w_f).max()
    # the bound
    t_s, i_s = fixed.spikes("S")
    t_p, i_p = fixed.spikes("P")
    counts = np.bincount(i_s, minlength=20).max() + np.bincount(i_p, minlength=6).max()
    dec = max(np.exp(-0.1 / 20.0), np.exp(-0.1 / 15.0))
    x_max = max(max_trace(np.rint(t / 0.1).astype(int), i, n, dec, pairing) for t, i, n in ((t_s, i_s, 20), (t_p, i_p, 6)))
    e_x = (x_max * 2**-25 + 2**-24) / (1 - dec)
    span = 1.0 if dependence == "multiplicative" else None
    a = 0.021
    per = 2**-16 + (a * e_x + x_max * 2**-25) * (span or 1.0) + (2**-24 * span if span else 0.0)
    bound = 2**-17 + counts * per
    assert np.abs(w_f[-1] - w_f[0]).max() > 50 * bound, "the weights barely moved: the test would prove little"
    assert 0 < diff <= bound, (diff, bound, counts, x_max)
    assert fixed.info["trace_saturation"] == {"SP": 0}


def test_stdp_runs_are_bit_identical_across_chunkings():
    """Plastic jax_fixed: spikes, recorded and learned weights do not depend on the chunking; and
    ``proj.plastic = False`` freezes the weights (the post spikes, forced by D, go on unchanged)."""
    ref = stdp_pair_network("float32", "nearest", "multiplicative").run(300.0, backend="jax_fixed")
    net = stdp_pair_network("float32", "nearest", "multiplicative")
    res = net.run(120.0, backend="jax_fixed", chunk=7.3)           # 17 chunks, plastic
    w_ref = ref.weights("SP")[1]
    k = res.weights("SP")[1].shape[0]
    np.testing.assert_array_equal(res.weights("SP")[1], w_ref[:k])
    w_120 = net.connections("SP")["weight"]
    np.testing.assert_array_equal(w_120, w_ref[k])                 # recorded at the start of step 1200
    net.projections["SP"].plastic = False
    res2 = net.run(180.0, backend="jax_fixed", chunk=7.3)
    for j in (0, 1):
        np.testing.assert_array_equal(np.concatenate([res.spikes("P")[j], res2.spikes("P")[j]]), ref.spikes("P")[j])
    np.testing.assert_array_equal(net.connections("SP")["weight"], w_120)
    assert np.all(res2.weights("SP")[1] == w_120)
    assert np.abs(w_ref[-1] - w_120).max() > 0.02 and np.abs(w_120 - w_ref[0]).max() > 0.02


def test_trace_clamps_count_once_per_projection_that_reads_the_trace():
    """A trace clamp (all-to-all trace above 128 - 2^-24, out of Q8.24) is a saturation, counted for
    every plastic projection whose synapses read that trace (``fixed.trace_used``): three sources fire
    every step; projection A reads the pre traces of S0 and S1, projection B that of S0; S2 fires
    too but no plastic synapse reads its trace. The post neurons never fire (no post clamps)."""
    steps = 400
    net = ss.Network(dt=1.0, seed=0)
    S = net.add_spike_source("S", 3, np.repeat(np.arange(steps) * 1.0, 3), np.tile(np.arange(3), steps))
    P = net.add_population("P", 2, ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0))
    rule = ss.STDP(a_plus=0.01, a_minus=0.0105, tau_pre=1000.0, tau_post=1000.0, w_min=0.0, w_max=1.0)
    for name, pre, post in (("A", [0, 1], [0, 1]), ("B", [0], [1])):
        net.connect(S, P, ss.FromArrays(np.array(pre), np.array(post)), synapse=ss.ExpCurrent(tau=2.0),
                    weight=0.001, delay=1.0, plasticity=rule, name=name)
    net.record(P, "spikes")
    res = net.run(steps * 1.0, backend="jax_fixed")
    assert res.spikes("P")[0].size == 0
    # one trace that jumps every step, by the rules: x_before = decay(x), x = clamp(x_before + 1)
    dec, x, clamps = net._runner.fplan.rules["A"].dec_pre, np.int64(0), 0
    for _ in range(steps):
        x, clamps = F.trace_jump(np, F.trace_decay(np, x, dec), np.bool_(True), "all", clamps)
    assert x == F.STATE_MAX and 200 < clamps < steps   # 1 + d + d^2 + ... passes 128 after ~137 steps
    assert res.info["trace_saturation"] == {"A": 2 * clamps, "B": clamps}
    assert res.info["saturation"] == {"P": 0}
    pre, post = F.trace_used(3, 2, [0, 1], [0, 1])
    np.testing.assert_array_equal(pre, [True, True, False])
    np.testing.assert_array_equal(post, [True, True])
