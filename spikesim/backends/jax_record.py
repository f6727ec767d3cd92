"""Recording for the JAX runners (float and fixed point): recording specs, the per-chunk
device buffers (spikes as packed bits, states and weights every k steps) and their read-back,
and the dense spike-source input of a chunk."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..plan import Plan


@dataclass(frozen=True)
class RecSpec:
    """A recording, in the runner's terms (hashable)."""

    kind: str  # "spikes" | "state" | "weights"
    pop: int
    var: str
    every: int
    name: str


def source_spikes(plan: Plan, t0: int, T: int) -> dict:
    """The spikes of every spike-source population in steps t0 .. t0+T-1, as dense (T, n) booleans."""
    out = {}
    for k, p in enumerate(plan.pops):
        if p.kind == "spike_source":
            lo, hi = np.searchsorted(p.spike_steps, [t0, t0 + T])
            dense = np.zeros((T, p.n), bool)
            dense[p.spike_steps[lo:hi] - t0, p.spike_idx[lo:hi]] = True
            out[k] = jnp.asarray(dense)
    return out


def n_records(r: RecSpec, T: int) -> int:
    return T // r.every + 2


def empty_buffer(r: RecSpec, T: int, pops, slots, dtype, batch: int | None = None):
    """The device buffer of one recording for a chunk of T steps: (rows, width), or
    (rows, batch, width) for a batch of networks."""
    mid = () if batch is None else (batch,)
    if r.kind == "spikes":
        return jnp.zeros((T, *mid, (pops[r.pop].n + 7) // 8), jnp.uint8)
    width = pops[r.pop].n if r.kind == "state" else slots[r.name][1].size
    return jnp.zeros((n_records(r, T), *mid, width), dtype)


def write_state(buf, r: RecSpec, pops: list, weights: dict, t, t0, slots):
    """Record the value at the start of step t into slot ceil((t - first) / every).

    Every step writes; the last write into a slot comes from the step that is a
    multiple of ``every``, so no branch is needed (see ``read_buffer``)."""
    first = (t0 + r.every - 1) // r.every * r.every
    slot = jnp.clip((t - first + r.every - 1) // r.every, 0, buf.shape[0] - 1)
    if r.kind == "state":
        return set_row(buf, slot, state_var(pops[r.pop], r.var))
    s, flat = slots[r.name]

    def write(b):
        w = weights[s]  # (n + 1, K), or (batch, n + 1, K)
        return set_row(b, slot, w.reshape(*w.shape[:-2], -1)[..., flat])

    return jax.lax.cond(t % r.every == 0, write, lambda b: b, buf)


def set_row(buf, row, values):
    """``buf[row] = values`` (int32 indices, also under ``jax.enable_x64``)."""
    zeros = (jnp.int32(0),) * values.ndim
    return jax.lax.dynamic_update_slice(buf, values[None], (jnp.asarray(row, jnp.int32), *zeros))


def state_var(st: dict, var: str):
    """A population state variable, or a synaptic channel given as ``"syn:<index>"``."""
    if var.startswith("syn:"):
        return st["syn"][int(var[4:])]
    return st[var]


def build_result(plan: Plan, recs, collected, t_start: int, t_end: int, info: dict,
                 state=lambda v: v, weight=lambda v: v):
    """The :class:`~spikesim.Result` of a run from its per-chunk recordings (``read_buffer``'s
    parts); ``state`` and ``weight`` convert raw values (the fixed-point runner's integers)."""
    from ..result import Result

    dt = plan.dt
    res = Result(dt, t_start * dt, t_end * dt, {p.name: p.n for p in plan.pops}, info=info)
    for r, parts in zip(recs, collected):
        steps = np.concatenate([p[0] for p in parts])
        vals = np.concatenate([p[1] for p in parts])
        if r.kind == "spikes":
            res.spike_data[r.name] = (steps * dt, vals)
        elif r.kind == "weights":
            res.weight_data[r.name] = (steps * dt, weight(vals))
        else:
            var = r.var if not r.var.startswith("syn:") else plan.pops[r.pop].channels[int(r.var[4:])].name
            res.state_data[(r.name, var)] = (steps * dt, state(vals))
    return res


def read_buffer(buf, r: RecSpec, t0: int, n: int):
    """The recorded steps and values of one chunk, as numpy."""
    if r.kind == "spikes":  # unpack only the bytes that hold a spike; row-major, so sorted by time
        rows, cols = np.nonzero(buf[:n])
        bit_rows, bits = np.nonzero(np.unpackbits(buf[rows, cols][:, None], axis=1))
        return rows[bit_rows].astype(np.int64) + t0, cols[bit_rows].astype(np.int64) * 8 + bits
    first = -(-t0 // r.every) * r.every
    steps = np.arange(first, t0 + n, r.every, dtype=np.int64)
    return steps, np.asarray(buf[: steps.size])
