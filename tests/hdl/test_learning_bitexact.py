"""Bit-exact: on-chip learning beyond pair STDP (hdl/rtl/ss_stdp.v ELIG / SCALED, ss_mod.v) against
backend="jax_fixed" (spikesim/fixed_plastic.py).

Random networks (test_core_bitexact.random_network) with a three-factor rule (DA-STDP-like: pair STDP
fills the eligibility, a dopamine modulator released by the excitatory spikes gates the periodic update)
and host rewards between segments (the core-level bench writes the modulator register between steps,
jax_fixed gets ``net.reward`` between runs), or with an astrocyte-modulated STDP. Every spike, every final
state bit, every final weight, every final eligibility, the modulator register and the saturation count
must be equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from rtl_sim import golden, simulate
from test_core_bitexact import random_network

import spikesim as ss
from spikesim import fixed as F
from spikesim.backends.verilog import emit

REWARDS = [(60, 0.8), (140, -3.0), (141, 0.3), (220, 1.2)]  # (step, amount); 140 and 141: back to back;
# -3.0 drives M below 0 for tens of steps: negative gains (lr * (baseline + M) < 0) are exercised


def three_factor(kind: str, dependence: str, every: float, dt: float):
    """A fast DA-STDP-like rule: the dopamine (tau 20 steps) rises by 0.02 per excitatory spike."""
    w_max, a = (64.0, 2.0) if kind == "lif" else (20.0, 0.8)

    def make(net, E, S):
        da = net.add_modulator("DA", tau=20 * dt, source=E, per_spike=0.02)
        hebb = ss.STDP(a_plus=a, a_minus=1.05 * a, tau_pre=2.0, tau_post=3.0, w_min=0.0, w_max=w_max,
                       pairing="nearest" if dependence == "multiplicative" else "all", dependence=dependence)
        return ss.ThreeFactor(hebb, da, tau_e=5.0, every=every, lr=0.8, baseline=0.05, drift=-0.001,
                              w_min=0.0, w_max=w_max)
    return make


def astro(kind: str, dt: float):
    """NALSM: the astrocyte follows E minus S and scales the depression."""
    w_max, a = (64.0, 2.0) if kind == "lif" else (20.0, 0.8)

    def make(net, E, S):
        A = net.add_astrocyte("A", liquid=E, inputs=S, w_astro=0.05, bias=0.5, tau=5 * dt)
        return ss.STDP(a_plus=a, a_minus=1.05 * a, tau_pre=2.0, tau_post=3.0, w_min=0.0, w_max=w_max, modulator=A)
    return make


CASES = {  # name: (model, n, dt, seed, source rate (Hz), largest delay (steps), steps, rule)
    "tf-lif-n24-additive-every7": ("lif", 24, 0.1, 31, 400.0, 10, 300, ("tf", "additive", 0.7)),
    "tf-izh-n16-mult-every1": ("izh", 16, 0.1, 32, 300.0, 6, 300, ("tf", "multiplicative", 0.1)),
    "astro-lif-n20": ("lif", 20, 0.1, 33, 400.0, 8, 300, ("astro",)),
}
BOTH = ("tf-lif-n24-additive-every7", "astro-lif-n20")


def run_case(tmp_path, name: str, sim: str) -> dict:
    kind, n, dt, seed, rate, delay, steps, rule = CASES[name]
    make = three_factor(kind, rule[1], rule[2], dt) if rule[0] == "tf" else astro(kind, dt)
    net = random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt, rule_fn=make)
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/", system=False)
    rewards = REWARDS if rule[0] == "tf" else []
    gold = golden(net, steps, design, rewards, "DA")
    q = [(s, int(F.quantize(a, F.COEF, "reward"))) for s, a in rewards]
    rtl = simulate(design, steps, sim, rewards=q)
    g_t, g_i = gold["spikes"]
    r_t, r_i = rtl["spikes"]
    order = np.lexsort((r_i, r_t))
    assert (g_i < n).sum() > 2 * n, "too few spikes for the test to mean anything"
    np.testing.assert_array_equal(r_t[order], g_t)
    np.testing.assert_array_equal(r_i[order], g_i)
    for f, want in gold["state"].items():
        np.testing.assert_array_equal(rtl["state"][f], want, err_msg=f"final state {f!r}")
    bad = np.flatnonzero(rtl["weights"] != gold["weights"])
    assert bad.size == 0, f"{bad.size} final weights differ, first: synapse {bad[0]}"
    if rule[0] == "tf":
        bad = np.flatnonzero(rtl["elig"] != gold["elig"])
        assert bad.size == 0, f"{bad.size} final eligibilities differ, first: synapse {bad[0]}"
        assert np.count_nonzero(gold["elig"]) > design.counts["plastic_synapses"] // 4
    assert rtl["mod"] == gold["mod"], (rtl["mod"], gold["mod"])
    assert rtl["sat"] == gold["sat"] + gold["plastic_sat"]
    w0 = np.zeros(design.counts["synapses"], np.int64)
    for p in net.plan.projs:
        w0[design.syn_index[p.name]] = F.quantize(p.weight, F.WEIGHT, "w")
    changed = int(np.sum(gold["weights"] != w0))
    assert changed > 0.3 * design.counts["plastic_synapses"], "the rule changed too few weights"
    return {"design": design, "gold": gold, "rtl": rtl}


@pytest.mark.parametrize("case", [c for c in CASES if c not in BOTH])
def test_learning_bitexact_icarus(tmp_path, case, iverilog_available):
    run_case(tmp_path, case, "icarus")


@pytest.mark.parametrize("case", BOTH)
def test_learning_bitexact_simulators(tmp_path, case, sim):
    run_case(tmp_path, case, sim)


def test_a_one_lsb_modulator_gain_error_is_detected(tmp_path, iverilog_available):
    """The comparison can fail: the astrocyte's gain per liquid spike larger by one Q8.24 LSB (6e-8) in the
    emitted top changes the modulator register (and so the depression rates)."""
    kind, n, dt, seed, rate, delay, steps, _ = CASES["astro-lif-n20"]
    net = random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt, rule_fn=astro(kind, dt))
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/", system=False)
    top = tmp_path / "spikesim_top.v"
    g = design.params["MG0"]
    text = top.read_text()
    assert f".MG0({g})," in text
    top.write_text(text.replace(f".MG0({g}),", f".MG0({g + 1}),"))
    gold = golden(net, steps, design)
    rtl = simulate(design, steps, "icarus")
    assert rtl["mod"] != gold["mod"]


def test_emitter_refusals_and_images(tmp_path):
    """A modulator without plastic projection is refused by the emitter; a three-factor design writes msrc.hex
    (bit k of an index: it is in source k) and sets ELIG/MODK in HW_INFO1."""
    net = ss.Network(dt=1.0)
    P = net.add_population("P", 4, ss.LIF(tau_m=10.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-65.0))
    net.add_modulator("DA", tau=100.0, source=P, per_spike=0.1)
    net.connect(P, P, ss.AllToAll(), synapse=ss.Delta(), weight=0.5)
    with pytest.raises(ss.SpecError, match="modulator 'DA': the Verilog backend updates the modulator in the plasticity"):
        emit(net.plan, tmp_path / "a")
    kind, n, dt, seed, rate, delay, _steps, rule = CASES["tf-lif-n24-additive-every7"]
    net = random_network(kind, n, seed=seed, rate_hz=rate, max_delay=delay, dt=dt, rule_fn=three_factor(kind, *rule[1:], dt))
    with pytest.warns(ss.DelayRoundingWarning):
        design = emit(net.plan, tmp_path / "b")
    words = [int(w, 16) for w in (tmp_path / "b" / "msrc.hex").read_text().split()]
    first, n_e = design.pops["E"]
    assert len(words) == 1 << design.params["SB"] and sum(words) == n_e
    assert words[first:first + n_e] == [1] * n_e
    assert design.params["PERIOD"] == 7 and design.sys_params["HW_INFO1"] >> 28 == 0b011
