"""Backends: each one is a function of the plan. ``make_runner`` picks one by name."""

from __future__ import annotations

from ..plan import Plan


def make_runner(backend: str, plan: Plan):
    """Build the runner of ``backend`` for ``plan`` (imports the backend lazily)."""
    if backend == "jax":
        from .jax_float import JaxRunner

        return JaxRunner(plan)
    raise ValueError(f"backend={backend!r} is unknown")
