"""FPGA resource table: the emitted design (core + AXI4-Lite system) synthesized with yosys at several N.

For each network size N it builds one LIF network (80 % excitatory, 50 random inputs per neuron,
delays 0.1-1.6 ms so the ring has 16 rows, N/8 spike-train inputs at 200 Hz), emits
``spikesim_axi_top`` and runs ``synth_xilinx`` (xc7), ``synth_ecp5`` and ``synth_ice40 -dsp``
(UltraPlus) through :func:`spikesim.fpga.synth.synthesize`. Reported per target: LUT, FF, block
RAM and DSP cells under the target's own names (xc7: LUT/FDxE/RAMB18E1+RAMB36E1/DSP48E1; ECP5:
LUT4/TRELLIS_FF/DP16KD/MULT18X18D; iCE40: SB_LUT4/SB_DFF*/SB_RAM40_4K/SB_MAC16), with the largest
device of the family for scale.

Cycles per time step: ``fpga_sim`` simulates ``--steps`` steps of the same network (Icarus) and
measures the clock cycles from START to DONE; the table also gives the formula

    cycles/step = N + 12 + 2 E_i + 2 E_s + 9 S + F - [S > 0]

(S spikes of the step, neurons and inputs; F their total fan-out; E_s input events, E_i current
events) summed over the simulated steps, and the difference to the measured count.

Usage: ``python bench/fpga_resources.py --sizes 64 256 1024 --targets xc7 ecp5 ice40 --json out.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import spikesim as ss  # noqa: E402
from bench.bench_common import machine, write_json  # noqa: E402

#: Name used here -> spikesim.fpga.synth target, extra synth arguments.
TARGETS = {"xc7": ("xilinx", ""), "ecp5": ("ecp5", ""), "ice40": ("ice40", "-dsp")}
#: Cell names per target (for the table header) and the largest device of the family (LUT, BRAM, DSP).
NAMES = {"xc7": ("LUT", "FF", "RAMB18/36", "DSP48E1"), "ecp5": ("LUT4", "FF", "DP16KD", "MULT18X18D"),
         "ice40": ("SB_LUT4", "SB_DFF", "SB_RAM40_4K", "SB_MAC16")}
DEVICE = {"xc7": ("XC7A200T", 133800, 365, 740), "ecp5": ("LFE5U-85F", 83640, 208, 156),
          "ice40": ("iCE40UP5K", 5280, 30, 8)}
DT = 0.1
#: Rate of each spike-train input (Hz).
RATE_IN = 200.0


def network(n: int, seed: int = 0, steps: int = 100, fan_in: float = 50.0, rate_in: float = RATE_IN) -> ss.Network:
    """The benchmark network of ``n`` LIF neurons: ``fan_in`` random inputs per neuron and projection
    group (p = fan_in / n), N/8 spike-train inputs at ``rate_in`` Hz over ``steps`` steps."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=DT, seed=seed)
    model = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
    n_e = (4 * n) // 5
    E = net.add_population("E", n_e, model, init={"v": ss.Uniform(-65.0, -55.0)})
    I = net.add_population("I", n - n_e, model, init={"v": ss.Uniform(-65.0, -55.0)})
    n_in = max(8, n // 8)
    duration = steps * DT
    times = rng.random(rng.poisson(rate_in * n_in * duration / 1000.0)) * duration
    idx = rng.integers(0, n_in, times.size)
    _, keep = np.unique(np.rint(times / DT).astype(int) * n_in + idx, return_index=True)
    In = net.add_spike_source("In", n_in, times[keep], idx[keep])
    p = min(1.0, fan_in / n)
    exc, inh, delay = ss.ExpCurrent(tau=5.0), ss.ExpCurrent(tau=10.0), ss.Uniform(0.1, 1.6)
    for pre, post, syn, w in ((In, E, exc, 12.0), (In, I, exc, 12.0), (E, E, exc, 2.0), (E, I, exc, 2.0),
                              (I, E, inh, -8.0), (I, I, inh, -8.0)):
        net.connect(pre, post, ss.FixedProbability(p), synapse=syn, weight=w, delay=delay)
    for pop in (E, I, In):
        net.record(pop, "spikes")
    return net


def predicted_cycles(net: ss.Network, res: ss.Result, steps: int, design) -> int:
    """The cycle formula summed over the steps of ``res`` (spikes per step, their fan-out)."""
    s, f, e_s = step_terms(net, res, steps, design)
    return int(np.sum(design.n_neurons + 12 + 2 * e_s + 9 * s + f - (s > 0)))


def step_terms(net: ss.Network, res: ss.Result, steps: int, design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step of ``res``: S (spikes, neurons and inputs), F (their total fan-out in synapses) and
    E_s (input-spike events), the terms of the cycle formula."""
    plan = net.plan
    first = {name: design.pops[name][0] for name in design.pops}
    fan = np.zeros(sum(n for _, n in design.pops.values()), np.int64)
    for proj in plan.projs:
        np.add.at(fan, first[plan.pops[proj.pre].name] + proj.pre_idx, 1)
    s = np.zeros(steps, np.int64)
    f = np.zeros(steps, np.int64)
    e_s = np.zeros(steps, np.int64)
    for name in design.pops:
        t, i = res.spikes(name)
        k = np.rint(t / DT).astype(np.int64)
        np.add.at(s, k, 1)
        np.add.at(f, k, fan[first[name] + i])
        if name == "In":
            np.add.at(e_s, k, 1)
    return s, f, e_s


def cycles(n: int, steps: int, seed: int) -> dict:
    """Simulate ``steps`` steps on fpga_sim: measured and predicted cycles."""
    from spikesim.backends.fpga_sim import FpgaSimRunner

    net = network(n, seed, steps)
    runner = FpgaSimRunner(net.plan)
    t0 = time.perf_counter()
    res = runner.run(steps, [r for r in net.records if r.var == "spikes"])
    spikes = {name: int(res.spikes(name)[0].size) for name in ("E", "I", "In")}
    measured = int(res.info["cycles"])
    pred = predicted_cycles(net, res, steps, runner.design)
    rate = (spikes["E"] + spikes["I"]) / n / (steps * DT / 1000.0)
    return {"steps": steps, "spikes": spikes, "rate_hz": rate, "cycles": measured,
            "cycles_per_step": measured / steps, "predicted": pred, "predicted_minus_measured": pred - measured,
            "sim_s": time.perf_counter() - t0, "synapses": runner.design.counts["synapses"]}


def synth(n: int, target: str, seed: int) -> dict:
    from spikesim.fpga.synth import SynthError, synthesize

    tgt, extra = TARGETS[target]
    with tempfile.TemporaryDirectory(prefix=f"fpga-res-{n}-") as tmp:
        design = network(n, seed).emit_verilog(tmp)
        data = sorted(Path(tmp).glob("*.hex"))
        t0 = time.perf_counter()
        try:
            rep = synthesize(design.axi_sources, "spikesim_axi_top", tgt, data_files=data, extra_synth_args=extra,
                             timeout=3600)
        except SynthError as e:
            return {"error": str(e)[-800:], "synth_s": time.perf_counter() - t0}
    dev, lut, bram, dsp = DEVICE[target]
    fits = rep.lut <= lut and rep.bram <= bram and rep.dsp <= dsp
    return {"lut": rep.lut, "ff": rep.ff, "bram": rep.bram, "dsp": rep.dsp, "lutram": rep.lutram,
            "latches": len(rep.latches), "bram_cells": {k: v for k, v in rep.cells.items()
                                                        if k.startswith(("RAMB", "DP16", "SB_RAM"))},
            "fits": f"{dev}: {'yes' if fits else 'no'}", "synth_s": time.perf_counter() - t0}


def yosys_version() -> str:
    from spikesim.fpga.tools import ensure_yosys

    out = subprocess.run([*ensure_yosys(), "-V"], capture_output=True, text=True, timeout=900)
    return out.stdout.strip()


def table(report: dict) -> str:
    """Markdown table of a report."""
    rows = ["| N | target | LUT | FF | BRAM | DSP | fits | cycles/step (measured) | synth s |",
            "|---|---|---|---|---|---|---|---|---|"]
    for n, entry in report["sizes"].items():
        cyc = entry.get("cycles", {})
        cps = f"{cyc['cycles_per_step']:.0f} @ {cyc['rate_hz']:.1f} Hz" if cyc else "-"
        for target, r in entry["synth"].items():
            names = NAMES[target]
            if "error" in r:
                rows.append(f"| {n} | {target} | failed: {r['error'][-120:]} | | | | | {cps} | {r['synth_s']:.0f} |")
                continue
            bram = " + ".join(f"{v} {k}" for k, v in sorted(r["bram_cells"].items())) or "0"
            rows.append(f"| {n} | {target} | {r['lut']} {names[0]} | {r['ff']} | {bram} | "
                        f"{r['dsp']} {names[3]} | {r['fits']} | {cps} | {r['synth_s']:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--targets", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    ap.add_argument("--steps", type=int, default=100, help="simulated steps for the cycle count (0: skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write the report here (updated after every entry)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", ss.DelayRoundingWarning)
    report = {"machine": machine(), "yosys": yosys_version(), "sizes": {}}
    for n in args.sizes:
        entry = report["sizes"].setdefault(str(n), {"synth": {}})
        if args.steps:
            entry["cycles"] = cycles(n, args.steps, args.seed)
            print(f"N={n}: {json.dumps(entry['cycles'])}", flush=True)
            write_json(args.json, report)
        for target in args.targets:
            entry["synth"][target] = synth(n, target, args.seed)
            print(f"N={n} {target}: {json.dumps(entry['synth'][target])}", flush=True)
            write_json(args.json, report)
    print(table(report))
    return report


if __name__ == "__main__":
    main()
