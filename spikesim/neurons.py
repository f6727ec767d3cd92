"""Neuron models: parameters, validation and the floating-point step math, written once.

Units: time in ms, voltage in mV. Every parameter is a scalar, an array with one
value per neuron, or a distribution (:class:`~spikesim.Uniform`, :class:`~spikesim.Normal`).

The math functions take an array namespace ``xp`` (``numpy`` or ``jax.numpy``)
so that this module never imports jax. The order of one time step is fixed by
the backend (see ``docs/architecture.md``): deliver arrivals, integrate, threshold,
reset/refractory, plasticity, push spikes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np

from .synapses import Synapse
from .values import SpecError, Value, check_shape


class NeuronModel(Protocol):
    """The contract every neuron model fulfils.

    ``state_vars`` lists the recordable state variables. ``coefficients`` turns the
    resolved per-neuron parameters into the constants that the step uses (numpy,
    float64, computed once per run). ``integrate`` advances the state by one step
    of ``dt`` given the external current ``i_ext`` (constant over the step) and the
    synaptic channel states ``syn`` at the start of the step.
    """

    state_vars: tuple[str, ...]
    has_refractory: bool

    def param_values(self) -> dict[str, Value]: ...
    def check(self, p: dict[str, np.ndarray], dt: float, where: str) -> None: ...
    def default_init(self, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...
    def coefficients(self, p: dict[str, np.ndarray], channels: tuple[Synapse, ...], dt: float) -> dict[str, Any]: ...
    def integrate(self, xp, c: dict, state: dict, i_ext, syn: list, channels: tuple[Synapse, ...]) -> dict: ...
    def threshold(self, xp, c: dict, state: dict): ...
    def reset(self, xp, c: dict, state: dict, spiked) -> dict: ...


def _params(model) -> dict[str, Value]:
    return {f.name: getattr(model, f.name) for f in fields(model) if f.name != "integrator"}


def _check_shapes(model) -> None:
    for name, value in _params(model).items():
        check_shape(f"{type(model).__name__}.{name}", value)


@dataclass(frozen=True, eq=False)
class LIF:
    """Leaky integrate-and-fire neuron.

    ``tau_m * dv/dt = v_rest - v + i_offset + I_syn`` where currents are given as
    voltages (R*I, in mV). With current-based synapses the linear dynamics are
    integrated exactly (as Brian2's ``method='exact'``); as soon as one channel is
    a conductance, the step is exponential Euler (Brian2's ``'exponential_euler'``):
    ``tau_m * dv/dt = v_rest - v + i_offset + sum(I_k) + sum(g_k * (e_rev_k - v))``.

    Spike when ``v >= v_thresh``; then ``v = v_reset`` and v is held for ``t_ref``
    ms (it is not integrated and ignores Delta inputs), as Brian2's
    ``(unless refractory)``.

    Parameters: tau_m (ms, > 0), v_rest (mV), v_thresh (mV), v_reset (mV, below
    v_thresh), t_ref (ms, >= 0), i_offset (mV, a constant input R*I).
    Default initial state: v = v_rest.
    """

    tau_m: Value
    v_rest: Value
    v_thresh: Value
    v_reset: Value
    t_ref: Value = 0.0
    i_offset: Value = 0.0

    state_vars = ("v",)
    has_refractory = True

    def __post_init__(self) -> None:
        _check_shapes(self)

    def param_values(self) -> dict[str, Value]:
        return _params(self)

    def check(self, p: dict[str, np.ndarray], dt: float, where: str) -> None:
        bad = np.flatnonzero(p["tau_m"] <= 0)
        if bad.size:
            raise SpecError(f"{where}: tau_m={p['tau_m'][bad[0]]} must be > 0 ms")
        bad = np.flatnonzero(p["tau_m"] < dt)
        if bad.size:
            raise SpecError(f"{where}: tau_m={p['tau_m'][bad[0]]} ms is smaller than dt={dt} ms")
        bad = np.flatnonzero(p["v_thresh"] <= p["v_reset"])
        if bad.size:
            i = bad[0]
            raise SpecError(
                f"{where}: v_thresh={p['v_thresh'][i]} is not above v_reset={p['v_reset'][i]} (neuron {i})"
            )
        bad = np.flatnonzero(p["t_ref"] < 0)
        if bad.size:
            raise SpecError(f"{where}: t_ref={p['t_ref'][bad[0]]} must be >= 0 ms")

    def default_init(self, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"v": p["v_rest"].copy()}

    def coefficients(self, p, channels, dt) -> dict[str, Any]:
        tau_m = p["tau_m"]
        a_m = np.exp(-dt / tau_m)
        kappa = []
        for syn in channels:
            if syn.kind == "current":
                tau_s = syn.tau
                a_s = np.exp(-dt / tau_s)
                same = np.isclose(tau_s, tau_m, rtol=1e-9)
                denom = np.where(same, 1.0, tau_s - tau_m)
                k = np.where(same, (dt / tau_m) * a_m, tau_s / denom * (a_s - a_m))
                kappa.append(k)
            else:
                kappa.append(None)
        return {
            "a_m": a_m,
            "inv_tau_m": 1.0 / tau_m,
            "dt": dt,
            "kappa": kappa,
            "exact": not any(s.kind == "conductance" for s in channels),
            "v_rest": p["v_rest"],
            "v_thresh": p["v_thresh"],
            "v_reset": p["v_reset"],
            "i_offset": p["i_offset"],
            "ref_steps": np.rint(p["t_ref"] / dt).astype(np.int32),
        }

    def integrate(self, xp, c, state, i_ext, syn, channels) -> dict:
        v = state["v"]
        drive = c["v_rest"] + c["i_offset"] + i_ext
        if c["exact"]:
            v_new = drive + (v - drive) * c["a_m"]
            for k, syn_k in enumerate(channels):
                if syn_k.kind == "current":
                    v_new = v_new + syn[k] * c["kappa"][k]
            return {"v": v_new}
        g_tot = 1.0
        for k, syn_k in enumerate(channels):
            if syn_k.kind == "current":
                drive = drive + syn[k]
            elif syn_k.kind == "conductance":
                drive = drive + syn[k] * syn_k.e_rev
                g_tot = g_tot + syn[k]
        v_inf = drive / g_tot
        return {"v": v_inf + (v - v_inf) * xp.exp(-c["dt"] * c["inv_tau_m"] * g_tot)}

    def threshold(self, xp, c, state):
        return state["v"] >= c["v_thresh"]

    def reset(self, xp, c, state, spiked) -> dict:
        return {"v": xp.where(spiked, c["v_reset"], state["v"])}


IZHIKEVICH_TYPES: dict[str, tuple[float, float, float, float]] = {
    "RS": (0.02, 0.2, -65.0, 8.0),
    "IB": (0.02, 0.2, -55.0, 4.0),
    "CH": (0.02, 0.2, -50.0, 2.0),
    "FS": (0.1, 0.2, -65.0, 2.0),
    "LTS": (0.02, 0.25, -65.0, 2.0),
    "TC": (0.02, 0.25, -65.0, 0.05),
    "RZ": (0.1, 0.26, -65.0, 2.0),
}


@dataclass(frozen=True, eq=False)
class Izhikevich:
    """Izhikevich (2003) neuron.

    ``dv/dt = 0.04 v^2 + 5 v + 140 - u + I``, ``du/dt = a (b v - u)``; when
    ``v >= v_peak``: ``v = c``, ``u = u + d``. Here t is in ms, v in mV and the current
    I (``i_offset`` and synaptic currents) in mV/ms. Conductance channels give
    ``I = g (e_rev - v)`` with g in 1/ms.

    ``integrator='euler'`` (default) is forward Euler on v and u with step dt.
    ``integrator='netm'`` is the scheme of Izhikevich's net.m/spnet: v advances in
    two half-steps of dt/2, then u advances by dt using the new v.

    Default initial state: v = -65 mV, u = b * v. Use :meth:`of_type` for the
    named regimes RS, IB, CH, FS, LTS, TC and RZ.
    """

    a: Value
    b: Value
    c: Value
    d: Value
    i_offset: Value = 0.0
    v_peak: Value = 30.0
    integrator: str = "euler"

    state_vars = ("v", "u")
    has_refractory = False

    def __post_init__(self) -> None:
        _check_shapes(self)
        if self.integrator not in ("euler", "netm"):
            raise SpecError(f"Izhikevich.integrator={self.integrator!r} is not 'euler' or 'netm'")

    @classmethod
    def of_type(cls, name: str, i_offset: Value = 0.0, integrator: str = "euler") -> Izhikevich:
        """A neuron of a named regime: one of RS, IB, CH, FS, LTS, TC, RZ."""
        if name not in IZHIKEVICH_TYPES:
            raise SpecError(f"Izhikevich type {name!r} is unknown; choose one of {sorted(IZHIKEVICH_TYPES)}")
        a, b, c, d = IZHIKEVICH_TYPES[name]
        return cls(a=a, b=b, c=c, d=d, i_offset=i_offset, integrator=integrator)

    def param_values(self) -> dict[str, Value]:
        return _params(self)

    def check(self, p: dict[str, np.ndarray], dt: float, where: str) -> None:
        bad = np.flatnonzero(p["v_peak"] <= p["c"])
        if bad.size:
            i = bad[0]
            raise SpecError(f"{where}: v_peak={p['v_peak'][i]} is not above the reset c={p['c'][i]} (neuron {i})")

    def default_init(self, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        v = np.full_like(p["a"], -65.0)
        return {"v": v, "u": p["b"] * v}

    def coefficients(self, p, channels, dt) -> dict[str, Any]:
        return {**p, "dt": dt, "netm": self.integrator == "netm"}

    @staticmethod
    def _current(v, i_ext, syn, channels):
        i = i_ext
        for k, syn_k in enumerate(channels):
            if syn_k.kind == "current":
                i = i + syn[k]
            elif syn_k.kind == "conductance":
                i = i + syn[k] * (syn_k.e_rev - v)
        return i

    def integrate(self, xp, c, state, i_ext, syn, channels) -> dict:
        v, u, dt = state["v"], state["u"], c["dt"]
        i_ext = i_ext + c["i_offset"]
        if c["netm"]:
            h = 0.5 * dt
            for _ in range(2):
                i = self._current(v, i_ext, syn, channels)
                v = v + h * ((0.04 * v + 5.0) * v + 140.0 - u + i)
            return {"v": v, "u": u + dt * c["a"] * (c["b"] * v - u)}
        i = self._current(v, i_ext, syn, channels)
        v_new = v + dt * ((0.04 * v + 5.0) * v + 140.0 - u + i)
        return {"v": v_new, "u": u + dt * c["a"] * (c["b"] * v - u)}

    def threshold(self, xp, c, state):
        return state["v"] >= c["v_peak"]

    def reset(self, xp, c, state, spiked) -> dict:
        return {"v": xp.where(spiked, c["c"], state["v"]), "u": xp.where(spiked, state["u"] + c["d"], state["u"])}


NEURON_TYPES = (LIF, Izhikevich)
