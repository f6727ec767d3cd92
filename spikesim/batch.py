"""Batched simulation: B networks of one structure in one compiled call (JAX backend).

    nets = [build(seed=s, w_e=w) for s, w in zip(seeds, weights)]
    results = ss.run_batch(nets, 1000.0)      # one Result per network, in order

The networks may differ in everything that is a number: seed (so Poisson and noise inputs,
random connectivity and initial values), connectivity and weights, delays, initial state,
neuron parameters, input amplitudes and rates. They must share the structure: the same
populations (names, sizes, models, synapse types and time constants), projections,
recordings, plasticity rules and modulators. A difference in structure is a
:class:`~spikesim.SpecError` that names it.

Each member's spikes equal those of its own ``net.run(duration, native=False)``. After the
batch, every network holds its own final state: it can continue alone with ``net.run`` or
in another ``run_batch`` with the same members.
"""

from __future__ import annotations

from collections.abc import Sequence

from .network import Network
from .result import Result
from .values import SpecError


def run_batch(nets: Sequence[Network], duration: float, progress: bool = False, chunk: float | None = None,
              spike_buffer: int | None = None, native: bool | None = None) -> list[Result]:
    """Simulate ``duration`` ms (a multiple of dt) of every network in ``nets`` together, as
    one vmapped JAX computation; returns their results in order. ``chunk`` (ms),
    ``spike_buffer`` and ``native`` are as in :meth:`Network.run` (the spike buffer is shared
    by the batch; the native CPU push handles the whole batch in one call per step)."""
    nets = list(nets)
    if not nets or not all(isinstance(n, Network) for n in nets):
        raise SpecError(f"run_batch: nets must be a non-empty sequence of Network objects, got {nets!r:.80}")
    if len({id(n) for n in nets}) != len(nets):
        raise SpecError("run_batch: the same Network appears twice in nets; build one network per member")
    for i, n in enumerate(nets):
        if n.tripartites:
            raise SpecError(f"run_batch: member {i} has a tripartite synapse, which batch runs do not support; "
                            "run it with net.run")
        if n.dt != nets[0].dt:
            raise SpecError(f"run_batch: member {i} has dt={n.dt} ms, member 0 dt={nets[0].dt} ms")
    args = [n._run_args(duration, chunk, spike_buffer) for n in nets]
    n_steps, chunk_steps, spike_buffer = args[0]
    runner = _batch_runner(nets, native)
    controls = [n._controls(n_steps) if (n.plan.modulators or any(p.rule is not None for p in n.plan.projs)) else None
                for n in nets]
    records = list(nets[0].records)
    for i, n in enumerate(nets[1:], 1):
        if list(n.records) != records:
            raise SpecError(f"run_batch: member {i} records {n.records}, member 0 records {records}; "
                            "the recordings of a batch must be the same")
    return runner.run(n_steps, records, progress, chunk_steps, spike_buffer, controls)


def _batch_runner(nets: list[Network], native: bool | None):
    """The batch runner of these networks: reused when they ran together before, else built
    (each network gets a member runner on the shared layout)."""
    from .backends.jax_batch import BatchRunner
    from .backends.jax_core import Layout, build_layout
    from .backends.jax_float import JaxRunner, _device_memory, device_bytes
    from .lower import check_memory

    prev = getattr(nets[0], "_batch", None)
    if prev is not None and [id(m) for m in prev.members] == [id(n._runner) for n in nets]:
        if native is not None and native != prev.members[0].native:
            raise SpecError(f"native={native!r}: the push kernel is chosen at the first run "
                            f"(this batch uses native={prev.members[0].native})")
        return prev
    for i, n in enumerate(nets):
        if n._runner is not None:
            raise SpecError(f"run_batch: member {i} has already run on its own (t = {n.t} ms); a batch starts "
                            "from networks that have not run, or that ran together in a batch")
    plans = [n.plan for n in nets]
    built = [build_layout(p) for p in plans]
    layouts = [b[0] for b in built]
    check_memory(f"the JAX state of this batch of {len(nets)} networks",
                 sum(device_bytes(lay, tables, p) for (lay, tables, _), p in zip(built, plans)), _device_memory())
    del built
    groups = {}
    for lay in layouts:
        for g in lay.groups:
            groups[g.pop] = g if g.pop not in groups or g.k > groups[g.pop].k else groups[g.pop]
    common = Layout(max(lay.depth for lay in layouts), layouts[0].width, layouts[0].offsets,
                    tuple(groups[k] for k in sorted(groups)))
    members = [JaxRunner(p, native=native, layout=common) for p in plans]
    batch = BatchRunner(members)
    for n, m in zip(nets, members):
        n._runner, n._backend, n._batch = m, "jax", batch
    return batch
