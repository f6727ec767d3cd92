"""The network shared by the Vogels & Abbott (2005) benchmarks CUBA and COBA.

4000 neurons in one population ``"P"``: neurons 0-3199 are excitatory, 3200-3999 inhibitory.
Every ordered pair is connected with probability 0.02; a synapse's delay is one step
(Brian2's default ``delay=0``, see docs/semantics.md).
"""

from __future__ import annotations

from collections.abc import Callable

from _common import format_rates, group_rates, parse_args, save_raster

import spikesim as ss

N, N_EXC, P_CONNECT = 4000, 3200, 0.02
GROUPS = {"excitatory": slice(0, N_EXC), "inhibitory": slice(N_EXC, N)}


def build(dt: float, seed: int, model: ss.LIF, init: dict, exc: tuple[ss.ExpCurrent | ss.ExpConductance, float],
          inh: tuple[ss.ExpCurrent | ss.ExpConductance, float]) -> ss.Network:
    """The benchmark network; ``exc`` and ``inh`` are the (synapse, weight) of the two projections."""
    net = ss.Network(dt=dt, seed=seed)
    pop = net.add_population("P", N, model, init=init)
    for view, (synapse, weight) in ((pop[:N_EXC], exc), (pop[N_EXC:], inh)):
        net.connect(view, pop, ss.FixedProbability(P_CONNECT), synapse=synapse, weight=weight, delay=dt)
    net.record(pop, "spikes")
    return net


def run_benchmark(name: str, doc: str, build_fn: Callable[[int, float], ss.Network], argv: list[str] | None) -> dict:
    """The command line of cuba.py and coba.py: run, print the rates, write the raster."""
    args = parse_args(doc.splitlines()[0], argv, duration=1000.0, dt=0.1)
    res = build_fn(args.seed, args.dt).run(args.duration)
    rates = {**group_rates(res, "P", GROUPS), "all": res.rate("P")}
    path = save_raster(res, ["P"], args.out, f"{name.lower()}.png", f"{name}: {format_rates(rates)}")
    print(f"{name} rates: {format_rates(rates)}")
    print(f"raster: {path}")
    return {"rates": rates, "figure": path, "result": res}
