"""The cocotb side of :func:`spikesim.fpga.sim_host.simulate`: the simulated bus under the shared driver.

Imported only inside the simulator (cocotb test module of ``spikesim_axi_top``). It clocks (10 ns)
and resets the design, waits for the clear after reset, then runs the host function (unpickled from
``$SS_HOST``) in a thread (``cocotb.task.bridge``) with a :class:`~spikesim.fpga.driver.CoreDriver`
on :class:`SimBus`; every bus access hands over to the simulation (``cocotb.task.resume``). The
host function's return value, or its exception, is pickled to ``$SS_RESULT``.

* :class:`AxiLite` — an in-order AXI4-Lite master (one transaction at a time, BREADY/RREADY high).
  Signals are driven right after a rising edge and sampled in the ReadOnly phase of the same cycle.
* :class:`AxisSource` — an AXI4-Stream source on ``s_axis_*`` (TLAST on the last word).
* :class:`SimDma` — plays pynq's AXI DMA: ``sendchannel.transfer(buffer)`` / ``sendchannel.wait()``.
* :class:`SimBus` — the driver's transport: ``read`` / ``write`` / ``write_many`` / ``read_many`` /
  ``pause``; ``bus.dma`` is the simulated DMA, ``bus.cycles`` the clocks from each START write to
  the ``irq`` rise that ends the run (summed over runs).
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import bridge, resume
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from . import regmap as rm
from .driver import CoreDriver

PERIOD_NS = 10
_START = rm.by_name("CTRL").field("START").mask
_CTRL = rm.by_name("CTRL").offset


class AxiLite:
    """A minimal in-order AXI4-Lite master on ``s_axil_*`` (one transaction at a time)."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        for sig in ("awvalid", "wvalid", "arvalid", "awprot", "arprot", "awaddr", "araddr", "wdata"):
            getattr(dut, f"s_axil_{sig}").value = 0
        dut.s_axil_wstrb.value = 0xF
        dut.s_axil_bready.value = 1
        dut.s_axil_rready.value = 1

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
        d.s_axil_arvalid.value = 1
        while True:
            await ReadOnly()
            done = int(d.s_axil_arready.value) == 1
            await RisingEdge(d.aclk)
            if done:
                d.s_axil_arvalid.value = 0
                break
        while True:
            await ReadOnly()
            if int(d.s_axil_rvalid.value) == 1:
                data = int(d.s_axil_rdata.value)
                await RisingEdge(d.aclk)
                return data
            await RisingEdge(d.aclk)


class AxisSource:
    """An AXI4-Stream source on ``s_axis_tdata/tvalid/tready/tlast`` (``gap``: idle clocks between beats)."""

    def __init__(self, dut: Any, gap: int = 0) -> None:
        self.dut, self.gap, self.beats = dut, int(gap), 0
        dut.s_axis_tvalid.value = 0
        dut.s_axis_tdata.value = 0
        dut.s_axis_tlast.value = 0

    async def send(self, words: Sequence[int]) -> None:
        d = self.dut
        for k, w in enumerate(words):
            d.s_axis_tdata.value = int(w) & 0xFFFFFFFF
            d.s_axis_tlast.value = int(k == len(words) - 1)
            d.s_axis_tvalid.value = 1
            while True:
                await ReadOnly()
                ok = int(d.s_axis_tready.value) == 1
                await RisingEdge(d.aclk)
                if ok:
                    break
            d.s_axis_tvalid.value = 0
            d.s_axis_tlast.value = 0
            self.beats += 1
            if self.gap:
                await ClockCycles(d.aclk, self.gap)


class _SendChannel:
    def __init__(self, source: AxisSource) -> None:
        self.source = source
        self._task: Any = None

    async def _start(self, words: list[int]) -> None:
        self._task = cocotb.start_soon(self.source.send(words))

    async def _wait(self) -> None:
        if self._task is not None:
            await self._task
            self._task = None

    def transfer(self, buffer: Any) -> None:
        """Start streaming ``buffer`` (uint32 words); returns at once, like pynq's MM2S channel."""
        resume(self._start)([int(w) for w in np.asarray(buffer).reshape(-1)])

    def wait(self) -> None:
        """Block until the whole buffer has been accepted by the stream slave."""
        resume(self._wait)()


class SimDma:
    """pynq's ``AxiDMA`` as far as the driver uses it: ``sendchannel.transfer`` / ``sendchannel.wait``."""

    def __init__(self, source: AxisSource) -> None:
        self.sendchannel = _SendChannel(source)


def sim_allocate(shape: Any, dtype: Any = np.uint32) -> np.ndarray:
    """``pynq.allocate`` in simulation: a plain numpy array."""
    return np.zeros(shape, dtype)


class SimBus:
    """The driver's transport on the simulated AXI4-Lite port of ``spikesim_axi_top``."""

    def __init__(self, dut: Any, poll_clocks: int = 32) -> None:
        self.dut, self.axi, self.poll_clocks = dut, AxiLite(dut), int(poll_clocks)
        self.dma = SimDma(AxisSource(dut)) if hasattr(dut, "s_axis_tvalid") else None  # None: no stream port
        self.cycles = 0
        self.accesses = 0
        self._t_start: float | None = None
        cocotb.start_soon(self._watch_irq())

    async def _watch_irq(self) -> None:  # irq = CTRL.IRQ_EN & STATUS.DONE rises when a run ends
        while True:
            await RisingEdge(self.dut.irq)
            if self._t_start is not None:
                self.cycles += round((get_sim_time("ns") - self._t_start) / PERIOD_NS)
                self._t_start = None

    async def _write(self, offset: int, value: int) -> None:
        if offset == _CTRL and value & _START:
            self._t_start = get_sim_time("ns")
        await self.axi.write(offset, value)

    async def _write_many(self, offset: int, words: list[int]) -> None:
        for w in words:
            await self.axi.write(offset, w)

    async def _read_many(self, offset: int, n: int) -> list[int]:
        return [await self.axi.read(offset) for _ in range(n)]

    async def _pause(self) -> None:
        await ClockCycles(self.dut.aclk, self.poll_clocks)

    def read(self, offset: int) -> int:
        self.accesses += 1
        return resume(self.axi.read)(int(offset))

    def write(self, offset: int, value: int) -> None:
        self.accesses += 1
        resume(self._write)(int(offset), int(value))

    def write_many(self, offset: int, words: Sequence[int]) -> None:
        self.accesses += len(words)
        resume(self._write_many)(int(offset), [int(w) for w in words])

    def read_many(self, offset: int, n: int) -> list[int]:
        self.accesses += int(n)
        return resume(self._read_many)(int(offset), int(n))

    def pause(self) -> None:
        """Between two polls: let ``poll_clocks`` clocks pass."""
        resume(self._pause)()

    def now_ns(self) -> float:
        """Simulated time in ns."""
        return resume(self._now)()

    async def _now(self) -> float:
        return float(get_sim_time("ns"))

    def __repr__(self) -> str:
        return "SimBus(spikesim_axi_top)"


@cocotb.test()
async def host(dut: Any) -> None:
    """Clock, reset, wait for idle, run the pickled host function with a CoreDriver on SimBus."""
    fn, args, kwargs = pickle.loads(Path(os.environ["SS_HOST"]).read_bytes())
    cocotb.start_soon(Clock(dut.aclk, PERIOD_NS, unit="ns").start())
    bus = SimBus(dut)
    dut.aresetn.value = 0
    await ClockCycles(dut.aclk, 4)
    dut.aresetn.value = 1
    await RisingEdge(dut.aclk)

    def body() -> Any:
        driver = CoreDriver(bus, timeout_s=None, allocate=sim_allocate)
        driver.wait_idle()  # the core clears its delay ring after a reset
        return fn(driver, *args, **kwargs)

    try:
        outcome: tuple = ("ok", await bridge(body)())
    except Exception as exc:  # handed to the caller, which raises it
        outcome = ("err", exc, traceback.format_exc())
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:  # an unpicklable result or exception
        data = pickle.dumps(("err", RuntimeError(f"host function outcome not picklable: {exc!r}"),
                             outcome[-1] if outcome[0] == "err" else ""))
    Path(os.environ["SS_RESULT"]).write_bytes(data)
