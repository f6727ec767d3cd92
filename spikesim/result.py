"""Result: what one ``Network.run`` recorded, as numpy arrays.

Times are absolute simulation times in ms (a second run continues the clock).
A spike emitted in step k has time ``k * dt`` (Brian2's convention); a state value
recorded at step k is the value at the start of that step, i.e. at ``k * dt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .values import SpecError


@dataclass
class Result:
    """Recorded spikes, state traces and weights of one run from ``t_start`` to ``t_stop`` (ms)."""

    dt: float
    t_start: float
    t_stop: float
    sizes: dict[str, int]
    spike_data: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    state_data: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    weight_data: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """The length of the run in ms."""
        return self.t_stop - self.t_start

    def spikes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times_ms, indices)`` of every spike of population ``name``, sorted by time."""
        if name not in self.spike_data:
            raise SpecError(f"spikes of {name!r} were not recorded; recorded: {sorted(self.spike_data)}")
        return self.spike_data[name]

    def state(self, name: str, var: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times_ms, values)`` with ``values`` of shape (n_times, n_neurons)."""
        if (name, var) not in self.state_data:
            raise SpecError(f"{var!r} of {name!r} was not recorded; recorded: {sorted(self.state_data)}")
        return self.state_data[(name, var)]

    def weights(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times_ms, weights)`` of a projection, shape (n_times, n_synapses), plan order."""
        if name not in self.weight_data:
            raise SpecError(f"weights of {name!r} were not recorded; recorded: {sorted(self.weight_data)}")
        return self.weight_data[name]

    def spike_counts(self, name: str) -> np.ndarray:
        """Number of spikes of each neuron of ``name`` during the run."""
        _, idx = self.spikes(name)
        return np.bincount(idx, minlength=self.sizes[name])

    def rate(self, name: str) -> float:
        """Mean firing rate of population ``name`` in Hz."""
        times, _ = self.spikes(name)
        return times.size / self.sizes[name] / (self.duration / 1000.0)

    def save(self, path: str) -> None:
        """Write every recorded array to a ``.npz`` file."""
        arrays = {"meta": np.array([self.dt, self.t_start, self.t_stop])}
        for name, size in self.sizes.items():
            arrays[f"size/{name}"] = np.array(size)
        for name, (t, i) in self.spike_data.items():
            arrays[f"spikes/{name}/t"], arrays[f"spikes/{name}/i"] = t, i
        for (name, var), (t, v) in self.state_data.items():
            arrays[f"state/{name}/{var}/t"], arrays[f"state/{name}/{var}/v"] = t, v
        for name, (t, w) in self.weight_data.items():
            arrays[f"weights/{name}/t"], arrays[f"weights/{name}/w"] = t, w
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str) -> Result:
        """Read a file written by :meth:`save`."""
        with np.load(path) as f:
            dt, t0, t1 = f["meta"]
            res = cls(float(dt), float(t0), float(t1), {})
            for key in f.files:
                parts = key.split("/")
                if parts[0] == "size":
                    res.sizes[parts[1]] = int(f[key])
                elif parts[0] == "spikes" and parts[2] == "t":
                    res.spike_data[parts[1]] = (f[key], f[f"spikes/{parts[1]}/i"])
                elif parts[0] == "state" and parts[3] == "t":
                    res.state_data[(parts[1], parts[2])] = (f[key], f[f"state/{parts[1]}/{parts[2]}/v"])
                elif parts[0] == "weights" and parts[2] == "t":
                    res.weight_data[parts[1]] = (f[key], f[f"weights/{parts[1]}/w"])
        return res
