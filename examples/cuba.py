"""CUBA: the current-based benchmark of Vogels & Abbott (2005), as Brian2's ``examples/CUBA.py``.

LIF neurons (tau_m = 20 ms, threshold -50 mV, reset -60 mV, rest -49 mV, refractory 5 ms) with
exponential currents: +1.62 mV (tau 5 ms) from the excitatory and -9 mV (tau 10 ms) from the
inhibitory neurons; initial v ~ U(-60, -50) mV. Brian2 reports 5.70 Hz.

Prints the excitatory, inhibitory and overall rates and writes a raster.
Usage: ``python examples/cuba.py --duration 1000 --seed 0 --dt 0.1``.
"""

from __future__ import annotations

from _vogels_abbott import build as build_benchmark
from _vogels_abbott import run_benchmark

import spikesim as ss


def build(seed: int = 0, dt: float = 0.1) -> ss.Network:
    model = ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0)
    return build_benchmark(dt, seed, model, init={"v": ss.Uniform(-60.0, -50.0)},
                           exc=(ss.ExpCurrent(tau=5.0), 1.62), inh=(ss.ExpCurrent(tau=10.0), -9.0))


def main(argv: list[str] | None = None) -> dict:
    return run_benchmark("CUBA", __doc__, build, argv)


if __name__ == "__main__":
    main()
