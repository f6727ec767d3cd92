"""The network description (the *spec*): populations, projections, inputs, monitors.

Numpy only. Everything is validated when it is added, so that bad input fails
with a :class:`~spikesim.SpecError` naming the parameter and the value, before
anything is compiled. ``Network.run`` lowers the spec to a plan once
(:func:`spikesim.lower.lower`) and hands it to a backend.

Units: time in ms, voltage in mV, rates in Hz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .connectivity import CONNECTOR_TYPES, Connector
from .neurons import NEURON_TYPES, NeuronModel
from .plasticity import Modulator, check_rule
from .synapses import SYNAPSE_TYPES, Delta, Synapse
from .tripartite import GChIAstrocyte, Tripartite, TripartiteSynapse
from .values import SpecError, Value, check_finite, check_int, check_shape, is_distribution

if TYPE_CHECKING:
    from .plan import Plan
    from .result import Result

BACKENDS = ("jax", "jax_fixed", "fpga_sim")


class Population:
    """A group of ``n`` neurons of one model, or a spike source. Slice it to get a view."""

    def __init__(self, net: Network, name: str, n: int, kind: str, model: NeuronModel | None = None,
                 init: dict[str, Value] | None = None, rate_hz: Value | None = None,
                 spike_times: np.ndarray | None = None, spike_indices: np.ndarray | None = None) -> None:
        self.net = net
        self.name = name
        self.n = n
        self.kind = kind  # "neurons" | "poisson" | "spike_source"
        self.model = model
        self.init = dict(init or {})
        self.rate_hz = rate_hz
        self.spike_times = spike_times
        self.spike_indices = spike_indices

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key) -> PopulationView:
        return PopulationView(self, _select(np.arange(self.n), key, self.name))

    def __repr__(self) -> str:
        what = type(self.model).__name__ if self.model is not None else self.kind
        return f"Population({self.name!r}, n={self.n}, {what})"

    @property
    def indices(self) -> np.ndarray:
        return np.arange(self.n)

    @property
    def population(self) -> Population:
        return self


class PopulationView:
    """A subset of a population's neurons (``P[a:b]``, ``P[[1, 5, 7]]``)."""

    def __init__(self, population: Population, indices: np.ndarray) -> None:
        idx = np.atleast_1d(np.asarray(indices))
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        if idx.size and (idx.min() < 0 or idx.max() >= population.n):
            raise SpecError(f"view of {population.name!r}: index out of range [0, {population.n})")
        if np.unique(idx).size != idx.size:
            raise SpecError(f"view of {population.name!r}: indices repeat")
        self.population = population
        self.indices = idx.astype(np.int64)
        self.n = int(idx.size)
        self.name = population.name

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key) -> PopulationView:
        return PopulationView(self.population, _select(self.indices, key, self.name))

    def __repr__(self) -> str:
        return f"PopulationView({self.population.name!r}, n={self.n})"


Target = Population | PopulationView


def _select(indices: np.ndarray, key, name: str) -> np.ndarray:
    try:
        return indices[key]
    except IndexError as exc:
        raise SpecError(f"view of {name!r}: index {key!r} is out of range for {indices.size} neurons") from exc


@dataclass(eq=False)
class Projection:
    """Synapses from ``pre`` to ``post``. ``weight`` in the synapse's unit, ``delay`` in ms."""

    net: Network
    name: str
    pre: Target
    post: Target
    connector: Connector
    synapse: Synapse
    weight: Value
    delay: Value
    plasticity: Any = None
    plastic: bool = True  # switch a plasticity rule off (False) or on between runs

    def __repr__(self) -> str:
        return f"Projection({self.name!r}: {self.pre.name} -> {self.post.name}, {type(self.synapse).__name__})"


@dataclass(frozen=True)
class StepCurrent:
    """Piecewise-constant current into ``target``: ``amplitudes[k]`` from ``times[k]`` (ms)
    until the next time. Before ``times[0]`` the current is zero. Unit: the model's current."""

    target: Target
    times: np.ndarray
    amplitudes: np.ndarray


@dataclass(frozen=True)
class NoiseCurrent:
    """A current drawn independently for each neuron and each step: ``mean + std * N(0, 1)``,
    held for that step (as the thalamic input of Izhikevich's net.m). Unit: the model's current."""

    target: Target
    mean: float
    std: float


@dataclass(frozen=True)
class Record:
    """A monitor: ``var`` of ``target`` every ``every`` steps."""

    target: str
    var: str
    every: int
    is_projection: bool = False


@dataclass(eq=False)
class Network:
    """A spiking network. ``dt`` is the time step in ms; ``seed`` fixes every random draw
    (connectivity, initial values, Poisson and noise inputs) on every backend. ``precision``
    ("float32" or "float64") is the number format of the floating-point backends' state;
    float64 runs on the pure-XLA push (slower on CPU) and is meant for comparisons with
    double-precision simulators."""

    dt: float = 0.1
    seed: int = 0
    precision: str = "float32"
    populations: dict[str, Population] = field(default_factory=dict)
    projections: dict[str, Projection] = field(default_factory=dict)
    currents: list = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    modulators: dict[str, Modulator] = field(default_factory=dict)
    tripartites: dict[str, Tripartite] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_finite("dt", self.dt)
        if self.dt <= 0:
            raise SpecError(f"dt={self.dt} must be > 0 ms")
        self.seed = check_int("seed", self.seed)
        if self.precision not in ("float32", "float64"):
            raise SpecError(f"precision={self.precision!r} must be 'float32' or 'float64'")
        self._plan: Plan | None = None
        self._runner = None
        self._backend: str | None = None
        self._rewards: list[tuple[str, int, float]] = []  # (modulator, step, amount), delivered by the runner

    # ----------------------------------------------------------------- building
    def _check_open(self) -> None:
        if self._plan is not None:
            raise SpecError("the network has already been run; its structure is frozen (create a new Network)")

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise SpecError(f"name={name!r} must be a non-empty string without '/'")
        if name in self.populations or name in self.projections or name in self.modulators \
                or name in self.tripartites:
            raise SpecError(f"name={name!r} is already used in this network")

    @staticmethod
    def _check_size(n) -> int:
        return check_int("n", n, minimum=1)

    def add_population(self, name: str, n: int, model: NeuronModel,
                       init: dict[str, Value] | None = None) -> Population:
        """Add ``n`` neurons of ``model``. ``init`` maps state variables (e.g. ``"v"``) to
        initial values: a scalar, an array of length n, or a distribution."""
        self._check_open()
        self._check_name(name)
        n = self._check_size(n)
        if not isinstance(model, NEURON_TYPES):
            raise SpecError(f"model={model!r} is not a neuron model ({', '.join(t.__name__ for t in NEURON_TYPES)})")
        for var, value in (init or {}).items():
            if not isinstance(var, str):
                raise SpecError(f"init: {var!r} is not a variable name")
            check_shape(f"init[{var!r}]", value)  # names of synaptic channels are checked by lower()
        pop = Population(self, name, n, "neurons", model=model, init=init)
        self.populations[name] = pop
        return pop

    def add_poisson(self, name: str, n: int, rate_hz: Value) -> Population:
        """Add ``n`` independent Poisson spike sources firing at ``rate_hz`` (Hz, >= 0; scalar
        or one rate per source). A source spikes in a step with probability rate*dt."""
        self._check_open()
        self._check_name(name)
        n = self._check_size(n)
        check_shape("rate_hz", rate_hz)
        rates = np.broadcast_to(np.asarray(rate_hz, dtype=float), (n,)) if np.ndim(rate_hz) == 0 else np.asarray(rate_hz, float)
        if rates.shape != (n,):
            raise SpecError(f"rate_hz: array of length {rates.size} does not match n={n}")
        if np.any(rates < 0):
            raise SpecError(f"rate_hz={rates[rates < 0][0]} must be >= 0 Hz")
        if np.any(rates * self.dt / 1000.0 > 1.0):
            raise SpecError(f"rate_hz={rates.max()} exceeds one spike per step (1/dt = {1000.0 / self.dt} Hz)")
        pop = Population(self, name, n, "poisson", rate_hz=rates.copy())
        self.populations[name] = pop
        return pop

    def add_spike_source(self, name: str, n: int, times, indices) -> Population:
        """Add ``n`` sources that spike at the given ``times`` (ms, rounded to the step) with
        the given source ``indices``. Two spikes of one source in one step are an error."""
        self._check_open()
        self._check_name(name)
        n = self._check_size(n)
        times = np.asarray(times, dtype=float).ravel()
        indices = np.asarray(indices).ravel()
        if times.shape != indices.shape:
            raise SpecError(f"add_spike_source: times (length {times.size}) and indices (length {indices.size}) differ")
        check_finite("times", times)
        if times.size and times.min() < 0:
            raise SpecError(f"times={times.min()} must be >= 0 ms")
        if indices.size and not np.issubdtype(indices.dtype, np.integer):
            raise SpecError(f"indices must be integers, got dtype {indices.dtype}")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            bad = indices[(indices < 0) | (indices >= n)][0]
            raise SpecError(f"indices: {bad} is outside [0, {n})")
        steps = np.rint(times / self.dt).astype(np.int64)
        key = steps * n + indices
        uniq, counts = np.unique(key, return_counts=True)
        if np.any(counts > 1):
            k = uniq[counts > 1][0]
            raise SpecError(f"add_spike_source: source {k % n} spikes twice in the step at t={k // n * self.dt:g} ms")
        pop = Population(self, name, n, "spike_source", spike_times=steps, spike_indices=indices.astype(np.int64))
        self.populations[name] = pop
        return pop

    def _target(self, target, what: str, neurons_only: bool = True) -> Target:
        if isinstance(target, str):
            target = self.populations.get(target, target)
        if not isinstance(target, (Population, PopulationView)) or target.population.net is not self:
            raise SpecError(f"{what}={target!r} is not a population of this network")
        if neurons_only and target.population.kind != "neurons":
            raise SpecError(f"{what}={target.name!r} is a spike source; it has no neurons to drive")
        return target

    def add_step_current(self, target: Target, times, amplitudes) -> StepCurrent:
        """Inject a piecewise-constant current: ``amplitudes[k]`` from ``times[k]`` (ms) on."""
        self._check_open()
        target = self._target(target, "target")
        times = np.asarray(times, dtype=float).ravel()
        amps = np.asarray(amplitudes, dtype=float).ravel()
        if times.shape != amps.shape or times.size == 0:
            raise SpecError(f"add_step_current: times (length {times.size}) and amplitudes "
                            f"(length {amps.size}) must match and be non-empty")
        check_finite("times", times)
        check_finite("amplitudes", amps)
        if np.any(np.diff(times) <= 0):
            raise SpecError(f"add_step_current: times={times.tolist()} must be strictly increasing")
        cur = StepCurrent(target, times, amps)
        self.currents.append(cur)
        return cur

    def add_noise_current(self, target: Target, std: float, mean: float = 0.0) -> NoiseCurrent:
        """Inject ``mean + std * N(0, 1)``, drawn anew for each neuron every step."""
        self._check_open()
        target = self._target(target, "target")
        check_finite("std", std)
        check_finite("mean", mean)
        if std < 0:
            raise SpecError(f"std={std} must be >= 0")
        cur = NoiseCurrent(target, float(mean), float(std))
        self.currents.append(cur)
        return cur

    def connect(self, pre: Target, post: Target, connector: Connector, synapse: Synapse | None = None,
                weight: Value = 1.0, delay: Value | None = None, name: str | None = None,
                plasticity: Any = None) -> Projection:
        """Connect two populations (or views). ``weight`` is in the synapse's unit; ``delay``
        in ms (default: one step), a scalar, an array of length n_synapses or a distribution.
        A delay is rounded to whole steps (a warning says so when that changes it) and
        must be at least one step."""
        self._check_open()
        pre = self._target(pre, "pre", neurons_only=False)
        post = self._target(post, "post")
        if not isinstance(connector, CONNECTOR_TYPES):
            raise SpecError(f"connector={connector!r} is not a connection rule")
        synapse = Delta() if synapse is None else synapse
        if not isinstance(synapse, SYNAPSE_TYPES):
            raise SpecError(f"synapse={synapse!r} is not a synapse model")
        if plasticity is not None:
            check_rule(plasticity, "connect")
        check_shape("weight", weight)
        delay = self.dt if delay is None else delay
        check_shape("delay", delay)
        if not is_distribution(delay):
            arr = np.asarray(delay, float)
            if arr.size and arr.min() <= 0:
                raise SpecError(f"delay={arr.min()} must be > 0 ms (at least one step, dt={self.dt})")
        name = name or f"{pre.name}->{post.name}#{len(self.projections)}"
        self._check_name(name)
        proj = Projection(self, name, pre, post, connector, synapse, weight, delay, plasticity)
        self.projections[name] = proj
        return proj

    def add_modulator(self, name: str, tau: float = math.inf, source: Target | None = None,
                      per_spike: float = 0.0, signal: Any = None) -> Modulator:
        """A neuromodulator M for :class:`~spikesim.ThreeFactor` rules.

        Dynamic (default): ``M <- M * exp(-dt/tau) + per_spike * (spikes of source in the step)``
        plus what :meth:`reward` delivers (``tau`` in ms, ``math.inf`` = no decay). Or a
        ``signal``: a function of time in ms (scalar or one value per postsynaptic neuron), or an
        array of shape (steps,) or (steps, n_post) indexed by the global step."""
        self._check_open()
        self._check_name(name)
        if math.isnan(tau) or not tau > 0:
            raise SpecError(f"add_modulator: tau={tau} must be > 0 ms (math.inf: no decay)")
        check_finite("per_spike", per_spike)
        if source is not None:
            source = self._target(source, "source", neurons_only=False)
        size = 1
        if signal is not None:
            if source is not None or per_spike:
                raise SpecError("add_modulator: give either signal= or source=/per_spike=, not both")
            if not callable(signal):
                arr = np.asarray(signal, dtype=float)
                if arr.ndim not in (1, 2) or arr.shape[0] == 0:
                    raise SpecError(f"add_modulator: signal has shape {arr.shape}; expected (steps,) or (steps, n_post)")
                check_finite("signal", arr)
                signal = arr.copy()
                size = 1 if arr.ndim == 1 else arr.shape[1]
        sources = () if source is None else ((source, float(per_spike)),)
        mod = Modulator(name, float(tau), sources, 0.0, signal, size)
        self.modulators[name] = mod
        return mod

    def add_astrocyte(self, name: str, liquid: Target, inputs: Target | None = None, w_astro: float = 0.015,
                      bias: float = 0.15, tau: float = 100.0, initial: float | None = None) -> Modulator:
        """A NALSM astrocyte (Ivanov & Michmizos 2021): one value A per network part that integrates
        activity, ``A <- A + dt/tau * (w_astro * (spikes of liquid - spikes of inputs) + bias - A)``
        each step (``tau`` in ms; spike counts of the step). Pass it as ``STDP(..., modulator=A)``
        to make A the depression rate: the STDP depression is then ``a_minus * A * y``.
        ``initial`` defaults to ``bias`` (the resting value)."""
        self._check_open()
        self._check_name(name)
        liquid = self._target(liquid, "liquid", neurons_only=False)
        sources = [(liquid, float(w_astro))]
        if inputs is not None:
            sources.append((self._target(inputs, "inputs", neurons_only=False), -float(w_astro)))
        for label, value in (("w_astro", w_astro), ("bias", bias), ("tau", tau)):
            check_finite(label, value)
        if tau <= 0:
            raise SpecError(f"add_astrocyte: tau={tau} must be > 0 ms")
        init = float(bias) if initial is None else float(initial)
        check_finite("initial", init)
        mod = Modulator(name, float(tau), tuple(sources), float(bias), None, 1, relax=True, initial=init)
        self.modulators[name] = mod
        return mod

    def add_tripartite(self, name: str, pre: Target, astrocyte_of, i_bias, pre_index=None,
                       synapse: TripartiteSynapse | None = None, astrocyte: GChIAstrocyte | None = None,
                       init: dict[str, float] | None = None) -> Tripartite:
        """Tripartite synapses (De Pittà / Stimberg et al. 2018, see :mod:`spikesim.tripartite`) driven
        by the spikes of ``pre``: synapse k listens to neuron ``pre_index[k]`` of ``pre`` (default: the
        one neuron of ``pre``, or neuron k) and to the G-ChI astrocyte ``astrocyte_of[k]`` (-1: none),
        whose exogenous IP3 drive goes towards ``i_bias[j]`` (µM). ``net.record(tri, "u_S")`` records
        a variable; ``Result.state(name, var)`` returns it and ``Result.spikes(name + ".astrocytes")``
        the gliotransmitter releases. The synapses drive no neuron (their output is ``Y_S``), so they
        are integrated in float64 from the presynaptic spikes after each run."""
        self._check_open()
        self._check_name(name)
        pre = self._target(pre, "pre", neurons_only=False)
        tri = Tripartite(name, pre, astrocyte_of, i_bias, pre_index, synapse, astrocyte, init)
        tri.check_dt(self.dt)
        self.tripartites[name] = tri
        return tri

    def reward(self, modulator: Modulator | str, amount: float, at: float | None = None) -> None:
        """Add ``amount`` to a dynamic modulator at time ``at`` (ms; default: the start of the next
        run). Call it between runs, e.g. to deliver a reward computed from the last run's spikes."""
        name = modulator.name if isinstance(modulator, Modulator) else modulator
        if name not in self.modulators:
            raise SpecError(f"reward: modulator={name!r} is not a modulator of this network")
        if self.modulators[name].signal is not None:
            raise SpecError(f"reward: modulator {name!r} is a signal; rewards go to dynamic modulators")
        check_finite("amount", amount)
        step = round(self.t / self.dt) if at is None else round(at / self.dt)
        if at is not None:
            check_finite("at", at)
            if step < round(self.t / self.dt):
                raise SpecError(f"reward: at={at} ms is in the past (the network is at t={self.t} ms)")
        self._rewards.append((name, int(step), float(amount)))

    def record(self, target, var: str = "spikes", every: int = 1) -> Record:
        """Record ``var`` of a population (``"spikes"`` or a state variable such as ``"v"``) or
        the ``"weights"`` of a projection, every ``every`` steps (state and weights only)."""
        every = check_int("every", every, minimum=1)
        if isinstance(target, Tripartite) or (isinstance(target, str) and target in self.tripartites):
            tri = self.tripartites[target if isinstance(target, str) else target.name]
            tri.record(var, every)
            return Record(tri.name, var, every)
        if isinstance(target, Projection) or (isinstance(target, str) and target in self.projections):
            proj = self.projections[target] if isinstance(target, str) else target
            if var != "weights":
                raise SpecError(f"record: var={var!r} is unknown for a projection; use 'weights'")
            rec = Record(proj.name, var, int(every), is_projection=True)
        else:
            pop = self._target(target, "target", neurons_only=False).population
            allowed = ("spikes",) + (pop.model.state_vars if pop.model is not None else ())
            if var not in allowed and (pop.model is None or var not in self._channel_names(pop)):
                raise SpecError(f"record: var={var!r} is unknown for {pop.name!r}; choose from "
                                f"{allowed + self._channel_names(pop)}")
            if var == "spikes" and every != 1:
                raise SpecError(f"record: every={every} is meaningless for spikes (every spike is recorded)")
            rec = Record(pop.name, var, int(every))
        for other in self.records:
            if (other.target, other.var, other.is_projection) == (rec.target, rec.var, rec.is_projection) \
                    and other.every != rec.every:
                raise SpecError(f"record: {rec.var!r} of {rec.target!r} is already recorded every {other.every} "
                                f"steps; every={rec.every} would replace it")
        if rec not in self.records:
            self.records.append(rec)
        return rec

    def _channel_names(self, pop: Population) -> tuple[str, ...]:
        """Names of the named synaptic channels (ExpCurrent/ExpConductance ``name=``) onto ``pop``."""
        names = [getattr(p.synapse, "name", None) for p in self.projections.values() if p.post.population is pop]
        return tuple(dict.fromkeys(n for n in names if n))

    # ------------------------------------------------------------------ running
    @property
    def plan(self) -> Plan:
        """The lowered plan (built on first use; the structure is frozen from then on)."""
        if self._plan is None:
            from .lower import lower

            self._plan = lower(self)
        return self._plan

    def run(self, duration: float, backend: str = "jax", progress: bool = False,
            chunk: float | None = None, spike_buffer: int | None = None, native: bool | None = None) -> Result:
        """Simulate ``duration`` ms and return a :class:`~spikesim.Result`.

        A later ``run`` continues from the final state. Long runs execute in chunks of
        ``chunk`` ms (default: chosen from memory); the result does not depend on the
        chunking. ``progress=True`` shows a tqdm bar. ``spike_buffer`` sets the initial
        size of the per-step spike buffer (it grows automatically on overflow).
        ``native`` (jax backend on CPU): push spikes with the compiled C++ kernel; None (the
        default) uses it when a C++ compiler is available. Both paths give identical spikes.
        """
        if backend not in BACKENDS:
            raise SpecError(f"backend={backend!r} is unknown; available: {', '.join(BACKENDS)}")
        n_steps, chunk_steps, spike_buffer = self._run_args(duration, chunk, spike_buffer)
        plan = self.plan
        if self._runner is not None and self._backend != backend:
            raise SpecError(f"backend={backend!r}: this network already runs on {self._backend!r}; "
                            "switching backends between runs is not supported")
        if self._runner is not None and native is not None and native != self._runner.native:
            raise SpecError(f"native={native!r}: the push kernel is chosen at the first run "
                            f"(this network uses native={self._runner.native})")
        if self._runner is None:
            from .backends import make_runner

            self._runner = make_runner(backend, plan, native=native)
            self._backend = backend
        extra = {}
        if plan.modulators or any(p.rule is not None for p in plan.projs):
            extra["controls"] = self._controls(n_steps)
        records = list(self.records)
        sources = {tri.pre.population.name for tri in self.tripartites.values()}
        records += [Record(s, "spikes", 1) for s in sorted(sources) if Record(s, "spikes", 1) not in records]
        start = round(self.t / self.dt)
        res = self._runner.run(n_steps, records=records, progress=progress,
                               chunk_steps=chunk_steps, spike_buffer=spike_buffer, **extra)
        if self.tripartites:
            from .tripartite import advance_network

            advance_network(self, res, start, n_steps, drop=[r.target for r in records[len(self.records):]])
        return res

    def _run_args(self, duration: float, chunk: float | None, spike_buffer: int | None) -> tuple:
        """Validate a run's arguments: (steps, chunk in steps or None, spike buffer or None)."""
        check_finite("duration", duration)
        n_steps = round(duration / self.dt)
        if duration <= 0 or not math.isclose(n_steps * self.dt, duration, rel_tol=1e-9, abs_tol=1e-9):
            raise SpecError(f"duration={duration} must be a positive multiple of dt={self.dt} ms")
        if chunk is not None:
            check_finite("chunk", chunk)
            if chunk < self.dt:
                raise SpecError(f"chunk={chunk} must be at least one step (dt={self.dt} ms)")
        if spike_buffer is not None:
            spike_buffer = check_int("spike_buffer", spike_buffer, minimum=1)
        chunk_steps = None if chunk is None else max(1, round(chunk / self.dt))
        return n_steps, chunk_steps, spike_buffer

    def _controls(self, n_steps: int) -> dict:
        """What may change between runs: plasticity switches and scheduled rewards (consumed)."""
        start = round(self.t / self.dt)
        for m in self.modulators.values():
            if m.kind == "array" and start + n_steps > m.signal.shape[0]:
                raise SpecError(f"modulator {m.name!r}: signal has {m.signal.shape[0]} steps, but this run "
                                f"needs steps up to {start + n_steps}")
        due = [r for r in self._rewards if r[1] < start + n_steps]
        self._rewards = [r for r in self._rewards if r[1] >= start + n_steps]
        return {"plastic": {p.name: bool(p.plastic) for p in self.projections.values() if p.plasticity is not None},
                "rewards": due}

    @property
    def t(self) -> float:
        """The current simulation time in ms."""
        return 0.0 if self._runner is None else self._runner.step * self.dt

    def state(self, name: str) -> dict[str, np.ndarray]:
        """The current state variables of a population (initial state before any run)."""
        if name not in self.populations:
            raise SpecError(f"state: {name!r} is not a population of this network")
        if self._runner is not None:
            return self._runner.population_state(name)
        pop = self.plan.pop(name)
        return {k: v.copy() for k, v in pop.init.items()}

    def emit_verilog(self, out_dir: str, max_delay: int = 256):
        """Write this network as a Verilog design (RTL cores, generated top, ``$readmemh`` images) into
        ``out_dir``; bit-exact with ``backend="jax_fixed"``. ``max_delay`` (steps) bounds the delay ring.
        Raises SpecError for what the RTL cannot express. Returns a ``spikesim.backends.verilog.Design``."""
        from .backends.verilog import emit

        return emit(self.plan, out_dir, max_delay=max_delay)

    def modulator_value(self, name: str) -> np.ndarray:
        """The current value of a modulator or astrocyte (one value, or one per neuron)."""
        if name not in self.modulators:
            raise SpecError(f"modulator_value: {name!r} is not a modulator of this network")
        if self._runner is None:
            m = self.plan.modulators[list(self.modulators).index(name)]
            return np.full(m.size, m.initial)
        return self._runner.modulator_value(name)

    def connections(self, name: str) -> dict[str, np.ndarray]:
        """A projection's synapses: ``pre``, ``post`` (population indices), ``weight``, and
        ``delay`` (ms), in the plan's order (sorted by presynaptic neuron)."""
        if name not in self.projections:
            raise SpecError(f"connections: {name!r} is not a projection of this network")
        proj = self.plan.proj(name)
        weights = proj.weight if self._runner is None else self._runner.weights(name)
        return {"pre": proj.pre_idx.copy(), "post": proj.post_idx.copy(),
                "weight": np.array(weights), "delay": proj.delay_steps * self.dt}
