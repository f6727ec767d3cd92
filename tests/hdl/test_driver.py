"""The host driver (spikesim/fpga/driver.py) against the simulated RTL of spikesim_axi_top, on Icarus and Verilator.

One simulation per simulator runs ``driver_hosts.axi_program`` (a plain function of a CoreDriver)
through :func:`spikesim.fpga.sim_host.simulate`. The hardware is built from network A; the driver
loads network B (same structure, other weights, delays and initial state) through MEM_WDATA and
the AXI4-Stream DMA port (``ss_axis_loader.v``), reads every memory back, runs it in two pieces and
its spikes, final state and SAT_COUNT equal ``jax_fixed`` on B bit for bit. Also: memory writes while
a run is in progress are refused by the driver and, forced, rejected and counted by the hardware (over
MEM_WDATA and over the DMA); MODULATOR is set, read back and rewarded with saturation; a DMA transfer
interleaved with register writes and reads. Pure-Python tests: the reward segments of fpga_sim, spike
decoding and the errors on a fake bus.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from driver_hosts import axi_program
from rtl_sim import golden
from test_core_bitexact import random_network

import spikesim as ss
from spikesim import fixed as F
from spikesim.backends.fpga_sim_bench import reward_segments
from spikesim.backends.verilog import Design, emit, unpack_state
from spikesim.fpga import regmap as rm
from spikesim.fpga.driver import CoreDriver, DesignMismatchError, HwInfo, RunTimeoutError, WrongCoreError
from spikesim.fpga.sim_host import simulate
from spikesim.fpga.tools import cache_dir

STEPS = 120
pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")


def variant(net: ss.Network, delays: bool = True) -> ss.Network:
    """``net`` (not yet run) changed in place into a network of the same structure (the same hardware):
    weights x 0.7, initial v + 2 mV and, with ``delays``, delays shortened by one step (min 1)."""
    plan = net.plan  # lowered once and cached: changing its tables changes what jax_fixed runs
    for proj in plan.projs:
        proj.weight[:] = np.asarray(proj.weight) * 0.7
        if delays:
            d = np.asarray(proj.delay_steps)
            proj.delay_steps[:] = np.where(d > 1, d - 1, d)  # the ring depth (a power of two) stays
    for pop in plan.pops:
        if pop.kind == "neurons":
            pop.init["v"] = np.asarray(pop.init["v"]) + 2.0
    return net


def _networks() -> tuple[ss.Network, ss.Network]:
    """Network A (the hardware) and B: A's structure with other weights, delays and initial v."""
    net_a = random_network("lif", 16, seed=31, rate_hz=900.0, max_delay=4)
    return net_a, variant(random_network("lif", 16, seed=31, rate_hz=900.0, max_delay=4))


def _emit(plan, name: str) -> Design:
    """Emit into a fixed cache directory (stable paths: the simulator build is reused between sessions)."""
    out = cache_dir() / "driver_test" / name
    out.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with tempfile.TemporaryDirectory(dir=out.parent) as stage, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            design = emit(plan, stage, mem_dir=f"{out}/")
            for f in Path(stage).iterdir():
                if not (out / f.name).exists() or (out / f.name).read_bytes() != f.read_bytes():
                    os.replace(f, out / f.name)
    moved = {k: [out / p.name for p in getattr(design, k)] for k in ("sources", "axi_sources", "uart_sources")}
    return dataclasses.replace(design, out_dir=out, **moved)


@pytest.fixture(scope="module")
def case():
    net_a, net_b = _networks()
    hw, other = _emit(net_a.plan, "hw"), _emit(net_b.plan, "loaded")
    gold = golden(net_b, STEPS, other)
    return hw, other, gold


def test_driver_on_the_simulated_axi_system(sim: str, case) -> None:
    hw, other, gold = case
    t0 = time.perf_counter()
    out = simulate(hw, axi_program, other, STEPS, 100, sim=sim, build_root=cache_dir() / "driver_test" / "sim_build")
    print(f"{sim}: {time.perf_counter() - t0:.1f} s, images {out['images']}, {out['dma_beats']} words by DMA")
    assert out["id"]["version"] == rm.VERSION and out["info"].n_neurons == hw.n_neurons
    # refused while busy (driver), rejected and counted (hardware: 3 MEM_WDATA writes + 5 DMA words + 1 read)
    assert out["busy"].startswith("CoreBusyError: cannot write memory STATE")
    assert out["rejected"].startswith("WriteRejectedError: 3 of the 3 words written to STATE were rejected")
    assert out["rejected_dma"].startswith("WriteRejectedError: 5 of the 5 words written to WEIGHT")
    assert out["read_busy"].startswith("CoreBusyError")
    assert out["counters_busy"]["REJECT_COUNT"] == 8 and out["status_after_busy"]["WRITE_REJECTED"]
    # the modulator: Q8.24 round trip, reward, saturation at int32
    assert out["m_set"] == 1.5 and out["m_reward"] == 1.25
    assert out["m_saturated"] == (F.to_float((1 << 31) - 1, F.COEF), (1 << 31) - 1)
    # a DMA interleaved with host register accesses
    assert out["scratch"] == [0xA5A50000 + k for k in range(6)] and out["dma_readback"]
    # the load: big images by DMA, the rest by MEM_WDATA; verified; counters cleared by the reset
    big = sum(n for m, n in out["loaded"].items() if n >= 100)
    assert out["dma_beats"] == big and 0 < big < sum(out["loaded"].values())
    check_load_and_run(out, hw, gold, STEPS, min_spikes=40)


def check_load_and_run(out: dict, hw: Design, gold: dict, steps: int, min_spikes: int) -> None:
    """driver_hosts.load_and_run's answers against jax_fixed on the loaded network (any bus)."""
    assert out["counters_after_load"] == {"SAT_COUNT": 0, "OVERFLOW_COUNT": 0, "REJECT_COUNT": 0, "STEP_COUNT": 0}
    assert out["m"] == (0.75, -0.75, -(3 << 22))  # Q8.24: -0.75 = -0xC00000
    order = np.lexsort((out["idx"], out["steps"]))
    g_t, g_i = gold["spikes"]
    assert (g_i < hw.n_neurons).sum() > min_spikes, "too few spikes for the test to mean anything"
    np.testing.assert_array_equal(out["steps"][order], g_t)
    np.testing.assert_array_equal(out["idx"][order], g_i)
    lanes = 1 << hw.sys_params["SLB"]
    words = [sum(int(out["state"][i * lanes + j]) << (32 * j) for j in range(2 + hw.params["NCUR"]))
             for i in range(hw.n_neurons)]
    got = unpack_state(hw, words)
    for f, want in gold["state"].items():
        np.testing.assert_array_equal(got[f], want, err_msg=f"final state {f!r}")
    assert out["counters"]["SAT_COUNT"] == gold["sat"] and out["counters"]["STEP_COUNT"] == steps


# ---------------------------------------------------------------------- pure Python
class FakeBus:
    """Registers in a dict; SPIKE_DATA pops from a list; STATUS never DONE unless told."""

    def __init__(self, info1: int = 4 << 8, spikes: list[int] | None = None) -> None:
        self.regs = {rm.by_name("ID").offset: rm.ID_VALUE, rm.by_name("HW_INFO0").offset: 12 | (16 << 16),
                     rm.by_name("HW_INFO1").offset: info1,
                     rm.by_name("VERSION").offset: (rm.VERSION[0] << 16) | (rm.VERSION[1] << 8)}
        self.spikes = list(spikes or [])

    def read(self, offset: int) -> int:
        if offset == rm.by_name("SPIKE_COUNT").offset:
            return len(self.spikes)
        if offset == rm.by_name("SPIKE_DATA").offset:
            return (self.spikes.pop(0) | 1 << 31) if self.spikes else 0
        return self.regs.get(offset, 0)

    def write(self, offset: int, value: int) -> None:
        self.regs[offset] = value


def test_spike_words_are_decoded_and_unwrapped() -> None:
    sb = 4
    period = 1 << (31 - sb)
    steps = [0, 3, period - 1, period, period + 5, 2 * period + 2]  # gaps < period
    words = [((s % period) << sb) | (s % 16) for s in steps]
    d = CoreDriver(FakeBus(info1=sb << 8, spikes=words[:3]))
    assert d.info == HwInfo(12, 16, 0, 0, sb, 0, 0, 0)
    first = d.read_spikes()
    d.bus.spikes = words[3:]
    second = d.read_spikes()  # the unwrapping carries over between calls
    assert np.concatenate([first.steps, second.steps]).tolist() == steps
    assert np.concatenate([first.idx, second.idx]).tolist() == [s % 16 for s in steps]
    parts = first.split({"A": (0, 4), "B": (4, 12)})
    assert parts["A"][0].tolist() == [0, 3] and parts["A"][1].tolist() == [0, 3]
    assert parts["B"][0].tolist() == [period - 1] and parts["B"][1].tolist() == [(period - 1) % 16 - 4]


def test_driver_errors_are_clear() -> None:
    bus = FakeBus()
    bus.regs[0] = 0xDEADBEEF
    with pytest.raises(WrongCoreError, match="ID reads 0xdeadbeef, expected 0x53504b53"):
        CoreDriver(bus)
    bus = FakeBus()
    bus.regs[rm.by_name("VERSION").offset] = (rm.VERSION[0] + 1) << 16
    with pytest.raises(WrongCoreError, match="register map version"):
        CoreDriver(bus)
    d = CoreDriver(FakeBus(), timeout_s=0.05)
    d.bus.regs[rm.by_name("STATUS").offset] = 0  # idle, never DONE
    with pytest.raises(RunTimeoutError, match=r"run not DONE after 0\.05 s"):
        d.run(10)
    d.bus.regs[rm.by_name("STATUS").offset] = 1  # BUSY
    with pytest.raises(Exception, match="the core is busy"):
        d.write_memory("STATE", [1])
    with pytest.raises(ValueError, match="a waited run needs at least one step"):
        d.run(0)
    with pytest.raises(F.SpecError, match=r"modulator=200 is outside the fixed-point format Q8\.24"):
        d.set_modulator(200.0)


def test_load_refuses_another_design(case) -> None:
    hw, _, _ = case
    bus = FakeBus(info1=hw.sys_params["HW_INFO1"] ^ (1 << 8))
    bus.regs[rm.by_name("HW_INFO0").offset] = hw.sys_params["HW_INFO0"]
    with pytest.raises(DesignMismatchError, match="rebuild the bitstream"):
        CoreDriver(bus).load(hw)


def test_reward_segments() -> None:
    assert reward_segments(10, []) == [("run", 10)]
    assert reward_segments(10, [(0, 1.0), (4, 2.0), (4, -1.0), (10, 5.0)]) == [
        ("reward", 1.0), ("run", 4), ("reward", 2.0), ("reward", -1.0), ("run", 6)]
    assert reward_segments(5, [(5, 1.0)]) == [("run", 5)]
    assert reward_segments(5, [(4, 1.0), (2, 3.0)]) == [("run", 2), ("reward", 3.0), ("run", 2), ("reward", 1.0),
                                                        ("run", 1)]


def test_fpga_sim_replays_rewards_with_a_three_factor_rule() -> None:
    """fpga_sim with a three-factor rule (test_learning_bitexact.three_factor: DA released by E, periodic
    update) and rewards over two runs: each run re-simulates from step 0 and replays every reward between
    steps s-1 and s; spikes, learned weights and the modulator equal jax_fixed's."""
    from test_learning_bitexact import three_factor

    dt = 0.1
    nets = [random_network("lif", 24, seed=31, rate_hz=400.0, max_delay=10, dt=dt,
                           rule_fn=three_factor("lif", "additive", 0.7, dt)) for _ in range(2)]
    res, gold = [], []
    for net in nets:
        net.reward("DA", 0.8, at=6.0)
        net.reward("DA", -0.5, at=6.0)
    res.append(nets[0].run(10.0, backend="fpga_sim"))
    gold.append(nets[1].run(10.0, backend="jax_fixed"))
    for net in nets:
        net.reward("DA", 1.2)  # at the start of the second run (step 100)
        net.reward("DA", 0.3, at=14.1)
    res.append(nets[0].run(8.0, backend="fpga_sim"))
    gold.append(nets[1].run(8.0, backend="jax_fixed"))
    for r, g in zip(res, gold):
        for name in ("E", "I", "S"):
            for k in (0, 1):
                np.testing.assert_array_equal(r.spikes(name)[k], g.spikes(name)[k], err_msg=name)
    assert sum(r.spikes("E")[0].size for r in res) > 48
    assert res[1].info["modulator"] == float(np.ravel(nets[1].modulator_value("DA"))[0])
    changed = 0
    for name, proj in nets[1].projections.items():
        want = nets[1].connections(name)["weight"]
        np.testing.assert_array_equal(nets[0].connections(name)["weight"], want, err_msg=name)
        if proj.plasticity is not None:
            changed += int(np.sum(want != nets[1].plan.proj(name).weight.astype(np.float32)))
    assert changed > 20
    with pytest.raises(ss.SpecError, match="one MODULATOR register"):  # rewards for two modulators
        nets[0]._runner.run(1, [], controls={"rewards": [("other", 180, 1.0)]})
