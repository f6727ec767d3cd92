"""CUBA: the current-based benchmark of Vogels & Abbott (2005), as Brian2's ``examples/CUBA.py``.

LIF neurons (tau_m = 20 ms, threshold -50 mV, reset -60 mV, rest -49 mV, refractory 5 ms) with
exponential currents: +1.62 mV (tau 5 ms) from the excitatory and -9 mV (tau 10 ms) from the
inhibitory neurons; initial v ~ U(-60, -50) mV. Brian2 reports 5.70 Hz.

Prints the excitatory, inhibitory and overall rates and writes a raster.
Usage: ``python examples/cuba.py --duration 1000 --seed 0 --dt 0.1``.
"""

from __future__ import annotations

from _common import format_rates, group_rates, parse_args, save_raster
from _vogels_abbott import GROUPS
from _vogels_abbott import build as build_benchmark

import spikesim as ss


def build(seed: int = 0, dt: float = 0.1) -> ss.Network:
    model = ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0)
    return build_benchmark(dt, seed, model, init={"v": ss.Uniform(-60.0, -50.0)},
                           exc=(ss.ExpCurrent(tau=5.0), 1.62), inh=(ss.ExpCurrent(tau=10.0), -9.0))


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, duration=1000.0, dt=0.1)
    res = build(args.seed, args.dt).run(args.duration)
    rates = {**group_rates(res, "P", GROUPS), "all": res.rate("P")}
    path = save_raster(res, ["P"], args.out, "cuba.png", f"CUBA: {format_rates(rates)}")
    print(f"CUBA rates: {format_rates(rates)}")
    print(f"raster: {path}")
    return {"rates": rates, "figure": path, "result": res}


if __name__ == "__main__":
    main()
