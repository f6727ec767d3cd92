"""From a Python network to FPGA resources: float, fixed point and the simulated RTL, side by side.

A 64-neuron LIF network (51 excitatory, 13 inhibitory, exponential currents, random delays of
0.5-3 ms) driven by 16 spike-train inputs at 40 Hz runs on three backends:

* ``backend="jax"``: float32, the reference dynamics;
* ``backend="jax_fixed"``: the fixed-point semantics of ``spikesim.fixed`` (int32);
* ``backend="fpga_sim"``: the emitted Verilog (core + AXI4-Lite system) simulated with cocotb
  (Icarus by default, ``$SPIKESIM_FPGA_SIM=verilator``) and driven over the bus like a board.

It prints the spike counts, checks that the fixed-point and RTL rasters are identical (every spike,
every step), compares the float and fixed rates, then synthesizes the emitted design with yosys
(``--synth xilinx ecp5 ice40``; ``--synth none`` skips it) and prints LUT / FF / BRAM / DSP.
Writes ``fpga_flow.png`` (the float and RTL rasters).
Usage: ``python examples/fpga_flow.py --duration 100 --seed 0 --synth xilinx``.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import DEFAULT_OUT, save_figure

import spikesim as ss

POPS = ("E", "I", "In")


def build(seed: int, duration: float, dt: float = 0.1) -> ss.Network:
    """The network (a fresh one per backend: a network runs on one backend). ``duration`` (ms) sets the input length."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=dt, seed=seed)
    model = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
    E = net.add_population("E", 51, model, init={"v": ss.Uniform(-65.0, -52.0)})
    I = net.add_population("I", 13, model, init={"v": ss.Uniform(-65.0, -52.0)})
    n_in, rate_hz = 16, 40.0
    times = rng.random(rng.poisson(rate_hz * n_in * duration / 1000.0)) * duration
    idx = rng.integers(0, n_in, times.size)
    _, keep = np.unique(np.rint(times / dt).astype(int) * n_in + idx, return_index=True)  # one spike per step
    In = net.add_spike_source("In", n_in, times[keep], idx[keep])
    exc, inh = ss.ExpCurrent(tau=5.0, name="ge"), ss.ExpCurrent(tau=10.0, name="gi")
    delay = ss.Uniform(0.5, 3.0)
    for pre, post, syn, w, p in ((In, E, exc, 20.0, 0.5), (In, I, exc, 20.0, 0.5), (E, E, exc, 6.0, 0.1),
                                 (E, I, exc, 6.0, 0.2), (I, E, inh, -20.0, 0.3), (I, I, inh, -20.0, 0.2)):
        net.connect(pre, post, ss.FixedProbability(p), synapse=syn, weight=w, delay=delay)
    for pop in (E, I, In):
        net.record(pop, "spikes")
    return net


def run_all(seed: int, duration: float) -> dict[str, ss.Result]:
    """The same network on the three backends."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)  # delays are rounded to whole steps
        for backend in ("jax", "jax_fixed", "fpga_sim"):
            out[backend] = build(seed, duration).run(duration, backend=backend)
    return out


def same_raster(a: ss.Result, b: ss.Result) -> bool:
    """Every spike (time and index) of every population equal."""
    return all(np.array_equal(a.spikes(p)[k], b.spikes(p)[k]) for p in POPS for k in (0, 1))


def synth(seed: int, duration: float, targets: list[str]) -> dict[str, object]:
    """Emit the design and synthesize the AXI top for each target; ``{target: SynthReport}``."""
    from spikesim.fpga.synth import synthesize

    reports = {}
    with tempfile.TemporaryDirectory(prefix="fpga-flow-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        design = build(seed, duration).emit_verilog(tmp)
        data = sorted(Path(tmp).glob("*.hex"))
        for target in targets:
            extra = "-dsp" if target == "ice40" else ""  # iCE40 UltraPlus: SB_MAC16 multipliers
            reports[target] = synthesize(design.axi_sources, "spikesim_axi_top", target, data_files=data,
                                         extra_synth_args=extra)
    return reports


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=100.0, help="simulated time in ms (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="network seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the figure (default examples/out)")
    parser.add_argument("--synth", nargs="+", default=["xilinx"], help="yosys targets (xilinx ecp5 ice40) or none")
    args = parser.parse_args(argv)

    res = run_all(args.seed, args.duration)
    seconds = args.duration / 1000.0
    for backend, r in res.items():
        counts = {p: int(r.spikes(p)[0].size) for p in POPS}
        print(f"{backend:>9}: spikes {counts}, E {counts['E'] / 51 / seconds:.2f} Hz, I {counts['I'] / 13 / seconds:.2f} Hz")
    identical = same_raster(res["jax_fixed"], res["fpga_sim"])
    print(f"jax_fixed and fpga_sim rasters identical: {identical} "
          f"(saturations: fixed {sum(res['jax_fixed'].info['saturation'].values())}, "
          f"RTL {res['fpga_sim'].info['saturation']['all']}; RTL simulation {res['fpga_sim'].info['sim_s']:.1f} s)")
    n_float = sum(res["jax"].spikes(p)[0].size for p in ("E", "I"))
    n_fixed = sum(res["jax_fixed"].spikes(p)[0].size for p in ("E", "I"))
    print(f"float vs fixed: {n_float} vs {n_fixed} neuron spikes, rate ratio {n_fixed / max(n_float, 1):.3f}")

    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for ax, backend in zip(axes, ("jax", "fpga_sim")):
        for p, colour, offset in (("E", "tab:blue", 0), ("I", "tab:red", 51)):
            t, i = res[backend].spikes(p)
            ax.plot(t, i + offset, ".", ms=2, color=colour)
        ax.set_ylabel("neuron")
        ax.set_title(f"backend={backend!r}" + (" (identical to jax_fixed)" if backend == "fpga_sim" and identical else ""))
    axes[-1].set_xlabel("time (ms)")
    figure = save_figure(fig, args.out, "fpga_flow.png")

    reports = {}
    targets = [t for t in args.synth if t != "none"]
    if targets:
        reports = synth(args.seed, args.duration, targets)
        for target, rep in reports.items():
            print(f"yosys {target}: LUT {rep.lut}, FF {rep.ff}, BRAM {rep.bram}, DSP {rep.dsp}, latches {len(rep.latches)}")
    return {"results": res, "identical": identical, "synth": reports, "figure": figure}


if __name__ == "__main__":
    main()
