"""The benchmark scripts run at a tiny size (the figures themselves live in bench/RESULTS.md)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("model", ["cuba", "coba"])
def test_cuba_benchmark_runs_spikesim(tmp_path, model):
    out = tmp_path / "r.json"
    report = load("cuba").main(["--sizes", "500", "--duration", "20", "--repeats", "1", "--model", model,
                                "--sims", "spikesim", "--json", str(out)])
    row = report["results"][500]["spikesim"]
    assert row["loop_s"]["median"] > 0 and row["wall_s"]["median"] > row["loop_s"]["median"]
    assert row["rate_hz"]["median"] > 0
    assert json.loads(out.read_text())["machine"]["nproc"] >= 1


@pytest.mark.slow
def test_cuba_benchmark_compares_with_brian2_standalone():
    report = load("cuba").main(["--sizes", "500", "--duration", "20", "--repeats", "1",
                                "--sims", "spikesim", "brian2-standalone"])
    row = report["results"][500]
    assert row["ratio_loop_vs_standalone"] > 0 and row["ratio_wall_vs_standalone"] > 0
    # same network (identical synapse arrays), so both simulators fire at a similar rate
    ours, theirs = row["spikesim"]["rate_hz"]["median"], row["brian2-standalone"]["rate_hz"]["median"]
    assert abs(ours - theirs) < 0.5 * theirs
