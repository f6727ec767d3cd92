"""The JAX engine: the event-driven spike buffer, determinism under chunking, continuation,
recording, results, plots, and the numpy-only core."""

from __future__ import annotations

import functools
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import spikesim as ss

matplotlib.use("Agg", force=True)

pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")

DT = 0.1
N = 1000  # a CUBA-like network: 80% excitatory, 20% inhibitory, p = 0.02 (weights scaled to N)
CUBA_LIF = ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0)


def cuba(seed: int = 3, inputs: bool = False) -> ss.Network:
    """The quickstart network at N = 1000 (about 14 Hz). ``inputs`` adds Poisson input, a noise
    current and a step current."""
    net = ss.Network(dt=DT, seed=seed)
    P = net.add_population("P", N, CUBA_LIF, init={"v": ss.Uniform(-60.0, -50.0)})
    n_exc = 4 * N // 5
    net.connect(P[:n_exc], P, ss.FixedProbability(0.02), synapse=ss.ExpCurrent(tau=5.0), weight=6.5, delay=0.1)
    net.connect(P[n_exc:], P, ss.FixedProbability(0.02), synapse=ss.ExpCurrent(tau=10.0), weight=-36.0, delay=0.1)
    if inputs:
        X = net.add_poisson("X", 100, 20.0)
        net.connect(X, P, ss.FixedProbability(0.1), synapse=ss.ExpCurrent(tau=5.0), weight=2.0, delay=ss.Uniform(0.1, 1.0))
        net.add_noise_current(P[: N // 2], std=2.0)
        net.add_step_current(P[N // 2:], [0.0, 50.0, 120.0], [0.5, -1.0, 1.0])
        net.record(X, "spikes")
    net.record(P, "spikes")
    return net


@functools.cache
def simulate(seed: int = 3, inputs: bool = False, split: tuple[float, ...] = (200.0,), **run_kw) -> tuple[ss.Result, ...]:
    """The results of ``cuba(seed, inputs)`` run for each duration in ``split`` in turn (cached)."""
    net = cuba(seed, inputs)
    return tuple(net.run(d, **run_kw) for d in split)


def spikes(results: tuple[ss.Result, ...], name: str = "P") -> tuple[np.ndarray, np.ndarray]:
    times = np.concatenate([r.spikes(name)[0] for r in results])
    idx = np.concatenate([r.spikes(name)[1] for r in results])
    return times, idx


def assert_same_spikes(a: tuple[ss.Result, ...], b: tuple[ss.Result, ...], names=("P",)) -> None:
    for name in names:
        (ta, ia), (tb, ib) = spikes(a, name), spikes(b, name)
        assert ta.size == tb.size, f"{name}: {ta.size} vs {tb.size} spikes"
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(ta, tb)


def test_reference_run_is_sensible():
    (res,) = simulate()
    assert 5.0 < res.rate("P") < 40.0
    (res,) = simulate(inputs=True)
    assert 5.0 < res.rate("P") < 60.0 and 10.0 < res.rate("X") < 30.0
    assert 10.0 < every_step_reference().rate("P") < 200.0  # the recording tests see resets


# --------------------------------------------------------------------------- spike buffer
def test_spike_buffer_overflow_falls_back_without_losing_spikes():
    small = simulate(spike_buffer=1, native=False)
    large = simulate(spike_buffer=4000, native=False)
    assert small[0].info["fallback_steps"] > 0
    assert small[0].info["spike_buffer"][0] > 1  # it grew
    assert large[0].info["fallback_steps"] == 0
    assert large[0].info["spike_buffer"][0] == N  # capped at the population size: no compaction
    assert_same_spikes(small, large)
    assert_same_spikes(small, simulate())  # and the default (native push where available)


def test_native_and_xla_push_agree():
    assert_same_spikes(simulate(inputs=True, native=False), simulate(inputs=True), names=("P", "X"))


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_spikes():
    fresh = (cuba(3).run(200.0),)
    assert_same_spikes(fresh, simulate())


def test_different_seed_different_spikes():
    a, b = spikes(simulate(seed=3)), spikes(simulate(seed=4))
    assert a[0].size != b[0].size or not np.array_equal(a[1], b[1])


@pytest.mark.parametrize("inputs", [False, True], ids=["recurrent", "poisson-noise-step"])
@pytest.mark.parametrize("chunk", [1.0, 7.3, 100.0])
def test_chunking_does_not_change_spikes(inputs, chunk):
    res = simulate(inputs=inputs, chunk=chunk)
    assert res[0].info["chunk_steps"] == round(chunk / DT)
    assert_same_spikes(res, simulate(inputs=inputs), names=("P", "X") if inputs else ("P",))


# --------------------------------------------------------------------------- continuation
@pytest.mark.parametrize("inputs", [False, True], ids=["recurrent", "poisson-noise-step"])
def test_two_runs_equal_one(inputs):
    first, second = simulate(inputs=inputs, split=(100.0, 100.0))
    assert (first.t_start, first.t_stop, second.t_start, second.t_stop) == pytest.approx((0.0, 100.0, 100.0, 200.0))
    assert first.spikes("P")[0].max() < 100.0 <= second.spikes("P")[0].min()
    assert_same_spikes((first, second), simulate(inputs=inputs), names=("P", "X") if inputs else ("P",))


def test_network_clock_and_state_continue():
    net = cuba(5)
    assert net.t == 0.0
    v0 = net.state("P")["v"]
    net.run(10.0)
    assert net.t == pytest.approx(10.0)
    v1 = net.state("P")["v"]
    assert v1.dtype == np.float32 and not np.array_equal(v0.astype(np.float32), v1)
    res = net.run(5.0)
    assert net.t == pytest.approx(15.0) and res.t_start == pytest.approx(10.0) and res.duration == pytest.approx(5.0)


# --------------------------------------------------------------------------- recording
def small_net(seed: int = 1) -> ss.Network:
    """50 LIF neurons driven by Poisson input and noise: spiking, so v also shows resets."""
    net = ss.Network(dt=DT, seed=seed)
    P = net.add_population("P", 50, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-55.0, v_reset=-70.0, t_ref=2.0),
                           init={"v": ss.Uniform(-70.0, -55.0)})
    X = net.add_poisson("X", 40, 100.0)
    net.connect(X, P, ss.FixedProbability(0.3), synapse=ss.ExpCurrent(tau=3.0), weight=ss.Uniform(1.0, 4.0),
                delay=ss.Uniform(0.1, 1.0), name="X->P")
    net.add_noise_current(P, std=3.0, mean=4.0)
    net.record(P, "spikes")
    return net


@functools.cache
def every_step_reference() -> ss.Result:
    net = small_net()
    net.record("P", "v")
    return net.run(40.0)


@pytest.mark.parametrize(("every", "split", "chunk"), [
    (1, (40.0,), 0.7),
    (3, (40.0,), None),
    (3, (10.0, 13.3, 0.1, 16.6), 0.7),
    (4, (40.0,), 0.8),
    (7, (2.2, 37.8), 0.5),
    (10, (13.3, 26.7), 1.1),
])
def test_record_every_k_steps(every, split, chunk):
    _, ref_v = every_step_reference().state("P", "v")
    net = small_net()
    net.record("P", "v", every=every)
    net.record("X->P", "weights", every=every)
    parts = [net.run(d, chunk=chunk) for d in split]
    t = np.concatenate([r.state("P", "v")[0] for r in parts])
    v = np.concatenate([r.state("P", "v")[1] for r in parts])
    steps = np.rint(t / DT).astype(int)
    np.testing.assert_array_equal(steps, np.arange(0, 400, every))  # every multiple of k, once, across runs
    np.testing.assert_allclose(t, steps * DT, rtol=0, atol=1e-9)
    assert v.dtype == np.float32 and v.shape == (steps.size, 50)
    np.testing.assert_array_equal(v, ref_v[steps])
    tw = np.concatenate([r.weights("X->P")[0] for r in parts])
    w = np.concatenate([r.weights("X->P")[1] for r in parts])
    np.testing.assert_array_equal(tw, t)
    np.testing.assert_array_equal(w, np.broadcast_to(net.connections("X->P")["weight"].astype(np.float32), w.shape))
    assert_same_spikes(tuple(parts), (every_step_reference(),))


def test_recorded_v_starts_with_the_initial_state():
    net = small_net()
    v0 = net.state("P")["v"]
    net.record("P", "v")
    _, v = net.run(1.0).state("P", "v")
    np.testing.assert_array_equal(v[0], v0.astype(np.float32))


def test_recording_one_variable_at_two_rates_is_refused():
    net = small_net()
    net.record("P", "v")
    with pytest.raises(ss.SpecError, match="already recorded every 1 steps"):
        net.record("P", "v", every=3)


# --------------------------------------------------------------------------- results
def test_rate_and_spike_counts():
    (res,) = simulate()
    times, idx = res.spikes("P")
    counts = res.spike_counts("P")
    assert counts.shape == (N,) and counts.sum() == times.size
    np.testing.assert_array_equal(counts, np.bincount(idx, minlength=N))
    assert res.rate("P") == pytest.approx(times.size / N / 0.2)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0.0 and times.max() < 200.0
    np.testing.assert_allclose(times / DT, np.rint(times / DT), atol=1e-6)


def test_unrecorded_data_is_a_spec_error():
    res = every_step_reference()
    for get in (lambda: res.spikes("X"), lambda: res.state("P", "u"), lambda: res.weights("X->P")):
        with pytest.raises(ss.SpecError):
            get()


def assert_same_result(a: ss.Result, b: ss.Result) -> None:
    assert (a.dt, a.t_start, a.t_stop) == (b.dt, b.t_start, b.t_stop)
    for attr in ("spike_data", "state_data", "weight_data"):
        da, db = getattr(a, attr), getattr(b, attr)
        assert sorted(da) == sorted(db)
        for key in da:
            for x, y in zip(da[key], db[key]):
                assert x.dtype == y.dtype
                np.testing.assert_array_equal(x, y)
    for name in a.spike_data:
        assert a.sizes[name] == b.sizes[name]
        np.testing.assert_array_equal(a.spike_counts(name), b.spike_counts(name))


@functools.cache
def mixed_result(name: str = "P") -> ss.Result:
    net = ss.Network(dt=DT, seed=2)
    P = net.add_population(name, 20, ss.LIF(tau_m=10.0, v_rest=-50.0, v_thresh=-55.0, v_reset=-70.0))
    net.add_population("silent", 5, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-55.0, v_reset=-70.0))
    net.connect(P, P, ss.FixedProbability(0.2), weight=0.5, name="rec")
    net.record(P, "spikes")
    net.record(P, "v", every=2)
    net.record("silent", "v", every=5)
    net.record("rec", "weights", every=10)
    net.run(5.0)
    return net.run(10.0)  # t_start = 5 ms


def test_save_load_round_trip(tmp_path):
    res = mixed_result()
    assert res.spikes("P")[0].size > 0
    res.save(str(tmp_path / "res.npz"))
    assert_same_result(res, ss.Result.load(str(tmp_path / "res.npz")))


def test_a_slash_in_a_name_is_refused():
    # Result.save uses '/' to separate the parts of its keys, so names may not contain one.
    with pytest.raises(ss.SpecError, match="without '/'"):
        mixed_result("exc/L4")


def test_save_load_keeps_every_population_size(tmp_path):
    res = mixed_result()
    res.save(str(tmp_path / "res.npz"))
    assert ss.Result.load(str(tmp_path / "res.npz")).sizes == res.sizes


# --------------------------------------------------------------------------- plots
def test_raster_and_trace_plots():
    import matplotlib.pyplot as plt

    res = every_step_reference()
    ax = ss.plot.raster(res, "P")
    x, y = ax.lines[0].get_data()
    times, idx = res.spikes("P")
    np.testing.assert_array_equal(x, times)
    np.testing.assert_array_equal(y, idx)
    assert ax.get_xlim() == pytest.approx((0.0, 40.0))
    _, ax2 = plt.subplots()
    assert ss.plot.trace(res, "P", "v", neurons=[0, 3], ax=ax2) is ax2
    assert len(ax2.lines) == 2
    np.testing.assert_array_equal(ax2.lines[1].get_ydata(), res.state("P", "v")[1][:, 3])
    plt.close("all")


# --------------------------------------------------------------------------- work follows spikes
def test_many_synapses_without_spikes_never_fall_back():
    net = ss.Network(dt=DT)
    P = net.add_population("P", 1000, ss.LIF(tau_m=10.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-70.0))
    net.connect(P, P, ss.AllToAll(), weight=0.1)  # 10**6 synapses
    net.record(P, "spikes")
    res = net.run(20.0, native=False)
    assert res.spikes("P")[0].size == 0
    assert res.info["fallback_steps"] == 0
    assert res.info["spike_buffer"][0] < 1000  # the compacted path: not every row of the table


def test_one_spike_per_step_fits_a_buffer_of_one():
    """A source firing one spike every step into 200 x 300 synapses: the compacted push with a
    buffer of one spike carries every spike, so the fallback never runs."""
    net = ss.Network(dt=DT)
    S = net.add_spike_source("S", 200, np.arange(200) * DT, np.arange(200))
    T = net.add_population("T", 300, ss.LIF(tau_m=1e9, v_rest=0.0, v_thresh=1e9, v_reset=0.0))
    net.connect(S, T, ss.AllToAll(), weight=1.0)
    net.record(S, "spikes")
    res = net.run(20.0, native=False, spike_buffer=1)
    assert res.info["fallback_steps"] == 0 and res.info["spike_buffer"][0] == 1
    assert res.spikes("S")[0].size == 200
    np.testing.assert_array_equal(net.state("T")["v"], np.full(300, 199.0, np.float32))  # last spike still in flight


@pytest.mark.parametrize("n_spikes", [0, 1, 3, 4, 9])
def test_push_compacted_and_fallback_paths_match_a_dense_reference(n_spikes):
    import jax.numpy as jnp

    from spikesim.backends.jax_core import push

    rng = np.random.default_rng(n_spikes)
    n, k, depth, width, t, size = 9, 5, 4, 7, 6, 4
    code = rng.integers(1, depth, (n + 1, k)) * width + rng.integers(0, width, (n + 1, k))
    weight = rng.integers(-3, 4, (n + 1, k)).astype(np.float32)
    code[n], weight[n] = width + width - 1, 0.0  # the padding row
    spiked = np.zeros(n, bool)
    spiked[rng.choice(n, n_spikes, replace=False)] = True
    ring = rng.integers(-5, 6, depth * width).astype(np.float32)
    expected = ring.astype(np.float64)
    for i in np.flatnonzero(spiked):
        np.add.at(expected, (code[i] + (t % depth) * width) % (depth * width), weight[i])
    for buffer in (size, n):
        out, count = push(jnp.asarray(ring), t, jnp.asarray(spiked), jnp.asarray(code, jnp.int32), jnp.asarray(weight),
                          buffer, depth, width)
        assert int(count) == n_spikes
        np.testing.assert_array_equal(np.asarray(out, np.float64), expected)


# --------------------------------------------------------------------------- numpy-only core
@pytest.mark.parametrize("module", ["spikesim", "spikesim.network", "spikesim.plan", "spikesim.lower",
                                    "spikesim.connectivity", "spikesim.values", "spikesim.neurons",
                                    "spikesim.synapses", "spikesim.result", "spikesim.plasticity", "spikesim.fixed",
                                    "spikesim.eprop"])
def test_core_modules_do_not_import_jax(module):
    code = f"import sys, {module}; print(sorted(m for m in ('jax', 'jaxlib', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import {module} pulled in {out.stdout.strip()}"


def test_progress_bar_counts_every_step(capsys):
    """``progress=True`` shows a tqdm bar (on stderr) that reaches the run's number of steps,
    across several chunks, and does not change the spikes."""
    net = small_net()
    res = net.run(5.0, progress=True, chunk=1.3)
    err = capsys.readouterr().err
    assert "50/50" in err and "step" in err
    quiet = small_net().run(5.0, chunk=1.3)
    np.testing.assert_array_equal(res.spikes("P")[1], quiet.spikes("P")[1])
    assert capsys.readouterr().err == ""


def test_float64_run_leaves_the_global_jax_configuration_alone():
    import jax

    net = small_net()
    net.precision = "float64"
    res = net.run(2.0)
    assert net.state("P")["v"].dtype == np.float64 and res.info["native"] is False
    assert jax.numpy.ones(1).dtype == np.float32
