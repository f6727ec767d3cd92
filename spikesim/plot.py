"""Plots of a Result (matplotlib, imported lazily)."""

from __future__ import annotations

import numpy as np

from .result import Result


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4))
    return ax


def raster(res: Result, name: str, ax=None, markersize: float = 1.0, **kwargs):
    """Spike raster of population ``name``: time (ms) against neuron index."""
    ax = _axes(ax)
    t, i = res.spikes(name)
    ax.plot(t, i, ".", markersize=markersize, color=kwargs.pop("color", "k"), **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"{name} neuron")
    ax.set_xlim(res.t_start, res.t_stop)
    ax.set_title(f"{name}: {res.rate(name):.2f} Hz")
    return ax


def trace(res: Result, name: str, var: str = "v", neurons=(0,), ax=None, **kwargs):
    """State traces (e.g. membrane potential in mV) of some neurons of ``name``."""
    ax = _axes(ax)
    t, v = res.state(name, var)
    for j in np.atleast_1d(neurons):
        ax.plot(t, v[:, j], label=f"{name}[{j}]", **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"{var} (mV)" if var == "v" else var)
    ax.legend(loc="upper right", fontsize="small")
    return ax
