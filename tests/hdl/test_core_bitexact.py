"""Bit-exact: the emitted RTL (hdl/rtl/ss_core.v, ss_stdp.v) against backend="jax_fixed".

Random networks (LIF and Izhikevich; ExpCurrent, Delta and CurrentPulse synapses; random
heterogeneous delays and weights; spike-source inputs and step currents; with and without pair
STDP) run for a few hundred steps on both; every spike (step and neuron), the final state of every
neuron (every bit), the final weight of every synapse (every bit) and the saturation count must be
equal. A missing simulator fails the tests (conftest fixtures ``sim`` / ``iverilog_available``).
"""

from __future__ import annotations

import numpy as np
import pytest
from rtl_sim import golden, simulate

import spikesim as ss
from spikesim import fixed as F
from spikesim.backends.verilog import emit


def random_network(kind: str, n: int, seed: int, rate_hz: float = 300.0, max_delay: int = 8,
                   step_current: bool = True, dt: float = 0.1, saturate: bool = False,
                   t_ref: float = 1.0, i_offset: float | ss.Uniform = 0.0, stdp: ss.STDP | None = None,
                   rule_fn=None, currents: bool = True) -> ss.Network:
    """``n`` neurons in two populations (E, I) driven by a spike source; random delays 1..max_delay steps.
    ``saturate`` (LIF): E's excitatory current starts near the top of Q16.16, so arrivals saturate.
    ``stdp``: the rule of the excitatory projections S->E, E->E, E->I and the duplicated E->E synapses;
    ``rule_fn(net, E, S)``: builds that rule once the populations exist (e.g. with a modulator).
    ``currents=False``: no exponential current (Delta and CurrentPulse synapses only), so the RTL has
    no current channel (NCUR = 0: no current state, parameters, ring or multipliers)."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=dt, seed=seed)
    n_e = (3 * n) // 4
    if kind == "lif":
        model = ss.LIF(tau_m=ss.Uniform(10.0, 30.0), v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=t_ref,
                       i_offset=i_offset)
        syn_e, syn_i = ss.ExpCurrent(tau=1000.0 if saturate else 2.0, name="ie"), ss.ExpCurrent(tau=5.0, name="ii")
        init = {"v": ss.Uniform(-65.0, -52.0), "ie": ss.Uniform(32700.0, 32767.0) if saturate else ss.Uniform(0.0, 2.0)}
        w_in, w_e, w_i, w_delta = (20.0, 60.0), (5.0, 30.0), (-40.0, -5.0), (1.0, 6.0)
    else:
        model = ss.Izhikevich(a=ss.Uniform(0.02, 0.1), b=ss.Uniform(0.2, 0.25), c=ss.Uniform(-65.0, -50.0),
                              d=ss.Uniform(2.0, 8.0), integrator="netm" if dt >= 0.5 else "euler", i_offset=i_offset)
        syn_e, syn_i = ss.ExpCurrent(tau=2.0), ss.CurrentPulse()
        init = {"v": ss.Uniform(-70.0, -60.0)}
        w_in, w_e, w_i, w_delta = (5.0, 15.0), (1.0, 6.0), (-8.0, -1.0), (2.0, 6.0)
    if not currents:
        syn_e, syn_i = ss.Delta(), ss.CurrentPulse() if kind == "izh" else ss.Delta()
        init = {"v": init["v"]}
        w_in = (w_in[0] / 4, w_in[1] / 4) if kind == "lif" else w_in
    E = net.add_population("E", n_e, model, init=init)
    I = net.add_population("I", n - n_e, model, init={"v": init["v"]})
    n_src = max(4, n // 4)
    steps = 400
    times = rng.random(int(rate_hz * n_src * steps * dt / 1000.0)) * steps * dt
    idx = rng.integers(0, n_src, times.size)
    _, keep = np.unique(np.rint(times / dt).astype(int) * n_src + idx, return_index=True)
    S = net.add_spike_source("S", n_src, times[keep], idx[keep])
    if rule_fn is not None:
        stdp = rule_fn(net, E, S)
    delay = ss.Uniform(dt * 0.6, dt * (max_delay + 0.4))
    for pre, post, syn, w, p, rule in ((S, E, syn_e, w_in, 0.5, stdp), (S, I, syn_e, w_in, 0.5, None),
                                       (E, E, syn_e, w_e, 0.2, stdp), (E, I, syn_e, w_e, 0.3, stdp),
                                       (I, E, syn_i, w_i, 0.4, None), (E, E, ss.Delta(), w_delta, 0.1, None)):
        net.connect(pre, post, ss.FixedProbability(p), synapse=syn, weight=ss.Uniform(*w), delay=delay, plasticity=rule)
    # identical synapses next to each other in the fan-out: the RTL's ring-write forwarding path
    pre, post = np.repeat(np.arange(4), 3), np.repeat(rng.integers(0, n_e, 4), 3)
    net.connect(E, E, ss.FromArrays(pre, post), synapse=syn_e, weight=rng.uniform(*w_e, pre.size),
                delay=np.repeat(rng.integers(1, max_delay + 1, 4) * dt, 3), name="E->E dup", plasticity=stdp)
    if step_current:
        net.add_step_current(E[: n_e // 2], times=[5.0, 20.0, 30.0], amplitudes=[18.0, 0.0, 25.0] if kind == "lif"
                             else [4.0, 0.0, 8.0])
        net.add_step_current(E[n_e // 4:], times=[10.0], amplitudes=[5.0] if kind == "lif" else [3.0])
    for pop in (E, I, S):
        net.record(pop, "spikes")
    return net


def trace_saturations(res: ss.Result) -> int:
    """jax_fixed's STDP trace clamps, all projections (the RTL adds them to sat_count / SAT_COUNT)."""
    return sum(res.info.get("trace_saturation", {}).values())


def compare(net: ss.Network, tmp_path, steps: int, sim: str) -> dict:
    with pytest.warns(ss.DelayRoundingWarning):
        plastic = any(p.rule is not None for p in net.plan.projs)
    design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/", system=not plastic)
    gold = golden(net, steps, design)
    rtl = simulate(design, steps, sim)
    n = design.n_neurons
    g_t, g_i = gold["spikes"]
    r_t, r_i = rtl["spikes"]
    order = np.lexsort((r_i, r_t))
    r_t, r_i = r_t[order], r_i[order]
    neur = g_i < n
    assert neur.sum() > 0, "the network never fired: the test would prove nothing"
    first = next((k for k in range(steps) if set(g_i[g_t == k]) != set(r_i[r_t == k])), None)
    assert first is None, (f"step {first}: jax_fixed fired {sorted(g_i[g_t == first])}, "
                           f"RTL {sorted(r_i[r_t == first])}")
    np.testing.assert_array_equal(r_t, g_t)
    np.testing.assert_array_equal(r_i, g_i)
    for f, want in gold["state"].items():
        np.testing.assert_array_equal(rtl["state"][f], want, err_msg=f"final state {f!r}")
    assert rtl["sat"] == gold["sat"] + trace_saturations(gold["result"])  # sat_count: neurons + STDP traces
    bad = np.flatnonzero(rtl["weights"] != gold["weights"])
    assert bad.size == 0, (f"{bad.size} final weights differ, first: synapse {bad[0]}: RTL {rtl['weights'][bad[0]]}, "
                           f"jax_fixed {gold['weights'][bad[0]]}")
    changed = sum(int(np.sum(net._runner.weights_raw(p.name) != F.quantize(p.weight, F.WEIGHT, "w")))
                  for p in net.plan.projs)
    return {"spikes": int(neur.sum()), "design": design, "gold": gold, "changed": changed}


CASES = {  # name: (model, n, dt, seed, source rate (Hz), largest delay (steps), steps)
    "lif-n8-busy": ("lif", 8, 0.1, 2, 800.0, 4, 300),
    "lif-n48-d16": ("lif", 48, 0.1, 3, 300.0, 16, 300),
    "izh-euler-n16": ("izh", 16, 0.1, 4, 300.0, 8, 400),
    "izh-netm-n64-d20": ("izh", 64, 1.0, 5, 100.0, 20, 300),
    "lif-tref0-ioffset": ("lif", 12, 0.1, 8, 300.0, 8, 300),
    "izh-euler-ioffset": ("izh", 12, 0.1, 9, 200.0, 5, 300),
    "izh-euler-n16-no-current": ("izh", 16, 0.1, 10, 300.0, 8, 300),
}


VARIANTS = {"lif-tref0-ioffset": {"t_ref": 0.0, "i_offset": ss.Uniform(0.0, 14.0)},
            "izh-euler-ioffset": {"i_offset": ss.Uniform(0.0, 6.0), "step_current": False},
            "izh-euler-n16-no-current": {"currents": False},
            "lif-n16-no-current": {"currents": False}}


@pytest.mark.parametrize("case", list(CASES))
def test_bitexact_icarus(tmp_path, case, iverilog_available):
    kind, n, dt, seed, rate, delay, steps = CASES[case]
    net = random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt, **VARIANTS.get(case, {}))
    out = compare(net, tmp_path, steps, "icarus")
    assert out["spikes"] > 2 * n
    assert (out["design"].params["NCUR"] == 0) == case.endswith("no-current")
    # without step currents the core has no iext RAM (IEXT = 0): izh-euler-ioffset
    assert out["design"].params["IEXT"] == int(VARIANTS.get(case, {}).get("step_current", True))


BOTH = {  # run on every simulator (Verilator builds take ~20 s each, so only two)
    "lif-n16-saturating": ("lif", 16, 0.1, 6, 600.0, 6, 300),
    "izh-euler-n32": ("izh", 32, 0.1, 7, 300.0, 12, 300),
    "lif-n16-no-current": ("lif", 16, 0.1, 11, 400.0, 8, 300),
}


@pytest.mark.parametrize("case", list(BOTH))
def test_bitexact_simulators(tmp_path, case, sim):
    kind, n, dt, seed, rate, delay, steps = BOTH[case]
    net = random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt, saturate=case.endswith("saturating"),
                         **VARIANTS.get(case, {}))
    out = compare(net, tmp_path, steps, sim)
    assert (out["design"].params["NCUR"] == 0) == case.endswith("no-current")
    assert out["spikes"] > 2 * n
    if case.endswith("saturating"):
        assert out["gold"]["sat"] > 100, "the saturating case did not saturate"


def test_a_one_lsb_weight_error_is_detected(tmp_path, iverilog_available):
    """The comparison can fail: one weight changed by one LSB in the RTL's memory image changes the final state."""
    net = random_network("lif", 8, seed=2, rate_hz=800.0, max_delay=4)
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/")
    syn = (tmp_path / "syn.hex").read_text().splitlines()
    p = design.params
    shift = p["NB"] + p["CB"] + p["RB"]
    word = int(syn[0], 16)
    syn[0] = f"{word + (1 << shift):0{len(syn[0])}x}"   # weight + 1 LSB (2^-16 mV) on the first synapse
    (tmp_path / "syn.hex").write_text("\n".join(syn) + "\n")
    gold = golden(net, 200, design)
    rtl = simulate(design, 200, "icarus")
    assert any(not np.array_equal(rtl["state"][f], gold["state"][f]) for f in gold["state"])


# ------------------------------------------------------------------ pair STDP
def rule(kind: str, pairing: str, dependence: str) -> ss.STDP:
    """Fast learning, so that a few hundred steps move many weights by many LSBs. ``dependence`` ending in
    "-anti": anti-Hebbian (sign = -1: negative rates, so the RTL's products are negative)."""
    w_max, a = (64.0, 2.0) if kind == "lif" else (20.0, 0.8)
    base = dependence.removesuffix("-anti")
    return ss.STDP(a_plus=a, a_minus=1.05 * a, tau_pre=2.0, tau_post=3.0, w_min=0.0, w_max=w_max, pairing=pairing,
                   dependence=base if base == "additive" else "multiplicative", sign=-1 if dependence != base else 1)


STDP_CASES = {  # name: (model, n, dt, seed, source rate (Hz), largest delay (steps), steps, pairing, dependence)
    "lif-n40-nearest-mult": ("lif", 40, 0.1, 12, 300.0, 12, 300, "nearest", "multiplicative"),
    "izh-euler-n16-nearest-additive": ("izh", 16, 0.1, 13, 300.0, 8, 300, "nearest", "additive"),
    "izh-netm-n32-all-mult": ("izh", 32, 1.0, 14, 100.0, 16, 300, "all", "multiplicative"),
    "lif-n20-all-additive-anti": ("lif", 20, 0.1, 16, 400.0, 8, 300, "all", "additive-anti"),
}


def stdp_network(case: dict, name: str) -> tuple[ss.Network, int]:
    kind, n, dt, seed, rate, delay, steps, pairing, dep = case[name]
    return random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt,
                          stdp=rule(kind, pairing, dep)), steps


@pytest.mark.parametrize("case", list(STDP_CASES))
def test_bitexact_stdp_icarus(tmp_path, case, iverilog_available):
    net, steps = stdp_network(STDP_CASES, case)
    out = compare(net, tmp_path, steps, "icarus")
    n = STDP_CASES[case][1]
    assert out["spikes"] > 2 * n
    assert out["changed"] > 0.5 * out["design"].counts["plastic_synapses"], "STDP changed too few weights"


STDP_BOTH = {"lif-n24-all-additive": ("lif", 24, 0.1, 15, 400.0, 10, 300, "all", "additive")}
MUTANT = {"lif-n12-all-additive": ("lif", 12, 0.1, 11, 600.0, 6, 300, "all", "additive")}


@pytest.mark.parametrize("case", list(STDP_BOTH))
def test_bitexact_stdp_simulators(tmp_path, case, sim):
    net, steps = stdp_network(STDP_BOTH, case)
    out = compare(net, tmp_path, steps, sim)
    assert out["changed"] > 0.5 * out["design"].counts["plastic_synapses"], "STDP changed too few weights"


def test_a_one_lsb_learning_rate_error_is_detected(tmp_path, iverilog_available):
    """The weight comparison can fail: a_plus larger by 2^-16 in the RTL (256 LSBs of its Q8.24 format: one
    weight LSB per unit of trace; a single 2^-24 LSB changes a Q8.16 weight change only when it pushes the
    product over a floor boundary, with probability ~x / 2^8 per update) changes final weights."""
    net, steps = stdp_network(MUTANT, "lif-n12-all-additive")
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/", system=False)
    top = tmp_path / "spikesim_top.v"
    ap = design.params["AP"]
    text = top.read_text()
    assert f".AP({ap})," in text
    top.write_text(text.replace(f".AP({ap}),", f".AP({ap + 256}),"))
    gold = golden(net, steps, design)
    rtl = simulate(design, steps, "icarus")
    assert np.sum(rtl["weights"] != gold["weights"]) > 0


def trace_saturating_network(n: int = 8, seed: int = 23) -> tuple[ss.Network, int]:
    """All-to-all traces (tau 1 s at dt = 1 ms) of sources firing in ~95 % of the steps and of neurons
    without refractoriness: traces pass 128 (out of Q8.24) after ~140 spikes and clamp from then on,
    in four plastic projections (S->E, E->E, E->I, the E->E duplicates). Steps to run: 180."""
    rule = ss.STDP(a_plus=0.01, a_minus=0.0105, tau_pre=1000.0, tau_post=1000.0, w_min=0.0, w_max=64.0, pairing="all")
    return random_network("lif", n, seed=seed, rate_hz=3000.0, dt=1.0, stdp=rule, t_ref=0.0, max_delay=6), 180


def test_trace_clamps_counted_in_sat_count_icarus(tmp_path, iverilog_available):
    """sat_count of the core = jax_fixed's trace clamps (no neuron saturates here), bit for bit; pre and
    post traces, shared by several projections (each counts its clamps)."""
    net, steps = trace_saturating_network()
    out = compare(net, tmp_path, steps, "icarus")
    trace = out["gold"]["result"].info["trace_saturation"]
    assert out["gold"]["sat"] == 0 and sum(trace.values()) > 300, trace
    assert sum(v > 0 for v in trace.values()) >= 3, trace


def test_memory_images_cover_every_word(tmp_path):
    """ss_ram skips its zero fill under yosys when it has an INIT_FILE ($readmemh leaves the words past
    the end of a file undefined), so every image the emitter writes must hold exactly 2**AW words."""
    net, _ = trace_saturating_network()
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/")
    p = design.params
    aw = {"state.hex": p["NB"], "params.hex": p["NB"], "ptr.hex": p["SB"], "syn.hex": p["YB"], "iev.hex": p["IEB"],
          "sev.hex": p["SEB"], "cptr.hex": p["NB"], "csc.hex": p["CPB"], "role.hex": p["SB"]}
    assert {f.name for f in tmp_path.glob("*.hex")} == set(aw)
    for name, bits in aw.items():
        assert len((tmp_path / name).read_text().split()) == 1 << bits, name
