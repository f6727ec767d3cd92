"""Synthesis and lint of spikesim's RTL: yosys (``synth_xilinx`` / ``synth_ecp5`` / ``synth_ice40``) and Verilator.

:func:`synthesize` runs one yosys process per call and returns a :class:`SynthReport`: the mapped
cell counts, grouped into LUT / FF / BRAM / DSP (and LUT-RAM, carry), the memories the design
contains before mapping, and every latch yosys inferred (a design with latches is an error for
spikesim: :meth:`SynthReport.check` raises). :func:`lint` runs ``verilator --lint-only -Wall`` and
returns its warnings. yosys and Verilator are located by :mod:`spikesim.fpga.tools`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .tools import cache_dir, ensure_verilator, ensure_yosys

__all__ = ["TARGETS", "Memory", "SynthError", "SynthReport", "lint", "synthesize"]

#: yosys synthesis command of each target (a block, not a chip: no I/O buffers on xilinx).
TARGETS: dict[str, str] = {"xilinx": "synth_xilinx -noiopad", "ecp5": "synth_ecp5", "ice40": "synth_ice40"}

# Cell-type classes per target (exact names, or prefixes ending in "*").
_CLASSES: dict[str, dict[str, tuple[str, ...]]] = {
    "xilinx": {
        "lut": ("LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6", "LUT6_2"),
        "ff": ("FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1"),
        "bram": ("RAMB18E1", "RAMB36E1", "RAMB18E2", "RAMB36E2", "RAMB18", "RAMB36"),
        "dsp": ("DSP48E1", "DSP48E2", "DSP48A1"),
        "lutram": ("RAM16X1D", "RAM32X1D", "RAM64X1D", "RAM128X1D", "RAM256X1S", "RAM32M", "RAM64M",
                   "RAM32X1S", "RAM64X1S", "RAM128X1S", "RAM32M16", "RAM64M8", "SRL16E", "SRLC32E"),
        "carry": ("CARRY4", "CARRY8"),
        "latch": ("LDCE", "LDPE"),
    },
    "ecp5": {
        "lut": ("LUT4",),
        "ff": ("TRELLIS_FF",),
        "bram": ("DP16KD", "PDPW16KD"),
        "dsp": ("MULT18X18D", "ALU54B"),
        "lutram": ("TRELLIS_DPR16X4",),
        "carry": ("CCU2C",),
        "latch": (),
    },
    "ice40": {
        "lut": ("SB_LUT4",),
        "ff": ("SB_DFF*",),
        "bram": ("SB_RAM40_4K", "SB_RAM40_4KNR", "SB_RAM40_4KNW", "SB_RAM40_4KNRNW", "SB_SPRAM256KA"),
        "dsp": ("SB_MAC16",),
        "lutram": (),
        "carry": ("SB_CARRY",),
        "latch": (),
    },
}

_LATCH_LOG = re.compile(r"Latch inferred for signal `([^']*)'")
_GENERIC_LATCH = re.compile(r"^\$_?(a?dlatch|DLATCH|SR_|DLATCHSR)", re.IGNORECASE)


class SynthError(RuntimeError):
    """yosys failed, or the design broke a spikesim rule (latches)."""


@dataclass(frozen=True)
class Memory:
    """A memory (``$mem_v2``) found in the design before technology mapping."""

    name: str
    width: int
    depth: int
    read_ports: int
    write_ports: int

    @property
    def bits(self) -> int:
        """Capacity in bits."""
        return self.width * self.depth


@dataclass
class SynthReport:
    """Result of :func:`synthesize`.

    Attributes:
        target: ``"xilinx"``, ``"ecp5"`` or ``"ice40"``.
        top: top-level module.
        cells: mapped cell type -> count (flattened design).
        lut, ff, bram, dsp, lutram, carry: cell counts per class.
        latches: latches inferred (signal names from the log, or latch cells).
        memories: memories before mapping (name, width, depth, ports).
        log: the full yosys log.
    """

    target: str
    top: str
    cells: dict[str, int] = field(default_factory=dict)
    lut: int = 0
    ff: int = 0
    bram: int = 0
    dsp: int = 0
    lutram: int = 0
    carry: int = 0
    latches: list[str] = field(default_factory=list)
    memories: list[Memory] = field(default_factory=list)
    log: str = ""

    @property
    def bram_inferred(self) -> bool:
        """At least one block RAM was mapped."""
        return self.bram > 0

    def check(self) -> SynthReport:
        """Raise :class:`SynthError` if the design has latches; return self."""
        if self.latches:
            raise SynthError(f"{self.top} ({self.target}): latches inferred: {', '.join(self.latches)}")
        return self

    def summary(self) -> str:
        """One line: ``xilinx axil_regs: LUT 120, FF 300, BRAM 0, DSP 0 (LUTRAM 0, carry 8), latches 0``."""
        return (f"{self.target} {self.top}: LUT {self.lut}, FF {self.ff}, BRAM {self.bram}, DSP {self.dsp} "
                f"(LUTRAM {self.lutram}, carry {self.carry}), latches {len(self.latches)}, "
                f"memories {len(self.memories)}")


def _classify(target: str, cells: Mapping[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(("lut", "ff", "bram", "dsp", "lutram", "carry", "latch"), 0)
    for ctype, n in cells.items():
        for cls, names in _CLASSES[target].items():
            if any(ctype == nm or (nm.endswith("*") and ctype.startswith(nm[:-1])) for nm in names):
                counts[cls] += n
                break
        else:
            if _GENERIC_LATCH.match(ctype):
                counts["latch"] += n
    return counts


def _parse_memories(dump: str) -> list[Memory]:
    mems: list[Memory] = []
    for block in re.split(r"^\s*cell ", dump, flags=re.MULTILINE)[1:]:
        head = block.split("\n", 1)[0].split()
        if not head or not head[0].startswith("$mem"):
            continue
        params = dict(re.findall(r"parameter \\(\w+) (\S+)", block))

        def num(key: str, params: dict[str, str] = params) -> int:
            v = params.get(key, "0")
            if "'" in v:  # sized binary constant, e.g. 32'00000000000000000000000000010000
                return int(v.split("'", 1)[1].replace("x", "0").replace("z", "0") or "0", 2)
            return int(v)

        mems.append(Memory(head[1] if len(head) > 1 else "?", num("WIDTH"), num("SIZE"), num("RD_PORTS"), num("WR_PORTS")))
    return mems


def _stage(files: list[Path], incs: list[Path], work: Path) -> tuple[list[Path], list[Path]]:
    """Copy sources and include directories that live under /tmp into ``work`` (yowasp cannot see /tmp)."""

    def under_tmp(p: Path) -> bool:
        return p.parts[:2] == ("/", "tmp")

    out_files = []
    for i, f in enumerate(files):
        if under_tmp(f):
            dst = work / "src" / f"{i}_{f.name}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
            f = dst
        out_files.append(f)
    out_incs = []
    for i, d in enumerate(incs):
        if under_tmp(d) and d.is_dir():
            dst = work / f"inc{i}"
            dst.mkdir(parents=True, exist_ok=True)
            for src in d.iterdir():
                if src.is_file() and src.suffix in (".v", ".vh", ".svh", ".sv", ".hex", ".mem"):
                    shutil.copyfile(src, dst / src.name)
            d = dst
        out_incs.append(d)
    return out_files, out_incs


def _vlog_value(v: object) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    s = str(v)
    return s if (s.startswith('"') or "'" in s) else f'"{s}"'


def synthesize(
    verilog_files: Sequence[str | Path],
    top: str,
    target: str = "xilinx",
    *,
    parameters: Mapping[str, object] | None = None,
    includes: Iterable[str | Path] = (),
    defines: Mapping[str, object] | None = None,
    extra_synth_args: str = "",
    data_files: Iterable[str | Path] = (),
    timeout: float = 900.0,
    check: bool = True,
) -> SynthReport:
    """Synthesize ``top`` from ``verilog_files`` for ``target`` with yosys and report the resources.

    Args:
        verilog_files: Verilog-2001 sources (all modules the top needs).
        top: top-level module name.
        target: ``"xilinx"`` (7-series, ``synth_xilinx``), ``"ecp5"`` or ``"ice40"``.
        parameters: top-level parameter overrides (ints, or strings for string parameters).
        includes: include directories (the directories of ``verilog_files`` are always added).
        defines: preprocessor defines (``SYNTHESIS`` is always defined).
        extra_synth_args: appended to the ``synth_*`` command (e.g. ``"-family xcup"``).
        data_files: files copied into yosys' working directory (memory images that the design
            reads with ``$readmemh`` through a relative path).
        timeout: seconds before yosys is killed.
        check: raise :class:`SynthError` when latches were inferred.

    Returns:
        The :class:`SynthReport`.

    Raises:
        SynthError: yosys failed, or (``check``) latches were inferred.
        ValueError: unknown target.
    """
    if target not in TARGETS:
        raise ValueError(f"target {target!r} not in {sorted(TARGETS)}")
    files = [Path(f).resolve() for f in verilog_files]
    incs = list(dict.fromkeys([*(Path(i).resolve() for i in includes), *(f.parent for f in files)]))
    work = cache_dir() / "yosys"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{top}-{target}-", dir=work) as tmp:
        tmpd = Path(tmp)
        files, incs = _stage(files, incs, tmpd)
        for f in data_files:
            shutil.copyfile(f, tmpd / Path(f).name)
        defs = {"SYNTHESIS": 1, **(defines or {})}
        read = "read_verilog -nooverwrite " + " ".join(f"-I{i}" for i in incs) + " " + " ".join(
            f"-D{k}={v}" for k, v in defs.items()) + " " + " ".join(str(f) for f in files)
        script = [read]
        for k, v in (parameters or {}).items():
            script.append(f"chparam -set {k} {_vlog_value(v)} {top}")
        script += [
            f"hierarchy -check -top {top}",
            "design -save orig",
            "proc; flatten; opt_clean; memory_collect",
            "tee -q -o mems.txt dump t:$mem_v2 t:$mem",
            "design -load orig",
            f"{TARGETS[target]} -top {top} -flatten {extra_synth_args}".strip(),
            "tee -q -o stat.json stat -json",
        ]
        (tmpd / "run.ys").write_text("\n".join(script) + "\n")
        # relative paths: yowasp (WebAssembly) sees the host's /tmp as its own private /tmp
        cmd = [*ensure_yosys(), "-q", "-l", "yosys.log", "-s", "run.ys"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmpd)
        except subprocess.TimeoutExpired as e:
            raise SynthError(f"yosys timed out after {timeout:.0f} s ({top}, {target})") from e
        log = (tmpd / "yosys.log").read_text() if (tmpd / "yosys.log").exists() else ""
        if proc.returncode != 0:
            tail = "\n".join((log or proc.stdout + proc.stderr).splitlines()[-30:])
            raise SynthError(f"yosys failed ({top}, {target}), exit {proc.returncode}:\n{tail}\n{proc.stderr[-2000:]}")
        stat = json.loads((tmpd / "stat.json").read_text())
        mems = _parse_memories((tmpd / "mems.txt").read_text()) if (tmpd / "mems.txt").exists() else []
    design = stat.get("design") or {}
    raw = design.get("num_cells_by_type")
    if raw is None:  # older yosys: per-module stats only
        mod = stat.get("modules", {}).get(f"\\{top}", {})
        raw = mod.get("num_cells_by_type", {})
    cells = {str(k): int(v) for k, v in raw.items()}
    cls = _classify(target, cells)
    latches = sorted(set(_LATCH_LOG.findall(log)))
    if cls["latch"] and not latches:
        latches = [f"{n} latch cell(s)" for n in [cls["latch"]]]
    rep = SynthReport(target=target, top=top, cells=cells, lut=cls["lut"], ff=cls["ff"], bram=cls["bram"],
                      dsp=cls["dsp"], lutram=cls["lutram"], carry=cls["carry"], latches=latches,
                      memories=mems, log=log)
    return rep.check() if check else rep


_LINT_MSG = re.compile(r"^%(Warning|Error)(-[A-Z0-9_]+)?: (.*)$")


def lint(
    files: Sequence[str | Path],
    top: str,
    *,
    parameters: Mapping[str, object] | None = None,
    includes: Iterable[str | Path] = (),
    extra_args: Sequence[str] = (),
    timeout: float = 300.0,
) -> list[str]:
    """Run ``verilator --lint-only -Wall`` on ``files`` with top module ``top``; return its messages.

    Each message is one line, e.g. ``"Warning-UNUSEDSIGNAL: rtl/x.v:12:9: Signal is not used: 'a'"``.
    An empty list means lint-clean. Errors (syntax, missing modules) are returned as ``"Error..."``
    lines too; the caller decides whether warnings fail.
    """
    exe = ensure_verilator()
    paths = [Path(f).resolve() for f in files]
    incs = list(dict.fromkeys([*(Path(i).resolve() for i in includes), *(p.parent for p in paths)]))
    cmd = [exe, "--lint-only", "-Wall", "--top-module", top, *(f"-I{i}" for i in incs),
           *(f"-G{k}={_vlog_value(v)}" for k, v in (parameters or {}).items()), *extra_args, *map(str, paths)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    msgs = []
    for line in (proc.stderr + proc.stdout).splitlines():
        m = _LINT_MSG.match(line.strip())
        if m and not m.group(3).startswith("Exiting due to"):
            msgs.append(f"{m.group(1)}{m.group(2) or ''}: {m.group(3)}")
    if proc.returncode != 0 and not msgs:
        msgs.append(f"Error: verilator exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return msgs
