"""JAX runner of the tripartite synapses (:mod:`spikesim.tripartite`): a float64 ``lax.scan``.

The step math is :meth:`spikesim.tripartite.Tripartite.step`, evaluated with ``xp=jax.numpy``
inside a ``jax.enable_x64`` context (the user's global JAX configuration is left alone). A run is
cut into chunks of ``CHUNK`` steps; the steps past the end of the run in the last chunk are
masked, so one model compiles once (the compiled chunk is cached by the model's parameters and
wiring, across networks). Each step records the state at its start, as Brian2's
``StateMonitor`` does (``when='start'``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..tripartite import Tripartite

CHUNK = 2048
_CACHE: dict = {}


def _chunk_fn(tri: Tripartite, dt: float, rec_vars: tuple[str, ...]):
    """The compiled scan of one chunk: ``(state, hits, active) -> (state, (traces, fired))``."""
    key = (tri.synapse, tri.astrocyte, tuple(tri.astrocyte_of), tuple(tri.i_bias), dt, rec_vars)
    cache = _CACHE
    if key not in cache:
        def body(s, inp):
            hit, active = inp
            new, fired = tri.step(s, hit, dt, jnp)
            new = {k: jnp.where(active, new[k], s[k]) for k in s}
            return new, (tuple(s[v] for v in rec_vars), fired & active)

        cache[key] = jax.jit(lambda state, hits, active: jax.lax.scan(body, state, (hits, active)))
    return cache[key]


def advance(tri: Tripartite, dt: float, start: int, n_steps: int, spike_steps: np.ndarray,
            spike_neurons: np.ndarray) -> dict:
    """Simulate global steps ``start`` … ``start + n_steps - 1`` (``dt`` in ms) of ``tri`` given the
    spikes of its presynaptic population (global steps, population indices), and keep the final
    state in ``tri.state``. Returns ``{var: (times_ms, values)}`` for the recorded variables
    (values of shape (n_times, n_synapses or n_astrocytes)) and ``"release": (times_ms,
    astrocyte indices)`` of the gliotransmitter releases."""
    rec_vars = tuple(sorted(tri.records))
    length = CHUNK
    fn = _chunk_fn(tri, dt, rec_vars)
    traces: dict[str, list[np.ndarray]] = {v: [] for v in rec_vars}
    rec_times: dict[str, list[np.ndarray]] = {v: [] for v in rec_vars}
    rel_steps, rel_idx = [], []
    with jax.enable_x64(True):
        state = {k: jnp.asarray(v) for k, v in tri.state.items()}
        for c0 in range(start, start + n_steps, length):
            m = min(length, start + n_steps - c0)
            sel = (spike_steps >= c0) & (spike_steps < c0 + m)
            hits = np.zeros((length, tri.n), bool)
            np.logical_or.at(hits, spike_steps[sel] - c0, spike_neurons[sel][:, None] == tri.pre_neuron[None, :])
            state, (out, fired) = fn(state, hits, np.arange(length) < m)
            steps = c0 + np.arange(m)
            for v, values in zip(rec_vars, out):
                keep = steps % tri.records[v] == 0
                traces[v].append(np.asarray(values)[:m][keep])
                rec_times[v].append(steps[keep] * dt)
            i, j = np.nonzero(np.asarray(fired)[:m])
            rel_steps.append(c0 + i)
            rel_idx.append(j)
        tri.state = {k: np.asarray(v) for k, v in state.items()}
    result = {v: (np.concatenate(rec_times[v]), np.concatenate(traces[v])) for v in rec_vars}
    result["release"] = (np.concatenate(rel_steps) * dt, np.concatenate(rel_idx).astype(np.int64))
    return result
