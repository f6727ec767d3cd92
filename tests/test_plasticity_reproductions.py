"""Published plasticity reproductions (MODELS.md §3-§5), via the scripts in ``examples/``.

* Song, Miller & Abbott (2000), ``examples/song2000.py``: 100 s, three seeds.
* Polychronization (Izhikevich 2006), ``examples/polychronization.py``: 300 s, two seeds
  (measured: seed 0: w >= 9 0.531, w <= 1 0.256, 10.4 Hz; seed 1: 0.532, 0.259, 10.4 Hz).
* Dopamine-modulated STDP (Izhikevich 2007), ``examples/da_stdp.py``: the fast variant, 1200 s,
  with reward (seeds 0-2) and without (seeds 0-1). Measured: target 4.00 / 3.50 / 3.98 with
  108 / 87 / 118 rewards, other synapses at max 0.4-0.5%; 0.002 without reward (seed 0).

Run times on a shared 2-core machine (noisy): Song 2000 about 45-60 s per seed; polychronization
2.5 min at load average 5 (before the (neuron, delay) plasticity engine: 4-9 min); DA-STDP 5 min per
run at load average 4-5 (6-7 min before; its plastic step is about 2x cheaper, but the network
and its noise input cost as much). CPU time per step: docs/plasticity.md, "Performance".

Song 2000 and Brian2: Brian2's ``examples/synapses/STDP.py`` itself ends with a mean w/gmax of
0.474 and 0.475 (seeds 0 and 1, method='euler', 100 s; fractions > 0.9 gmax 0.198 and 0.185,
< 0.1 gmax 0.258 and 0.234), just above MODELS.md's upper bound of 0.47; spikesim gives
0.469, 0.472 and 0.468 (seeds 0-2). The per-seed checks therefore allow MEAN_SLACK above the
MODELS.md range for the mean and the fraction > 0.9 gmax; the means over the seeds must lie in
the MODELS.md ranges themselves.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from example_modules import load_example

song = load_example("song2000")
poly = load_example("polychronization")
dastdp = load_example("da_stdp")

pytestmark = pytest.mark.slow

SONG_SEEDS = (0, 1, 2)
SONG_HIGH = (0.12, 0.20)  # fraction of w > 0.9 gmax
SONG_LOW = (0.22, 0.36)  # fraction of w < 0.1 gmax
SONG_MEAN = (0.38, 0.47)  # mean w / gmax
SONG_SLACK = 0.01  # per seed, above the upper bounds of SONG_HIGH and SONG_MEAN (see the module docstring)


@cache
def song_run(seed: int) -> dict:
    r = song.simulate(seed, 100_000.0)
    return {k: r[k] for k in ("frac_high", "frac_low", "mean", "hist", "rate")}


def song_report(runs: dict) -> str:
    return "; ".join(f"seed {s}: >0.9 {r['frac_high']:.3f}, <0.1 {r['frac_low']:.3f}, mean {r['mean']:.3f}, "
                     f"hist {r['hist'].tolist()}, {r['rate']:.1f} Hz" for s, r in runs.items())


def test_song2000_weights_become_bimodal():
    runs = {seed: song_run(seed) for seed in SONG_SEEDS}
    msg = song_report(runs)
    for r in runs.values():
        assert song.is_u_shaped(r["hist"]), msg
        assert SONG_LOW[0] <= r["frac_low"] <= SONG_LOW[1], msg
        assert SONG_HIGH[0] <= r["frac_high"] <= SONG_HIGH[1] + SONG_SLACK, msg
        assert SONG_MEAN[0] <= r["mean"] <= SONG_MEAN[1] + SONG_SLACK, msg
        assert 5.0 < r["rate"] < 60.0, msg
    for key, (lo, hi) in (("frac_high", SONG_HIGH), ("frac_low", SONG_LOW), ("mean", SONG_MEAN)):
        avg = float(np.mean([r[key] for r in runs.values()]))
        assert lo <= avg <= hi, f"mean over seeds of {key}: {avg:.4f} not in [{lo}, {hi}]; {msg}"


@pytest.mark.parametrize("seed", [0, 1])
def test_polychronization_weights_after_300_s(seed):
    r = poly.simulate(seed, 300_000.0)
    msg = f"w >= 9: {r['frac_high']:.3f}, w <= 1: {r['frac_low']:.3f}, rate {r['rate']:.2f} Hz"
    assert r["frac_high"] >= 0.35, msg
    assert r["frac_low"] >= 0.15, msg
    assert 5.0 <= r["rate"] <= 15.0, msg


DA_SECONDS = 1200.0  # MODELS.md §5, the fast variant (the full 3600-s check is examples/da_stdp.py --seconds 3600)


# three seeds with reward, one control without (no_reward seed 1 also passed, 0.028, and was dropped
# from the suite on 2026-12-05 to keep the whole suite under 20 min on 2 cores: ~170 s a run)
@pytest.mark.parametrize("seed,reward", [(0, True), (1, True), (2, True), (0, False)],
                         ids=["reward-0", "reward-1", "reward-2", "no_reward-0"])
def test_da_stdp_fast_variant(seed, reward):
    r = dastdp.simulate(seed, DA_SECONDS * 1000.0, reward=reward)
    msg = (f"target synapse {r['final']:.3f} (max {r['max']:.3f}), {r['rewards']} rewards, "
           f"other synapses at max {r['others_at_max']:.3f}, rate {r['rate']:.2f} Hz")
    if reward:
        assert r["rewards"] > 0, msg
        assert r["final"] >= 1.5, msg
    else:
        assert r["rewards"] == 0, msg
        assert r["final"] < 0.2, msg
    assert r["others_at_max"] < 0.10, msg
    assert 0.5 < r["rate"] < 10.0, msg
