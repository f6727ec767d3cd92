"""Parity with Brian2: the same models built in Brian2 (``brian2_models``) and in spikesim.

1. Single neurons (LIF with ``method='exact'``, Izhikevich with ``method='euler'``) under a
   constant and a step current: the same spikes, and the same membrane trace.
2. Spike sources driving a fan and a chain with heterogeneous delays (spikesim ``d * dt`` is
   Brian2 ``(d - 1) * dt``): the same arrival and spike times.
3. CUBA and COBA at 4000 neurons: the same mean rate and mean CV of the ISIs (statistically,
   each simulator with its own seeds).

spikesim computes in float32 and Brian2 in float64, so traces agree to float32 rounding, and
spikes agree as long as no trajectory passes within that rounding of a threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import brian2_models as b2m
import numpy as np
import pytest
from brian2_models import DelayNet, Run, StepInput

import spikesim as ss

DT = 0.1
# Brian2 parses its equations with a pyparsing API that pyparsing 3.3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pyparsing")


# ------------------------------------------------------------------------------ helpers
def run_spikesim(net: ss.Network, pop: str, duration: float, trace: bool = False) -> Run:
    """Run ``net`` and return the spikes (and, with ``trace``, v at every step) of ``pop``."""
    net.record(pop, "spikes")
    if trace:
        net.record(pop, "v")
    res = net.run(duration)
    sim = Run(*res.spikes(pop))
    if trace:
        sim.t, sim.v = res.state(pop, "v")
    return sim


def assert_same_spikes(sim: Run, ref: Run, tol: float = DT) -> float:
    """The same number of spikes per neuron, the k-th spike of each neuron within ``tol`` ms of
    Brian2's; returns the largest time difference."""
    n = int(max(sim.spike_indices.max(initial=-1), ref.spike_indices.max(initial=-1))) + 1
    counts, ref_counts = np.bincount(sim.spike_indices, minlength=n), np.bincount(ref.spike_indices, minlength=n)
    assert np.array_equal(counts, ref_counts), f"spikes per neuron: spikesim {counts.tolist()}, Brian2 {ref_counts.tolist()}"
    order, ref_order = np.lexsort((sim.spike_times, sim.spike_indices)), np.lexsort((ref.spike_times, ref.spike_indices))
    worst = float(np.abs(sim.spike_times[order] - ref.spike_times[ref_order]).max(initial=0.0))
    assert worst <= tol + 1e-9, f"spike times differ by up to {worst} ms (> {tol} ms)"
    return worst


def assert_same_trace(sim: Run, ref: Run, v_tol: float, shift_tol: float = 0.0) -> float:
    """v agrees at every recorded step within ``v_tol + shift_tol * |dv/dt|`` (mV): float32
    rounding, which the steep upstroke of a spike turns into a tiny shift in time (``shift_tol``,
    ms). Returns the largest difference."""
    np.testing.assert_allclose(sim.t, ref.t, atol=1e-9)
    err = np.abs(sim.v - ref.v)
    allowed = v_tol + shift_tol * np.abs(np.gradient(ref.v, DT, axis=0))
    k, i = np.unravel_index(np.argmax(err - allowed), err.shape)
    within = bool(np.all(err <= allowed))
    assert within, (f"v differs by {err[k, i]:.3g} mV (allowed {allowed[k, i]:.3g}) at t={ref.t[k]:.1f} ms, neuron {i}: "
                    f"spikesim {sim.v[k, i]:.6f}, Brian2 {ref.v[k, i]:.6f}")
    return float(err.max())


# ------------------------------------------------------------------ 1. single neurons
DURATION = 300.0
V_TOL = 1e-3  # mV; float32 rounding of the LIF traces stays below 1e-4 mV


@dataclass(frozen=True)
class NeuronCase:
    name: str
    model: ss.LIF | ss.Izhikevich
    step: StepInput | None = None
    shift_tol: float = 0.0  # ms, see assert_same_trace
    precision: str = "float32"
    v_tol: float = V_TOL

    def spikesim(self) -> Run:
        net = ss.Network(dt=DT, seed=0, precision=self.precision)
        pop = net.add_population("P", 1, self.model)
        if self.step is not None:
            net.add_step_current(pop, self.step.times, self.step.amplitudes)
        return run_spikesim(net, "P", DURATION, trace=True)

    def brian2(self) -> Run:
        build = b2m.lif_neuron if isinstance(self.model, ss.LIF) else b2m.izhikevich_neuron
        return build(DT, DURATION, step=self.step, **self.model.param_values())


LIF_STEP = StepInput(times=(20.0, 100.0, 180.0), amplitudes=(30.0, 0.0, 45.0))
IZH_STEP = StepInput(times=(50.0, 150.0), amplitudes=(5.0, 12.0))
IZH_STEP_10_TO_20 = StepInput(times=(100.0,), amplitudes=(10.0,))  # on top of i_offset = 10
NEURON_CASES = [
    NeuronCase("lif-constant", ss.LIF(tau_m=20.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-65.0, i_offset=25.0)),
    NeuronCase("lif-constant-refractory",
               ss.LIF(tau_m=10.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-75.0, t_ref=3.0, i_offset=40.0)),
    NeuronCase("lif-step-refractory", ss.LIF(tau_m=20.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0), LIF_STEP),
    # Euler on the v^2 upstroke magnifies float32 rounding: allow a 1 us shift in time there.
    NeuronCase("izhikevich-RS-constant", ss.Izhikevich.of_type("RS", i_offset=10.0), shift_tol=1e-3),
    NeuronCase("izhikevich-CH-step", ss.Izhikevich.of_type("CH"), IZH_STEP, shift_tol=1e-3),
    # Chattering under a step from 10 to 20 magnifies float32 rounding until a spike moves (43 vs 42
    # spikes in float32); in float64 spikesim follows Brian2 to rounding level, with no slack.
    NeuronCase("izhikevich-CH-step-float64", ss.Izhikevich.of_type("CH", i_offset=10.0), IZH_STEP_10_TO_20,
               precision="float64", v_tol=1e-6),
    NeuronCase("lif-step-refractory-float64",
               ss.LIF(tau_m=20.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0), LIF_STEP,
               precision="float64", v_tol=1e-9),
]


@pytest.fixture(scope="module", params=NEURON_CASES, ids=lambda case: case.name)
def neuron_runs(request) -> tuple[NeuronCase, Run, Run]:
    case = request.param
    return case, case.spikesim(), case.brian2()


def test_single_neuron_spike_times(neuron_runs):
    case, sim, ref = neuron_runs
    assert ref.spike_times.size >= 5, f"{case.name}: Brian2 fired only {ref.spike_times.size} spikes"
    worst = assert_same_spikes(sim, ref)
    print(f"{case.name}: {ref.spike_times.size} spikes, largest time difference {worst:.2g} ms")


def test_single_neuron_trace(neuron_runs):
    case, sim, ref = neuron_runs
    worst = assert_same_trace(sim, ref, case.v_tol, case.shift_tol)
    print(f"{case.name}: largest |v_spikesim - v_brian2| = {worst:.3g} mV")


# ------------------------------------------------------------------- 2. delays
FAN_DELAYS = (1, 2, 3, 5, 8, 13, 21, 34)  # steps, source 0 -> neurons 0..7
CHAIN_DELAYS = (4, 7, 1, 12)  # steps, source 1 -> neuron 8 -> 9 -> 10 -> 11


def fan_and_chain(weight: float, tau_syn: float | None = None, chain: bool = True) -> DelayNet:
    """Source 0 fans out to neurons 0..7 with the delays ``FAN_DELAYS``; source 1 starts the chain
    8 -> 9 -> 10 -> 11 with the delays ``CHAIN_DELAYS``. Every synapse has ``weight``."""
    fan = tuple(("source", 0, j, weight, d) for j, d in enumerate(FAN_DELAYS))
    first = len(FAN_DELAYS)
    links = tuple(("source" if k == 0 else "chain", 1 if k == 0 else first + k - 1, first + k, weight, d)
                  for k, d in enumerate(CHAIN_DELAYS))
    return DelayNet(dt=DT, duration=40.0, n=first + len(CHAIN_DELAYS), source_n=2,
                    source_times=(1.0, 7.3, 20.0, 0.0, 12.0), source_indices=(0, 0, 0, 1, 1),
                    synapses=fan + (links if chain else ()), t_ref=1.0, tau_syn=tau_syn)


def delay_net_spikesim(spec: DelayNet, trace: bool = False) -> Run:
    net = ss.Network(dt=spec.dt, seed=0)
    source = net.add_spike_source("S", spec.source_n, spec.source_times, spec.source_indices)
    pop = net.add_population("P", spec.n, ss.LIF(spec.tau_m, spec.v_rest, spec.v_thresh, spec.v_reset, spec.t_ref))
    synapse = ss.Delta() if spec.tau_syn is None else ss.ExpCurrent(spec.tau_syn)
    for kind, pre_pop in (("source", source), ("chain", pop)):
        if any(s[0] == kind for s in spec.synapses):
            pre, post, weight, delay = spec.rows(kind)
            net.connect(pre_pop, pop, ss.FromArrays(pre, post), synapse=synapse, weight=weight, delay=delay * spec.dt)
    return run_spikesim(net, "P", spec.duration, trace)


def expected_arrivals(spec: DelayNet, follow_chain: bool) -> list[tuple[int, int]]:
    """``(neuron, step)`` of every arrival, sorted; with ``follow_chain`` each arrival is taken
    to fire its target in the arrival step (spikesim's count: source step + delay)."""
    frontier = [("source", int(i), round(t / spec.dt)) for t, i in zip(spec.source_times, spec.source_indices)]
    out = []
    while frontier:
        kind, neuron, step = frontier.pop()
        for s_kind, pre, post, _, delay in spec.synapses:
            if s_kind == kind and pre == neuron:
                out.append((post, step + delay))
                if follow_chain:
                    frontier.append(("chain", post, step + delay))
    return sorted(out)


def spike_steps(run: Run) -> list[tuple[int, int]]:
    """``(neuron, step)`` of every spike, sorted."""
    return sorted(zip(run.spike_indices.tolist(), np.rint(run.spike_times / DT).astype(int).tolist()))


def trace_arrivals(v: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """``(neuron, step)`` where an ExpCurrent input arrived: the step whose change of v exceeds
    the change of the step before by more than ``threshold`` mV (a kink in the trace)."""
    kink = np.diff(v, n=2, axis=0)  # kink[k - 1]: change during step k minus change during step k - 1
    steps, neurons = np.nonzero(kink > threshold)
    return sorted(zip(neurons.tolist(), (steps + 1).tolist()))


def test_delays_spike_times_delta():
    """Suprathreshold Delta synapses: every arrival fires its target in the arrival step, so the
    spikes give the arrival times: source step + delay along the fan and along the chain."""
    spec = fan_and_chain(weight=30.0)
    sim, ref = delay_net_spikesim(spec), b2m.delay_net(spec)
    expected = expected_arrivals(spec, follow_chain=True)
    assert spike_steps(ref) == expected, "Brian2 (delays (d - 1) * dt) does not fire at source step + d"
    assert spike_steps(sim) == expected, "spikesim does not fire at source step + d"


@pytest.fixture(scope="module")
def exp_current_fan() -> tuple[DelayNet, Run, Run]:
    spec = fan_and_chain(weight=5.0, tau_syn=3.0, chain=False)
    return spec, delay_net_spikesim(spec, trace=True), b2m.delay_net(spec)


def test_delays_arrivals_in_v_trace_exp_current(exp_current_fan):
    """Subthreshold ExpCurrent inputs: the arrival steps read off each recorded v trace are the
    source step + delay, in both simulators, and the traces agree."""
    spec, sim, ref = exp_current_fan
    assert sim.spike_times.size == 0 and ref.spike_times.size == 0
    threshold = 0.25 * min(w for *_, w, _ in spec.synapses) * DT / spec.tau_m  # a quarter of the first-step kink
    expected = expected_arrivals(spec, follow_chain=False)
    assert trace_arrivals(ref.v, threshold) == expected
    assert trace_arrivals(sim.v, threshold) == expected
    assert_same_trace(sim, ref, V_TOL)


def test_delays_v_trace_delta():
    spec = fan_and_chain(weight=5.0, chain=False)
    sim, ref = delay_net_spikesim(spec, trace=True), b2m.delay_net(spec)
    assert_same_trace(sim, ref, V_TOL)


def test_delta_input_at_the_end_of_refractoriness():
    """Three neurons fire at step 10 and get a second suprathreshold kick 19, 20 and 21 steps
    later (t_ref = 20 steps): Brian2 ignores the first two kicks."""
    ref_steps, first = 20, 10
    kicks = (ref_steps - 1, ref_steps, ref_steps + 1)
    synapses = tuple(syn for j, extra in enumerate(kicks)
                     for syn in (("source", 0, j, 30.0, first), ("source", 0, j, 30.0, first + extra)))
    spec = DelayNet(dt=DT, duration=10.0, n=len(kicks), source_n=1, source_times=(0.0,), source_indices=(0,),
                    synapses=synapses, t_ref=ref_steps * DT, v_reset=-60.0)
    assert_same_spikes(delay_net_spikesim(spec), b2m.delay_net(spec), tol=0.0)


# ----------------------------------------------------------- 3. CUBA and COBA statistics
N, N_EXC = b2m.N_NEURONS, b2m.N_EXC


def cuba_network(seed: int) -> ss.Network:
    """The README quickstart: Brian2's CUBA example (its delay 0 is one step here)."""
    net = ss.Network(dt=DT, seed=seed)
    pop = net.add_population("P", N, ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0),
                             init={"v": ss.Uniform(-60.0, -50.0)})
    net.connect(pop[:N_EXC], pop, ss.FixedProbability(0.02), synapse=ss.ExpCurrent(tau=5.0), weight=1.62, delay=DT, name="exc")
    net.connect(pop[N_EXC:], pop, ss.FixedProbability(0.02), synapse=ss.ExpCurrent(tau=10.0), weight=-9.0, delay=DT, name="inh")
    return net


def coba_network(seed: int) -> ss.Network:
    """Brian 1's COBA (see ``brian2_models.coba``), with its initial conductances."""
    net = ss.Network(dt=DT, seed=seed)
    pop = net.add_population("P", N, ss.LIF(tau_m=20.0, v_rest=0.0, v_thresh=10.0, v_reset=0.0, t_ref=5.0),
                             init={"v": ss.Normal(-5.0, 5.0), "ge": ss.Normal(4.0, 1.5), "gi": ss.Normal(20.0, 12.0)})
    net.connect(pop[:N_EXC], pop, ss.FixedProbability(0.02), synapse=ss.ExpConductance(tau=5.0, e_rev=60.0, name="ge"),
                weight=0.6, delay=DT, name="exc")
    net.connect(pop[N_EXC:], pop, ss.FixedProbability(0.02), synapse=ss.ExpConductance(tau=10.0, e_rev=-20.0, name="gi"),
                weight=6.7, delay=DT, name="inh")
    return net


def network_statistics(run: Run, t_start: float, t_stop: float) -> tuple[float, float]:
    """Mean rate (Hz) of the 4000 neurons and the mean CV of the ISIs of the neurons with at
    least two ISIs, from the spikes in [t_start, t_stop) ms."""
    keep = (run.spike_times >= t_start) & (run.spike_times < t_stop)
    times, indices = run.spike_times[keep], run.spike_indices[keep]
    rate = times.size / N / ((t_stop - t_start) / 1000.0)
    order = np.lexsort((times, indices))
    times, indices = times[order], indices[order]
    same = indices[1:] == indices[:-1]
    isi, owner = np.diff(times)[same], indices[1:][same]
    count = np.bincount(owner, minlength=N)
    mean = np.bincount(owner, isi, minlength=N) / np.maximum(count, 1)
    var = np.bincount(owner, (isi - mean[owner]) ** 2, minlength=N) / np.maximum(count, 1)
    ok = count >= 2
    return rate, float(np.mean(np.sqrt(var[ok]) / mean[ok]))


@dataclass(frozen=True)
class NetworkModel:
    """One network in both simulators, and how its statistics are taken."""

    spikesim: Callable[[int], ss.Network]
    brian2: Callable[..., Run]  # (seed, duration, same_as=None)
    duration: float  # ms per run
    t_start: float  # ms: the statistics skip the start transient
    n_seeds: int  # runs per simulator: enough that the mean rate is known to ~2% (see test_network_statistics)


NETWORKS = {
    "cuba": NetworkModel(cuba_network, b2m.cuba, duration=1000.0, t_start=100.0, n_seeds=10),
    "coba": NetworkModel(coba_network, b2m.coba, duration=600.0, t_start=100.0, n_seeds=24),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", NETWORKS)
def test_network_statistics(name):
    """Mean rate and mean CV of the ISIs, averaged over independent runs, within 5% of Brian2's.

    Each simulator draws its own networks (seeds 0..n-1 of two unrelated generators). The rate
    differs from one network to the next by 4% (CUBA) and 7% (COBA), so the seed counts keep
    the standard error of the difference near 2%: 5% is more than two standard errors."""
    model = NETWORKS[name]
    seeds = range(model.n_seeds)
    ours = np.mean([network_statistics(run_spikesim(model.spikesim(seed), "P", model.duration),
                                       model.t_start, model.duration) for seed in seeds], axis=0)
    theirs = np.mean([network_statistics(model.brian2(seed, model.duration), model.t_start, model.duration)
                      for seed in seeds], axis=0)
    rel = ours / theirs - 1
    report = (f"{name}: rate spikesim {ours[0]:.3f} Hz, Brian2 {theirs[0]:.3f} Hz ({rel[0]:+.2%}); "
              f"CV spikesim {ours[1]:.4f}, Brian2 {theirs[1]:.4f} ({rel[1]:+.2%})")
    print(report)
    assert theirs[0] > 1.0, f"{name}: the Brian2 network is silent ({report})"
    assert np.all(np.abs(rel) <= 0.05), report


SAME_NETWORK_MS = 50.0


def wiring_of(net: ss.Network) -> b2m.Wiring:
    """The synapses and the initial state (as the float32 that spikesim starts from) of a network."""
    exc, inh = (net.connections(proj) for proj in ("exc", "inh"))
    state = {var: x.astype(np.float32).astype(np.float64) for var, x in net.state("P").items()}
    return b2m.Wiring(exc=(exc["pre"], exc["post"]), inh=(inh["pre"], inh["post"]), state=state)


@pytest.mark.parametrize("name", NETWORKS)
def test_same_network_same_spikes(name):
    """Brian2 replays spikesim's own network (its synapses and initial v): the spikes are the same,
    neuron for neuron and step for step, until float32 rounding moves a threshold crossing by a
    step and the network's chaos takes over (after 40 to 120 ms for the seeds tried)."""
    net = NETWORKS[name].spikesim(1)
    ref = NETWORKS[name].brian2(1, SAME_NETWORK_MS, same_as=wiring_of(net))
    sim = run_spikesim(net, "P", SAME_NETWORK_MS)
    ours, theirs = set(spike_steps(sim)), set(spike_steps(ref))
    shared = len(ours & theirs) / max(len(ours), len(theirs))
    print(f"{name}: {len(theirs)} Brian2 spikes, {len(ours)} spikesim spikes, {shared:.2%} identical")
    assert len(theirs) > 100
    assert shared >= 0.99, f"{name}: only {shared:.2%} of the spikes in the first {SAME_NETWORK_MS} ms are identical"
