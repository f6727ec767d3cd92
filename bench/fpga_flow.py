"""Open FPGA flow across N: utilisation, Fmax and timing of the full board design, per board.

For each board of :data:`spikesim.fpga.boards.BOARDS` and each N it builds the LIF network of
``bench/fpga_resources.py`` (80 % excitatory, ~50 random inputs per neuron, N/8 spike-train inputs,
two exponential currents, 16-row delay ring) with :func:`spikesim.fpga.build`: the emitted
``spikesim_uart_top`` (core, AXI4-Lite block, 1024-entry spike FIFO, UART bridge) in the board top
(oscillator clock, power-on reset, UART pins, LED), yosys ``synth_ecp5`` / ``synth_ice40 -dsp``,
nextpnr at the board clock, ecppack / icepack. A network whose estimate exceeds the device is not
built: the row gives the refusal (resource, estimate, capacity).

Usage: ``python bench/fpga_flow.py --sizes 64 256 1024 --boards ulx3s-85f orangecrab-25f icebreaker --json out.json``
(prints a Markdown table; ``--out DIR`` keeps the build directories; ``--table out.json`` prints the table
of an earlier run again, with the estimate columns from the current model).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import spikesim as ss  # noqa: E402
from bench.bench_common import machine, write_json  # noqa: E402
from bench.fpga_resources import network, yosys_version  # noqa: E402
from spikesim.fpga.boards import BOARDS, DoesNotFit  # noqa: E402
from spikesim.fpga.build import build  # noqa: E402


def one(n: int, board: str, seed: int, out: Path) -> dict:
    """Build the N-neuron network for ``board``: the report as a dict, or the refusal / error."""
    t0 = time.perf_counter()
    try:
        rep = build(network(n, seed), board, out / f"{board}-{n}")
    except DoesNotFit as e:
        return {"refused": str(e), "total_s": time.perf_counter() - t0}
    except RuntimeError as e:  # a tool failed
        return {"error": str(e)[-600:], "total_s": time.perf_counter() - t0}
    d = rep.as_dict()
    d["used"] = {k: list(rep.used(k)) for k in ("lut", "ff", "bram", "dsp")}
    d["total_s"] = time.perf_counter() - t0
    return d


def current_estimate(n: int, board: str, seed: int) -> dict:
    """The estimate of the current model (spikesim.fpga.boards.estimate) for the N-neuron network on ``board``."""
    from spikesim.fpga.boards import estimate

    with tempfile.TemporaryDirectory(prefix="fpga-est-") as tmp:
        d = network(n, seed).emit_verilog(tmp)
    return estimate(d.params, d.sys_params, BOARDS[board].family).as_dict()


def table(report: dict, seed: int = 0) -> str:
    """Markdown table of a report (the estimate columns from the current model)."""
    rows = ["| board (device, design clock) | N | logic cells | FF | BRAM | DSP | Fmax MHz | timing | "
            "estimate LUT4 / BRAM / DSP | "
            "yosys LUT4 / BRAM / DSP | synth s | pnr s | pack s |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, r in report["runs"].items():
        board, n = key.rsplit("-", 1)
        b = BOARDS[board]
        head = f"| {board} ({b.device}, {b.design_hz / 1e6:g} MHz) | {n} |"
        if "refused" in r:  # "... : block RAMs: estimated 90, the LFE5U-25F has 56; ... (largest RAMs ...)"
            over = re.findall(r"(logic cells|block RAMs|DSP blocks)[^:]*: estimated (\d+), the \S+ has (\d+)", r["refused"])
            rows.append(f"{head} does not fit: {', '.join(f'{k} {e} > {c}' for k, e, c in over)} | | | | | | | | | | |")
            continue
        if "error" in r:
            rows.append(f"{head} failed: {r['error'][-160:]} | | | | | | | | | | |")
            continue
        u, e, s, t = r["used"], current_estimate(int(n), board, seed), r["synth"], r["times_s"]
        met = "met" if r["fmax_mhz"] >= b.design_hz / 1e6 else "**not met**"  # at the board table's design clock
        rows.append(f"{head} {u['lut'][0]} / {u['lut'][1]} | {u['ff'][0]} | {u['bram'][0]} / {u['bram'][1]} | "
                    f"{u['dsp'][0]} / {u['dsp'][1]} | {r['fmax_mhz']:.1f} | {met} | {e['lut']} / {e['bram']} / {e['dsp']} | "
                    f"{s['lut']} / {s['bram']} / {s['dsp']} | {t['synth']:.0f} | {t['pnr']:.0f} | {t['pack']:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--boards", nargs="+", default=list(BOARDS), choices=list(BOARDS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write the report here (updated after every build)")
    ap.add_argument("--out", default=None, help="keep the build directories here (default: a temporary directory)")
    ap.add_argument("--table", default=None, metavar="JSON", help="only print the table of an earlier --json report")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", ss.DelayRoundingWarning)
    if args.table:
        report = json.loads(Path(args.table).read_text())
        print(table(report, args.seed))
        return report
    report = {"machine": machine(), "yosys": yosys_version(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="fpga-flow-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        for n in args.sizes:  # the small builds first, for every board
            for board in args.boards:
                report["runs"][f"{board}-{n}"] = r = one(n, board, args.seed, out)
                print(f"{board} N={n}: {json.dumps(r)}", flush=True)
                write_json(args.json, report)
    print(table(report, args.seed))
    return report


if __name__ == "__main__":
    main()
