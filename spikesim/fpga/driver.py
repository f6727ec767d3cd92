"""The host driver of the spikesim core: one register program for every bus.

:class:`CoreDriver` is written once against a tiny transport protocol (:class:`Transport`):

* ``read(offset) -> int`` and ``write(offset, value)``: one 32-bit register at a byte offset. pynq's
  ``MMIO`` and ``DefaultIP`` have exactly these (:mod:`spikesim.fpga.pynq_ip`);
  :class:`~spikesim.fpga.uart.UartLink` has them too, and so does the simulated AXI4-Lite bus of
  :mod:`spikesim.fpga.sim_host` (cocotb, the RTL of ``spikesim_axi_top``).
* optional bursts ``write_many(offset, words)`` / ``read_many(offset, n)`` (n accesses of one
  register; the UART maps them to WRITE_BURST / READ_BURST), ``read_stream(offset, max_words)``
  (reads while bit 31 is set: the UART's READ_STREAM) and ``pause()`` (called between two polls).

Register names and fields come from :mod:`spikesim.fpga.regmap`. Memories are written through
``MEM_SEL`` (with ``AUTO_INC``) / ``MEM_ADDR`` / ``MEM_WDATA``, or with an AXI DMA into the system's
AXI4-Stream port (``ss_axis_loader.v``), which performs the same ``MEM_WDATA`` writes. The words
come from the emitted design (:func:`memory_images`). Nothing here imports pynq or cocotb.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .. import fixed as F
from . import regmap as rm

__all__ = ["DMA_MIN_WORDS", "VLNV", "CoreBusyError", "CoreDriver", "DesignMismatchError", "DriverError", "HwInfo",
           "RunTimeoutError", "Spikes", "Transport", "WriteRejectedError", "WrongCoreError", "memory_images"]

#: IP-XACT VLNV of the packaged AXI system (the Vivado flow packages ``spikesim_axi_top`` under it;
#: :class:`spikesim.fpga.pynq_ip.SpikesimIP` binds to it).
VLNV = "spikesim.org:user:spikesim_axi:1.0"
#: A memory image of at least this many words goes through the DMA when ``load(..., dma=...)`` is given;
#: smaller ones are written with ``MEM_WDATA`` (a DMA transfer costs a buffer allocation and a few
#: register accesses of the DMA engine, about as much as 1024 MMIO writes of ~0.2-1 us each on a Zynq).
DMA_MIN_WORDS = 1024
#: The memories :meth:`CoreDriver.load` writes (ROW_PTR is read-only, TRACE is cleared by a reset).
LOAD_MEMORIES = ("STATE", "PARAM", "WEIGHT", "DELAY", "TARGET")

_MASK = 0xFFFFFFFF
_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1


def _bit(reg: str, field: str) -> int:
    return rm.by_name(reg).field(field).mask


_BUSY, _DONE = _bit("STATUS", "BUSY"), _bit("STATUS", "DONE")
_START, _STOP, _SRESET, _IRQ_EN = (_bit("CTRL", f) for f in ("START", "STOP", "SOFT_RESET", "IRQ_EN"))
_AUTO_INC = _bit("MEM_SEL", "AUTO_INC")
_VALID = _bit("SPIKE_DATA", "VALID")


class Transport(Protocol):
    """What :class:`CoreDriver` needs of a bus: 32-bit register reads and writes at byte offsets."""

    def read(self, offset: int) -> int: ...

    def write(self, offset: int, value: int) -> None: ...


class DriverError(RuntimeError):
    """A failed driver operation (the subclasses say which)."""


class WrongCoreError(DriverError):
    """``ID`` / ``VERSION`` do not identify a compatible spikesim core (wrong base address or bitstream)."""


class DesignMismatchError(DriverError):
    """The design handed to :meth:`CoreDriver.load` is not the one the hardware was built from."""


class CoreBusyError(DriverError):
    """The core is running (``STATUS.BUSY``): memory accesses and START need it idle."""


class WriteRejectedError(DriverError):
    """Memory writes were rejected by the hardware because the core was busy (``REJECT_COUNT`` grew)."""


class RunTimeoutError(DriverError):
    """A run (or the clear after a reset) did not finish within the timeout."""


@dataclass(frozen=True)
class HwInfo:
    """Build-time facts of the hardware, decoded from ``HW_INFO0`` / ``HW_INFO1`` (set by the emitter).

    Attributes: ``n_neurons``; ``n_indices`` (neurons + spike sources); ``model`` (0 LIF, 1
    Izhikevich); ``ncur`` (exponential-current slots); ``sb`` (index bits of a spike word); ``slb`` /
    ``plb`` (lane bits of a STATE / PARAM address); ``rb`` (ring-depth bits: delays 1 .. 2**rb steps).
    """

    n_neurons: int
    n_indices: int
    model: int
    ncur: int
    sb: int
    slb: int
    plb: int
    rb: int

    @classmethod
    def from_words(cls, info0: int, info1: int) -> HwInfo:
        return cls(info0 & 0xFFFF, (info0 >> 16) & 0xFFFF, info1 & 0xF, (info1 >> 4) & 0xF, (info1 >> 8) & 0xFF,
                   (info1 >> 16) & 0xF, (info1 >> 20) & 0xF, (info1 >> 24) & 0xFF)

    @property
    def state_lanes(self) -> int:
        """32-bit lanes per neuron in the STATE address space (2**slb; the first 2 + ncur are used)."""
        return 1 << self.slb


@dataclass(frozen=True)
class Spikes:
    """Spikes read from the core: ``steps`` (absolute step numbers, int64) and ``idx`` (global index:
    neurons first, then spike sources), in FIFO order (by step, then index)."""

    steps: np.ndarray
    idx: np.ndarray

    def __len__(self) -> int:
        return int(self.steps.size)

    def split(self, pops: dict[str, tuple[int, int]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per population (``Design.pops``: name -> (first global index, n)): (steps, local index)."""
        out = {}
        for name, (first, n) in pops.items():
            sel = (self.idx >= first) & (self.idx < first + n)
            out[name] = (self.steps[sel], self.idx[sel] - first)
        return out


def _read_hex(path: Path) -> list[str]:
    return path.read_text().split()


def memory_images(design: Any) -> dict[str, np.ndarray]:
    """The host-writable memories of an emitted design, as uint32 words in host address order.

    ``design`` is a :class:`spikesim.backends.verilog.Design` (the files of ``design.out_dir``).
    STATE and PARAM are ``{neuron, lane}`` addressed (2**SLB / 2**PLB lanes per neuron, unused lanes
    0); WEIGHT (Q8.16, sign-extended), DELAY (steps, 1 .. ring depth) and TARGET (global neuron) are
    per synapse in the core's fan-out order; ROW_PTR (n_indices + 1 entries, read-only) is for
    checking that the hardware has the design's connectivity.
    """
    p, sp, out_dir = design.params, design.sys_params, Path(design.out_dir)
    n = design.n_neurons
    images: dict[str, np.ndarray] = {}
    for name, file, lb in (("STATE", "state.hex", sp["SLB"]), ("PARAM", "params.hex", sp["PLB"])):
        lines = _read_hex(out_dir / file)[:n]
        w = len(lines[0]) // 8  # 32-bit lanes of the word (STATE: 2 + NCUR)
        img = np.zeros((n, 1 << lb), np.uint32)
        for i, line in enumerate(lines):
            v = int(line, 16)
            img[i, :w] = [(v >> (32 * j)) & _MASK for j in range(w)]
        images[name] = img.reshape(-1)
    n_syn = design.counts["synapses"]
    nb, cb, rb, wb, yb = p["NB"], p["CB"], p["RB"], p["WB"], p["YB"]
    syn = np.array([int(x, 16) for x in _read_hex(out_dir / "syn.hex")[:n_syn]], dtype=object)
    tgt = np.array([int(x) & ((1 << nb) - 1) for x in syn], np.int64)
    dly = np.array([(int(x) >> (nb + cb)) & ((1 << rb) - 1) for x in syn], np.int64)
    wq = np.array([(int(x) >> (nb + cb + rb)) & ((1 << wb) - 1) for x in syn], np.int64)
    wq = np.where(wq >= 1 << (wb - 1), wq - (1 << wb), wq)
    images["WEIGHT"] = (wq & _MASK).astype(np.uint32)
    images["DELAY"] = np.where(dly == 0, 1 << rb, dly).astype(np.uint32)
    images["TARGET"] = tgt.astype(np.uint32)
    ptr = [int(x, 16) for x in _read_hex(out_dir / "ptr.hex")[:sp["NSRC"]]]
    images["ROW_PTR"] = np.array([x & ((1 << yb) - 1) for x in ptr] + [n_syn], np.uint32)
    return images


def _as_design(obj: Any) -> Any:
    """A Design as is; a Network or Plan emitted into a temporary directory."""
    if hasattr(obj, "sys_params") and hasattr(obj, "out_dir"):
        return obj
    from ..backends.verilog import emit  # numpy only

    plan = getattr(obj, "plan", obj)
    tmp = tempfile.mkdtemp(prefix="spikesim-load-")
    return emit(plan, tmp, mem_dir=f"{tmp}/")


class CoreDriver:
    """Register-level driver of a spikesim core (``spikesim_axi_top``) on any :class:`Transport`.

    Args:
        bus: the transport (pynq ``MMIO``/``DefaultIP``, ``UartLink``, the simulated bus).
        check: read ID/VERSION now (:meth:`check_id`).
        timeout_s: wall-clock limit of :meth:`wait` / :meth:`wait_idle` in seconds (None: no limit).
        allocate: ``allocate(shape, dtype)`` for DMA buffers (default: ``pynq.allocate``, imported
            when a DMA transfer is made).
        dma_min_words: images of at least this many words go through the DMA (:data:`DMA_MIN_WORDS`).
    """

    def __init__(self, bus: Transport, *, check: bool = True, timeout_s: float | None = 60.0,
                 allocate: Callable[..., Any] | None = None, dma_min_words: int = DMA_MIN_WORDS) -> None:
        self.bus = bus
        self.timeout_s = timeout_s
        self.allocate = allocate
        self.dma_min_words = int(dma_min_words)
        self._words: list[int] = []  # spike words drained from the FIFO, not yet returned
        self._base = 0  # the last spike's absolute step (step unwrapping)
        self._info: HwInfo | None = None
        if check:
            self.check_id()

    # ------------------------------------------------------------------ registers
    @staticmethod
    def offset(reg: str | int) -> int:
        """The byte offset of a register name (regmap) or of an offset."""
        return rm.by_name(reg).offset if isinstance(reg, str) else int(reg)

    def read_reg(self, reg: str | int) -> int:
        """Read a register (name or byte offset) as an unsigned 32-bit value."""
        return int(self.bus.read(self.offset(reg))) & _MASK

    def write_reg(self, reg: str | int, value: int) -> None:
        """Write a register (name or byte offset); ``value`` is taken modulo 2**32."""
        self.bus.write(self.offset(reg), int(value) & _MASK)

    def _write_many(self, reg: str, words: Sequence[int] | np.ndarray) -> None:
        off, many = self.offset(reg), getattr(self.bus, "write_many", None)
        vals = [int(w) & _MASK for w in words]
        if many is not None:
            many(off, vals)
        else:
            for w in vals:
                self.bus.write(off, w)

    def _read_many(self, reg: str, n: int) -> list[int]:
        off, many = self.offset(reg), getattr(self.bus, "read_many", None)
        if many is not None:
            return [int(w) & _MASK for w in many(off, int(n))]
        return [int(self.bus.read(off)) & _MASK for _ in range(int(n))]

    def _pause(self) -> None:
        pause = getattr(self.bus, "pause", None)
        if pause is not None:
            pause()

    # ------------------------------------------------------------------ identity and status
    def check_id(self) -> dict[str, Any]:
        """Check ID ("SPKS") and the register-map major version; returns the version and :class:`HwInfo`."""
        ident = self.read_reg("ID")
        if ident != rm.ID_VALUE:
            raise WrongCoreError(f"ID reads {ident:#010x}, expected {rm.ID_VALUE:#010x} ('SPKS'): not a spikesim "
                                 "core at this address (wrong base address, bitstream not loaded, or a dead link)")
        ver = self.read_reg("VERSION")
        version = ((ver >> 16) & 0xFF, (ver >> 8) & 0xFF, ver & 0xFF)
        if version[0] != rm.VERSION[0] or version[1] < rm.VERSION[1]:
            raise WrongCoreError(f"register map version {'.'.join(map(str, version))} of the hardware; this driver "
                                 f"needs {rm.VERSION[0]}.{rm.VERSION[1]} or a later minor (rebuild the bitstream)")
        return {"version": version, "info": self.info}

    @property
    def info(self) -> HwInfo:
        """The hardware's :class:`HwInfo` (read once)."""
        if self._info is None:
            self._info = HwInfo.from_words(self.read_reg("HW_INFO0"), self.read_reg("HW_INFO1"))
        return self._info

    def status(self) -> dict[str, bool]:
        """STATUS as a dict of its fields."""
        st = self.read_reg("STATUS")
        return {f.name: bool(st & f.mask) for f in rm.by_name("STATUS").fields}

    def busy(self) -> bool:
        """STATUS.BUSY: a run, a pending START, or the clear after a reset."""
        return bool(self.read_reg("STATUS") & _BUSY)

    def counters(self) -> dict[str, int]:
        """SAT_COUNT, OVERFLOW_COUNT, REJECT_COUNT and STEP_COUNT."""
        return {k: self.read_reg(k) for k in ("SAT_COUNT", "OVERFLOW_COUNT", "REJECT_COUNT", "STEP_COUNT")}

    def _deadline(self, timeout_s: float | None) -> float | None:
        t = self.timeout_s if timeout_s is None else timeout_s
        return None if t is None else time.monotonic() + t

    def wait_idle(self, timeout_s: float | None = None) -> None:
        """Poll until STATUS.BUSY = 0 (draining the spike FIFO meanwhile); RunTimeoutError after ``timeout_s``."""
        deadline = self._deadline(timeout_s)
        while self.busy():
            self._drain()
            if deadline is not None and time.monotonic() > deadline:
                raise RunTimeoutError(f"STATUS.BUSY still set after {timeout_s or self.timeout_s} s "
                                      f"(STEP_COUNT={self.read_reg('STEP_COUNT')}, STEPS={self.read_reg('STEPS')})")
            self._pause()

    def _require_idle(self, what: str) -> None:
        if self.busy():
            raise CoreBusyError(f"cannot {what}: the core is busy (STATUS.BUSY; a run or the clear after a reset); "
                                "wait() for the run, stop() it, or soft_reset()")

    def soft_reset(self, timeout_s: float | None = None) -> None:
        """CTRL.SOFT_RESET: stop any run, clear the counters, flags, spike FIFO and delay ring; wait for idle.
        STATE/PARAM/synapse memories keep their contents (:meth:`load` writes them back)."""
        self.write_reg("CTRL", _SRESET)
        self._words, self._base = [], 0
        self.wait_idle(timeout_s)
        self._words = []  # a reset empties the FIFO: nothing drained meanwhile belongs to a later run

    # ------------------------------------------------------------------ memories
    def select(self, memory: str, addr: int = 0, auto_inc: bool = True) -> None:
        """MEM_SEL = ``memory`` (a name of regmap.MEMORIES) with AUTO_INC, MEM_ADDR = ``addr``."""
        if memory not in rm.MEMORIES:
            raise ValueError(f"memory {memory!r} not in {sorted(rm.MEMORIES)}")
        self.write_reg("MEM_SEL", rm.MEMORIES[memory] | (_AUTO_INC if auto_inc else 0))
        self.write_reg("MEM_ADDR", int(addr))

    def write_memory(self, memory: str, words: Sequence[int] | np.ndarray, addr: int = 0, *, dma: Any = None,
                     force: bool = False) -> None:
        """Write ``words`` (32-bit) into ``memory`` from word ``addr`` (MEM_WDATA, AUTO_INC; or the DMA).

        ``dma``: a pynq-style AXI DMA (``dma.sendchannel.transfer(buffer)`` / ``.wait()``) whose MM2S
        stream feeds the system's ``s_axis`` port; used when ``len(words) >= dma_min_words``.
        The core must be idle (CoreBusyError; ``force=True`` skips this check); words the hardware
        rejects (a run started meanwhile) raise WriteRejectedError.
        """
        words = np.asarray(words, dtype=np.int64).reshape(-1)
        if not force:
            self._require_idle(f"write memory {memory}")
        rejected = self.read_reg("REJECT_COUNT")
        self.select(memory, addr)
        if dma is not None and words.size >= self.dma_min_words:
            self._dma_write(dma, words, int(addr), rejected)
        else:
            self._write_many("MEM_WDATA", words)
        now = self.read_reg("REJECT_COUNT")
        if now != rejected:
            raise WriteRejectedError(f"{now - rejected} of the {words.size} words written to {memory} were rejected "
                                     "by the hardware: the core was busy (STATUS.WRITE_REJECTED); the memory is only "
                                     "partly written")

    def _dma_write(self, dma: Any, words: np.ndarray, addr: int, rejected: int) -> None:
        allocate = self.allocate
        if allocate is None:
            from pynq import allocate  # type: ignore[import-not-found,no-redef]  # on a PYNQ board only
        buf = allocate(shape=(int(words.size),), dtype=np.uint32)
        try:
            buf[:] = (words & _MASK).astype(np.uint32)
            if hasattr(buf, "flush"):
                buf.flush()
            dma.sendchannel.transfer(buf)
            dma.sendchannel.wait()
        finally:
            if hasattr(buf, "freebuffer"):
                buf.freebuffer()
        # the loader writes the last words a few clocks after the stream ends: wait for MEM_ADDR
        end = addr + int(words.size)
        for _ in range(1000):
            if self.read_reg("MEM_ADDR") == end or self.read_reg("REJECT_COUNT") != rejected:
                return
            self._pause()
        raise DriverError(f"DMA of {words.size} words: MEM_ADDR = {self.read_reg('MEM_ADDR')}, expected {end} "
                          "(is the DMA's MM2S stream connected to the core's s_axis port?)")

    def read_memory(self, memory: str, n: int, addr: int = 0) -> np.ndarray:
        """Read ``n`` words of ``memory`` from word ``addr`` (uint32). The core must be idle."""
        self._require_idle(f"read memory {memory}")
        rejected = self.read_reg("REJECT_COUNT")
        self.select(memory, addr)
        out = np.array(self._read_many("MEM_RDATA", n), np.uint32)
        if self.read_reg("REJECT_COUNT") != rejected:
            raise CoreBusyError(f"reads of {memory} were rejected (the core became busy); the words read are 0")
        return out

    def load(self, design: Any, *, dma: Any = None, verify: bool = False, reset: bool = True,
             memories: Sequence[str] = LOAD_MEMORIES) -> dict[str, int]:
        """Write an emitted design's memories (STATE, PARAM, WEIGHT, DELAY, TARGET) into the core.

        ``design``: a :class:`~spikesim.backends.verilog.Design`, or a Network / Plan (emitted into a
        temporary directory first). The hardware must have been built from a design with the same
        structure (HW_INFO; with ``verify`` also ROW_PTR): connectivity, event lists and the STDP
        tables are part of the bitstream, the memories written here are what the host may change.
        ``reset``: SOFT_RESET first (clears ring, counters, FIFO, traces: the next run starts at t = 0).
        ``dma``: bulk images through the AXI DMA (:meth:`write_memory`). ``verify``: read everything back.
        Returns the words written per memory.
        """
        design = _as_design(design)
        want = HwInfo.from_words(design.sys_params["HW_INFO0"], design.sys_params["HW_INFO1"])
        if want != self.info:
            raise DesignMismatchError(f"the hardware was built for {self.info}, this design needs {want}: "
                                      "rebuild the bitstream for this network")
        if reset:
            self.soft_reset()
        images = memory_images(design)
        written = {}
        for mem in memories:
            self.write_memory(mem, images[mem], dma=dma)
            written[mem] = int(images[mem].size)
        if verify:
            self._verify(design, images, memories)
        return written

    def _verify(self, design: Any, images: dict[str, np.ndarray], memories: Sequence[str]) -> None:
        for mem in (*memories, "ROW_PTR"):
            want = images[mem]
            got = self.read_memory(mem, want.size)
            if mem in ("STATE", "PARAM"):  # unused lanes read back unspecified values
                file = "state.hex" if mem == "STATE" else "params.hex"
                used = len(_read_hex(Path(design.out_dir) / file)[0]) // 8
                lanes = want.size // design.n_neurons
                keep = (np.arange(want.size) % lanes) < used
                want, got = want[keep], got[keep]
            bad = np.flatnonzero(got != want)
            if bad.size:
                i = int(bad[0])
                raise DesignMismatchError(f"{mem}: {bad.size} words differ after load, first at {i}: read "
                                          f"{int(got[i]):#010x}, wrote {int(want[i]):#010x}")

    # ------------------------------------------------------------------ runs and spikes
    def start(self, steps: int) -> None:
        """STEPS = ``steps`` (0: until :meth:`stop`), CTRL.START (and IRQ_EN). The core must be idle."""
        steps = int(steps)
        if not 0 <= steps <= _MASK:
            raise ValueError(f"steps={steps} outside 0 .. 2**32 - 1")
        self._require_idle(f"start a run of {steps} steps")
        self.write_reg("STEPS", steps)
        self.write_reg("CTRL", _START | _IRQ_EN)

    def stop(self) -> None:
        """CTRL.STOP: end the run at the end of the current step (then :meth:`wait`)."""
        self.write_reg("CTRL", _STOP | _IRQ_EN)

    def wait(self, timeout_s: float | None = None) -> None:
        """Poll STATUS until DONE, draining the spike FIFO meanwhile (so a run never stalls on a full FIFO)."""
        deadline = self._deadline(timeout_s)
        while True:
            self._drain()
            st = self.read_reg("STATUS")
            if st & _DONE and not st & _BUSY:
                break
            if deadline is not None and time.monotonic() > deadline:
                raise RunTimeoutError(f"run not DONE after {timeout_s or self.timeout_s} s (STEP_COUNT="
                                      f"{self.read_reg('STEP_COUNT')}, STEPS={self.read_reg('STEPS')})")
            self._pause()
        self._drain()  # the last step's spikes

    def run(self, steps: int, wait: bool = True, timeout_s: float | None = None) -> None:
        """Run ``steps`` steps (>= 1 when ``wait``); with ``wait`` poll until DONE (see :meth:`wait`)."""
        if wait and int(steps) < 1:
            raise ValueError(f"steps={steps}: a waited run needs at least one step (0 runs until stop())")
        self.start(steps)
        if wait:
            self.wait(timeout_s)

    def _drain(self) -> None:
        """Move the spike FIFO's words into the driver's buffer."""
        off = self.offset("SPIKE_DATA")
        stream = getattr(self.bus, "read_stream", None)
        if stream is not None:
            while True:
                got = [int(w) for w in stream(off, 4096)]
                self._words += [w & ~_VALID & _MASK for w in got if w & _VALID]
                if len(got) < 4096:
                    return
        n = self.read_reg("SPIKE_COUNT")
        if n:
            self._words += [w & ~_VALID & _MASK for w in self._read_many("SPIKE_DATA", n) if w & _VALID]

    def read_spike_words(self) -> list[int]:
        """Drain SPIKE_DATA; the raw spike words (31 bits: {step mod 2**(31-SB), index[SB-1:0]}) since the last call."""
        self._drain()
        words, self._words = self._words, []
        return words

    def read_spikes(self) -> Spikes:
        """Drain SPIKE_DATA and decode the words: :class:`Spikes` (absolute steps, global indices).

        The step field holds the step modulo 2**(31-SB); it is unwrapped against the previous spike
        (the FIFO delivers spikes in step order), so gaps of 2**(31-SB) steps or more without a spike
        cannot be told apart (SB = index bits; 2**25 steps for 64 indices)."""
        words = np.asarray(self.read_spike_words(), np.int64)
        sb = self.info.sb
        idx = words & ((1 << sb) - 1)
        low = words >> sb
        period = 1 << (31 - sb)
        steps = np.zeros_like(low)
        base = self._base
        for k, lo in enumerate(low):
            base += (int(lo) - base) % period
            steps[k] = base
        self._base = base
        return Spikes(steps, idx)

    # ------------------------------------------------------------------ the neuromodulator
    def modulator_raw(self) -> int:
        """MODULATOR as a signed 32-bit integer (Q8.24)."""
        v = self.read_reg("MODULATOR")
        return v - (1 << 32) if v >> 31 else v

    def modulator(self) -> float:
        """The core's current modulator M (float, Q8.24)."""
        return float(F.to_float(self.modulator_raw(), F.COEF))

    def set_modulator_raw(self, q: int) -> None:
        """Write M as a signed Q8.24 integer."""
        if not _I32_MIN <= int(q) <= _I32_MAX:
            raise ValueError(f"modulator {q} outside int32")
        self.write_reg("MODULATOR", int(q))

    def set_modulator(self, x: float) -> None:
        """Set M = ``x`` (quantised to Q8.24 with :func:`spikesim.fixed.quantize`; SpecError outside -128 .. 128)."""
        self.set_modulator_raw(int(F.quantize(x, F.COEF, "modulator")))

    def reward(self, amount: float) -> float:
        """M += q(``amount``) (read-modify-write, saturating to int32); returns the new M. Call it while the
        core is idle for a result that does not depend on host timing."""
        q = int(F.quantize(amount, F.COEF, "reward"))
        new = min(max(self.modulator_raw() + q, _I32_MIN), _I32_MAX)
        self.set_modulator_raw(new)
        return float(F.to_float(new, F.COEF))

    def __repr__(self) -> str:
        return f"CoreDriver({self.bus!r})"
