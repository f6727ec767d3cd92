"""The fixed-point JAX runner (``backend="jax_fixed"``): int32 state, bit-exact, the golden model of the RTL.

Every integer rule comes from :mod:`spikesim.fixed` (the functions there are called
with ``xp = jax.numpy``); this module only arranges them into the step loop, which has
the same order and the same ring layout as the float runner:

1. deliver the ring row due now (``fixed.deliver``): ExpCurrent ``I += w``, Delta
   ``v += w`` (gated by the previous step's refractory count), CurrentPulse;
2. integrate, threshold, reset (``fixed.lif_advance`` / ``fixed.izh_advance``);
3. draw Poisson spikes (the same uniform draws as the float runner) and read spike sources;
4. push the spikes of every population into the int32 ring (event-driven, exact adds);
5. pair STDP on plastic projections (``fixed.trace_decay``, ``fixed.stdp_depress``,
   ``fixed.stdp_potentiate``, ``fixed.trace_jump``), with the event tables and the pre-trace
   history of the float runner (``backends/jax_plastic.py``): depression on the rows whose
   spikes arrive, potentiation on the columns of the neurons that fired.

State is int32 (Q16.16 mV); statements are evaluated in int64 inside ``jax.enable_x64``
and clamped; the saturations of each population are counted and returned in
``Result.info["saturation"]`` (trace clamps of STDP in ``info["trace_saturation"]``, per
projection, counted for the traces its synapses read: ``fixed.trace_used``). Recorded states come
back as float64 mV (exact: value / 2^16), recorded and learned weights as float64 (exact: value /
2^16). The results do not depend on the chunking or on the spike-buffer sizes.
"""

from __future__ import annotations

import time
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from .. import fixed as F
from .. import fixed_plastic as FP
from ..network import Record
from ..plan import Plan
from ..result import Result
from ..values import SpecError
from .jax_core import build_layout, deliver, push, step_keys, stream_key
from .jax_plastic import _gather, _select_rows, build_plastic
from .jax_record import RecSpec, build_result, empty_buffer, read_buffer, set_row, source_spikes, write_state

MAX_CHUNK = 20000
CHUNK_BYTES = 256 * 2**20


class JaxFixedRunner:
    """Holds the int32 device state of one network between runs."""

    native = False

    def __init__(self, plan: Plan, native: bool | None = None) -> None:
        if native:
            raise ValueError("native=True: backend 'jax_fixed' has no native push kernel")
        self.plan = plan
        self.fplan = F.quantize_plan(plan)
        for p in plan.pops:
            if p.kind == "neurons" and type(p.model).__name__ not in ("LIF", "Izhikevich"):
                raise SpecError(f"population {p.name!r}: {type(p.model).__name__} has no fixed-point form")
        qplan = replace(plan, projs=[replace(pr, weight=self.fplan.weights[pr.name].astype(np.float64))
                                     for pr in plan.projs])
        self.layout, tables, self.slots = build_layout(qplan)
        self.plastic, ptables = build_plastic(qplan, self.slots, {s: t["weight"].size for s, t in tables.items()})
        for ps in self.plastic:  # the traces whose clamps count as saturations
            pr = plan.proj(ps.name)
            ptables[ps.name]["used_pre"], ptables[ps.name]["used_post"] = F.trace_used(
                ps.n_pre, ps.n_post, pr.pre_idx, pr.post_idx)
        self.plastic_on = {ps.name: True for ps in self.plastic}
        self.mod = self.fplan.modulator  # the one modulator (fixed_plastic.FixedModulator) or None
        self.rewards: list[tuple[str, int, int]] = []  # (modulator, step, Q8.24 amount), applied between steps
        with jax.enable_x64(True):
            self.tables = {"code": {s: jnp.asarray(t["code"]) for s, t in tables.items()},
                           "plastic": {k: {n: jnp.asarray(a) for n, a in t.items()} for k, t in ptables.items()}}
            self.coef = [None if fp is None else jax.tree.map(lambda a: jnp.asarray(a, jnp.int64), fp.coef)
                         for fp in self.fplan.pops]
            self.inputs = [self._input_tables(k) if p.kind == "neurons" else None for k, p in enumerate(plan.pops)]
            self.state = self._initial_state(tables)
        self.step = 0
        self.buffer = {g.pop: min(g.n, 32) for g in self.layout.groups}
        for ps in self.plastic:  # rows with arriving spikes, columns of post spikes
            self.buffer[("pre", ps.name)] = min(ps.n_pre, 32)
            self.buffer[("post", ps.name)] = min(ps.n_post, 32)
        self._compiled: dict = {}

    # ---------------------------------------------------------------- set-up
    def _input_tables(self, k: int) -> dict:
        p = self.plan.pops[k]

        def mask(idx):
            m = np.zeros(p.n, np.int64)
            m[idx] = 1
            return jnp.asarray(m)

        steps = [(mask(c.idx), jnp.asarray(c.steps, jnp.int64), jnp.asarray(q, jnp.int64))
                 for c, q in zip(p.step_currents, self.fplan.step_amps[k])]
        noise = [(mask(c.idx), float(c.mean), float(c.std)) for c in p.noise]
        return {"steps": steps, "noise": noise}

    def _initial_state(self, tables) -> dict:
        pops = []
        for p, fp in zip(self.plan.pops, self.fplan.pops):
            if fp is None:
                pops.append({})
                continue
            st = {var: jnp.asarray(fp.init[var], jnp.int32) for var in p.model.state_vars}
            if p.model.has_refractory:
                st["refr"] = jnp.zeros(p.n, jnp.int32)
            st["syn"] = [None if x is None else jnp.asarray(x, jnp.int32) for x in fp.init["syn"]]
            pops.append(st)
        ring = jnp.zeros(self.layout.depth * self.layout.width, jnp.int32)
        weights = {s: jnp.asarray(t["weight"].astype(np.int64), jnp.int32) for s, t in tables.items()}
        plastic = {ps.name: {"hist_b": jnp.zeros((ps.depth, ps.n_pre), jnp.int32),
                             "hist_s": jnp.zeros((ps.depth, ps.n_pre), jnp.bool_),
                             "pre": jnp.zeros(ps.n_pre, jnp.int32), "post": jnp.zeros(ps.n_post, jnp.int32)}
                   for ps in self.plastic}
        for ps in self.plastic:
            if isinstance(self.fplan.rules[ps.name], FP.FixedThreeFactor):
                plastic[ps.name]["e"] = jnp.zeros(ps.n_syn, jnp.int32)
        mod = jnp.full(1, 0 if self.mod is None else self.mod.init, jnp.int32)  # the register R (Q8.24)
        return {"ring": ring, "pops": pops, "weights": weights, "plastic": plastic, "mod": mod}

    # ------------------------------------------------------------- one step
    def _step_pop(self, k: int, st32: dict, row, i_ext, sat):
        """Deliver, then integrate/threshold/reset population k. Returns (arrived, new, spiked, sat)."""
        p, fp, lay = self.plan.pops[k], self.fplan.pops[k], self.layout
        st = jax.tree.map(lambda a: a.astype(jnp.int64), st32)
        rows = [row[lay.offsets[k][ch]:lay.offsets[k][ch] + p.n].astype(jnp.int64) for ch in range(len(p.channels))]
        lif = type(p.model).__name__ == "LIF"
        st, pulse, sat = F.deliver(jnp, fp.kinds, st, rows, sat, gated=lif)
        i_in = i_ext + pulse
        if lif:
            new, spiked, sat = F.lif_advance(jnp, self.coef[k], fp.kinds, st, i_in, sat)
        else:
            new, spiked, sat = F.izh_advance(jnp, self.coef[k], fp.kinds, st, i_in, sat, p.model.integrator == "netm")
        to32 = lambda tree: jax.tree.map(lambda a: a.astype(jnp.int32), tree)  # noqa: E731
        return to32(st), to32(new), spiked, sat

    def _external_current(self, k: int, t, noise_row, sat):
        p, inp = self.plan.pops[k], self.inputs[k]
        i_ext = jnp.zeros(p.n, jnp.int64)
        for m, steps, amps in inp["steps"]:
            j = jnp.searchsorted(steps, t, side="right") - 1
            i_ext = i_ext + m * jnp.where(j >= 0, amps[jnp.maximum(j, 0)], 0)
        for (m, mean, std), z in zip(inp["noise"], noise_row):
            q = jnp.rint((mean + std * z) * np.float32(2.0**F.V_FRAC)).astype(jnp.int64)
            q, sat = F.clamp(jnp, q, sat, m == 1)
            i_ext = i_ext + m * q
        return i_ext, sat

    def _plastic_step(self, ps, tab: dict, st: dict, w, spk_pre, spk_post, t, on, sizes: tuple[int, int], sat, m):
        """The plasticity of one projection (after the push). ``w``: the flat int32 fan-out weights of the
        source group; ``m``: the modulator's M of this step (int64, Q8.24; 0 without one). Returns (state, w,
        (pre count, post count), sat): the same events, traces and history as ``jax_plastic.step``, with the
        integer rules of :mod:`spikesim.fixed` (pair STDP) and :mod:`spikesim.fixed_plastic` (three-factor
        eligibility and periodic update, modulator-scaled depression)."""
        rule = self.fplan.rules[ps.name]
        three = isinstance(rule, FP.FixedThreeFactor)
        r = rule.stdp if three else rule
        depth, n_pre = ps.depth, ps.n_pre
        a_minus = r.a_minus
        if r.scaled:  # the astrocyte's depression rate of this step (counted once per step and projection)
            a_minus, sat = FP.scaled_rate(jnp, r.a_minus, m, sat)
        pre_b = F.trace_decay(jnp, st["pre"], r.dec_pre)
        post_b = F.trace_decay(jnp, st["post"], r.dec_post)
        hist_b = st["hist_b"].at[t % depth].set(pre_b.astype(jnp.int32))
        hist_s = st["hist_s"].at[t % depth].set(spk_pre)
        arriving = jnp.zeros(n_pre, jnp.bool_)
        for d in ps.delays:
            arriving = arriving | hist_s[(t - (d - 1)) % depth]

        def update(c, flat, syn, active, pot, trace):
            w, e, n = c
            old = _gather(w, flat).astype(jnp.int64)
            act = active & (syn < ps.n_syn)
            if three:  # the amount goes into the eligibility (no bounds; a clamp is a saturation)
                e_old = _gather(e, syn).astype(jnp.int64)
                e_new, n = FP.elig_event(jnp, r, r.a_plus if pot else a_minus, old, e_old, trace, n, act, pot)
                return w, e.at[syn].set(jnp.where(act, e_new, e_old).astype(jnp.int32), mode="drop"), n
            rr = r if pot or not r.scaled else replace(r, a_minus=a_minus)
            new = (F.stdp_potentiate if pot else F.stdp_depress)(jnp, rr, old, trace)
            return w.at[flat].set(jnp.where(act, new, old).astype(jnp.int32), mode="drop"), e, n

        def depress(rows, c):  # pre events: the post trace decayed to this step, before its jump
            flat, delay = tab["row_flat"][rows], tab["row_delay"][rows]
            h = ((t - (delay - 1)) % depth) * n_pre + rows[:, None]
            active = hist_s.ravel().at[h].get(mode="fill", fill_value=False)
            return update(c, flat, tab["row_syn"][rows], active, False, _gather(post_b, tab["row_post"][rows]))

        spk_post_pad = jnp.concatenate([spk_post, jnp.zeros(1, jnp.bool_)])

        def potentiate(cols, c):  # post events: the pre trace at the emission step, after its jump
            flat, delay, pre_i = tab["col_flat"][cols], tab["col_delay"][cols], tab["col_pre"][cols]
            h = ((t - (delay - 1)) % depth) * n_pre + pre_i
            x, _ = F.trace_jump(jnp, hist_b.ravel().at[h].get(mode="fill", fill_value=0).astype(jnp.int64),
                                hist_s.ravel().at[h].get(mode="fill", fill_value=False), r.pairing, count=False)
            return update(c, flat, tab["col_syn"][cols], spk_post_pad[cols][:, None], True, x)

        def events(c):
            c, n_a = _select_rows(arriving, sizes[0], depress, c)
            c, n_p = _select_rows(spk_post, sizes[1], potentiate, c)
            return c, jnp.stack([n_a, n_p])

        e0 = st.get("e", jnp.zeros(1, jnp.int32))
        (w, e, sat), counts = jax.lax.cond(on, events, lambda c: (c, jnp.zeros(2, jnp.int32)), (w, e0, sat))
        if three:
            def periodic(c):
                w, e, n = c
                g, n = FP.three_factor_gain(jnp, rule, m, n)
                flat = tab["syn_flat"]
                w_syn, e_new = FP.three_factor_update(jnp, rule, w[flat], e, g)
                return w.at[flat].set(w_syn.astype(jnp.int32)), e_new.astype(jnp.int32), n

            due = (t + 1) % rule.every == 0
            w, e, sat = jax.lax.cond(due & on, periodic, lambda c: c, (w, e, sat))
        pre, sat = F.trace_jump(jnp, pre_b, spk_pre, r.pairing, sat, used=tab["used_pre"])
        post, sat = F.trace_jump(jnp, post_b, spk_post, r.pairing, sat, used=tab["used_post"])
        new = {"hist_b": hist_b, "hist_s": hist_s, "pre": pre.astype(jnp.int32), "post": post.astype(jnp.int32)}
        if three:
            new["e"] = e
        return new, w, counts, sat

    # --------------------------------------------------------------- a chunk
    def _make_chunk(self, T: int, buffers: tuple, recs: tuple[RecSpec, ...]):
        plan, lay = self.plan, self.layout
        pops = plan.pops
        poisson = [k for k, p in enumerate(pops) if p.kind == "poisson"]
        probs = {k: jnp.asarray(pops[k].rate_hz * plan.dt / 1000.0, jnp.float32) for k in poisson}
        keys = {k: stream_key(plan.seed, pops[k].name, "poisson") for k in poisson}
        noise_keys = {k: [stream_key(plan.seed, pops[k].name, "noise", j) for j in range(len(p.noise))]
                      for k, p in enumerate(pops) if p.kind == "neurons"}
        size = dict(zip([g.pop for g in lay.groups], buffers))
        psizes = {ps.name: (self.buffer[("pre", ps.name)], self.buffer[("post", ps.name)]) for ps in self.plastic}
        neurons = [k for k, p in enumerate(pops) if p.kind == "neurons"]
        n_groups = len(lay.groups)

        def chunk(state, tables, t0, n, sources, on):
            drawn = {k: jax.vmap(lambda key, k=k: jax.random.uniform(key, (pops[k].n,), jnp.float32) < probs[k])(
                step_keys(keys[k], t0, T)) for k in poisson}
            noise = {k: [jax.vmap(lambda key, k=k: jax.random.normal(key, (pops[k].n,), jnp.float32))(
                step_keys(key, t0, T)) for key in ks] for k, ks in noise_keys.items()}
            bufs = [empty_buffer(r, T, pops, self.slots, jnp.int32) for r in recs]
            sats = jnp.zeros(len(pops) + len(self.plastic) + 1, jnp.int64)  # + the modulator's
            fallbacks = jnp.zeros(n_groups + 2 * len(self.plastic), jnp.int32)
            peaks = jnp.zeros(n_groups + 2 * len(self.plastic), jnp.int32)

            def body(i, carry):
                state, bufs, sats, fallbacks, peaks = carry
                t = t0 + i
                ring, row = deliver(state["ring"], t, lay.depth, lay.width)
                arrived, new_pops = list(state["pops"]), list(state["pops"])
                spikes = {k: drawn[k][i] for k in poisson} | {k: sources[k][i] for k in sources}
                for k in neurons:
                    i_ext, s = self._external_current(k, t, [z[i] for z in noise[k]], sats[k])
                    arrived[k], new_pops[k], spikes[k], s = self._step_pop(k, state["pops"][k], row, i_ext, s)
                    sats = sats.at[k].set(s)
                bufs = [write_state(b, r, arrived, state["weights"], t, t0, self.slots) if r.kind != "spikes" else b
                        for b, r in zip(bufs, recs)]
                for g_i, g in enumerate(lay.groups):
                    ring, count = push(ring, t, spikes[g.pop], tables["code"][g.pop], state["weights"][g.pop],
                                           size[g.pop], lay.depth, lay.width)
                    fallbacks = fallbacks.at[g_i].add((count > size[g.pop]).astype(jnp.int32))
                    peaks = peaks.at[g_i].max(count)
                bufs = [set_row(b, i, jnp.packbits(spikes[r.pop])) if r.kind == "spikes" else b for b, r in zip(bufs, recs)]
                reg, m = state["mod"], jnp.int64(0)
                if self.mod is not None:  # this step's M (read by the plasticity) and the register for the next
                    counts = [jnp.sum(spikes[p][np.asarray(idx, np.int64)], dtype=jnp.int64) for p, idx in self.mod.sources]
                    m, reg2, s = FP.modulator_step(jnp, self.mod, reg[0], counts, sats[-1])
                    sats = sats.at[-1].set(s)
                    reg = reg2.astype(jnp.int32)[None]
                weights, plastic = dict(state["weights"]), {}
                for j, ps in enumerate(self.plastic):
                    w = weights[ps.group]
                    plastic[ps.name], w_flat, counts, s = self._plastic_step(
                        ps, tables["plastic"][ps.name], state["plastic"][ps.name], w.ravel(), spikes[ps.pre],
                        spikes[ps.post], t, on[ps.name], psizes[ps.name], sats[len(pops) + j], m)
                    sats = sats.at[len(pops) + j].set(s)
                    weights[ps.group] = w_flat.reshape(w.shape)
                    base = n_groups + 2 * j
                    fallbacks = fallbacks.at[base:base + 2].add((counts > jnp.asarray(psizes[ps.name])).astype(jnp.int32))
                    peaks = peaks.at[base:base + 2].max(counts)
                new_state = {"ring": ring, "pops": new_pops, "weights": weights, "plastic": plastic, "mod": reg}
                return new_state, bufs, sats, fallbacks, peaks

            return jax.lax.fori_loop(0, n, body, (state, bufs, sats, fallbacks, peaks))

        return jax.jit(chunk)

    # ------------------------------------------------------------------ run
    def _rec_specs(self, records: list[Record]) -> tuple[RecSpec, ...]:
        out = []
        for r in records:
            if r.is_projection:
                out.append(RecSpec("weights", self.plan.proj(r.target).pre, "weights", r.every, r.target))
                continue
            k = self.plan.pop_index(r.target)
            ch = self.plan.pops[k].channel_index(r.var)
            var = r.var if ch is None else f"syn:{ch}"
            if ch is not None and self.plan.pops[k].channels[ch].kind != "current":
                raise SpecError(f"record: {r.var!r} has no state to record")
            out.append(RecSpec("spikes" if r.var == "spikes" else "state", k, var, r.every, r.target))
        return tuple(out)

    def _chunk_length(self, n_steps: int, recs, chunk_steps: int | None) -> int:
        if chunk_steps is not None:
            return int(chunk_steps)
        per_step = 64 + sum(4 * p.n * ((p.kind == "poisson") + len(p.noise)) for p in self.plan.pops)
        for r in recs:
            n = self.plan.pops[r.pop].n if r.kind != "weights" else self.slots[r.name][1].size
            per_step += (n + 7) // 8 if r.kind == "spikes" else 4 * n / r.every
        cap = int(max(16, min(MAX_CHUNK, CHUNK_BYTES // per_step)))
        return min(cap, 1 << max(0, int(n_steps - 1).bit_length()))

    def run(self, n_steps: int, records: list[Record], progress: bool = False,
            chunk_steps: int | None = None, spike_buffer: int | None = None, controls: dict | None = None) -> Result:
        """Simulate ``n_steps`` more steps. ``controls``: ``{"plastic": {projection: on}}`` switches
        plasticity; ``"rewards"``: (modulator, step, amount) delivered at a step: between step - 1 and step
        the modulator register becomes ``sat(R + q(amount))`` (``fixed_plastic.add_reward``, what the host
        does through the MODULATOR register), so the chunks end at reward steps."""
        if controls is not None:
            self.plastic_on.update(controls.get("plastic", {}))
            for name, step, amount in controls.get("rewards", []):
                if self.mod is None or name != self.mod.name:
                    raise SpecError(f"reward: modulator {name!r} is not the fixed-point modulator of this network")
                self.rewards.append((name, int(step), FP.quantize_reward(name, amount)))
        with jax.enable_x64(True):
            return self._run(n_steps, records, progress, chunk_steps, spike_buffer)

    def _run(self, n_steps, records, progress, chunk_steps, spike_buffer) -> Result:
        recs = self._rec_specs(records)
        T = self._chunk_length(n_steps, recs, chunk_steps)
        if spike_buffer is not None:
            self.buffer.update({g.pop: min(g.n, int(spike_buffer)) for g in self.layout.groups})
        t_start, t_end = self.step, self.step + n_steps
        collected: list[list] = [[] for _ in recs]
        sat_total = np.zeros(len(self.plan.pops) + len(self.plastic) + 1, np.int64)
        info = {"chunk_steps": T, "fallback_steps": 0, "compile_s": 0.0, "loop_s": 0.0}
        bar = tqdm(total=n_steps, disable=not progress, unit="step", desc="spikesim")
        while self.step < t_end:
            self._apply_rewards()
            n = min(T, t_end - self.step, *[r[1] - self.step for r in self.rewards if r[1] > self.step])
            key = (T, tuple(self.buffer[g.pop] for g in self.layout.groups), recs,
                   tuple(sorted(self.buffer.items(), key=str)))
            on = {k: jnp.asarray(v) for k, v in self.plastic_on.items()}
            args = (self.state, self.tables, jnp.int32(self.step), jnp.int32(n), source_spikes(self.plan, self.step, T), on)
            if key not in self._compiled:
                t_c = time.perf_counter()
                self._compiled[key] = self._make_chunk(T, key[1], recs).lower(*args).compile()
                info["compile_s"] += time.perf_counter() - t_c
            t_l = time.perf_counter()
            state, bufs, sats, fallbacks, peaks = self._compiled[key](*args)
            bufs = jax.device_get([b[:n] if r.kind == "spikes" else b for b, r in zip(bufs, recs)])
            fallbacks, peaks = np.asarray(fallbacks), np.asarray(peaks)
            info["loop_s"] += time.perf_counter() - t_l
            for c, b, r in zip(collected, bufs, recs):
                c.append(read_buffer(b, r, self.step, n))
            sat_total += np.asarray(sats)
            info["fallback_steps"] += int(fallbacks.sum())
            keys = [(g.pop, g.n) for g in self.layout.groups]
            for ps in self.plastic:
                keys += [(("pre", ps.name), ps.n_pre), (("post", ps.name), ps.n_post)]
            for j, (b, size) in enumerate(keys):  # grow a buffer that overflowed in > 1% of the steps
                if fallbacks[j] > max(1, n // 100):
                    new = 1 << int(peaks[j]).bit_length()
                    self.buffer[b] = size if new * 2 > size else new
            self.state = state
            self.step += n
            bar.update(n)
        bar.close()
        info["spike_buffer"] = dict(self.buffer)
        info["native"] = False
        info["saturation"] = {p.name: int(s) for p, s in zip(self.plan.pops, sat_total) if p.kind == "neurons"}
        info["trace_saturation"] = {ps.name: int(s) for ps, s in zip(self.plastic, sat_total[len(self.plan.pops):-1])}
        if self.mod is not None:
            info["modulator_saturation"] = {self.mod.name: int(sat_total[-1])}
        info["quantization"] = self.fplan.report
        return self._result(recs, collected, t_start, t_end, info)

    def _apply_rewards(self) -> None:
        """The rewards due at the current step (or before it), in order: ``R = sat(R + q(amount))``."""
        due = [r for r in self.rewards if r[1] <= self.step]
        if not due:
            return
        reg = int(np.asarray(self.state["mod"])[0])
        for _name, _step, q in due:
            reg = FP.add_reward(reg, q)
        self.state = {**self.state, "mod": jnp.full(1, reg, jnp.int32)}
        self.rewards = [r for r in self.rewards if r[1] > self.step]

    def _result(self, recs, collected, t_start, t_end, info) -> Result:
        return build_result(self.plan, recs, collected, t_start, t_end, info,
                            state=F.to_float, weight=lambda v: F.to_float(v, F.WEIGHT))

    # ------------------------------------------------------------- queries
    def population_state_raw(self, name: str) -> dict[str, np.ndarray]:
        """The integer state of a population: Q16.16 values (int64), ``refr`` in steps, ``syn:<k>`` channels."""
        k = self.plan.pop_index(name)
        st = self.state["pops"][k]
        if not st:
            return {}
        out = {var: np.asarray(a, np.int64) for var, a in st.items() if var != "syn"}
        for ch, x in enumerate(st["syn"]):
            if x is not None:
                out[f"syn:{ch}"] = np.asarray(x, np.int64)
        return out

    def population_state(self, name: str) -> dict[str, np.ndarray]:
        """The state in float64 mV (exactly the integers / 2^16), as the float runner returns it."""
        k = self.plan.pop_index(name)
        p, raw = self.plan.pops[k], self.population_state_raw(name)
        if not raw:
            return {}
        out = {var: F.to_float(raw[var]) for var in p.model.state_vars}
        for ch, syn in enumerate(p.channels):
            if getattr(syn, "name", None) and f"syn:{ch}" in raw:
                out[syn.name] = F.to_float(raw[f"syn:{ch}"])
        return out

    def modulator_raw(self, name: str) -> int:
        """The modulator register R (Q8.24; what MODULATOR reads): M of the last step, decayed for the next."""
        if self.mod is None or name != self.mod.name:
            raise SpecError(f"modulator_raw: {name!r} is not the fixed-point modulator of this network")
        return int(np.asarray(self.state["mod"])[0])

    def modulator_value(self, name: str) -> np.ndarray:
        """The modulator register as float64 (exact: R / 2^24), shape (1,)."""
        return np.full(1, F.to_float(self.modulator_raw(name), F.COEF))

    def eligibility_raw(self, name: str) -> np.ndarray:
        """The eligibility traces (Q8.24, int64) of a three-factor projection, in plan order."""
        st = self.state["plastic"].get(name, {})
        if "e" not in st:
            raise SpecError(f"eligibility_raw: projection {name!r} has no three-factor rule")
        return np.asarray(st["e"]).astype(np.int64)

    def weights_raw(self, name: str) -> np.ndarray:
        """The current (learned) Q8.16 weights of a projection, int64, in plan order."""
        s, flat = self.slots[name]
        return np.asarray(self.state["weights"][s]).ravel()[flat].astype(np.int64)

    def weights(self, name: str) -> np.ndarray:
        """The current (learned) weights of a projection (float64, in the synapse's unit, exact)."""
        return F.to_float(self.weights_raw(name), F.WEIGHT)
