"""Shared plumbing of the example scripts: command-line flags, rates and saving figures."""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the examples write files; they never open a window

import matplotlib.pyplot as plt

import spikesim as ss

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def parse_args(description: str, argv: list[str] | None, duration: float, dt: float | None = None) -> argparse.Namespace:
    """Parse ``--duration`` (ms), ``--seed``, ``--out`` and, when ``dt`` is given, ``--dt`` (ms)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=float, default=duration, help=f"simulated time in ms (default {duration:g})")
    parser.add_argument("--seed", type=int, default=0, help="network seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the figures (default examples/out)")
    if dt is not None:
        parser.add_argument("--dt", type=float, default=dt, help=f"time step in ms (default {dt:g})")
    return parser.parse_args(argv)


def save_raster(res: ss.Result, names: list[str], out: Path, filename: str, title: str) -> Path:
    """Draw one raster panel per population (stacked) and write it to ``out/filename``."""
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 2.5 + 2 * len(names)), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        ss.plot.raster(res, name, ax=ax, markersize=0.5)
    fig.suptitle(title)
    return save_figure(fig, out, filename)


def save_figure(fig, out: Path, filename: str) -> Path:
    """Lay out ``fig``, write it to ``out/filename`` (creating ``out``) and close it."""
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def group_rates(res: ss.Result, name: str, groups: dict[str, slice]) -> dict[str, float]:
    """Mean firing rate (Hz) of each named slice of population ``name``."""
    counts = res.spike_counts(name)
    seconds = res.duration / 1000.0
    return {group: float(counts[sl].mean() / seconds) for group, sl in groups.items()}


def format_rates(rates: dict[str, float]) -> str:
    return ", ".join(f"{group} {rate:.2f} Hz" for group, rate in rates.items())
