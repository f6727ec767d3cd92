"""CUBA scaling on a GPU, spikesim only: µs per step and synaptic events per second, beside a
memory-bandwidth bound.

    python bench/gpu.py --sizes 4000 64000 256000 1000000 --repeats 3 --json bench/results/gpu.json

Run it through ``bench/gpu.sh``, which makes a venv with a CUDA build of jax first.

**The bound.** A synaptic event (one spike reaching one synapse) makes the push read the
synapse's table entry, an int32 code and a float32 weight: 8 bytes, streamed (the rows of the
neurons that fired). Its scatter-add into the delay ring (4-byte read + write) mostly stays in
L2 for the ring sizes here, so it is not counted. So the bound is ``bandwidth / 8`` events/s:
about 4.2e11 on an H100 SXM (3.35 TB/s). The padding of the fan-out table (rows of K = the
largest out-degree, about 1.5 x the mean of 80 at fixed in-degree) is *not* in the bound;
it costs a factor of about 1.5 on top. The goal of BENCHMARKS.md is >= 2e10 events/s at 1M
neurons and <= 10 µs per step at 4k.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import machine, run_worker, summarize, write_json

BYTES_PER_EVENT = 8
#: Peak memory bandwidth, GB/s, by a substring of the device name (the first match wins).
BANDWIDTH_GBS = {"H200": 4800, "H100 PCIe": 2000, "H100": 3350, "A100": 2039, "L40": 864, "A10": 600,
                 "V100": 900, "T4": 320, "RTX 4090": 1008, "RTX 3090": 936}
FAN_IN = 80


def device_name() -> tuple[str, str]:
    """(platform, device kind) of jax's default device."""
    import jax

    dev = jax.devices()[0]
    return dev.platform, getattr(dev, "device_kind", str(dev))


def bandwidth_for(kind: str) -> float | None:
    for key, gbs in BANDWIDTH_GBS.items():
        if key.lower() in kind.lower():
            return gbs * 1e9
    return None


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000, 256000, 1000000])
    ap.add_argument("--size", type=int, dest="sizes_one", help="a single size (same as --sizes N)")
    ap.add_argument("--duration", type=float, default=1000.0, help="ms of biological time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bandwidth-gbs", type=float, default=None, help="peak memory bandwidth (default: by device name)")
    ap.add_argument("--allow-cpu", action="store_true", help="run even when jax has no GPU (for testing the script)")
    ap.add_argument("--json", type=str, default=None, help="write the results here")
    a = ap.parse_args(argv)
    sizes = [a.sizes_one] if a.sizes_one else a.sizes
    platform, kind = device_name()
    if platform != "gpu" and not a.allow_cpu:
        raise SystemExit(f"jax's default device is {platform!r} ({kind}), not a GPU: run bench/gpu.sh, "
                         "which installs jax with CUDA (or pass --allow-cpu to test the script)")
    bandwidth = a.bandwidth_gbs * 1e9 if a.bandwidth_gbs else bandwidth_for(kind)
    note = (f"{BYTES_PER_EVENT} bytes per synaptic event (int32 code + float32 weight) at "
            f"{bandwidth / 1e12:.2f} TB/s ({kind})" if bandwidth else f"unknown bandwidth for {kind}: pass --bandwidth-gbs")
    steps = round(a.duration / 0.1)
    cuba = str(Path(__file__).resolve().parent / "cuba.py")
    report = {"benchmark": "gpu", "command": " ".join(["python bench/gpu.py", *(argv or sys.argv[1:])]),
              "machine": {**machine(), "device": kind, "platform": platform}, "duration_ms": a.duration,
              "repeats": a.repeats, "bound_note": note, "results": {}}
    for n in sizes:
        runs = []
        for r in range(a.repeats + 1):  # the first run warms the caches and is not recorded
            out = run_worker([cuba, "--worker", "spikesim", "--sizes", str(n), "--duration", str(a.duration),
                              "--seed", str(a.seed)])
            out["events_per_s"] = out["rate_hz"] * n * (a.duration / 1000.0) * FAN_IN / out["loop_s"]
            out["us_per_step"] = out["loop_s"] / steps * 1e6
            print(f"N={n} {'warm-up' if r == 0 else f'run {r}'}: loop {out['loop_s']:.3f} s, "
                  f"{out['us_per_step']:.1f} µs/step, {out['events_per_s']:.3g} events/s, wall {out['wall_s']:.1f} s")
            if r:
                runs.append(out)
        row = {k: summarize([x[k] for x in runs]) for k in ("loop_s", "wall_s", "rate_hz", "events_per_s", "us_per_step",
                                                            "lower_s", "compile_s")}
        row["synapses"] = FAN_IN * n
        row["bound_events_per_s"] = bandwidth / BYTES_PER_EVENT if bandwidth else float("nan")
        row["fraction_of_bound"] = row["events_per_s"]["median"] / row["bound_events_per_s"] if bandwidth else float("nan")
        report["results"][n] = row
        print(f"N={n}: {row['us_per_step']['median']:.1f} µs/step, {row['events_per_s']['median']:.3g} events/s "
              f"= {row['fraction_of_bound']:.3f} of the bound ({note})")
        write_json(a.json, report)
    return report


if __name__ == "__main__":
    main()
