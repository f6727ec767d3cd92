"""The shared JAX machinery: synapse tables, the delay ring and one simulation step.

Layout (built once from the plan, numpy):

* **Ring.** One flat float32 ring of ``D * W`` entries holds the input that will
  arrive in each of the next ``D`` steps (``D`` = the largest delay) for every
  synaptic channel of every population: a channel of population p occupies ``n_p``
  consecutive columns of a row of width ``W``; the last column is a trash slot
  for padding. A spike emitted in step t through a synapse of delay d is added to
  row ``(t + d) % D``; row ``t % D`` is delivered (and cleared) at the start of step t.
* **Fan-out tables.** All projections leaving one population are merged into one
  padded table (ELL) with ``K`` = the largest out-degree columns: ``code[i, j] =
  d * W + column`` and ``weight[i, j]``; row ``n`` is all padding.
* **Event-driven push.** Each step, the indices of the neurons that fired are
  compacted into a buffer of ``S`` entries; only their rows are gathered and
  scatter-added into the ring, so the work is ``S * K`` per step, not the number of
  synapses. A step with more than ``S`` spikes sets an overflow count; the runner
  then grows ``S`` and re-runs the chunk, so no spike is ever dropped. When ``S``
  reaches the population size the push uses every row (no compaction).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..connectivity import stable_argsort
from ..plan import Plan, ProjPlan
from ..values import SpecError


@dataclass(frozen=True)
class Group:
    """The merged fan-out of one source population (static description)."""

    pop: int
    n: int
    k: int


@dataclass(frozen=True)
class Layout:
    """Static facts about the compiled network (hashable, part of the jit cache key)."""

    depth: int
    width: int
    offsets: tuple[tuple[int, ...], ...]  # per population, per channel: first ring column
    groups: tuple[Group, ...]


def build_layout(plan: Plan, at_least: Layout | None = None) -> tuple[Layout, dict, dict]:
    """Return the static layout, the fan-out tables (numpy), and, per projection, the
    flat positions of its synapses in its group's table (plan order). ``at_least``: a
    layout whose ring depth and table widths ``K`` this one must reach (padding), so that
    the networks of a batch share one layout."""
    offsets, col = [], 0
    for p in plan.pops:
        offs = []
        for _ in p.channels:
            offs.append(col)
            col += p.n
        offsets.append(tuple(offs))
    width = col + 1
    trash = col
    depth = plan.max_delay() if at_least is None else max(plan.max_delay(), at_least.depth)
    min_k = {} if at_least is None else {g.pop: g.k for g in at_least.groups}
    if 2 * depth * width >= 2**31:
        raise SpecError(f"the delay ring needs {depth} x {width} entries, more than int32 indexing allows; "
                        "reduce the largest delay or the network size")
    tables, slots, groups = {}, {}, []
    for s, pop in enumerate(plan.pops):
        projs = [p for p in plan.projs if p.pre == s]
        if not projs:
            continue
        # Row position of every synapse: its rank among the synapses of the same source neuron, in
        # the order of the projections, then of the plan (a stable sort of the concatenated rows).
        counts = np.zeros(pop.n, dtype=np.int64)
        flat_pos = []
        for p in projs:
            flat_pos.append(_row_positions(p, counts))
            counts += np.bincount(p.pre_idx, minlength=pop.n)
        k = max(1, int(counts.max()) if counts.size else 1, min_k.get(s, 1))
        code = np.full((pop.n + 1) * k, 1 * width + trash, dtype=np.int32)
        wt = np.zeros((pop.n + 1) * k, dtype=np.float64)
        for p, pos in zip(projs, flat_pos):
            flat = pos
            flat += p.pre_idx * k  # in place: pos becomes the flat slot
            code[flat] = p.delay_steps * width + (offsets[p.post][p.channel] + p.post_idx)  # < 2**31 (checked)
            wt[flat] = p.weight
            slots[p.name] = (s, flat)
        tables[s] = {"code": code.reshape(pop.n + 1, k),
                     "weight": wt.reshape(pop.n + 1, k),
                     "rowlen": np.append(counts, 0).astype(np.int32)}
        groups.append(Group(s, pop.n, k))
    return Layout(depth, width, tuple(offsets), tuple(groups)), tables, slots


def _row_positions(p: ProjPlan, before: np.ndarray) -> np.ndarray:
    """For each synapse of projection ``p`` (plan order), its position in its source neuron's row of the
    merged table: ``before[i]`` slots are taken by earlier projections, then the synapses of ``p`` follow
    in plan order. The plan is CSR (sorted by ``pre_idx``), so this needs no sort; an unsorted
    ``pre_idx`` (a plan built by hand) falls back to a stable sort. Returns a new int64 array."""
    pre = p.pre_idx
    starts = np.zeros(before.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=before.size), out=starts[1:])
    if pre.size and not bool(np.all(pre[1:] >= pre[:-1])):
        order = stable_argsort(pre, before.size)
        pos = np.empty(pre.size, dtype=np.int64)
        pos[order] = np.arange(pre.size) - starts[pre[order]]
    else:
        pos = np.arange(pre.size, dtype=np.int64)
        pos -= starts[pre]
    pos += before[pre]
    return pos


def stream_key(seed: int, *labels) -> jax.Array:
    """A PRNG key for one random stream (population + purpose), stable across runs."""
    key = jax.random.key(int(seed) & 0xFFFFFFFF)
    for label in labels:
        key = jax.random.fold_in(key, zlib.crc32(str(label).encode()) & 0x7FFFFFFF)
    return key


def step_keys(key: jax.Array, t0, count: int) -> jax.Array:
    """One key per global step t0 .. t0+count-1: the draws of a step never depend on chunking."""
    return jax.vmap(lambda t: jax.random.fold_in(key, t))(t0 + jnp.arange(count, dtype=jnp.uint32))


def push(ring: jax.Array, t, spiked: jax.Array, code: jax.Array, weight: jax.Array,
         size: int, depth: int, width: int, exact: bool = True) -> tuple[jax.Array, jax.Array]:
    """Scatter-add the fan-out of the neurons that fired into the ring; returns (ring, count).

    With more than ``size`` spikes in the step, the exact fallback pushes every row
    (masked by ``spiked``): nothing is dropped, the step is only slower. ``exact=False``
    leaves the fallback out (under ``vmap`` a ``lax.cond`` would run both branches every
    step): the caller must then check ``count <= size`` and re-run the step otherwise.
    """
    n = spiked.shape[0]
    base = (t % depth) * width
    count = jnp.sum(spiked, dtype=jnp.int32)

    def every_row(ring):
        w = jnp.where(spiked[:, None], weight[:n], jnp.zeros((), ring.dtype))
        flat = (code[:n] + base) % (depth * width)
        return ring.at[flat.ravel()].add(w.ravel(), mode="promise_in_bounds")

    if size >= n:
        return every_row(ring), count

    def fired_rows(ring):
        idx = jnp.nonzero(spiked, size=size, fill_value=n)[0]
        flat = (code[idx] + base) % (depth * width)
        return ring.at[flat.ravel()].add(weight[idx].ravel(), mode="promise_in_bounds")

    if not exact:
        return fired_rows(ring), count
    return jax.lax.cond(count > size, every_row, fired_rows, ring), count


def deliver(ring: jax.Array, t, depth: int, width: int) -> tuple[jax.Array, jax.Array]:
    """Take row ``t % depth`` of the ring (the input arriving now) and clear it."""
    start = (t % depth) * width
    row = jax.lax.dynamic_slice(ring, (start,), (width,))
    return jax.lax.dynamic_update_slice(ring, jnp.zeros((width,), ring.dtype), (start,)), row
