"""The host program of ``backend="fpga_sim"``, written against :class:`~spikesim.fpga.driver.CoreDriver`.

:func:`host_program` runs inside the simulation (:func:`spikesim.fpga.sim_host.simulate` calls it
with a driver on the simulated AXI4-Lite bus), and would run as is on a board: it replays the
rewards (:func:`reward_segments`: the run is split at each reward step s and ``driver.reward`` is
called between step s-1 and step s, with the core idle), runs the steps while draining the spike
FIFO, then reads the spikes, the STATE memory, the counters, the modulator and, for a plastic design,
the WEIGHT memory. No cocotb here: the bus is the driver's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..fpga.driver import CoreDriver


def reward_segments(steps: int, rewards: Sequence[tuple[int, float]]) -> list[tuple[str, float]]:
    """The run of steps ``0 .. steps-1`` as ``("run", k)`` and ``("reward", amount)`` items in order.

    A reward at step s is delivered after ``s`` steps have run (between step s-1 and step s);
    rewards at the same step keep their order; rewards at ``s >= steps`` are not (yet) due."""
    out: list[tuple[str, float]] = []
    t = 0
    for s, amount in sorted(((int(s), float(a)) for s, a in rewards), key=lambda r: r[0]):  # stable
        if s >= steps:
            break
        if s > t:
            out.append(("run", s - t))
            t = s
        out.append(("reward", amount))
    if steps > t:
        out.append(("run", steps - t))
    return out


def host_program(driver: CoreDriver, steps: int, rewards: Sequence[tuple[int, float]] = (),
                 n_syn: int = 0) -> dict[str, Any]:
    """Run ``steps`` steps from reset with the rewards replayed; spikes, state, counters (and weights).

    Returns ``{"steps", "idx"}`` (spikes: absolute step, global index), ``"state"`` (STATE words,
    2**SLB lanes per neuron), ``"sat"``, ``"counters"``, ``"modulator"`` (M at the end, float),
    ``"cycles"`` (clocks from START to DONE, summed over the segments; simulation only) and
    ``"weights"`` (the WEIGHT memory, signed, when ``n_syn``)."""
    for kind, value in reward_segments(steps, rewards):
        if kind == "run":
            driver.run(int(value))
        else:
            driver.reward(value)
    spikes = driver.read_spikes()
    info = driver.info
    state = driver.read_memory("STATE", info.n_neurons * info.state_lanes).astype(np.int64)
    weights = driver.read_memory("WEIGHT", n_syn).astype(np.int64) if n_syn else np.zeros(0, np.int64)
    counters = driver.counters()
    if counters["STEP_COUNT"] != steps:
        raise RuntimeError(f"STEP_COUNT = {counters['STEP_COUNT']} after a run of {steps} steps")
    return {"steps": spikes.steps, "idx": spikes.idx, "state": state, "sat": counters["SAT_COUNT"],
            "counters": counters, "modulator": driver.modulator(), "cycles": int(getattr(driver.bus, "cycles", 0)),
            "weights": np.where(weights >= 1 << 31, weights - (1 << 32), weights)}
