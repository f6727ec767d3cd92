"""e-prop eligibility traces for a recurrent LIF network (Bellec et al. 2020), in JAX.

A discrete-time LIF network with ``n_in`` inputs and ``n_rec`` neurons (one step = ``dt``):

    v[t+1] = alpha * v[t] + W_rec @ z[t] + W_in @ x[t+1] - v_th * z[t]      (reset by subtraction)
    z[t]   = H(v[t] - v_th)

``alpha = exp(-dt/tau_m)`` (dimensionless), ``v_th`` and v in mV (weights in mV per spike or per
unit input). The spike's pseudo-derivative is ``psi = (gamma / v_th) * max(0, 1 - |v - v_th| / v_th)``
with ``gamma = 0.3``. The eligibility vector of synapse i -> j is filtered forward in time,
``eps[t+1] = alpha * eps[t] + pre[t]`` (pre = z for recurrent, x for input synapses), and the
eligibility trace is ``e = psi_j * eps``. Given a learning signal ``L[t, j] = dE/dz_j[t]``,
``dE/dW_ji = sum_t L[t, j] * e_ji[t]``: an online, forward-only gradient. With the *total*
derivative as learning signal (and the reset not differentiated), it equals backpropagation
through time exactly; ``tests/test_eprop.py`` checks that against ``jax.grad``.

Every function imports JAX when called, so ``import spikesim`` stays numpy-only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

GAMMA = 0.3


class LIFParams(NamedTuple):
    """Weights of the recurrent LIF network: ``w_in`` (n_rec, n_in), ``w_rec`` (n_rec, n_rec)."""

    w_in: np.ndarray
    w_rec: np.ndarray


def pseudo_derivative(v, v_th: float):
    """``psi = (0.3 / v_th) * max(0, 1 - |v - v_th| / v_th)`` (1/mV)."""
    import jax.numpy as jnp

    return GAMMA / v_th * jnp.maximum(0.0, 1.0 - jnp.abs(v - v_th) / v_th)


def _spike_fn(v_th: float):
    import jax

    @jax.custom_jvp
    def spike(v):
        return (v >= v_th).astype(v.dtype)

    @spike.defjvp
    def _jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        return spike(v), pseudo_derivative(v, v_th) * dv

    return spike


def run(params: LIFParams, x, alpha: float, v_th: float, dz=None):
    """Simulate T steps from rest; ``x`` is (T, n_in). Returns (z, v), each (T, n_rec).

    ``dz`` (T, n_rec), optional, is added to the spikes where they are *used* (recurrent input
    and output), not in the reset: differentiating a loss with respect to it at 0 gives the
    total derivative dE/dz, the exact learning signal.
    """
    import jax
    import jax.numpy as jnp

    spike = _spike_fn(v_th)
    n_rec = params.w_rec.shape[0]
    dz = jnp.zeros((x.shape[0], n_rec), x.dtype) if dz is None else dz

    def step(carry, inputs):
        v, z_used, z_raw = carry
        x_t, dz_t = inputs
        v = alpha * v + params.w_rec @ z_used + params.w_in @ x_t - v_th * jax.lax.stop_gradient(z_raw)
        z = spike(v)
        return (v, z + dz_t, z), (z + dz_t, v)

    zeros = jnp.zeros(n_rec, x.dtype)
    _, (z, v) = jax.lax.scan(step, (zeros, zeros, zeros), (x, dz))
    return z, v


def eligibility_gradients(params: LIFParams, x, v, z, learning_signal, alpha: float, v_th: float) -> LIFParams:
    """``dE/dW = sum_t L[t, j] * psi_j[t] * eps_ji[t]``, computed forward in time (online).

    ``v`` and ``z`` are the run's membrane potentials and spikes (T, n_rec), ``learning_signal``
    is L = dE/dz (T, n_rec)."""
    import jax
    import jax.numpy as jnp

    psi = pseudo_derivative(v, v_th)
    n_rec, n_in = params.w_in.shape
    z_prev = jnp.concatenate([jnp.zeros((1, n_rec), z.dtype), z[:-1]])

    def step(carry, inputs):
        eps_in, eps_rec, g_in, g_rec = carry
        x_t, zp_t, psi_t, l_t = inputs
        eps_in = alpha * eps_in + x_t  # the same for every postsynaptic neuron
        eps_rec = alpha * eps_rec + zp_t
        g_in = g_in + (l_t * psi_t)[:, None] * eps_in[None, :]
        g_rec = g_rec + (l_t * psi_t)[:, None] * eps_rec[None, :]
        return (eps_in, eps_rec, g_in, g_rec), None

    init = (jnp.zeros(n_in, x.dtype), jnp.zeros(n_rec, x.dtype), jnp.zeros_like(params.w_in),
            jnp.zeros_like(params.w_rec))
    (_, _, g_in, g_rec), _ = jax.lax.scan(step, init, (x, z_prev, psi, learning_signal))
    return LIFParams(g_in, g_rec)
