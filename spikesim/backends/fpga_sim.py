"""``backend="fpga_sim"``: the emitted design (core + AXI4-Lite system) in a cocotb simulation, driven like a board.

The network is emitted once (:func:`spikesim.backends.verilog.emit`) into a work directory. A run
builds ``spikesim_axi_top`` (Icarus by default; ``$SPIKESIM_FPGA_SIM=verilator``) and runs the host
program :func:`spikesim.backends.fpga_sim_bench.host_program` inside the simulation
(:func:`spikesim.fpga.sim_host.simulate`), through the same :class:`~spikesim.fpga.driver.CoreDriver`
a board uses: STEPS and CTRL.START, the spike FIFO drained while the run goes on, then the STATE
memory and the counters. The result is bit-identical to ``backend="jax_fixed"`` (same spikes, same
final state): the RTL implements :mod:`spikesim.fixed`.

Rewards (``net.reward``) go to the core's MODULATOR register: every run re-simulates from step 0,
so the runner keeps all rewards delivered so far and replays them, splitting the simulated run at each
reward step s and calling ``driver.reward(amount)`` between step s-1 and step s (core idle). The core
has one MODULATOR register: rewards to two different modulators are refused.

Limits of this version: spikes are the only recording (state traces raise SpecError); a later
``run`` re-simulates from step 0 and returns the new steps (the simulator does not persist between
runs); the saturation count is the design's total, reported as ``info["saturation"] = {"all": n}``;
``info["cycles"]`` is the clock cycles of the simulated run (all ``t_end`` steps, from each START write
to STATUS.DONE, summed over the reward segments, with the host draining the spike FIFO as it goes);
``info["modulator"]`` is the core's M after the run.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .. import fixed as F
from ..network import Record
from ..plan import Plan
from ..result import Result
from ..values import SpecError
from .verilog import emit, unpack_state


class FpgaSimRunner:
    """Emits the design once and simulates it for every run."""

    native = False

    def __init__(self, plan: Plan, native: bool | None = None, work_dir: str | Path | None = None,
                 sim: str | None = None, fifo_aw: int = 10) -> None:
        self.plan = plan
        self.sim = sim or os.environ.get("SPIKESIM_FPGA_SIM", "icarus")
        self._tmp = None if work_dir is not None else tempfile.TemporaryDirectory(prefix="spikesim-fpga-")
        self.work = Path(work_dir if work_dir is not None else self._tmp.name).resolve()
        self.design = emit(plan, self.work, mem_dir=f"{self.work}/", fifo_aw=fifo_aw)
        self.fplan = F.quantize_plan(plan)
        self.step = 0
        self._state: dict[str, np.ndarray] | None = None
        self._weights: np.ndarray | None = None  # raw Q8.16 weights read back after a plastic run
        self._rewards: list[tuple[str, int, float]] = []  # every reward delivered so far (replayed each run)

    def _simulate(self, steps: int, all_rewards: list[tuple[str, int, float]]) -> dict:
        from ..fpga.sim_host import simulate
        from .fpga_sim_bench import host_program

        rewards = [(s, a) for _, s, a in all_rewards]
        n_syn = self.design.counts["synapses"] if self.fplan.rules else 0
        out = simulate(self.design, host_program, steps, rewards, n_syn, sim=self.sim,
                       build_root=self.work / "sim_build")
        lanes = 1 << self.design.sys_params["SLB"]
        words = out["state"]
        state = [sum(int(words[i * lanes + j]) << (32 * j) for j in range(2 + self.design.params["NCUR"]))
                 for i in range(self.design.n_neurons)]
        return {**out, "state": unpack_state(self.design, state)}

    def run(self, n_steps: int, records: list[Record], progress: bool = False,
            chunk_steps: int | None = None, spike_buffer: int | None = None, controls: dict | None = None) -> Result:
        """Simulate ``n_steps`` more steps. Plastic projections learn on chip (pair STDP); the
        hardware has no switch, so ``proj.plastic = False`` is refused (use ``jax_fixed``)."""
        off = sorted(k for k, on in ((controls or {}).get("plastic") or {}).items() if not on)
        if off:
            raise SpecError(f"projection {off[0]!r}: plastic = False cannot be simulated by backend 'fpga_sim' "
                            "(the RTL STDP unit has no on/off switch); use backend 'jax_fixed'")
        for r in records:
            if r.var != "spikes" or r.is_projection:
                raise SpecError(f"record {r.var!r} of {r.target!r}: backend 'fpga_sim' records spikes only")
        rewards = list((controls or {}).get("rewards") or [])
        names = sorted({name for name, _, _ in self._rewards + rewards})
        if len(names) > 1:
            raise SpecError(f"backend 'fpga_sim': the core has one MODULATOR register; rewards go to modulators "
                            f"{names}")
        t_start, t_end = self.step, self.step + n_steps
        t0 = time.perf_counter()
        out = self._simulate(t_end, self._rewards + rewards)
        self._rewards += rewards
        dt = self.plan.dt
        info = {"sim": self.sim, "sim_s": time.perf_counter() - t0, "saturation": {"all": int(out["sat"])},
                "work_dir": str(self.work), "cycles": int(out["cycles"]), "modulator": out["modulator"]}
        res = Result(dt, t_start * dt, t_end * dt, {p.name: p.n for p in self.plan.pops}, info=info)
        keep = out["steps"] >= t_start
        for r in records:
            first, n = self.design.pops[r.target]
            sel = keep & (out["idx"] >= first) & (out["idx"] < first + n)
            steps, idx = out["steps"][sel], out["idx"][sel] - first
            order = np.lexsort((idx, steps))
            res.spike_data[r.target] = (steps[order] * dt, idx[order])
        self._state = out["state"]
        if self.fplan.rules:
            self._weights = out["weights"]
        self.step = t_end
        return res

    def population_state(self, name: str) -> dict[str, np.ndarray]:
        """The state after the last run, in float64 mV (initial state before any run)."""
        k = self.plan.pop_index(name)
        p = self.plan.pops[k]
        if p.kind != "neurons":
            return {}
        if self._state is None:
            return {var: F.to_float(self.fplan.pops[k].init[var]) for var in p.model.state_vars}
        first, n = self.design.pops[name]
        out = {var: F.to_float(self._state[var][first:first + n]) for var in p.model.state_vars}
        for syn, slot in zip(p.channels, self.design.slots[name]):
            if getattr(syn, "name", None) and syn.kind == "current":
                out[syn.name] = F.to_float(self._state[f"syn:{slot}"][first:first + n])
        return out

    def weights(self, name: str) -> np.ndarray:
        """The weights of a projection (float64, in the synapse's unit): the quantised ones, or
        for a plastic design after a run, those read back from the RTL."""
        if self._weights is not None:
            return F.to_float(self._weights[self.design.syn_index[name]], F.WEIGHT)
        return F.to_float(self.fplan.weights[name], F.WEIGHT)
