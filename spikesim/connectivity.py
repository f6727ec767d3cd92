"""Connection rules. Numpy only.

A connector turns the neurons of a presynaptic view and a postsynaptic view into
arrays ``(pre, post)`` of *local* indices (positions within the views). ``same``
is a boolean matrix-free test: ``pre_global[i] == post_global[j]`` marks a
self-connection when both views belong to the same population.

Rules draw from the numpy Generator they are given, so one network seed gives
the same connectivity on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .values import SpecError, check_finite, check_int


@dataclass(frozen=True)
class ConnectContext:
    """What a connector needs to know about the two views."""

    pre_global: np.ndarray  # population-level indices of the presynaptic view
    post_global: np.ndarray  # population-level indices of the postsynaptic view
    same_population: bool

    @property
    def n_pre(self) -> int:
        return int(self.pre_global.size)

    @property
    def n_post(self) -> int:
        return int(self.post_global.size)


def _drop_self(ctx: ConnectContext, pre: np.ndarray, post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not ctx.same_population:
        return pre, post
    keep = ctx.pre_global[pre] != ctx.post_global[post]
    return pre[keep], post[keep]


def _self_partner(ctx: ConnectContext) -> np.ndarray:
    """For each presynaptic local index, the local post index of the same neuron, or -1."""
    out = np.full(ctx.n_pre, -1, dtype=np.int64)
    if not ctx.same_population:
        return out
    pos = {int(g): j for j, g in enumerate(ctx.post_global)}
    for i, g in enumerate(ctx.pre_global):
        out[i] = pos.get(int(g), -1)
    return out


def _sample_rows(rng: np.random.Generator, counts: np.ndarray, n_choices: int, excluded: np.ndarray) -> np.ndarray:
    """For row r, draw counts[r] distinct values in [0, n_choices) avoiding excluded[r] (-1: none).

    Vectorised: draw with replacement, then redraw the duplicates until none are
    left. Each redraw round is uniform over the values not yet taken, so the
    result is a uniform sample without replacement.
    """
    rows = np.repeat(np.arange(counts.size), counts)
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64)
    if rows.size > 0.2 * counts.size * n_choices and counts.size * n_choices <= 50_000_000:
        # Dense regime: redrawing duplicates would converge slowly; rank random keys instead.
        keys = rng.random((counts.size, n_choices))
        has = excluded >= 0
        keys[np.flatnonzero(has), excluded[has]] = np.inf
        ranked = np.argsort(keys, axis=1)
        take = np.arange(n_choices)[None, :] < counts[:, None]
        return ranked[take].astype(np.int64)
    # Draw among n_choices - 1 values when one is excluded, then shift past it.
    span = np.where(excluded >= 0, n_choices - 1, n_choices)

    def draw(at: np.ndarray) -> np.ndarray:
        r = rows[at]
        v = np.floor(rng.random(at.size) * span[r]).astype(np.int64)
        return np.where((excluded[r] >= 0) & (v >= excluded[r]), v + 1, v)

    vals = draw(np.arange(rows.size))
    starts = np.concatenate(([0], np.cumsum(counts)))
    check = np.arange(rows.size)  # positions whose rows may hold duplicates
    for _ in range(1000):
        key = rows[check] * n_choices + vals[check]
        order = np.argsort(key, kind="stable")
        dup = np.zeros(check.size, dtype=bool)
        dup[1:] = key[order][1:] == key[order][:-1]
        if not dup.any():
            return vals
        again = check[order[dup]]
        vals[again] = draw(again)
        bad = np.unique(rows[again])  # re-check only the rows that had a duplicate
        lens = counts[bad]
        check = np.repeat(starts[bad] - np.cumsum(np.concatenate(([0], lens[:-1]))), lens) + np.arange(lens.sum())
    raise RuntimeError("connectivity sampling did not converge")  # pragma: no cover


@dataclass(frozen=True)
class AllToAll:
    """Every presynaptic neuron connects to every postsynaptic neuron.
    ``allow_self=False`` drops the synapse of a neuron onto itself."""

    allow_self: bool = True

    def expected(self, ctx: ConnectContext) -> float:
        return ctx.n_pre * ctx.n_post

    def build(self, ctx: ConnectContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        pre = np.repeat(np.arange(ctx.n_pre), ctx.n_post)
        post = np.tile(np.arange(ctx.n_post), ctx.n_pre)
        return (pre, post) if self.allow_self else _drop_self(ctx, pre, post)


@dataclass(frozen=True)
class OneToOne:
    """Neuron i of the presynaptic view connects to neuron i of the postsynaptic view."""

    def expected(self, ctx: ConnectContext) -> float:
        return ctx.n_pre

    def build(self, ctx: ConnectContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if ctx.n_pre != ctx.n_post:
            raise SpecError(f"OneToOne: the views differ in size (pre has {ctx.n_pre}, post has {ctx.n_post})")
        idx = np.arange(ctx.n_pre)
        return idx, idx.copy()


@dataclass(frozen=True)
class FixedProbability:
    """Each pair (i, j) is connected independently with probability ``p`` in [0, 1]."""

    p: float
    allow_self: bool = True

    def __post_init__(self) -> None:
        check_finite("FixedProbability.p", self.p)
        if not 0.0 <= self.p <= 1.0:
            raise SpecError(f"FixedProbability.p={self.p} is outside [0, 1]")

    def expected(self, ctx: ConnectContext) -> float:
        return self.p * ctx.n_pre * ctx.n_post

    def build(self, ctx: ConnectContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        partner = _self_partner(ctx) if not self.allow_self else np.full(ctx.n_pre, -1)
        n_avail = np.where(partner >= 0, ctx.n_post - 1, ctx.n_post)
        counts = rng.binomial(n_avail, self.p)
        post = _sample_rows(rng, counts, ctx.n_post, partner)
        pre = np.repeat(np.arange(ctx.n_pre), counts)
        return pre, post


@dataclass(frozen=True)
class FixedInDegree:
    """Each postsynaptic neuron receives exactly ``k`` synapses from distinct presynaptic neurons."""

    k: int
    allow_self: bool = True

    def __post_init__(self) -> None:
        check_int("FixedInDegree.k", self.k, minimum=0)

    def expected(self, ctx: ConnectContext) -> float:
        return self.k * ctx.n_post

    def build(self, ctx: ConnectContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        swapped = ConnectContext(ctx.post_global, ctx.pre_global, ctx.same_population)
        partner = _self_partner(swapped) if not self.allow_self else np.full(ctx.n_post, -1)
        n_avail = np.where(partner >= 0, ctx.n_pre - 1, ctx.n_pre)
        if np.any(n_avail < self.k):
            raise SpecError(f"FixedInDegree.k={self.k} exceeds the {int(n_avail.min())} available presynaptic neurons")
        counts = np.full(ctx.n_post, int(self.k))
        pre = _sample_rows(rng, counts, ctx.n_pre, partner)
        post = np.repeat(np.arange(ctx.n_post), counts)
        return pre, post


@dataclass(frozen=True, eq=False)
class FromArrays:
    """Explicit synapses: ``pre[k] -> post[k]``, local indices within the two views."""

    pre: np.ndarray
    post: np.ndarray

    def __post_init__(self) -> None:
        pre, post = np.asarray(self.pre), np.asarray(self.post)
        if pre.ndim != 1 or post.ndim != 1 or pre.shape != post.shape:
            raise SpecError(f"FromArrays: pre (shape {pre.shape}) and post (shape {post.shape}) must be 1-D of equal length")
        for name, arr in (("pre", pre), ("post", post)):
            if arr.size and (not np.issubdtype(arr.dtype, np.integer)):
                raise SpecError(f"FromArrays.{name} must hold integers, got dtype {arr.dtype}")

    def expected(self, ctx: ConnectContext) -> float:
        return np.asarray(self.pre).size

    def build(self, ctx: ConnectContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        pre = np.asarray(self.pre, dtype=np.int64)
        post = np.asarray(self.post, dtype=np.int64)
        for name, arr, n in (("pre", pre, ctx.n_pre), ("post", post, ctx.n_post)):
            bad = np.flatnonzero((arr < 0) | (arr >= n))
            if bad.size:
                raise SpecError(f"FromArrays.{name}[{bad[0]}]={arr[bad[0]]} is outside the view of size {n}")
        return pre, post


Connector = AllToAll | OneToOne | FixedProbability | FixedInDegree | FromArrays
CONNECTOR_TYPES = (AllToAll, OneToOne, FixedProbability, FixedInDegree, FromArrays)
