"""The cocotb side of ``backend="fpga_sim"``: drives spikesim_axi_top through AXI4-Lite, like a host.

Imported only inside the simulator (by :mod:`spikesim.backends.fpga_sim` through cocotb). Writes
STEPS and CTRL.START, drains SPIKE_DATA while the run goes on, then reads the STATE memory and the
counters (and, for a plastic design, the WEIGHT memory), and writes everything to the JSON file
named by ``$SS_OUT``. Signals are driven right
after a rising edge and sampled in the ReadOnly phase of the same cycle.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from spikesim.fpga import regmap as rm


class AxiLite:
    """A minimal in-order AXI4-Lite master (one transaction at a time, BREADY/RREADY always high)."""

    def __init__(self, dut) -> None:
        self.dut = dut
        for sig in ("awvalid", "wvalid", "arvalid", "awprot", "arprot", "awaddr", "araddr", "wdata"):
            getattr(dut, f"s_axil_{sig}").value = 0
        dut.s_axil_wstrb.value = 0xF
        dut.s_axil_bready.value = 1
        dut.s_axil_rready.value = 1

    async def _handshake(self, valid: str, ready: str) -> None:
        d = self.dut
        getattr(d, valid).value = 1
        while True:
            await ReadOnly()
            done = int(getattr(d, ready).value) == 1
            await RisingEdge(d.aclk)
            if done:
                getattr(d, valid).value = 0
                return

    async def write(self, addr: int, data: int) -> None:
        d = self.dut
        d.s_axil_awaddr.value = addr
        d.s_axil_wdata.value = data
        d.s_axil_awvalid.value = 1
        d.s_axil_wvalid.value = 1
        aw = w = b = False
        while not b:
            await ReadOnly()
            aw_now = not aw and int(d.s_axil_awready.value) == 1
            w_now = not w and int(d.s_axil_wready.value) == 1
            b = aw and w and int(d.s_axil_bvalid.value) == 1
            await RisingEdge(d.aclk)
            if aw_now:
                aw, d.s_axil_awvalid.value = True, 0
            if w_now:
                w, d.s_axil_wvalid.value = True, 0

    async def read(self, addr: int) -> int:
        d = self.dut
        d.s_axil_araddr.value = addr
        await self._handshake("s_axil_arvalid", "s_axil_arready")
        while True:
            await ReadOnly()
            if int(d.s_axil_rvalid.value) == 1:
                data = int(d.s_axil_rdata.value)
                await RisingEdge(d.aclk)
                return data
            await RisingEdge(d.aclk)


@cocotb.test()
async def run(dut):
    steps, n, lanes = (int(os.environ[k]) for k in ("SS_STEPS", "SS_N", "SS_LANES"))
    reg = {name: rm.by_name(name).offset for name in ("CTRL", "STATUS", "STEPS", "STEP_COUNT", "MEM_SEL", "MEM_ADDR",
                                                      "MEM_RDATA", "SPIKE_DATA", "SAT_COUNT", "ID")}
    done_bit = 1 << rm.by_name("STATUS").field("DONE").lsb
    cocotb.start_soon(Clock(dut.aclk, 10, unit="ns").start())
    bus = AxiLite(dut)
    dut.aresetn.value = 0
    await ClockCycles(dut.aclk, 4)
    dut.aresetn.value = 1
    await RisingEdge(dut.aclk)
    assert await bus.read(reg["ID"]) == rm.ID_VALUE
    busy_bit = 1 << rm.by_name("STATUS").field("BUSY").lsb
    while await bus.read(reg["STATUS"]) & busy_bit:  # the core clears its delay ring after a reset
        await ClockCycles(dut.aclk, 16)
    await bus.write(reg["STEPS"], steps)
    ctrl = rm.by_name("CTRL")
    t_start = get_sim_time("ns")
    t_done: list[float] = []

    async def watch_done() -> None:  # irq = IRQ_EN & STATUS.DONE rises when the run ends
        await RisingEdge(dut.irq)
        t_done.append(get_sim_time("ns"))

    end = cocotb.start_soon(watch_done())
    await bus.write(reg["CTRL"], (1 << ctrl.field("START").lsb) | (1 << ctrl.field("IRQ_EN").lsb))
    spikes, finished = [], False
    while True:
        word = await bus.read(reg["SPIKE_DATA"])
        if word >> 31:
            spikes.append(word & 0x7FFFFFFF)
            continue
        if finished:
            break
        finished = bool(await bus.read(reg["STATUS"]) & done_bit)  # one more drain after DONE
        if not finished:
            await ClockCycles(dut.aclk, 32)
    assert await bus.read(reg["STEP_COUNT"]) == steps
    await end
    cycles = round((t_done[0] - t_start) / 10)  # from the START write to DONE (10 ns clock)
    await bus.write(reg["MEM_SEL"], rm.MEMORIES["STATE"] | (1 << rm.by_name("MEM_SEL").field("AUTO_INC").lsb))
    await bus.write(reg["MEM_ADDR"], 0)
    state = [await bus.read(reg["MEM_RDATA"]) for _ in range(n * lanes)]
    weights = []  # the learned weights (plastic designs): WEIGHT memory, sign-extended from 32 bits
    n_syn = int(os.environ.get("SS_NSYN", "0"))
    if n_syn:
        await bus.write(reg["MEM_SEL"], rm.MEMORIES["WEIGHT"] | (1 << rm.by_name("MEM_SEL").field("AUTO_INC").lsb))
        await bus.write(reg["MEM_ADDR"], 0)
        for _ in range(n_syn):
            w = await bus.read(reg["MEM_RDATA"])
            weights.append(w - (1 << 32) if w >> 31 else w)
    sat = await bus.read(reg["SAT_COUNT"])
    with open(os.environ["SS_OUT"], "w") as f:
        json.dump({"spikes": spikes, "state": state, "sat": sat, "cycles": cycles, "weights": weights}, f)
