"""Run an emitted spikesim design under cocotb (Icarus or Verilator) and compare it with jax_fixed.

``simulate(design, steps, sim)`` returns the RTL's spikes (per global index), final state words,
saturation count and final weights (design synapse order); ``golden(net, steps)`` runs the same
network on ``backend="jax_fixed"`` and maps its learned weights into the design's synapse order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from spikesim.backends.verilog import Design, unpack_state

HERE = Path(__file__).resolve().parent


def max_cycles(design: Design) -> int:
    """An upper bound on the clocks of one step (every source fires, 3 clocks per synapse; STDP: the
    trace pass, every plastic synapse depressed and potentiated, 8 clocks per post spike), for time-outs."""
    p, c = design.params, design.counts
    stdp = (1 << p["SB"]) + 5 * c["plastic_synapses"] + 8 * p["N"] + 40 if p.get("STDP") else 0
    return 64 + 2 * (c["iext_events"] + c["source_events"]) + p["N"] + 4 * (1 << p["SB"]) + 3 * c["synapses"] + stdp


def simulate(design: Design, steps: int, sim: str = "icarus", rewards: list[tuple[int, int]] = ()) -> dict:
    """Build and run ``design`` for ``steps`` ticks; returns {"spikes": (steps, idx), "state": {...}, "sat": int}.

    The design must have been emitted with ``mem_dir`` = its absolute directory (the simulation
    runs elsewhere). ``rewards``: (step, Q8.24 amount): the bench's R = sat(R + q) before that step's tick;
    with a three-factor rule the final eligibility ("elig", design synapse order) comes back too."""
    from spikesim.fpga.cosim import run_cocotb

    result = design.out_dir / f"rtl_{sim}.json"
    build_args = ["-Wno-WIDTHEXPAND", "-Wno-WIDTHTRUNC", "-Wno-UNUSEDSIGNAL"] if sim == "verilator" else []
    run_cocotb(sim, design.sources, "spikesim_top", HERE / "core_bench.py", build_args=build_args,
               build_root=design.out_dir / "sim_build",
               extra_env={"SS_STEPS": str(steps), "SS_N": str(design.n_neurons), "SS_OUT": str(result),
                          "SS_MAX_CYCLES": str(max_cycles(design)), "SS_LANES": str(2 + design.params["NCUR"]),
                          "SS_NSYN": str(design.counts["synapses"]), "SS_REWARDS": json.dumps([list(r) for r in rewards]),
                          "SS_ELIG": "1" if design.params.get("ELIG") else "0"})
    data = json.loads(result.read_text())
    sp = np.array(data["spikes"], np.int64).reshape(-1, 2)
    return {"spikes": (sp[:, 0], sp[:, 1]), "state": unpack_state(design, data["state"]), "sat": data["sat"],
            "weights": np.array(data["weights"], np.int64), "elig": np.array(data["elig"], np.int64), "mod": data["mod"]}


def golden(net, steps: int, design: Design, rewards: list[tuple[int, float]] = (), modulator: str = "") -> dict:
    """Run ``net`` on jax_fixed; spikes and final raw state in the design's global index space. ``rewards``:
    (step, amount) given to ``modulator`` between runs (the run is split at those steps)."""
    cuts = [*sorted({s for s, _ in rewards if 0 < s < steps}), steps]
    done, parts = 0, []
    for cut in cuts:
        for s, amount in rewards:
            if s == done:
                net.reward(modulator, amount)
        parts.append(net.run((cut - done) * net.dt, backend="jax_fixed"))
        done = cut
    res = parts[-1]
    t_all, i_all = [], []
    for part in parts:
        for name, (first, _n) in design.pops.items():
            if name in part.spike_data:
                t, i = part.spikes(name)
                t_all.append(np.rint(t / net.dt).astype(np.int64))
                i_all.append(i + first)
    t, i = np.concatenate(t_all), np.concatenate(i_all)
    order = np.lexsort((i, t))
    state = {f: [] for f in design.state_fields()}
    for name in design.slots:
        raw = net._runner.population_state_raw(name)
        n = design.pops[name][1]
        cur = [ch for ch, s in enumerate(design.slots[name]) if s < design.params["NCUR"]]
        for f in state:
            if f.startswith("syn:"):
                k = int(f[4:])
                state[f].append(raw[f"syn:{cur[k]}"] if k < len(cur) else np.zeros(n, np.int64))
            elif f == "refr" or f in raw:
                state[f].append(raw[f])
    weights = np.zeros(design.counts["synapses"], np.int64)
    elig = np.zeros(design.counts["synapses"], np.int64)
    for name, idx in design.syn_index.items():
        weights[idx] = net._runner.weights_raw(name)
        if "e" in net._runner.state["plastic"].get(name, {}):
            elig[idx] = net._runner.eligibility_raw(name)
    mod = net._runner.modulator_raw(net._runner.mod.name) if net._runner.mod is not None else None
    return {"spikes": (t[order], i[order]), "state": {f: np.concatenate(v) for f, v in state.items()},
            "sat": int(sum(sum(p.info["saturation"].values()) for p in parts)), "weights": weights, "result": res, "elig": elig,
            "mod": mod, "parts": parts,
            "plastic_sat": int(sum(sum(p.info.get("trace_saturation", {}).values())
                                   + sum(p.info.get("modulator_saturation", {}).values()) for p in parts))}
