"""The network shared by the Vogels & Abbott (2005) benchmarks CUBA and COBA.

4000 neurons in one population ``"P"``: neurons 0-3199 are excitatory, 3200-3999 inhibitory.
Every ordered pair is connected with probability 0.02; a synapse's delay is one step
(Brian2's default ``delay=0``, see docs/semantics.md).
"""

from __future__ import annotations

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
