"""The AXI-Lite register map of the spikesim core: one Python table, read by the RTL, the docs and the driver.

:data:`REGISTERS` is the single source of truth. From it this module generates

* ``hdl/rtl/spikesim_regmap.vh`` — Verilog ``localparam``\\ s (offsets, word indices, field
  positions and widths, reset values, memory ids), ``include``\\ d inside ``axil_regs.v``;
* ``docs/register_map.md`` — the Markdown table for the docs.

Both generated files are checked in; ``python -m spikesim.fpga.regmap --write`` regenerates them and
``--check`` (run by the test suite) fails when they are stale.

Access types of a field:

``RO``   read only; writes are ignored.
``RW``   read/write; honours ``WSTRB`` byte lanes.
``W1C``  sticky flag: set by hardware, a write of 1 clears it, a write of 0 leaves it.
``W1P``  write-1-pulse: a write of 1 emits a one-cycle pulse to the core; always reads 0.

A register's ``side_effect`` names what a *read* does besides returning data (``"pop"`` for the
spike FIFO, ``"mem_read"`` for ``MEM_RDATA``); tests and drivers must not read those casually.
All registers are 32 bits wide and word aligned; unmapped offsets read 0 and ignore writes; every
response is ``OKAY``. Only numpy/stdlib are imported (the driver and the emitter use this module).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ACCESS_TYPES",
    "ID_VALUE",
    "MEMORIES",
    "REGISTERS",
    "VERSION",
    "Field",
    "Register",
    "by_name",
    "by_offset",
    "check_generated",
    "markdown",
    "verilog_header",
    "write_generated",
]

ACCESS_TYPES: tuple[str, ...] = ("RO", "RW", "W1C", "W1P")

#: ``ID`` register value: ASCII "SPKS".
ID_VALUE: int = 0x53504B53
#: Register-map version (major, minor, patch); bump the minor on additions, the major on moves.
VERSION: tuple[int, int, int] = (1, 2, 0)

#: Memory ids for ``MEM_SEL.SEL`` (host access to the core's memories; a core may implement a subset,
#: an absent memory reads 0 and ignores writes).
MEMORIES: dict[str, int] = {
    "WEIGHT": 0,  # synaptic weights (CSR order)
    "DELAY": 1,  # per-synapse delays in steps
    "TARGET": 2,  # per-synapse postsynaptic index (CSR column)
    "ROW_PTR": 3,  # CSR row pointers (per presynaptic neuron)
    "PARAM": 4,  # neuron/synapse parameter words
    "STATE": 5,  # neuron state (v, u, synaptic currents, refractory counters)
    "TRACE": 6,  # plasticity traces
    "ELIG": 7,  # three-factor eligibility per synapse (Q8.24, CSR order; read only, 0 without ThreeFactor)
}


@dataclass(frozen=True)
class Field:
    """A bit field of a register.

    Attributes:
        name: upper-case identifier.
        lsb: lowest bit.
        width: number of bits.
        access: one of :data:`ACCESS_TYPES`.
        reset: reset value of the field (unshifted).
        desc: one-line description.
    """

    name: str
    lsb: int
    width: int
    access: str
    reset: int = 0
    desc: str = ""

    def __post_init__(self) -> None:
        if self.access not in ACCESS_TYPES:
            raise ValueError(f"field {self.name}: access {self.access!r} not in {ACCESS_TYPES}")
        if not (0 <= self.lsb and self.width >= 1 and self.lsb + self.width <= 32):
            raise ValueError(f"field {self.name}: bits [{self.lsb + self.width - 1}:{self.lsb}] outside 0..31")
        if not 0 <= self.reset < (1 << self.width):
            raise ValueError(f"field {self.name}: reset {self.reset:#x} does not fit in {self.width} bits")

    @property
    def mask(self) -> int:
        """The field's bits within the register."""
        return ((1 << self.width) - 1) << self.lsb

    @property
    def msb(self) -> int:
        """Highest bit."""
        return self.lsb + self.width - 1


@dataclass(frozen=True)
class Register:
    """A 32-bit register.

    Attributes:
        name: upper-case identifier.
        offset: byte offset (word aligned).
        desc: description (one sentence or two).
        fields: its bit fields (non-overlapping).
        source: where the value comes from: ``"reg"`` (held in axil_regs), ``"core"`` (a core-side
            input port), ``"const"`` (a constant of the map), ``"param"`` (a Verilog parameter).
        side_effect: what a read does besides returning data (None, ``"pop"``, ``"mem_read"``).
    """

    name: str
    offset: int
    desc: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    source: str = "reg"
    side_effect: str | None = None

    def __post_init__(self) -> None:
        if self.offset % 4:
            raise ValueError(f"register {self.name}: offset {self.offset:#x} not word aligned")
        used = 0
        for f in self.fields:
            if used & f.mask:
                raise ValueError(f"register {self.name}: field {f.name} overlaps another field")
            used |= f.mask

    @property
    def index(self) -> int:
        """Word index (offset / 4)."""
        return self.offset // 4

    @property
    def reset(self) -> int:
        """Reset value of the whole register (core inputs and parameters taken as 0)."""
        return sum(f.reset << f.lsb for f in self.fields)

    @property
    def access(self) -> str:
        """Summary access: the single access type of all fields, or ``"mixed"``."""
        kinds = {f.access for f in self.fields}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def mask(self, *access: str) -> int:
        """Bits of the fields with the given access types (all fields if none given)."""
        return sum(f.mask for f in self.fields if not access or f.access in access)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")


def _full(name: str, access: str, reset: int = 0, desc: str = "") -> tuple[Field, ...]:
    return (Field(name, 0, 32, access, reset, desc),)


REGISTERS: tuple[Register, ...] = (
    Register("ID", 0x00, 'Identifies the core: ASCII "SPKS".', _full("ID", "RO", ID_VALUE), source="const"),
    Register(
        "VERSION",
        0x04,
        "Register-map version.",
        (
            Field("PATCH", 0, 8, "RO", VERSION[2], "patch"),
            Field("MINOR", 8, 8, "RO", VERSION[1], "minor (additions)"),
            Field("MAJOR", 16, 8, "RO", VERSION[0], "major (incompatible moves)"),
        ),
        source="const",
    ),
    Register("HW_INFO0", 0x08, "Build-time information word 0 (Verilog parameter HW_INFO0, set by the emitter).",
             _full("INFO", "RO"), source="param"),
    Register("HW_INFO1", 0x0C, "Build-time information word 1 (Verilog parameter HW_INFO1, set by the emitter).",
             _full("INFO", "RO"), source="param"),
    Register(
        "CTRL",
        0x10,
        "Control. Every write also sets IRQ_EN (write it with START). START is ignored while the core is "
        "busy; SOFT_RESET wins over START/STOP in the same write, resets the core and clears the STATUS "
        "flags and REJECT_COUNT; the RW registers keep their values. After any reset (SOFT_RESET, also in "
        "the middle of a run, or aresetn) BUSY stays high while the core clears its delay ring and "
        "external-current RAM (2**(RB+NB) clocks); wait for BUSY = 0 before START or a memory access. "
        "The STATE, PARAM and synapse memories keep their contents (rewrite STATE to restart from t = 0).",
        (
            Field("START", 0, 1, "W1P", 0, "start a run of STEPS steps (STEPS = 0: run until STOP)"),
            Field("STOP", 1, 1, "W1P", 0, "stop the run at the end of the current step"),
            Field("SOFT_RESET", 2, 1, "W1P", 0, "reset the core (state machine, counters, spike FIFO)"),
            Field("IRQ_EN", 8, 1, "RW", 0, "drive irq while STATUS.DONE is set"),
        ),
    ),
    Register(
        "STATUS",
        0x14,
        "Status. The W1C flags are sticky: set by hardware, cleared by writing 1 or by SOFT_RESET.",
        (
            Field("BUSY", 0, 1, "RO", 0, "the core is running (core_busy), or a START is pending"),
            Field("DONE", 1, 1, "W1C", 0, "a run finished (core_done); also cleared by START"),
            Field("OVERFLOW", 2, 1, "W1C", 0, "OVERFLOW_COUNT increased"),
            Field("SATURATED", 3, 1, "W1C", 0, "SAT_COUNT increased"),
            Field("WRITE_REJECTED", 4, 1, "W1C", 0, "a MEM_WDATA write arrived while busy and was dropped"),
            Field("READ_REJECTED", 5, 1, "W1C", 0, "a MEM_RDATA read arrived while busy and returned 0"),
            Field("MEM_TIMEOUT", 6, 1, "W1C", 0, "the core did not answer a memory read in time (read 0)"),
            Field("SPIKE_PENDING", 8, 1, "RO", 0, "the spike FIFO is not empty"),
        ),
    ),
    Register("STEPS", 0x18, "Number of steps a START runs (0: until STOP).", _full("STEPS", "RW")),
    Register("STEP_COUNT", 0x1C, "Steps completed since the last SOFT_RESET (core).", _full("COUNT", "RO"), source="core"),
    Register(
        "MEM_SEL",
        0x20,
        "Selects the memory that MEM_ADDR/MEM_WDATA/MEM_RDATA access (ids: see the memory table).",
        (
            Field("SEL", 0, 8, "RW", 0, "memory id"),
            Field("AUTO_INC", 16, 1, "RW", 0, "MEM_ADDR += 1 after every accepted MEM_WDATA write / MEM_RDATA read"),
        ),
    ),
    Register("MEM_ADDR", 0x24, "Word address within the selected memory.", _full("ADDR", "RW")),
    Register(
        "MEM_WDATA",
        0x28,
        "Writing stores the word at (MEM_SEL, MEM_ADDR) if the core is idle; while busy the write is "
        "rejected (STATUS.WRITE_REJECTED, REJECT_COUNT) and the memory is unchanged. Writable: STATE, "
        "PARAM, WEIGHT (the low weight bits are kept), DELAY (1 .. ring depth), TARGET; ROW_PTR and "
        "TRACE ignore writes. Reads back the last value written.",
        _full("DATA", "RW"),
    ),
    Register(
        "MEM_RDATA",
        0x2C,
        "Reading returns the word at (MEM_SEL, MEM_ADDR) if the core is idle; while busy it returns 0 "
        "(STATUS.READ_REJECTED, REJECT_COUNT).",
        _full("DATA", "RO"),
        source="core",
        side_effect="mem_read",
    ),
    Register("SPIKE_COUNT", 0x30, "Entries in the spike FIFO (core).", _full("COUNT", "RO"), source="core"),
    Register(
        "SPIKE_DATA",
        0x34,
        "Reading pops the spike FIFO. VALID = 0 means the FIFO was empty (DATA = 0).",
        (
            Field("DATA", 0, 31, "RO", 0, "spike word (format defined by the core: step and neuron index)"),
            Field("VALID", 31, 1, "RO", 0, "the word is a spike"),
        ),
        source="core",
        side_effect="pop",
    ),
    Register("OVERFLOW_COUNT", 0x38, "Spike-buffer overflow events since SOFT_RESET (core).", _full("COUNT", "RO"),
             source="core"),
    Register("SAT_COUNT", 0x3C, "Fixed-point saturation events since SOFT_RESET (core).", _full("COUNT", "RO"),
             source="core"),
    Register("REJECT_COUNT", 0x40, "Host memory accesses rejected because the core was busy (cleared by SOFT_RESET).",
             _full("COUNT", "RO")),
    Register("MODULATOR", 0x44, "The core's modulator register R (signed Q8.24): M of the last step, decayed for "
             "the next (spikesim/fixed_plastic.py). A read returns R; a write while idle sets R (strobed bytes merged "
             "into R); a write while busy is rejected (STATUS.WRITE_REJECTED, REJECT_COUNT). A reward of x at step s is "
             "R = sat(R + round(x * 2**24)) between steps s-1 and s. Reset (aresetn, SOFT_RESET): the design's "
             "initial R (0 for add_modulator, q(decay * initial + bias) for an astrocyte); without a modulator "
             "R only holds what the host writes.", _full("VALUE", "RW"), source="core"),
    Register("SCRATCH", 0x48, "Scratch register for bus tests; no effect.", _full("VALUE", "RW")),
)

_BY_NAME = {r.name: r for r in REGISTERS}
_BY_OFFSET = {r.offset: r for r in REGISTERS}
assert len(_BY_NAME) == len(REGISTERS) and len(_BY_OFFSET) == len(REGISTERS), "duplicate register"


def by_name(name: str) -> Register:
    """The register called ``name`` (KeyError if none)."""
    return _BY_NAME[name]


def by_offset(offset: int) -> Register | None:
    """The register at byte ``offset``, or None."""
    return _BY_OFFSET.get(offset)


# ---------------------------------------------------------------- generators

_ROOT = Path(__file__).resolve().parents[2]
VH_PATH = _ROOT / "hdl" / "rtl" / "spikesim_regmap.vh"
MD_PATH = _ROOT / "docs" / "register_map.md"
_GEN = "generated by spikesim/fpga/regmap.py (python -m spikesim.fpga.regmap --write); do not edit"


def verilog_header() -> str:
    """Verilog-2001 ``localparam`` include for the map (include it inside a module body).

    Names: ``SPK_REG_<R>`` byte offset, ``SPK_IDX_<R>`` word index, ``SPK_RST_<R>`` reset value,
    ``SPK_<R>_<F>_LSB`` / ``SPK_<R>_<F>_W`` field position and width, ``SPK_MEM_<M>`` memory ids,
    ``SPK_ID_VALUE`` / ``SPK_VERSION_VALUE``.
    """
    lines = [
        f"// {_GEN}.",
        "// Register map of the spikesim core: include inside a module body (localparams are module scoped).",
        "// verilator lint_off UNUSEDPARAM",
        f"localparam [31:0] SPK_ID_VALUE = 32'h{ID_VALUE:08x};",
        f"localparam [31:0] SPK_VERSION_VALUE = 32'h{(VERSION[0] << 16) | (VERSION[1] << 8) | VERSION[2]:08x};",
        f"localparam integer SPK_NUM_REGS = {len(REGISTERS)};",
        f"localparam integer SPK_MAX_OFFSET = {max(r.offset for r in REGISTERS)};",
    ]
    for r in REGISTERS:
        lines.append(f"// {r.name}: {r.desc}")
        lines.append(f"localparam [31:0] SPK_REG_{r.name} = 32'h{r.offset:08x};")
        lines.append(f"localparam [31:0] SPK_IDX_{r.name} = 32'd{r.index};")
        lines.append(f"localparam [31:0] SPK_RST_{r.name} = 32'h{r.reset:08x};")
        if not (len(r.fields) == 1 and r.fields[0].width == 32):
            for f in r.fields:
                lines.append(f"localparam integer SPK_{r.name}_{f.name}_LSB = {f.lsb};  // {f.access}: {f.desc}")
                lines.append(f"localparam integer SPK_{r.name}_{f.name}_W = {f.width};")
    for name, mid in MEMORIES.items():
        lines.append(f"localparam [7:0] SPK_MEM_{name} = 8'd{mid};")
    lines.append("// verilator lint_on UNUSEDPARAM")
    return "\n".join(lines) + "\n"


def _bits(f: Field) -> str:
    return f"{f.lsb}" if f.width == 1 else f"{f.msb}:{f.lsb}"


def markdown() -> str:
    """The register map as Markdown (``docs/register_map.md``)."""
    v = ".".join(map(str, VERSION))
    out = [
        "# Register map",
        "",
        f"<!-- {_GEN} -->",
        "",
        f"AXI-Lite slave `hdl/rtl/axil_regs.v`, map version {v}. All registers are 32 bits, word aligned; "
        "unmapped offsets read 0 and ignore writes; every response is `OKAY`. "
        "The table is `spikesim/fpga/regmap.py` (`REGISTERS`); the Verilog include "
        "`hdl/rtl/spikesim_regmap.vh` and this page are generated from it.",
        "",
        "Access: **RO** read only · **RW** read/write (byte strobes honoured) · **W1C** sticky flag, "
        "write 1 to clear · **W1P** write 1 to pulse, reads 0.",
        "",
        "| Offset | Register | Access | Reset | Source | Description |",
        "|---|---|---|---|---|---|",
    ]
    for r in REGISTERS:
        se = f" Read side effect: {r.side_effect}." if r.side_effect else ""
        out.append(f"| `0x{r.offset:02X}` | **{r.name}** | {r.access} | `0x{r.reset:08X}` | {r.source} | {r.desc}{se} |")
    out += ["", "## Fields", "", "| Register | Bits | Field | Access | Reset | Description |", "|---|---|---|---|---|---|"]
    for r in REGISTERS:
        for f in r.fields:
            out.append(f"| {r.name} | [{_bits(f)}] | {f.name} | {f.access} | `0x{f.reset:X}` | {f.desc} |")
    out += ["", "## Memories (`MEM_SEL.SEL`)", "", "| Id | Memory |", "|---|---|"]
    for name, mid in MEMORIES.items():
        out.append(f"| {mid} | {name} |")
    return "\n".join(out) + "\n"


def write_generated(vh_path: Path = VH_PATH, md_path: Path = MD_PATH) -> list[Path]:
    """(Re)write the generated Verilog include and Markdown page; return the paths written."""
    written = []
    for path, text in ((vh_path, verilog_header()), (md_path, markdown())):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def check_generated(vh_path: Path = VH_PATH, md_path: Path = MD_PATH) -> list[Path]:
    """The generated files that are missing or stale (empty when up to date)."""
    return [p for p, t in ((vh_path, verilog_header()), (md_path, markdown())) if not p.exists() or p.read_text() != t]


def main(argv: list[str] | None = None) -> int:
    """CLI: ``--write`` regenerates the files, ``--check`` exits 1 when they are stale."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the generated files")
    ap.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = ap.parse_args(argv)
    if args.write:
        for p in write_generated():
            print(f"wrote {p}")
        return 0
    stale = check_generated()
    for p in stale:
        print(f"stale: {p}", file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
