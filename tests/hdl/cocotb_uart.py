"""cocotb side of tests/hdl/test_uart.py: the host's UartLink, unchanged, drives spikesim_uart_top.

The host code runs in a thread (``cocotb.task.bridge``); its port, :class:`SimSerial`, turns
``write`` into bits on ``uart_rx`` and collects the bits of ``uart_tx`` into bytes, both at the host's
own clocks per bit (``cpb``, which a test may set wrong), and waits in simulated time
(``timeout`` is in simulated seconds). Faults are injected on the wire: a flipped bit or a missing
stop bit in the next ``write``. Configuration (environment): SS_CLK_HZ, SS_CPB (the bridge's clocks
per bit), SS_STEPS / SS_N / SS_LANES / SS_STATE (1: read STATE back) / SS_OUT (the bit-exact run),
SS_DESIGN (the pickled Design the CoreDriver loads in ``driver_load_and_run``).
"""

from __future__ import annotations

import json
import os
import pickle
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cocotb
from cocotb.clock import Clock
from cocotb.task import bridge, resume
from cocotb.triggers import FallingEdge, Timer
from cocotb.utils import get_sim_time

from spikesim.fpga import regmap as rm
from spikesim.fpga.driver import CoreDriver
from spikesim.fpga.uart import TIMEOUT_BITS, Command, Status, UartError, UartLink, encode_request

CLK_HZ = int(os.environ.get("SS_CLK_HZ", "10000000"))
CPB = int(os.environ.get("SS_CPB", "8"))
PERIOD_NS = 1e9 / CLK_HZ
T = TypeVar("T")


class SimSerial:
    """A pyserial-like port on the simulated UART pins (8N1 at ``cpb`` clocks per bit)."""

    def __init__(self, dut, cpb: int, timeout: float) -> None:
        self.dut, self.cpb, self.timeout = dut, int(cpb), float(timeout)
        self.rx = bytearray()
        self.rx_framing_errors = 0
        self.flip: tuple[int, int] | None = None  # (byte, bit) of the next write to invert
        self.no_stop: int | None = None  # byte of the next write sent with a 0 stop bit
        self.sent = 0
        cocotb.start_soon(self._monitor())

    def _wait(self, bits: float) -> Timer:
        return Timer(round(bits * self.cpb) * PERIOD_NS, unit="ns")

    async def _send(self, data: bytes) -> None:
        data = bytearray(data)
        if self.flip is not None:
            data[self.flip[0]] ^= 1 << self.flip[1]
        for k, byte in enumerate(data):
            stop = 0 if k == self.no_stop else 1
            for bit in [0, *((byte >> i) & 1 for i in range(8)), stop]:
                self.dut.uart_rx.value = bit
                await self._wait(1)
        self.dut.uart_rx.value = 1
        self.flip = self.no_stop = None
        self.sent += len(data)

    async def _monitor(self) -> None:
        tx = self.dut.uart_tx
        while True:
            await FallingEdge(tx)
            await self._wait(0.5)
            if int(tx.value):
                continue  # a glitch, not a start bit
            byte = 0
            for i in range(8):
                await self._wait(1)
                byte |= int(tx.value) << i
            await self._wait(1)
            if not int(tx.value):
                self.rx_framing_errors += 1
            self.rx.append(byte)

    async def _recv(self, n: int) -> bytes:
        waited, limit = 0.0, self.timeout * CLK_HZ / self.cpb  # in bit times
        while len(self.rx) < n and waited < limit:
            await self._wait(10)
            waited += 10
        out = bytes(self.rx[:n])
        del self.rx[:n]
        return out

    def write(self, data: bytes) -> int:
        resume(self._send)(bytes(data))
        return len(data)

    def read(self, size: int = 1) -> bytes:
        return resume(self._recv)(int(size))


async def run_host(dut, host: Callable[[UartLink, SimSerial], T], timeout: float = 0.004) -> T:
    """Clock and reset, then ``host(UartLink(port), port)`` in a thread, on a port at the bridge's baud rate."""
    cocotb.start_soon(Clock(dut.clk, PERIOD_NS, unit="ns").start())
    dut.uart_rx.value = 1
    dut.rstn.value = 0
    for _ in range(8):
        await FallingEdge(dut.clk)
    dut.rstn.value = 1
    port = SimSerial(dut, CPB, timeout)
    return await bridge(host)(UartLink(port), port)


async def _err_count(dut) -> int:
    return int(dut.u_bridge.err_count.value)


def expect_error(status: Status | None, fn, *args) -> UartError:
    """Call fn(*args); it must raise UartError (with this bridge status, unless None)."""
    try:
        fn(*args)
    except UartError as e:
        assert status is None or e.status == status, f"{fn.__name__}{args}: {e} (status {e.status}), expected {status}"
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise (expected {status})")


@cocotb.test()
async def bitexact_run(dut):
    """Run the emitted network through the bridge; spikes (streamed readout) and STATE go to SS_OUT."""
    steps, n, lanes = (int(os.environ[k]) for k in ("SS_STEPS", "SS_N", "SS_LANES"))

    def host(link: UartLink, port: SimSerial) -> dict:
        assert link.read("ID") == rm.ID_VALUE
        spikes = link.run(steps)
        assert link.read("STEP_COUNT") == steps
        state = link.read_mem("STATE", 0, n * lanes) if os.environ.get("SS_STATE") == "1" else []
        return {"spikes": spikes, "state": state, "sat": link.read("SAT_COUNT"), "info": link.info()}

    t0, wall = get_sim_time("ns"), time.perf_counter()
    out = await run_host(dut, host)
    out.update(sim_ms=(get_sim_time("ns") - t0) * 1e-6, wall_s=time.perf_counter() - wall)
    assert out["info"]["err_count"] == 0 and await _err_count(dut) == 0
    with open(os.environ["SS_OUT"], "w") as f:
        json.dump(out, f)


@cocotb.test()
async def driver_load_and_run(dut):
    """The shared CoreDriver program (tests/hdl/driver_hosts.py, also run over AXI4-Lite by test_driver.py)
    over the UART: load STATE and WEIGHT of another network (``$SS_DESIGN``), run, spikes and STATE to SS_OUT."""
    from driver_hosts import load_and_run

    design = pickle.loads(Path(os.environ["SS_DESIGN"]).read_bytes())
    steps = int(os.environ["SS_STEPS"])

    def host(link: UartLink, port: SimSerial) -> dict:
        return load_and_run(CoreDriver(link, timeout_s=None), design, steps, memories=("STATE", "WEIGHT"))

    out = await run_host(dut, host)
    assert await _err_count(dut) == 0
    Path(os.environ["SS_OUT"]).write_bytes(pickle.dumps(out))


@cocotb.test()
async def registers_and_bursts(dut):
    """Single reads and writes, a burst into a memory read back with a burst, an empty spike stream."""
    rng = random.Random(7)

    def host(link: UartLink, port: SimSerial) -> None:
        assert link.read("ID") == rm.ID_VALUE
        assert link.read(rm.by_name("VERSION").offset) == (rm.VERSION[0] << 16) | (rm.VERSION[1] << 8) | rm.VERSION[2]
        assert link.info() == {"version": 1, "err_count": 0, "max_words": 63}
        for value in (0, 0xFFFFFFFF, 0xA5A55A5A, rng.getrandbits(32)):
            link.write("SCRATCH", value)
            assert link.read("SCRATCH") == value
        words = [rng.getrandbits(32) for _ in range(3)]
        link.write_burst("SCRATCH", words)  # one frame, three bus writes in order: the last one stays
        assert link.read("SCRATCH") == words[-1]
        link.wait_idle()
        n = int(os.environ["SS_N"]) * int(os.environ["SS_LANES"])  # all of STATE: two frames each way
        assert n > 63
        state = [rng.getrandbits(32) for _ in range(n)]
        link.write_mem("STATE", 0, state)
        assert link.read("MEM_ADDR") == n  # MEM_SEL.AUTO_INC stepped once per word
        assert link.read_mem("STATE", 0, n) == state
        assert link.read_spikes() == []  # nothing ran: READ_STREAM stops at the first invalid word
        assert link.info()["err_count"] == 0
        assert port.rx_framing_errors == 0

    await run_host(dut, host)


class Counted:
    """The host's view of rejected frames: SCRATCH keeps its value, err_count (INFO and port) counts each."""

    def __init__(self, dut, link: UartLink) -> None:
        self.dut, self.link, self.errs = dut, link, 0
        link.write("SCRATCH", 0x11111111)

    def check(self, status: Status | None, new: int = 1) -> None:
        self.errs += new
        assert self.link.read("SCRATCH") == 0x11111111, f"a rejected frame ({status}) reached the bus"
        assert self.link.info()["err_count"] == self.errs == resume(_err_count)(self.dut), status


# the port's timeout: longer than the bridge's inter-byte timeout (resync), not much longer (sim time)
TIMEOUT = 1.1 * TIMEOUT_BITS * CPB / CLK_HZ


@cocotb.test()
async def errors_are_answered_counted_and_never_applied(dut):
    """CRC error, framing error (missing stop bit), unknown command, bad length."""
    def host(link: UartLink, port: SimSerial) -> None:
        c = Counted(dut, link)
        port.flip = (5, 3)  # a payload bit of WRITE (A5 02 05 48 d0 d1 d2 d3 crc crc)
        expect_error(Status.CRC_ERROR, link.write, "SCRATCH", 0x22222222)
        c.check(Status.CRC_ERROR)
        port.flip = (9, 0)  # the CRC's low byte
        expect_error(Status.CRC_ERROR, link.write, "SCRATCH", 0x22222222)
        c.check(Status.CRC_ERROR)
        port.no_stop = 4  # a data byte without its stop bit
        expect_error(Status.FRAMING_ERROR, link.write, "SCRATCH", 0x33333333)
        c.check(Status.FRAMING_ERROR)
        assert link.exchange(encode_request(0x7E, b"\x48")).status == Status.UNKNOWN_COMMAND
        c.check(Status.UNKNOWN_COMMAND)
        assert link.exchange(encode_request(Command.WRITE, b"\x48\x44\x44\x44")).status == Status.BAD_LENGTH
        c.check(Status.BAD_LENGTH)
        assert link.exchange(encode_request(Command.READ_STREAM, b"\x34\x00")).status == Status.BAD_LENGTH
        c.check(Status.BAD_LENGTH)
        link.write("SCRATCH", 0x44444444)  # good frames still work
        assert link.read("SCRATCH") == 0x44444444

    await run_host(dut, host, TIMEOUT)


@cocotb.test()
async def timeout_and_wrong_baud_resync(dut):
    """A frame that stops half way is answered TIMEOUT; a host at the wrong baud rate is noticed, then resyncs."""
    def host(link: UartLink, port: SimSerial) -> None:
        c = Counted(dut, link)
        port.write(encode_request(Command.WRITE, b"\x48\x55\x55\x55\x55")[:6])
        assert link.receive().status == Status.TIMEOUT  # after TIMEOUT_BITS bit times
        c.check(Status.TIMEOUT)
        # the host at 1.5x the bit time: no valid answer, the bridge counts framing errors
        port.cpb, port.timeout = (3 * CPB) // 2, 0.1 * TIMEOUT
        expect_error(None, link.write, "SCRATCH", 0x66666666)
        port.cpb, port.timeout = CPB, TIMEOUT
        link.resync()
        seen = link.info()["err_count"]
        assert seen > c.errs, f"err_count {seen}: the wrong baud rate went unnoticed"
        c.check(None, seen - c.errs)
        link.write("SCRATCH", 0x77777777)  # and the link works again
        assert link.read("SCRATCH") == 0x77777777
        assert link.info()["err_count"] == seen

    await run_host(dut, host, TIMEOUT)
