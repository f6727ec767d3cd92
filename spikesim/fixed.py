"""Fixed-point semantics: the single source of the integer rules (numpy only, never jax).

Every rule is a small pure function of an array namespace ``xp`` (``numpy`` or
``jax.numpy``): the JAX fixed backend (``backends/jax_fixed.py``) calls these very
functions, the RTL (``hdl/rtl/``) implements them line by line, and
``docs/fixed_point.md`` works through examples. Under JAX the functions must run
inside ``jax.enable_x64(True)`` (they compute in int64).

Formats (``Qi.f``: i integer bits including the sign, f fractional bits)
-------------------------------------------------------------------------
=====================  ==========  ===========================================
quantity               format      unit / range
=====================  ==========  ===========================================
v, u, thresholds       Q16.16      mV; ±32768 mV, LSB 2^-16 mV = 15.3 nV
synaptic currents I_k  Q16.16      the model's current (LIF: mV, Izhikevich: mV/ms)
ring entries           Q16.16      summed weights arriving at one step
external currents      Q16.16      as the synaptic currents
weights                Q8.16       24 bits: ±128 in the synapse's unit
coefficients           Q8.24       32 bits: decays exp(-dt/tau), LIF kappa, dt, a*dt, b
refractory count       integer     steps
STDP traces x, y       Q8.24       32 bits, dimensionless, 0 .. 128
STDP rates a+, a-      Q8.24       32 bits, signed (``sign`` folded in); weight unit (additive)
                                   or per unit of weight (multiplicative)
STDP bounds            Q8.16       as the weights
=====================  ==========  ===========================================

Rules
-----
* **Quantisation** of a float parameter: ``round(x * 2^f)``, rounding half to even
  (``numpy.rint``); a value outside the format raises :class:`~spikesim.SpecError`.
* **Multiply by a coefficient**: ``mul_shift(x, c, s) = (x * c) >> s`` computed
  exactly in 64 bits; ``>>`` is the arithmetic shift, i.e. rounding towards -inf.
* **Statements**: every statement of the step functions below is evaluated exactly in
  64-bit integers and then clamped to the 32-bit state range (``clamp``). A clamp
  that changes a value is a *saturation*; saturations are counted (only where the
  result is used: a refractory LIF neuron's discarded integration counts nothing).
* **Threshold**: ``v >= v_thresh`` (Izhikevich: ``v >= v_peak``).
* **Ring**: weights are summed into the delay ring with plain 32-bit adds. Lowering
  proves that they cannot overflow (the summed |weights| onto one neuron and channel
  must fit the ring), so the order of the additions never matters.

The step order is that of the float backend: deliver (ring row into channels) →
integrate → threshold → reset/refractory → push → plasticity.

Pair STDP (``STDP``, additive or multiplicative, pairing "all" or "nearest"): traces decay
by ``mul_shift(x, q(exp(-dt/tau)), 24)`` (a Q8.24 multiply rounded towards -inf, not a
shift: a shift could only express tau/dt = 1/(1 - 2^-k)); a spike adds ``1.0`` (clamped;
counted once per plastic projection whose synapses read the trace, :func:`trace_used`) or sets
the trace to ``1.0``; a weight change is ``mul_shift(x, a, 32)`` (additive,
Q8.24 x Q8.24 -> Q8.16) or ``mul_shift(mul_shift(x, a, 24), span, 24)`` (multiplicative, span
= w_max - w or w - w_min), then the weight is clipped to [w_min, w_max] (hard bounds, not a
saturation). See :func:`stdp_depress`, :func:`stdp_potentiate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .plan import Plan
from .values import SpecError

V_FRAC = 16
"""Fractional bits of voltages, currents, weights and ring entries (Q16.16 / Q8.16)."""
C_FRAC = 24
"""Fractional bits of coefficients (Q8.24)."""
STATE_BITS = 32
"""Width of every state variable, ring entry and intermediate statement result."""
WEIGHT_BITS = 24
"""Width of a stored weight (Q8.16)."""
COEF_BITS = 32
"""Width of a stored coefficient (Q8.24)."""

STATE_MIN, STATE_MAX = -(1 << (STATE_BITS - 1)), (1 << (STATE_BITS - 1)) - 1

# Izhikevich constants: 0.04 (Q8.24), 5 and 140 (Q16.16)
IZH_C04 = int(np.rint(0.04 * 2**C_FRAC))
IZH_FIVE = 5 << V_FRAC
IZH_C140 = 140 << V_FRAC


@dataclass(frozen=True)
class QFormat:
    """A signed fixed-point format: ``bits`` in total, ``frac`` of them fractional."""

    bits: int
    frac: int

    @property
    def lo(self) -> int:
        return -(1 << (self.bits - 1))

    @property
    def hi(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def lsb(self) -> float:
        """The value of one LSB in the quantity's unit."""
        return 2.0 ** -self.frac

    def __str__(self) -> str:
        return f"Q{self.bits - self.frac}.{self.frac}"


VALUE = QFormat(STATE_BITS, V_FRAC)
WEIGHT = QFormat(WEIGHT_BITS, V_FRAC)
COEF = QFormat(COEF_BITS, C_FRAC)
TRACE = QFormat(STATE_BITS, C_FRAC)
"""STDP traces (Q8.24): 1.0 is ``TRACE_ONE``; a trace is never negative."""
TRACE_ONE = 1 << C_FRAC


def quantize(x, fmt: QFormat, what: str) -> np.ndarray:
    """``round_half_even(x * 2^frac)`` as int64; raises SpecError naming ``what`` when out of range."""
    x = np.asarray(x, dtype=np.float64)
    q = np.rint(x * 2.0**fmt.frac)
    bad = np.flatnonzero((q < fmt.lo) | (q > fmt.hi))
    if bad.size:
        i = int(bad[0])
        raise SpecError(f"{what}={x.ravel()[i]:g} is outside the fixed-point format {fmt} "
                        f"(range {fmt.lo * fmt.lsb:g} .. {fmt.hi * fmt.lsb:g})")
    return q.astype(np.int64)


def to_float(q, fmt: QFormat = VALUE) -> np.ndarray:
    """The float64 value of integers ``q`` in format ``fmt``."""
    return np.asarray(q, dtype=np.float64) * fmt.lsb


# ----------------------------------------------------------------------------- the rules
def mul_shift(xp, x, c, shift: int):
    """``(x * c) >> shift`` in int64: multiply by a Q.shift constant, round towards -inf."""
    return (xp.asarray(x, xp.int64) * xp.asarray(c, xp.int64)) >> shift


def clamp(xp, x, n, mask=None):
    """Clamp the exact (int64) result ``x`` of a statement to the 32-bit state range.

    Returns ``(clamped, n + saturations)``; a saturation is an element that changed
    (counted only where ``mask`` is true, when given)."""
    y = xp.clip(x, STATE_MIN, STATE_MAX)
    hit = y != x
    if mask is not None:
        hit = hit & mask
    return y, n + xp.sum(hit.astype(xp.int64))


def deliver(xp, kinds: tuple[str, ...], st: dict, rows: list, n, gated: bool):
    """Phase 1: add the ring row due now to the channels. ``kinds[k]`` is the kind of
    channel k ("current", "delta", "pulse"). Delta inputs reach v only if ``refr == 0``
    (the count of the previous step) when ``gated``. Returns ``(state, pulse, n)``; the
    pulse is the summed CurrentPulse input of this step (a plain sum: the ring is exact)."""
    st = {**st, "syn": list(st["syn"])}
    pulse = xp.zeros_like(st["v"])
    for k, kind in enumerate(kinds):
        if kind == "current":
            st["syn"][k], n = clamp(xp, st["syn"][k] + rows[k], n)
        elif kind == "delta":
            if gated:
                open_ = st["refr"] == 0
                v, n = clamp(xp, st["v"] + rows[k], n, open_)
                st["v"] = xp.where(open_, v, st["v"])
            else:
                st["v"], n = clamp(xp, st["v"] + rows[k], n)
        else:
            pulse = pulse + rows[k]
    return st, pulse, n


def decay_channels(xp, kinds: tuple[str, ...], syn: list, adec: list) -> list:
    """Synaptic currents decay by ``mul_shift(I, round(exp(-dt/tau) * 2^24), 24)`` (no clamp needed)."""
    return [mul_shift(xp, s, a, C_FRAC) if kind == "current" else s for s, a, kind in zip(syn, adec, kinds)]


def lif_advance(xp, c: dict, kinds: tuple[str, ...], st: dict, i_in, n):
    """Phases 2-3 of a LIF population. ``c``: quantised coefficients (int64 arrays):
    am (Q.24 exp(-dt/tau_m)), drive (Q.16 v_rest + i_offset), kappa[k], adec[k] (Q.24),
    v_thresh, v_reset (Q.16), ref (steps). ``i_in``: external + pulse current (Q.16).

    ``refr = max(refr - 1, 0)``; a neuron with refr == 0 is active and integrates:
    ``drive = clamp(c.drive + i_in)``,
    ``v' = clamp(drive + mul_shift(v - drive, am) + sum_k mul_shift(I_k, kappa_k))``;
    spike if active and ``v' >= v_thresh``; then ``v = v_reset``, ``refr = max(ref, 1)``.
    Returns ``(state, spiked, n)``."""
    refr = xp.maximum(st["refr"] - 1, 0)
    active = refr == 0
    drive, n = clamp(xp, c["drive"] + i_in, n, active)
    acc = drive + mul_shift(xp, st["v"] - drive, c["am"], C_FRAC)
    for k, kind in enumerate(kinds):
        if kind == "current":
            acc = acc + mul_shift(xp, st["syn"][k], c["kappa"][k], C_FRAC)
    v_new, n = clamp(xp, acc, n, active)
    v_new = xp.where(active, v_new, st["v"])
    spiked = active & (v_new >= c["v_thresh"])
    out = {"v": xp.where(spiked, c["v_reset"], v_new),
           "refr": xp.where(spiked, xp.maximum(c["ref"], 1), refr),
           "syn": decay_channels(xp, kinds, st["syn"], c["adec"])}
    return out, spiked, n


def izh_rhs(xp, v, u, i_tot, n):
    """``clamp(clamp(mul_shift(mul_shift(v, 0.04) + 5, v, 16)) + 140 - u + I)``: the
    Izhikevich right-hand side (0.04 v + 5) v + 140 - u + I in Q16.16 (mV/ms)."""
    t1 = mul_shift(xp, v, IZH_C04, C_FRAC) + IZH_FIVE
    t2, n = clamp(xp, mul_shift(xp, t1, v, V_FRAC), n)
    return clamp(xp, t2 + IZH_C140 - u + i_tot, n)


def izh_advance(xp, c: dict, kinds: tuple[str, ...], st: dict, i_in, n, netm: bool):
    """Phases 2-3 of an Izhikevich population. ``c``: dtv (Q.24: dt, or dt/2 for netm),
    adt (Q.24 a*dt), b (Q.24), c, d, i_offset, v_peak (Q.16), adec[k] (Q.24).

    ``I = clamp(i_offset + i_in + sum_k I_k)``; Euler: ``v' = clamp(v + mul_shift(rhs(v), dtv))``
    and u uses the old v; netm: two such half-steps, u uses the new v:
    ``u' = clamp(u + mul_shift(clamp(mul_shift(v, b) - u), adt))``. Spike if ``v' >= v_peak``;
    then ``v = c``, ``u = clamp(u' + d)``. Returns ``(state, spiked, n)``."""
    i_tot = c["i_offset"] + i_in
    for k, kind in enumerate(kinds):
        if kind == "current":
            i_tot = i_tot + st["syn"][k]
    i_tot, n = clamp(xp, i_tot, n)
    v, u = st["v"], st["u"]
    v1 = v
    for _ in range(2 if netm else 1):
        rhs, n = izh_rhs(xp, v1, u, i_tot, n)
        v1, n = clamp(xp, v1 + mul_shift(xp, rhs, c["dtv"], C_FRAC), n)
    w, n = clamp(xp, mul_shift(xp, v1 if netm else v, c["b"], C_FRAC) - u, n)
    u1, n = clamp(xp, u + mul_shift(xp, w, c["adt"], C_FRAC), n)
    spiked = v1 >= c["v_peak"]
    ud, n = clamp(xp, u1 + c["d"], n, spiked)
    out = {"v": xp.where(spiked, c["c"], v1), "u": xp.where(spiked, ud, u1),
           "syn": decay_channels(xp, kinds, st["syn"], c["adec"])}
    return out, spiked, n


# ------------------------------------------------------------------------ pair STDP
@dataclass(frozen=True)
class FixedSTDP:
    """A quantised pair-STDP rule. ``a_plus``/``a_minus``: Q8.24, signed (the rule's ``sign``
    folded in); ``w_min``/``w_max``: Q8.16; ``dec_pre``/``dec_post``: Q8.24 exp(-dt/tau)."""

    pairing: str
    multiplicative: bool
    a_plus: int
    a_minus: int
    w_min: int
    w_max: int
    dec_pre: int
    dec_post: int
    scaled: bool = False  # the depression rate is scaled by the modulator (fixed_plastic.scaled_rate)


def trace_decay(xp, x, dec: int):
    """A trace one step later, before any spike: ``mul_shift(x, dec, 24)`` (floor; x >= 0, no clamp)."""
    return mul_shift(xp, x, dec, C_FRAC)


def trace_jump(xp, before, spiked, pairing: str, n=0, count: bool = True, used=None):
    """The trace after this step's spikes: ``clamp(before + 1.0)`` ("all") or ``1.0`` ("nearest").

    Returns ``(trace, n + saturations)``: a clamp is a saturation (the trace left Q8.24), counted
    only when ``count`` and only for the traces that are ``used`` (bool mask, see :func:`trace_used`;
    default: all). "nearest" never clamps."""
    if pairing == "nearest":
        return xp.where(spiked, TRACE_ONE, before), n
    mask = spiked if used is None else spiked & used
    return clamp(xp, before + xp.where(spiked, TRACE_ONE, 0), n, mask if count else None)


def trace_used(n_pre: int, n_post: int, pre_idx, post_idx) -> tuple[np.ndarray, np.ndarray]:
    """The traces of a plastic projection whose value a weight update can read: the pre trace of
    every presynaptic index with at least one synapse, the post trace of every postsynaptic index
    with at least one synapse. Only their clamps count as saturations (bool masks of n_pre, n_post)."""
    pre = np.zeros(n_pre, bool)
    post = np.zeros(n_post, bool)
    pre[np.asarray(pre_idx, np.int64)] = True
    post[np.asarray(post_idx, np.int64)] = True
    return pre, post


def stdp_amount(xp, a, trace, span=None):
    """A weight change in Q8.16: additive ``mul_shift(trace, a, 32)`` (Q8.24 x Q8.24 -> Q8.16);
    multiplicative ``mul_shift(mul_shift(trace, a, 24), span, 24)`` with span (Q8.16) = the
    distance to the bound. Both round towards -inf."""
    if span is None:
        return mul_shift(xp, trace, a, 2 * C_FRAC - V_FRAC)
    return mul_shift(xp, mul_shift(xp, trace, a, C_FRAC), span, C_FRAC)


def stdp_depress(xp, r: FixedSTDP, w, y):
    """A pre event: ``clip(w - amount(a_minus, y), w_min, w_max)``; ``y`` = the post trace
    (Q8.24) decayed to this step, before this step's post spikes."""
    span = (xp.asarray(w, xp.int64) - r.w_min) if r.multiplicative else None
    return xp.clip(xp.asarray(w, xp.int64) - stdp_amount(xp, r.a_minus, y, span), r.w_min, r.w_max)


def stdp_potentiate(xp, r: FixedSTDP, w, x):
    """A post event: ``clip(w + amount(a_plus, x), w_min, w_max)``; ``x`` = the pre trace at the
    emission step of the last spike that reached the synapse, after that step's jump."""
    span = (r.w_max - xp.asarray(w, xp.int64)) if r.multiplicative else None
    return xp.clip(xp.asarray(w, xp.int64) + stdp_amount(xp, r.a_plus, x, span), r.w_min, r.w_max)


def quantize_stdp(name: str, rule, dt: float, rep: QuantizationReport):
    """Quantise a plastic projection's rule (every step; see :func:`spikesim.fixed_plastic.quantize_rule`)."""
    from .fixed_plastic import quantize_rule

    return quantize_rule(name, rule, dt, 1, rep)


# ------------------------------------------------------------------------ quantisation
@dataclass
class QuantizationReport:
    """Worst-case absolute error of every quantised quantity, in its own unit.

    ``errors[name] = (max_abs_error, lsb)``; names look like ``"P.v_thresh"``,
    ``"P.coef.am"``, ``"P.init.v"`` or ``"E->P.weight"``."""

    errors: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, name: str, x, q, fmt: QFormat) -> None:
        x = np.asarray(x, dtype=np.float64)
        err = float(np.max(np.abs(to_float(q, fmt) - x))) if x.size else 0.0
        self.errors[name] = (err, fmt.lsb)

    def worst(self) -> tuple[str, float]:
        """The name and error of the quantity with the largest error relative to its LSB."""
        name = max(self.errors, key=lambda k: self.errors[k][0] / self.errors[k][1])
        return name, self.errors[name][0]

    def __str__(self) -> str:
        rows = [f"{'quantity':<32} {'max |error|':>12} {'LSB':>12}"]
        rows += [f"{k:<32} {e:12.4g} {lsb:12.4g}" for k, (e, lsb) in self.errors.items()]
        return "\n".join(rows)


@dataclass
class FixedPop:
    """The integer tables of one neuron population: coefficients, initial state, channel kinds."""

    kinds: tuple[str, ...]
    coef: dict
    init: dict


@dataclass
class FixedPlan:
    """A plan with every number quantised (int64 numpy arrays)."""

    plan: Plan
    pops: list[FixedPop | None]
    weights: dict[str, np.ndarray]  # projection name -> Q8.16 weights, plan order
    step_amps: dict[int, list[np.ndarray]]  # population -> per step current, Q16.16 amplitudes
    report: QuantizationReport
    rules: dict = field(default_factory=dict)  # plastic projection -> FixedSTDP / fixed_plastic.FixedThreeFactor
    modulator: object = None  # fixed_plastic.FixedModulator: the one modulator, or None


def channel_kinds(pop) -> tuple[str, ...]:
    """The kinds of a population's channels; conductance channels have no fixed-point form."""
    kinds = []
    for syn in pop.channels:
        if syn.kind == "conductance":
            raise SpecError(f"population {pop.name!r}: ExpConductance synapses are not supported in fixed point "
                            "(backend 'jax_fixed' and the Verilog backend); use ExpCurrent")
        kinds.append(syn.kind)
    return tuple(kinds)


def _lif_coef(name: str, p, kinds, c: dict, rep: QuantizationReport) -> dict:
    out = {"am": quantize(c["a_m"], COEF, f"{name}: exp(-dt/tau_m)"),
           "drive": quantize(p["v_rest"] + p["i_offset"], VALUE, f"{name}: v_rest + i_offset"),
           "v_thresh": quantize(p["v_thresh"], VALUE, f"{name}: v_thresh"),
           "v_reset": quantize(p["v_reset"], VALUE, f"{name}: v_reset"),
           "ref": np.asarray(c["ref_steps"], np.int64)}
    rep.add(f"{name}.coef.am", c["a_m"], out["am"], COEF)
    rep.add(f"{name}.v_rest+i_offset", p["v_rest"] + p["i_offset"], out["drive"], VALUE)
    rep.add(f"{name}.v_thresh", p["v_thresh"], out["v_thresh"], VALUE)
    rep.add(f"{name}.v_reset", p["v_reset"], out["v_reset"], VALUE)
    kappa = []
    for k, kind in enumerate(kinds):
        if kind == "current":
            kappa.append(quantize(np.broadcast_to(c["kappa"][k], p["v_rest"].shape), COEF, f"{name}: kappa[{k}]"))
            rep.add(f"{name}.coef.kappa[{k}]", c["kappa"][k], kappa[-1], COEF)
        else:
            kappa.append(None)
    out["kappa"] = kappa
    return out


def _izh_coef(name: str, p, dt: float, netm: bool, rep: QuantizationReport) -> dict:
    dtv = dt / 2 if netm else dt
    n = p["a"].size
    out = {"dtv": quantize(np.full(n, dtv), COEF, f"{name}: dt"),
           "adt": quantize(p["a"] * dt, COEF, f"{name}: a*dt"),
           "b": quantize(p["b"], COEF, f"{name}: b"),
           "c": quantize(p["c"], VALUE, f"{name}: c"),
           "d": quantize(p["d"], VALUE, f"{name}: d"),
           "i_offset": quantize(p["i_offset"], VALUE, f"{name}: i_offset"),
           "v_peak": quantize(p["v_peak"], VALUE, f"{name}: v_peak")}
    rep.add(f"{name}.coef.dt", np.full(n, dtv), out["dtv"], COEF)
    rep.add(f"{name}.coef.a*dt", p["a"] * dt, out["adt"], COEF)
    rep.add(f"{name}.coef.b", p["b"], out["b"], COEF)
    for k in ("c", "d", "i_offset", "v_peak"):
        rep.add(f"{name}.{k}", p[k], out[k], VALUE)
    return out


def quantize_plan(plan: Plan) -> FixedPlan:
    """Quantise every parameter, coefficient, initial value, weight and current of ``plan``.

    Raises SpecError naming the feature for what fixed point cannot express:
    ExpConductance synapses, values outside their format, weights whose sum onto
    one neuron could overflow the ring, plasticity other than pair STDP / ThreeFactor (see
    :mod:`spikesim.fixed_plastic`), signal or several modulators."""
    rep = QuantizationReport()
    pops: list[FixedPop | None] = []
    step_amps: dict[int, list[np.ndarray]] = {}
    for k, p in enumerate(plan.pops):
        if p.kind != "neurons":
            pops.append(None)
            continue
        kinds = channel_kinds(p)
        mname = type(p.model).__name__
        c = p.model.coefficients(p.params, p.channels, plan.dt)
        if mname == "LIF":
            coef = _lif_coef(p.name, p.params, kinds, c, rep)
        else:
            coef = _izh_coef(p.name, p.params, plan.dt, p.model.integrator == "netm", rep)
        adec = []
        for j, (syn, kind) in enumerate(zip(p.channels, kinds)):
            if kind == "current":
                a = np.full(p.n, np.exp(-plan.dt / syn.tau))
                adec.append(quantize(a, COEF, f"{p.name}: exp(-dt/tau) of channel {j}"))
                rep.add(f"{p.name}.coef.decay[{j}]", a, adec[-1], COEF)
            else:
                adec.append(None)
        coef["adec"] = adec
        init = {}
        for var in p.model.state_vars:
            init[var] = quantize(p.init[var], VALUE, f"{p.name}: initial {var}")
            rep.add(f"{p.name}.init.{var}", p.init[var], init[var], VALUE)
        init["syn"] = []
        for j, (syn, kind) in enumerate(zip(p.channels, kinds)):
            if kind == "current":
                x = p.init.get(getattr(syn, "name", None), np.zeros(p.n))
                init["syn"].append(quantize(x, VALUE, f"{p.name}: initial value of channel {j}"))
            else:
                init["syn"].append(None)
        pops.append(FixedPop(kinds, coef, init))
        amps = []
        bound = np.zeros(p.n)
        for j, cur in enumerate(p.step_currents):
            q = quantize(cur.amps, VALUE, f"{p.name}: step current amplitude")
            rep.add(f"{p.name}.step_current[{j}]", cur.amps, q, VALUE)
            amps.append(q)
            bound[cur.idx] += np.abs(q).max() if q.size else 0
        if bound.size and bound.max() > STATE_MAX // 2:
            raise SpecError(f"population {p.name!r}: the step currents sum beyond the fixed-point range {VALUE}")
        step_amps[k] = amps
    from .fixed_plastic import quantize_modulators, quantize_rule

    modulator = quantize_modulators(plan, rep)
    weights, rules = {}, {}
    for proj in plan.projs:
        if getattr(proj, "rule", None) is not None:
            rules[proj.name] = quantize_rule(proj.name, proj.rule, plan.dt, proj.every_steps, rep)
        w = quantize(proj.weight, WEIGHT, f"projection {proj.name!r}: weight")
        rep.add(f"{proj.name}.weight", proj.weight, w, WEIGHT)
        weights[proj.name] = w
    _check_ring(plan, weights, rules)
    return FixedPlan(plan, pops, weights, step_amps, rep, rules, modulator)


def _check_ring(plan: Plan, weights: dict[str, np.ndarray], rules: dict) -> None:
    """The summed |weight| onto one (neuron, channel) must fit a ring entry, so ring adds never overflow
    (a plastic weight counts as the larger |bound| of its rule)."""
    for k, p in enumerate(plan.pops):
        for ch in range(len(p.channels)):
            total = np.zeros(p.n)
            for proj in plan.projs:
                if proj.post == k and proj.channel == ch:
                    w = np.abs(weights[proj.name]).astype(np.float64)
                    if proj.name in rules:
                        w = np.full(w.shape, float(max(abs(rules[proj.name].w_min), abs(rules[proj.name].w_max))))
                    np.add.at(total, proj.post_idx, w)
            if total.size and total.max() > STATE_MAX:
                i = int(np.argmax(total))
                raise SpecError(f"population {p.name!r}, neuron {i}: the |weights| of its incoming synapses sum to "
                                f"{total[i] * VALUE.lsb:g}, more than a ring entry ({VALUE}) can hold")
