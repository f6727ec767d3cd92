"""The Verilog emitter (spikesim/backends/verilog.py): what it writes, and what it refuses.

No simulator needed: a network the RTL cannot express must fail with a SpecError naming the
feature, before any Verilog is written; the memory images must decode to the quantised plan.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import spikesim as ss
from spikesim import fixed as F
from spikesim.backends.verilog import RTL_FILES, unpack_state

LIF = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=1.0)


def base(n: int = 8) -> tuple[ss.Network, ss.Population]:
    net = ss.Network(dt=0.1, seed=0)
    P = net.add_population("P", n, LIF, init={"v": ss.Uniform(-65.0, -55.0)})
    return net, P


def test_emitted_files_and_images(tmp_path):
    net, P = base()
    S = net.add_spike_source("S", 3, [0.0, 0.3, 0.3], [2, 0, 1])
    net.connect(S, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=5.0), weight=1.5, delay=0.3)
    net.connect(P, P, ss.OneToOne(), synapse=ss.Delta(), weight=-2.0, delay=0.2)
    net.add_step_current(P[:2], times=[1.0], amplitudes=[3.0])
    d = net.emit_verilog(tmp_path)
    for f in [*RTL_FILES, "spikesim_top.v", "state.hex", "params.hex", "ptr.hex", "syn.hex", "iev.hex", "sev.hex"]:
        assert (tmp_path / f).is_file(), f
    for f in tmp_path.glob("*.v"):
        assert "`default_nettype none" in f.read_text(), f
    top = (tmp_path / "spikesim_top.v").read_text()
    assert re.search(r"\.N\(8\),", top) and ".MODEL(0)," in top and '"state.hex"' in top
    assert d.params["NCUR"] == 1 and d.slots == {"P": [0, 1]} and d.pops == {"P": (0, 8), "S": (8, 3)}
    # state image = quantised initial state (v, refr = 0, I = 0)
    words = [int(x, 16) for x in (tmp_path / "state.hex").read_text().split()][:8]
    st = unpack_state(d, words)
    np.testing.assert_array_equal(st["v"], F.quantize(net.plan.pop("P").init["v"], F.VALUE, "v"))
    assert not st["refr"].any() and not st["syn:0"].any()
    # spike-source events {source, step}, sorted, then the end marker
    sev = [int(x, 16) for x in (tmp_path / "sev.hex").read_text().split()]
    assert [(w & 0xFFFFFFFF, w >> 32) for w in sev[:3]] == [(0, 10), (3, 8), (3, 9)] and sev[3] == 0xFFFFFFFF
    # synapse words of source S[0] (global 8): 8 ExpCurrent synapses, weight 1.5 mV, delay 3, slot 0
    ptr = [int(x, 16) for x in (tmp_path / "ptr.hex").read_text().split()]
    yb = d.params["YB"]
    start, end = ptr[8] & ((1 << yb) - 1), ptr[8] >> yb
    syn = [int(x, 16) for x in (tmp_path / "syn.hex").read_text().split()][start:end]
    nb, cb, rb = d.params["NB"], d.params["CB"], d.params["RB"]
    assert end - start == 8
    assert sorted(w & ((1 << nb) - 1) for w in syn) == list(range(8))
    assert {(w >> nb) & ((1 << cb) - 1) for w in syn} == {0}
    assert {(w >> (nb + cb)) & ((1 << rb) - 1) for w in syn} == {3}
    assert {w >> (nb + cb + rb) for w in syn} == {int(1.5 * 2**16)}
    # a neuron's Delta synapse goes to slot NCUR = 1 with weight -2 mV (24-bit two's complement)
    s0, e0 = ptr[0] & ((1 << yb) - 1), ptr[0] >> yb
    w = int((tmp_path / "syn.hex").read_text().split()[s0], 16)
    assert e0 - s0 == 1 and (w >> nb) & 3 == 1 and (w >> (nb + cb + rb)) == (1 << 24) - 2 * 2**16
    # external-current events: {value, neuron, step}: 3 mV from step 10 for neurons 0 and 1
    iev = [int(x, 16) for x in (tmp_path / "iev.hex").read_text().split()]
    assert [(e & 0xFFFFFFFF, (e >> 32) & ((1 << nb) - 1), e >> (32 + nb)) for e in iev[:2]] == \
        [(10, 0, 3 << 16), (10, 1, 3 << 16)]


def test_poisson_inputs_are_refused(tmp_path):
    net, P = base()
    net.connect(net.add_poisson("In", 4, 10.0), P, ss.AllToAll(), weight=1.0)
    with pytest.raises(ss.SpecError, match="Poisson inputs are not supported by the Verilog backend"):
        net.emit_verilog(tmp_path)
    assert not list(tmp_path.iterdir())


def test_noise_currents_are_refused(tmp_path):
    net, P = base()
    net.add_noise_current(P, std=1.0)
    with pytest.raises(ss.SpecError, match="noise currents are not supported by the Verilog backend"):
        net.emit_verilog(tmp_path)


def test_a_delay_deeper_than_the_ring_is_refused(tmp_path):
    net, P = base()
    net.connect(P, P, ss.OneToOne(), weight=1.0, delay=3.0)  # 30 steps
    with pytest.raises(ss.SpecError, match="delay of 30 steps is deeper than the RTL delay ring"):
        net.emit_verilog(tmp_path, max_delay=16)
    assert net.emit_verilog(tmp_path, max_delay=32).counts["ring_depth"] == 32


def test_mixed_models_are_refused(tmp_path):
    net, _ = base()
    net.add_population("Q", 4, ss.Izhikevich.of_type("RS"))
    with pytest.raises(ss.SpecError, match="one neuron model per design"):
        net.emit_verilog(tmp_path)


def test_conductance_synapses_are_refused(tmp_path):
    net, P = base()
    net.connect(P, P, ss.AllToAll(), synapse=ss.ExpConductance(tau=5.0, e_rev=0.0), weight=0.1)
    with pytest.raises(ss.SpecError, match="ExpConductance synapses are not supported in fixed point"):
        net.emit_verilog(tmp_path)


def test_weights_outside_the_format_are_refused(tmp_path):
    net, P = base()
    net.connect(P, P, ss.AllToAll(), weight=-200.0)
    with pytest.raises(ss.SpecError, match=r"weight=-200 is outside the fixed-point format Q8\.16"):
        net.emit_verilog(tmp_path)


def test_plasticity_the_rtl_cannot_run_is_refused(tmp_path):
    """Pair STDP runs in the core (ss_stdp.v), bare or in the AXI system; triplet rules and two different rules are refused."""
    from spikesim.backends.verilog import emit

    net, P = base()
    net.connect(P, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=5.0), weight=0.5, plasticity=ss.TripletSTDP())
    with pytest.raises(ss.SpecError, match="plasticity \\(TripletSTDP\\) is not supported in fixed point"):
        net.emit_verilog(tmp_path)
    net, P = base()
    net.connect(P, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=5.0), weight=0.5, plasticity=ss.STDP())
    sys_top = net.emit_verilog(tmp_path / "sys")
    assert ".STDP(1)," in (tmp_path / "sys" / "spikesim_axi_top.v").read_text() and sys_top.axi_sources
    d = emit(net.plan, tmp_path, system=False)
    assert d.params["STDP"] == 1 and d.counts["plastic_synapses"] == 64 and d.axi_sources == []
    assert (tmp_path / "csc.hex").is_file() and ".STDP(1)," in (tmp_path / "spikesim_top.v").read_text()
    net, P = base()
    net.connect(P, P, ss.AllToAll(), synapse=ss.ExpCurrent(tau=5.0), weight=0.5, plasticity=ss.STDP())
    net.connect(P, P, ss.OneToOne(), synapse=ss.ExpCurrent(tau=5.0), weight=0.5, plasticity=ss.STDP(a_plus=0.02))
    with pytest.raises(ss.SpecError, match="one STDP rule per design"):
        emit(net.plan, tmp_path, system=False)
