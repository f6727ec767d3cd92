"""AXI-Lite register block (hdl/rtl/axil_regs.v): cocotb tests on Icarus and Verilator, plus the regmap table.

Each cocotb test of tests/hdl/cocotb_axil.py is one pytest item per simulator; the build is shared
(cached by content hash) between items.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from spikesim.fpga import regmap as rm
from spikesim.fpga.cosim import cocotb_tests

HERE = Path(__file__).resolve().parent
RTL_DIR = HERE.parents[1] / "hdl" / "rtl"
TB = HERE / "cocotb_axil.py"
PARAMS = {"ADDR_W": 8, "HW_INFO0": 0x1234_5678, "HW_INFO1": 0x0BAD_F00D, "MEM_TIMEOUT": 40}
ENV = {"SPK_HW_INFO0": hex(PARAMS["HW_INFO0"]), "SPK_HW_INFO1": hex(PARAMS["HW_INFO1"]),
       "SPK_MEM_TIMEOUT": str(PARAMS["MEM_TIMEOUT"])}


@pytest.mark.parametrize("case", cocotb_tests(TB))
def test_axil(sim: str, run_cocotb: Callable[..., int], case: str) -> None:
    assert run_cocotb(sim, [RTL_DIR / "axil_regs.v"], "axil_regs", TB, parameters=PARAMS, testcase=case, extra_env=ENV) == 1


def test_generated_files_up_to_date() -> None:
    """spikesim_regmap.vh and docs/register_map.md match the table (python -m spikesim.fpga.regmap --write)."""
    assert rm.check_generated() == []


def test_regmap_table_consistent() -> None:
    offsets = [r.offset for r in rm.REGISTERS]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert max(offsets) < 1 << (PARAMS["ADDR_W"])
    for r in rm.REGISTERS:
        assert r.fields, r.name
        assert r.source in ("reg", "core", "const", "param")
        assert r.side_effect in (None, "pop", "mem_read")
        if r.source in ("core", "const", "param") and r.name != "MODULATOR":  # MODULATOR: the core's register, RW
            assert r.mask("RW", "W1C", "W1P") == 0, f"{r.name}: a {r.source} register must be read only"
    for name in ("CTRL", "STATUS", "STEPS", "STEP_COUNT", "MEM_SEL", "MEM_ADDR", "MEM_WDATA", "MEM_RDATA",
                 "SPIKE_COUNT", "SPIKE_DATA", "OVERFLOW_COUNT", "SAT_COUNT", "REJECT_COUNT", "MODULATOR", "ID", "VERSION"):
        rm.by_name(name)
    assert rm.by_name("STATUS").field("WRITE_REJECTED").access == "W1C"
    assert rm.by_offset(0) is rm.by_name("ID") and rm.by_offset(0x1000) is None
    vh = rm.verilog_header()
    assert "localparam [31:0] SPK_IDX_CTRL = 32'd4;" in vh and "SPK_MEM_WEIGHT" in vh
    md = rm.markdown()
    assert all(f"**{r.name}**" in md for r in rm.REGISTERS)


def test_regmap_rejects_bad_fields() -> None:
    with pytest.raises(ValueError):
        rm.Field("X", 30, 4, "RW")
    with pytest.raises(ValueError):
        rm.Field("X", 0, 1, "RX")
    with pytest.raises(ValueError):
        rm.Register("R", 2, "misaligned")
    with pytest.raises(ValueError):
        rm.Register("R", 0, "overlap", (rm.Field("A", 0, 4, "RW"), rm.Field("B", 3, 2, "RW")))


def test_fpga_modules_import_light() -> None:
    """spikesim.fpga.* adds neither jax, pynq nor cocotb to what ``import spikesim`` already loads."""
    code = (
        "import sys, spikesim; before = set(sys.modules)\n"
        "import spikesim.fpga.regmap, spikesim.fpga.tools, spikesim.fpga.synth, spikesim.fpga.cosim\n"
        "new = set(sys.modules) - before\n"
        "bad = sorted(m for m in new if m.split('.')[0] in ('jax', 'jaxlib', 'pynq', 'cocotb', 'cocotb_tools'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
