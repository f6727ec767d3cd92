"""Fast lowering gives the same plan as the straightforward one: same synapses, same CSR order.

Lowering sorts the synapses by presynaptic neuron (stable) and the fan-out tables merge the
projections of one source. Both used ``np.argsort(kind="stable")``; they now use a packed sort,
or no sort at all where the input is already in order. These tests compare the fast code with
reference implementations written the plain way (the code as it was before), and pin digests of
a few plans computed with that code. The memory estimates are checked here too.
"""

from __future__ import annotations

import hashlib
import importlib
import tracemalloc

import numpy as np
import pytest

import spikesim as ss
from spikesim import connectivity as conn
from spikesim.backends.jax_core import build_layout
from spikesim.lower import LOWER_BYTES_PER_SYNAPSE, _delays_to_steps, lower
from spikesim.values import SpecError, resolve, stable_rng

LIF = ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0)


# ------------------------------------------------------------------ reference implementations
def ref_sample_rows(rng: np.random.Generator, counts: np.ndarray, n_choices: int, excluded: np.ndarray) -> np.ndarray:
    """connectivity._sample_rows as first written (sparse regime only: fewer than 20 % of the pairs)."""
    rows = np.repeat(np.arange(counts.size), counts)
    span = np.where(excluded >= 0, n_choices - 1, n_choices)

    def draw(at):
        r = rows[at]
        v = np.floor(rng.random(at.size) * span[r]).astype(np.int64)
        return np.where((excluded[r] >= 0) & (v >= excluded[r]), v + 1, v)

    vals = draw(np.arange(rows.size))
    starts = np.concatenate(([0], np.cumsum(counts)))
    check = np.arange(rows.size)
    while True:
        key = rows[check] * n_choices + vals[check]
        order = np.argsort(key, kind="stable")
        dup = np.zeros(check.size, dtype=bool)
        dup[1:] = key[order][1:] == key[order][:-1]
        if not dup.any():
            return vals
        again = check[order[dup]]
        vals[again] = draw(again)
        bad = np.unique(rows[again])
        lens = counts[bad]
        check = np.repeat(starts[bad] - np.cumsum(np.concatenate(([0], lens[:-1]))), lens) + np.arange(lens.sum())


def ref_projection(net: ss.Network, proj) -> dict[str, np.ndarray]:
    """lower_projection as first written: gather to population indices, stable argsort by pre."""
    ctx = conn.ConnectContext(proj.pre.indices, proj.post.indices, proj.pre.population is proj.post.population)
    pre_local, post_local = proj.connector.build(ctx, stable_rng(net.seed, "projection", proj.name, "connect"))
    pre, post = proj.pre.indices[pre_local], proj.post.indices[post_local]
    weight = resolve("w", proj.weight, pre.size, stable_rng(net.seed, "projection", proj.name, "weight"))
    delay_ms = resolve("d", proj.delay, pre.size, stable_rng(net.seed, "projection", proj.name, "delay"))
    delay = _delays_to_steps(proj.name, delay_ms, net.dt)
    order = np.argsort(pre, kind="stable")
    indptr = np.zeros(proj.pre.population.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=proj.pre.population.n), out=indptr[1:])
    return {"pre_idx": pre[order].astype(np.int64), "post_idx": post[order].astype(np.int64), "weight": weight[order],
            "delay_steps": delay[order], "indptr": indptr}


def ref_tables(plan, offsets: tuple, width: int) -> tuple[dict, dict]:
    """The sorting part of build_layout as first written: concatenate, stable argsort of the rows."""
    tables, slots = {}, {}
    for s, pop in enumerate(plan.pops):
        projs = [p for p in plan.projs if p.pre == s]
        if not projs:
            continue
        rows = np.concatenate([p.pre_idx for p in projs])
        cols = np.concatenate([offsets[p.post][p.channel] + p.post_idx for p in projs])
        delays = np.concatenate([p.delay_steps for p in projs]).astype(np.int64)
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=pop.n)
        k = max(1, int(counts.max()))
        starts = np.zeros(pop.n + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        pos = np.empty(rows.size, dtype=np.int64)
        pos[order] = np.arange(rows.size) - starts[rows[order]]
        flat = rows * k + pos
        code = np.full((pop.n + 1) * k, width + width - 1, dtype=np.int64)
        wt = np.zeros((pop.n + 1) * k)
        code[flat] = delays * width + cols
        wt[flat] = np.concatenate([p.weight for p in projs])
        tables[s] = {"code": code.reshape(pop.n + 1, k).astype(np.int32), "weight": wt.reshape(pop.n + 1, k),
                     "rowlen": np.append(counts, 0).astype(np.int32)}
        start = 0
        for p in projs:
            slots[p.name] = (s, flat[start:start + p.n_synapses])
            start += p.n_synapses
    return tables, slots


# ------------------------------------------------------------------ networks
def cuba(n: int, seed: int) -> ss.Network:
    net = ss.Network(dt=0.1, seed=seed)
    P = net.add_population("P", n, LIF)
    ne = int(0.8 * n)
    net.connect(P[:ne], P, ss.FixedInDegree(8), synapse=ss.ExpCurrent(5.0), weight=1.62, delay=0.1)
    net.connect(P[ne:], P, ss.FixedInDegree(4, allow_self=False), synapse=ss.ExpCurrent(10.0), weight=-9.0, delay=0.1)
    return net


def mixed(n: int, seed: int) -> ss.Network:
    """Overlapping sources into one table, views in any order, distributions, several targets."""
    net = ss.Network(dt=0.1, seed=seed)
    P = net.add_population("P", n, LIF)
    Q = net.add_population("Q", n // 2, LIF)
    S = net.add_poisson("S", 50, 10.0)
    net.connect(P, P, ss.FixedProbability(0.05, allow_self=False), synapse=ss.ExpCurrent(5.0),
                weight=ss.Uniform(0.1, 1.0), delay=ss.Uniform(0.1, 3.0))
    net.connect(P[::3], Q, ss.FixedInDegree(5), synapse=ss.ExpCurrent(5.0), weight=ss.Normal(1.0, 0.2), delay=1.0)
    net.connect(P[[7, 3, 1, 9, 20, 11]], P[n - 10:], ss.AllToAll(), synapse=ss.ExpCurrent(10.0),
                weight=np.arange(60.0), delay=np.linspace(0.1, 2.0, 60))
    net.connect(P[::-2], P, ss.FixedInDegree(3, allow_self=False), synapse=ss.Delta(), weight=0.5, delay=0.3)
    net.connect(S, Q, ss.FixedProbability(0.2), synapse=ss.ExpCurrent(5.0), weight=2.0, delay=0.5)
    net.connect(Q, Q, ss.OneToOne(), synapse=ss.ExpCurrent(5.0), weight=1.0, delay=0.2)
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, n, 5 * n), rng.integers(0, n // 2, 5 * n)
    net.connect(P, Q, ss.FromArrays(pre, post), synapse=ss.ExpCurrent(10.0), weight=rng.random(5 * n), delay=0.1)
    net.connect(P, Q, ss.FromArrays(np.sort(pre), post), synapse=ss.ExpCurrent(10.0), weight=-1.0, delay=0.3)
    return net


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------ tests
def test_stable_argsort_matches_numpy():
    rng = np.random.default_rng(0)
    for n_keys, size in [(1, 10), (7, 1000), (1000, 50_000), (2**40, 1000), (5, 0)]:
        keys = rng.integers(0, n_keys, size)
        got = conn.stable_argsort(keys, n_keys)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampling_matches_reference(seed):
    rng = np.random.default_rng(seed)
    for counts, n_choices, excluded in [
        (np.full(300, 25), 1000, np.full(300, -1)),  # equal rows (FixedInDegree), nothing excluded
        (np.full(300, 10), 60, rng.integers(0, 60, 300)),  # equal rows, many duplicates, self excluded
        (rng.integers(0, 12, 200), 40, np.where(rng.random(200) < 0.5, rng.integers(0, 40, 200), -1)),
        (rng.integers(0, 5, 100), 3000, np.full(100, -1)),
    ]:
        got = conn._sample_rows(np.random.default_rng(seed), counts, n_choices, excluded)
        np.testing.assert_array_equal(got, ref_sample_rows(np.random.default_rng(seed), counts, n_choices, excluded))


def test_self_partner_matches_dict_lookup():
    ctx = conn.ConnectContext(np.array([5, 0, 9, 3, 7]), np.array([3, 4, 5, 6, 7, 8]), True)
    pos = {int(g): j for j, g in enumerate(ctx.post_global)}
    np.testing.assert_array_equal(conn._self_partner(ctx), [pos.get(int(g), -1) for g in ctx.pre_global])


@pytest.mark.parametrize("build", [cuba, mixed])
@pytest.mark.parametrize("n,seed", [(40, 0), (300, 1), (1000, 12345)])
def test_plan_and_tables_match_reference(build, n, seed):
    net = build(n, seed)
    with pytest.warns(ss.DelayRoundingWarning) if build is mixed else _no_warning():
        plan = lower(net)
    for proj, p in zip(net.projections.values(), plan.projs):
        with _any_warning():
            ref = ref_projection(net, proj)
        for key, want in ref.items():
            got = getattr(p, key)
            assert got.dtype == want.dtype, (p.name, key)
            np.testing.assert_array_equal(got, want, err_msg=f"{p.name}.{key}")
    layout, tables, slots = build_layout(plan)
    ref_tab, ref_slots = ref_tables(plan, layout.offsets, layout.width)
    assert tables.keys() == ref_tab.keys()
    for s, t in tables.items():
        for key in ("code", "weight", "rowlen"):
            assert t[key].dtype == ref_tab[s][key].dtype
            np.testing.assert_array_equal(t[key], ref_tab[s][key], err_msg=f"table {s} {key}")
    for name, (s, flat) in slots.items():
        assert s == ref_slots[name][0]
        np.testing.assert_array_equal(flat, ref_slots[name][1])


# Digests of plan and tables computed with the argsort-based code, before the fast lowering.
def plan_digest(net: ss.Network) -> str:
    with _any_warning():
        plan = lower(net)
    _, tables, slots = build_layout(plan)
    arrays = [a for p in plan.projs for a in (p.pre_idx, p.post_idx, p.weight, p.delay_steps, p.indptr)]
    arrays += [t[k] for t in tables.values() for k in ("code", "weight", "rowlen")]
    arrays += [slots[p.name][1] for p in plan.projs]
    return digest(*arrays)


@pytest.mark.parametrize("build,n,seed,want", [
    (cuba, 300, 1, "d84bb313c99550a3"),
    (cuba, 2000, 7, "81f23c684da147f7"),
    (mixed, 300, 1, "a6c239e63dc53873"),
    (mixed, 1000, 12345, "0549e40612732f0b"),
])
def test_plan_digest_is_pinned(build, n, seed, want):
    assert plan_digest(build(n, seed)) == want


# ------------------------------------------------------------------ memory estimates
def test_too_large_network_fails_early_with_the_estimate(monkeypatch):
    net = cuba(1000, 0)  # 8000 synapses
    monkeypatch.setattr(importlib.import_module("spikesim.lower"), "available_memory", lambda: 1000)
    with pytest.raises(SpecError, match=r"building the synapses of this network needs about .* GiB, but only"):
        lower(net)


def test_lowering_stays_within_its_memory_estimate():
    net = ss.Network(dt=0.1, seed=3)
    P = net.add_population("P", 4000, LIF)
    net.connect(P[:3200], P, ss.FixedInDegree(64), synapse=ss.ExpCurrent(5.0), weight=ss.Uniform(1.0, 2.0),
                delay=ss.Uniform(0.1, 2.0))
    net.connect(P[3200:], P, ss.FixedProbability(0.004), synapse=ss.ExpCurrent(10.0), weight=-9.0, delay=0.1)
    tracemalloc.start()
    try:
        with _any_warning():
            plan = lower(net)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n_syn = sum(p.n_synapses for p in plan.projs)
    assert n_syn > 200_000
    assert peak < LOWER_BYTES_PER_SYNAPSE * n_syn


def test_device_estimate_covers_the_runner_state():
    import jax

    from spikesim.backends.jax_float import JaxRunner, device_bytes

    for precision in ("float32", "float64"):
        net = cuba(2000, 0)
        net.precision = precision
        runner = JaxRunner(net.plan, native=False)
        layout, tables, _ = build_layout(net.plan)
        held = sum(x.nbytes for x in jax.tree.leaves((runner.state, runner.tables["code"], runner.tables["rowlen"])))
        estimate = device_bytes(layout, tables, net.plan)
        assert held <= estimate <= 1.5 * held, precision


# ------------------------------------------------------------------ helpers
class _no_warning:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error", ss.DelayRoundingWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


class _any_warning:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
