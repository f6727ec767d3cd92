"""Run host code, written against :class:`~spikesim.fpga.driver.CoreDriver`, on the simulated RTL.

:func:`simulate` builds the emitted ``spikesim_axi_top`` (cocotb on Icarus or Verilator, cached
builds: :func:`spikesim.fpga.cosim.run_cocotb`) and calls ``host_fn(driver, *args, **kwargs)`` inside
the simulation, with a driver whose bus is the simulated AXI4-Lite port
(:class:`spikesim.fpga.sim_bench.SimBus`). The same function runs unchanged on a board (a driver on
pynq's MMIO or on a UART link)::

    def program(driver, steps):
        driver.load(design, dma=driver.bus.dma)   # in simulation bus.dma plays the AXI DMA
        driver.run(steps)
        return driver.read_spikes()

    spikes = simulate(design, program, 100)

``host_fn`` and its arguments are pickled (a module-level function, importable in the simulator's
Python: the package, or a module on ``sys.path``), and so is its result or exception, which
:func:`simulate` returns or raises. Simulated time: 10 ns per clock; ``driver.bus.cycles`` is the
clocks from each START to the end of its run. Nothing here imports cocotb at module import time.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cosim import run_cocotb

__all__ = ["simulate"]


def simulate(design: Any, host_fn: Callable[..., Any], *args: Any, sim: str | None = None,
             build_root: str | Path | None = None, **kwargs: Any) -> Any:
    """Run ``host_fn(driver, *args, **kwargs)`` against the simulated ``spikesim_axi_top`` of ``design``.

    Args:
        design: an emitted :class:`~spikesim.backends.verilog.Design` with the AXI system, emitted
            with ``mem_dir`` = its absolute directory (the simulator runs elsewhere).
        host_fn: a picklable (module-level) function of a :class:`~spikesim.fpga.driver.CoreDriver`.
        sim: ``"icarus"`` (default, or ``$SPIKESIM_FPGA_SIM``) or ``"verilator"``.
        build_root: where the simulator build is cached (default ``<design dir>/sim_build``).

    Returns:
        What ``host_fn`` returned. An exception raised by ``host_fn`` is raised here (with the
        simulator-side traceback as a note); a failing build raises CocotbFailure.
    """
    if not design.axi_sources:
        raise ValueError("simulate: the design was emitted without the AXI system (emit(..., system=True))")
    sim = sim or os.environ.get("SPIKESIM_FPGA_SIM", "icarus")
    root = Path(build_root) if build_root is not None else Path(design.out_dir) / "sim_build"
    with tempfile.TemporaryDirectory(prefix="spikesim-host-") as tmp:
        spec, result = Path(tmp) / "host.pkl", Path(tmp) / "result.pkl"
        spec.write_bytes(pickle.dumps((host_fn, args, kwargs)))
        run_cocotb(sim, design.axi_sources, "spikesim_axi_top", "spikesim.fpga.sim_bench", build_root=root,
                   extra_env={"SS_HOST": str(spec), "SS_RESULT": str(result)})
        outcome = pickle.loads(result.read_bytes())
    if outcome[0] == "ok":
        return outcome[1]
    exc = outcome[1]
    if hasattr(exc, "add_note"):
        exc.add_note(f"raised inside the {sim} simulation:\n{outcome[2]}")
    raise exc
