"""Plasticity for the JAX runner: per-neuron traces, event-driven weight updates, modulators.

Layout per plastic projection (numpy, built once from the plan and the fan-out slots):

* ``row_*`` (n_pre + 1, K_out): the projection's synapses by presynaptic neuron (CSR as a
  padded table): flat position of the weight in its source population's fan-out table
  (``weights[s].ravel()``), delay in steps, postsynaptic neuron, synapse id (plan order).
  The last row and the padding hold out-of-range positions, so updates to them are dropped.
* ``col_*`` (n_post + 1, K_in): the same synapses by postsynaptic neuron (the CSC index).

State per plastic projection: presynaptic traces as a history ring of depth D (the largest
delay): the value before the spike's jump and whether the neuron spiked, for each of the last
D steps, so that a synapse of delay d sees neuron i's trace at the emission step of the spike
that reaches it; postsynaptic traces (current value only); the eligibility trace ``e`` per
synapse (ThreeFactor).

One step (after the push): decay and record the traces; pre events (the rows whose spikes
arrive now, compacted into a buffer of S rows with an exact fallback over every row):
``w <- bound(w - depression)``; post events (the columns of the neurons that fired):
``w <- bound(w + potentiation)``; ThreeFactor's periodic update. The work per step is
(arriving spikes x fan-out) + (post spikes x fan-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..plan import Plan, ProjPlan
from ..plasticity import STDP, ThreeFactor, trace_jump


@dataclass(frozen=True)
class PlasticSpec:
    """Static facts about one plastic projection (hashable)."""

    name: str
    pre: int
    post: int
    group: int
    n_pre: int
    n_post: int
    n_syn: int
    depth: int
    delays: tuple[int, ...]
    rule: Any
    modulator: int | None
    every: int
    decays_pre: tuple[float, ...]
    decays_post: tuple[float, ...]
    e_decay: float


def build_plastic(plan: Plan, slots: dict, weight_sizes: dict) -> tuple[list[PlasticSpec], dict]:
    """The static specs and the numpy tables of every plastic projection."""
    specs, tables = [], {}
    for proj in plan.projs:
        if proj.rule is None:
            continue
        s, flat = slots[proj.name]
        oob = weight_sizes[s]
        n_pre, n_post = plan.pops[proj.pre].n, plan.pops[proj.post].n
        syn = np.arange(proj.n_synapses)
        row = _ell(proj.pre_idx, n_pre, [flat, proj.delay_steps, proj.post_idx, syn], [oob, 1, n_post, proj.n_synapses])
        col = _ell(proj.post_idx, n_post, [flat, proj.delay_steps, proj.pre_idx, syn], [oob, 1, n_pre, proj.n_synapses])
        tables[proj.name] = {"row_flat": row[0], "row_delay": row[1], "row_post": row[2], "row_syn": row[3],
                             "col_flat": col[0], "col_delay": col[1], "col_pre": col[2], "col_syn": col[3],
                             "syn_flat": flat.astype(np.int32), "syn_post": proj.post_idx.astype(np.int32)}
        specs.append(_spec(plan, proj, s))
    return specs, tables


def _spec(plan: Plan, proj: ProjPlan, group: int) -> PlasticSpec:
    rule, dt = proj.rule, plan.dt
    e_decay = float(np.exp(-proj.every_steps * dt / rule.tau_e)) if isinstance(rule, ThreeFactor) else 1.0
    delays = tuple(sorted({int(d) for d in np.unique(proj.delay_steps)})) or (1,)
    return PlasticSpec(proj.name, proj.pre, proj.post, group, plan.pops[proj.pre].n, plan.pops[proj.post].n,
                       proj.n_synapses, max(delays), delays, rule, proj.modulator, proj.every_steps,
                       tuple(float(np.exp(-dt / tau)) for tau in rule.pre_taus),
                       tuple(float(np.exp(-dt / tau)) for tau in rule.post_taus), e_decay)


def _ell(keys: np.ndarray, n: int, columns: list[np.ndarray], pads: list[int]) -> list[np.ndarray]:
    """Group ``columns`` by ``keys`` into padded (n + 1, K) int32 tables (stable order)."""
    counts = np.bincount(keys, minlength=n)
    k = max(1, int(counts.max()) if counts.size else 1)
    order = np.argsort(keys, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    pos = np.arange(keys.size) - starts[keys[order]]
    out = []
    for col, pad in zip(columns, pads):
        t = np.full((n + 1, k), pad, dtype=np.int64)
        t[keys[order], pos] = col[order]
        out.append(t.astype(np.int32))
    return out


def initial_state(ps: PlasticSpec, dtype) -> dict:
    st = {"hist_before": [jnp.zeros((ps.depth, ps.n_pre), dtype) for _ in ps.decays_pre],
          "hist_spiked": jnp.zeros((ps.depth, ps.n_pre), jnp.bool_),
          "pre": [jnp.zeros(ps.n_pre, dtype) for _ in ps.decays_pre],
          "post": [jnp.zeros(ps.n_post, dtype) for _ in ps.decays_post]}
    if isinstance(ps.rule, ThreeFactor):
        st["e"] = jnp.zeros(ps.n_syn, dtype)
    return st


def _gather(x, idx):
    return x.at[idx].get(mode="fill", fill_value=0)


def _select_rows(mask, size: int, fn, carry):
    """Apply ``fn(rows, carry)`` to the rows where ``mask`` holds: compacted into ``size`` rows,
    or every row when more are set (exact either way; padding rows index ``n``). Returns
    (carry, count)."""
    n = mask.shape[0]
    count = jnp.sum(mask, dtype=jnp.int32)
    every = jnp.arange(n, dtype=jnp.int32)
    if size >= n:
        return fn(every, carry), count
    compact = jnp.nonzero(mask, size=size, fill_value=n)[0].astype(jnp.int32)
    return jax.lax.cond(count > size, lambda c: fn(every, c), lambda c: fn(compact, c), carry), count


def step(ps: PlasticSpec, tab: dict, st: dict, weights, spk_pre, spk_post, t, modulator, on, sizes: tuple[int, int]):
    """One plasticity phase; returns (state, weights (flat), (pre count, post count))."""
    rule, depth = ps.rule, ps.depth
    dtype = weights.dtype
    slot = t % depth
    pre_before = [x * a for x, a in zip(st["pre"], ps.decays_pre)]
    post_before = [y * a for y, a in zip(st["post"], ps.decays_post)]
    hist_b = [h.at[slot].set(b) for h, b in zip(st["hist_before"], pre_before)]
    hist_s = st["hist_spiked"].at[slot].set(spk_pre)
    three = isinstance(rule, ThreeFactor)
    scaled = isinstance(rule, STDP) and rule.modulator is not None  # e.g. an astrocyte sets the depression rate
    arriving = jnp.zeros(ps.n_pre, jnp.bool_)
    for d in ps.delays:
        arriving = arriving | hist_s[(t - (d - 1)) % depth]

    def at_emission(idx_pre, delay):
        """Flat index into the history of the step in which the arriving spike was emitted."""
        return ((t - (delay - 1)) % depth) * ps.n_pre + idx_pre

    def target_of(c, flat, syn):
        return _gather(c[1], syn) if three else _gather(c[0], flat)

    def write(c, flat, syn, active, new, old):
        w, e = c
        if three:
            return w, e.at[syn].set(jnp.where(active, new, old), mode="drop")
        return w.at[flat].set(jnp.where(active, new, old), mode="drop"), e

    def depress(rows, c):
        flat, delay = tab["row_flat"][rows], tab["row_delay"][rows]
        post, syn = tab["row_post"][rows], tab["row_syn"][rows]
        h = at_emission(rows[:, None], delay)
        active = hist_s.ravel()[h] & (syn < ps.n_syn)
        pre = [hb.ravel()[h] for hb in hist_b]
        postv = [_gather(y, post) for y in post_before]
        w = _gather(c[0], flat)
        old = target_of(c, flat, syn)
        amount = rule.depression(jnp, w, pre, postv)
        if scaled:
            amount = amount * modulator[0]
        new = old - amount if three else rule.bound(jnp, old - amount)
        return write(c, flat, syn, active, new, old)

    spk_post_pad = jnp.concatenate([spk_post, jnp.zeros(1, jnp.bool_)])

    def potentiate(cols, c):
        flat, delay = tab["col_flat"][cols], tab["col_delay"][cols]
        pre_i, syn = tab["col_pre"][cols], tab["col_syn"][cols]
        h = at_emission(pre_i, delay)
        active = spk_post_pad[cols][:, None] & (syn < ps.n_syn)
        spiked_then = hist_s.ravel().at[h].get(mode="fill", fill_value=False)
        pre = [trace_jump(jnp, hb.ravel().at[h].get(mode="fill", fill_value=0), spiked_then, rule.pairing)
               for hb in hist_b]
        postv = [_gather(y, cols)[:, None] for y in post_before]
        w = _gather(c[0], flat)
        old = target_of(c, flat, syn)
        amount = rule.potentiation(jnp, w, pre, postv)
        new = old + amount if three else rule.bound(jnp, old + amount)
        return write(c, flat, syn, active, new, old)

    def events(c):
        c, n_pre = _select_rows(arriving, sizes[0], depress, c)
        c, n_post = _select_rows(spk_post, sizes[1], potentiate, c)
        return c, jnp.stack([n_pre, n_post])

    carry = (weights, st.get("e", jnp.zeros(1, dtype)))
    carry, counts = jax.lax.cond(on, events, lambda c: (c, jnp.zeros(2, jnp.int32)), carry)
    w, e = carry
    if three:
        def periodic(c):
            w, e = c
            m = modulator if modulator is not None else jnp.zeros((), dtype)
            m = m[tab["syn_post"]] if m.ndim and m.shape[0] > 1 else (m[0] if m.ndim else m)
            w_syn, e = rule.update(jnp, w[tab["syn_flat"]], e, m, ps.e_decay)
            return w.at[tab["syn_flat"]].set(w_syn), e

        due = (t + 1) % ps.every == 0
        w, e = jax.lax.cond(due & on, periodic, lambda c: c, (w, e))
    new = {"hist_before": hist_b, "hist_spiked": hist_s,
           "pre": [trace_jump(jnp, b, spk_pre, rule.pairing) for b in pre_before],
           "post": [trace_jump(jnp, b, spk_post, rule.pairing) for b in post_before]}
    if three:
        new["e"] = e
    return new, w, counts
