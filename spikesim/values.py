"""Value specifications shared by the spec: distributions and validated arrays.

Everything here is numpy-only. A *value* given by the user is a scalar, an
array, or a distribution (:class:`Uniform`, :class:`Normal`); :func:`resolve`
turns it into a float64 array of a known length, raising :class:`SpecError`
(a ``ValueError``) that names the parameter and the bad value.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


class SpecError(ValueError):
    """A network description is invalid. The message names the parameter and value."""


@dataclass(frozen=True)
class Uniform:
    """Uniform distribution on [low, high) (same unit as the quantity it fills)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        check_finite("Uniform.low", self.low)
        check_finite("Uniform.high", self.high)
        if self.high < self.low:
            raise SpecError(f"Uniform: high={self.high} is below low={self.low}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Normal:
    """Normal distribution with ``mean`` and standard deviation ``std`` (>= 0)."""

    mean: float
    std: float

    def __post_init__(self) -> None:
        check_finite("Normal.mean", self.mean)
        check_finite("Normal.std", self.std)
        if self.std < 0:
            raise SpecError(f"Normal: std={self.std} must be >= 0")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean, self.std, n)


Distribution = Uniform | Normal
Value = float | int | np.ndarray | list | Distribution


def check_finite(name: str, value) -> None:
    """Raise SpecError if ``value`` (scalar or array) holds NaN or inf."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name}={value!r} is not a number") from exc
    if not np.all(np.isfinite(arr)):
        bad = float(arr[~np.isfinite(arr)].ravel()[0]) if arr.ndim else float(arr)
        raise SpecError(f"{name}={bad!r} is not finite")


def check_int(name: str, value, minimum: int | None = None) -> int:
    """Return ``value`` as an int; SpecError unless it is a finite whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SpecError(f"{name}={value!r} must be an integer")
    if not np.isfinite(value) or int(value) != value:
        raise SpecError(f"{name}={value!r} must be an integer")
    if minimum is not None and value < minimum:
        raise SpecError(f"{name}={value!r} must be >= {minimum}")
    return int(value)


def warn_user(message: str, category: type[Warning]) -> None:
    """Issue a warning attributed to the first caller outside the spikesim package."""
    import sys
    import warnings
    from pathlib import Path

    pkg = str(Path(__file__).resolve().parent)
    level, frame = 1, sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(pkg):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def is_distribution(value) -> bool:
    return isinstance(value, (Uniform, Normal))


def resolve(name: str, value: Value, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Return ``value`` as a finite float64 array of length ``n``.

    Scalars are broadcast; arrays must have length ``n``; distributions are
    sampled with ``rng``.
    """
    if is_distribution(value):
        if rng is None:
            raise SpecError(f"{name}: a distribution needs a random generator")
        out = np.asarray(value.sample(rng, n), dtype=np.float64)
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"{name}={value!r} is not a number or an array of numbers") from exc
        if arr.ndim == 0:
            out = np.full(n, float(arr))
        elif arr.ndim == 1 and arr.shape[0] == n:
            out = arr.copy()
        else:
            raise SpecError(f"{name}: array of shape {arr.shape} does not match the expected length {n}")
    check_finite(name, out)
    return out


def check_shape(name: str, value: Value) -> None:
    """Validate a value early, before its target length is known."""
    if is_distribution(value):
        return
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name}={value!r} is not a number or an array of numbers") from exc
    if arr.ndim > 1:
        raise SpecError(f"{name}: expected a scalar or a 1-D array, got shape {arr.shape}")
    check_finite(name, arr)


def stable_rng(seed: int, *labels: str | int) -> np.random.Generator:
    """A numpy Generator derived from ``seed`` and labels (names), stable across runs.

    Each object (population, projection) draws from its own stream, so adding
    another object does not change the random numbers of the existing ones.
    """
    words = [int(seed) & 0xFFFFFFFF]
    for label in labels:
        words.append(zlib.crc32(str(label).encode()) if isinstance(label, str) else int(label))
    return np.random.default_rng(np.random.SeedSequence(words))
