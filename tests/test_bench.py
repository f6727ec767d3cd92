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
    report = load("cuba").main(["--size", "500", "--duration", "20", "--repeats", "1", "--model", model,
                                "--sims", "spikesim", "--json", str(out)])
    row = report["results"][500]["spikesim"]
    assert row["loop_s"]["median"] > 0 and row["wall_s"]["median"] > row["loop_s"]["median"]
    assert row["rate_hz"]["median"] > 0 and row["events_per_s"]["median"] > 0
    saved = json.loads(out.read_text())
    assert saved["machine"]["nproc"] >= 1 and saved["sims"] == ["spikesim"]
    table = load("make_table").render([saved])
    assert f"| 500 | spikesim | {row['loop_s']['median']:.3f} s" in table


def test_batch_benchmark_runs_spikesim(tmp_path):
    out = tmp_path / "b.json"
    report = load("batch").main(["--size", "200", "--batch", "2", "--duration", "10", "--repeats", "1",
                                 "--sims", "spikesim", "--json", str(out)])
    row = report["results"][200]["spikesim"]
    assert row["loop_s"]["median"] > 0 and row["rate_hz"]["median"] >= 0
    assert report["spikesim_mode"] == "sequential"
    assert "| 200 × 2 | sequential |" in load("make_table").render([json.loads(out.read_text())])
    batched = load("batch").main(["--size", "200", "--batch", "2", "--duration", "10", "--repeats", "1",
                                  "--sims", "spikesim", "--spikesim-batch"])
    assert batched["spikesim_mode"] == "batched"
    # the same networks: the same spikes, so the same mean rate
    assert batched["results"][200]["spikesim"]["rate_hz"]["median"] == row["rate_hz"]["median"]


def test_song_benchmark_runs_spikesim(tmp_path):
    out = tmp_path / "s.json"
    report = load("song").main(["--size", "1000", "--duration", "0.2", "--repeats", "1", "--sims", "spikesim",
                                "--no-warmup", "--json", str(out)])
    row = report["results"][1000]["spikesim"]
    assert row["loop_s"]["median"] > 0 and row["wall_s"]["median"] > row["loop_s"]["median"]
    # after 0.2 s the 1000 weights are still close to their U(0, gmax) start (std of the mean 0.009)
    assert 0.45 < row["mean_w"]["median"] < 0.55
    assert 0.05 < row["frac_high"]["median"] < 0.15 and 0.05 < row["frac_low"]["median"] < 0.15
    assert 5.0 <= row["rate_hz"]["median"] <= 60.0  # about 20 Hz at w = 0.5 gmax (a handful of spikes)
    table = load("make_table").render([json.loads(out.read_text())])
    assert f"| 1k | 0.2 s | spikesim | {row['loop_s']['median']:.3f} s" in table


def test_polychronization_benchmark_runs_spikesim(tmp_path):
    out = tmp_path / "p.json"
    report = load("polychronization").main(["--size", "200", "--duration", "1.1", "--repeats", "1",
                                            "--sims", "spikesim", "--no-warmup", "--json", str(out)])
    row = report["results"][200]["spikesim"]
    assert row["loop_s"]["median"] > 0 and row["wall_s"]["median"] > row["loop_s"]["median"]
    # one weight update (t = 1 s) moved the weights off 6, but none got near the bounds yet
    assert 5.0 < row["mean_w"]["median"] < 7.0 and row["mean_w"]["median"] != 6.0
    assert row["frac_high"]["median"] == 0.0 and row["frac_low"]["median"] == 0.0
    assert 2.0 < row["rate_hz"]["median"] < 40.0
    assert "| 200 | 1.1 s | spikesim |" in load("make_table").render([json.loads(out.read_text())])
    with pytest.raises(SystemExit, match="--size"):
        load("polychronization").main(["--size", "101", "--sims", "spikesim"])


def test_gpu_benchmark_refuses_to_run_without_a_gpu():
    gpu = load("gpu")
    assert gpu.bandwidth_for("NVIDIA H100 80GB HBM3") == 3350e9
    import jax

    if jax.default_backend() == "gpu":
        pytest.skip("a GPU is present")
    with pytest.raises(SystemExit, match="not a GPU"):
        gpu.main(["--size", "100"])


@pytest.mark.slow
def test_cuba_benchmark_compares_with_brian2_standalone():
    report = load("cuba").main(["--size", "500", "--duration", "20", "--repeats", "1",
                                "--sims", "spikesim", "brian2-standalone"])
    row = report["results"][500]
    ratios = row["ratios"]["brian2-standalone"]
    assert ratios["loop_s"] > 0 and ratios["wall_s"] > 0
    # same network (identical synapse arrays), so both simulators fire at a similar rate
    ours, theirs = row["spikesim"]["rate_hz"]["median"], row["brian2-standalone"]["rate_hz"]["median"]
    assert abs(ours - theirs) < 0.5 * theirs
