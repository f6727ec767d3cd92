"""spec -> plan: validate a Network and flatten it into numpy tables.

Numpy only. Lowering is a short list of named passes; each raises
:class:`~spikesim.SpecError` naming the parameter and the bad value:

1. ``lower_population``: resolve per-neuron parameters and initial state, check the model.
2. ``collect_channels``: one synaptic channel per distinct synapse type on each target.
3. ``lower_projection``: build the connectivity, weights and delays (in steps), sort to CSR.
4. ``check_time_constants``: dt must not exceed the smallest time constant.
5. ``lower_currents``: step and noise currents as index tables.
6. ``lower_plasticity``: check each rule against its projection, resolve the modulators.

Random draws use one numpy stream per object (:func:`spikesim.values.stable_rng`),
so the same seed gives the same plan, and adding an object does not change the
draws of the others.
"""

from __future__ import annotations

import numpy as np

from .connectivity import ConnectContext, stable_argsort
from .network import Network, NoiseCurrent, Population, Projection, StepCurrent
from .plan import ModulatorPlan, NoisePlan, Plan, PopPlan, ProjPlan, StepCurrentPlan
from .plasticity import STDP, ThreeFactor
from .synapses import synapse_tau
from .values import SpecError, is_distribution, resolve, stable_rng, warn_user

# Bytes per synapse while lowering. The plan holds 28 (int64 pre and post, float64 weight, int32
# delay); the measured peak of lower() is 36-49 with the connection rule's temporaries and the
# sort (bench/RESULTS.md, "Memory"); 64 leaves room for the dense regime of FixedProbability.
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
    modulators = lower_plasticity(net, pops, projs, index)
    return Plan(dt=float(net.dt), seed=int(net.seed), pops=pops, projs=projs, precision=net.precision,
                modulators=modulators)


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


def _to_population(view_indices: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Population indices of the view positions ``local`` (a new int64 array).

    A contiguous view (a whole population, ``P[a:b]``) maps by adding its first index,
    which is cheaper than the gather an arbitrary view needs."""
    n = int(view_indices.size)
    if n and int(view_indices[-1]) - int(view_indices[0]) == n - 1 and (n == 1 or bool(np.all(np.diff(view_indices) == 1))):
        return np.add(local, int(view_indices[0]), dtype=np.int64)
    return view_indices[local].astype(np.int64, copy=False)


def _is_scalar(value) -> bool:
    """A single number (not a distribution, not an array of length > 0): the same for every synapse."""
    return not is_distribution(value) and np.ndim(value) == 0


def lower_projection(net: Network, proj: Projection, pops: list[PopPlan], index: dict[str, int]) -> ProjPlan:
    pre_pop, post_pop = proj.pre.population, proj.post.population
    ctx = ConnectContext(proj.pre.indices, proj.post.indices, pre_pop is post_pop)
    rng = stable_rng(net.seed, "projection", proj.name, "connect")
    pre_local, post_local = proj.connector.build(ctx, rng)
    pre = _to_population(proj.pre.indices, pre_local)
    del pre_local
    post = _to_population(proj.post.indices, post_local)
    del post_local
    n_syn = int(pre.size)
    weight = resolve(f"projection {proj.name!r}: weight", proj.weight, n_syn,
                     stable_rng(net.seed, "projection", proj.name, "weight"))
    if proj.synapse.kind == "conductance" and n_syn and weight.min() < 0:
        raise SpecError(f"projection {proj.name!r}: weight={weight.min()} is negative; conductance "
                        "weights must be >= 0 (the sign comes from e_rev)")
    delay_name = f"projection {proj.name!r}: delay"
    if n_syn and _is_scalar(proj.delay):  # one delay: convert (and check) it once
        one = _delays_to_steps(proj.name, resolve(delay_name, proj.delay, 1), net.dt)
        delay = np.full(n_syn, one[0], dtype=np.int32)
    else:
        delay_ms = resolve(delay_name, proj.delay, n_syn, stable_rng(net.seed, "projection", proj.name, "delay"))
        delay = _delays_to_steps(proj.name, delay_ms, net.dt)
        del delay_ms
    counts = np.bincount(pre, minlength=pre_pop.n)
    if n_syn and not bool(np.all(pre[1:] >= pre[:-1])):  # CSR: a stable sort by presynaptic neuron
        order = stable_argsort(pre, pre_pop.n)
        pre = np.repeat(np.arange(pre_pop.n, dtype=np.int64), counts)
        post = post[order]
        if not _is_scalar(proj.weight):  # a constant array needs no reordering
            weight = weight[order]
        if not _is_scalar(proj.delay):
            delay = delay[order]
        del order
    indptr = np.zeros(pre_pop.n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    post_plan = pops[index[post_pop.name]]
    return ProjPlan(name=proj.name, pre=index[pre_pop.name], post=index[post_pop.name],
                    channel=post_plan.channels.index(proj.synapse), synapse=proj.synapse,
                    pre_idx=pre, post_idx=post, weight=weight, delay_steps=delay, indptr=indptr)


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


def lower_plasticity(net: Network, pops: list[PopPlan], projs: list[ProjPlan], index: dict[str, int]) -> list[ModulatorPlan]:
    names = list(net.modulators)
    mods = []
    for m in net.modulators.values():
        sources = [(index[src.population.name], np.asarray(src.indices, dtype=np.int64), float(gain))
                   for src, gain in m.sources if gain]
        if m.relax:  # astrocyte: M <- M + dt/tau * (drive + bias - M)
            if m.tau < net.dt:
                raise SpecError(f"astrocyte {m.name!r}: tau={m.tau} ms is shorter than dt={net.dt} ms")
            k = net.dt / m.tau
            decay, bias, sources = 1.0 - k, m.bias * k, [(p, i, g * k) for p, i, g in sources]
        else:
            decay, bias = (1.0 if np.isinf(m.tau) else float(np.exp(-net.dt / m.tau))), m.bias
        size = _signal_size(m, net.dt) if m.kind == "function" else m.size
        mods.append(ModulatorPlan(m.name, m.kind, decay, sources, bias, m.signal, size, m.initial))
    for proj, plan in zip(net.projections.values(), projs):
        rule = proj.plasticity
        if rule is None:
            continue
        where = f"projection {proj.name!r}"
        if plan.synapse.kind == "conductance" and rule.w_min < 0:
            raise SpecError(f"{where}: w_min={rule.w_min} is negative; conductance weights must stay >= 0")
        w = plan.weight
        if w.size and (w.min() < rule.w_min or w.max() > rule.w_max):
            bad = w.min() if w.min() < rule.w_min else w.max()
            raise SpecError(f"{where}: weight={bad} lies outside the rule's bounds [w_min={rule.w_min}, "
                            f"w_max={rule.w_max}]")
        plan.rule = rule
        if isinstance(rule, STDP) and rule.modulator is not None:
            plan.modulator = _modulator_index(net, names, mods, rule.modulator, pops[plan.post], where)
            if mods[plan.modulator].size != 1:
                raise SpecError(f"{where}: STDP's depression modulator {rule.modulator.name!r} must be global (one value)")
        if isinstance(rule, ThreeFactor):
            every = net.dt if rule.every is None else rule.every
            steps = round(every / net.dt)
            if steps < 1 or abs(steps * net.dt - every) > 1e-9 * max(1.0, every):
                raise SpecError(f"{where}: ThreeFactor every={every} ms is not a whole number of steps of dt={net.dt} ms")
            plan.every_steps = int(steps)
            if rule.modulator is not None:
                plan.modulator = _modulator_index(net, names, mods, rule.modulator, pops[plan.post], where)
    return mods


def _modulator_index(net: Network, names: list[str], mods: list[ModulatorPlan], mod, post: PopPlan, where: str) -> int:
    if mod.name not in names or net.modulators[mod.name] is not mod:
        raise SpecError(f"{where}: modulator {mod.name!r} was not created by this network's add_modulator")
    k = names.index(mod.name)
    if mods[k].size not in (1, post.n):
        raise SpecError(f"{where}: modulator {mod.name!r} has {mods[k].size} values per step, but the postsynaptic "
                        f"population {post.name!r} has {post.n} neurons (use one value, or one per postsynaptic neuron)")
    return k


def _signal_size(m, dt: float) -> int:
    """Evaluate a modulator function once (t = 0) to learn whether it is global or per neuron."""
    try:
        value = np.asarray(m.signal(0.0), dtype=float)
    except Exception as exc:
        raise SpecError(f"modulator {m.name!r}: signal(0.0) raised {exc!r}") from exc
    if value.ndim > 1 or value.size == 0:
        raise SpecError(f"modulator {m.name!r}: signal(t) returned shape {value.shape}; expected a scalar or a 1-d array")
    return int(value.size) if value.ndim == 1 else 1
