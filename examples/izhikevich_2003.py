"""Izhikevich (2003) "Simple model of spiking neurons": the 1000-neuron network of net.m.

800 excitatory neurons (regular spiking to chattering, c = -65 + 15 r², d = 8 - 6 r²) and
200 inhibitory ones (fast spiking to low-threshold spiking, a = 0.02 + 0.08 r, b = 0.25 - 0.05 r),
all-to-all coupled with weights 0.5 U(0,1) from excitatory and -U(0,1) from inhibitory neurons,
driven by a thalamic noise current 5 N(0,1) (excitatory) and 2 N(0,1) (inhibitory) each ms.

The time step is net.m's 1 ms with its integration scheme (two 0.5-ms half-steps of v, then u;
``integrator="netm"``). Synapses are ``CurrentPulse`` with a delay of one step: the summed weight
of the spikes of step t is an input current during step t + 1, i.e. net.m's ``I = I + sum(S(:,fired),2)``.

Prints the excitatory and inhibitory rates (Hz) and the peak (Hz) of the population spectrum;
writes a raster. Usage: ``python examples/izhikevich_2003.py --duration 5000 --seed 0``.
"""

from __future__ import annotations

import numpy as np
from _common import format_rates, group_rates, parse_args, save_raster

import spikesim as ss

N_EXC, N_INH = 800, 200
DT = 1.0  # ms, net.m's step
GROUPS = {"excitatory": slice(0, N_EXC), "inhibitory": slice(N_EXC, N_EXC + N_INH)}


def build(seed: int = 0, noise: bool = True, i_offset: float | np.ndarray = 0.0) -> tuple[ss.Network, ss.Population]:
    """The net.m network as one population ``"P"``: neurons 0-799 excitatory, 800-999 inhibitory.

    ``noise=False`` leaves out the thalamic noise; ``i_offset`` (mV/ms, scalar or one value per
    neuron) is a constant input current (0 in net.m). Both exist for deterministic checks."""
    rng = np.random.default_rng(seed)
    n = N_EXC + N_INH
    r_exc, r_inh = rng.random(N_EXC), rng.random(N_INH)
    model = ss.Izhikevich(
        a=np.concatenate([np.full(N_EXC, 0.02), 0.02 + 0.08 * r_inh]),
        b=np.concatenate([np.full(N_EXC, 0.2), 0.25 - 0.05 * r_inh]),
        c=np.concatenate([-65.0 + 15.0 * r_exc**2, np.full(N_INH, -65.0)]),
        d=np.concatenate([8.0 - 6.0 * r_exc**2, np.full(N_INH, 2.0)]),
        i_offset=i_offset,
        integrator="netm",
    )
    # net.m: S(post, pre) = [0.5*rand(N, Ne), -rand(N, Ni)]; AllToAll orders synapses pre-major.
    s = np.hstack([0.5 * rng.random((n, N_EXC)), -rng.random((n, N_INH))])
    net = ss.Network(dt=DT, seed=seed)
    pop = net.add_population("P", n, model)  # default initial state: v = -65, u = b v, as net.m
    net.connect(pop, pop, ss.AllToAll(), synapse=ss.CurrentPulse(), weight=s.T.ravel(), delay=DT)
    if noise:
        net.add_noise_current(pop[:N_EXC], std=5.0)
        net.add_noise_current(pop[N_EXC:], std=2.0)
    net.record(pop, "spikes")
    return net, pop


def spectrum_peak(res: ss.Result, segment_ms: float = 1000.0, f_min: float = 2.0) -> float:
    """Frequency (Hz) of the largest peak above ``f_min`` of the population activity's power
    spectrum: spike counts per step, Hann-windowed segments of ``segment_ms``, averaged (Welch)."""
    times, _ = res.spikes("P")
    n_bins = round(res.duration / res.dt)
    activity = np.bincount(np.rint((times - res.t_start) / res.dt).astype(np.int64), minlength=n_bins)[:n_bins]
    seg = min(n_bins, round(segment_ms / res.dt))
    segments = activity[: n_bins // seg * seg].reshape(-1, seg).astype(float)
    segments -= segments.mean(axis=1, keepdims=True)
    power = (np.abs(np.fft.rfft(segments * np.hanning(seg), axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(seg, d=res.dt / 1000.0)
    band = freqs >= f_min
    return float(freqs[band][np.argmax(power[band])])


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, duration=5000.0)
    net, _ = build(args.seed)
    res = net.run(args.duration)
    rates = group_rates(res, "P", GROUPS)
    peak = spectrum_peak(res)
    summary = f"{format_rates(rates)}; population spectrum peak {peak:.1f} Hz"
    path = save_raster(res, ["P"], args.out, "izhikevich_2003.png", f"Izhikevich 2003 network: {summary}")
    print(f"Izhikevich 2003 network: {summary}")
    print(f"raster: {path}")
    return {"rates": rates, "spectrum_peak": peak, "figure": path, "result": res}


if __name__ == "__main__":
    main()
