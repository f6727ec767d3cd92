"""Networks for the plasticity tests: independent synapses driven by given spike times."""

from __future__ import annotations

import numpy as np

import spikesim as ss


def forced_post(net: ss.Network, name: str, n: int, times: list[np.ndarray]):
    """``n`` LIF neurons that spike exactly at the given times (ms): a spike source drives each
    one through a Delta synapse of one step. The threshold (100 mV) is far above what the plastic
    synapses under test (weights of order 1) can add, so only the drive makes them fire."""
    t_all = np.concatenate([np.asarray(t, float) - net.dt for t in times]) if n else np.zeros(0)
    i_all = np.concatenate([np.full(len(t), i) for i, t in enumerate(times)]) if n else np.zeros(0, int)
    drive = net.add_spike_source(f"{name}_drive", n, times=t_all, indices=i_all)
    post = net.add_population(name, n, ss.LIF(tau_m=10.0, v_rest=0.0, v_reset=0.0, v_thresh=100.0, t_ref=net.dt),
                              init={"v": 0.0})
    net.connect(drive, post, ss.OneToOne(), ss.Delta(), weight=1000.0)
    return post


def synapse_run(rule, pre_times: list, post_times: list, dt: float = 0.1, w0: float = 0.5,
                precision: str = "float64", delay: float | None = None, duration: float | None = None,
                record_every: int | None = None, chunk: float | None = None):
    """One plastic synapse per pair (pre_times[i], post_times[i]); returns (final weights, net, result)."""
    n = len(pre_times)
    net = ss.Network(dt=dt, seed=3, precision=precision)
    t_pre = np.concatenate([np.asarray(t, float) for t in pre_times])
    i_pre = np.concatenate([np.full(len(t), i) for i, t in enumerate(pre_times)])
    pre = net.add_spike_source("pre", n, times=t_pre, indices=i_pre)
    post = forced_post(net, "post", n, post_times)
    proj = net.connect(pre, post, ss.OneToOne(), ss.Delta(), weight=w0, delay=delay, plasticity=rule, name="plastic")
    net.record(post)
    if record_every:
        net.record(proj, "weights", every=record_every)
    last = max([np.max(t) for t in pre_times + post_times if len(t)], default=0.0)
    duration = duration if duration is not None else (np.ceil((last + 5.0) / dt) * dt)
    res = net.run(duration, chunk=chunk)
    return net.connections("plastic")["weight"], net, res
