"""Event rate of the packet-level network model: the Python reference core against the C core.

    python benchmarks/bench_network_events.py [--quick] [--repeats N] [--json FILE]

Part 1, events/s: a congested all-to-all on a 2:1 leaf-spine (64 hosts, 8 leaves, 4
spines, 64 MB per rank) and a ring all-reduce on a 64-node 3D torus (256 MB), each run
with `PacketModel(core="py")` (before) and `PacketModel(core="c")` (after). Events/s is
events / the model's own loop time (RunResult.wall_s); each row is the median of the
repeats with the worst (slowest) beside it, and every repeat's delivery times are checked
to be bit-identical between the cores.

Part 2, wall time of 64-node, 256 MiB ring all-reduces (a 64-port switch, and the 2:1
leaf-spine): the whole `model.run` (routing included), both cores, median and worst.

The last line is the figure: the C core's aggregate events/s over part 1 and its ratio to
the Python core's. `--quick` divides every size by 10 (a smoke test, not the figures).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import (PacketModel, all_to_all, leaf_spine, ring_allreduce, switch,  # noqa: E402
                     torus)

MTU = 4096
CORES = ("py", "c")


def fabric_leaf_spine():
    return leaf_spine(8, 8, 4, 50e9, 500e-9, oversubscription=2, switch_latency=300e-9)


def timed(core: str, topo, workload, repeats: int):
    """`repeats` runs: (events/s per run, end-to-end seconds per run, the last result)."""
    rates, walls, run = [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        run = PacketModel(MTU, core=core).run(topo, workload)
        walls.append(time.perf_counter() - t0)
        rates.append(run.events / run.wall_s)
    return rates, walls, run


def identical(a, b) -> bool:
    return (a.finish.tobytes() == b.finish.tobytes() and a.ready.tobytes() == b.ready.tobytes()
            and a.events == b.events and a.drops == b.drops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes / 10 (smoke test)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per core and case (5)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    reps = args.repeats
    PacketModel(MTU, core="c").run(switch(2, 1e9, 1e-6), ring_allreduce(2, 1e3).workload)  # build
    out: dict = {"repeats": reps, "quick": args.quick, "events": [], "wall": []}

    print(f"events/s, median (worst) of {reps} runs; py = Python reference core, c = C core")
    print(f"{'case':<40} {'events':>11} {'py M/s':>15} {'c M/s':>15} {'ratio':>6}  identical")
    cases = [
        ("all_to_all 64 MB, leaf-spine 8x8 s4 2:1", fabric_leaf_spine(),
         all_to_all(64, 64e6 * scale)),
        ("ring_allreduce 256 MB, torus 4x4x4", torus((4, 4, 4), 50e9, 1e-6),
         ring_allreduce(64, 256e6 * scale)),
    ]
    totals = {core: [0.0, 0.0] for core in CORES}            # events, median loop seconds
    for name, topo, coll in cases:
        row = {"case": name}
        runs = {}
        for core in CORES:
            rates, _, runs[core] = timed(core, topo, coll.workload, reps)
            med, worst = statistics.median(rates), min(rates)
            row[core] = {"median_events_per_s": med, "worst_events_per_s": worst}
            totals[core][0] += runs[core].events
            totals[core][1] += runs[core].events / med
        row["events"] = runs["c"].events
        row["identical"] = identical(runs["py"], runs["c"])
        row["ratio"] = row["c"]["median_events_per_s"] / row["py"]["median_events_per_s"]
        out["events"].append(row)
        print(f"{name:<40} {row['events']:>11,} "
              + " ".join(f"{row[c]['median_events_per_s'] / 1e6:6.2f} ({row[c]['worst_events_per_s'] / 1e6:5.2f})"
                         for c in CORES)
              + f" {row['ratio']:5.1f}x  {'yes' if row['identical'] else 'NO'}")

    print(f"\n64-node, {256 * scale:g} MiB ring all-reduce, whole run (routing included), "
          f"median (worst) of {reps} runs")
    print(f"{'fabric':<40} {'events':>11} {'py s':>15} {'c s':>15} {'ratio':>6}  simulated")
    for name, topo in [("switch, 64 ports", switch(64, 50e9, 500e-9, switch_latency=300e-9)),
                       ("leaf-spine 8x8 s4 2:1", fabric_leaf_spine())]:
        coll = ring_allreduce(64, 256 * 2**20 * scale)
        row = {"fabric": name, "nbytes": coll.nbytes}
        runs = {}
        for core in CORES:
            _, walls, runs[core] = timed(core, topo, coll.workload, reps)
            row[core] = {"median_s": statistics.median(walls), "worst_s": max(walls)}
        row["events"] = runs["c"].events
        row["identical"] = identical(runs["py"], runs["c"])
        row["simulated_s"] = runs["c"].makespan
        row["ratio"] = row["py"]["median_s"] / row["c"]["median_s"]
        out["wall"].append(row)
        print(f"{name:<40} {row['events']:>11,} "
              + " ".join(f"{row[c]['median_s']:6.2f} ({row[c]['worst_s']:6.2f})" for c in CORES)
              + f" {row['ratio']:5.1f}x  {row['simulated_s'] * 1e3:.3f} ms"
              + ("" if row["identical"] else "  NOT IDENTICAL"))

    rate = {core: totals[core][0] / totals[core][1] for core in CORES}
    out["aggregate_events_per_s"] = rate
    out["aggregate_ratio"] = rate["c"] / rate["py"]
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    print(f"\npacket model events/s: {rate['c']:,.0f} (C core) vs {rate['py']:,.0f} "
          f"(Python core): {rate['c'] / rate['py']:.1f}x")


if __name__ == "__main__":
    main()
