"""Synaptic plasticity rules (the spec side; numpy only, the math written once with ``xp``).

Units: time constants in ms; weights in the synapse's unit; traces are dimensionless.

Traces
------
Every rule keeps *per-neuron* traces: presynaptic traces ``x`` (one per time constant in
``pre_taus``) and postsynaptic traces ``y`` (``post_taus``). Between spikes a trace decays,
``x <- x * exp(-dt / tau)`` each step. On a spike it jumps: ``x <- x + 1`` with
``pairing="all"`` (all-to-all pairing) or ``x <- 1`` with ``pairing="nearest"`` (only the
nearest spike counts).

Events and timing (``docs/semantics.md`` gives the full step order)
-------------------------------------------------------------------
A presynaptic spike emitted in step k through a synapse of delay d steps reaches the synapse
as a *pre event* in step k + d - 1 (the plasticity phase of the step before its input acts on
the neuron; this is Brian2's ``on_pre`` with ``delay = (d - 1) * dt``). A postsynaptic spike
in step k is a *post event* in step k. Within a step, pre events are applied first, then post
events, so a pre and a post spike in the same step count as a causal (potentiating) pair.
At a pre event the presynaptic traces seen by the synapse are those of neuron ``i`` at the
emission step (delayed by d - 1 steps), *before* that spike's own jump; at a post event they
include the jump of every pre spike that has arrived.

* on a pre event:  ``w <- bound(w - depression(w, x, y))``  (the post traces before any post
  spike of this step);
* on a post event: ``w <- bound(w + potentiation(w, x, y))``  (the post traces before this
  spike's own jump).

Work per step scales with spikes x fan-out: depression runs over the rows (CSR) of the neurons
whose spikes arrive, potentiation over the columns (CSC) of the neurons that fired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .values import SpecError, check_finite

PAIRINGS = ("all", "nearest")
INTEGRATIONS = ("euler", "exact")
DEPENDENCES = ("additive", "multiplicative")


def _positive(rule: str, name: str, value: float, allow_zero: bool = True) -> None:
    check_finite(f"{rule}.{name}", value)
    if value < 0 or (value == 0 and not allow_zero):
        raise SpecError(f"{rule}: {name}={value} must be {'>= 0' if allow_zero else '> 0'}")


def _bounds(rule: str, w_min: float, w_max: float) -> None:
    check_finite(f"{rule}.w_min", w_min)
    check_finite(f"{rule}.w_max", w_max)
    if w_min > w_max:
        raise SpecError(f"{rule}: w_min={w_min} is greater than w_max={w_max}")


def _choice(rule: str, name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"{rule}: {name}={value!r} must be one of {allowed}")


def trace_jump(xp, before, spiked, pairing: str):
    """A trace's value after this step's spikes: +1 (``"all"``) or reset to 1 (``"nearest"``)."""
    if pairing == "all":
        return before + spiked
    return xp.where(spiked, 1.0, before)


@dataclass(frozen=True)
class STDP:
    """Pair-based STDP with traces (Morrison, Diesmann & Gerstner 2008).

    On a post event ``w += F+(w) * x``; on a pre event ``w -= F-(w) * y``, with
    ``x' = -x/tau_pre`` and ``y' = -y/tau_post`` between spikes (ms), and

    * ``dependence="additive"``: ``F+ = a_plus``, ``F- = a_minus``, then ``w`` is clipped
      to [``w_min``, ``w_max``] (hard bounds);
    * ``dependence="multiplicative"``: ``F+ = a_plus * (w_max - w)``, ``F- = a_minus * (w - w_min)``
      (soft bounds), also clipped.

    ``a_plus`` and ``a_minus`` are magnitudes (>= 0) in the weight's unit (additive) or per
    unit of weight range (multiplicative). ``modulator`` (e.g. an astrocyte from
    ``net.add_astrocyte``) multiplies the depression by its current value; ``sign=-1`` makes
    the rule anti-Hebbian (both changes flip sign). For a single pair with ``dt_ms = t_post - t_pre``
    the change is ``a_plus * exp(-dt_ms / tau_pre)`` for ``dt_ms >= 0`` and
    ``-a_minus * exp(dt_ms / tau_post)`` for ``dt_ms < 0``.
    """

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_pre: float = 20.0
    tau_post: float = 20.0
    w_min: float = 0.0
    w_max: float = 1.0
    dependence: str = "additive"
    pairing: str = "all"
    modulator: Modulator | None = None  # e.g. an astrocyte: the depression is scaled by its value
    sign: int = 1  # -1: anti-Hebbian (potentiation and depression swap signs; NALSM's inhibitory synapses)

    def __post_init__(self) -> None:
        if self.modulator is not None and not isinstance(self.modulator, Modulator):
            raise SpecError(f"STDP: modulator={self.modulator!r} must be a Modulator (net.add_modulator / add_astrocyte)")
        if self.sign not in (1, -1):
            raise SpecError(f"STDP: sign={self.sign!r} must be 1 or -1")
        _positive("STDP", "a_plus", self.a_plus)
        _positive("STDP", "a_minus", self.a_minus)
        _positive("STDP", "tau_pre", self.tau_pre, allow_zero=False)
        _positive("STDP", "tau_post", self.tau_post, allow_zero=False)
        _bounds("STDP", self.w_min, self.w_max)
        _choice("STDP", "dependence", self.dependence, DEPENDENCES)
        _choice("STDP", "pairing", self.pairing, PAIRINGS)

    @property
    def pre_taus(self) -> tuple[float, ...]:
        return (self.tau_pre,)

    @property
    def post_taus(self) -> tuple[float, ...]:
        return (self.tau_post,)

    def depression(self, xp, w, pre, post):
        """The amount removed from ``w`` at a pre event (``post[0]`` = y before this step's post spikes)."""
        f = self.a_minus if self.dependence == "additive" else self.a_minus * (w - self.w_min)
        return self.sign * f * post[0]

    def potentiation(self, xp, w, pre, post):
        """The amount added to ``w`` at a post event (``pre[0]`` = x at the synapse, with arrivals)."""
        f = self.a_plus if self.dependence == "additive" else self.a_plus * (self.w_max - w)
        return self.sign * f * pre[0]

    def bound(self, xp, w):
        return xp.clip(w, self.w_min, self.w_max)


@dataclass(frozen=True)
class TripletSTDP:
    """Triplet STDP (Pfister & Gerstner 2006), traces r1 (``tau_plus``), r2 (``tau_x``) per
    presynaptic neuron and o1 (``tau_minus``), o2 (``tau_y``) per postsynaptic neuron (ms).

    * pre event:  ``w -= o1 * (a2_minus + a3_minus * r2)``, with r2 before this spike's jump;
    * post event: ``w += r1 * (a2_plus + a3_plus * o2)``, with o2 before this spike's jump;

    then ``w`` is clipped to [``w_min``, ``w_max``]. The defaults are the paper's visual-cortex,
    all-to-all, minimal model (a2_plus = a3_minus = 0; tau_x is then unused).
    """

    a2_plus: float = 0.0
    a3_plus: float = 6.5e-3
    a2_minus: float = 7.1e-3
    a3_minus: float = 0.0
    tau_plus: float = 16.8
    tau_minus: float = 33.7
    tau_x: float = 101.0
    tau_y: float = 125.0
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"

    def __post_init__(self) -> None:
        for name in ("a2_plus", "a3_plus", "a2_minus", "a3_minus"):
            _positive("TripletSTDP", name, getattr(self, name))
        for name in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
            _positive("TripletSTDP", name, getattr(self, name), allow_zero=False)
        _bounds("TripletSTDP", self.w_min, self.w_max)
        _choice("TripletSTDP", "pairing", self.pairing, PAIRINGS)

    @property
    def pre_taus(self) -> tuple[float, ...]:
        return (self.tau_plus, self.tau_x)

    @property
    def post_taus(self) -> tuple[float, ...]:
        return (self.tau_minus, self.tau_y)

    def depression(self, xp, w, pre, post):
        """``o1 * (A2- + A3- * r2)``: ``pre[1]`` is r2 before the arriving spike's jump."""
        return post[0] * (self.a2_minus + self.a3_minus * pre[1])

    def potentiation(self, xp, w, pre, post):
        """``r1 * (A2+ + A3+ * o2)``: ``post[1]`` is o2 before this post spike's jump."""
        return pre[0] * (self.a2_plus + self.a3_plus * post[1])

    def bound(self, xp, w):
        return xp.clip(w, self.w_min, self.w_max)


HEBBIAN_TYPES = (STDP, TripletSTDP)


@dataclass(eq=False)
class Modulator:
    """A neuromodulator M (dimensionless) read by three-factor rules. Create it with
    :meth:`spikesim.Network.add_modulator`.

    Either *dynamic*: ``M <- M * exp(-dt / tau) + per_spike * (spikes of source this step)
    + rewards delivered this step`` (dopamine; ``tau`` in ms, ``math.inf`` for no decay), or a
    *signal*: M is given per step by ``signal``: a Python function of time (ms) returning a
    scalar or one value per postsynaptic neuron, or an array of shape (steps,) or
    (steps, n_post) indexed by the global step (a run must not go past its end).
    """

    name: str
    tau: float = math.inf
    sources: tuple = ()  # (population or view, gain per spike)
    bias: float = 0.0  # added each step (relax=False) or the level relaxed to (relax=True)
    signal: Any = None
    size: int = 1  # 1 (global) or the number of postsynaptic neurons it is read by
    relax: bool = False  # astrocyte: M <- M + dt/tau * (sum gain * spikes + bias - M)
    initial: float = 0.0

    @property
    def kind(self) -> str:
        if self.signal is None:
            return "dynamic"
        return "function" if callable(self.signal) else "array"


@dataclass(frozen=True)
class ThreeFactor:
    """Three-factor learning (Frémaux & Gerstner 2016): a Hebbian rule fills an eligibility
    trace ``e`` per synapse, and a neuromodulator turns it into weight change.

    * pre/post events: ``e -= depression``, ``e += potentiation`` of ``hebbian`` (an
      :class:`STDP` or :class:`TripletSTDP`; its weight dependence uses the current ``w``,
      its bounds are not applied to ``e``);
    * every ``every`` ms (default: every step, i.e. ``every=dt``):
      ``w <- clip(w + lr * (baseline + M) * e + drift, w_min, w_max)``, then
      ``e <- e * exp(-every / tau_e)``.

    With ``every=dt`` and ``lr=dt`` this is ``e' = -e/tau_e + H``, ``w' = M e`` (Euler).
    ``modulator`` is a :class:`Modulator` (global, or one value per postsynaptic neuron), or
    None for M = 0 (then ``baseline`` alone scales e: spnet's once-a-second update).

    ``integration="exact"`` (every step; ``every`` must stay None) integrates
    ``w' = lr * (baseline + M) * e`` exactly over each step, ``lr`` in 1/ms: between the
    step's events e decays with ``tau_e`` and a dynamic M with its own ``tau`` (a signal M is
    held for the step), so each step adds
    ``lr * e * (baseline * tau_e * (1 - exp(-dt/tau_e)) + M * tau * (1 - exp(-dt/tau)))``
    with ``1/tau = 1/tau_e + 1/tau_M`` (Izhikevich 2007's ``s' = c d`` with ``lr = 1/tau_s``).
    An astrocyte (relaxing) modulator has no such closed form and is refused.
    """

    hebbian: Any
    modulator: Modulator | None = None
    tau_e: float = 1000.0
    every: float | None = None
    lr: float = 1.0
    baseline: float = 0.0
    drift: float = 0.0
    w_min: float = 0.0
    w_max: float = 1.0
    integration: str = "euler"  # "euler": the periodic update above; "exact": every step, exact in time

    def __post_init__(self) -> None:
        if not isinstance(self.hebbian, HEBBIAN_TYPES):
            raise SpecError(f"ThreeFactor: hebbian={self.hebbian!r} must be an STDP or TripletSTDP rule")
        if self.modulator is not None and not isinstance(self.modulator, Modulator):
            raise SpecError(f"ThreeFactor: modulator={self.modulator!r} must be a Modulator (net.add_modulator)")
        _positive("ThreeFactor", "tau_e", self.tau_e, allow_zero=False)
        _positive("ThreeFactor", "lr", self.lr)
        check_finite("ThreeFactor.baseline", self.baseline)
        check_finite("ThreeFactor.drift", self.drift)
        if self.every is not None:
            _positive("ThreeFactor", "every", self.every, allow_zero=False)
        _bounds("ThreeFactor", self.w_min, self.w_max)
        _choice("ThreeFactor", "integration", self.integration, INTEGRATIONS)
        if self.integration == "exact":
            if self.every is not None:
                raise SpecError(f"ThreeFactor: every={self.every} must be None with integration='exact' "
                                "(it integrates every step)")
            if self.modulator is not None and self.modulator.relax:
                raise SpecError(f"ThreeFactor: modulator {self.modulator.name!r} is an astrocyte (it relaxes to a "
                                "bias); integration='exact' needs an exponentially decaying or a signal modulator")

    @property
    def pre_taus(self) -> tuple[float, ...]:
        return self.hebbian.pre_taus

    @property
    def post_taus(self) -> tuple[float, ...]:
        return self.hebbian.post_taus

    @property
    def pairing(self) -> str:
        return self.hebbian.pairing

    def depression(self, xp, w, pre, post):
        return self.hebbian.depression(xp, w, pre, post)

    def potentiation(self, xp, w, pre, post):
        return self.hebbian.potentiation(xp, w, pre, post)

    def factors(self, period: float) -> tuple[float, float, float]:
        """``(e_decay, g_base, g_mod)`` of the update applied every ``period`` ms: e is multiplied
        by ``e_decay``; ``w`` gains ``lr * e * (baseline * g_base + M * g_mod)``. Euler: the
        gains are 1. Exact: ``g = tau * (1 - exp(-period/tau))`` (ms), the integral over the
        period of e's decay (``tau = tau_e``) or of the product of e's and M's decays
        (``1/tau = 1/tau_e + 1/tau_M``; a signal M or ``tau_M = inf`` gives ``tau = tau_e``)."""
        e_decay = math.exp(-period / self.tau_e)
        if self.integration == "euler":
            return e_decay, 1.0, 1.0
        tau_m = math.inf if self.modulator is None or self.modulator.signal is not None else self.modulator.tau
        tau = 1.0 / (1.0 / self.tau_e + 1.0 / tau_m)
        return e_decay, -self.tau_e * math.expm1(-period / self.tau_e), -tau * math.expm1(-period / tau)

    def update(self, xp, w, e, m, e_decay: float, gains: tuple[float, float] = (1.0, 1.0)):
        """The periodic update (``gains = (g_base, g_mod)`` from :meth:`factors`): returns (w, e)."""
        dw = self.lr * (self.baseline * gains[0] + m * gains[1]) * e + self.drift
        return xp.clip(w + dw, self.w_min, self.w_max), e * e_decay


def spnet_stdp(w_max: float = 10.0, modulator: Modulator | None = None) -> ThreeFactor:
    """Izhikevich 2006 (spnet) plasticity, dt = 1 ms: traces 0.1 (LTP) and 0.12 (LTD) that
    reset on a spike and decay x0.95 per ms accumulate into ``sd``; once per second
    ``s <- clip(s + 0.01 + sd, 0, w_max)`` and ``sd <- 0.9 sd``."""
    tau = -1.0 / math.log(0.95)
    hebb = STDP(a_plus=0.1, a_minus=0.12, tau_pre=tau, tau_post=tau, w_min=0.0, w_max=w_max, pairing="nearest")
    return ThreeFactor(hebb, modulator, tau_e=-1000.0 / math.log(0.9), every=1000.0, lr=1.0, baseline=1.0,
                       drift=0.01, w_min=0.0, w_max=w_max)


def da_stdp(modulator: Modulator, w_max: float = 4.0) -> ThreeFactor:
    """Izhikevich 2007 dopamine-modulated STDP (daspnet), dt = 1 ms: the same traces as spnet
    (0.1, x0.95 per ms, LTD factor 1.5) accumulate into the eligibility ``sd``; every 10 ms
    ``s <- clip(s + (0.002 + DA) * sd, 0, w_max)`` and ``sd <- 0.99 sd``. ``modulator`` is
    the dopamine DA (``net.add_modulator("DA", tau=-1/ln(0.995))`` decays x0.995 per ms)."""
    tau = -1.0 / math.log(0.95)
    hebb = STDP(a_plus=0.1, a_minus=0.15, tau_pre=tau, tau_post=tau, w_min=0.0, w_max=w_max, pairing="nearest")
    return ThreeFactor(hebb, modulator, tau_e=-10.0 / math.log(0.99), every=10.0, lr=1.0, baseline=0.002,
                       w_min=0.0, w_max=w_max)


RULE_TYPES = (STDP, TripletSTDP, ThreeFactor)


def check_rule(rule, where: str) -> None:
    """Raise SpecError unless ``rule`` is a plasticity rule."""
    if not isinstance(rule, RULE_TYPES):
        raise SpecError(f"{where}: plasticity={rule!r} is not a plasticity rule "
                        f"({', '.join(t.__name__ for t in RULE_TYPES)})")


def pair_window(rule: STDP, dt_ms: np.ndarray) -> np.ndarray:
    """The closed-form pair window of an additive :class:`STDP` rule: the weight change of one
    pre/post pair with ``dt_ms = t_post - t_pre`` (ms), far from the bounds."""
    dt_ms = np.asarray(dt_ms, dtype=float)
    return np.where(dt_ms >= 0, rule.a_plus * np.exp(-dt_ms / rule.tau_pre), -rule.a_minus * np.exp(dt_ms / rule.tau_post))
