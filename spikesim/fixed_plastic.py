"""Fixed-point rules of on-chip learning beyond pair STDP (numpy only, never jax).

The integer semantics of the three-factor rule, of the one global modulator and of the
astrocyte-scaled depression, written once for ``backends/jax_fixed.py`` (``xp = jax.numpy``)
and implemented line by line by ``hdl/rtl/ss_stdp.v`` / ``ss_mod.v``. Conventions as in
:mod:`spikesim.fixed`: statements in int64, clamped to 32 bits, a clamp that changes a used
value is a counted saturation; ``mul_shift`` rounds towards -inf. ``docs/fixed_point.md``
works through examples.

Formats
-------
=====================  ==========  ===========================================
quantity               format      unit / range
=====================  ==========  ===========================================
eligibility e          Q8.24       32 bits, the weight's unit; +-128, LSB 6e-8
modulator M, register  Q8.24       32 bits (``fixed.COEF``), dimensionless; +-128
M's decay, bias, gains Q8.24       exp(-dt/tau) (2**24 for tau = inf); per step; per spike
lr, lr * baseline      Q8.24       1 / (ms of ``every``) as the float rule
e decay per period     Q8.24       exp(-every/tau_e)
drift                  Q8.16       the weight's unit
=====================  ==========  ===========================================

The modulator (one per design)
------------------------------
The register ``R`` holds M between steps (what the host reads and writes: AXI ``MODULATOR``).
A reward of ``amount`` delivered at step s is the host's ``R = sat(R + q(amount))`` between
step s - 1 and step s (:func:`add_reward`; the host's clamp is not a core saturation). In step s,
after the push, with ``c_k`` the spikes of source k in the step (:func:`modulator_step`)::

    M  = clamp(R + sum_k gain_k * c_k)            # the M of step s, read by the plasticity
    R' = clamp(mul_shift(M, dec, 24) + bias)      # decayed for the next step

This is the float rule ``M_s = decay * M_{s-1} + bias + rewards_s + sum gain * spikes_s`` with
``R = decay * M_{s-1} + bias``: a reward is added undecayed, exactly as in the float backend. A
dynamic modulator has ``dec = q(exp(-dt/tau))``, ``bias = 0``, one source (``per_spike``); an
astrocyte ``dec = q(1 - dt/tau)``, ``bias = q(dt/tau * bias)`` and two sources (liquid: ``+dt/tau *
w_astro``, inputs: ``-dt/tau * w_astro``).

Three-factor (``ThreeFactor`` over a pair ``STDP``, Euler, every P steps)
--------------------------------------------------------------------------
Pre/post events add the pair-STDP amounts, in Q8.24 (:func:`elig_amount`: ``mul_shift(trace, a,
24)``, multiplicative ``mul_shift(mul_shift(trace, a, 24), span, 16)`` with the current w's span
in Q8.16), to ``e`` instead of ``w``: ``e = clamp(e -/+ amount)`` (no bounds; a clamp is a
saturation). At the end of every step t with ``(t + 1) % P == 0``
(:func:`three_factor_gain`, :func:`three_factor_update`)::

    g  = clamp(q(lr * baseline) + mul_shift(M, q(lr), 24))          # Q8.24
    w  = clip(w + mul_round(e, g, 32) + drift, w_min, w_max)          # Q8.24 x Q8.24 -> Q8.16
    e  = mul_trunc(e, q(exp(-every / tau_e)), 24)

The two roundings differ from ``mul_shift`` on purpose: ``mul_round`` (to nearest, ties up)
makes a weight change that is a fraction of an LSB unbiased, and ``mul_trunc`` (towards 0) lets
e decay to exactly 0 from both sides. With the floor, an e of -1 LSB would never decay and would
remove one weight LSB at every update for ever (1.5e-5 per 10 ms: 5.5 weight units per hour of
DA-STDP).

Astrocyte-scaled STDP (``STDP(modulator=A)``)
---------------------------------------------
The depression rate of step s is ``a = clamp(mul_shift(a_minus, M, 24))`` (:func:`scaled_rate`),
then the pair-STDP depression uses ``a`` in place of ``a_minus``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import fixed as F
from .plan import Plan
from .plasticity import STDP, ThreeFactor
from .values import SpecError

E_FMT = F.COEF
"""Eligibility traces: Q8.24 (32 bits), the weight's unit. 24 fractional bits: DA-STDP's e is often a few
hundredths, which Q8.16 would hold to ~1e-3 relative only (and its decay per period to ~20 %)."""
MOD_FMT = F.COEF
"""Modulator M and its register: Q8.24 (32 bits)."""


def mul_round(xp, x, c, shift: int):
    """``(x * c + 2^(shift-1)) >> shift`` in int64: multiply by a Q.shift constant, round to nearest (ties up)."""
    return (xp.asarray(x, xp.int64) * xp.asarray(c, xp.int64) + (1 << (shift - 1))) >> shift


def mul_trunc(xp, x, c, shift: int):
    """``x * c / 2^shift`` in int64 rounded towards 0 (a decay by it reaches exactly 0 from both sides)."""
    p = xp.asarray(x, xp.int64) * xp.asarray(c, xp.int64)
    return xp.where(p < 0, -((-p) >> shift), p >> shift)


# ------------------------------------------------------------------------- the modulator
@dataclass(frozen=True)
class FixedModulator:
    """The one quantised modulator of a design. ``dec``, ``bias``, ``gains``: Q8.24; ``init``: the
    register before the first step (Q8.24, ``q(decay * initial + bias)``); ``sources``: (plan
    population, tuple of indices) of each gain."""

    name: str
    index: int  # in plan.modulators
    dec: int
    bias: int
    gains: tuple[int, ...]
    sources: tuple[tuple[int, tuple[int, ...]], ...]
    init: int


def modulator_step(xp, m: FixedModulator, reg, counts, n):
    """One step: ``M = clamp(R + sum gain_k * counts_k)``, ``R' = clamp(mul_shift(M, dec, 24) + bias)``.
    ``counts``: the spikes of each source in this step. Returns ``(M, R', n + saturations)``."""
    acc = xp.asarray(reg, xp.int64)
    for g, c in zip(m.gains, counts):
        acc = acc + g * xp.asarray(c, xp.int64)
    mval, n = F.clamp(xp, acc, n)
    reg2, n = F.clamp(xp, F.mul_shift(xp, mval, m.dec, F.C_FRAC) + m.bias, n)
    return mval, reg2, n


def add_reward(reg: int, q: int) -> int:
    """The host's reward: ``R = sat(R + q)`` (a read-modify-write of MODULATOR, saturating)."""
    return int(min(max(int(reg) + int(q), F.STATE_MIN), F.STATE_MAX))


def quantize_reward(name: str, amount: float) -> int:
    """A reward amount in Q8.24 (SpecError naming the modulator when out of range)."""
    return int(F.quantize(amount, MOD_FMT, f"reward to modulator {name!r}: amount"))


def quantize_modulators(plan: Plan, rep: F.QuantizationReport) -> FixedModulator | None:
    """Quantise the plan's modulator (at most one, global, dynamic or astrocyte); SpecError otherwise."""
    mods = plan.modulators
    if not mods:
        return None
    if len(mods) > 1:
        raise SpecError(f"fixed point (backend 'jax_fixed' and the Verilog backend) runs one modulator per design; "
                        f"this network has {len(mods)}: {[m.name for m in mods]}")
    k, m = 0, mods[0]
    if m.kind != "dynamic":
        raise SpecError(f"modulator {m.name!r}: a {m.kind} signal modulator is not supported in fixed point (backend "
                        "'jax_fixed' and the Verilog backend); use a dynamic one (add_modulator(tau=, source=, "
                        "per_spike=) and net.reward) or an astrocyte")
    if m.size != 1:
        raise SpecError(f"modulator {m.name!r}: a per-neuron modulator (size={m.size}) is not supported in fixed "
                        "point; the chip has one global modulator")
    if len(m.sources) > 2:
        raise SpecError(f"modulator {m.name!r}: {len(m.sources)} spike sources; fixed point counts at most 2")
    where = f"modulator {m.name!r}"
    q = {"dec": int(F.quantize(m.decay, F.COEF, f"{where}: decay")),
         "bias": int(F.quantize(m.bias, F.COEF, f"{where}: bias per step")),
         "init": int(F.quantize(m.decay * m.initial + m.bias, F.COEF, f"{where}: initial value"))}
    rep.add(f"{m.name}.decay", m.decay, q["dec"], F.COEF)
    rep.add(f"{m.name}.bias", m.bias, q["bias"], F.COEF)
    rep.add(f"{m.name}.init", m.decay * m.initial + m.bias, q["init"], F.COEF)
    gains = []
    for j, (_pop, _idx, g) in enumerate(m.sources):
        gains.append(int(F.quantize(g, F.COEF, f"{where}: gain per spike of source {j}")))
        rep.add(f"{m.name}.gain[{j}]", g, gains[-1], F.COEF)
    sources = tuple((int(p), tuple(int(i) for i in np.asarray(idx))) for p, idx, _g in m.sources)
    return FixedModulator(m.name, k, q["dec"], q["bias"], tuple(gains), sources, q["init"])


# ------------------------------------------------------------------------- three-factor
@dataclass(frozen=True)
class FixedThreeFactor:
    """A quantised Euler ThreeFactor rule over a pair STDP (``stdp``: its Hebbian part, whose
    bounds are unused). ``e_dec``, ``lr``, ``lrb`` (lr * baseline): Q8.24; ``drift``, ``w_min``,
    ``w_max``: Q8.16; ``every``: steps between periodic updates."""

    stdp: F.FixedSTDP
    e_dec: int
    lr: int
    lrb: int
    drift: int
    w_min: int
    w_max: int
    every: int


def elig_amount(xp, a, trace, span=None):
    """An eligibility change in Q8.24: additive ``mul_shift(trace, a, 24)``; multiplicative
    ``mul_shift(mul_shift(trace, a, 24), span, 16)`` (span: Q8.16 distance to the bound). Floor."""
    amount = F.mul_shift(xp, trace, a, F.C_FRAC)
    return amount if span is None else F.mul_shift(xp, amount, span, F.V_FRAC)


def elig_event(xp, r: F.FixedSTDP, a, w, e, trace, n, mask, pot: bool):
    """A pre event (``pot=False``: ``e = clamp(e - amount(a, trace))``) or a post event
    (``e = clamp(e + amount(a, trace))``) of a three-factor rule; the multiplicative span uses the
    current w (``w - w_min`` / ``w_max - w``). Returns ``(e, n + saturations where mask)``."""
    w = xp.asarray(w, xp.int64)
    span = None
    if r.multiplicative:
        span = (r.w_max - w) if pot else (w - r.w_min)
    amount = elig_amount(xp, a, trace, span)
    e = xp.asarray(e, xp.int64)
    return F.clamp(xp, e + amount if pot else e - amount, n, mask)


def three_factor_gain(xp, r: FixedThreeFactor, m, n):
    """``g = clamp(lrb + mul_shift(M, lr, 24))`` (Q8.24): lr * (baseline + M). Returns (g, n)."""
    return F.clamp(xp, r.lrb + F.mul_shift(xp, m, r.lr, F.C_FRAC), n)


def three_factor_update(xp, r: FixedThreeFactor, w, e, g):
    """The periodic update: ``w = clip(w + mul_round(e, g, 32) + drift, w_min, w_max)``,
    ``e = mul_trunc(e, e_dec, 24)``. Returns (w, e) as int64 (no saturation possible)."""
    dw = mul_round(xp, e, g, 2 * F.C_FRAC - F.V_FRAC) + r.drift
    w = xp.clip(xp.asarray(w, xp.int64) + dw, r.w_min, r.w_max)
    return w, mul_trunc(xp, e, r.e_dec, F.C_FRAC)


def scaled_rate(xp, a_minus: int, m, n):
    """The astrocyte-scaled depression rate ``clamp(mul_shift(a_minus, M, 24))`` (Q8.24). Returns (a, n)."""
    return F.clamp(xp, F.mul_shift(xp, a_minus, m, F.C_FRAC), n)


def quantize_rule(name: str, rule, dt: float, every_steps: int, rep: F.QuantizationReport) -> F.FixedSTDP | FixedThreeFactor:
    """Quantise a plastic projection's rule: pair STDP (optionally with a modulator scaling its depression)
    or an Euler ThreeFactor over a pair STDP. Anything else raises SpecError naming the rule."""
    where = f"projection {name!r}"
    if isinstance(rule, STDP):
        return _quantize_pair(name, rule, dt, rep, allow_modulator=True)
    if not isinstance(rule, ThreeFactor):
        raise SpecError(f"{where}: plasticity ({type(rule).__name__}) is not supported in fixed point (backend "
                        "'jax_fixed' and the Verilog backend support pair STDP, astrocyte-modulated STDP and "
                        "ThreeFactor over pair STDP; triplet rules are not available on chip)")
    if not isinstance(rule.hebbian, STDP):
        raise SpecError(f"{where}: ThreeFactor hebbian={type(rule.hebbian).__name__} is not supported in fixed "
                        "point (the eligibility is filled by a pair STDP rule only)")
    if rule.integration != "euler":
        raise SpecError(f"{where}: ThreeFactor integration={rule.integration!r} is not supported in fixed point "
                        "(use integration='euler')")
    hebb = _quantize_pair(name, rule.hebbian, dt, rep, allow_modulator=False)
    every = every_steps * dt
    vals = {"e_dec": math.exp(-every / rule.tau_e), "lr": rule.lr, "lrb": rule.lr * rule.baseline}
    q = {k: int(F.quantize(v, F.COEF, f"{where}: ThreeFactor {k}")) for k, v in vals.items()}
    for k, v in vals.items():
        rep.add(f"{name}.three_factor.{k}", v, q[k], F.COEF)
    for k in ("drift", "w_min", "w_max"):
        q[k] = int(F.quantize(getattr(rule, k), F.WEIGHT, f"{where}: ThreeFactor {k}"))
        rep.add(f"{name}.three_factor.{k}", getattr(rule, k), q[k], F.WEIGHT)
    return FixedThreeFactor(hebb, every=int(every_steps), **q)


def _quantize_pair(name: str, rule: STDP, dt: float, rep: F.QuantizationReport, allow_modulator: bool) -> F.FixedSTDP:
    if rule.modulator is not None and not allow_modulator:
        raise SpecError(f"projection {name!r}: a modulated STDP (modulator={rule.modulator.name!r}) as the hebbian "
                        "part of a ThreeFactor rule is not supported in fixed point")
    vals = {"a_plus": rule.sign * rule.a_plus, "a_minus": rule.sign * rule.a_minus,
            "dec_pre": np.exp(-dt / rule.tau_pre), "dec_post": np.exp(-dt / rule.tau_post)}
    q = {k: int(F.quantize(v, F.COEF, f"projection {name!r}: STDP {k}")) for k, v in vals.items()}
    for k, v in vals.items():
        rep.add(f"{name}.stdp.{k}", v, q[k], F.COEF)
    for k in ("w_min", "w_max"):
        q[k] = int(F.quantize(getattr(rule, k), F.WEIGHT, f"projection {name!r}: STDP {k}"))
        rep.add(f"{name}.stdp.{k}", getattr(rule, k), q[k], F.WEIGHT)
    return F.FixedSTDP(rule.pairing, rule.dependence == "multiplicative", **q, scaled=rule.modulator is not None)
