"""FPGA boards for :func:`spikesim.fpga.build`: pins, clocks, devices, constraint files, and what fits.

Each :class:`Board` names its device (the ``nextpnr`` arguments), its capacities (from the device
data sheets; ``nextpnr`` reports the same numbers as "available"), the board oscillator (pin and
frequency) and the design clock derived from it (``div_bits``: the target frequency of place and
route), the UART pins that the host talks through (``docs/uart.md``) and one LED (lit while ``irq``
is high).

Pin sources: the vendor / designer constraint files below are the primary sources (cited, not
fetched by spikesim); ``tests/test_fpga_build.py`` checks every device, clock, UART and LED pin of
the table against ``amaranth-boards`` 0.0.21 (installed by the ``hdl`` extra):

* ULX3S (ECP5 LFE5U-85F, CABGA381, speed 6): the board's constraint file
  https://github.com/emard/ulx3s/blob/master/doc/constraints/ulx3s_v20.lpf (``clk_25mhz`` G2,
  ``ftdi_txd`` L4 = FPGA receive, ``ftdi_rxd`` M1 = FPGA transmit, ``led[0]`` B2) and
  ``amaranth_boards/ulx3s.py`` (``clk25`` G2, ``uart`` rx M1 / tx L4, ``led`` B2).
  Note the FTDI naming: the FTDI's TXD drives the FPGA's receive pin.
* OrangeCrab r0.2 (ECP5 LFE5U-25F, csfBGA285, speed 8): ``amaranth_boards/orangecrab_r0_2.py``
  (``clk`` A9 at 48 MHz, RGB LED red K4 active low, Feather header ``io`` 0 = N17, 1 = M18) and
  https://github.com/orangecrab-fpga/orangecrab-examples/blob/main/verilog/orangecrab_r02.pcf.
  The OrangeCrab has no USB-UART chip (its USB goes straight to the FPGA): the UART is on the
  Feather pins 0 (RX, N17) and 1 (TX, M18), for an external 3.3 V USB-UART adapter.
* iCEBreaker (iCE40UP5K, SG48): https://github.com/icebreaker-fpga/icebreaker-examples/blob/master/icebreaker.pcf
  (``CLK`` 35, ``RX`` 6, ``TX`` 9, ``LEDR_N`` 11) and ``amaranth_boards/icebreaker.py``;
  the UART is channel B of the on-board FTDI FT2232H.

Resource estimate
-----------------
:func:`estimate` sizes a design before the long flow: block RAMs from the memory sizes the emitter
computed (every ``ss_ram`` of the core, the STDP unit and the spike FIFO, each mapped to the
cheapest block configuration of the family, as yosys' ``memory_libmap`` does for these simple
dual-port RAMs; on ECP5 memories of at most :data:`SMALL_MEM_BITS` bits or 32 words go to LUT RAM,
on iCE40, which has none, only memories of at most 4 words go to flip-flops), LUTs and
DSPs from a linear model in N and the number of exponential currents, fitted to yosys runs of the
board and AXI tops (:data:`LUT_MODEL`; LIF, no plasticity). :func:`check_fit` raises
:class:`DoesNotFit` naming the board, the resource, the estimate and the capacity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BOARDS", "Board", "DoesNotFit", "Estimate", "check_fit", "estimate", "get_board", "memories"]

#: ECP5: memories of at most this many bits (or at most ``LOGIC_MAX_DEPTH`` words) are left to LUT RAM.
SMALL_MEM_BITS = 1024
#: Memories of at most this many words are left to LUTs / flip-flops. The iCE40 has no LUT RAM: yosys
#: 0.70 (synth_ice40) puts even a 8 x 32 or 32 x 5 memory in an SB_RAM40_4K, a 4 x 64 one in flip-flops.
LOGIC_MAX_DEPTH = {"ecp5": 32, "ice40": 4}
#: Read-only memories (images, never written): on the iCE40 yosys turns those of at most 32 words into
#: logic too (the N = 16 iCEBreaker build: 25 EBR, the 32-word fan-out pointers and spike-source events
#: in LUTs).
ROMS = frozenset({"ptr", "iev", "sev", "stdp_cptr", "stdp_csc"})

#: Block-RAM shapes (depth, width) of simple dual-port RAMs: ECP5 DP16KD / PDPW16KD, iCE40 SB_RAM40_4K.
BRAM_SHAPES: dict[str, tuple[tuple[int, int], ...]] = {
    "ecp5": ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)),
    "ice40": ((2048, 2), (1024, 4), (512, 8), (256, 16)),
}
#: Bits of one block RAM.
BRAM_BITS = {"ecp5": 18432, "ice40": 4096}

#: LUT model: LUT4 = base + per_neuron * N + per_current * NCUR (+ uart with the UART bridge and board
#: top, + stdp with the STDP unit), fitted to yosys 0.70 (synth_ecp5; synth_ice40 -dsp) on 2026-12-05:
#: spikesim_axi_top of bench/fpga_resources.py's network (NCUR = 2) at N = 64 / 256: ECP5 3370 / 3371,
#: iCE40 3865 / 4320 LUT4; spikesim_uart_top at N = 16 without currents / with one and at N = 64 with two:
#: ECP5 3176 / 3533 / 4373, iCE40 3460 / 3975 / 4571 (the iCE40 fit is within 1 %, the ECP5 one up to
#: +10 %). ``stdp``: a rough allowance for the STDP unit (docs/hdl.md: +~1000 LUT on xc7), not fitted.
LUT_MODEL: dict[str, dict[str, float]] = {
    "ecp5": {"base": 2370.0, "per_neuron": 0.0, "per_current": 500.0, "uart": 1000.0, "stdp": 1500.0},
    "ice40": {"base": 2713.0, "per_neuron": 2.37, "per_current": 500.0, "uart": 706.0, "stdp": 1500.0},
}
#: Multipliers mapped to DSP blocks (MULT18X18D / SB_MAC16): ``core + per_current x NCUR`` (LIF: 15 with one
#: exponential current, the ULX3S test; 23 with two, docs/hdl.md and bench/fpga_flow.py), more with the STDP
#: unit's 40 x 32-bit products (``stdp``, a rough allowance). Izhikevich designs: not measured.
DSP_MODEL: dict[str, int] = {"core": 7, "per_current": 8, "stdp": 8}
#: Logic cells that place and route counts per yosys LUT4 (ECP5 TRELLIS_COMB: LUT4 + 2 per CCU2C carry +
#: LUT RAM: 6798 for 4046 LUT4 at N = 16, 6756 for 4594 at N = 64 on the ULX3S; iCE40 ICESTORM_LC: LUT4,
#: unpacked FFs and carries: 4149 for 3446 LUT4, the N = 16 iCEBreaker build of tests/test_fpga_build.py).
CELLS_PER_LUT: dict[str, float] = {"ecp5": 1.7, "ice40": 1.21}
#: The UART bridge's payload buffer (ss_uart_bridge.v: u_buf, 64 x 32 bits).
UART_BUF: tuple[int, int] = (64, 32)


class DoesNotFit(ValueError):
    """The estimated resources of a design exceed the board's device."""


@dataclass(frozen=True)
class Board:
    """One FPGA board.

    Attributes:
        name: key in :data:`BOARDS` (``spikesim build-fpga --board NAME``).
        title: human name.
        family: ``"ecp5"`` or ``"ice40"`` (yosys ``synth_<family>``, ``nextpnr-<family>``).
        device: the FPGA part.
        nextpnr_args: device and package arguments of nextpnr.
        clk_pin, clk_hz: the oscillator's pin and frequency (Hz).
        div_bits: the design runs at ``clk_hz / 2**div_bits`` (:attr:`design_hz`; place and route
            targets it): the core's Fmax on ECP5 is ~16 MHz (docs/boards.md), below the 25 / 48 MHz
            oscillators.
        uart_rx, uart_tx: the FPGA's receive and transmit pins (host -> FPGA on ``uart_rx``).
        led: a user LED pin (shows ``irq``); ``led_active_low``: the LED lights at 0.
        io_standard: I/O standard of every pin (ECP5 ``IO_TYPE``; iCE40 pins are 3.3 V LVCMOS).
        capacity: available resources: ``lut`` (LUT4), ``ff``, ``bram`` (blocks), ``dsp``, ``io``.
        uart_note: how the UART reaches the host.
        sources: where the pins come from.
        fifo_aw: the spike FIFO's address bits in builds for this board (None: the emitter's, 1024
            spikes); the iCEBreaker's 256 spikes take 2 of its 30 block RAMs instead of 8.
        router: nextpnr's router for this board: ``"router2"`` (ECP5: router1 was still far from
            routed after 15 min on the 64-neuron ULX3S design) or ``"router1"`` (iCE40: router2 was
            stuck at 2 overused wires after 1900 iterations on the 16-neuron iCEBreaker design,
            which router1 routed in 108 s).
    """

    name: str
    title: str
    family: str
    device: str
    nextpnr_args: tuple[str, ...]
    clk_pin: str
    clk_hz: int
    uart_rx: str
    uart_tx: str
    led: str
    led_active_low: bool
    capacity: Mapping[str, int]
    uart_note: str
    io_standard: str = "LVCMOS33"
    sources: tuple[str, ...] = field(default=())
    div_bits: int = 0
    fifo_aw: int | None = None
    router: str = "router2"

    @property
    def design_hz(self) -> int:
        """The design clock (Hz): the oscillator divided by ``2**div_bits``."""
        return self.clk_hz >> self.div_bits

    @property
    def clk_mhz(self) -> float:
        """Oscillator frequency in MHz."""
        return self.clk_hz / 1e6

    @property
    def bitstream_suffix(self) -> str:
        """``.bit`` (ECP5, ecppack) or ``.bin`` (iCE40, icepack)."""
        return ".bit" if self.family == "ecp5" else ".bin"

    def constraints(self) -> tuple[str, str]:
        """The constraint file for the board top (ports ``clk``, ``uart_rx``, ``uart_tx``, ``led``):
        (file name, text): ``board.lpf`` for ECP5, ``board.pcf`` for iCE40."""
        pins = {"clk": self.clk_pin, "uart_rx": self.uart_rx, "uart_tx": self.uart_tx, "led": self.led}
        head = f"# {self.title} ({self.device}): generated by spikesim.fpga.boards -- pins from {self.sources[0]}\n"
        if self.family == "ecp5":
            lines = [head.rstrip()]
            for port, pin in pins.items():
                lines.append(f'LOCATE COMP "{port}" SITE "{pin}";')
                pull = " PULLMODE=UP" if port == "uart_rx" else ""
                lines.append(f'IOBUF PORT "{port}" IO_TYPE={self.io_standard}{pull};')
            lines.append(f'FREQUENCY PORT "clk" {self.clk_mhz:g} MHZ;')
            return "board.lpf", "\n".join(lines) + "\n"
        lines = [head.rstrip()] + [f"set_io{' -pullup yes' if p == 'uart_rx' else ''} {p} {pin}" for p, pin in pins.items()]
        return "board.pcf", "\n".join(lines) + "\n"


_ULX3S_SRC = ("https://github.com/emard/ulx3s/blob/master/doc/constraints/ulx3s_v20.lpf",
              "amaranth-boards 0.0.21: amaranth_boards/ulx3s.py")
BOARDS: dict[str, Board] = {
    "ulx3s-85f": Board(
        "ulx3s-85f", "Radiona ULX3S (85F)", "ecp5", "LFE5U-85F", ("--85k", "--package", "CABGA381", "--speed", "6"),
        clk_pin="G2", clk_hz=25_000_000, uart_rx="M1", uart_tx="L4", led="B2", led_active_low=False,
        capacity={"lut": 83640, "ff": 83640, "bram": 208, "dsp": 156, "io": 197},
        uart_note="on-board FTDI FT231X (the US1 USB port), /dev/ttyUSB0 on Linux", sources=_ULX3S_SRC, div_bits=1),
    "orangecrab-25f": Board(
        "orangecrab-25f", "OrangeCrab r0.2 (25F)", "ecp5", "LFE5U-25F", ("--25k", "--package", "CSFBGA285", "--speed", "8"),
        clk_pin="A9", clk_hz=48_000_000, uart_rx="N17", uart_tx="M18", led="K4", led_active_low=True,
        capacity={"lut": 24288, "ff": 24288, "bram": 56, "dsp": 28, "io": 118},
        uart_note="no USB-UART chip on the board: a 3.3 V USB-UART adapter on the Feather pins 0 (RX) and 1 (TX)",
        sources=("https://github.com/orangecrab-fpga/orangecrab-examples/blob/main/verilog/orangecrab_r02.pcf",
                 "amaranth-boards 0.0.21: amaranth_boards/orangecrab_r0_2.py"), div_bits=2),
    "icebreaker": Board(
        "icebreaker", "1BitSquared iCEBreaker", "ice40", "iCE40UP5K", ("--up5k", "--package", "sg48"),
        clk_pin="35", clk_hz=12_000_000, uart_rx="6", uart_tx="9", led="11", led_active_low=True,
        capacity={"lut": 5280, "ff": 5280, "bram": 30, "dsp": 8, "io": 39},
        uart_note="on-board FTDI FT2232H, channel B (/dev/ttyUSB1 on Linux)", io_standard="SB_LVCMOS",
        sources=("https://github.com/icebreaker-fpga/icebreaker-examples/blob/master/icebreaker.pcf",
                 "amaranth-boards 0.0.21: amaranth_boards/icebreaker.py"), div_bits=1, fifo_aw=8,
        router="router1"),
}


def get_board(name: str | Board) -> Board:
    """The board called ``name`` (case-insensitive), or ``name`` itself when it is a :class:`Board`."""
    if isinstance(name, Board):
        return name
    key = str(name).lower()
    if key not in BOARDS:
        raise ValueError(f"board={name!r} is not known; choose one of {sorted(BOARDS)}")
    return BOARDS[key]


def memories(params: Mapping[str, int], sys_params: Mapping[str, int] | None = None,
             uart: bool = False) -> dict[str, tuple[int, int]]:
    """Every RAM of the emitted design: name -> (depth in words, width in bits).

    ``params`` / ``sys_params`` are the emitter's (``Design.params``, ``Design.sys_params``); the
    shapes are those of the ``ss_ram`` instances in ``ss_core.v``, ``ss_stdp.v``, ``ss_system.v``
    and (``uart``) ``ss_uart_bridge.v``."""
    p = params
    nb, sb, yb, rb, ncur = p["NB"], p["SB"], p["YB"], p["RB"], p["NCUR"]
    stdp = int(p.get("STDP", 0))
    pw = 32 * (5 + 2 * ncur) if p["MODEL"] == 0 else 32 * (6 + ncur)
    mems = {"state": (1 << nb, 32 * (2 + ncur)), "param": (1 << nb, pw),
            "list": (1 << sb, sb), "ptr": (1 << sb, 2 * yb), "syn": (1 << yb, p["WB"] + rb + p["CB"] + nb + stdp),
            "sev": (1 << p["SEB"], 32 + sb)}
    if p.get("IEXT", 1):  # external-current events (ss_core.v IEXT)
        mems.update({"iext": (1 << nb, 32), "iev": (1 << p["IEB"], 64 + nb)})
    for g in range(ncur + 2):
        mems[f"ring{g}"] = (1 << (rb + nb), 32)
    if stdp:
        qb, cpb = p["QB"], p["CPB"]
        mems.update({"stdp_flag": (1 << sb, 1), "stdp_hist": (1 << (rb + sb), 33), "stdp_ytr": (1 << nb, 33),
                     "stdp_plist": (1 << nb, nb), "stdp_queue": (1 << (rb + qb), yb), "stdp_cptr": (1 << nb, 2 * cpb),
                     "stdp_csc": (1 << cpb, rb + sb + yb)})
    if sys_params:
        mems["fifo"] = (1 << int(sys_params["FIFO_AW"]), 31)
    if uart:
        mems["uart_buf"] = UART_BUF
    return mems


def bram_blocks(depth: int, width: int, family: str, rom: bool = False) -> int:
    """Block RAMs for one ``depth`` x ``width`` RAM (0 when it is small enough for LUTs); ``rom``: never written."""
    small = 32 if rom else LOGIC_MAX_DEPTH[family]
    if depth <= small or (family == "ecp5" and depth * width <= SMALL_MEM_BITS):
        return 0
    return min(math.ceil(width / w) * math.ceil(depth / d) for d, w in BRAM_SHAPES[family])


@dataclass(frozen=True)
class Estimate:
    """Estimated resources of a design on one family (:func:`estimate`).

    Attributes:
        family: ``"ecp5"`` or ``"ice40"``.
        lut, bram, dsp: LUT4s, block RAMs, DSP blocks.
        bram_bits: bits of all RAMs (before mapping).
        per_memory: memory name -> block RAMs.
    """

    family: str
    lut: int
    bram: int
    dsp: int
    bram_bits: int
    per_memory: dict[str, int]

    def as_dict(self) -> dict[str, int]:
        """``{"lut": .., "bram": .., "dsp": ..}``."""
        return {"lut": self.lut, "bram": self.bram, "dsp": self.dsp}


def estimate(params: Mapping[str, int], sys_params: Mapping[str, int] | None, family: str, uart: bool = True) -> Estimate:
    """Estimate LUT4s, block RAMs and DSPs of the emitted system (``Design.params``, ``Design.sys_params``)
    on ``family``; ``uart``: with the UART bridge (``spikesim_uart_top``)."""
    if family not in BRAM_SHAPES:
        raise ValueError(f"family={family!r} not in {sorted(BRAM_SHAPES)}")
    mems = memories(params, sys_params, uart)
    per = {name: bram_blocks(d, w, family, rom=name in ROMS) for name, (d, w) in mems.items()}
    m = LUT_MODEL[family]
    stdp = bool(params.get("STDP", 0))
    lut = (m["base"] + m["per_neuron"] * params["N"] + m["per_current"] * params["NCUR"] + (m["uart"] if uart else 0.0)
           + (m["stdp"] if stdp else 0.0))
    dsp = DSP_MODEL["core"] + DSP_MODEL["per_current"] * params["NCUR"] + (DSP_MODEL["stdp"] if stdp else 0)
    return Estimate(family, round(lut), sum(per.values()), dsp, sum(d * w for d, w in mems.values()), per)


def check_fit(est: Estimate, board: Board, what: str = "the network") -> None:
    """Raise :class:`DoesNotFit` when ``est`` exceeds ``board``'s device (every resource over is named)."""
    names = {"lut": "LUT4", "bram": "block RAMs", "dsp": "DSP blocks"}
    need = {**est.as_dict(), "lut": round(est.lut * CELLS_PER_LUT[board.family])}
    names["lut"] = "logic cells (LUT4 + carry + LUT RAM)"
    over = [f"{names[k]}: estimated {v}, the {board.device} has {board.capacity[k]}"
            for k, v in need.items() if v > board.capacity[k]]
    if over:
        big = sorted(est.per_memory.items(), key=lambda kv: -kv[1])[:3]
        raise DoesNotFit(f"{what} does not fit board {board.name!r} ({board.device}): " + "; ".join(over)
                         + f" (largest RAMs in blocks: {', '.join(f'{k} {v}' for k, v in big)}; "
                         + f"all RAMs {est.bram_bits / 1024:.0f} kbit)")
