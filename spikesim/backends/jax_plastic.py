"""Plasticity for the JAX runner: per-neuron traces, event-driven weight updates, modulators.

Layout per plastic projection (numpy, built once from the plan and the fan-out slots), two
sorted copies of the synapse list (``_segments``), each with the columns flat position of the
weight in its source population's fan-out table (``weights[s].ravel()``), delay in steps,
presynaptic and postsynaptic neuron, synapse id (plan order), plus a padding entry:

* ``pre_*``: sorted by the key (delay index j, presynaptic neuron i) -> ``j * n_pre + i``, so the
  synapses that one arriving spike reaches (its neuron's synapses of one delay) are one run;
* ``post_*``: sorted by postsynaptic neuron (the CSC index).

``row_*`` / ``col_*`` are the same synapses as padded (ELL) tables, read by the integer runner.

State per plastic projection: presynaptic traces as a history ring of depth D (the largest
delay): the value before the spike's jump and whether the neuron spiked, for each of the last
D steps, so that a synapse of delay d sees neuron i's trace at the emission step of the spike
that reaches it; the list of the neurons that spiked in each of those steps (compacted once, at
emission); postsynaptic traces (current value only); the eligibility ``e`` per synapse (ThreeFactor).

One step (after the push): decay and record the traces; pre events: for each delay d, the
neurons listed d - 1 steps ago give the runs of synapses to visit (``run_events``: the runs laid
end to end, visited in pieces), ``w <- bound(w - depression)``; post events (the runs of the
neurons that fired): ``w <- bound(w + potentiation)``; ThreeFactor's periodic update. The work
per step is (arriving spikes x their synapses of that delay) + (post spikes x fan-in), plus
O(n_pre) for the list and O(n_post + delays x S) for the prefix sums. Buffers: ``S`` spikes per
step in the lists (a step with more makes the readers of that step visit every synapse, masked,
in pieces); the post pieces hold a budget of synapses (more pieces when more fire).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..plan import Plan, ProjPlan
from ..plasticity import STDP, ThreeFactor, trace_jump
from ..values import SpecError


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
    e_gains: tuple[float, float] = (1.0, 1.0)  # ThreeFactor: (g_base, g_mod) of ThreeFactor.factors
    syn_start: int = -1  # >= 0: synapse k's weight is at flat position syn_start + k (a slice, no gather)


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
        spec = _spec(plan, proj, s)
        if flat.size and np.array_equal(flat, flat[0] + np.arange(flat.size)):
            spec = replace(spec, syn_start=int(flat[0]))
        n_keys = len(spec.delays) * n_pre
        if n_keys >= 2**31:
            raise SpecError(f"projection {proj.name!r}: {len(spec.delays)} distinct delays x {n_pre} presynaptic "
                            "neurons is more (neuron, delay) groups than int32 indexing allows")
        cols = [flat, proj.delay_steps, proj.pre_idx, proj.post_idx, syn]
        pads = [oob, 1, n_pre, n_post, proj.n_synapses]
        key_pre = np.searchsorted(np.asarray(spec.delays), proj.delay_steps) * n_pre + proj.pre_idx
        t = {**_segments("pre_", key_pre, n_keys, cols, pads), **_segments("post_", proj.post_idx, n_post, cols, pads),
             "syn_flat": flat.astype(np.int32), "syn_post": proj.post_idx.astype(np.int32)}
        # the padded row / column tables (ELL) that the integer runner (jax_fixed) reads
        row = _ell(proj.pre_idx, n_pre, [flat, proj.delay_steps, proj.post_idx, syn], [oob, 1, n_post, proj.n_synapses])
        col = _ell(proj.post_idx, n_post, [flat, proj.delay_steps, proj.pre_idx, syn], [oob, 1, n_pre, proj.n_synapses])
        t.update({"row_flat": row[0], "row_delay": row[1], "row_post": row[2], "row_syn": row[3],
                  "col_flat": col[0], "col_delay": col[1], "col_pre": col[2], "col_syn": col[3]})
        tables[proj.name] = t
        specs.append(spec)
    return specs, tables


SEG_COLUMNS = ("flat", "delay", "pre", "post", "syn")


def _segments(prefix: str, keys: np.ndarray, n_keys: int, columns: list[np.ndarray], pads: list[int]) -> dict:
    """The synapses sorted by ``keys`` (stable; a CSR over the keys): ``cols`` (n_syn + 1, 5),
    the columns ``SEG_COLUMNS`` in that order plus one padding row (entry n_syn, out of range
    for every update), the key of each entry (``n_keys`` for the padding), and the first entry ``start``
    and the number ``len`` of each key's synapses (int32)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    out = {prefix + "cols": np.stack([np.append(c[order], pad) for c, pad in zip(columns, pads)], axis=1).astype(np.int32)}
    out[prefix + "key"] = np.append(keys[order], n_keys).astype(np.int32)
    out[prefix + "start"] = (np.cumsum(counts) - counts).astype(np.int32)
    out[prefix + "len"] = counts.astype(np.int32)
    return out


def _spec(plan: Plan, proj: ProjPlan, group: int) -> PlasticSpec:
    rule, dt = proj.rule, plan.dt
    e_decay, *gains = rule.factors(proj.every_steps * dt) if isinstance(rule, ThreeFactor) else (1.0, 1.0, 1.0)
    delays = tuple(sorted({int(d) for d in np.unique(proj.delay_steps)})) or (1,)
    return PlasticSpec(proj.name, proj.pre, proj.post, group, plan.pops[proj.pre].n, plan.pops[proj.post].n,
                       proj.n_synapses, max(delays), delays, rule, proj.modulator, proj.every_steps,
                       tuple(float(np.exp(-dt / tau)) for tau in rule.pre_taus),
                       tuple(float(np.exp(-dt / tau)) for tau in rule.post_taus), e_decay, tuple(gains))


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
          "spk_list": jnp.full((ps.depth, ps.n_pre), ps.n_pre, jnp.int32),
          "spk_count": jnp.zeros(ps.depth, jnp.int32),
          "pre": [jnp.zeros(ps.n_pre, dtype) for _ in ps.decays_pre],
          "post": [jnp.zeros(ps.n_post, dtype) for _ in ps.decays_post]}
    if isinstance(ps.rule, ThreeFactor):
        st["e"] = jnp.zeros(ps.n_syn, dtype)
    return st


def _gather(x, idx):
    return x.at[idx].get(mode="fill", fill_value=0)


def _read(x, idx):
    """``x[idx]`` for the event kernels, an out-of-range index (a padding entry, never written
    back) clamped instead of filled, so that no select sits between a value and its arithmetic.

    XLA's CPU backend lets LLVM contract ``a * b + c`` into one FMA (one rounding instead of
    two) wherever both are in one kernel. With AVX-512, a select (a fill mask, or
    ``where(active, old + x, old)``, which LLVM rewrites to ``old + where(active, x, 0)``)
    between the product and the add is folded into a masked FMA in the vectorised lanes of a
    piece, but not in its scalar epilogue (the last lanes), so a synapse's update depended on
    its position in its piece, i.e. on the buffer sizes. Without selects every lane gets the
    same arithmetic; the inactive entries are dropped by their write's index instead."""
    return x.at[idx].get(mode="clip")


def _select_rows(mask, size: int, fn, carry):
    """The integer runner's row selection: apply ``fn(rows, carry)`` to the rows where ``mask``
    holds, compacted into ``size`` rows, or every row when more are set (exact either way;
    padding rows index ``n``). Returns (carry, count)."""
    n = mask.shape[0]
    count = jnp.sum(mask, dtype=jnp.int32)
    every = jnp.arange(n, dtype=jnp.int32)
    if size >= n:
        return fn(every, carry), count
    compact = jnp.nonzero(mask, size=size, fill_value=n)[0].astype(jnp.int32)
    return jax.lax.cond(count > size, lambda c: fn(every, c), lambda c: fn(compact, c), carry), count


def run_events(fn, carry, n_syn: int, budget: int, starts, lens, dense_active, overflow=None):
    """Apply ``fn(entries, active, carry)`` to the selected runs of a sorted synapse table.

    ``starts``, ``lens`` (m,): the first entry and the number of entries of each selected key
    (``lens`` 0 for a key that is not selected). The runs are laid end to end (a prefix sum of
    ``lens``) and handed to ``fn`` in pieces of ``budget`` entries (a binary search maps each
    slot to its run), as many pieces as needed, so the work is the number of selected synapses
    rounded up to ``budget``. Where ``overflow`` holds (the selection is incomplete), every entry
    is visited instead, in pieces, masked by ``dense_active(entries)``; with ``budget >= n_syn``
    that masked pass is the only path. Returns (carry, number of selected synapses)."""
    if budget >= n_syn:
        entries = jnp.arange(n_syn, dtype=jnp.int32)
        return fn(entries, dense_active(entries), carry), jnp.sum(lens, dtype=jnp.int32)
    cum = jnp.cumsum(lens, dtype=jnp.int32)
    total = cum[-1]
    pieces = (total + budget - 1) // budget
    if overflow is not None:
        pieces = jnp.where(overflow, -(-n_syn // budget), pieces)

    def sparse(b):
        k = jnp.minimum(jnp.searchsorted(cum, b, side="right", method="scan"), cum.shape[0] - 1)
        valid = b < total
        return jnp.where(valid, starts[k] + b - (cum[k] - lens[k]), n_syn), valid

    def dense(b):
        entries = jnp.minimum(b, n_syn)
        return entries, dense_active(entries) & (b < n_syn)

    def piece(state):
        j, c = state
        b = j * budget + jnp.arange(budget, dtype=jnp.int32)
        entries, active = sparse(b) if overflow is None else jax.lax.cond(overflow, dense, sparse, b)
        return j + 1, fn(entries, active, c)

    _, carry = jax.lax.while_loop(lambda s: s[0] < pieces, piece, (jnp.int32(0), carry))
    return carry, total


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
    # the (delay j, neuron i) groups whose spikes arrive now: key j * n_pre + i
    n_spk = jnp.sum(spk_pre, dtype=jnp.int32)
    emitted = (t - (np.asarray(ps.delays) - 1)) % depth
    n_list = min(sizes[0], ps.n_pre)
    spk_list, spk_count = st["spk_list"], st["spk_count"]
    if len(ps.delays) <= 2:  # few delays: the keys straight from the spike history, O(delays x n_pre)
        pre_starts, overflow = tab["pre_start"], None
        pre_lens = jnp.where(hist_s[emitted].ravel() & on, tab["pre_len"], 0)
    else:  # this step's spikes, compacted once; each delay reads the list of its emission step
        spk_list = spk_list.at[slot].set(jnp.nonzero(spk_pre, size=ps.n_pre, fill_value=ps.n_pre)[0].astype(jnp.int32))
        spk_count = spk_count.at[slot].set(n_spk)
        cand = spk_list[emitted, :n_list]
        n_keys = len(ps.delays) * ps.n_pre
        keys = jnp.where(cand < ps.n_pre, cand + np.arange(len(ps.delays))[:, None] * ps.n_pre, n_keys).ravel()
        pre_starts = jnp.concatenate([tab["pre_start"], jnp.zeros(1, jnp.int32)])[keys]
        pre_lens = jnp.where(on, jnp.concatenate([tab["pre_len"], jnp.zeros(1, jnp.int32)])[keys], 0)
        overflow = jnp.max(spk_count[emitted]) > n_list

    def arriving(entries):  # the exact selection: every synapse whose spike arrives now
        mask = jnp.concatenate([hist_s[emitted].ravel() & on, jnp.zeros(1, jnp.bool_)])
        return mask[tab["pre_key"][entries]]

    def posting(entries):
        return jnp.concatenate([spk_post & on, jnp.zeros(1, jnp.bool_)])[tab["post_key"][entries]]

    def update(path, entries, active, c):
        """Pre events (``path="pre_"``: depression) or post events (``"post_"``: potentiation)
        of the synapses at ``entries`` of that path's sorted table, where ``active`` holds.
        No float select: the kernel is the same arithmetic in every lane (see ``_read``)."""
        flat, delay, pre_i, post, syn = tab[path + "cols"][entries].T
        h = ((t - (delay - 1)) % depth) * ps.n_pre + pre_i  # the history at the spike's emission step
        then = [_read(hb.ravel(), h) for hb in hist_b]
        postv = [_read(y, post) for y in post_before]
        w = _read(c[0], flat)
        old = _read(c[1], syn) if three else w
        if path == "pre_":
            amount = rule.depression(jnp, w, then, postv)
            if scaled:
                amount = amount * modulator[0]
            new = old - amount if three else rule.bound(jnp, old - amount)
        else:
            pre = [trace_jump(jnp, x, _read(hist_s.ravel(), h), rule.pairing) for x in then]
            amount = rule.potentiation(jnp, w, pre, postv)
            new = old + amount if three else rule.bound(jnp, old + amount)
        # the inactive entries (padding, or not selected in a masked pass) write out of range: dropped
        if three:
            return c[0], c[1].at[jnp.where(active, syn, ps.n_syn)].set(new, mode="drop")
        return c[0].at[jnp.where(active, flat, c[0].shape[0])].set(new, mode="drop"), c[1]

    carry = (weights, st.get("e", jnp.zeros(1, dtype)))
    budget = min(ps.n_syn, max(32, -(-n_list * ps.n_syn // (4 * ps.n_pre))))  # a quarter of n_list spikes' fan-out
    carry, _ = run_events(partial(update, "pre_"), carry, ps.n_syn, budget, pre_starts, pre_lens, arriving, overflow)
    carry, n_post = run_events(partial(update, "post_"), carry, ps.n_syn, sizes[1], tab["post_start"],
                               jnp.where(spk_post & on, tab["post_len"], 0), posting)
    counts = jnp.stack([jnp.where(on, n_spk, 0), n_post])
    w, e = carry
    if three:
        def periodic(c):
            w, e = c
            m = modulator if modulator is not None else jnp.zeros((), dtype)
            m = m[tab["syn_post"]] if m.ndim and m.shape[0] > 1 else (m[0] if m.ndim else m)
            if ps.syn_start >= 0:  # the projection's weights are one contiguous run of the table
                w_syn, e = rule.update(jnp, w[ps.syn_start:ps.syn_start + ps.n_syn], e, m, ps.e_decay, ps.e_gains)
                return jax.lax.dynamic_update_slice(w, w_syn, (ps.syn_start,)), e
            w_syn, e = rule.update(jnp, w[tab["syn_flat"]], e, m, ps.e_decay, ps.e_gains)
            return w.at[tab["syn_flat"]].set(w_syn), e

        due = (t + 1) % ps.every == 0
        w, e = jax.lax.cond(due & on, periodic, lambda c: c, (w, e))
    new = {"hist_before": hist_b, "hist_spiked": hist_s, "spk_list": spk_list, "spk_count": spk_count,
           "pre": [trace_jump(jnp, b, spk_pre, rule.pairing) for b in pre_before],
           "post": [trace_jump(jnp, b, spk_post, rule.pairing) for b in post_before]}
    if three:
        new["e"] = e
    return new, w, counts
