"""spec -> plan: validate a Network and flatten it into numpy tables.

Numpy only. Lowering is a short list of named passes; each raises
:class:`~spikesim.SpecError` naming the parameter and the bad value:

1. ``lower_population``: resolve per-neuron parameters and initial state, check the model.
2. ``collect_channels``: one synaptic channel per distinct synapse type on each target.
3. ``lower_projection``: build the connectivity, weights and delays (in steps), sort to CSR.
4. ``check_time_constants``: dt must not exceed the smallest time constant.
5. ``lower_currents``: step and noise currents as index tables.

Random draws use one numpy stream per object (:func:`spikesim.values.stable_rng`),
so the same seed gives the same plan, and adding an object does not change the
draws of the others.
"""

from __future__ import annotations

import numpy as np

from .connectivity import ConnectContext
from .network import Network, NoiseCurrent, Population, Projection, StepCurrent
from .plan import NoisePlan, Plan, PopPlan, ProjPlan, StepCurrentPlan
from .synapses import synapse_tau
from .values import SpecError, resolve, stable_rng, warn_user

# Bytes per synapse while lowering: pre/post (int64), weight/delay-in-ms (float64), delay (int32),
# sort keys and temporaries of the connection rule.
LOWER_BYTES_PER_SYNAPSE = 64


def available_memory() -> int | None:
    """Bytes of memory available to this process (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(what: str, needed: float, available: int | None = None) -> None:
    """Fail early, with the estimate, when ``needed`` bytes exceed the memory available."""
    available = available_memory() if available is None else available
    if available is not None and needed > available:
        raise SpecError(f"{what} needs about {needed / 2**30:.1f} GiB, but only {available / 2**30:.1f} GiB "
                        "of memory is available")


class DelayRoundingWarning(UserWarning):
    """A delay in ms was not a whole number of steps and was rounded."""


def lower(net: Network) -> Plan:
    """Validate ``net`` and return its :class:`~spikesim.plan.Plan`."""
    check_memory("building the synapses of this network", LOWER_BYTES_PER_SYNAPSE * sum(
        p.connector.expected(ConnectContext(p.pre.indices, p.post.indices, p.pre.population is p.post.population))
        for p in net.projections.values()))
    pops = [lower_population(net, pop) for pop in net.populations.values()]
    index = {p.name: i for i, p in enumerate(pops)}
    collect_channels(net, pops, index)
    projs = [lower_projection(net, proj, pops, index) for proj in net.projections.values()]
    check_time_constants(net, pops)
    lower_currents(net, pops, index)
    return Plan(dt=float(net.dt), seed=int(net.seed), pops=pops, projs=projs, precision=net.precision)


def lower_population(net: Network, pop: Population) -> PopPlan:
    if pop.kind == "poisson":
        return PopPlan(pop.name, pop.n, "poisson", rate_hz=np.asarray(pop.rate_hz, dtype=np.float64))
    if pop.kind == "spike_source":
        order = np.argsort(pop.spike_times, kind="stable")
        return PopPlan(pop.name, pop.n, "spike_source", spike_steps=pop.spike_times[order],
                       spike_idx=pop.spike_indices[order])
    model = pop.model
    mname = type(model).__name__
    rng = stable_rng(net.seed, "population", pop.name, "params")
    params = {k: resolve(f"{pop.name}.{mname}.{k}", v, pop.n, rng) for k, v in model.param_values().items()}
    model.check(params, net.dt, f"population {pop.name!r} ({mname})")
    init = model.default_init(params)
    rng = stable_rng(net.seed, "population", pop.name, "init")
    for var, value in pop.init.items():  # synaptic channels too; checked in collect_channels
        init[var] = resolve(f"{pop.name}.init[{var!r}]", value, pop.n, rng)
    return PopPlan(pop.name, pop.n, "neurons", model=model, params=params, init=init)


def collect_channels(net: Network, pops: list[PopPlan], index: dict[str, int]) -> None:
    channels: dict[str, list] = {p.name: [] for p in pops}
    for proj in net.projections.values():
        chans = channels[proj.post.population.name]
        if proj.synapse not in chans:
            chans.append(proj.synapse)
    for p in pops:
        p.channels = tuple(channels[p.name])
        names = [getattr(syn, "name", None) for syn in p.channels]
        named = [n for n in names if n]
        if len(set(named)) != len(named):
            dup = next(n for n in named if named.count(n) > 1)
            raise SpecError(f"population {p.name!r}: two different synapse types are both named {dup!r}")
        clash = set(named) & set(p.model.state_vars if p.model else ())
        if clash:
            raise SpecError(f"population {p.name!r}: synapse name {clash.pop()!r} clashes with a state variable")
        for var in p.init:
            if p.model is not None and var not in p.model.state_vars and var not in named:
                raise SpecError(f"population {p.name!r}: init[{var!r}] is neither a state variable "
                                f"{p.model.state_vars} nor a named synapse {tuple(named)}")


def _delays_to_steps(name: str, delay_ms: np.ndarray, dt: float) -> np.ndarray:
    steps = np.rint(delay_ms / dt).astype(np.int64)
    bad = np.flatnonzero(steps < 1)
    if bad.size:
        raise SpecError(f"projection {name!r}: delay={delay_ms[bad[0]]} ms is shorter than one step (dt={dt} ms)")
    err = np.abs(steps * dt - delay_ms)
    if err.size and err.max() > 1e-6 * dt:
        i = int(np.argmax(err))
        warn_user(f"projection {name!r}: delays rounded to whole steps of dt={dt} ms "
                  f"(e.g. {delay_ms[i]:g} ms -> {steps[i] * dt:g} ms; largest change {err.max():.4g} ms)",
                  DelayRoundingWarning)
    if steps.size and steps.max() >= 2**31:
        raise SpecError(f"projection {name!r}: delay={delay_ms.max()} ms is too large")
    return steps.astype(np.int32)


def lower_projection(net: Network, proj: Projection, pops: list[PopPlan], index: dict[str, int]) -> ProjPlan:
    pre_pop, post_pop = proj.pre.population, proj.post.population
    ctx = ConnectContext(proj.pre.indices, proj.post.indices, pre_pop is post_pop)
    rng = stable_rng(net.seed, "projection", proj.name, "connect")
    pre_local, post_local = proj.connector.build(ctx, rng)
    pre = proj.pre.indices[pre_local]
    post = proj.post.indices[post_local]
    n_syn = int(pre.size)
    weight = resolve(f"projection {proj.name!r}: weight", proj.weight, n_syn,
                     stable_rng(net.seed, "projection", proj.name, "weight"))
    if proj.synapse.kind == "conductance" and n_syn and weight.min() < 0:
        raise SpecError(f"projection {proj.name!r}: weight={weight.min()} is negative; conductance "
                        "weights must be >= 0 (the sign comes from e_rev)")
    delay_ms = resolve(f"projection {proj.name!r}: delay", proj.delay, n_syn,
                       stable_rng(net.seed, "projection", proj.name, "delay"))
    delay = _delays_to_steps(proj.name, delay_ms, net.dt)
    order = np.argsort(pre, kind="stable")
    pre, post, weight, delay = pre[order], post[order], weight[order], delay[order]
    indptr = np.zeros(pre_pop.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=pre_pop.n), out=indptr[1:])
    post_plan = pops[index[post_pop.name]]
    return ProjPlan(name=proj.name, pre=index[pre_pop.name], post=index[post_pop.name],
                    channel=post_plan.channels.index(proj.synapse), synapse=proj.synapse,
                    pre_idx=pre.astype(np.int64), post_idx=post.astype(np.int64), weight=weight,
                    delay_steps=delay, indptr=indptr)


def check_time_constants(net: Network, pops: list[PopPlan]) -> None:
    for p in pops:
        for syn in p.channels:
            tau = synapse_tau(syn)
            if tau is not None and tau < net.dt:
                raise SpecError(f"population {p.name!r}: synapse tau={tau} ms is smaller than dt={net.dt} ms")


def lower_currents(net: Network, pops: list[PopPlan], index: dict[str, int]) -> None:
    for cur in net.currents:
        pop = pops[index[cur.target.population.name]]
        idx = np.asarray(cur.target.indices, dtype=np.int64)
        if isinstance(cur, StepCurrent):
            steps = np.rint(cur.times / net.dt).astype(np.int64)
            if np.any(np.diff(steps) <= 0):
                raise SpecError(f"add_step_current: times={cur.times.tolist()} fall into the same step of dt={net.dt} ms")
            pop.step_currents.append(StepCurrentPlan(idx, steps, cur.amplitudes.copy()))
        elif isinstance(cur, NoiseCurrent):
            pop.noise.append(NoisePlan(idx, cur.mean, cur.std))
