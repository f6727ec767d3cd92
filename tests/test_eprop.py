"""e-prop (MODELS.md §5): with the true learning signal dE/dz, the factorised eligibility-trace
gradient equals backpropagation through time (jax.grad) within 1e-5. Small LIF network, T = 50."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from spikesim import eprop

T, N_IN, N_REC, N_OUT = 50, 8, 12, 3
ALPHA, V_TH = float(np.exp(-1.0 / 20.0)), 1.0


def problem(seed: int):
    rng = np.random.default_rng(seed)
    params = eprop.LIFParams(jnp.asarray(rng.normal(0, 0.6, (N_REC, N_IN))),
                             jnp.asarray(rng.normal(0, 0.3, (N_REC, N_REC))))
    x = jnp.asarray((rng.random((T, N_IN)) < 0.2).astype(float))
    w_out = jnp.asarray(rng.normal(0, 1, (N_OUT, N_REC)))
    target = jnp.asarray(rng.normal(0, 1, (T, N_OUT)))
    return params, x, w_out, target


def loss(z, w_out, target):
    return 0.5 * jnp.sum((z @ w_out.T - target) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_eprop_with_true_learning_signal_equals_bptt(seed):
    with jax.enable_x64(True):
        params, x, w_out, target = problem(seed)
        z, v = eprop.run(params, x, ALPHA, V_TH)
        assert 5 < float(z.sum()) < 0.8 * T * N_REC  # neurons spike, but not all the time

        bptt = jax.grad(lambda p: loss(eprop.run(p, x, ALPHA, V_TH)[0], w_out, target))(params)
        dz = jnp.zeros((T, N_REC))
        signal = jax.grad(lambda d: loss(eprop.run(params, x, ALPHA, V_TH, dz=d)[0], w_out, target))(dz)
        got = eprop.eligibility_gradients(params, x, v, z, signal, ALPHA, V_TH)
        for g, ref in zip(got, bptt):
            assert float(jnp.abs(ref).max()) > 1e-3  # a real gradient
            np.testing.assert_allclose(np.asarray(g), np.asarray(ref), rtol=1e-5, atol=1e-5 * float(jnp.abs(ref).max()))


def test_eprop_with_only_the_direct_signal_is_an_approximation():
    """The online learning signal (readout error only, no future effects through recurrence)
    differs from BPTT: the test above would fail without the total derivative."""
    with jax.enable_x64(True):
        params, x, w_out, target = problem(0)
        z, v = eprop.run(params, x, ALPHA, V_TH)
        bptt = jax.grad(lambda p: loss(eprop.run(p, x, ALPHA, V_TH)[0], w_out, target))(params)
        direct = (z @ w_out.T - target) @ w_out  # dE/dz through the readout only
        got = eprop.eligibility_gradients(params, x, v, z, direct, ALPHA, V_TH)
        rel = float(jnp.abs(got.w_rec - bptt.w_rec).max() / jnp.abs(bptt.w_rec).max())
        assert rel > 1e-3
        cos = float(jnp.sum(got.w_rec * bptt.w_rec) / jnp.linalg.norm(got.w_rec) / jnp.linalg.norm(bptt.w_rec))
        assert cos > 0.3  # but it points the same way
