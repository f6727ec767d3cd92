"""Time and memory of building the CUBA network: connectivity, ``lower()``, ``build_layout()``.

    python bench/lowering.py --sizes 64000 256000 --mode arrays --repeats 3 [--json out.json]

``--mode arrays`` is the benchmarks' form: the synapses are drawn by ``bench_common.fixed_indegree``
("connectivity") and given as explicit arrays (``FromArrays``); ``--mode indegree`` uses
``FixedInDegree`` in ``net.connect``, so the sampling is part of ``lower()``. Each repeat is a
fresh process; the report gives the minimum time of each phase and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import machine, run_worker, write_json


def work(n: int, mode: str, seed: int) -> dict:
    import spikesim as ss
    from spikesim.backends.jax_core import build_layout
    from spikesim.lower import lower

    net = ss.Network(dt=0.1, seed=seed)
    P = net.add_population("P", n, ss.LIF(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, t_ref=5.0),
                           init={"v": ss.Uniform(-60.0, -50.0)})
    n_e = int(0.8 * n)
    t0 = time.perf_counter()
    if mode == "arrays":
        from bench_common import fixed_indegree

        pe, qe, pi, qi = fixed_indegree(n, 64, 16, seed)
        ce, ci, src_e, src_i = ss.FromArrays(pe, qe), ss.FromArrays(pi, qi), P, P
    else:
        ce, ci, src_e, src_i = ss.FixedInDegree(64), ss.FixedInDegree(16), P[:n_e], P[n_e:]
    connectivity = time.perf_counter() - t0
    net.connect(src_e, P, ce, synapse=ss.ExpCurrent(5.0), weight=1.62, delay=0.1)
    net.connect(src_i, P, ci, synapse=ss.ExpCurrent(10.0), weight=-9.0, delay=0.1)
    t0 = time.perf_counter()
    plan = lower(net)
    t_lower = time.perf_counter() - t0
    t0 = time.perf_counter()
    layout, _, _ = build_layout(plan)
    t_layout = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    n_syn = sum(p.n_synapses for p in plan.projs)
    return {"connectivity_s": connectivity, "lower_s": t_lower, "layout_s": t_layout, "peak_rss_bytes": rss,
            "synapses": n_syn, "k": [g.k for g in layout.groups]}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64000, 256000])
    ap.add_argument("--size", type=int, dest="sizes_one", help="a single size (same as --sizes N)")
    ap.add_argument("--mode", choices=("arrays", "indegree"), default="arrays")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=str, default=None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [a.sizes_one] if a.sizes_one else a.sizes
    if a.worker:
        out = work(sizes[0], a.mode, a.seed)
        print(json.dumps(out))
        return out
    report = {"benchmark": "lowering", "mode": a.mode, "machine": machine(), "results": {}}
    for n in sizes:
        runs = [run_worker([__file__, "--worker", "--size", str(n), "--mode", a.mode, "--seed", str(a.seed)])
                for _ in range(a.repeats)]
        row = {k: min(r[k] for r in runs) for k in ("connectivity_s", "lower_s", "layout_s", "wall_s")}
        row.update(synapses=runs[0]["synapses"], k=runs[0]["k"], peak_rss_bytes=max(r["peak_rss_bytes"] for r in runs))
        report["results"][n] = row
        print(f"N={n} ({row['synapses']} synapses, K={row['k']}): connectivity {row['connectivity_s']:.2f} s, "
              f"lower {row['lower_s']:.2f} s, build_layout {row['layout_s']:.2f} s, process {row['wall_s']:.2f} s, "
              f"peak RSS {row['peak_rss_bytes'] / 2**20:.0f} MiB = {row['peak_rss_bytes'] / row['synapses']:.0f} B/synapse "
              f"(min over {a.repeats})")
    write_json(a.json, report)
    return report


if __name__ == "__main__":
    main()
