"""cocotb tests of hdl/rtl/axil_regs.v (run by tests/hdl/test_axil.py on Icarus and Verilator).

Every register, field, reset value and access type comes from spikesim.fpga.regmap.REGISTERS.
AXI traffic uses random VALID delays, random READY back-pressure and random AW/W ordering
(axil_bfm.AxiLiteMaster); the core behind the block is axil_bfm.CoreModel, which also checks the
core-side contract. Parameters arrive through the environment (SPK_HW_INFO0/1, SPK_MEM_TIMEOUT).
"""

from __future__ import annotations

import os
import random
from typing import Any

import cocotb
from axil_bfm import AxiLiteMaster, CoreModel
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from spikesim.fpga import regmap as rm

R = rm.by_name
HW_INFO = (int(os.environ.get("SPK_HW_INFO0", "0"), 0), int(os.environ.get("SPK_HW_INFO1", "0"), 0))
MEM_TIMEOUT = int(os.environ.get("SPK_MEM_TIMEOUT", "1024"))
STATUS_FLAGS = ("DONE", "OVERFLOW", "SATURATED", "WRITE_REJECTED", "READ_REJECTED", "MEM_TIMEOUT")
TIMEOUT = {"timeout_time": 2, "timeout_unit": "ms"}


def A(name: str) -> int:
    """Byte offset of a register."""
    return R(name).offset


def bit(reg: str, fld: str) -> int:
    """Mask of a one-bit field."""
    return R(reg).field(fld).mask


class Env:
    """Clock, reset, master and core model of one test."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.rng = random.Random(random.getrandbits(32))  # cocotb seeds `random` (COCOTB_RANDOM_SEED)
        self.axi: AxiLiteMaster
        self.core: CoreModel

    async def start(self, p_ready: float | None = None, max_delay: int = 4) -> Env:
        d = self.dut
        cocotb.start_soon(Clock(d.aclk, 10, unit="ns").start())
        d.aresetn.value = 0
        self.core = CoreModel(d, self.rng)
        self.axi = AxiLiteMaster(d, self.rng, max_delay=max_delay,
                                 p_ready=self.rng.uniform(0.2, 1.0) if p_ready is None else p_ready)
        await ClockCycles(d.aclk, 5)
        d.aresetn.value = 1
        await ClockCycles(d.aclk, 2)
        return self

    async def finish(self) -> None:
        """Let the last responses drain, then check the BFMs' protocol/contract error lists."""
        await ClockCycles(self.dut.aclk, 10)
        assert not self.axi.errors, self.axi.errors[:5]
        assert not self.core.errors, self.core.errors[:5]
        assert not self.axi.b_pending and not self.axi.r_pending, "unanswered transactions"
        self.axi.stop()
        self.core.stop()

    async def rd(self, name: str) -> int:
        return await self.axi.read(A(name))

    async def wr(self, name: str, value: int, strb: int = 0xF) -> None:
        await self.axi.write(A(name), value, strb)

    async def wait_status(self, mask: int, want: int, limit: int = 200) -> int:
        for _ in range(limit):
            v = await self.rd("STATUS")
            if v & mask == want:
                return v
        raise AssertionError(f"STATUS never reached {want:#x} under mask {mask:#x} (last {v:#x})")

    async def run_steps(self, steps: int, ctrl: int = 0) -> None:
        """Run ``steps`` steps and wait for DONE; ``ctrl``: other CTRL bits to write with START (IRQ_EN)."""
        await self.wr("STEPS", steps)
        await self.wr("CTRL", bit("CTRL", "START") | ctrl)
        await self.wait_status(bit("STATUS", "DONE"), bit("STATUS", "DONE"))


def expected_reset(reg: rm.Register) -> int:
    if reg.source == "param":
        return HW_INFO[0] if reg.name == "HW_INFO0" else HW_INFO[1]
    return reg.reset


def strobe_mask(strb: int) -> int:
    return sum(0xFF << (8 * i) for i in range(4) if strb >> i & 1)


@cocotb.test(**TIMEOUT)
async def reset_values(dut: Any) -> None:
    """Every register reads its table reset value; unmapped offsets read 0; byte offsets alias the word."""
    env = await Env(dut).start()
    for reg in rm.REGISTERS:
        got = await env.rd(reg.name)
        assert got == expected_reset(reg), f"{reg.name}: reset {got:#010x}, table says {expected_reset(reg):#010x}"
    for off in (max(r.offset for r in rm.REGISTERS) + 4, 0xF0, 0xFC):
        assert await env.axi.read(off) == 0, f"unmapped {off:#x} reads non-zero"
    assert await env.axi.read(A("ID") + 3) == rm.ID_VALUE
    assert await env.axi.read(A("VERSION") + 1) == R("VERSION").reset
    assert env.core.pops == 0, "reading an empty SPIKE_DATA popped"
    await env.finish()


@cocotb.test(**TIMEOUT)
async def access_types(dut: Any) -> None:
    """RW fields take written bits (per byte strobe), RO fields ignore writes, W1P bits read 0."""
    env = await Env(dut).start()
    core, rng = env.core, env.rng
    core.step_count, core.overflow_count, core.sat_count = (rng.getrandbits(32) for _ in range(3))
    core.push_spikes([rng.getrandbits(31) for _ in range(3)])
    await ClockCycles(dut.aclk, 2)
    skip = {"STATUS", "CTRL", "MEM_WDATA"}  # STATUS: w1c_flags; CTRL and MEM_WDATA have write side effects
    current = {}
    for reg in rm.REGISTERS:
        if reg.side_effect is None:
            current[reg.name] = await env.rd(reg.name)
    for reg in rm.REGISTERS:
        if reg.name in skip or reg.side_effect is not None:
            continue
        rw = reg.mask("RW")
        for pattern in (0xFFFFFFFF, 0, rng.getrandbits(32), rng.getrandbits(32)):
            strb = rng.choice((0xF, 0xF, rng.randint(0, 15)))
            await env.wr(reg.name, pattern, strb)
            m = rw & strobe_mask(strb)
            want = (current[reg.name] & ~m) | (pattern & m)
            got = await env.rd(reg.name)
            assert got == want, f"{reg.name}: wrote {pattern:#010x}/strb {strb:#x}, read {got:#010x}, want {want:#010x}"
            current[reg.name] = got
    # MEM_WDATA is RW (read-back) but writing it stores to the core's memory: idle here, so it is accepted
    await env.wr("MEM_WDATA", 0xA5A5_0F0F)
    assert await env.rd("MEM_WDATA") == 0xA5A5_0F0F
    # CTRL: IRQ_EN is RW, START/STOP/SOFT_RESET are W1P and read 0
    await env.wr("CTRL", bit("CTRL", "IRQ_EN"))
    assert await env.rd("CTRL") == bit("CTRL", "IRQ_EN")
    await env.wr("CTRL", bit("CTRL", "IRQ_EN") | bit("CTRL", "STOP"))
    assert await env.rd("CTRL") == bit("CTRL", "IRQ_EN")
    assert core.stops == 1
    await env.wr("CTRL", 0xFFFFFFFF, strb=0b1101)  # lane 1 (IRQ_EN) off; START+SOFT_RESET: reset wins
    assert await env.rd("CTRL") == bit("CTRL", "IRQ_EN")
    assert core.soft_resets == 1 and core.starts == 0
    await env.wr("CTRL", 0)
    assert await env.rd("CTRL") == 0
    # writes to unmapped offsets change nothing
    before = {r.name: await env.rd(r.name) for r in rm.REGISTERS if r.side_effect is None and r.source != "core"}
    for off in (0x4C, 0x80, 0xFC):
        await env.axi.write(off, 0xFFFFFFFF)
    after = {r.name: await env.rd(r.name) for r in rm.REGISTERS if r.side_effect is None and r.source != "core"}
    assert before == after
    await env.finish()


@cocotb.test(**TIMEOUT)
async def w1c_flags(dut: Any) -> None:
    """Each sticky flag is set by its event and cleared only by writing 1 to its own bit."""
    env = await Env(dut).start()
    core = env.core
    core.overflow_count = 3                                  # OVERFLOW
    core.sat_count = 7                                       # SATURATED
    core.hold_busy = True
    await env.wr("STEPS", 0)
    await env.wr("CTRL", bit("CTRL", "START"))
    await env.wait_status(bit("STATUS", "BUSY"), bit("STATUS", "BUSY"))
    await env.wr("MEM_WDATA", 1)                             # WRITE_REJECTED
    assert await env.rd("MEM_RDATA") == 0                    # READ_REJECTED
    core.hold_busy = False
    await env.wr("CTRL", bit("CTRL", "STOP"))               # the run ends: DONE
    await env.wait_status(bit("STATUS", "BUSY"), 0)
    core.mem_latency = None                                  # MEM_TIMEOUT
    assert await env.rd("MEM_RDATA") == 0
    core.mem_latency = (1, 3)
    flags = sum(bit("STATUS", f) for f in STATUS_FLAGS)
    st = await env.rd("STATUS")
    assert st & flags == flags, f"STATUS {st:#x}: not all flags set"
    await env.wr("STATUS", 0)
    await env.wr("STATUS", 0xFFFFFFFF, strb=0)               # no byte lane: nothing cleared
    assert (await env.rd("STATUS")) & flags == flags
    remaining = flags
    for f in env.rng.sample(STATUS_FLAGS, len(STATUS_FLAGS)):
        await env.wr("STATUS", bit("STATUS", f) | bit("STATUS", "BUSY") | bit("STATUS", "SPIKE_PENDING"))
        remaining &= ~bit("STATUS", f)
        st = await env.rd("STATUS")
        assert st & flags == remaining, f"clearing {f}: STATUS {st:#x}, want flags {remaining:#x}"
    assert st == 0
    # a flag whose event recurs is set again; START clears DONE
    core.sat_count = 8
    await ClockCycles(dut.aclk, 3)
    assert (await env.rd("STATUS")) & bit("STATUS", "SATURATED")
    await env.run_steps(1)
    core.cycles_per_step = 40
    await env.wr("CTRL", bit("CTRL", "START"))
    st = await env.rd("STATUS")
    assert st & bit("STATUS", "BUSY") and not st & bit("STATUS", "DONE"), f"START did not clear DONE: {st:#x}"
    await env.wait_status(bit("STATUS", "DONE"), bit("STATUS", "DONE"))
    await env.finish()


@cocotb.test(**TIMEOUT)
async def memory_access(dut: Any) -> None:
    """Idle host writes/reads reach every memory, with and without auto-increment, pipelined."""
    env = await Env(dut).start()
    core, rng = env.core, env.rng
    expect: dict[tuple[int, int], int] = {}
    for name, mid in rm.MEMORIES.items():
        await env.wr("MEM_SEL", mid)
        for _ in range(3):
            addr, val = rng.getrandbits(16), rng.getrandbits(32)
            await env.wr("MEM_ADDR", addr)
            await env.wr("MEM_WDATA", val)
            expect[(mid, addr)] = val
            assert await env.rd("MEM_RDATA") == val, f"{name}[{addr}]"
        # burst with auto-increment, writes issued back to back without waiting
        base, n = rng.getrandbits(12), rng.randint(4, 12)
        await env.wr("MEM_SEL", mid | bit("MEM_SEL", "AUTO_INC"))
        await env.wr("MEM_ADDR", base)
        vals = [rng.getrandbits(32) for _ in range(n)]
        pend = [env.axi.start_write(A("MEM_WDATA"), v) for v in vals]
        for p in pend:
            await p.event.wait()
        assert await env.rd("MEM_ADDR") == base + n
        for i, v in enumerate(vals):
            expect[(mid, base + i)] = v
        await env.wr("MEM_ADDR", base)
        got = [env.axi.start_read(A("MEM_RDATA")) for _ in range(n)]
        for p in got:
            await p.event.wait()
        assert [p.value for p in got] == vals, f"{name}: burst read back wrong"
        assert await env.rd("MEM_ADDR") == base + n
    assert core.mem == expect
    assert await env.rd("REJECT_COUNT") == 0
    await env.finish()


@cocotb.test(**TIMEOUT)
async def busy_rejects_memory_access(dut: Any) -> None:
    """While the core runs, memory writes are dropped and flagged, reads return 0, START is ignored."""
    env = await Env(dut).start()
    core, rng = env.core, env.rng
    core.busy_latency = 6                                   # START pending before core_busy rises
    await env.wr("MEM_SEL", rm.MEMORIES["WEIGHT"] | bit("MEM_SEL", "AUTO_INC"))
    await env.wr("MEM_ADDR", 100)
    await env.wr("STEPS", 0)
    # START and memory writes issued back to back: every write after START must be rejected
    env.axi.start_write(A("CTRL"), bit("CTRL", "START"))
    pend = [env.axi.start_write(A("MEM_WDATA"), rng.getrandbits(32)) for _ in range(5)]
    for p in pend:
        await p.event.wait()
    assert core.mem == {}, f"memory written while busy: {core.mem}"
    st = await env.rd("STATUS")
    assert st & bit("STATUS", "BUSY") and st & bit("STATUS", "WRITE_REJECTED")
    assert await env.rd("REJECT_COUNT") == 5
    assert await env.rd("MEM_ADDR") == 100, "rejected writes must not auto-increment"
    assert await env.rd("MEM_RDATA") == 0
    assert (await env.rd("STATUS")) & bit("STATUS", "READ_REJECTED")
    assert await env.rd("REJECT_COUNT") == 6
    await env.wr("CTRL", bit("CTRL", "START"))              # ignored while busy
    assert core.starts == 1
    await env.wr("CTRL", bit("CTRL", "STOP"))
    await env.wait_status(bit("STATUS", "BUSY") | bit("STATUS", "DONE"), bit("STATUS", "DONE"))
    await env.wr("MEM_WDATA", 0x1234_5678)                  # idle again: accepted
    assert core.mem == {(rm.MEMORIES["WEIGHT"], 100): 0x1234_5678}
    assert await env.rd("REJECT_COUNT") == 6
    await env.finish()


@cocotb.test(**TIMEOUT)
async def counters_and_irq(dut: Any) -> None:
    """STEP_COUNT/OVERFLOW_COUNT/SAT_COUNT follow the core; irq = IRQ_EN & DONE."""
    env = await Env(dut).start()
    core, rng = env.core, env.rng
    await env.wr("CTRL", bit("CTRL", "IRQ_EN"))
    total = 0
    for _ in range(3):
        k = rng.randint(1, 6)
        assert not int(dut.irq.value)
        await env.run_steps(k, ctrl=bit("CTRL", "IRQ_EN"))
        total += k
        assert int(dut.irq.value) == 1
        assert await env.rd("STEP_COUNT") == total
        await env.wr("STATUS", bit("STATUS", "DONE"))
        await RisingEdge(dut.aclk)
        await ReadOnly()
        assert not int(dut.irq.value)
        await RisingEdge(dut.aclk)
    await env.wr("CTRL", 0)
    for _ in range(5):
        core.overflow_count += rng.randint(0, 3)
        core.sat_count += rng.randint(1, 1000)
        await ClockCycles(dut.aclk, 2)
        assert await env.rd("OVERFLOW_COUNT") == core.overflow_count
        assert await env.rd("SAT_COUNT") == core.sat_count
    st = await env.rd("STATUS")
    assert st & bit("STATUS", "SATURATED")
    assert bool(st & bit("STATUS", "OVERFLOW")) == (core.overflow_count > 0)
    await env.run_steps(2)
    assert int(dut.irq.value) == 0, "irq with IRQ_EN = 0"
    await env.finish()


@cocotb.test(**TIMEOUT)
async def spike_fifo(dut: Any) -> None:
    """SPIKE_COUNT/SPIKE_PENDING follow the FIFO; SPIKE_DATA pops in order, VALID = 0 once empty."""
    env = await Env(dut).start()
    core, rng = env.core, env.rng
    words = [rng.getrandbits(31) for _ in range(rng.randint(8, 20))]
    core.push_spikes(words)
    await ClockCycles(dut.aclk, 2)
    assert await env.rd("SPIKE_COUNT") == len(words)
    assert (await env.rd("STATUS")) & bit("STATUS", "SPIKE_PENDING")
    got = [await env.rd("SPIKE_DATA") for _ in range(3)]
    pend = [env.axi.start_read(A("SPIKE_DATA")) for _ in range(len(words) - 3 + 2)]  # pipelined, 2 past the end
    for p in pend:
        await p.event.wait()
    got += [p.value for p in pend]
    valid = bit("SPIKE_DATA", "VALID")
    assert got[: len(words)] == [valid | w for w in words], "spike words out of order or corrupted"
    assert got[len(words):] == [0, 0]
    assert core.pops == len(words)
    assert await env.rd("SPIKE_COUNT") == 0
    assert not (await env.rd("STATUS")) & bit("STATUS", "SPIKE_PENDING")
    await env.finish()


@cocotb.test(**TIMEOUT)
async def soft_reset_mid_activity(dut: Any) -> None:
    """SOFT_RESET during a run and concurrent bus traffic: core reset, flags cleared, config kept."""
    env = await Env(dut).start()
    core, rng, axi = env.core, env.rng, env.axi
    await env.wr("STEPS", 0)
    await env.wr("MODULATOR", 0xFFFF_FF80)
    await env.wr("MEM_SEL", rm.MEMORIES["STATE"])
    await env.wr("CTRL", bit("CTRL", "START") | bit("CTRL", "IRQ_EN"))
    await env.wait_status(bit("STATUS", "BUSY"), bit("STATUS", "BUSY"))
    core.push_spikes([1, 2, 3])
    core.overflow_count, core.sat_count = 2, 5
    await env.wr("MEM_WDATA", 7)                            # rejected
    # background traffic on both channels while the soft reset lands
    consts = [A("ID"), A("VERSION"), A("HW_INFO0"), A("HW_INFO1")]
    reads = [(a, axi.start_read(a)) for a in (rng.choice(consts) for _ in range(12))]
    scratch = [rng.getrandbits(32) for _ in range(6)]
    writes = [axi.start_write(A("SCRATCH"), v) for v in scratch[:3]]
    writes.append(axi.start_write(A("CTRL"), bit("CTRL", "SOFT_RESET") | bit("CTRL", "IRQ_EN")))
    writes += [axi.start_write(A("SCRATCH"), v) for v in scratch[3:]]
    status_reads = [axi.start_read(A("STATUS")) for _ in range(4)]
    for p in writes + [p for _, p in reads] + status_reads:
        await p.event.wait()
    want = {A("ID"): rm.ID_VALUE, A("VERSION"): R("VERSION").reset, A("HW_INFO0"): HW_INFO[0], A("HW_INFO1"): HW_INFO[1]}
    for a, p in reads:
        assert p.value == want[a], f"read of {a:#x} during soft reset returned {p.value:#x}"
    assert core.soft_resets == 1
    await ClockCycles(dut.aclk, 3)
    st = await env.rd("STATUS")
    assert st == 0, f"STATUS after soft reset: {st:#x}"
    for name in ("REJECT_COUNT", "STEP_COUNT", "SPIKE_COUNT", "OVERFLOW_COUNT", "SAT_COUNT"):
        assert await env.rd(name) == 0, f"{name} not cleared"
    assert await env.rd("SCRATCH") == scratch[-1]
    assert await env.rd("MODULATOR") == 0xFFFF_FF80 and int(dut.core_modulator.value) == 0xFFFF_FF80
    assert await env.rd("MEM_SEL") == rm.MEMORIES["STATE"]
    assert await env.rd("CTRL") == bit("CTRL", "IRQ_EN")
    # and the core runs normally afterwards
    await env.run_steps(3)
    assert await env.rd("STEP_COUNT") == 3
    await env.wr("MEM_WDATA", 9)
    assert core.mem == {(rm.MEMORIES["STATE"], 0): 9}
    await env.finish()


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def random_traffic(dut: Any) -> None:
    """Random concurrent reads and writes (scoreboard) under heavy random back-pressure."""
    env = await Env(dut).start(p_ready=0.3, max_delay=6)
    axi, rng = env.axi, env.rng
    shadow = {"SCRATCH": 0, "MODULATOR": 0, "STEPS": 0, "MEM_ADDR": 0}

    async def writer(names: list[str], n: int) -> None:
        for _ in range(n):
            name = rng.choice(names)
            strb = rng.choice((0xF, rng.randint(0, 15)))
            v = rng.getrandbits(32)
            m = strobe_mask(strb)
            shadow[name] = (shadow[name] & ~m) | (v & m)
            if rng.random() < 0.5:
                axi.start_write(A(name), v, strb)           # fire and forget (pipelined)
            else:
                await axi.write(A(name), v, strb)
            if rng.random() < 0.3:
                await env.axi.write(A(name), shadow[name])  # wait for everything before it
                assert await env.rd(name) == shadow[name], name

    async def const_reader(n: int) -> None:
        for _ in range(n):
            reg = rng.choice([r for r in rm.REGISTERS if r.source in ("const", "param")])
            assert await env.rd(reg.name) == expected_reset(reg)

    t1 = cocotb.start_soon(writer(list(shadow), 60))
    t2 = cocotb.start_soon(const_reader(60))
    await t1
    await t2
    for name, v in shadow.items():
        await axi.write(A(name), v)
        assert await env.rd(name) == v, name
    assert axi.n_writes > 60 and axi.n_reads > 60
    await env.finish()
