"""FPGA cycles per time step against N, fan-out and activity; RTL simulator speed; resources and goals.

1. **Cycles per step.** The LIF network of ``bench/fpga_resources.py`` (80 % excitatory, N/8
   spike-train inputs, two exponential currents, a 16-row delay ring), emitted with its AXI4-Lite
   system and simulated on ``fpga_sim`` (Icarus) for ``--steps`` steps, swept three ways: N
   (``--sizes``, fan-in 50, inputs at 200 Hz), the fan-out (``--fan-ins``: random inputs per
   neuron and projection group, at N = ``--base-n``) and the activity (``--rates``: the inputs'
   rate in Hz, at N = ``--base-n``). Each row has the measured clock cycles (START write to
   STATUS.DONE), the cycle formula of docs/hdl.md

       cycles/step = N + 12 + 2 E_i + 2 E_s + 9 S + F - [S > 0]

   summed over the steps (``fpga_resources.predicted_cycles``; a run adds 6 cycles), the synaptic
   events F (spikes x fan-out) and F per clock.
2. **Simulator speed.** Wall time per simulated step of the same design on Icarus and on Verilator
   (``--speed-sims``, at N = ``--speed-sizes``): one runner, a first run that builds the simulator
   (reported as ``build_s``), then runs of T1 and T2 steps from reset on the built simulator;
   steps/s = (T2 - T1) / (wall(T2) - wall(T1)), i.e. without the start-up of the simulator and of
   cocotb, which ``whole_steps_per_s`` (T2 / wall(T2)) includes.
3. **Resources.** ``--synth-sizes`` reruns yosys (``fpga_resources.synth``) for ``--targets``;
   without it the report carries the recorded yosys 0.70 table of docs/hdl.md (2026-11-23) and the
   nextpnr table of docs/boards.md. ``--resources-json`` merges an earlier ``fpga_resources.py``
   report. An xc7 block-RAM estimate from the emitter's memory shapes (``spikesim.fpga.boards.memories``
   mapped onto RAMB36E1 / RAMB18E1 shapes) is given for the benchmark networks and for the goal's
   1024 neurons x 256 synapses.
4. **Goals** (``../shared/BENCHMARKS.md``): >= 1 synaptic event per clock; 1024 neurons with 256k
   synapses on a Zynq-7020 (<= 140 RAMB36); NeuroCoreX for comparison.

Usage: ``python bench/fpga_cycles.py --json out.json`` (defaults: a few minutes on 2 cores);
``--quick`` is the tiny size of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import spikesim as ss  # noqa: E402
from bench.bench_common import machine, write_json  # noqa: E402
from bench.fpga_resources import DT, RATE_IN, network, predicted_cycles, step_terms  # noqa: E402

#: yosys 0.70 on spikesim_axi_top, the network of fpga_resources.py (docs/hdl.md, 2026-11-23, 2-core VM
#: under load 7-12): N -> target -> (LUT, FF, block RAM as RAMB36 equivalents / DP16KD / SB_RAM40_4K, DSP, synth s).
RECORDED_YOSYS = {
    64: {"xc7": (2647, 1231, 9.0, 23, 307), "ecp5": (3957, 1881, 32, 23, 248), "ice40": (4400, 1882, 107, 23, 279)},
    256: {"xc7": (2688, 811, 43.5, 23, 742), "ecp5": (4029, 1912, 89, 23, 792), "ice40": (4952, 1925, 325, 23, 896)},
    1024: {"xc7": (2817, 843, 162.0, 23, 816), "ecp5": (4118, 1949, 324, 23, 416),
           "ice40": (6639, 1964, 1299, 23, 2000)},
}
#: nextpnr 0.11.1 (docs/boards.md, 2026-11-23): the whole board design (core, AXI4-Lite, FIFO, UART bridge).
#: (board, N) -> (logic cells, capacity, FF, BRAM, BRAM capacity, DSP, Fmax MHz) or the refusal.
RECORDED_NEXTPNR = {
    ("ulx3s-85f", 64): (6756, 83640, 2245, 33, 208, 23, 15.2),
    ("orangecrab-25f", 64): (6734, 24288, 2245, 33, 56, 23, 21.6),
    ("icebreaker", 64): "refused: logic cells 5796 > 5280, block RAMs 108 > 30, DSP 23 > 8",
    ("ulx3s-85f", 256): (6698, 83640, 2259, 90, 208, 23, 16.0),
    ("orangecrab-25f", 256): "refused: block RAMs 90 > 56",
    ("icebreaker", 256): "refused: logic cells 6431 > 5280, block RAMs 327 > 30, DSP 23 > 8",
    ("ulx3s-85f", 1024): "refused: block RAMs 325 > 208",
    ("orangecrab-25f", 1024): "refused: block RAMs 325 > 56",
    ("icebreaker", 1024): "refused: logic cells 8970 > 5280, block RAMs 1302 > 30, DSP 23 > 8",
}
#: NeuroCoreX (Artix-7 35T, Vivado): ~100 neurons, 6981 LUT, 30.5 BRAM tiles (RAMB36), 100 MHz, ~1 ms per step.
NEUROCOREX = {"neurons": 100, "device": "XC7A35T", "lut": 6981, "bram36": 30.5, "clock_mhz": 100, "ms_per_step": 1.0}
#: Zynq-7020 (PYNQ-Z2): block RAM and LUTs.
ZYNQ7020 = {"bram36": 140, "lut": 53200, "dsp": 220}
#: RAMB36E1 / RAMB18E1 simple-dual-port shapes (depth, width).
RAMB36 = ((32768, 1), (16384, 2), (8192, 4), (4096, 9), (2048, 18), (1024, 36), (512, 72))
RAMB18 = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))


def xc7_bram36(params: dict, sys_params: dict) -> tuple[float, dict[str, float]]:
    """RAMB36 equivalents of the emitted design's memories (a RAMB18 counts 0.5), each memory on its
    cheapest shape; memories of <= 1 kbit or <= 32 words go to LUTs (as in spikesim.fpga.boards)."""
    from spikesim.fpga.boards import SMALL_MEM_BITS, memories

    per = {}
    for name, (depth, width) in memories(params, sys_params).items():
        if depth * width <= SMALL_MEM_BITS or depth <= 32:
            continue
        b36 = min(math.ceil(width / w) * math.ceil(depth / d) for d, w in RAMB36)
        b18 = min(math.ceil(width / w) * math.ceil(depth / d) for d, w in RAMB18)
        per[name] = min(float(b36), b18 / 2)
    return sum(per.values()), per


def bram_estimate(n: int, fan_in: float, seed: int = 0) -> dict:
    """Emit the benchmark network (no simulation) and estimate its xc7 block RAM."""
    with tempfile.TemporaryDirectory(prefix="fpga-cyc-est-") as tmp:
        d = network(n, seed, 10, fan_in=fan_in).emit_verilog(tmp)
    total, per = xc7_bram36(d.params, d.sys_params)
    return {"n": n, "fan_in": fan_in, "synapses": d.counts["synapses"], "syn_word_bits": syn_word_bits(d.params),
            "bram36": total, "bram36_syn": per.get("syn", 0.0),
            "bram36_ring": sum(v for k, v in per.items() if k.startswith("ring"))}


def syn_word_bits(params: dict) -> int:
    """Bits of one synapse word: weight, delay row, channel slot, target (+ the plastic bit)."""
    return int(params["WB"] + params["RB"] + params["CB"] + params["NB"] + params.get("STDP", 0))


def cycles_row(n: int, fan_in: float, rate: float, steps: int, seed: int) -> dict:
    """One fpga_sim (Icarus) run: measured cycles against the formula, events per clock."""
    from spikesim.backends.fpga_sim import FpgaSimRunner

    net = network(n, seed, steps, fan_in=fan_in, rate_in=rate)
    runner = FpgaSimRunner(net.plan, sim="icarus")
    t0 = time.perf_counter()
    res = runner.run(steps, [r for r in net.records if r.var == "spikes"])
    wall = time.perf_counter() - t0
    s, f, e_s = step_terms(net, res, steps, runner.design)
    measured = int(res.info["cycles"])
    pred = predicted_cycles(net, res, steps, runner.design)
    n_in = runner.design.pops["In"][1]
    spikes = int(s.sum())
    return {"n": n, "fan_in": fan_in, "rate_in_hz": rate, "steps": steps, "synapses": runner.design.counts["synapses"],
            "fan_out_mean": runner.design.counts["synapses"] / (n + n_in),
            "rate_hz": (spikes - int(e_s.sum())) / n / (steps * DT / 1000.0), "spikes": spikes,
            "input_spikes": int(e_s.sum()), "events": int(f.sum()), "cycles": measured,
            "cycles_per_step": measured / steps, "predicted": pred, "predicted_minus_measured": pred - measured,
            "events_per_clock": int(f.sum()) / measured, "neuron_phase_share": n * steps / measured,
            "max_events_in_a_step": int(f.max()) if f.size else 0, "sim_wall_s": wall}


def sim_speed(sim: str, n: int, t1: int, t2: int, seed: int) -> dict:
    """Wall time per simulated step on ``sim`` (marginal, between runs of t1 and t2 steps)."""
    from spikesim.backends.fpga_sim import FpgaSimRunner

    net = network(n, seed, t2)
    recs = [r for r in net.records if r.var == "spikes"]
    runner = FpgaSimRunner(net.plan, sim=sim)
    t0 = time.perf_counter()
    runner.run(2, recs)  # builds (Icarus: iverilog; Verilator: C++ compile) and runs 2 steps
    build = time.perf_counter() - t0
    walls, cyc = [], []
    for t_end in (t1, t2):  # each run simulates from reset to t_end on the built simulator
        t0 = time.perf_counter()
        res = runner.run(t_end - runner.step, recs)
        walls.append(time.perf_counter() - t0)
        cyc.append(int(res.info["cycles"]))
    dw = max(walls[1] - walls[0], 1e-9)
    return {"sim": sim, "n": n, "t1": t1, "t2": t2, "build_s": build, "wall_t1_s": walls[0], "wall_t2_s": walls[1],
            "steps_per_s": (t2 - t1) / dw, "clocks_per_s": (cyc[1] - cyc[0]) / dw, "whole_steps_per_s": t2 / walls[1],
            "cycles_per_step": cyc[1] / t2}


def goals(report: dict) -> dict:
    """The FPGA goals of BENCHMARKS.md from the measured rows and the block-RAM estimates."""
    rows = [r for sweep in report["cycles"].values() for r in sweep]
    best = max(rows, key=lambda r: r["events_per_clock"]) if rows else None
    out = {"events_per_clock": {
        "goal": ">= 1 synaptic event per clock",
        "during_fan_out_walk": 1.0,
        "best_whole_step_average": best and {k: best[k] for k in ("n", "fan_in", "rate_in_hz", "events_per_clock")},
        "met": "only while a fan-out is walked (1 synapse per clock); whole steps average "
               f"{best['events_per_clock']:.2f} at best" if best else "not measured"}}
    est = report.get("bram_estimates", {})
    if "goal_1024x256" in est:
        e = est["goal_1024x256"]
        out["zynq7020_1024x256k"] = {
            "goal": "1024 neurons, 256k synapses, <= 140 RAMB36 (Zynq-7020)", "estimated_bram36": e["bram36"],
            "synapse_ram_bram36": e["bram36_syn"], "ring_bram36": e["bram36_ring"], "synapses": e["synapses"],
            "met": e["bram36"] <= ZYNQ7020["bram36"]}
    return out


def table_cycles(report: dict) -> str:
    rows = ["| sweep | N | fan-in | input rate (Hz) | synapses | neuron rate (Hz) | cycles/step | formula - measured "
            "| events/step | events per clock | neuron phase share |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for sweep, rs in report["cycles"].items():
        for r in rs:
            rows.append(f"| {sweep} | {r['n']} | {r['fan_in']:g} | {r['rate_in_hz']:g} | {r['synapses']} | "
                        f"{r['rate_hz']:.1f} | {r['cycles_per_step']:.1f} | {r['predicted_minus_measured']} | "
                        f"{r['events'] / r['steps']:.1f} | {r['events_per_clock']:.3f} | {r['neuron_phase_share']:.2f} |")
    return "\n".join(rows)


def table_speed(report: dict) -> str:
    rows = ["| simulator | N | build s | steps (T1 -> T2) | steps/s (marginal) | clocks/s | steps/s incl. start-up |",
            "|---|---|---|---|---|---|---|"]
    for r in report["speed"]:
        rows.append(f"| {r['sim']} | {r['n']} | {r['build_s']:.1f} | {r['t1']} -> {r['t2']} | {r['steps_per_s']:.0f} | "
                    f"{r['clocks_per_s']:.3g} | {r['whole_steps_per_s']:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[32, 64, 128, 256], help="N sweep (fan-in 50, 200 Hz)")
    ap.add_argument("--base-n", type=int, default=64, help="N of the fan-out and activity sweeps")
    ap.add_argument("--fan-ins", type=float, nargs="*", default=[10, 25, 50, 100])
    ap.add_argument("--rates", type=float, nargs="*", default=[50, 200, 800], help="input rates (Hz)")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--speed-sims", nargs="*", default=["icarus", "verilator"], choices=["icarus", "verilator"])
    ap.add_argument("--speed-sizes", type=int, nargs="*", default=[64, 256])
    ap.add_argument("--speed-steps", type=int, nargs=2, default=None, metavar=("T1", "T2"),
                    help="default: 100 400 on Icarus, 1000 4000 on Verilator")
    ap.add_argument("--synth-sizes", type=int, nargs="*", default=[], help="rerun yosys at these N (slow: minutes each)")
    ap.add_argument("--targets", nargs="+", default=["xc7"], choices=["xc7", "ecp5", "ice40"])
    ap.add_argument("--resources-json", default=None, help="merge the 'sizes' of an earlier fpga_resources.py report")
    ap.add_argument("--no-estimates", action="store_true", help="skip the block-RAM estimates (they emit N = 1024)")
    ap.add_argument("--quick", action="store_true", help="tiny: N = 16, 20 steps, Icarus only, no estimates")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", ss.DelayRoundingWarning)
    if args.quick:
        args.sizes, args.fan_ins, args.rates, args.base_n, args.steps = [16], [], [], 16, 20
        args.speed_sims, args.speed_sizes, args.speed_steps, args.no_estimates = ["icarus"], [16], (10, 30), True
    t_start = time.perf_counter()
    report: dict = {"machine": machine(), "command": "python bench/fpga_cycles.py " + " ".join(sys.argv[1:] if argv is None
                                                                                               else argv),
                    "cycles": {}, "speed": [], "resources": {"recorded_yosys_0.70": RECORDED_YOSYS,
                                                             "recorded_nextpnr": {f"{b}-{n}": v for (b, n), v
                                                                                  in RECORDED_NEXTPNR.items()}},
                    "neurocorex": NEUROCOREX}
    sweeps = {"N": [(n, 50.0, RATE_IN) for n in args.sizes],
              "fan-in": [(args.base_n, k, RATE_IN) for k in args.fan_ins],
              "activity": [(args.base_n, 50.0, r) for r in args.rates]}
    for name, configs in sweeps.items():
        report["cycles"][name] = []
        for n, k, r in configs:
            row = cycles_row(n, k, r, args.steps, args.seed)
            report["cycles"][name].append(row)
            print(f"cycles {name}: {json.dumps(row)}", flush=True)
            write_json(args.json, report)
    for sim in args.speed_sims:
        t1, t2 = args.speed_steps or ((100, 400) if sim == "icarus" else (1000, 4000))
        for n in args.speed_sizes:
            row = sim_speed(sim, n, t1, t2, args.seed)
            report["speed"].append(row)
            print(f"speed: {json.dumps(row)}", flush=True)
            write_json(args.json, report)
    if not args.no_estimates:
        est = {f"bench_{n}": bram_estimate(n, 50.0, args.seed) for n in (64, 256, 1024)}
        # synapses = fan_in x (N + N/8) in this network: 256k synapses at N = 1024 is fan_in = 262144 / 1152
        est["goal_1024x256"] = bram_estimate(1024, 262144 / (1024 + 128), args.seed)
        report["bram_estimates"] = est
        print(f"xc7 block RAM estimates: {json.dumps(est)}", flush=True)
    if args.synth_sizes:
        from bench.fpga_resources import synth, yosys_version

        report["resources"]["yosys"] = yosys_version()
        for n in args.synth_sizes:
            for target in args.targets:
                r = synth(n, target, args.seed)
                report["resources"].setdefault("measured", {}).setdefault(str(n), {})[target] = r
                print(f"synth N={n} {target}: {json.dumps(r)}", flush=True)
                write_json(args.json, report)
    if args.resources_json:
        report["resources"]["merged"] = json.loads(Path(args.resources_json).read_text()).get("sizes", {})
    report["goals"] = goals(report)
    report["total_s"] = time.perf_counter() - t_start
    write_json(args.json, report)
    print(table_cycles(report))
    print()
    print(table_speed(report))
    print(json.dumps(report["goals"], indent=1))
    return report


if __name__ == "__main__":
    main()
