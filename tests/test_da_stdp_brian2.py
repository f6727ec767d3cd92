"""Izhikevich 2007 dopamine-modulated STDP, deterministic check (MODELS.md §5): Brian2's
``examples/frompapers/Izhikevich_2007.py`` synapse, driven by fixed pre/post spike times and
dopamine pulses, against spikesim's ``ThreeFactor(..., integration="exact")`` and against the
closed-form integral of ``s' = c d / tau_s``.

The example's synapse (its dopamine mode, ``mode = 1``): ``c' = -c/tau_c``, ``d' = -d/tau_d``,
``s' = c d / tau_s`` between events; a pre spike adds the post trace ``Apost`` to c, a post
spike adds ``Apre``; a dopamine spike adds ``epsilon_dopa`` to d. The example integrates with
Euler; a 1e-6 comparison needs exact integration, and Brian2's ``method="exact"`` needs linear
equations, so the product is carried as its own variable ``p = c d`` (``p' = -p/tau_c - p/tau_d``,
``s' = p / tau_s``, ``p`` reset to ``c d`` after every jump): the same trajectory, now linear.
Brian2's solver also needs an invertible matrix, so s gets a decay with tau = 1e15 ms, which is
none in float64 (``exp(-dt/tau)`` rounds to 1). Brian2 applies the jumps of step k after integrating step k, spikesim before it,
so Brian2 gets every event one step earlier (``times - dt``) for the same continuous-time
trajectory, whose jumps lie at the spikesim event times.
"""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import ms
from plasticity_helpers import forced_post

import spikesim as ss

b2.prefs.codegen.target = "numpy"
DT = 0.1  # ms (the example's default clock)
DURATION = 700.0  # ms
EVERY = 10  # steps between samples
# the example's constants (ms; Brian2's dimensionless traces and weights)
TAU_C, TAU_D, TAU_S, TAU_TRACE = 1000.0, 200.0, 1.0, 20.0
GMAX = 0.01
D_APRE = 0.01 * GMAX
D_APOST = -D_APRE * 1.05
EPS_DOPA = 5e-3
PRE = np.array([50.0, 150.0, 300.0, 450.0])
POST = np.array([58.0, 143.0, 306.0, 440.0])
DOPA = np.array([230.0, 400.0, 420.0])


def closed_form(t_eval: np.ndarray) -> np.ndarray:
    """s(t) = (1/tau_s) * integral of c d, piecewise exact between the events (s(0) = 0)."""
    jumps = []  # (time, dc, dd)
    for t in PRE:
        jumps.append((t, D_APOST * np.exp(-(t - POST[POST < t]) / TAU_TRACE).sum(), 0.0))
    for t in POST:
        jumps.append((t, D_APRE * np.exp(-(t - PRE[PRE < t]) / TAU_TRACE).sum(), 0.0))
    jumps += [(t, 0.0, EPS_DOPA) for t in DOPA]
    jumps.sort()
    tau = 1.0 / (1.0 / TAU_C + 1.0 / TAU_D)
    out = np.zeros(t_eval.size)
    for k, te in enumerate(t_eval):
        c = d = s = 0.0
        t0 = 0.0
        for tj, dc, dd in [*jumps, (np.inf, 0.0, 0.0)]:
            t1 = min(tj, te)
            s += c * d * tau * -np.expm1(-(t1 - t0) / tau) / TAU_S
            c, d = c * np.exp(-(t1 - t0) / TAU_C), d * np.exp(-(t1 - t0) / TAU_D)
            t0 = t1
            if tj >= te:
                break
            c, d = c + dc, d + dd
        out[k] = s
    return out


def run_spikesim() -> tuple[np.ndarray, np.ndarray]:
    net = ss.Network(dt=DT, seed=0, precision="float64")
    pre = net.add_spike_source("pre", 1, times=PRE, indices=np.zeros(PRE.size, int))
    post = forced_post(net, "post", 1, [POST])
    dopa = net.add_spike_source("dopa", 1, times=DOPA, indices=np.zeros(DOPA.size, int))
    da = net.add_modulator("DA", tau=TAU_D, source=dopa, per_spike=EPS_DOPA)
    hebb = ss.STDP(a_plus=D_APRE, a_minus=-D_APOST, tau_pre=TAU_TRACE, tau_post=TAU_TRACE, w_min=-1.0, w_max=1.0)
    rule = ss.ThreeFactor(hebb, da, tau_e=TAU_C, lr=1.0 / TAU_S, w_min=-1.0, w_max=1.0, integration="exact")
    proj = net.connect(pre, post, ss.OneToOne(), ss.Delta(), weight=0.0, delay=DT, plasticity=rule, name="s")
    net.record(proj, "weights", every=EVERY)
    t, w = net.run(DURATION).weights("s")
    return t, w[:, 0]


def run_brian2() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b2.start_scope()
    b2.defaultclock.dt = DT * ms
    pre = b2.SpikeGeneratorGroup(1, np.zeros(PRE.size, int), (PRE - DT) * ms)
    post = b2.SpikeGeneratorGroup(1, np.zeros(POST.size, int), (POST - DT) * ms)
    syn = b2.Synapses(pre, post, model="""dc/dt = -c / tauc : 1 (clock-driven)
                                           dd/dt = -d / taud : 1 (clock-driven)
                                           dp/dt = -p / tauc - p / taud : 1 (clock-driven)
                                           ds/dt = p / taus - s / tau_never : 1 (clock-driven)
                                           dApre/dt = -Apre / taupre : 1 (event-driven)
                                           dApost/dt = -Apost / taupost : 1 (event-driven)""",
                      on_pre="Apre += dApre\nc = clip(c + Apost, -gmax, gmax)\np = c * d",
                      on_post="Apost += dApost\nc = clip(c + Apre, -gmax, gmax)\np = c * d",
                      method="exact",
                      namespace={"tauc": TAU_C * ms, "taud": TAU_D * ms, "taus": TAU_S * ms, "taupre": TAU_TRACE * ms,
                                 "taupost": TAU_TRACE * ms, "gmax": GMAX, "tau_never": 1e15 * ms, "dApre": D_APRE,
                                 "dApost": D_APOST})
    syn.connect(i=0, j=0)
    dopamine = b2.SpikeGeneratorGroup(1, np.zeros(DOPA.size, int), (DOPA - DT) * ms)
    reward = b2.Synapses(dopamine, syn, on_pre="d_post += epsilon_dopa\np_post = c_post * d_post",
                         namespace={"epsilon_dopa": EPS_DOPA})
    reward.connect()
    mon = b2.StateMonitor(syn, ["s", "c"], record=[0], dt=EVERY * DT * ms, when="start")
    b2.Network(pre, post, syn, dopamine, reward, mon).run(DURATION * ms)
    return mon.t / ms, mon.s[0], mon.c[0]


def test_da_stdp_exact_integration_matches_brian2_and_closed_form():
    t_s, s_s = run_spikesim()
    t_b, s_b, c_b = run_brian2()
    np.testing.assert_allclose(t_s, t_b)
    assert np.abs(c_b).max() < 0.5 * GMAX  # the example's clip of c never acts
    want = closed_form(t_s)
    assert want[-1] > 1e-5  # s really moved (about 5e-5 here)
    np.testing.assert_allclose(s_b, want, rtol=1e-6, atol=0)
    np.testing.assert_allclose(s_s, want, rtol=1e-6, atol=0)
    np.testing.assert_allclose(s_s, s_b, rtol=1e-6, atol=0)
    # s is constant while c d = 0: c = 0 before the first spike, d = 0 before the first dopamine pulse
    before = t_s <= DOPA[0]
    assert np.all(s_s[before] == 0.0) and np.all(s_b[before] == 0.0)
    assert np.all(np.diff(s_s[t_s > DOPA[0] + DT]) != 0.0)  # and changes at every sample once c d != 0


def test_exact_integration_bad_input():
    net = ss.Network(dt=1.0)
    pop = net.add_spike_source("p", 2, times=[1.0], indices=[0])
    astro = net.add_astrocyte("A", liquid=pop)
    with pytest.raises(ss.SpecError, match="integration"):
        ss.ThreeFactor(ss.STDP(), integration="rk4")
    with pytest.raises(ss.SpecError, match="every=10"):
        ss.ThreeFactor(ss.STDP(), every=10.0, integration="exact")
    with pytest.raises(ss.SpecError, match="astrocyte"):
        ss.ThreeFactor(ss.STDP(), astro, integration="exact")
