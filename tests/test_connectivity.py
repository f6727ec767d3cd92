"""Connection rules, as lowered into the plan (numpy only: nothing here runs a simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import spikesim as ss

pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")

LIF = ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0)


def build(connector, n_pre: int = 50, n_post: int = 40, same: bool = False, pre=slice(None), post=slice(None),
          seed: int = 0, **connect_kw) -> dict[str, np.ndarray]:
    """Connect ``A[pre]`` to ``B[post]`` (``A[post]`` when ``same``) and return ``net.connections``."""
    net = ss.Network(dt=0.1, seed=seed)
    A = net.add_population("A", n_pre, LIF)
    B = A if same else net.add_population("B", n_post, LIF)
    net.connect(A[pre], B[post], connector, name="proj", **connect_kw)
    return net.connections("proj")


def pairs(c: dict[str, np.ndarray]) -> set[tuple[int, int]]:
    out = set(zip(c["pre"].tolist(), c["post"].tolist()))
    assert len(out) == c["pre"].size, "duplicate (pre, post) pairs"
    return out


def assert_plan_order(c: dict[str, np.ndarray]) -> None:
    assert np.all(np.diff(c["pre"]) >= 0), "synapses are not sorted by presynaptic neuron"


def assert_binomial(count: int, n: int, p: float, sigmas: float = 5.0) -> None:
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    assert abs(count - mean) <= sigmas * sd + 1e-9, f"{count} synapses, expected {mean:.1f} +- {sd:.1f}"


# --------------------------------------------------------------------------- AllToAll, OneToOne
@pytest.mark.parametrize("allow_self", [True, False])
@pytest.mark.parametrize("same", [True, False])
def test_all_to_all(same, allow_self):
    n_pre, n_post = 7, 7 if same else 5
    c = build(ss.AllToAll(allow_self=allow_self), n_pre, n_post, same=same)
    expected = {(i, j) for i in range(n_pre) for j in range(n_post) if allow_self or not same or i != j}
    assert pairs(c) == expected
    assert_plan_order(c)


def test_all_to_all_without_self_on_overlapping_views_drops_only_the_shared_neurons():
    c = build(ss.AllToAll(allow_self=False), 10, same=True, pre=slice(0, 5), post=slice(3, 8))
    assert pairs(c) == {(i, j) for i in range(5) for j in range(3, 8) if i != j}


def test_one_to_one_maps_view_positions():
    c = build(ss.OneToOne(), 10, 20, pre=slice(2, 8), post=slice(10, 16))
    np.testing.assert_array_equal(c["pre"], np.arange(2, 8))
    np.testing.assert_array_equal(c["post"], np.arange(10, 16))


def test_one_to_one_on_itself_connects_each_neuron_to_itself():
    c = build(ss.OneToOne(), 6, same=True)
    np.testing.assert_array_equal(c["pre"], c["post"])


# --------------------------------------------------------------------------- FixedProbability
@pytest.mark.parametrize(("n_pre", "n_post", "p", "same", "allow_self"), [
    pytest.param(300, 200, 0.05, False, True, id="sparse"),
    pytest.param(300, 300, 0.05, True, False, id="sparse-no-self"),
    pytest.param(150, 120, 0.5, False, True, id="dense"),
    pytest.param(150, 150, 0.5, True, False, id="dense-no-self"),
    pytest.param(2000, 1000, 0.002, False, True, id="very-sparse"),
])
def test_fixed_probability(n_pre, n_post, p, same, allow_self):
    c = build(ss.FixedProbability(p, allow_self=allow_self), n_pre, n_post, same=same, seed=3)
    got = pairs(c)
    assert_plan_order(c)
    n_avail = n_pre * n_post - (n_pre if same and not allow_self else 0)
    assert_binomial(len(got), n_avail, p)
    if same and not allow_self:
        assert not np.any(c["pre"] == c["post"])
    assert c["pre"].min() >= 0 and c["pre"].max() < n_pre
    assert c["post"].min() >= 0 and c["post"].max() < n_post
    # Targets are uniform: the in-degrees of the postsynaptic neurons are Binomial(n_avail/n_post, p).
    indeg = np.bincount(c["post"], minlength=n_post)
    assert stats.chisquare(indeg).pvalue > 1e-4
    outdeg = np.bincount(c["pre"], minlength=n_pre)
    assert stats.chisquare(outdeg).pvalue > 1e-4


@pytest.mark.parametrize("same", [True, False])
@pytest.mark.parametrize("allow_self", [True, False])
def test_fixed_probability_edge_cases(same, allow_self):
    assert build(ss.FixedProbability(0.0, allow_self=allow_self), 30, 30, same=same)["pre"].size == 0
    full = pairs(build(ss.FixedProbability(1.0, allow_self=allow_self), 30, 30, same=same))
    assert full == {(i, j) for i in range(30) for j in range(30) if allow_self or not same or i != j}


def test_fixed_probability_self_exclusion_on_views_uses_population_indices():
    c = build(ss.FixedProbability(1.0, allow_self=False), 20, same=True, pre=slice(0, 10), post=slice(5, 15))
    assert pairs(c) == {(i, j) for i in range(10) for j in range(5, 15) if i != j}


# --------------------------------------------------------------------------- FixedInDegree
@pytest.mark.parametrize(("n_pre", "n_post", "k", "same", "allow_self"), [
    pytest.param(100, 80, 0, False, True, id="k=0"),
    pytest.param(100, 80, 1, False, True, id="k=1"),
    pytest.param(100, 80, 10, False, True, id="sparse"),
    pytest.param(100, 100, 10, True, False, id="sparse-no-self"),
    pytest.param(60, 50, 45, False, True, id="dense"),
    pytest.param(60, 60, 59, True, False, id="all-but-self"),
    pytest.param(60, 30, 60, False, True, id="all"),
])
def test_fixed_in_degree(n_pre, n_post, k, same, allow_self):
    c = build(ss.FixedInDegree(k, allow_self=allow_self), n_pre, n_post, same=same, seed=5)
    pairs(c)  # distinct presynaptic neurons for each target
    assert_plan_order(c)
    np.testing.assert_array_equal(np.bincount(c["post"], minlength=n_post), np.full(n_post, k))
    if same and not allow_self:
        assert not np.any(c["pre"] == c["post"])
    if 0 < k < n_pre - 1:
        assert stats.chisquare(np.bincount(c["pre"], minlength=n_pre)).pvalue > 1e-4


def test_fixed_in_degree_on_views():
    c = build(ss.FixedInDegree(3, allow_self=False), 30, same=True, pre=slice(0, 4), post=slice(2, 10))
    assert set(c["pre"].tolist()) <= set(range(4)) and set(c["post"].tolist()) == set(range(2, 10))
    np.testing.assert_array_equal(np.bincount(c["post"], minlength=10)[2:], np.full(8, 3))
    assert not np.any(c["pre"] == c["post"])  # neurons 2 and 3 are in both views


# --------------------------------------------------------------------------- FromArrays, views
@st.composite
def explicit_synapses(draw):
    n_pre = draw(st.integers(1, 12))
    n_post = draw(st.integers(1, 12))
    n_syn = draw(st.integers(0, 40))
    pre = np.array(draw(st.lists(st.integers(0, n_pre - 1), min_size=n_syn, max_size=n_syn)), dtype=np.int64)
    post = np.array(draw(st.lists(st.integers(0, n_post - 1), min_size=n_syn, max_size=n_syn)), dtype=np.int64)
    return n_pre, n_post, pre, post


@settings(max_examples=60, deadline=None)
@given(explicit_synapses())
def test_from_arrays_round_trip(syn):
    n_pre, n_post, pre, post = syn
    weight = np.arange(pre.size, dtype=float) - 3.5
    delay_steps = 1 + np.arange(pre.size) % 7
    c = build(ss.FromArrays(pre, post), n_pre, n_post, weight=weight, delay=delay_steps * 0.1)
    order = np.argsort(pre, kind="stable")  # the plan order: stable sort by presynaptic neuron
    np.testing.assert_array_equal(c["pre"], pre[order])
    np.testing.assert_array_equal(c["post"], post[order])
    np.testing.assert_array_equal(c["weight"], weight[order])
    np.testing.assert_allclose(c["delay"], delay_steps[order] * 0.1, rtol=1e-12)


def slices(n: int):
    return st.builds(slice, st.integers(0, n), st.integers(0, n), st.sampled_from([None, 1, 2, 3]))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_views_map_local_to_population_indices(data):
    n_pre, n_post = data.draw(st.integers(1, 20)), data.draw(st.integers(1, 20))
    pre_view, post_view = np.arange(n_pre)[data.draw(slices(n_pre))], np.arange(n_post)[data.draw(slices(n_post))]
    c = build(ss.AllToAll(), n_pre, n_post, pre=pre_view, post=post_view)
    assert pairs(c) == {(i, j) for i in pre_view.tolist() for j in post_view.tolist()}
    if pre_view.size and post_view.size:
        k = data.draw(st.integers(1, 10))
        local_pre = np.array(data.draw(st.lists(st.integers(0, pre_view.size - 1), min_size=k, max_size=k)))
        local_post = np.array(data.draw(st.lists(st.integers(0, post_view.size - 1), min_size=k, max_size=k)))
        c = build(ss.FromArrays(local_pre, local_post), n_pre, n_post, pre=pre_view, post=post_view)
        order = np.argsort(pre_view[local_pre], kind="stable")
        np.testing.assert_array_equal(c["pre"], pre_view[local_pre][order])
        np.testing.assert_array_equal(c["post"], post_view[local_post][order])


def test_view_of_a_view():
    net = ss.Network(dt=0.1)
    P = net.add_population("P", 30, LIF)
    net.connect(P[10:30][::2], P[5:20][[0, 3]], ss.AllToAll(), name="proj")
    assert pairs(net.connections("proj")) == {(i, j) for i in range(10, 30, 2) for j in (5, 8)}


def test_view_example_from_the_docs():
    net = ss.Network(dt=0.1)
    P = net.add_population("P", 40, LIF)
    net.connect(P[:10], P[5:20], ss.AllToAll(), name="proj")
    c = net.connections("proj")
    assert set(c["pre"].tolist()) == set(range(10)) and set(c["post"].tolist()) == set(range(5, 20))
    assert c["pre"].size == 10 * 15


# --------------------------------------------------------------------------- seeds and streams
RANDOM_RULES = [
    pytest.param(lambda: ss.FixedProbability(0.1), id="FixedProbability"),
    pytest.param(lambda: ss.FixedProbability(0.6, allow_self=False), id="FixedProbability-dense"),
    pytest.param(lambda: ss.FixedInDegree(5), id="FixedInDegree"),
]


def _random_projection(connector, seed: int, extra_before: bool = False, extra_after: bool = False):
    net = ss.Network(dt=0.1, seed=seed)
    if extra_before:
        X = net.add_population("X", 17, LIF, init={"v": ss.Uniform(-70.0, -60.0)})
        net.connect(X, X, ss.FixedProbability(0.3), name="X->X", weight=ss.Normal(0.0, 1.0))
    P = net.add_population("P", 60, LIF)
    net.connect(P, P, connector, name="proj", weight=ss.Normal(1.0, 0.5), delay=ss.Uniform(0.1, 2.0))
    if extra_after:
        Y = net.add_poisson("Y", 9, 10.0)
        net.connect(Y, P, ss.FixedProbability(0.5), name="Y->P")
    return net.connections("proj")


def _same(a: dict, b: dict) -> bool:
    return all(a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("rule", RANDOM_RULES)
def test_same_seed_same_connectivity(rule):
    assert _same(_random_projection(rule(), seed=7), _random_projection(rule(), seed=7))


@pytest.mark.parametrize("rule", RANDOM_RULES)
def test_different_seed_different_connectivity(rule):
    a, b = _random_projection(rule(), seed=7), _random_projection(rule(), seed=8)
    assert not _same({"pre": a["pre"], "post": a["post"]}, {"pre": b["pre"], "post": b["post"]})
    assert not np.array_equal(np.sort(a["weight"]), np.sort(b["weight"]))


@pytest.mark.parametrize("rule", RANDOM_RULES)
@pytest.mark.parametrize(("before", "after"), [(True, False), (False, True), (True, True)])
def test_unrelated_objects_do_not_change_a_projection(rule, before, after):
    ref = _random_projection(rule(), seed=11)
    assert _same(ref, _random_projection(rule(), seed=11, extra_before=before, extra_after=after))


def test_unrelated_population_does_not_change_initial_values():
    def init_v(extra: bool) -> np.ndarray:
        net = ss.Network(dt=0.1, seed=2)
        if extra:
            net.add_population("X", 5, LIF, init={"v": ss.Uniform(-70.0, -60.0)})
        net.add_population("P", 20, LIF, init={"v": ss.Normal(-60.0, 2.0)})
        return net.state("P")["v"]

    np.testing.assert_array_equal(init_v(False), init_v(True))
