"""Scale of cluster jobs: a data-parallel training step on up to 16,384 nodes with the
flow-level model (ops engine, ring all-reduce as a max-plus recurrence), and the exactness
check against the message-level flow model on a small case.

    python benchmarks/bench_cluster_scale.py [REPEATS]     # system-layer rows: 5 repeats

Then the same 16,384-node step with the collective system layer (network/syslayer.py:
4 splits, 2 active chunks, reduction at 1 TB/s, 1 us endpoint delay), all-reduce as a flat
double binary tree and as a hierarchical all-reduce (ring inside each leaf, the algorithm
across leaves chosen by size): nothing is expanded into messages.

The last lines are the 16,384-node wall times (target ≤ 60 s on the 2-core machine).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from network import FlowModel, Layer, data_parallel_step, leaf_spine, simulate  # noqa: E402
from network.compute import Roofline, gemm_kernel  # noqa: E402
from network.syslayer import SystemConfig  # noqa: E402

GEMM = gemm_kernel(8192, 4096, 4096)
ROOF = Roofline(200e12, 2e12, 5e-6)


def layers(n: int = 24) -> list[Layer]:
    fwd = ROOF.estimate(GEMM).seconds
    return [Layer(f"block{i}", fwd, 2 * fwd, 4096 * 4096 * 2) for i in range(n)]


def system(algorithm: str) -> SystemConfig:
    return SystemConfig(splits=4, active_chunks=2, reduce_bandwidth=1e12, endpoint_delay=1e-6,
                        algorithm=algorithm,
                        per_dimension=((None, "ring"), (None, "auto"))
                        if algorithm == "hierarchical" else ())


def step(hosts_per_leaf: int, leaves: int, spines: int, engine: str = "ops",
         layer: SystemConfig | None = None):
    wall = time.perf_counter()
    topo = leaf_spine(leaves, hosts_per_leaf, spines, 50e9, 500e-9, switch_latency=300e-9)
    n = topo.n_nodes
    job = data_parallel_step(layers(), range(n), n, bucket_bytes=100 * 2**20)
    job.system = layer
    result = simulate(job, topo, FlowModel(4096), engine)
    return result, time.perf_counter() - wall


def exactness() -> None:
    a, _ = step(4, 4, 2, "messages")
    b, _ = step(4, 4, 2, "ops")
    err = max(float(np.max(np.abs(eb - ea) / ea)) for ea, eb in zip(a.end, b.end) if ea.max())
    print(f"16-node fat-tree: messages engine {a.step_time * 1e3:.6f} ms "
          f"({a.messages:,} messages, {a.wall_s:.2f} s), ops engine "
          f"{b.step_time * 1e3:.6f} ms ({b.wall_s:.3f} s); max relative difference {err:.1e}")


def main() -> None:
    exactness()
    for hosts, leaves, spines in ((32, 32, 16), (64, 64, 32), (128, 128, 64)):
        r, wall = step(hosts, leaves, spines)
        b = r.breakdown()
        print(f"{hosts * leaves:>6,} nodes: step {r.step_time * 1e3:9.3f} ms, compute "
              f"{b['compute_s'] * 1e3:.3f} ms, exposed comm {b['exposed_comm_s'] * 1e3:.3f} ms, "
              f"exact={r.exact}; wall {wall:.2f} s")
    print(f"16,384-node data-parallel step (flow model): {wall:.2f} s wall")
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for algorithm in ("tree", "hierarchical"):
        walls = []
        for _ in range(repeats):
            r, wall = step(128, 128, 64, layer=system(algorithm))
            walls.append(wall)
        chosen = "; ".join(x for x in r.notes if x.startswith("system layer"))
        print(f"16,384-node data-parallel step, system layer, {algorithm} all-reduce: step "
              f"{r.step_time * 1e3:.3f} ms, exposed comm "
              f"{r.breakdown()['exposed_comm_s'] * 1e3:.3f} ms ({chosen}); wall median "
              f"{float(np.median(walls)):.2f} s, worst {max(walls):.2f} s of {repeats}")


if __name__ == "__main__":
    main()
