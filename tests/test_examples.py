"""Every script in ``examples/`` runs on a tiny duration and writes its figure."""

from __future__ import annotations

import pytest
from example_modules import example_names, load_example


def test_examples_are_found():
    assert {"cuba", "coba", "izhikevich_2003"} <= set(example_names())


@pytest.mark.parametrize("name", example_names())
def test_example_runs_and_writes_its_figure(name, tmp_path, capsys):
    out = tmp_path / "out"
    load_example(name).main(["--duration", "20", "--seed", "1", "--out", str(out)])
    figures = list(out.glob("*.png"))
    assert figures, f"{name} wrote no PNG into {out}"
    assert all(f.stat().st_size > 1000 for f in figures)
    assert "Hz" in capsys.readouterr().out
