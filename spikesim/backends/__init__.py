"""Backends: each one is a function of the plan. ``make_runner`` picks one by name."""

from __future__ import annotations

from ..plan import Plan


def make_runner(backend: str, plan: Plan, native: bool | None = None):
    """Build the runner of ``backend`` for ``plan`` (imports the backend lazily)."""
    if backend == "jax":
        from .jax_float import JaxRunner

        return JaxRunner(plan, native=native)
    if backend == "jax_fixed":
        from .jax_fixed import JaxFixedRunner

        return JaxFixedRunner(plan, native=native)
    if backend == "fpga_sim":
        from .fpga_sim import FpgaSimRunner

        return FpgaSimRunner(plan, native=native)
    raise ValueError(f"backend={backend!r} is unknown")
