"""Lint and synthesis of the RTL: every hdl/rtl/*.v module and a design written by the emitter.

* lint: ``verilator --lint-only -Wall`` is clean for every module (waivers: ``hdl/lint.vlt``, a
  Verilator control file, passed along when it exists); ``iverilog -g2001 -Wall`` is silent.
* synthesis: yosys ``synth_xilinx`` / ``synth_ecp5`` / ``synth_ice40`` of every top-level module of
  hdl/rtl (one no other file instantiates), and ``synth_xilinx`` of an emitted 64-neuron network
  (under the slow marker: also with a plastic projection, i.e. the core with its STDP unit,
  and for every target; the STDP unit's yosys run takes minutes): no latches, and every memory
  of at least BRAM_MIN_BITS bits maps to block RAM. ``verilator -Wall`` of ss_core with STDP in four
  configurations (pair STDP x2, three-factor with a modulator, astrocyte-scaled).

Budget: yowasp compiles yosys once (30-90 s, cached under ~/.cache/YoWASP); the emitted design is
kept small. ``SPIKESIM_SYNTH_TARGETS=xilinx`` limits the targets.
"""

from __future__ import annotations

import os
import re
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spikesim.fpga.synth import TARGETS, SynthReport, lint, synthesize

HERE = Path(__file__).resolve().parent
HDL = HERE.parents[1] / "hdl"
RTL = HDL / "rtl"
FILES = sorted(RTL.glob("*.v"))
WAIVERS = HDL / "lint.vlt"
SYNTH_TARGETS = tuple(t.strip() for t in os.environ.get("SPIKESIM_SYNTH_TARGETS", ",".join(TARGETS)).split(",") if t.strip())
#: The emitted design wraps ss_core, which test_synth_rtl already maps to every target: in the quick
#: suite it is synthesized for xilinx without STDP (realistic memory sizes, BRAM check); the other
#: targets and the plastic design (the core with its STDP unit) run under the slow marker.
EMITTED_CASES = [pytest.param(t, p, marks=() if (t == "xilinx" and not p) else pytest.mark.slow)
                 for t in SYNTH_TARGETS for p in (False, True)]
#: Memories at least this large must be in block RAM (smaller ones may go to LUT-RAM or flip-flops).
BRAM_MIN_BITS = 8192
#: Per-target extra synthesis options: ice40 as UltraPlus (SB_MAC16 DSPs), which spikesim's multipliers need.
EXTRA = {"ice40": "-dsp"}

_MODULE = re.compile(r"^\s*module\s+(\w+)", re.MULTILINE)


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL)


def _modules() -> dict[str, Path]:
    mods = {}
    for f in FILES:
        for name in _MODULE.findall(_strip_comments(f.read_text())):
            mods[name] = f
    return mods


MODULES = _modules()


def _tops() -> list[str]:
    """Modules that no other module in hdl/rtl instantiates."""
    texts = {f: _strip_comments(f.read_text()) for f in FILES}
    tops = []
    for name in MODULES:
        inst = re.compile(rf"^\s*{name}\s*(#|\w+\s*\()", re.MULTILINE)
        if not any(inst.search(t) for f, t in texts.items()):
            tops.append(name)
    return sorted(tops)


TOPS = _tops()


def check_bram(rep: SynthReport) -> None:
    big = [m for m in rep.memories if m.bits >= BRAM_MIN_BITS]
    if big:
        assert rep.bram > 0, (f"{rep.summary()}: memories {[(m.name, m.width, m.depth) for m in big]} "
                              "were not mapped to block RAM (need one synchronous read port, one write port, no reset)")


@pytest.mark.parametrize("top", sorted(MODULES))
def test_lint_clean(top: str, verilator_available: None) -> None:
    extra = [str(WAIVERS)] if WAIVERS.exists() else []
    msgs = lint(FILES, top, extra_args=extra)
    assert msgs == [], "verilator -Wall:\n" + "\n".join(msgs)


def test_iverilog_2001(iverilog_available: None) -> None:
    proc = subprocess.run(["iverilog", "-g2001", "-Wall", f"-I{RTL}", "-o", os.devnull, *map(str, FILES)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), proc.stdout + proc.stderr


#: (top, target) pairs: every top on every target, plus the register block alone on xilinx (its own
#: resource check) when a system top already contains it.
SYNTH_CASES = [(top, t) for top in TOPS for t in SYNTH_TARGETS]
if "axil_regs" in MODULES and "axil_regs" not in TOPS and "xilinx" in SYNTH_TARGETS:
    SYNTH_CASES.append(("axil_regs", "xilinx"))


@pytest.mark.parametrize(("top", "target"), SYNTH_CASES)
def test_synth_rtl(top: str, target: str, yosys_available: None, record_property: Callable[[str, object], None]) -> None:
    rep = synthesize(FILES, top, target, extra_synth_args=EXTRA.get(target, ""))  # raises on latches
    record_property("resources", rep.summary())
    print(rep.summary())
    assert rep.lut + rep.ff > 0
    check_bram(rep)
    if top == "axil_regs":  # flip-flops and logic only, and small
        assert rep.memories == [] and rep.bram == 0 and rep.dsp == 0
        assert rep.ff < 450 and rep.lut < 1600, rep.summary()


def _emitted_design(out: Path, plastic: bool) -> Any:
    import importlib.util

    import spikesim as ss

    if importlib.util.find_spec("spikesim.backends.verilog") is None:
        pytest.skip("the Verilog emitter (Network.emit_verilog) is not available yet")
    net = ss.Network(dt=0.1, seed=1)
    P = net.add_population("P", 64, ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=1.0))
    S = net.add_spike_source("S", 8, [1.0, 2.0], [0, 1])
    net.connect(S, P, ss.FixedProbability(0.2), synapse=ss.ExpCurrent(tau=5.0), weight=2.0, delay=0.5)
    net.connect(P, P, ss.FixedProbability(0.1), synapse=ss.ExpCurrent(tau=5.0), weight=1.0, delay=1.0,
                plasticity=ss.STDP(w_min=0.0, w_max=2.0) if plastic else None)  # with the STDP unit (ss_stdp.v)
    from spikesim.backends.verilog import emit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emit(net.plan, out, system=False)


@pytest.mark.parametrize("target,plastic", EMITTED_CASES)
def test_synth_emitted(target: str, plastic: bool, tmp_path: Path, yosys_available: None,
                       record_property: Callable[[str, object], None]) -> None:
    design = _emitted_design(tmp_path / "design", plastic)
    sources = [Path(s) for s in design.sources]
    top = _MODULE.findall(_strip_comments(sources[-1].read_text()))[-1]
    data = [p for p in sorted(Path(design.out_dir).iterdir()) if p.suffix in (".hex", ".mem")]
    rep = synthesize(sources, top, target, data_files=data, extra_synth_args=EXTRA.get(target, ""))
    record_property("resources", rep.summary())
    print(rep.summary())
    assert rep.memories, "the emitted design has no memories?"
    check_bram(rep)


#: ss_core with the STDP unit (ss_stdp.v), as emitted for a plastic network: 64 neurons, 8 sources,
#: delays up to 16 steps, 512 synapses (256 plastic), multiplicative, nearest pairing.
STDP_PARAMS = {"N": 64, "NB": 6, "SB": 7, "NSRC": 72, "RB": 4, "YB": 9, "STDP": 1, "QB": 8, "CPB": 9, "PAIR": 1,
               "MULT": 1, "AP": 167772, "AM": 176161, "WMIN": 0, "WMAX": 65536, "DPRE": 16693539, "DPOST": 16609443}


def test_lint_clean_with_stdp(verilator_available: None) -> None:
    extra = [str(WAIVERS)] if WAIVERS.exists() else []
    three_factor = {"ELIG": 1, "EDEC": 16609444, "LR": 1 << 24, "LRB": 33554, "DRIFT": -60, "TWMAX": 65536,
                    "PERIOD": 10, "NPLS": 256, "NPL": 2, "MODK": 1, "MDEC": 16693330, "MG0": 167772, "MINIT": 5}
    astro = {"SCALED": 1, "MODK": 1, "MG0": 1000, "MG1": -1000, "MBIAS": 5000, "MDEC": 16000000}
    for params in (STDP_PARAMS, {**STDP_PARAMS, "PAIR": 0, "MULT": 0, "AP": -5000, "WMIN": -65536},
                   {**STDP_PARAMS, **three_factor}, {**STDP_PARAMS, **astro}):
        msgs = lint(FILES, "ss_core", parameters=params, extra_args=extra)
        assert msgs == [], "verilator -Wall (ss_core with STDP):\n" + "\n".join(msgs)

