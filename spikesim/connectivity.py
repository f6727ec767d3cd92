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
    if not ctx.same_population or ctx.n_pre == 0 or ctx.n_post == 0:
        return out
    top = int(max(ctx.pre_global.max(), ctx.post_global.max())) + 1
    where = np.full(top, -1, dtype=np.int64)  # global index -> local post index (view indices are distinct)
    where[ctx.post_global] = np.arange(ctx.n_post)
    out[:] = where[ctx.pre_global]
    return out


def stable_argsort(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for integer keys in ``[0, n_keys)``, as int64.

    Packs each key with its position into one int64 (key in the high bits) and sorts those
    with numpy's unstable (SIMD) sort: the positions break ties, so the order is the stable
    one, at a fraction of the cost of a stable argsort (timsort for ints wider than 16 bits).
    Falls back to the stable argsort when key and position do not fit in 62 bits together.
    """
    size = int(keys.size)
    shift = max(size - 1, 1).bit_length()
    if size == 0 or max(int(n_keys) - 1, 1).bit_length() + shift > 62:
        return np.argsort(keys, kind="stable").astype(np.int64, copy=False)
    packed = keys.astype(np.int64)  # a copy: shifted in place
    packed <<= shift
    packed |= np.arange(size, dtype=np.int64)
    packed.sort()
    packed &= (1 << shift) - 1
    return packed


def _first_duplicates_equal_rows(vals: np.ndarray, n_rows: int, k: int, n_choices: int) -> np.ndarray | None:
    """Positions of the repeated values within each row of ``vals`` (``n_rows`` rows of ``k``, row-major),
    in the order of ``(row, value, position)``, every occurrence after the first; None if they do not pack."""
    jbits = max(k - 1, 1).bit_length()
    if max(n_choices - 1, 1).bit_length() + jbits > 62:
        return None
    packed = vals.reshape(n_rows, k) << jbits
    packed |= np.arange(k, dtype=np.int64)
    packed.sort(axis=1)
    sv = packed >> jbits
    dup = np.zeros((n_rows, k), dtype=bool)
    dup[:, 1:] = sv[:, 1:] == sv[:, :-1]
    at = np.flatnonzero(dup)
    return (at - at % k) + (packed.ravel()[at] & ((1 << jbits) - 1))


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

    any_excluded = bool(np.any(excluded >= 0))

    def draw(at: np.ndarray | None) -> np.ndarray:
        """Values for the positions ``at`` (None: every position)."""
        size = rows.size if at is None else at.size
        if not any_excluded:  # span is n_choices everywhere and nothing is shifted
            return np.floor(rng.random(size) * n_choices).astype(np.int64)
        r = rows if at is None else rows[at]
        v = np.floor(rng.random(size) * span[r]).astype(np.int64)
        ex = excluded[r]
        return np.where((ex >= 0) & (v >= ex), v + 1, v)

    vals = draw(None)
    starts = np.concatenate(([0], np.cumsum(counts)))
    check = None  # positions whose rows may hold duplicates (None: all of them)
    for _ in range(1000):
        if check is None and counts.min() == counts.max():
            again = _first_duplicates_equal_rows(vals, counts.size, int(counts[0]), n_choices)
        else:
            again = None
        if again is None:
            check = np.arange(rows.size) if check is None else check
            key = rows[check] * n_choices + vals[check]
            order = stable_argsort(key, counts.size * n_choices)
            sorted_key = key[order]
            dup = np.zeros(check.size, dtype=bool)
            dup[1:] = sorted_key[1:] == sorted_key[:-1]
            again = check[order[dup]]
        if again.size == 0:
            return vals
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
