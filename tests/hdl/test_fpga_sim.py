"""backend="fpga_sim": the emitted core behind the AXI4-Lite block (hdl/rtl/ss_system.v + axil_regs.v),
simulated with cocotb and driven over the bus like a board, gives the same Result as jax_fixed."""

from __future__ import annotations

import numpy as np
import pytest
from test_core_bitexact import random_network

import spikesim as ss
from spikesim.backends.fpga_sim import FpgaSimRunner

pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")


def assert_same_spikes(a: ss.Result, b: ss.Result, names=("E", "I", "S")) -> int:
    total = 0
    for name in names:
        for k in (0, 1):
            np.testing.assert_array_equal(a.spikes(name)[k], b.spikes(name)[k], err_msg=name)
        total += a.spikes(name)[0].size
    return total


@pytest.mark.parametrize("kind", ["lif", "izh"])
def test_fpga_sim_equals_jax_fixed(kind):
    dt = 0.1 if kind == "lif" else 1.0
    net, ref = (random_network(kind, 24, seed=11, dt=dt, saturate=kind == "lif") for _ in range(2))
    res = net.run(250 * dt, backend="fpga_sim")
    gold = ref.run(250 * dt, backend="jax_fixed")
    assert assert_same_spikes(res, gold) > 100
    for pop in ("E", "I"):
        for var, want in ref.state(pop).items():
            np.testing.assert_array_equal(net.state(pop)[var], want, err_msg=f"{pop}.{var}")
    assert res.info["saturation"]["all"] == sum(gold.info["saturation"].values())
    if kind == "lif":
        assert res.info["saturation"]["all"] > 100


def test_a_second_run_continues_and_a_tiny_fifo_loses_nothing():
    net = random_network("lif", 16, seed=12, rate_hz=1500.0)
    gold = net.run(30.0, backend="jax_fixed")
    runner = FpgaSimRunner(net.plan, fifo_aw=2)  # 4 entries: the run pauses until the host drains it
    recs = [r for r in net.records if r.var == "spikes"]
    first, second = runner.run(150, recs), runner.run(150, recs)
    assert first.t_stop == second.t_start == 15.0
    for name in ("E", "I", "S"):
        t = np.concatenate([first.spikes(name)[0], second.spikes(name)[0]])
        i = np.concatenate([first.spikes(name)[1], second.spikes(name)[1]])
        np.testing.assert_array_equal(t, gold.spikes(name)[0])
        np.testing.assert_array_equal(i, gold.spikes(name)[1])
    assert gold.spikes("E")[0].size > 50


def test_fpga_sim_records_spikes_only():
    net = random_network("lif", 8, seed=13)
    net.record("E", "v")
    with pytest.raises(ss.SpecError, match="backend 'fpga_sim' records spikes only"):
        net.run(1.0, backend="fpga_sim")


def test_fpga_sim_learns_like_jax_fixed():
    """Pair STDP on chip, through the AXI4-Lite system: spikes and every learned weight equal jax_fixed."""
    rule = ss.STDP(a_plus=2.0, a_minus=2.1, tau_pre=2.0, tau_post=3.0, w_min=0.0, w_max=64.0, pairing="nearest")
    net, ref = (random_network("lif", 16, seed=14, stdp=rule) for _ in range(2))
    res = net.run(30.0, backend="fpga_sim")
    gold = ref.run(30.0, backend="jax_fixed")
    assert assert_same_spikes(res, gold) > 50
    changed = 0
    for name, proj in ref.projections.items():
        got, want = net.connections(name)["weight"], ref.connections(name)["weight"]
        np.testing.assert_array_equal(got, want, err_msg=name)
        if proj.plasticity is not None:
            changed += int(np.sum(want != ref.plan.proj(name).weight.astype(np.float32)))
    assert changed > 20  # the weights did learn
    net.projections["S->E#0"].plastic = False
    with pytest.raises(ss.SpecError, match="plastic = False cannot be simulated by backend 'fpga_sim'"):
        net.run(1.0, backend="fpga_sim")
