"""cocotb bus-functional models for the AXI-Lite tests: a randomizing AXI-Lite master and a model of the core.

Imported only inside a simulation (by ``cocotb_axil.py``), never by pytest. Conventions: every
coroutine drives signals right after a rising edge and samples them in the ``ReadOnly`` phase of the
same cycle, so a VALID/READY pair seen high there transfers at the next edge.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import cocotb
from cocotb.queue import Queue
from cocotb.triggers import Event, ReadOnly, RisingEdge


@dataclass
class _Item:
    delay: int
    payload: dict[str, int]


@dataclass
class _Pending:
    event: Event = field(default_factory=Event)
    value: int = 0
    resp: int = 0


class AxiLiteMaster:
    """AXI-Lite master with random VALID delays, random READY back-pressure and pipelined transactions.

    ``write()``/``read()`` may be called from several coroutines at once; transactions are issued in
    call order on each channel and answered in order. ``order`` chooses whether AW goes before W
    (``"aw"``), W before AW (``"w"``), both together (``"same"``) or at random (``None``).
    """

    def __init__(self, dut: Any, rng: random.Random, prefix: str = "s_axil", max_delay: int = 4,
                 p_ready: float = 0.5) -> None:
        self.dut = dut
        self.clk = dut.aclk
        self.rng = rng
        self.max_delay = max_delay
        self.p_ready = p_ready
        s = {n: getattr(dut, f"{prefix}_{n}") for n in (
            "awaddr", "awprot", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp", "bvalid",
            "bready", "araddr", "arprot", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready")}
        self.s = s
        for n in ("awvalid", "wvalid", "arvalid", "bready", "rready", "awaddr", "wdata", "wstrb", "araddr",
                  "awprot", "arprot"):
            s[n].value = 0
        self.aw_q: Queue[_Item] = Queue()
        self.w_q: Queue[_Item] = Queue()
        self.ar_q: Queue[_Item] = Queue()
        self.b_pending: deque[_Pending] = deque()
        self.r_pending: deque[_Pending] = deque()
        self.errors: list[str] = []
        self.n_writes = 0
        self.n_reads = 0
        self._tasks = [
            cocotb.start_soon(self._drive(self.aw_q, "awvalid", "awready", {"awaddr": "addr", "awprot": "prot"})),
            cocotb.start_soon(self._drive(self.w_q, "wvalid", "wready", {"wdata": "data", "wstrb": "strb"})),
            cocotb.start_soon(self._drive(self.ar_q, "arvalid", "arready", {"araddr": "addr", "arprot": "prot"})),
            cocotb.start_soon(self._receive("bvalid", "bready", self.b_pending, None, "bresp")),
            cocotb.start_soon(self._receive("rvalid", "rready", self.r_pending, "rdata", "rresp")),
        ]

    def stop(self) -> None:
        """Kill the channel coroutines (at the end of a test)."""
        for t in self._tasks:
            t.cancel()

    def _delay(self) -> int:
        return self.rng.randint(0, self.max_delay) if self.max_delay else 0

    async def _drive(self, queue: Queue[_Item], valid: str, ready: str, fields: dict[str, str]) -> None:
        sv, sr = self.s[valid], self.s[ready]
        while True:
            if queue.empty():
                sv.value = 0
                item = await queue.get()
                await RisingEdge(self.clk)
            else:
                item = queue.get_nowait()
            for _ in range(item.delay):
                sv.value = 0
                await RisingEdge(self.clk)
            for sig, key in fields.items():
                self.s[sig].value = item.payload[key]
            sv.value = 1
            while True:
                await ReadOnly()
                done = bool(sr.value)
                await RisingEdge(self.clk)
                if done:
                    break

    async def _receive(self, valid: str, ready: str, pending: deque[_Pending], data: str | None, resp: str) -> None:
        sv, sr = self.s[valid], self.s[ready]
        held: tuple[int, int] | None = None  # (data, resp) of a VALID not yet accepted
        while True:
            await RisingEdge(self.clk)
            rdy = 1 if self.rng.random() < self.p_ready else 0
            sr.value = rdy
            await ReadOnly()
            if sv.value:
                cur = (int(self.s[data].value) if data else 0, int(self.s[resp].value))
                if held is not None and cur != held:
                    self.errors.append(f"{valid}: payload changed while stalled: {held} -> {cur}")
                if rdy:
                    if not pending:
                        self.errors.append(f"{valid}: response without a request")
                    else:
                        p = pending.popleft()
                        p.value, p.resp = cur
                        p.event.set()
                    held = None
                else:
                    held = cur
            elif held is not None:
                self.errors.append(f"{valid}: VALID dropped before READY")
                held = None

    def start_write(self, addr: int, data: int, strb: int = 0xF, order: str | None = None) -> _Pending:
        """Issue a write; return its pending response (``await p.event.wait()``)."""
        order = order or self.rng.choice(("aw", "w", "same", "rand"))
        da, dw = self._delay(), self._delay()
        if order == "aw":
            dw = da + 1 + dw
        elif order == "w":
            da = dw + 1 + da
        elif order == "same":
            dw = da
        p = _Pending()
        self.b_pending.append(p)
        self.aw_q.put_nowait(_Item(da, {"addr": addr, "prot": self.rng.randint(0, 7)}))
        self.w_q.put_nowait(_Item(dw, {"data": data & 0xFFFFFFFF, "strb": strb}))
        self.n_writes += 1
        return p

    def start_read(self, addr: int) -> _Pending:
        """Issue a read; return its pending response."""
        p = _Pending()
        self.r_pending.append(p)
        self.ar_q.put_nowait(_Item(self._delay(), {"addr": addr, "prot": self.rng.randint(0, 7)}))
        self.n_reads += 1
        return p

    async def write(self, addr: int, data: int, strb: int = 0xF, order: str | None = None) -> None:
        """Write and wait for the B response (which must be OKAY)."""
        p = self.start_write(addr, data, strb, order)
        await p.event.wait()
        assert p.resp == 0, f"BRESP {p.resp} for write to {addr:#x}"

    async def read(self, addr: int) -> int:
        """Read and return the data (RRESP must be OKAY)."""
        p = self.start_read(addr)
        await p.event.wait()
        assert p.resp == 0, f"RRESP {p.resp} for read of {addr:#x}"
        return p.value


class CoreModel:
    """Model of the core behind axil_regs: runs, counters, memories and the spike FIFO.

    Drives the core-side inputs of the DUT and checks the contract of its outputs (pulses last one
    cycle, memory writes only while idle, never mem_we and mem_re together, pops only when valid).
    Tunables: ``cycles_per_step``, ``busy_latency`` (cycles from core_start to core_busy),
    ``mem_latency`` (cycles from mem_re to mem_rvalid; None: never answer).
    """

    def __init__(self, dut: Any, rng: random.Random) -> None:
        self.dut = dut
        self.clk = dut.aclk
        self.rng = rng
        self.cycles_per_step = 3
        self.busy_latency = 1
        self.mem_latency: int | tuple[int, int] | None = (1, 4)
        self.mem: dict[tuple[int, int], int] = {}
        self.fifo: deque[int] = deque()
        self.step_count = 0
        self.overflow_count = 0
        self.sat_count = 0
        self.busy = False
        self.hold_busy = False  # keep running regardless of steps (tests)
        self.starts = self.stops = self.soft_resets = self.pops = 0
        self.mem_writes: list[tuple[int, int, int]] = []
        self.mem_reads: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self._steps_target = 0
        self._cycle_in_step = 0
        self._start_countdown: int | None = None
        self._stop_req = False
        self._done_pulse = False
        self._reads: deque[tuple[int, int]] = deque()  # (cycles left, data)
        self._prev = dict.fromkeys(("core_start", "core_stop", "core_soft_reset", "mem_we", "mem_re", "spk_pop"), 0)
        self._drive()
        self._task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        """Kill the model coroutine."""
        self._task.cancel()

    def _drive(self) -> None:
        d = self.dut
        d.core_busy.value = int(self.busy)
        d.core_done.value = int(self._done_pulse)
        d.core_step_count.value = self.step_count & 0xFFFFFFFF
        d.core_overflow_count.value = self.overflow_count & 0xFFFFFFFF
        d.core_sat_count.value = self.sat_count & 0xFFFFFFFF
        d.spk_count.value = len(self.fifo)
        d.spk_valid.value = int(bool(self.fifo))
        d.spk_data.value = self.fifo[0] if self.fifo else 0
        if self._reads and self._reads[0][0] <= 0:
            d.mem_rvalid.value = 1
            d.mem_rdata.value = self._reads.popleft()[1]
        else:
            d.mem_rvalid.value = 0
            d.mem_rdata.value = self.rng.getrandbits(32)  # garbage when not valid

    async def _run(self) -> None:
        d = self.dut
        while True:
            await RisingEdge(self.clk)
            self._drive()
            await ReadOnly()
            if not int(d.aresetn.value):
                continue
            s = {k: int(getattr(d, k).value) for k in self._prev}
            for k, v in s.items():
                if v and self._prev[k]:
                    self.errors.append(f"{k} high for more than one cycle")
            self._prev = s
            self._step(s)

    def _step(self, s: dict[str, int]) -> None:
        d = self.dut
        self._done_pulse = False
        self._reads = deque((n - 1, v) for n, v in self._reads)
        if s["mem_we"] and s["mem_re"]:
            self.errors.append("mem_we and mem_re in the same cycle")
        if s["mem_we"]:
            key = (int(d.mem_sel.value), int(d.mem_addr.value))
            if self.busy or self._start_countdown is not None:
                self.errors.append(f"mem_we while busy at {key}")
            self.mem[key] = int(d.mem_wdata.value)
            self.mem_writes.append((*key, int(d.mem_wdata.value)))
        if s["mem_re"]:
            key = (int(d.mem_sel.value), int(d.mem_addr.value))
            if self.busy or self._start_countdown is not None:
                self.errors.append(f"mem_re while busy at {key}")
            self.mem_reads.append(key)
            lat = self.mem_latency
            if lat is not None:
                n = self.rng.randint(*lat) if isinstance(lat, tuple) else lat
                self._reads.append((n - 1, self.mem.get(key, 0)))
        if s["spk_pop"]:
            if not self.fifo:
                self.errors.append("spk_pop while the FIFO is empty")
            else:
                self.fifo.popleft()
                self.pops += 1
        if s["core_soft_reset"]:
            self.soft_resets += 1
            self.busy = False
            self._start_countdown = None
            self._stop_req = False
            self.step_count = self.overflow_count = self.sat_count = 0
            self.fifo.clear()
            self._reads.clear()
            return
        if s["core_start"]:
            self.starts += 1
            if self.busy:
                self.errors.append("core_start while busy")
            self._steps_target = int(d.core_steps.value)
            self._start_countdown = self.busy_latency - 1
        elif self._start_countdown is not None:
            self._start_countdown -= 1
        if self._start_countdown is not None and self._start_countdown <= 0:
            self._start_countdown = None
            self.busy = True
            self._cycle_in_step = 0
            self._steps_run = 0
            self._stop_req = False
        if s["core_stop"]:
            self.stops += 1
            self._stop_req = True
        if self.busy:
            self._cycle_in_step += 1
            if self._cycle_in_step >= self.cycles_per_step:
                self._cycle_in_step = 0
                self.step_count += 1
                self._steps_run += 1
                finished = self._stop_req or (self._steps_target and self._steps_run >= self._steps_target)
                if finished and not self.hold_busy:
                    self.busy = False
                    self._done_pulse = True
                    self._stop_req = False

    def push_spikes(self, words: list[int]) -> None:
        """Append 31-bit spike words to the FIFO (visible from the next cycle)."""
        self.fifo.extend(w & 0x7FFFFFFF for w in words)
