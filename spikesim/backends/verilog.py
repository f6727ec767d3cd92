"""The Verilog emitter: plan -> a directory with the RTL cores, a generated top and memory images.

Numpy only. The emitted design (``hdl/rtl/ss_core.v``) is bit-exact with ``backend="jax_fixed"``:
both follow :mod:`spikesim.fixed`. What the RTL cannot express fails here, before any
Verilog is written, with a :class:`~spikesim.SpecError` naming the feature.

Layout of the design
--------------------
* Neurons: all neuron populations (one model: LIF or Izhikevich) are concatenated into one
  global index space ``0 .. N-1`` in plan order; spike sources follow (``N .. N+NS-1``).
* Slots: ExpCurrent channels of a population take slots ``0 .. NCUR-1`` in their order;
  Delta is slot ``NCUR``, CurrentPulse ``NCUR+1``. Each slot has its own ring RAM of
  ``R = 2**RB`` rows (R >= the largest delay) x ``2**NB`` neurons.
* Memory images (one word per line, hex, 32-bit fields with field 0 in the low bits):
  ``state.hex`` (v, refr|u, I_0..), ``params.hex`` (see ss_lif.v / ss_izh.v),
  ``ptr.hex`` ({end, start} of each source's fan-out), ``syn.hex`` ({w, d mod R, slot, target}),
  ``iev.hex`` (external-current events {value, neuron, step}) and ``sev.hex`` (spike-source
  events {source, step}); the event lists end with step = 0xffffffff.
* Pair STDP (one rule per design, ``hdl/rtl/ss_stdp.v``): the synapse word gets a plastic bit on
  top; ``cptr.hex`` ({end, start} of each neuron's plastic fan-in) and ``csc.hex`` ({d - 1,
  source, synapse}) index the plastic synapses by postsynaptic neuron. The AXI4-Lite system
  (``ss_system.v``) passes the STDP parameters through; the learned weights are read back
  through its WEIGHT memory.
* Three-factor (``ThreeFactor`` over pair STDP, Euler) and the one modulator (``spikesim/fixed_plastic.py``):
  ``ELIG = 1`` adds the eligibility RAM and the periodic sweep to ss_stdp.v; ``MODK = 1`` the modulator unit
  (ss_mod.v) with ``msrc.hex`` ({in source 1, in source 0} per global index); ``SCALED = 1`` scales the
  depression by the modulator (astrocyte). The modulator register is the AXI MODULATOR register.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import fixed as F
from ..plan import Plan
from ..values import SpecError

HDL_DIR = Path(__file__).resolve().parents[2] / "hdl"
RTL_FILES = ("ss_core.v", "ss_ram.v", "ss_lif.v", "ss_izh.v", "ss_stdp.v", "ss_mod.v", "ss_fixed.vh")
SYSTEM_FILES = ("ss_system.v", "axil_regs.v", "ss_axis_loader.v", "spikesim_regmap.vh")  # the AXI4-Lite system
UART_FILES = ("ss_uart_rx.v", "ss_uart_tx.v", "ss_uart_bridge.v")  # the UART host bridge (docs/uart.md)
FIFO_AW = 10
NEVER = 0xFFFFFFFF
MAX_DELAY = 256


def _bits(n: int) -> int:
    """Address bits for ``n`` entries (at least 1)."""
    return max(1, int(n - 1).bit_length())


@dataclass
class Design:
    """What :func:`emit` wrote: the directory, the Verilog parameters and the index maps."""

    out_dir: Path
    params: dict[str, int]
    pops: dict[str, tuple[int, int]]  # population -> (first global index, n): neurons, then sources
    slots: dict[str, list[int]]  # population -> slot of each of its channels
    model: str
    sources: list[Path] = field(default_factory=list)  # the Verilog files of spikesim_top (bare core), top last
    counts: dict[str, int] = field(default_factory=dict)
    axi_sources: list[Path] = field(default_factory=list)  # the files of spikesim_axi_top (core + AXI-Lite)
    uart_sources: list[Path] = field(default_factory=list)  # spikesim_uart_top: axi_sources + UART bridge, top last
    sys_params: dict[str, int] = field(default_factory=dict)
    syn_index: dict[str, np.ndarray] = field(default_factory=dict)  # projection -> RTL synapse of each plan synapse

    @property
    def n_neurons(self) -> int:
        return self.params["N"]

    def state_fields(self) -> list[str]:
        """Names of the 32-bit fields of a state word, low field first."""
        return ["v", "refr" if self.model == "LIF" else "u"] + [f"syn:{k}" for k in range(self.params["NCUR"])]


def check(plan: Plan, max_delay: int = MAX_DELAY) -> F.FixedPlan:
    """Raise SpecError for everything the RTL cannot express; return the quantised plan."""
    fplan = F.quantize_plan(plan)
    neurons = [p for p in plan.pops if p.kind == "neurons"]
    if not neurons:
        raise SpecError("the Verilog backend needs at least one neuron population")
    models = {type(p.model).__name__ for p in neurons}
    if len(models) > 1:
        raise SpecError(f"the Verilog backend runs one neuron model per design; this network mixes {sorted(models)}")
    integrators = {getattr(p.model, "integrator", None) for p in neurons}
    if len(integrators) > 1:
        raise SpecError(f"the Verilog backend needs one Izhikevich integrator; this network mixes {sorted(integrators)}")
    for p in plan.pops:
        if p.kind == "poisson":
            raise SpecError(f"population {p.name!r}: Poisson inputs are not supported by the Verilog backend "
                            "(use add_spike_source)")
        if p.noise:
            raise SpecError(f"population {p.name!r}: noise currents are not supported by the Verilog backend "
                            "(use add_step_current)")
    if fplan.modulator is not None:
        if not fplan.rules:
            raise SpecError(f"modulator {fplan.modulator.name!r}: the Verilog backend updates the modulator in the "
                            "plasticity phase; this network has no plastic projection")
        for pop, _idx in fplan.modulator.sources:
            if plan.pops[pop].kind == "poisson":
                raise SpecError(f"modulator {fplan.modulator.name!r}: source {plan.pops[pop].name!r} is a Poisson "
                                "input, which the Verilog backend does not support (use add_spike_source)")
    rules = set(fplan.rules.values())
    if len(rules) > 1:
        raise SpecError(f"the Verilog backend runs one STDP rule per design; projections {sorted(fplan.rules)} "
                        f"use {len(rules)} different rules (parameters after quantisation)")
    depth = plan.max_delay()
    if depth > max_delay:
        proj = max(plan.projs, key=lambda pr: pr.max_delay)
        raise SpecError(f"projection {proj.name!r}: delay of {depth} steps is deeper than the RTL delay ring "
                        f"(max_delay={max_delay} steps)")
    return fplan


def _hex(words: list[int] | np.ndarray, width: int) -> str:
    digits = (width + 3) // 4
    return "".join(f"{int(w):0{digits}x}\n" for w in words)


def _pack(fields: list[np.ndarray], width: int = 32) -> list[int]:
    """Pack per-neuron integer fields (two's complement, ``width`` bits each; field 0 lowest)."""
    mask = (1 << width) - 1
    n = len(fields[0])
    return [sum((int(f[i]) & mask) << (width * j) for j, f in enumerate(fields)) for i in range(n)]


def _iext_events(plan: Plan, fplan: F.FixedPlan, offsets: dict[int, int]) -> list[tuple[int, int, int]]:
    """(step, global neuron, total current) whenever a neuron's summed step current changes."""
    events = []
    for k, p in enumerate(plan.pops):
        if p.kind != "neurons" or not p.step_currents:
            continue
        change = np.unique(np.maximum(np.concatenate([c.steps for c in p.step_currents]), 0))
        prev = np.zeros(p.n, np.int64)
        for s in change:
            total = np.zeros(p.n, np.int64)
            for c, q in zip(p.step_currents, fplan.step_amps[k]):
                j = int(np.searchsorted(c.steps, s, side="right")) - 1
                if j >= 0:
                    total[c.idx] += q[j]
            for i in np.flatnonzero(total != prev):
                events.append((int(s), offsets[k] + int(i), int(total[i])))
            prev = total
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def emit(plan: Plan, out_dir: str | Path, max_delay: int = MAX_DELAY, mem_dir: str = "", fifo_aw: int = FIFO_AW,
         system: bool = True, uart_clk_hz: int = 25_000_000, uart_baud: int = 115_200) -> Design:
    """Write the design of ``plan`` into ``out_dir``; returns the :class:`Design`.

    ``max_delay`` (steps) bounds the delay ring; ``mem_dir`` prefixes the memory-image
    paths in the tops ("" = the simulator's working directory); the AXI system's spike FIFO
    holds ``2**fifo_aw`` spikes (a full FIFO pauses the run, it never drops a spike).
    ``system=False``: the bare core only (``spikesim_top``), without the AXI4-Lite system.
    With the system, ``spikesim_uart_top`` (the system behind the UART bridge, docs/uart.md) is written too;
    ``uart_clk_hz`` (Hz) / ``uart_baud`` (bit/s) are its default CLK_HZ / BAUD (>= 8 clocks per bit)."""
    from ..fpga.uart import check_clock  # here: spikesim.fpga's package imports the emitter

    check_clock(uart_clk_hz, uart_baud)  # spikesim_uart_top's default CLK_HZ / BAUD (>= 8 clocks per bit)
    fplan = check(plan, max_delay)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    neurons = [k for k, p in enumerate(plan.pops) if p.kind == "neurons"]
    sources = [k for k, p in enumerate(plan.pops) if p.kind == "spike_source"]
    model = type(plan.pops[neurons[0]].model).__name__
    offsets, pops_map, n = {}, {}, 0
    for k in neurons + sources:
        offsets[k] = n
        pops_map[plan.pops[k].name] = (n, plan.pops[k].n)
        n += plan.pops[k].n
    n_neur = sum(plan.pops[k].n for k in neurons)
    n_src = n
    ncur = max(sum(kind == "current" for kind in fplan.pops[k].kinds) for k in neurons)  # 0: Delta / pulse only
    slots: dict[str, list[int]] = {}
    for k in neurons:
        s, cur = [], 0
        for kind in fplan.pops[k].kinds:
            s.append(cur if kind == "current" else ncur if kind == "delta" else ncur + 1)
            cur += kind == "current"
        slots[plan.pops[k].name] = s
    depth = max(2, 1 << (plan.max_delay() - 1).bit_length())
    rb = depth.bit_length() - 1
    nb = _bits(n_neur)
    sb = max(nb + 1, _bits(n_src))
    cb = _bits(ncur + 2)

    # neuron state and parameters, in global order
    st_fields = [[] for _ in range(2 + ncur)]
    pr_fields: list[list] = [[] for _ in range((5 + 2 * ncur) if model == "LIF" else (6 + ncur))]
    for k in neurons:
        p, fp = plan.pops[k], fplan.pops[k]
        c, z = fp.coef, np.zeros(p.n, np.int64)
        cur_ch = [ch for ch, kind in enumerate(fp.kinds) if kind == "current"]
        syn = [fp.init["syn"][ch] for ch in cur_ch] + [z] * (ncur - len(cur_ch))
        second = z if model == "LIF" else fp.init["u"]
        for j, f in enumerate([fp.init["v"], second, *syn]):
            st_fields[j].append(np.asarray(f, np.int64))
        adec = [c["adec"][ch] for ch in cur_ch] + [z] * (ncur - len(cur_ch))
        if model == "LIF":
            kappa = [c["kappa"][ch] for ch in cur_ch] + [z] * (ncur - len(cur_ch))
            fields = [c["am"], c["drive"], c["v_thresh"], c["v_reset"], c["ref"]]
            for kp, ad in zip(kappa, adec):
                fields += [kp, ad]
        else:
            fields = [c["adt"], c["b"], c["c"], c["d"], c["i_offset"], c["v_peak"], *adec]
        for j, f in enumerate(fields):
            pr_fields[j].append(np.broadcast_to(np.asarray(f, np.int64), (p.n,)))
    state_words = _pack([np.concatenate(f) for f in st_fields])
    param_words = _pack([np.concatenate(f) for f in pr_fields])

    # fan-out (CSR over global sources)
    src, tgt, slot, dly, wq, plastic = [], [], [], [], [], []
    for proj in plan.projs:
        src.append(offsets[proj.pre] + proj.pre_idx)
        tgt.append(offsets[proj.post] + proj.post_idx)
        slot.append(np.full(proj.n_synapses, slots[plan.pops[proj.post].name][proj.channel]))
        dly.append(proj.delay_steps.astype(np.int64))
        wq.append(fplan.weights[proj.name])
        plastic.append(np.full(proj.n_synapses, int(proj.name in fplan.rules)))
    cat = (lambda xs: np.concatenate(xs).astype(np.int64)) if plan.projs else (lambda xs: np.zeros(0, np.int64))
    src, tgt, slot, dly, wq, plastic = cat(src), cat(tgt), cat(slot), cat(dly), cat(wq), cat(plastic)
    order = np.argsort(src, kind="stable")
    src, tgt, slot, dly, wq, plastic = src[order], tgt[order], slot[order], dly[order], wq[order], plastic[order]
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    syn_index, first = {}, 0
    for proj in plan.projs:
        syn_index[proj.name] = rank[first:first + proj.n_synapses]
        first += proj.n_synapses
    n_syn = int(src.size)
    yb = _bits(n_syn + 1)
    starts = np.zeros(n_src + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n_src), out=starts[1:])
    ptr_words = [int(starts[i]) | (int(starts[i + 1]) << yb) for i in range(n_src)]
    wmask = (1 << F.WEIGHT_BITS) - 1
    pbit = nb + cb + rb + F.WEIGHT_BITS
    syn_words = [int(tgt[j]) | (int(slot[j]) << nb) | (int(dly[j] % depth) << (nb + cb))
                 | ((int(wq[j]) & wmask) << (nb + cb + rb)) | (int(plastic[j]) << pbit) for j in range(n_syn)] or [0]
    stdp, stdp_images = _stdp_tables(fplan, n_neur, n_src, nb, sb, rb, yb, src, tgt, dly, plastic, mem_dir,
                                     _trace_roles(plan, fplan, offsets, n_src))
    learn, learn_images = _learning_tables(fplan, offsets, sb, int(plastic.sum()), mem_dir)
    stdp.update(learn)
    stdp_images.update(learn_images)

    # events: external currents and spike sources, each list ended by step = NEVER
    iev = _iext_events(plan, fplan, offsets)
    iev_words = [s | (i << 32) | ((v & 0xFFFFFFFF) << (32 + nb)) for s, i, v in iev] + [NEVER]
    sev = []
    for k in sources:
        p = plan.pops[k]
        sev += [(int(s), offsets[k] + int(i)) for s, i in zip(p.spike_steps, p.spike_idx)]
    sev.sort()
    sev_words = [s | (i << 32) for s, i in sev] + [NEVER]

    params = {"MODEL": 0 if model == "LIF" else 1,
              "NETM": int(model == "Izhikevich" and plan.pops[neurons[0]].model.integrator == "netm"),
              "DTV": int(fplan.pops[neurons[0]].coef["dtv"][0]) if model == "Izhikevich" else 0,
              "N": n_neur, "NB": nb, "SB": sb, "NCUR": ncur, "CB": cb, "RB": rb, "YB": yb, "WB": F.WEIGHT_BITS,
              "IEB": _bits(len(iev_words)), "IEXT": int(bool(iev)), "SEB": _bits(len(sev_words))}
    widths = {"state.hex": 32 * (2 + ncur), "params.hex": 32 * len(pr_fields), "ptr.hex": 2 * yb,
              "syn.hex": F.WEIGHT_BITS + rb + cb + nb + int(bool(stdp)), "iev.hex": 64 + nb, "sev.hex": 32 + sb}
    images = {"state.hex": state_words, "params.hex": param_words, "ptr.hex": ptr_words, "syn.hex": syn_words,
              "iev.hex": iev_words, "sev.hex": sev_words}
    depths = {"state.hex": nb, "params.hex": nb, "ptr.hex": sb, "syn.hex": yb, "iev.hex": params["IEB"],
              "sev.hex": params["SEB"]}
    for name, (words, width, bits) in stdp_images.items():
        images[name], widths[name], depths[name] = words, width, bits
    for name, words in images.items():  # padded to the RAM depth (zeros; event lists with NEVER)
        pad = (1 << depths[name]) - len(words)
        words = list(words) + [NEVER if name in ("iev.hex", "sev.hex") else 0] * pad
        (out / name).write_text(_hex(words, widths[name]))
    paths = []
    for f in RTL_FILES + SYSTEM_FILES:
        shutil.copyfile(HDL_DIR / "rtl" / f, out / f)
        if f.endswith(".v"):
            paths.append(out / f)
    summary = (f"{model}, {n_neur} neurons, {n_src - n_neur} spike sources, {n_syn} synapses, "
               f"ring {depth} x {1 << nb} x {ncur + 2} slots")
    top = (HDL_DIR / "templates" / "spikesim_top.v.tmpl").read_text()
    top = top.replace("@@SUMMARY@@", summary).replace("@@MEM_DIR@@", mem_dir)
    top = top.replace("@@PARAMS@@", "\n".join(f"        .{k}({v})," for k, v in {**params, **stdp}.items()))
    (out / "spikesim_top.v").write_text(top)
    core = [p for p in paths if p.name in RTL_FILES]
    slb, plb = _bits(2 + ncur), _bits(len(pr_fields))
    sys_params = {"NSRC": n_src, "SLB": slb, "PLB": plb, "FIFO_AW": int(fifo_aw),
                  "HW_INFO0": n_neur | (n_src << 16),
                  "HW_INFO1": params["MODEL"] | (ncur << 4) | (sb << 8) | (slb << 16) | (plb << 20) | (rb << 24)
                  | (stdp.get("ELIG", 0) << 28) | (stdp.get("MODK", 0) << 29) | (stdp.get("SCALED", 0) << 30)}
    if system:  # the AXI system (ss_system.v) passes the core's and the STDP unit's parameters through
        axi = (HDL_DIR / "templates" / "spikesim_axi_top.v.tmpl").read_text()
        axi = axi.replace("@@SUMMARY@@", summary).replace("@@MEM_DIR@@", mem_dir)
        core_params = {**params, **{k: v for k, v in stdp.items() if k not in sys_params}}
        axi = axi.replace("@@PARAMS@@", "\n".join(f"        .{k}({v})," for k, v in core_params.items()))
        axi = axi.replace("@@SYS_PARAMS@@", "\n".join(f"        .{k}({v})," for k, v in sys_params.items()))
        (out / "spikesim_axi_top.v").write_text(axi)
        uart_paths = _emit_uart_top(out, summary, uart_clk_hz, uart_baud)
    params.update({k: v for k, v in stdp.items() if not k.endswith("_FILE")})
    design = Design(out, params, pops_map, slots, model, [*core, out / "spikesim_top.v"],
                    {"synapses": n_syn, "iext_events": len(iev), "source_events": len(sev), "ring_depth": depth,
                     "plastic_synapses": int(plastic.sum()), "plastic_projections": len(fplan.rules)},
                    axi_sources=[*paths, out / "spikesim_axi_top.v"] if system else [], sys_params=sys_params,
                    uart_sources=[*paths, out / "spikesim_axi_top.v", *uart_paths] if system else [],
                    syn_index=syn_index)
    (out / "layout.json").write_text(json.dumps({"params": params, "pops": pops_map, "slots": slots, "model": model,
                                                 "counts": design.counts}, indent=1))
    return design


def _emit_uart_top(out: Path, summary: str, clk_hz: int, baud: int) -> list[Path]:
    """Copy the UART bridge RTL and write ``spikesim_uart_top.v`` (defaults CLK_HZ / BAUD); its files, top last."""
    paths = []
    for f in UART_FILES:
        shutil.copyfile(HDL_DIR / "rtl" / f, out / f)
        paths.append(out / f)
    top = (HDL_DIR / "templates" / "spikesim_uart_top.v.tmpl").read_text().replace("@@SUMMARY@@", summary)
    top = top.replace("CLK_HZ = 25000000", f"CLK_HZ = {int(clk_hz)}").replace("BAUD = 115200", f"BAUD = {int(baud)}")
    (out / "spikesim_uart_top.v").write_text(top)
    return [*paths, out / "spikesim_uart_top.v"]


def _stdp_tables(fplan: F.FixedPlan, n_neur: int, n_src: int, nb: int, sb: int, rb: int, yb: int, src, tgt, dly, plastic,
                 mem_dir: str, roles: tuple[np.ndarray, np.ndarray]) -> tuple[dict, dict]:
    """The STDP unit's Verilog parameters and images (cptr.hex, csc.hex, role.hex); ({}, {}) without plasticity.

    The synapse arrays are in RTL order; a CSC entry is {lag = d - 1, source, synapse}; a role entry
    {k_post, k_pre} (RKB bits each, :func:`_trace_roles`)."""
    if not fplan.rules:
        return {}, {}
    r = next(iter(fplan.rules.values()))
    r = getattr(r, "stdp", r)  # a three-factor rule: its pair-STDP part fills the eligibility
    syn = np.flatnonzero(plastic)
    n_pl = int(syn.size)
    cpb = _bits(n_pl + 1)
    qb = max(1, (n_pl - 1).bit_length())
    col = syn[np.argsort(tgt[syn], kind="stable")]
    starts = np.zeros(n_neur + 1, np.int64)
    np.cumsum(np.bincount(tgt[col], minlength=n_neur), out=starts[1:])
    cptr = [int(starts[j]) | (int(starts[j + 1]) << cpb) for j in range(n_neur)]
    csc = [int(y) | (int(src[y]) << yb) | (int(dly[y] - 1) << (yb + sb)) for y in col] or [0]
    params = {"STDP": 1, "NSRC": n_src, "QB": qb, "CPB": cpb,
              "PAIR": int(r.pairing == "nearest"), "MULT": int(r.multiplicative), "AP": r.a_plus, "AM": r.a_minus,
              "WMIN": r.w_min, "WMAX": r.w_max, "DPRE": r.dec_pre, "DPOST": r.dec_post,
              "CPTR_FILE": f'"{mem_dir}cptr.hex"', "CSC_FILE": f'"{mem_dir}csc.hex"'}
    rkb = max(1, int(max(roles[0].max(), roles[1].max())).bit_length())
    role = [int(a) | (int(b) << rkb) for a, b in zip(*roles)]
    params.update({"RKB": rkb, "ROLE_FILE": f'"{mem_dir}role.hex"'})
    return params, {"cptr.hex": (cptr, 2 * cpb, nb), "csc.hex": (csc, rb + sb + yb, cpb), "role.hex": (role, 2 * rkb, sb)}


def _learning_tables(fplan: F.FixedPlan, offsets: dict[int, int], sb: int, n_pl: int,
                     mem_dir: str) -> tuple[dict, dict]:
    """The Verilog parameters and images of the three-factor rule, the modulator unit and the astrocyte
    scaling (``spikesim/fixed_plastic.py``): ({}, {}) for pair STDP alone."""
    from ..fixed_plastic import FixedThreeFactor

    params: dict = {}
    images: dict = {}
    if not fplan.rules:
        return params, images
    r = next(iter(fplan.rules.values()))
    params["NPL"] = len(fplan.rules)
    if isinstance(r, FixedThreeFactor):
        params.update({"ELIG": 1, "EDEC": r.e_dec, "LR": r.lr, "LRB": r.lrb, "DRIFT": r.drift, "TWMIN": r.w_min,
                       "TWMAX": r.w_max, "PERIOD": r.every, "NPLS": n_pl})
    elif r.scaled:
        params["SCALED"] = 1
    m = fplan.modulator
    if m is not None:
        member = np.zeros(1 << sb, np.int64)
        for k, (pop, idx) in enumerate(m.sources):
            member[offsets[pop] + np.asarray(idx, np.int64)] |= 1 << k
        gains = list(m.gains) + [0] * (2 - len(m.gains))
        params.update({"MODK": 1, "MDEC": m.dec, "MBIAS": m.bias, "MG0": gains[0], "MG1": gains[1], "MINIT": m.init,
                       "MSRC_FILE": f'"{mem_dir}msrc.hex"'})
        images["msrc.hex"] = (list(member), 2, sb)
    return params, images


def _trace_roles(plan: Plan, fplan: F.FixedPlan, offsets: dict[int, int], n_src: int) -> tuple[np.ndarray, np.ndarray]:
    """Per global index (neurons, then sources): in how many plastic projections its pre trace (k_pre)
    and its post trace (k_post) are used (:func:`spikesim.fixed.trace_used`): the weight of a trace
    clamp in SAT_COUNT, as jax_fixed counts it once per projection."""
    k_pre, k_post = np.zeros(n_src, np.int64), np.zeros(n_src, np.int64)
    for proj in plan.projs:
        if proj.name in fplan.rules:
            pre, post = F.trace_used(plan.pops[proj.pre].n, plan.pops[proj.post].n, proj.pre_idx, proj.post_idx)
            k_pre[offsets[proj.pre]:offsets[proj.pre] + pre.size] += pre
            k_post[offsets[proj.post]:offsets[proj.post] + post.size] += post
    return k_pre, k_post


def unpack_state(design: Design, words: list[int]) -> dict[str, np.ndarray]:
    """Split state words (as read from the RTL, one per global neuron) into signed int64 fields."""
    out = {}
    for j, name in enumerate(design.state_fields()):
        raw = np.array([(w >> (32 * j)) & 0xFFFFFFFF for w in words], np.int64)
        out[name] = np.where(raw >= 1 << 31, raw - (1 << 32), raw)
    return out
