"""Izhikevich (2003) single-neuron regimes (MODELS.md §1).

Each of the seven named regimes gets I = 10 from t = 0, starts at v = -65, u = b v (the default
initial state) and is integrated by forward Euler with dt = 0.1 ms for 1 s. All seven neurons share
one population (per-neuron parameter arrays), so the network compiles once.
"""

from __future__ import annotations

import numpy as np
import pytest

import spikesim as ss

TYPES = list(ss.IZHIKEVICH_TYPES)
# (expected spikes in 1 s, tolerance as an absolute count or a fraction of the count)
EXPECTED = {"RS": (23, 1), "IB": (34, 1), "CH": (87, 1), "FS": (131, 0.04), "LTS": (77, 0.04),
            "TC": (260, 0.06), "RZ": (186, 0.06)}


@pytest.fixture(scope="module")
def spike_trains() -> dict[str, np.ndarray]:
    """Spike times (ms) of each regime."""
    a, b, c, d = (np.array(column) for column in zip(*(ss.IZHIKEVICH_TYPES[t] for t in TYPES)))
    net = ss.Network(dt=0.1, seed=0)
    pop = net.add_population("izh", len(TYPES), ss.Izhikevich(a, b, c, d, i_offset=10.0, integrator="euler"))
    net.record(pop, "spikes")
    times, idx = net.run(1000.0).spikes("izh")
    return {name: times[idx == k] for k, name in enumerate(TYPES)}


def isis(spike_trains, name: str) -> np.ndarray:
    return np.diff(spike_trains[name])


@pytest.mark.parametrize("name", TYPES)
def test_spike_count(spike_trains, name):
    expected, tol = EXPECTED[name]
    allowed = tol if isinstance(tol, int) else tol * expected
    count = spike_trains[name].size
    assert abs(count - expected) <= allowed, f"{name}: {count} spikes, expected {expected} ± {allowed:g}"


def test_regular_spiking_adapts(spike_trains):
    isi = isis(spike_trains, "RS")
    assert isi[0] == pytest.approx(23.0, abs=1.5)
    assert isi[-1] == pytest.approx(45.0, abs=1.5)
    assert np.all(np.diff(isi) >= -0.1), f"RS ISIs do not grow: {isi}"


def test_intrinsically_bursting_fires_an_initial_burst_then_regularly(spike_trains):
    isi = isis(spike_trains, "IB")
    assert isi[0] == pytest.approx(2.4, abs=0.3)
    tail = isi[3:]  # after the initial burst (three spikes) and the pause that follows it
    assert np.median(tail) == pytest.approx(31.0, abs=1.5)
    assert tail.max() - tail.min() <= 1.0, f"IB does not fire regularly after its burst: {tail}"


def test_chattering_bursts(spike_trains):
    isi = isis(spike_trains, "CH")
    assert isi.min() == pytest.approx(1.5, abs=0.3)
    assert isi.max() == pytest.approx(48.0, abs=1.0)
    # bursts: many short intra-burst intervals and a few long inter-burst ones, nothing in between
    short, long = isi < 6.0, isi > 40.0
    assert short.sum() > 3 * long.sum() > 0
    assert np.all(short | long), f"CH ISIs between bursts and spikes: {isi[~(short | long)]}"
