"""Turn the JSON reports of the benchmark scripts into Markdown tables (for bench/RESULTS.md).

    python bench/make_table.py bench/results/*.json > bench/results/latest.md

Every figure is "median [min-max]" over the repeats; ratios are spikesim's median over the
reference's median (below 1: spikesim is faster).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def fmt(stat: dict | None, unit: str = "s", digits: int = 3) -> str:
    if not stat:
        return "–"
    if stat["n"] == 1:
        return f"{stat['median']:.{digits}f} {unit}".strip()
    return f"{stat['median']:.{digits}f} {unit} [{stat['min']:.{digits}f}–{stat['max']:.{digits}f}]".replace(" [", " [", 1)


def size_label(n: int | str) -> str:
    n = int(n)
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def header(report: dict) -> list[str]:
    m = report["machine"]
    versions = ", ".join(f"{k} {m[k]}" for k in ("jax", "numpy", "brian2", "brainpy") if m.get(k))
    load = m.get("load_1min") or 0.0
    lines = [f"- **Command:** `{report.get('command', '?')}`",
             f"- **Machine:** {m.get('cpu')} (`nproc` = {m.get('nproc')}, {m.get('mem_gib')} GiB), "
             f"1-min load {load:.2f} at the start",
             f"- **Versions:** Python {m.get('python')}, {versions}",
             f"- **Date:** {m.get('date')}"]
    if report.get("skipped"):
        lines.append(f"- **Skipped:** {'; '.join(report['skipped'])}")
    return lines


def scaling_table(report: dict) -> list[str]:
    """CUBA/COBA: one row per size and simulator, with spikesim / that simulator as the ratios."""
    out = ["| N | simulator | loop | wall | rate (Hz) | events/s | spikesim / this: loop | spikesim / this: wall |",
           "|---|---|---|---|---|---|---|---|"]
    for n, row in report["results"].items():
        ratios = row.get("ratios", {})
        for sim in report["sims"]:
            r = row.get(sim)
            if not r:
                continue
            rat = ratios.get(sim, {})
            cells = [size_label(n), sim, fmt(r.get("loop_s")), fmt(r.get("wall_s"), digits=2),
                     f"{r['rate_hz']['median']:.2f}" if "rate_hz" in r else "–",
                     f"{r['events_per_s']['median']:.3g}" if "events_per_s" in r else "–",
                     f"**{rat['loop_s']:.2f}×**" if "loop_s" in rat else "–",
                     f"**{rat['wall_s']:.2f}×**" if "wall_s" in rat else "–"]
            out.append("| " + " | ".join(cells) + " |")
    return out


def batch_table(report: dict) -> list[str]:
    out = ["| N × batch | spikesim mode | spikesim loop | Brian2 standalone loop (sum) | spikesim wall | "
           "Brian2 standalone wall (sum) | loop ratio | wall ratio |", "|---|---|---|---|---|---|---|---|"]
    for n, row in report["results"].items():
        rat = row.get("ratios", {}).get("brian2-standalone", {})
        ours, ref = row.get("spikesim", {}), row.get("brian2-standalone", {})
        out.append(f"| {size_label(n)} × {report['batch']} | {report['spikesim_mode']} | {fmt(ours.get('loop_s'))} | "
                   f"{fmt(ref.get('loop_s'))} | {fmt(ours.get('wall_s'), digits=2)} | {fmt(ref.get('wall_s'), digits=2)} | "
                   f"{rat.get('loop_s', float('nan')):.2f}× | {rat.get('wall_s', float('nan')):.2f}× |")
    return out


def gpu_table(report: dict) -> list[str]:
    out = ["| N | synapses | µs / step | events/s | bound (events/s) | fraction of bound | loop | wall |",
           "|---|---|---|---|---|---|---|---|"]
    for n, r in report["results"].items():
        out.append(f"| {size_label(n)} | {r['synapses']:.3g} | {r['us_per_step']['median']:.1f} | "
                   f"{r['events_per_s']['median']:.3g} | {r['bound_events_per_s']:.3g} | {r['fraction_of_bound']:.2f} | "
                   f"{fmt(r['loop_s'])} | {fmt(r['wall_s'], digits=2)} |")
    return out


PLASTICITY_STATS = {"song": (("mean_w", "mean w/gmax"), ("frac_high", "w > 0.9 gmax"), ("frac_low", "w < 0.1 gmax"),
                              ("rate_hz", "rate (Hz)")),
                     "polychronization": (("frac_high", "E w >= 9"), ("frac_low", "E w <= 1"), ("mean_w", "mean E w"),
                                          ("rate_hz", "rate (Hz)"))}


def plasticity_table(report: dict) -> list[str]:
    """Song 2000 / polychronization: times, ratios and the final weight statistics per simulator."""
    stats = PLASTICITY_STATS[report["benchmark"]]
    out = ["| size | duration | simulator | loop | wall | spikesim / this: loop | spikesim / this: wall | "
           + " | ".join(label for _, label in stats) + " |", "|" + "---|" * (7 + len(stats))]
    for n, row in report["results"].items():
        ratios = row.get("ratios", {})
        for sim in report["sims"]:
            r = row.get(sim)
            if not r:
                continue
            rat = ratios.get(sim, {})
            cells = [size_label(n), f"{report['duration_s']:g} s", sim, fmt(r.get("loop_s")), fmt(r.get("wall_s"), digits=2),
                     f"**{rat['loop_s']:.2f}×**" if "loop_s" in rat else "–",
                     f"**{rat['wall_s']:.2f}×**" if "wall_s" in rat else "–",
                     *(f"{r[k]['median']:.3f}" if k in r else "–" for k, _ in stats)]
            out.append("| " + " | ".join(cells) + " |")
    return out


TITLES = {"cuba": "CUBA scaling", "coba": "COBA scaling", "batch": "Batch", "gpu": "GPU (spikesim only)",
          "song": "Song 2000 STDP", "polychronization": "Polychronization (Izhikevich 2006)"}


def render(reports: list[dict]) -> str:
    lines = ["# Benchmark results (generated by bench/make_table.py)", ""]
    for rep in reports:
        kind = rep.get("benchmark", "cuba")
        lines += [f"## {TITLES.get(kind, kind)}", "", *header(rep), ""]
        if kind == "batch":
            lines += batch_table(rep)
        elif kind == "gpu":
            lines += [f"Bound: {rep.get('bound_note', '')}", "", *gpu_table(rep)]
        elif kind in PLASTICITY_STATS:
            lines += plasticity_table(rep)
        else:
            lines += scaling_table(rep)
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", help="JSON files written by the benchmark scripts (--json)")
    ap.add_argument("-o", "--output", help="write the Markdown here (default: stdout)")
    a = ap.parse_args(argv)
    reports = [json.loads(Path(p).read_text()) for p in a.reports if Path(p).exists()]
    text = render(reports)
    if a.output:
        Path(a.output).write_text(text)
    else:
        sys.stdout.write(text)
    return text


if __name__ == "__main__":
    main()
