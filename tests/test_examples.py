"""Every script in ``examples/`` runs on a tiny duration and writes its figure."""

from __future__ import annotations

import pytest
from example_modules import example_names, load_example

#: Extra arguments per example (fpga_flow: no yosys run here; synthesis is tested in tests/hdl/test_synth.py).
EXTRA_ARGS = {"fpga_flow": ["--synth", "none"],
              "fpga_reward_learning": ["--duration", "400", "--trial", "50"]}  # 8 trials, rewards of both signs


def test_examples_are_found():
    assert {"cuba", "coba", "izhikevich_2003"} <= set(example_names())


@pytest.mark.parametrize("name", example_names())
def test_example_runs_and_writes_its_figure(name, tmp_path, capsys):
    out = tmp_path / "out"
    result = load_example(name).main(["--duration", "20", "--seed", "1", "--out", str(out), *EXTRA_ARGS.get(name, [])])
    figures = list(out.glob("*.png"))
    assert figures, f"{name} wrote no PNG into {out}"
    assert all(f.stat().st_size > 1000 for f in figures)
    assert "Hz" in capsys.readouterr().out
    if name == "fpga_flow":  # the RTL (simulated through AXI4-Lite) and jax_fixed give the same raster
        assert result["identical"] and result["results"]["fpga_sim"].spikes("E")[0].size > 5
    if name == "fpga_reward_learning":  # the closed loop on the simulated RTL = on jax_fixed, bit for bit
        rewards = result["fixed"]["rewards"]
        assert result["identical"] and rewards.min() < 0 < rewards.max()
