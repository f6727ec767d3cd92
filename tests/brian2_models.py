"""Brian2 counterparts of the spikesim models compared in ``test_brian2_parity.py``.

Every builder takes plain floats in spikesim's units (ms, mV) and returns numpy arrays in the
same units, so the tests never touch Brian2 quantities. The code-generation target is numpy:
it needs no compiler, and for these sizes it is faster than compiling Cython on a cold machine.

Conventions that make the two simulators comparable (see ``docs/semantics.md``):

* thresholds are written ``v >= threshold`` (spikesim's comparison);
* a spikesim delay of ``d`` steps is a Brian2 delay of ``(d - 1) * dt``;
* a step current is a ``TimedArray`` on the simulation grid, read once per step
  (``constant over dt``), with the change times rounded to steps as spikesim rounds them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV

b2.prefs.codegen.target = "numpy"
logging.getLogger("brian2").setLevel(logging.WARNING)  # keep failing tests readable (Brian2 logs at DEBUG)


@dataclass
class Run:
    """What one run recorded (of either simulator): spikes ``(times_ms, indices)`` and, if asked,
    ``v`` (mV) at the start of every step, shape (n_steps, n_neurons), at the times ``t`` (ms)."""

    spike_times: np.ndarray
    spike_indices: np.ndarray
    t: np.ndarray | None = None
    v: np.ndarray | None = None


@dataclass(frozen=True)
class StepInput:
    """A piecewise-constant current: ``amplitudes[k]`` from ``times[k]`` (ms) on, zero before."""

    times: tuple[float, ...]
    amplitudes: tuple[float, ...]

    def on_grid(self, dt: float, duration: float) -> np.ndarray:
        """The amplitude during each step of a run of ``duration`` ms."""
        n_steps = round(duration / dt)
        values = np.zeros(n_steps)
        starts = np.rint(np.asarray(self.times) / dt).astype(int)
        for start, amp in zip(starts, self.amplitudes):
            values[start:] = amp
        return values


def _run(objects: list, dt: float, duration: float, spikes: b2.SpikeMonitor,
         state: b2.StateMonitor | None = None, unit=mV) -> Run:
    """Run ``objects`` (monitors included) and convert the monitors to ms / mV arrays
    (``unit``: the unit of the recorded v, 1 for a dimensionless v already in mV)."""
    b2.defaultclock.dt = dt * ms
    net = b2.Network(*objects)
    net.run(duration * ms)
    run = Run(np.asarray(spikes.t / ms), np.asarray(spikes.i, dtype=np.int64))
    if state is not None:
        run.t = np.asarray(state.t / ms)
        run.v = np.asarray(state.v / unit).T
    return run


def _stimulus(step: StepInput | None, dt: float, duration: float, unit) -> b2.TimedArray:
    values = np.zeros(round(duration / dt)) if step is None else step.on_grid(dt, duration)
    return b2.TimedArray(values * unit, dt=dt * ms)


def lif_neuron(dt: float, duration: float, tau_m: float, v_rest: float, v_thresh: float, v_reset: float,
               t_ref: float = 0.0, i_offset: float = 0.0, step: StepInput | None = None) -> Run:
    """One current-based LIF neuron, ``method='exact'``; v recorded every step."""
    b2.start_scope()
    stim = _stimulus(step, dt, duration, mV)
    eqs = """
    dv/dt = (v_rest - v + i_offset + I) / tau_m : volt (unless refractory)
    I = stim(t) : volt (constant over dt)
    """
    namespace = {"stim": stim, "v_rest": v_rest * mV, "i_offset": i_offset * mV, "tau_m": tau_m * ms,
                 "v_thresh": v_thresh * mV, "v_reset": v_reset * mV}
    group = b2.NeuronGroup(1, eqs, threshold="v >= v_thresh", reset="v = v_reset",
                           refractory=t_ref * ms, method="exact", namespace=namespace)
    group.v = v_rest * mV
    spikes, state = b2.SpikeMonitor(group), b2.StateMonitor(group, "v", record=True)
    return _run([group, spikes, state], dt, duration, spikes, state)


def izhikevich_neuron(dt: float, duration: float, a: float, b: float, c: float, d: float,
                      i_offset: float = 0.0, v_peak: float = 30.0, step: StepInput | None = None) -> Run:
    """One Izhikevich (2003) neuron, forward Euler (``method='euler'``), v in mV and I in mV/ms
    as dimensionless numbers; starts at spikesim's default v = -65, u = b * v."""
    b2.start_scope()
    stim = _stimulus(step, dt, duration, 1)
    eqs = """
    dv/dt = (0.04 * v**2 + 5 * v + 140 - u + i_offset + I) / ms : 1
    du/dt = a * (b * v - u) / ms : 1
    I = stim(t) : 1 (constant over dt)
    """
    namespace = {"stim": stim, "a": a, "b": b, "c": c, "d": d, "i_offset": i_offset, "v_peak": v_peak}
    group = b2.NeuronGroup(1, eqs, threshold="v >= v_peak", reset="v = c; u += d", method="euler",
                           namespace=namespace)
    group.v = -65.0
    group.u = b * -65.0
    spikes, state = b2.SpikeMonitor(group), b2.StateMonitor(group, "v", record=True)
    return _run([group, spikes, state], dt, duration, spikes, state, unit=1)


@dataclass(frozen=True)
class DelayNet:
    """A spike source driving ``n`` LIF neurons through synapses with per-synapse delays.

    ``synapses`` holds ``(kind, pre, post, weight, delay_steps)`` rows: ``kind`` is
    ``"source"`` (from the spike source) or ``"chain"`` (between the LIF neurons), and
    ``delay_steps`` is the spikesim delay in steps (>= 1).
    """

    dt: float
    duration: float
    n: int
    source_n: int
    source_times: tuple[float, ...]
    source_indices: tuple[int, ...]
    synapses: tuple[tuple[str, int, int, float, int], ...]
    tau_m: float = 20.0
    v_rest: float = -70.0
    v_thresh: float = -50.0
    v_reset: float = -70.0
    t_ref: float = 0.0
    tau_syn: float | None = None  # None: Delta synapses (v += w); else ExpCurrent(tau_syn)

    def rows(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(pre, post, weight, delay_steps)`` of the synapses of one kind."""
        sel = [s[1:] for s in self.synapses if s[0] == kind]
        pre, post, weight, delay = (np.asarray(col) for col in zip(*sel))
        return pre.astype(np.int64), post.astype(np.int64), weight.astype(float), delay.astype(np.int64)


def delay_net(spec: DelayNet) -> Run:
    """The Brian2 version of ``spec``: ``SpikeGeneratorGroup`` -> LIF group, delays ``(d - 1) * dt``."""
    b2.start_scope()
    namespace = {"v_rest": spec.v_rest * mV, "tau_m": spec.tau_m * ms, "v_thresh": spec.v_thresh * mV,
                 "v_reset": spec.v_reset * mV}
    if spec.tau_syn is None:
        eqs = "dv/dt = (v_rest - v) / tau_m : volt (unless refractory)"
        on_pre = "v_post += w"
    else:
        eqs = """
        dv/dt = (v_rest - v + I) / tau_m : volt (unless refractory)
        dI/dt = -I / tau_syn : volt
        """
        on_pre = "I_post += w"
        namespace["tau_syn"] = spec.tau_syn * ms
    group = b2.NeuronGroup(spec.n, eqs, threshold="v >= v_thresh", reset="v = v_reset",
                           refractory=spec.t_ref * ms, method="exact", namespace=namespace)
    group.v = spec.v_rest * mV
    source = b2.SpikeGeneratorGroup(spec.source_n, np.asarray(spec.source_indices),
                                    np.asarray(spec.source_times) * ms)
    objects = [group, source]
    for kind, pre_group in (("source", source), ("chain", group)):
        if not any(s[0] == kind for s in spec.synapses):
            continue
        pre, post, weight, delay = spec.rows(kind)
        syn = b2.Synapses(pre_group, group, "w : volt", on_pre=on_pre)
        syn.connect(i=pre, j=post)
        syn.w = weight * mV
        syn.delay = (delay - 1) * spec.dt * ms
        objects.append(syn)
    spikes, state = b2.SpikeMonitor(group), b2.StateMonitor(group, "v", record=True)
    return _run([*objects, spikes, state], spec.dt, spec.duration, spikes, state)


# ---------------------------------------------------------------------- CUBA and COBA
N_NEURONS, N_EXC = 4000, 3200


@dataclass(frozen=True)
class Wiring:
    """A given network realisation: ``exc`` and ``inh`` are ``(pre, post)`` index arrays (population
    indices), ``state`` the initial values of the state variables (v in mV, conductances unitless)."""

    exc: tuple[np.ndarray, np.ndarray]
    inh: tuple[np.ndarray, np.ndarray]
    state: dict[str, np.ndarray]


def _random_network(seed: int, eqs: str, method: str, namespace: dict, on_pre: tuple[str, str],
                    init: dict[str, str], duration: float, dt: float, same_as: Wiring | None) -> Run:
    """4000 neurons, the first 3200 excitatory, p = 0.02 (self-connections allowed, Brian2 delay 0),
    threshold ``v >= Vt``, reset ``v = Vr``, refractory 5 ms. ``init`` maps state variables to
    Brian2 string expressions; ``same_as`` replaces the random synapses and initial state."""
    b2.start_scope()
    b2.seed(seed)
    group = b2.NeuronGroup(N_NEURONS, eqs, threshold="v >= Vt", reset="v = Vr", refractory=5 * ms,
                           method=method, namespace=namespace)
    for var, expr in init.items():
        setattr(group, var, expr)
    exc = b2.Synapses(group, group, on_pre=on_pre[0], namespace=namespace)
    inh = b2.Synapses(group, group, on_pre=on_pre[1], namespace=namespace)
    if same_as is None:
        exc.connect(f"i < {N_EXC}", p=0.02)
        inh.connect(f"i >= {N_EXC}", p=0.02)
    else:
        for var, values in same_as.state.items():
            setattr(group, var, values * mV if var == "v" else values)
        exc.connect(i=same_as.exc[0], j=same_as.exc[1])
        inh.connect(i=same_as.inh[0], j=same_as.inh[1])
    spikes = b2.SpikeMonitor(group)
    return _run([group, exc, inh, spikes], dt, duration, spikes)


def cuba(seed: int, duration: float, dt: float = 0.1, same_as: Wiring | None = None) -> Run:
    """Brian2's ``examples/CUBA.py`` (Vogels & Abbott 2005, current-based), exact integration."""
    eqs = """
    dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    namespace = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV,
                 "El": -49 * mV, "we": 60 * 0.27 / 10 * mV, "wi": -20 * 4.5 / 10 * mV}
    return _random_network(seed, eqs, "exact", namespace, ("ge += we", "gi += wi"),
                           {"v": "Vr + rand() * (Vt - Vr)"}, duration, dt, same_as)


def coba(seed: int, duration: float, dt: float = 0.1, same_as: Wiring | None = None) -> Run:
    """Brian 1's ``COBA.py`` (Vogels & Abbott 2005, conductance-based): voltages relative to
    -60 mV, conductances in units of the leak conductance, exponential Euler, initial
    v = 5 N(0, 1) - 5 mV, ge = 1.5 N(0, 1) + 4, gi = 12 N(0, 1) + 20."""
    eqs = """
    dv/dt = (-v + ge * (Ee - v) + gi * (Ei - v)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    namespace = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Ee": 60 * mV, "Ei": -20 * mV,
                 "Vt": 10 * mV, "Vr": 0 * mV, "we": 0.6, "wi": 6.7}
    return _random_network(seed, eqs, "exponential_euler", namespace, ("ge += we", "gi += wi"),
                           {"v": "(5 * randn() - 5) * mV", "ge": "1.5 * randn() + 4", "gi": "12 * randn() + 20"},
                           duration, dt, same_as)
