"""COBA: the conductance-based benchmark of Vogels & Abbott (2005), in Brian 1's ``COBA.py`` form.

Voltages are relative to -60 mV: threshold +10 mV, reset 0, rest 0, refractory 5 ms, tau_m 20 ms.
Exponential conductances (in units of the leak conductance): +0.6 (tau 5 ms, reversal +60 mV) from
the excitatory and +6.7 (tau 10 ms, reversal -20 mV) from the inhibitory neurons.
Initial state as Brian 1: v = 5 N(0,1) - 5 mV, ge = 1.5 N(0,1) + 4, gi = 12 N(0,1) + 20.

Prints the excitatory, inhibitory and overall rates and writes a raster.
Usage: ``python examples/coba.py --duration 1000 --seed 0 --dt 0.1``.
"""

from __future__ import annotations

from _vogels_abbott import build as build_benchmark
from _vogels_abbott import run_benchmark

import spikesim as ss


def build(seed: int = 0, dt: float = 0.1) -> ss.Network:
    model = ss.LIF(tau_m=20.0, v_rest=0.0, v_thresh=10.0, v_reset=0.0, t_ref=5.0)
    init = {"v": ss.Normal(-5.0, 5.0), "ge": ss.Normal(4.0, 1.5), "gi": ss.Normal(20.0, 12.0)}
    return build_benchmark(dt, seed, model, init=init,
                           exc=(ss.ExpConductance(tau=5.0, e_rev=60.0, name="ge"), 0.6),
                           inh=(ss.ExpConductance(tau=10.0, e_rev=-20.0, name="gi"), 6.7))


def main(argv: list[str] | None = None) -> dict:
    return run_benchmark("COBA", __doc__, build, argv)


if __name__ == "__main__":
    main()
