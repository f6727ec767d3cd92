"""bench/fpga_cycles.py runs at a tiny size (fpga_sim on Icarus; the figures live in bench/RESULTS.md)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_fpga_cycles_benchmark_quick(tmp_path):
    if shutil.which("iverilog") is None:
        if os.environ.get("SPIKESIM_HDL_ALLOW_SKIP", "") not in ("", "0"):
            pytest.skip("Icarus Verilog (iverilog) is not installed")
        pytest.fail("Icarus Verilog (iverilog) is not installed (SPIKESIM_HDL_ALLOW_SKIP=1 skips)")
    spec = importlib.util.spec_from_file_location("bench_fpga_cycles", BENCH / "fpga_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "c.json"
    report = module.main(["--quick", "--json", str(out)])
    assert json.loads(out.read_text())["cycles"] == report["cycles"]
    (row,) = report["cycles"]["N"]
    n = row["n"]
    assert row["steps"] == 20 and row["cycles_per_step"] > n  # at least one clock per neuron and step
    assert row["predicted_minus_measured"] == -6  # the cycle formula, exact up to the run's 6 clocks
    assert 0 <= row["events_per_clock"] < 1 and row["synapses"] > 0
    (speed,) = report["speed"]
    assert speed["sim"] == "icarus" and speed["steps_per_s"] > 0 and speed["clocks_per_s"] > speed["steps_per_s"]
    assert report["goals"]["events_per_clock"]["during_fan_out_walk"] == 1.0
    assert "| N | 16 |" in module.table_cycles(report) and "| icarus | 16 |" in module.table_speed(report)
