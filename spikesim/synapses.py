"""Synapse models: how an arriving spike changes its target.

Units: time in ms, voltage in mV. Each synapse type defines a *channel* on
the target population: projections with equal synapse parameters onto the
same population share one channel (one state variable per neuron).

============================  =============================================  ==============================
class                          on arrival of weight w                         between arrivals
============================  =============================================  ==============================
``ExpCurrent(tau)``            I += w  (I in the model's current unit)        dI/dt = -I/tau
``ExpConductance(tau, e_rev)`` g += w  (g in units of the leak conductance    dg/dt = -g/tau; current
                               for LIF, 1/ms for Izhikevich), w >= 0          g*(e_rev - v)
``Delta()``                    v += w  (mV), ignored while refractory         none
``CurrentPulse()``             adds w to the input current of the next step   none (lasts one step)
                               only (Izhikevich's net.m/spnet convention)
============================  =============================================  ==============================

The decay is integrated exactly: ``x(t + dt) = x(t) * exp(-dt / tau)``.

Give an ``ExpCurrent`` or ``ExpConductance`` a ``name`` (e.g. ``"ge"``) to set its
initial value through ``add_population(..., init={"ge": ...})`` and to record it
with ``net.record(pop, "ge")``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .values import SpecError, check_finite


@dataclass(frozen=True)
class ExpCurrent:
    """Exponentially decaying current; ``tau`` in ms. Weight unit: the model's current
    (mV for LIF, where the input is R*I; mV/ms for Izhikevich)."""

    tau: float
    name: str | None = None

    kind = "current"

    def __post_init__(self) -> None:
        check_finite("ExpCurrent.tau", self.tau)
        if self.tau <= 0:
            raise SpecError(f"ExpCurrent.tau={self.tau} must be > 0 ms")


@dataclass(frozen=True)
class ExpConductance:
    """Exponentially decaying conductance; ``tau`` in ms, reversal ``e_rev`` in mV.
    Weights are conductance increments and must be >= 0."""

    tau: float
    e_rev: float
    name: str | None = None

    kind = "conductance"

    def __post_init__(self) -> None:
        check_finite("ExpConductance.tau", self.tau)
        check_finite("ExpConductance.e_rev", self.e_rev)
        if self.tau <= 0:
            raise SpecError(f"ExpConductance.tau={self.tau} must be > 0 ms")


@dataclass(frozen=True)
class Delta:
    """Instantaneous voltage jump: ``v += w`` (mV) when the spike arrives."""

    kind = "delta"


@dataclass(frozen=True)
class CurrentPulse:
    """The summed weight of the spikes arriving at a step is an input current held
    for that one step (Izhikevich 2003 net.m, 2006 spnet). Weight unit: the model's
    current (mV/ms for Izhikevich)."""

    kind = "pulse"


Synapse = ExpCurrent | ExpConductance | Delta | CurrentPulse
SYNAPSE_TYPES = (ExpCurrent, ExpConductance, Delta, CurrentPulse)


def synapse_tau(syn: Synapse) -> float | None:
    """The time constant of a synapse in ms, or None for instantaneous ones."""
    return getattr(syn, "tau", None)
