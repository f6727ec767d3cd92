"""cocotb bench for the generated spikesim_top (hdl/rtl/ss_core.v): run SS_STEPS ticks, record
every step's spikes, the final neuron state and the final weights (SS_NSYN synapses, in the
design's synapse order) through the host read port, write them to SS_OUT
(JSON). SS_REWARDS (JSON [[step, q], ...]): before the tick of that step the bench does what the
host does for a reward: R = sat(R + q) on the modulator register (read mod_value, write mod_we);
SS_ELIG = 1: also read the eligibility of every synapse (host_sel 6); the final register always.
The comparison with jax_fixed happens in the pytest launchers (test_core_bitexact.py, ...)."""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, with_timeout


async def host_read(dut, sel: int, addr: int, lane: int = 0) -> int:
    """One host read while idle: address at a falling edge, data at the next falling edge."""
    dut.host_sel.value = sel
    dut.host_addr.value = addr
    dut.host_lane.value = lane
    await FallingEdge(dut.clk)
    return int(dut.host_rdata.value)


@cocotb.test()
async def run_network(dut):
    steps = int(os.environ["SS_STEPS"])
    n = int(os.environ["SS_N"])
    lanes = int(os.environ["SS_LANES"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.tick.value = 0
    dut.host_sel.value = 0
    dut.host_addr.value = 0
    dut.host_lane.value = 0
    dut.mod_we.value = 0
    dut.mod_wdata.value = 0
    rewards = {}
    for step, q in json.loads(os.environ.get("SS_REWARDS", "[]")):
        rewards.setdefault(int(step), []).append(int(q))
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0
    await FallingEdge(dut.clk)
    spikes = []
    for t in range(steps):
        for q in rewards.get(t, []):      # between step t-1 and step t: read-modify-write, saturating
            r = int(dut.mod_value.value)
            r = r - (1 << 32) if r >> 31 else r
            dut.mod_wdata.value = min(max(r + q, -(1 << 31)), (1 << 31) - 1) & 0xFFFFFFFF
            dut.mod_we.value = 1
            await FallingEdge(dut.clk)
            dut.mod_we.value = 0
        dut.tick.value = 1
        await FallingEdge(dut.clk)
        dut.tick.value = 0
        await with_timeout(RisingEdge(dut.done), 10 * int(os.environ["SS_MAX_CYCLES"]), "ns")
        await FallingEdge(dut.clk)
        assert int(dut.step.value) == t + 1
        count = int(dut.spike_count.value)
        for j in range(count):
            spikes.append((t, await host_read(dut, 1, j)))
    state = []
    for i in range(n):
        word = 0
        for lane in range(lanes):
            word |= await host_read(dut, 0, i, lane) << (32 * lane)
        state.append(word)
    weights = []
    for j in range(int(os.environ.get("SS_NSYN", "0"))):
        w = await host_read(dut, 4, j, 0)
        weights.append(w - (1 << 32) if w >> 31 else w)
    elig = []
    if os.environ.get("SS_ELIG") == "1":
        for j in range(int(os.environ.get("SS_NSYN", "0"))):
            e = await host_read(dut, 6, j, 0)
            elig.append(e - (1 << 32) if e >> 31 else e)
    m = await host_read(dut, 6, 0, 1)
    assert m == int(dut.mod_value.value)
    with open(os.environ["SS_OUT"], "w") as f:
        json.dump({"spikes": spikes, "state": state, "sat": int(dut.sat_count.value), "weights": weights,
                   "elig": elig, "mod": m - (1 << 32) if m >> 31 else m}, f)
