"""One path choice for every engine: `Topology.path(src, dst)`."""
import numpy as np
import pytest

from network import FlowModel, Job, Workload, data_parallel_step, Layer, leaf_spine, ring, \
    simulate, torus
from network.syslayer import SystemConfig, SystemLayer


def one(p, algorithm, nbytes):
    job = Job("one", p)
    job.collective(algorithm, range(p), nbytes)
    return job


CASES = {
    # 8 ranks on a ring: the pair at distance 4 has two equal-cost ways round
    "ring all-to-all on a ring": (lambda: ring(8, 25e9, 1e-6), "all_to_all"),
    "ring all-to-all over a leaf-spine": (
        lambda: leaf_spine(4, 4, 4, 50e9, 5e-7, oversubscription=2, switch_latency=3e-7),
        "all_to_all"),
    "torus all-to-all": (lambda: torus((4, 4), 25e9, 2e-7), "all_to_all"),
    "all-gather over a leaf-spine": (lambda: leaf_spine(4, 4, 2, 50e9, 5e-7,
                                                        oversubscription=2), "all_gather"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_both_engines_give_the_same_result(case):
    build, algorithm = CASES[case]
    topo = build()
    job = one(topo.n_nodes, algorithm, 4e6)
    a = simulate(job, topo, FlowModel(4096), "messages")
    b = simulate(job, topo, FlowModel(4096), "ops")
    assert b.exact
    assert b.step_time == pytest.approx(a.step_time, rel=1e-12)


def test_a_data_parallel_step_on_an_ecmp_fabric_agrees_across_engines():
    topo = leaf_spine(4, 4, 4, 50e9, 5e-7, switch_latency=3e-7)
    job = data_parallel_step([Layer(f"l{i}", 1e-4, 2e-4, 8e6) for i in range(3)],
                             range(16), 16, bucket_bytes=8e6)
    a = simulate(job, topo, FlowModel(4096), "messages")
    b = simulate(job, topo, FlowModel(4096), "ops")
    assert b.step_time == pytest.approx(a.step_time, rel=1e-12)


def test_every_route_comes_from_the_pair():
    topo = leaf_spine(4, 4, 4, 50e9, 5e-7)
    w = Workload()
    for i in range(40):
        w.send(i % 16, (i * 7 + 3) % 16 if (i * 7 + 3) % 16 != i % 16 else (i + 1) % 16, 1e3)
    assert w.routes(topo) == [topo.path(m.src, m.dst) for m in w.messages]
    # the same pair, whatever the message number, one path; distinct pairs spread
    assert len({topo.path(0, 5) for _ in range(5)}) == 1
    spines = {topo.path(a, b)[1] for a in range(4) for b in range(4, 16)}
    assert len(spines) == 4


def test_the_system_layer_routes_by_the_same_choice():
    topo = leaf_spine(4, 4, 4, 50e9, 5e-7)
    layer = SystemLayer(topo, SystemConfig())
    plan = layer.plan("ring_allreduce", np.arange(16), 1e6)
    ring_links = {l for i in range(16) for l in topo.path(i, (i + 1) % 16)}
    assert set(plan.links.tolist()) == ring_links


@pytest.mark.parametrize("build", [
    lambda: ring(9, 1e9, 1e-6), lambda: ring(8, 1e9, 1e-6),
    lambda: ring(5, 1e9, 1e-6, bidirectional=False),
    lambda: leaf_spine(4, 4, 3, 1e9, 1e-6, oversubscription=2),
    lambda: leaf_spine(3, 2, 2, 1e9, 1e-6, routing="shortest"),
    lambda: torus((4, 3, 2), 1e9, 1e-6)])
def test_many_paths_at_once_are_the_same_paths(build):
    topo = build()
    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, topo.n_nodes, 400), rng.integers(0, topo.n_nodes, 400)
    flat, counts = topo.paths(src, dst)
    one_by_one = [topo.path(int(a), int(b)) for a, b in zip(src, dst)]
    assert counts.tolist() == [len(r) for r in one_by_one]
    assert flat.tolist() == [l for r in one_by_one for l in r]
