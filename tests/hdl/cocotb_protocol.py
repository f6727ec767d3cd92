"""cocotb protocol tests of spikesim_axi_top (ss_system + axil_regs + ss_core), run by test_protocol.py.

The host is axil_bfm.AxiLiteMaster (random VALID delays, random READY back-pressure, random AW/W
order). jax_fixed's answers (spikes, initial and final state, saturation count, initial and final
weights) come from the JSON file ``$SS_EXPECT``; the ``plastic_*`` tests run on the plastic design.
Memory addresses: STATE {neuron, lane[SLB-1:0]}, PARAM {neuron, lane[PLB-1:0]},
WEIGHT/DELAY/TARGET per synapse (see hdl/rtl/ss_system.v).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import cocotb
from axil_bfm import AxiLiteMaster
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from spikesim.fpga import regmap as rm

R = rm.by_name
X = json.loads(Path(os.environ["SS_EXPECT"]).read_text())
MEM = rm.MEMORIES
TIMEOUT = {"timeout_time": 40, "timeout_unit": "ms"}
FLAGS = ("DONE", "OVERFLOW", "SATURATED", "WRITE_REJECTED", "READ_REJECTED", "MEM_TIMEOUT")
AUTO_INC = R("MEM_SEL").field("AUTO_INC").mask


def bit(reg: str, fld: str) -> int:
    """Mask of a one-bit field."""
    return R(reg).field(fld).mask


def flags(status: int) -> set[str]:
    """Names of the sticky STATUS flags set in ``status``."""
    return {f for f in FLAGS if status & bit("STATUS", f)}


class Host:
    """Clock, reset and a randomizing AXI-Lite master, with register and memory helpers."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.rng = random.Random(random.getrandbits(32))
        dut.aresetn.value = 0
        cocotb.start_soon(Clock(dut.aclk, 10, unit="ns").start())
        self.axi = AxiLiteMaster(dut, self.rng, max_delay=3, p_ready=self.rng.uniform(0.3, 1.0))
        dut.s_axis_tvalid.value = 0  # the AXI4-Stream load port is idle (tests/hdl/test_driver.py uses it)
        dut.s_axis_tdata.value = 0
        dut.s_axis_tlast.value = 0

    async def reset(self) -> None:
        """aresetn for 5 clocks, then wait until the ring clear is over (BUSY = 0)."""
        await RisingEdge(self.dut.aclk)
        self.dut.aresetn.value = 0
        await ClockCycles(self.dut.aclk, 5)
        self.dut.aresetn.value = 1
        await self.wait_idle()

    async def rd(self, name: str) -> int:
        return await self.axi.read(R(name).offset)

    async def wr(self, name: str, value: int) -> None:
        await self.axi.write(R(name).offset, value)

    async def wait_idle(self, limit: int = 500) -> None:
        for _ in range(limit):
            if not await self.rd("STATUS") & bit("STATUS", "BUSY"):
                return
        raise AssertionError("STATUS.BUSY never fell")

    async def mem_write(self, mem: str, addr: int, words: list[int]) -> None:
        """Write consecutive words from ``addr`` (AUTO_INC)."""
        await self.wr("MEM_SEL", MEM[mem] | AUTO_INC)
        await self.wr("MEM_ADDR", addr)
        for w in words:
            await self.wr("MEM_WDATA", w & 0xFFFFFFFF)

    async def mem_read(self, mem: str, addr: int, n: int) -> list[int]:
        """Read ``n`` consecutive words from ``addr`` (AUTO_INC)."""
        await self.wr("MEM_SEL", MEM[mem] | AUTO_INC)
        await self.wr("MEM_ADDR", addr)
        return [await self.rd("MEM_RDATA") for _ in range(n)]

    async def state(self) -> list[list[int]]:
        """Every neuron's state lanes."""
        lanes, slb = X["lanes"], X["sys"]["SLB"]
        out = []
        for i in range(X["n"]):
            out.append(await self.mem_read("STATE", i << slb, lanes))
        return out

    async def write_state(self, state: list[list[int]]) -> None:
        slb = X["sys"]["SLB"]
        for i, lanes in enumerate(state):
            await self.mem_write("STATE", i << slb, lanes)

    async def start(self, steps: int) -> None:
        await self.wr("STEPS", steps)
        await self.wr("CTRL", bit("CTRL", "START") | bit("CTRL", "IRQ_EN"))

    async def drain(self, until_step: int | None = None) -> list[list[int]]:
        """Pop spikes until DONE (and the FIFO is empty), or until a spike of step >= ``until_step``."""
        sb, spikes, finished = X["p"]["SB"], [], False
        while True:
            word = await self.rd("SPIKE_DATA")
            if word >> 31:
                spikes.append([(word & 0x7FFFFFFF) >> sb, word & ((1 << sb) - 1)])
                if until_step is not None and spikes[-1][0] >= until_step:
                    return spikes
                continue
            if finished:
                return spikes
            finished = bool(await self.rd("STATUS") & bit("STATUS", "DONE"))

    async def check_run(self, spikes: list[list[int]]) -> None:
        """The run's spikes, counters, flags and final state equal jax_fixed's."""
        assert sorted(spikes) == X["spikes"], f"{len(spikes)} spikes, jax_fixed {len(X['spikes'])}"
        assert await self.rd("STEP_COUNT") == X["steps"]
        assert await self.rd("SAT_COUNT") == X["sat"]
        assert await self.rd("OVERFLOW_COUNT") == 0  # a full FIFO pauses the run: nothing is dropped
        assert await self.rd("SPIKE_COUNT") == 0
        status = await self.rd("STATUS")
        assert {"DONE", "SATURATED"} <= flags(status) and "OVERFLOW" not in flags(status), hex(status)
        assert int(self.dut.irq.value) == 1
        assert await self.state() == X["final_state"], "final state differs from jax_fixed"

    async def finish(self) -> None:
        await ClockCycles(self.dut.aclk, 10)
        assert not self.axi.errors, self.axi.errors[:5]
        assert not self.axi.b_pending and not self.axi.r_pending, "unanswered transactions"
        self.axi.stop()


def signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


@cocotb.test(**TIMEOUT)
async def idle_writes_read_back(dut: Any) -> None:
    """Idle writes to STATE, PARAM, WEIGHT, DELAY, TARGET read back and touch nothing else; restored, the run is exact."""
    h = Host(dut)
    await h.reset()
    rng, p, n_syn = h.rng, X["p"], X["n_syn"]
    assert await h.state() == X["init_state"]
    plb, plan = X["sys"]["PLB"], X["param_lanes"]
    syn = {m: await h.mem_read(m, 0, n_syn) for m in ("WEIGHT", "DELAY", "TARGET")}
    params = [await h.mem_read("PARAM", i << plb, plan) for i in range(2)]
    # random words everywhere (state of 3 neurons, all parameter lanes of 2, 12 synapses' fields)
    new_state = {i: [rng.getrandbits(32) for _ in range(X["lanes"])] for i in rng.sample(range(X["n"]), 3)}
    for i, lanes in new_state.items():
        await h.mem_write("STATE", i << X["sys"]["SLB"], lanes)
    new_params = [[rng.getrandbits(32) for _ in range(plan)] for _ in range(2)]
    for i, lanes in enumerate(new_params):
        await h.mem_write("PARAM", i << plb, lanes)
    picks = rng.sample(range(n_syn), 12)
    want = {m: list(v) for m, v in syn.items()}
    for k in picks:
        field = rng.choice(("WEIGHT", "DELAY", "TARGET"))
        value = {"WEIGHT": signed(rng.getrandbits(p["WB"]), p["WB"]), "DELAY": rng.randint(1, X["ring_depth"]),
                 "TARGET": rng.randrange(X["n"])}[field]
        await h.mem_write(field, k, [value])
        want[field][k] = value & 0xFFFFFFFF
    got_state = await h.state()
    for i in range(X["n"]):
        assert got_state[i] == new_state.get(i, X["init_state"][i]), f"neuron {i}"
    for i in range(2):
        assert await h.mem_read("PARAM", i << plb, plan) == new_params[i]
    for m in want:
        assert await h.mem_read(m, 0, n_syn) == want[m], m
    assert await h.rd("REJECT_COUNT") == 0 and not flags(await h.rd("STATUS"))
    # restore everything, then a run must be bit-exact
    await h.write_state(X["init_state"])
    for i in range(2):
        await h.mem_write("PARAM", i << plb, params[i])
    for m in syn:
        await h.mem_write(m, 0, syn[m])
    await h.start(X["steps"])
    await h.check_run(await h.drain())
    await h.finish()


@cocotb.test(**TIMEOUT)
async def busy_writes_rejected(dut: Any) -> None:
    """While running: MEM_WDATA writes are dropped (flag, counter), MEM_RDATA reads 0, START is ignored."""
    h = Host(dut)
    await h.reset()
    weights = await h.mem_read("WEIGHT", 0, 4)
    await h.wr("MEM_SEL", MEM["STATE"])
    await h.wr("MEM_ADDR", 0)
    await h.start(X["steps"])
    assert await h.rd("STATUS") & bit("STATUS", "BUSY")
    n_rej = 0
    for _ in range(3):  # the 4-entry FIFO is not drained: the run cannot end meanwhile
        await h.wr("MEM_WDATA", h.rng.getrandbits(32))
        n_rej += 1
    await h.wr("MEM_SEL", MEM["WEIGHT"] | AUTO_INC)
    for _ in range(4):
        await h.wr("MEM_WDATA", 0x7FFFFF)
        n_rej += 1
    assert await h.rd("MEM_RDATA") == 0
    n_rej += 1
    await h.wr("CTRL", bit("CTRL", "START") | bit("CTRL", "IRQ_EN"))  # ignored while busy
    status = await h.rd("STATUS")
    assert status & bit("STATUS", "BUSY") and {"WRITE_REJECTED", "READ_REJECTED"} <= flags(status), hex(status)
    assert await h.rd("REJECT_COUNT") == n_rej
    assert await h.rd("MEM_ADDR") == 0, "a rejected access must not auto-increment MEM_ADDR"
    spikes = await h.drain()
    await h.check_run(spikes)
    assert await h.mem_read("WEIGHT", 0, 4) == weights
    await h.wr("STATUS", bit("STATUS", "WRITE_REJECTED"))  # W1C: only that flag clears
    left = flags(await h.rd("STATUS"))
    assert "WRITE_REJECTED" not in left and "READ_REJECTED" in left
    assert await h.rd("REJECT_COUNT") == n_rej
    await h.finish()


@cocotb.test(**TIMEOUT)
async def reset_mid_run(dut: Any) -> None:
    """SOFT_RESET and aresetn in the middle of a run: counters, flags and FIFO cleared, ring cleared; rerun exact."""
    h = Host(dut)
    await h.reset()
    for how in ("soft", "aresetn"):
        await h.start(X["steps"])
        part = await h.drain(until_step=X["steps"] // 2)
        assert part and await h.rd("STEP_COUNT") > 0 and await h.rd("SAT_COUNT") > 0
        if how == "soft":
            await h.wr("CTRL", bit("CTRL", "SOFT_RESET"))
            assert await h.rd("STATUS") & bit("STATUS", "BUSY"), "the ring clear should show as BUSY"
            await h.wait_idle()
        else:
            await h.reset()
        for name in ("STEP_COUNT", "SAT_COUNT", "OVERFLOW_COUNT", "SPIKE_COUNT", "SPIKE_DATA", "REJECT_COUNT"):
            assert await h.rd(name) == 0, name
        assert not flags(await h.rd("STATUS")) and int(dut.irq.value) == 0
        assert await h.state() != X["init_state"], "the state RAM is not reset (the host restores it)"
        await h.write_state(X["init_state"])
        assert await h.state() == X["init_state"]
        await h.start(X["steps"])
        await h.check_run(await h.drain())
    await h.finish()


@cocotb.test(**TIMEOUT)
async def plastic_reset_mid_run(dut: Any) -> None:
    """Plastic design: a SOFT_RESET a third into a run also clears the STDP traces; with STATE and the initial
    weights written back, the rerun's spikes, state, SAT_COUNT (trace clamps) and learned weights are exact.
    (aresetn drives the same reset as SOFT_RESET: reset_mid_run covers both on the static design.)"""
    h = Host(dut)
    await h.reset()
    n_syn = X["n_syn"]
    assert await h.mem_read("WEIGHT", 0, n_syn) == X["init_weights"]
    await h.start(X["steps"])
    await h.drain(until_step=X["steps"] // 3)
    await h.wr("CTRL", bit("CTRL", "SOFT_RESET"))
    assert await h.rd("STATUS") & bit("STATUS", "BUSY"), "the clear sweep should show as BUSY"
    await h.wait_idle()
    for name in ("STEP_COUNT", "SAT_COUNT", "SPIKE_COUNT"):
        assert await h.rd(name) == 0, name
    learned = await h.mem_read("WEIGHT", 0, n_syn)
    assert sum(a != b for a, b in zip(learned, X["init_weights"])) > 0, "the first part should have learned"
    await h.write_state(X["init_state"])
    await h.mem_write("WEIGHT", 0, X["init_weights"])
    await h.start(X["steps"])
    await h.check_run(await h.drain())
    assert await h.mem_read("WEIGHT", 0, n_syn) == X["final_weights"], "learned weights differ from jax_fixed"
    await h.finish()
