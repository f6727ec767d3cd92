"""Stimberg et al. (2018), figure 3: gliotransmission modulates synaptic release (De Pittà's model).

Brian2's ``examples/frompapers/Stimberg_et_al_2018/example_3_io_synapse.py`` in spikesim. Three
tripartite synapses share one presynaptic source: the first has no astrocyte; the second and third
see the gliotransmitter of a G-ChI astrocyte whose IP3 is driven towards I_bias = 0.8 µM ("weak")
and 1.25 µM ("stronger"). When an astrocyte's Ca²⁺ crosses 0.5 µM it releases gliotransmitter,
which binds presynaptic receptors (Gamma_S) and lowers the release probability (alpha = 0). After
a transient of 16.5 s the source fires 16 spikes (5 at 20 Hz, then 11 at 100 Hz). dt = 1 ms.

Writes the figure (Ca²⁺ and G_A of the astrocytes over the transient; the stimulus; u_S, x_S and
the released neurotransmitter Y_S of the three synapses over the last 600 ms) and prints the
release times and the first release of each synapse. ``--duration`` (ms, default 17100) shortens
the transient (duration - 600 ms). ``tests/test_tripartite.py`` compares these traces with Brian2's.
"""

from __future__ import annotations

import time

import numpy as np
from _common import parse_args, save_figure

import spikesim as ss

SPIKES = np.array([0, 50, 100, 150, 200, 300, 310, 320, 330, 340, 350, 360, 370, 380, 390, 400], float)
WINDOW = 600.0  # ms shown after the transient
LABELS = ("no gliotransmission", "weak gliotransmission", "stronger gliotransmission")


def simulate(duration: float) -> tuple[ss.Result, float, np.ndarray]:
    """Run the experiment for ``duration`` ms; returns (result, transient in ms, spike times)."""
    transient = max(duration - WINDOW, 0.0)
    spikes = SPIKES + transient
    spikes = spikes[spikes < duration]
    net = ss.Network(dt=1.0)
    src = net.add_spike_source("pre", 1, spikes, np.zeros(spikes.size, int))
    # Brian2's example leaves x_S at 0 (it recovers to 1 - e^-33 during the transient).
    tri = net.add_tripartite("tri", src, astrocyte_of=[-1, 0, 1], i_bias=[0.8, 1.25], init={"x_S": 0.0})
    for var in ("u_S", "x_S", "r_S", "Y_S", "Gamma_S", "C", "G_A"):
        net.record(tri, var)
    return net.run(duration), transient, spikes


def plot(res: ss.Result, transient: float, spikes: np.ndarray, c_theta: float):
    """The seven panels of the paper's figure 3."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(7, 1, figsize=(6.3, 7.5), gridspec_kw={"height_ratios": [3, 2, 1, 1, 3, 3, 3]})
    t, c = res.state("tri", "C")
    _, g = res.state("tri", "G_A")
    ts = (t - transient) / 1000.0
    for j, color in enumerate(("C2", "C3")):
        ax[0].plot(ts, c[:, j], color=color)
        ax[1].plot(ts, g[:, j], color=color)
    ax[0].axhline(c_theta, ls=":", color="gray")
    left = min(ts[0], -WINDOW / 1000.0)
    ax[0].set(xlim=(left, 0.0), ylabel="C (µM)")
    ax[1].set(xlim=(left, 0.0), xlabel="time (s)", ylabel="$G_A$ (µM)")
    ax[2].axis("off")
    ax[3].vlines(spikes - transient, 0, 1)
    ax[3].set(xlim=(0, WINDOW))
    ax[3].axis("off")
    window = t >= transient
    for row, (var, label) in enumerate((("u_S", "$u_S$"), ("x_S", "$x_S$"), ("Y_S", "$Y_S$ (µM)")), start=4):
        tt, values = res.state("tri", var)
        for k, color in enumerate(("k", "C2", "C3")):
            ax[row].plot(tt[window] - transient, values[window, k], color=color, label=LABELS[k])
        ax[row].set(xlim=(0, WINDOW), ylabel=label)
    ax[6].set(xlabel="time (ms)")
    ax[6].legend(loc="upper right", fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv, duration=16500.0 + WINDOW)
    start = time.perf_counter()
    res, transient, spikes = simulate(args.duration)
    elapsed = time.perf_counter() - start
    release_t, release_i = res.spikes("tri.astrocytes")
    print(f"simulated {args.duration / 1000:.1f} s in {elapsed:.2f} s (dt = 1 ms)")
    print("gliotransmitter releases (ms, astrocyte):", list(zip(release_t.tolist(), release_i.tolist())))
    if spikes.size:
        _, r = res.state("tri", "r_S")
        _, gamma = res.state("tri", "Gamma_S")
        first = round(spikes[0]) + 1  # r_S after the first spike
        if first < r.shape[0]:
            for k, label in enumerate(LABELS):
                print(f"  {label}: Gamma_S = {gamma[first, k]:.3f}, first release r_S = {r[first, k]:.3f}")
    rate = spikes.size / (min(args.duration - transient, WINDOW) / 1000.0)
    print(f"presynaptic rate during the stimulus: {rate:.1f} Hz; astrocyte release rate: "
          f"{release_t.size / 2 / (args.duration / 1000.0):.3f} Hz per astrocyte")
    path = save_figure(plot(res, transient, spikes, ss.GChIAstrocyte().C_Theta), args.out, "tripartite.png")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
