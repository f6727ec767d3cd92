"""Batched runs: B networks of the same structure in one compiled, vmapped call.

The members are ordinary :class:`~spikesim.backends.jax_float.JaxRunner` objects, built
with one shared :class:`~spikesim.backends.jax_core.Layout` (the ring
depth and the fan-out table widths are padded to the largest member). A batch run stacks
their states, fan-out tables and *trial values* (neuron coefficients, inputs, Poisson
probabilities, random keys) on a leading axis and runs member 0's chunk under ``jax.vmap``.
Values equal in every member (for instance the coefficients when only the seed differs)
are not stacked: they stay compile-time constants or shared arguments.

On CPU the native push takes the whole batch in one call per step. On the XLA path: under
``vmap`` a ``lax.cond`` runs both of its branches, so the push has no fallback path:
a step with more spikes than the spike buffer is counted, and the chunk is run again from
its initial state with a larger buffer. Nothing is dropped, and every member's spikes equal
those of its own sequential ``net.run``.

After the run, each member's state is written back, so a member network can continue on
its own (``net.run``) or in the next batch.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from ..network import Record
from ..values import SpecError
from .jax_float import JaxRunner
from .jax_record import read_buffer, source_spikes


def structure(r: JaxRunner) -> tuple:
    """What the compiled chunk takes from member 0 as constants; every member must agree."""
    plan = r.plan
    pops = tuple((p.name, p.kind, p.n, type(p.model).__name__ if p.model is not None else None,
                  repr(p.channels), len(p.step_currents) if p.kind == "neurons" else 0,
                  len(p.noise) if p.kind == "neurons" else 0) for p in plan.pops)
    mods = tuple((m.name, m.kind, m.size, float(m.decay), repr(m.bias), repr(m.sources)) for m in plan.modulators)
    return (("dt", plan.dt), ("precision", plan.precision), ("populations", pops), ("layout", r.layout),
            ("plastic projections", tuple(r.plastic)), ("modulators", mods))


class _Split:
    """A pytree split into leaves that are equal in every member (kept once) and leaves that
    differ (stacked on a leading batch axis)."""

    def __init__(self, trees: list, what: str) -> None:
        flat = [jax.tree.flatten(t) for t in trees]
        self.treedef = flat[0][1]
        for i, (_, d) in enumerate(flat):
            if d != self.treedef:
                raise SpecError(f"run_batch: member {i}'s {what} differ in structure from member 0's")
        self.shared, self.batched_idx, stacked = [], [], []
        for j, vals in enumerate(zip(*(f[0] for f in flat))):
            if _all_equal(vals):
                self.shared.append(vals[0])
                continue
            if isinstance(vals[0], (bool, str)) or vals[0] is None:
                raise SpecError(f"run_batch: the {what} differ in a setting that cannot vary in a batch "
                                f"(member values {vals[0]!r} and {next(v for v in vals if v != vals[0])!r})")
            self.shared.append(None)  # a placeholder; join() fills it
            self.batched_idx.append(j)
            stacked.append(_stack(vals, what))
        self.batched = stacked

    def join(self, batched: list, shared: list | None = None):
        """The tree of one member: its ``batched`` leaves with the shared ones (``shared``: the
        shared leaves passed as arguments; default: this object's, baked in as constants)."""
        leaves = list(self.shared if shared is None else shared)
        for j, v in zip(self.batched_idx, batched):
            leaves[j] = v
        return jax.tree.unflatten(self.treedef, leaves)


def _stack_trees(trees: list):
    return jax.tree.map(lambda *xs: jnp.stack(xs), *trees)


def _is_key(x) -> bool:
    return isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jax.dtypes.prng_key)


def _all_equal(vals) -> bool:
    first = vals[0]
    if _is_key(first):
        data = [np.asarray(jax.random.key_data(v)) for v in vals]
        return all(np.array_equal(data[0], d) for d in data[1:])
    if isinstance(first, (bool, str, int, float)) or first is None:
        return all(type(v) is type(first) and v == first for v in vals[1:])
    arrs = [np.asarray(v) for v in vals]
    return all(a.shape == arrs[0].shape and np.array_equal(a, arrs[0]) for a in arrs[1:])


def _stack(vals, what: str):
    if _is_key(vals[0]):
        return jnp.stack(vals)
    arrs = [jnp.asarray(v) for v in vals]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        raise SpecError(f"run_batch: the {what} have incompatible shapes across members: "
                        f"{sorted({a.shape for a in arrs})}") from None
    return jnp.stack([jnp.broadcast_to(a, shape) for a in arrs])


class BatchRunner:
    """Runs the member runners together; holds the compiled batched chunks."""

    def __init__(self, members: Sequence[JaxRunner]) -> None:
        self.members = list(members)
        first = structure(self.members[0])
        for i, m in enumerate(self.members[1:], 1):
            for (what, a), (_, b) in zip(first, structure(m)):
                if a != b:
                    extra = (" (plastic projections must have the same synapses and delays in every member)"
                             if what == "plastic projections" else "")
                    raise SpecError(f"run_batch: member {i} differs from member 0 in its {what}{extra}; the networks "
                                    "of a batch may differ in seed, connectivity, weights, delays, initial state and "
                                    "parameter values, not in structure")
        r0 = self.members[0]
        self.x64 = r0.x64
        self.buffer = dict(r0.buffer)
        self._trial = _Split([m.trial for m in self.members], "trial values (coefficients, inputs, seeds)")
        tables = _Split([m.tables for m in self.members], "synapse tables")
        self.tables = tables.join(tables.batched)  # batched leaves stacked, shared leaves once
        self.table_axes = tables.join([0] * len(tables.batched), [None] * len(tables.shared))
        self._compiled: dict = {}

    def run(self, n_steps: int, records: list[Record], progress: bool, chunk_steps: int | None,
            spike_buffer: int | None, controls: list[dict | None]) -> list:
        for m, c in zip(self.members, controls):
            if c is not None:
                m.plastic_on.update(c.get("plastic", {}))
                m.rewards.extend(c.get("rewards", []))
        steps = {m.step for m in self.members}
        if len(steps) != 1:
            raise SpecError(f"run_batch: the member networks are at different times (steps {sorted(steps)}); "
                            "a batch runs networks that start together")
        with jax.enable_x64(self.x64):
            return self._run(n_steps, records, progress, chunk_steps, spike_buffer)

    def _chunk_fn(self, T: int, recs: tuple, args: tuple, info: dict):
        """The compiled batched chunk for the current buffer sizes (compiled on first use)."""
        r0 = self.members[0]
        r0.buffer = dict(self.buffer)  # the plasticity buffers are read from the runner
        key = (T, recs, tuple(sorted(self.buffer.items(), key=str)))
        if key not in self._compiled:
            t_c = time.perf_counter()
            fn = r0._make_chunk(T, tuple(self.buffer[g.pop] for g in r0.layout.groups), recs, batch=self)
            self._compiled[key] = fn.lower(*args).compile()
            info["compile_s"] += time.perf_counter() - t_c
        return self._compiled[key]

    # what _make_chunk needs to know of the batch
    @property
    def size(self) -> int:
        return len(self.members)

    def trial(self, batched: list):
        """A member's trial values from its batched leaves (the shared ones are constants)."""
        return self._trial.join(batched)

    def _run(self, n_steps: int, records: list[Record], progress: bool, chunk_steps: int | None,
             spike_buffer: int | None) -> list:
        r0, B = self.members[0], len(self.members)
        recs = r0._rec_specs(records)
        T = r0._chunk_length(n_steps, recs, chunk_steps)
        if spike_buffer is not None:
            self.buffer.update({g.pop: min(g.n, int(spike_buffer)) for g in r0.layout.groups})
        groups = r0.layout.groups
        state = _stack_trees([m.state for m in self.members])
        t_start = r0.step
        t_end, step = t_start + n_steps, t_start
        collected = [[[] for _ in recs] for _ in range(B)]
        info = {"chunk_steps": T, "fallback_steps": 0, "compile_s": 0.0, "loop_s": 0.0, "reruns": 0, "batch": B}
        bar = tqdm(total=n_steps, disable=not progress, unit="step", desc=f"spikesim x{B}")
        while step < t_end:
            n = min(T, t_end - step)
            sources = _stack_trees([source_spikes(m.plan, step, T) for m in self.members])
            controls = _stack_trees([m._controls(step, T, n) for m in self.members])  # consumes rewards: once
            args = (state, self.tables, self._trial.batched, jnp.int32(step), jnp.int32(n), sources, controls)
            while True:
                fn = self._chunk_fn(T, recs, args, info)
                t_l = time.perf_counter()
                new_state, bufs, fallbacks, peaks = fn(*args)
                fallbacks, peaks = np.asarray(fallbacks).max(axis=0), np.asarray(peaks).max(axis=0)
                info["loop_s"] += time.perf_counter() - t_l
                over = [g for g, f in zip(groups, fallbacks) if f > 0]
                if not over:
                    break
                for g, peak in zip(groups, peaks):  # a spike buffer overflowed: grow it, run the chunk again
                    if g in over:
                        new = 1 << int(peak).bit_length()
                        self.buffer[g.pop] = g.n if new * 2 > g.n else new
                info["reruns"] += 1
            bufs = jax.device_get([b[:n] if r.kind == "spikes" else b for b, r in zip(bufs, recs)])
            for i in range(B):
                for c, b, r in zip(collected[i], bufs, recs):
                    c.append(read_buffer(b[:, i], r, step, n))
            info["fallback_steps"] += int(fallbacks[len(groups):].sum())
            r0.buffer = dict(self.buffer)  # the runner's own rule (the push groups did not overflow)
            r0._adapt_buffers(fallbacks, peaks, n)
            self.buffer = dict(r0.buffer)
            state = new_state
            step += n
            bar.update(n)
        bar.close()
        info["spike_buffer"] = dict(self.buffer)
        info["native"] = r0.native
        results = []
        for i, m in enumerate(self.members):
            m.state = jax.tree.map(lambda x, i=i: x[i], state)
            m.step = t_end
            results.append(m._result(recs, collected[i], t_start, t_end, dict(info)))
        return results
