"""Event rate of the packet-level network model (target: ≥ 1 M events/s).

    python benchmarks/bench_network_events.py [--quick]

Runs a congested all-to-all on a 2:1 leaf-spine (64 hosts, 8 leaves, 4 spines) and a ring
all-reduce on a 64-node 3D torus with the packet model, and prints events per second of the
event loop. The last line is the figure: the aggregate events/s over both runs.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import PacketModel, all_to_all, leaf_spine, ring_allreduce, torus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (smoke test)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    cases = [
        ("all_to_all, leaf-spine 8x8 s4 2:1",
         leaf_spine(8, 8, 4, 50e9, 500e-9, oversubscription=2, switch_latency=300e-9),
         all_to_all(64, 64e6 * scale)),
        ("ring_allreduce, torus 4x4x4", torus((4, 4, 4), 50e9, 1e-6),
         ring_allreduce(64, 256e6 * scale)),
    ]
    model = PacketModel(mtu=4096)
    total_events = total_loop = 0.0
    for name, topo, coll in cases:
        t0 = time.perf_counter()
        run = model.run(topo, coll.workload)
        end_to_end = time.perf_counter() - t0
        total_events += run.events
        total_loop += run.wall_s
        print(f"{name:<36} {len(coll.workload):>6} msgs {run.events:>10,} events  "
              f"loop {run.wall_s:6.2f} s ({run.events / run.wall_s / 1e6:5.2f} M/s)  "
              f"end-to-end {end_to_end:6.2f} s  simulated {run.makespan * 1e3:8.3f} ms")
    print(f"packet model events/s: {total_events / total_loop:,.0f}")


if __name__ == "__main__":
    main()
