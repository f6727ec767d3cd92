"""The lowered plan: flat, integer-indexed numpy tables that every backend reads.

Numpy only. A plan is produced by :func:`spikesim.lower.lower` and never refers
back to the spec's objects, except the (immutable) neuron and synapse model
objects, which carry the math.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .neurons import NeuronModel
from .synapses import Synapse


@dataclass
class StepCurrentPlan:
    """Piecewise-constant current: ``amps[k]`` from step ``steps[k]`` on, into ``idx``."""

    idx: np.ndarray
    steps: np.ndarray
    amps: np.ndarray


@dataclass
class NoisePlan:
    """Gaussian current ``mean + std * N(0, 1)`` per neuron and step, into ``idx``."""

    idx: np.ndarray
    mean: float
    std: float


@dataclass
class PopPlan:
    """One population. ``kind`` is ``"neurons"``, ``"poisson"`` or ``"spike_source"``."""

    name: str
    n: int
    kind: str
    model: NeuronModel | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    init: dict[str, np.ndarray] = field(default_factory=dict)  # state variables and named channels
    channels: tuple[Synapse, ...] = ()
    rate_hz: np.ndarray | None = None
    spike_steps: np.ndarray | None = None  # sorted
    spike_idx: np.ndarray | None = None
    step_currents: list[StepCurrentPlan] = field(default_factory=list)
    noise: list[NoisePlan] = field(default_factory=list)

    def channel_index(self, name: str) -> int | None:
        """The index of the synaptic channel called ``name``, or None."""
        for k, syn in enumerate(self.channels):
            if getattr(syn, "name", None) == name:
                return k
        return None


@dataclass
class ProjPlan:
    """One projection as CSR by presynaptic neuron.

    ``pre_idx``, ``post_idx`` are population-level indices, sorted by ``pre_idx``
    (stable), and ``indptr`` has ``n_pre + 1`` entries: the synapses of presynaptic
    neuron i are ``indptr[i]:indptr[i+1]``. ``delay_steps >= 1``. ``channel`` indexes
    the target population's ``channels``.
    """

    name: str
    pre: int
    post: int
    channel: int
    synapse: Synapse
    pre_idx: np.ndarray
    post_idx: np.ndarray
    weight: np.ndarray
    delay_steps: np.ndarray
    indptr: np.ndarray
    rule: Any = None  # a plasticity rule (spikesim.plasticity), or None
    modulator: int | None = None  # index into Plan.modulators (ThreeFactor rules)
    every_steps: int = 1  # ThreeFactor: steps between weight updates

    @property
    def n_synapses(self) -> int:
        return int(self.pre_idx.size)

    @property
    def max_delay(self) -> int:
        return int(self.delay_steps.max()) if self.delay_steps.size else 1


@dataclass
class ModulatorPlan:
    """A neuromodulator: ``kind`` is ``"dynamic"`` (each step ``M <- decay * M + bias + sum over
    sources (pop, idx, gain) of gain * spikes of pop[idx]`` + rewards; an astrocyte is one),
    ``"array"`` (``signal`` indexed by step) or ``"function"`` (``signal(t_ms)``).
    ``size``: 1, or one value per neuron. ``initial``: M before the first step."""

    name: str
    kind: str
    decay: float
    sources: list[tuple[int, np.ndarray, float]]
    bias: float
    signal: Any
    size: int
    initial: float = 0.0


@dataclass
class Plan:
    """A whole lowered network. ``dt`` in ms."""

    dt: float
    seed: int
    pops: list[PopPlan]
    projs: list[ProjPlan]
    precision: str = "float32"  # of the floating-point backends' state
    modulators: list[ModulatorPlan] = field(default_factory=list)

    def pop_index(self, name: str) -> int:
        for i, p in enumerate(self.pops):
            if p.name == name:
                return i
        raise KeyError(name)

    def pop(self, name: str) -> PopPlan:
        return self.pops[self.pop_index(name)]

    def proj(self, name: str) -> ProjPlan:
        for p in self.projs:
            if p.name == name:
                return p
        raise KeyError(name)

    def max_delay(self, post: int | None = None) -> int:
        """The largest delay in steps, over all projections (or onto population ``post``)."""
        ds = [p.max_delay for p in self.projs if post is None or p.post == post]
        return max(ds, default=1)
