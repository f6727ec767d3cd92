"""The floating-point JAX runner (CPU and GPU): chunked, jit-compiled, event-driven.

The state is float32, or float64 with ``Network(precision="float64")`` (computed inside a
``jax.enable_x64`` context, so the user's global JAX configuration is left alone).

One step (the order is documented in ``docs/architecture.md``):

1. deliver the ring row due now into the synaptic channels (Delta: into v);
2. integrate every neuron over the step (the model's ``integrate``), decay channels;
3. threshold (refractory neurons cannot fire), reset, start the refractory count;
4. draw the spikes of Poisson sources and read those of spike sources;
5. push every population's new spikes into the ring (event-driven).

A run is split into chunks of ``T`` steps. Each chunk is one compiled call
(``lax.fori_loop``); the state stays on the device and the recordings come back
once per chunk. Random numbers are keyed by (seed, stream, global step), so the
spikes do not depend on the chunking.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from ..lower import check_memory
from ..network import Record
from ..plan import Plan
from ..result import Result
from . import jax_plastic, native
from .jax_core import Layout, build_layout, deliver, push, step_keys, stream_key
from .jax_record import RecSpec, build_result, empty_buffer, read_buffer, set_row, source_spikes, write_state

CHUNK_BYTES = 256 * 2**20
MAX_CHUNK = 20000


class JaxRunner:
    """Holds the device state of one network between runs."""

    def __init__(self, plan: Plan, native: bool | None = None, layout: Layout | None = None) -> None:
        self.plan = plan
        self.layout, tables, self.slots = build_layout(plan, layout)
        check_memory("the JAX state of this network", device_bytes(self.layout, tables, plan), _device_memory())
        # passed to the compiled chunk as arguments, never baked into it as constants
        self.plastic, ptables = jax_plastic.build_plastic(plan, self.slots, {s: t["weight"].size for s, t in tables.items()})
        self.tables = {"code": {s: jnp.asarray(t["code"]) for s, t in tables.items()},
                       "rowlen": {s: jnp.asarray(t["rowlen"]) for s, t in tables.items()},
                       "plastic": {k: {n: jnp.asarray(a) for n, a in t.items()} for k, t in ptables.items()}}
        self.x64 = plan.precision == "float64"
        self.dtype = jnp.float64 if self.x64 else jnp.float32
        if self.x64 and native:
            raise ValueError("native=True: the native push is float32; precision='float64' uses the XLA path")
        self.native = False if self.x64 else _use_native(native)
        with jax.enable_x64(self.x64):
            self._setup(plan, tables)

    def _setup(self, plan: Plan, tables: dict) -> None:
        self.trial = jax.tree.map(self._to_device, trial_values(plan))
        self.state = self._initial_state(tables)
        self.step = 0
        self.buffer = {g.pop: min(g.n, 32) for g in self.layout.groups}
        for ps in self.plastic:  # spikes per step (pre), synapses of post spikes (jax_plastic)
            self.buffer[("pre", ps.name)] = min(ps.n_pre, 32)
            self.buffer[("post", ps.name)] = min(ps.n_syn, 256)
        self.plastic_on = {ps.name: True for ps in self.plastic}
        self.rewards: list[tuple[str, int, float]] = []
        self._compiled: dict = {}

    def _initial_state(self, tables) -> dict:
        pops = []
        for p in self.plan.pops:
            if p.kind != "neurons":
                pops.append({})
                continue
            st = {var: jnp.asarray(p.init[var], self.dtype) for var in p.model.state_vars}
            if p.model.has_refractory:
                st["refr"] = jnp.zeros(p.n, jnp.int32)
            st["syn"] = [jnp.asarray(p.init.get(getattr(s, "name", None), np.zeros(p.n)), self.dtype)
                         if s.kind in ("current", "conductance") else None for s in p.channels]
            pops.append(st)
        ring = jnp.zeros(self.layout.depth * self.layout.width, self.dtype)
        weights = {s: jnp.asarray(t["weight"], self.dtype) for s, t in tables.items()}
        plastic = {ps.name: jax_plastic.initial_state(ps, self.dtype) for ps in self.plastic}
        mods = [jnp.full(m.size, m.initial, self.dtype) for m in self.plan.modulators]
        return {"ring": ring, "pops": pops, "weights": weights, "plastic": plastic, "mods": mods}

    def _to_device(self, x):
        if isinstance(x, np.ndarray):
            return jnp.asarray(x, jnp.int32 if x.dtype.kind == "i" else self.dtype)
        return x

    # ------------------------------------------------------------- one step
    def _arrive(self, k: int, st: dict, row) -> dict:
        """Deliver the ring row due now into population k's channels (phase 1 of a step).

        As in Brian2, a Delta input reaches v only if the neuron was neither refractory nor
        spiking in the previous step (Brian2 applies it at the end of that step, after the
        threshold and before the reset); the count ``refr`` is still the one of that step.
        """
        p, lay = self.plan.pops[k], self.layout
        st = {**st, "syn": list(st["syn"]), "pulse": jnp.zeros(p.n, self.dtype)}
        for ch, s in enumerate(p.channels):
            seg = row[lay.offsets[k][ch]:lay.offsets[k][ch] + p.n]
            if s.kind in ("current", "conductance"):
                st["syn"][ch] = st["syn"][ch] + seg
            elif s.kind == "delta":
                st["v"] = st["v"] + (jnp.where(st["refr"] == 0, seg, 0.0) if "refr" in st else seg)
            else:
                st["pulse"] = st["pulse"] + seg
        return st

    def _advance(self, k: int, st: dict, i_ext, c: dict):
        """Integrate, threshold and reset population k (phases 2-3) with coefficients ``c``;
        returns (state, spiked)."""
        p = self.plan.pops[k]
        model = p.model
        vs = {var: st[var] for var in model.state_vars}
        active = None
        if model.has_refractory:
            refr = jnp.maximum(st["refr"] - 1, 0)
            active = refr == 0
        new = model.integrate(jnp, c, vs, i_ext + st["pulse"], st["syn"], p.channels)
        if active is not None:
            new = {var: jnp.where(active, new[var], vs[var]) for var in new}
        spiked = model.threshold(jnp, c, new)
        if active is not None:
            spiked = spiked & active
        out = dict(model.reset(jnp, c, new, spiked))
        if active is not None:  # at least one step, so that the next step's Delta inputs are gated
            out["refr"] = jnp.where(spiked, jnp.maximum(c["ref_steps"], 1), refr)
        out["syn"] = [None if x is None else x * jnp.asarray(np.exp(-self.plan.dt / syn.tau), self.dtype)
                      for x, syn in zip(st["syn"], p.channels)]
        return out, spiked

    def _external_current(self, k: int, t, noise_row, inp: dict):
        p = self.plan.pops[k]
        i_ext = jnp.zeros(p.n, self.dtype)
        for m, steps, amps in inp["steps"]:
            j = jnp.searchsorted(steps, t, side="right") - 1
            amp = jnp.where(j >= 0, amps[jnp.maximum(j, 0)], 0.0)
            i_ext = i_ext + m * amp
        for (m, mean, std), z in zip(inp["noise"], noise_row):
            i_ext = i_ext + m * (mean + std * z)
        return i_ext

    # --------------------------------------------------------------- a chunk
    def _make_chunk(self, T: int, buffers: tuple, recs: tuple[RecSpec, ...], batch=None):
        """The jitted chunk ``chunk(state, tables, trial_b, t0, n, sources, controls)``: up to T steps.

        ``batch=None``: one network; ``trial_b`` is unused and this runner's trial values are
        compile-time constants. Otherwise (``jax_batch``) every argument but ``t0`` and ``n``
        has a leading batch axis (tables: where ``batch.table_axes`` says 0); ``trial_b`` holds
        the trial values that differ between members and ``batch.trial(trial_b)`` rebuilds a
        member's tree. One step of one member is vmapped; the recordings are written outside
        the vmap (a vmapped row write would rewrite the whole buffer every step), and the push
        has no fallback path (an overflow is only counted; the batch runner re-runs the chunk).
        """
        plan, lay = self.plan, self.layout
        pops = plan.pops
        poisson = [k for k, p in enumerate(pops) if p.kind == "poisson"]
        size = dict(zip([g.pop for g in lay.groups], buffers))
        psizes = {ps.name: (self.buffer[("pre", ps.name)], self.buffer[("post", ps.name)]) for ps in self.plastic}
        n_groups = len(lay.groups)
        n_counts = n_groups + 2 * len(self.plastic)
        trial_of = (lambda _: self.trial) if batch is None else batch.trial

        def draws(trial_b, t0):
            trial = trial_of(trial_b)
            probs, keys = trial["probs"], trial["keys"]
            drawn = {k: jax.vmap(lambda key, k=k: jax.random.uniform(key, (pops[k].n,), self.dtype) < probs[k])(
                step_keys(keys[k], t0, T)) for k in poisson}
            noise = {k: [jax.vmap(lambda key, k=k: jax.random.normal(key, (pops[k].n,), self.dtype))(step_keys(key, t0, T))
                         for key in ks] for k, ks in trial["noise_keys"].items()}
            return drawn, noise

        def step(state, tables, trial_b, drawn, noise, sources, controls, i, t):
            """One step of one network; returns (state, arrived pops, spikes, overflow counts, peaks)."""
            trial = trial_of(trial_b)
            fallbacks = jnp.zeros(n_counts, jnp.int32)
            peaks = jnp.zeros(n_counts, jnp.int32)
            ring, row = (native.deliver if self.native else deliver)(state["ring"], t, lay.depth, lay.width)
            arrived = [self._arrive(k, st, row) if p.kind == "neurons" else st
                       for k, (p, st) in enumerate(zip(pops, state["pops"]))]
            new_pops, spikes = [], []
            for k, p in enumerate(pops):
                if p.kind == "neurons":
                    i_ext = self._external_current(k, t, [z[i] for z in noise[k]], trial["inputs"][k])
                    st, spk = self._advance(k, arrived[k], i_ext, trial["coef"][k])
                elif p.kind == "poisson":
                    st, spk = {}, drawn[k][i]
                else:
                    st, spk = {}, sources[k][i]
                new_pops.append(st)
                spikes.append(spk)
            for g_i, g in enumerate(lay.groups):
                if self.native:  # no spike buffer: nothing to count for _adapt_buffers
                    ring, _ = native.push(ring, spikes[g.pop], tables["code"][g.pop], state["weights"][g.pop],
                                          tables["rowlen"][g.pop], t, lay.depth, lay.width)
                    continue
                ring, count = push(ring, t, spikes[g.pop], tables["code"][g.pop], state["weights"][g.pop],
                                   size[g.pop], lay.depth, lay.width, exact=batch is None)
                fallbacks = fallbacks.at[g_i].set((count > size[g.pop]).astype(jnp.int32))
                peaks = peaks.at[g_i].set(count)
            mods = [_modulator_step(m, x, spikes, controls["mods"][j][i])
                    for j, (m, x) in enumerate(zip(plan.modulators, state["mods"]))]
            weights, plastic = dict(state["weights"]), {}
            for j, ps in enumerate(self.plastic):
                w = weights[ps.group]
                mod = None if ps.modulator is None else mods[ps.modulator]
                plastic[ps.name], w_flat, counts = jax_plastic.step(
                    ps, tables["plastic"][ps.name], state["plastic"][ps.name], w.ravel(), spikes[ps.pre],
                    spikes[ps.post], t, mod, controls["on"][ps.name], psizes[ps.name])
                weights[ps.group] = w_flat.reshape(w.shape)
                base = n_groups + 2 * j
                fallbacks = fallbacks.at[base:base + 2].set((counts > jnp.asarray(psizes[ps.name])).astype(jnp.int32))
                peaks = peaks.at[base:base + 2].set(counts)
            new_state = {"ring": ring, "pops": new_pops, "weights": weights, "plastic": plastic, "mods": mods}
            return new_state, arrived, spikes, fallbacks, peaks

        if batch is not None:
            draws = jax.vmap(draws, in_axes=(0, None), axis_size=batch.size)
            step = jax.vmap(step, in_axes=(0, batch.table_axes, 0, 0, 0, 0, 0, None, None), axis_size=batch.size)
        B = None if batch is None else batch.size

        def chunk(state, tables, trial_b, t0, n, sources, controls):
            drawn, noise = draws(trial_b, t0)
            bufs = [empty_buffer(r, T, pops, self.slots, self.dtype, B) for r in recs]
            counts = jnp.zeros((n_counts,) if B is None else (B, n_counts), jnp.int32)

            def body(i, carry):
                state, bufs, fallbacks, peaks = carry
                t = t0 + i
                new_state, arrived, spikes, fb, pk = step(state, tables, trial_b, drawn, noise, sources, controls, i, t)
                # states are recorded after the arrivals, like Brian2's StateMonitor at the start of a step
                bufs = [set_row(b, i, jnp.packbits(spikes[r.pop], axis=-1)) if r.kind == "spikes"
                        else write_state(b, r, arrived, state["weights"], t, t0, self.slots)
                        for b, r in zip(bufs, recs)]
                return new_state, bufs, fallbacks + fb, jnp.maximum(peaks, pk)

            return jax.lax.fori_loop(0, n, body, (state, bufs, counts, counts))

        return jax.jit(chunk)

    # ------------------------------------------------------------------ run
    def _chunk_length(self, n_steps: int, recs, chunk_steps: int | None) -> int:
        if chunk_steps is not None:
            return int(chunk_steps)
        per_step = 64
        for p in self.plan.pops:
            per_step += 4 * p.n * (p.kind == "poisson") + 4 * p.n * len(p.noise)
        for r in recs:
            per_step += (self.plan.pops[r.pop].n + 7) // 8 if r.kind == "spikes" else 0
            if r.kind == "state":
                per_step += 4 * self.plan.pops[r.pop].n / r.every
            if r.kind == "weights":
                per_step += 4 * self.slots[r.name][1].size / r.every
        cap = int(max(16, min(MAX_CHUNK, CHUNK_BYTES // per_step)))
        return min(cap, 1 << max(0, int(n_steps - 1).bit_length()))

    def _rec_specs(self, records: list[Record]) -> tuple[RecSpec, ...]:
        out = []
        for r in records:
            if r.is_projection:
                proj = self.plan.proj(r.target)
                out.append(RecSpec("weights", proj.pre, "weights", r.every, r.target))
            else:
                k = self.plan.pop_index(r.target)
                kind = "spikes" if r.var == "spikes" else "state"
                ch = self.plan.pops[k].channel_index(r.var)
                var = r.var if ch is None else f"syn:{ch}"
                if ch is not None and self.plan.pops[k].channels[ch].kind not in ("current", "conductance"):
                    raise ValueError(f"record: {r.var!r} has no state to record")
                out.append(RecSpec(kind, k, var, r.every, r.target))
        return tuple(out)

    def run(self, n_steps: int, records: list[Record], progress: bool = False,
            chunk_steps: int | None = None, spike_buffer: int | None = None, controls: dict | None = None) -> Result:
        if controls is not None:
            self.plastic_on.update(controls.get("plastic", {}))
            self.rewards.extend(controls.get("rewards", []))
        with jax.enable_x64(self.x64):
            return self._run(n_steps, records, progress, chunk_steps, spike_buffer)

    def _run(self, n_steps: int, records: list[Record], progress: bool,
             chunk_steps: int | None, spike_buffer: int | None) -> Result:
        recs = self._rec_specs(records)
        T = self._chunk_length(n_steps, recs, chunk_steps)
        if spike_buffer is not None:
            self.buffer = {g.pop: min(g.n, int(spike_buffer)) for g in self.layout.groups}
        t_start, t_end = self.step, self.step + n_steps
        collected: list[list] = [[] for _ in recs]
        info = {"chunk_steps": T, "fallback_steps": 0, "compile_s": 0.0, "loop_s": 0.0}
        bar = tqdm(total=n_steps, disable=not progress, unit="step", desc="spikesim")
        while self.step < t_end:
            n = min(T, t_end - self.step)
            key = (T, tuple(self.buffer[g.pop] for g in self.layout.groups), recs, tuple(sorted(self.buffer.items(), key=str)))
            args = (self.state, self.tables, None, jnp.int32(self.step), jnp.int32(n),
                    source_spikes(self.plan, self.step, T), self._controls(self.step, T, n))
            if key not in self._compiled:
                t_c = time.perf_counter()
                fn = self._make_chunk(T, key[1], recs)
                self._compiled[key] = fn.lower(*args).compile()
                info["compile_s"] += time.perf_counter() - t_c
            t_l = time.perf_counter()
            state, bufs, fallbacks, peaks = self._compiled[key](*args)
            bufs = jax.device_get([b[:n] if r.kind == "spikes" else b for b, r in zip(bufs, recs)])
            fallbacks, peaks = np.asarray(fallbacks), np.asarray(peaks)
            info["loop_s"] += time.perf_counter() - t_l
            for c, b, r in zip(collected, bufs, recs):
                c.append(read_buffer(b, r, self.step, n))
            info["fallback_steps"] += int(fallbacks.sum())
            self._adapt_buffers(fallbacks, peaks, n)
            self.state = state
            self.step += n
            bar.update(n)
        bar.close()
        info["spike_buffer"] = dict(self.buffer)
        info["native"] = self.native
        return self._result(recs, collected, t_start, t_end, info)

    def _adapt_buffers(self, fallbacks: np.ndarray, peaks: np.ndarray, n: int) -> None:
        """Grow a spike buffer whose fallback path ran in more than 1% of the steps."""
        keys = [(g.pop, g.n) for g in self.layout.groups]
        for ps in self.plastic:
            keys += [(("pre", ps.name), ps.n_pre), (("post", ps.name), ps.n_syn)]
        for j, (key, size) in enumerate(keys):
            if fallbacks[j] > max(1, n // 100):
                new = 1 << int(peaks[j]).bit_length()
                if isinstance(key, tuple) and key[0] == "post":  # an overflow costs one more piece: double
                    new = min(new, 2 * self.buffer[key])
                self.buffer[key] = size if new * 2 > size else new

    def _controls(self, t0: int, T: int, n: int) -> dict:
        """Per-chunk inputs of the plasticity: switches, modulator signals and rewards."""
        mods = []
        for m in self.plan.modulators:
            if m.kind == "dynamic":
                add = np.zeros(T)
                for name, step, amount in self.rewards:
                    if name == m.name and t0 <= step < t0 + n:
                        add[step - t0] += amount
                mods.append(jnp.asarray(add[:, None], self.dtype))
            elif m.kind == "array":
                sig = m.signal if m.signal.ndim == 2 else m.signal[:, None]
                part = np.zeros((T, sig.shape[1]))
                avail = sig[t0:t0 + T]
                part[:avail.shape[0]] = avail
                mods.append(jnp.asarray(part, self.dtype))
            else:
                dt = self.plan.dt
                vals = np.array([np.broadcast_to(np.asarray(m.signal((t0 + i) * dt), float), (m.size,)) for i in range(T)])
                mods.append(jnp.asarray(vals, self.dtype))
        self.rewards = [r for r in self.rewards if r[1] >= t0 + n]
        return {"on": {k: jnp.asarray(v) for k, v in self.plastic_on.items()}, "mods": mods}

    def _result(self, recs, collected, t_start, t_end, info) -> Result:
        return build_result(self.plan, recs, collected, t_start, t_end, info)

    # ------------------------------------------------------------- queries
    def population_state(self, name: str) -> dict[str, np.ndarray]:
        k = self.plan.pop_index(name)
        p, st = self.plan.pops[k], self.state["pops"][k]
        if not st:
            return {}
        out = {var: np.asarray(st[var]) for var in p.model.state_vars}
        for ch, syn in enumerate(p.channels):
            if getattr(syn, "name", None):
                out[syn.name] = np.asarray(st["syn"][ch])
        return out

    def modulator_value(self, name: str) -> np.ndarray:
        k = [m.name for m in self.plan.modulators].index(name)
        return np.asarray(self.state["mods"][k]).astype(np.float64)

    def weights(self, name: str) -> np.ndarray:
        s, flat = self.slots[name]
        return np.asarray(self.state["weights"][s]).ravel()[flat].astype(np.float64)


# ------------------------------------------------------------------ helpers
def device_bytes(layout, tables: dict, plan: Plan) -> int:
    """Bytes the runner keeps on the device: fan-out tables (int32 code, weight), ring, neuron
    state; values are 4 bytes (float32) or 8 (``precision="float64"``)."""
    item = 8 if plan.precision == "float64" else 4
    table = sum(t["code"].size * (4 + item) + t["rowlen"].size * 4 for t in tables.values())
    state = sum(p.n * item * (3 + len(p.channels)) for p in plan.pops)
    return table + layout.depth * layout.width * item + state


def _device_memory() -> int | None:
    """Bytes on the default device: the accelerator's memory, or the host's available memory."""
    dev = jax.devices()[0]
    if dev.platform != "cpu":
        stats = dev.memory_stats() or {}
        return stats.get("bytes_limit")
    return None


def _use_native(requested: bool | None) -> bool:
    """The compiled C++ push runs on CPU only; None picks it whenever it can be built."""
    if requested is False or jax.default_backend() != "cpu":
        if requested:
            raise ValueError(f"native=True: the native push runs on CPU, not on {jax.default_backend()!r}")
        return False
    ok = native.load()
    if requested and not ok:
        raise ValueError("native=True: the native push could not be built (see the warning above)")
    return ok




def trial_values(plan: Plan) -> dict:
    """What one trial of a batch may change, as numpy/Python values: the neuron coefficients,
    the external inputs, the Poisson probabilities per step and the random keys (from the seed)."""
    pops, coef, inputs = plan.pops, [], []
    for p in pops:
        if p.kind != "neurons":
            coef.append(None)
            inputs.append(None)
            continue
        coef.append(p.model.coefficients(p.params, p.channels, plan.dt))
        mask = _masker(p.n)
        inputs.append({"steps": [(mask(c.idx), np.asarray(c.steps, np.int32), np.asarray(c.amps, float))
                                 for c in p.step_currents],
                       "noise": [(mask(c.idx), float(c.mean), float(c.std)) for c in p.noise]})
    poisson = [k for k, p in enumerate(pops) if p.kind == "poisson"]
    return {"coef": coef, "inputs": inputs,
            "probs": {k: np.asarray(pops[k].rate_hz * plan.dt / 1000.0, float) for k in poisson},
            "keys": {k: stream_key(plan.seed, pops[k].name, "poisson") for k in poisson},
            "noise_keys": {k: [stream_key(plan.seed, p.name, "noise", j) for j in range(len(p.noise))]
                           for k, p in enumerate(pops) if p.kind == "neurons"}}


def _masker(n: int):
    def mask(idx) -> np.ndarray:
        m = np.zeros(n)
        m[idx] = 1.0
        return m
    return mask


def _modulator_step(m, value, spikes: list, given):
    """One step of a modulator: dynamic (decay, release by source spikes, rewards) or a signal."""
    if m.kind != "dynamic":
        return given
    value = value * m.decay + m.bias + given
    for pop, idx, gain in m.sources:
        value = value + gain * jnp.sum(spikes[pop][idx], dtype=value.dtype)
    return value
