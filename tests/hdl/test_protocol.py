"""Protocol checks of the AXI4-Lite system (hdl/rtl/ss_system.v + axil_regs.v + ss_core.v), on Icarus and Verilator.

One emitted network (LIF, 16 neurons, 4 spike sources, delays 1..8, a current that saturates, a
4-entry spike FIFO) is driven over AXI4-Lite with random VALID delays and random READY
back-pressure (tests/hdl/axil_bfm.py). The cocotb tests (tests/hdl/cocotb_protocol.py) check

* host memory writes while idle (STATE, PARAM, WEIGHT, DELAY, TARGET) read back, leave the other
  fields of the word alone, and once restored the run is bit-exact with jax_fixed;
* writes while the core runs are rejected (memory unchanged, STATUS.WRITE_REJECTED, REJECT_COUNT),
  and the run's spikes, final state and counters still equal jax_fixed;
* STEP_COUNT / SAT_COUNT / OVERFLOW_COUNT / SPIKE_COUNT and the STATUS flags against jax_fixed;
* CTRL.SOFT_RESET and aresetn in the middle of a run: counters and FIFO back to 0, ring cleared; with
  the initial STATE written back, a fresh run is bit-exact with jax_fixed.

The expected values come from backend="jax_fixed" (written to a JSON file the testbench reads).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from rtl_sim import golden
from test_core_bitexact import random_network

import spikesim as ss
from spikesim.backends.verilog import Design, emit
from spikesim.fpga.cosim import cocotb_tests

HERE = Path(__file__).resolve().parent
TB = HERE / "cocotb_protocol.py"
STEPS = 150


def _lanes(words: dict[str, np.ndarray], design: Design) -> list[list[int]]:
    """Per neuron, its state word as 32-bit lanes (unsigned), low field first."""
    fields = design.state_fields()
    return [[int(words[f][i]) & 0xFFFFFFFF for f in fields] for i in range(design.n_neurons)]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Design, Path]:
    """The emitted design and the JSON file of jax_fixed's answers."""
    out = tmp_path_factory.mktemp("protocol")
    net = random_network("lif", 16, seed=21, saturate=True, rate_hz=600.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        design = emit(net.plan, out, mem_dir=f"{out}/", fifo_aw=2)
    gold = golden(net, STEPS, design)
    init_words = [int(x, 16) for x in (out / "state.hex").read_text().split()][: design.n_neurons]
    lanes = 2 + design.params["NCUR"]
    t, i = gold["spikes"]
    assert (i < design.n_neurons).sum() > 150 and gold["sat"] > 300, "the case must spike and saturate"
    expect = {
        "steps": STEPS, "n": design.n_neurons, "lanes": lanes, "p": design.params, "sys": design.sys_params,
        "n_syn": design.counts["synapses"], "ring_depth": design.counts["ring_depth"],
        "param_lanes": 5 + 2 * design.params["NCUR"],
        "init_state": [[(w >> (32 * j)) & 0xFFFFFFFF for j in range(lanes)] for w in init_words],
        "final_state": _lanes(gold["state"], design),
        "spikes": [[int(a), int(b)] for a, b in zip(t, i)], "sat": gold["sat"],
    }
    path = out / "expect.json"
    path.write_text(json.dumps(expect))
    return design, path


@pytest.mark.parametrize("test", cocotb_tests(TB))
def test_protocol(sim: str, run_cocotb, case: tuple[Design, Path], test: str) -> None:
    design, path = case
    build_args = ["-Wno-WIDTHEXPAND", "-Wno-WIDTHTRUNC", "-Wno-UNUSEDSIGNAL"] if sim == "verilator" else []
    assert run_cocotb(sim, design.axi_sources, "spikesim_axi_top", TB, testcase=test, build_args=build_args,
                      build_root=design.out_dir / "sim_build", extra_env={"SS_EXPECT": str(path)}) == 1
