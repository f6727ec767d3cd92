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

A second, plastic network (``trace_saturating_network``: pair STDP in four projections, all-to-all
traces that pass 128 and clamp; cocotb tests named ``plastic_*``) checks that a reset in the middle
of a plastic run also clears the STDP traces: with STATE and the initial weights written back, the
rerun's spikes, final state, final weights and SAT_COUNT (here only trace clamps) equal a fresh
jax_fixed run bit for bit.

The expected values come from backend="jax_fixed" (written to a JSON file the testbench reads).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from rtl_sim import golden
from test_core_bitexact import random_network, trace_saturating_network, trace_saturations

import spikesim as ss
from spikesim import fixed as F
from spikesim.backends.verilog import Design, emit
from spikesim.fpga.cosim import cocotb_tests

HERE = Path(__file__).resolve().parent
TB = HERE / "cocotb_protocol.py"
STEPS = 150


def _lanes(words: dict[str, np.ndarray], design: Design) -> list[list[int]]:
    """Per neuron, its state word as 32-bit lanes (unsigned), low field first."""
    fields = design.state_fields()
    return [[int(words[f][i]) & 0xFFFFFFFF for f in fields] for i in range(design.n_neurons)]


def _expect(net: ss.Network, out: Path, steps: int) -> tuple[Design, Path, dict]:
    """Emit ``net`` (4-entry spike FIFO) into ``out``, run jax_fixed; write the JSON the testbench reads."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        design = emit(net.plan, out, mem_dir=f"{out}/", fifo_aw=2)
    gold = golden(net, steps, design)
    init_words = [int(x, 16) for x in (out / "state.hex").read_text().split()][: design.n_neurons]
    lanes = 2 + design.params["NCUR"]
    t, i = gold["spikes"]
    init_w = np.zeros(design.counts["synapses"], np.int64)
    for proj in net.plan.projs:
        init_w[design.syn_index[proj.name]] = F.quantize(proj.weight, F.WEIGHT, "w")
    expect = {
        "steps": steps, "n": design.n_neurons, "lanes": lanes, "p": design.params, "sys": design.sys_params,
        "n_syn": design.counts["synapses"], "ring_depth": design.counts["ring_depth"],
        "param_lanes": 5 + 2 * design.params["NCUR"],
        "init_state": [[(w >> (32 * j)) & 0xFFFFFFFF for j in range(lanes)] for w in init_words],
        "final_state": _lanes(gold["state"], design),
        "spikes": [[int(a), int(b)] for a, b in zip(t, i)],
        "sat": gold["sat"] + trace_saturations(gold["result"]),   # SAT_COUNT: neurons + STDP trace clamps
        "init_weights": [int(w) & 0xFFFFFFFF for w in init_w],
        "final_weights": [int(w) & 0xFFFFFFFF for w in gold["weights"]],
    }
    path = out / "expect.json"
    path.write_text(json.dumps(expect))
    return design, path, {**gold, "neuron_spikes": int((i < design.n_neurons).sum()), "init_w": init_w}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Design, Path]:
    """The emitted design and the JSON file of jax_fixed's answers."""
    net = random_network("lif", 16, seed=21, saturate=True, rate_hz=600.0)
    design, path, gold = _expect(net, tmp_path_factory.mktemp("protocol"), STEPS)
    assert gold["neuron_spikes"] > 150 and gold["sat"] > 300, "the case must spike and saturate"
    return design, path


@pytest.fixture(scope="module")
def plastic_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Design, Path]:
    """The plastic design (traces that clamp) and its JSON file."""
    net, steps = trace_saturating_network()
    design, path, gold = _expect(net, tmp_path_factory.mktemp("protocol-plastic"), steps)
    trace = trace_saturations(gold["result"])
    assert gold["neuron_spikes"] > 300 and trace > 300 and gold["sat"] == 0, "the traces must clamp"
    assert np.sum(gold["weights"] != gold["init_w"]) > 20, "the weights must learn"
    return design, path


def _run(sim: str, run_cocotb, design: Design, path: Path, test: str) -> None:
    build_args = ["-Wno-WIDTHEXPAND", "-Wno-WIDTHTRUNC", "-Wno-UNUSEDSIGNAL"] if sim == "verilator" else []
    assert run_cocotb(sim, design.axi_sources, "spikesim_axi_top", TB, testcase=test, build_args=build_args,
                      build_root=design.out_dir / "sim_build", extra_env={"SS_EXPECT": str(path)}) == 1


@pytest.mark.parametrize("test", [t for t in cocotb_tests(TB) if not t.startswith("plastic_")])
def test_protocol(sim: str, run_cocotb, case: tuple[Design, Path], test: str) -> None:
    _run(sim, run_cocotb, *case, test)


@pytest.mark.parametrize("test", [t for t in cocotb_tests(TB) if t.startswith("plastic_")])
def test_protocol_plastic(sim: str, run_cocotb, plastic_case: tuple[Design, Path], test: str) -> None:
    _run(sim, run_cocotb, *plastic_case, test)
