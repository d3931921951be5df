"""The collective system layer (network/syslayer.py): closed forms, splits, reduction cost,
endpoint delay, selection, hierarchy, agreement with message expansion, config errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import FlowModel, Job, hierarchical, leaf_spine, ring, simulate, switch
from network.cluster import work_estimate
from network.collectives import ring_allreduce_time
from network.errors import NetworkConfigError, NetworkError
from network.jobfile import parse_cluster
from network.syslayer import SystemConfig, SystemLayer

BW, LAT, SW = 50e9, 500e-9, 200e-9


def layer(topo, **kw):
    return SystemLayer(topo, SystemConfig(**kw))


def t(topo, job_algorithm, p, n, **kw):
    return layer(topo, **kw).plan(job_algorithm, np.arange(p), n).time


@given(p=st.integers(2, 24), n=st.floats(1e3, 1e9))
@settings(max_examples=25, deadline=None)
def test_ring_matches_alpha_beta_on_a_ring(p, n):
    topo = ring(p, BW, LAT)
    assert t(topo, "ring_allreduce", p, n) == pytest.approx(ring_allreduce_time(p, n, LAT, BW),
                                                           rel=1e-12)
    rs = (p - 1) * (LAT + n / p / BW)
    assert t(topo, "reduce_scatter", p, n) == pytest.approx(rs, rel=1e-12)
    assert t(topo, "all_gather", p, n) == pytest.approx(rs, rel=1e-12)


@pytest.mark.parametrize("p", [2, 4, 8, 32])
def test_halving_doubling_matches_alpha_beta_on_a_switch(p):
    n = 3e7
    alpha = 2 * LAT + SW                   # up to the switch, its latency, down
    closed = 2 * math.log2(p) * alpha + 2 * (p - 1) / p * n / BW
    got = t(switch(p, BW, LAT, SW), "halving_doubling", p, n, algorithm="halving_doubling")
    assert got == pytest.approx(closed, rel=1e-12)


def test_tree_latency_term_is_two_tree_depths():
    p = 32
    alpha = 2 * LAT + SW
    got = t(switch(p, BW, LAT, SW), "tree_allreduce", p, 1.0)
    assert got == pytest.approx(2 * math.floor(math.log2(p)) * alpha, rel=1e-4)


def test_tree_pipelines_across_levels_and_ring_does_not():
    topo = switch(16, BW, LAT, SW)
    n = 64e6
    for algorithm in ("tree_allreduce", "ring_allreduce"):
        one = layer(topo).plan(algorithm, np.arange(16), n)
        split = layer(topo, splits=8).plan(algorithm, np.arange(16), n)
        stages = layer(topo, splits=8).plan(algorithm, np.arange(16), n).stages
        expect = sum(s[1] for s in stages) + 7 * max(s[1] for s in stages)
        assert split.time == pytest.approx(expect, rel=1e-12)
        if algorithm == "tree_allreduce":
            assert split.time < 0.5 * one.time      # 2·depth levels overlap across chunks
        else:
            assert split.time > one.time            # more latency, no overlap in one stage


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_splits_with_one_active_chunk_run_back_to_back(k):
    topo = ring(8, BW, LAT)
    n = 1e6
    assert t(topo, "ring_allreduce", 8, n, splits=k) == pytest.approx(
        k * t(topo, "ring_allreduce", 8, n / k), rel=1e-12)


def test_active_chunks_overlap_latency_but_not_bandwidth():
    topo = ring(8, BW, LAT)
    n, k = 1e6, 4
    plan = layer(topo, splits=k, active_chunks=2).plan("ring_allreduce", np.arange(8), n)
    (_, stage, bw_part), = plan.stages
    assert plan.time == pytest.approx(stage + (k - 1) * max(stage / 2, bw_part), rel=1e-12)
    assert plan.time < t(topo, "ring_allreduce", 8, n, splits=k)


def test_reduction_cost_and_endpoint_delay():
    p, n, k, r, e = 8, 2**20, 4, 100e9, 1e-6
    topo = ring(p, BW, LAT)
    base = t(topo, "ring_allreduce", p, n, splits=k)
    m = n / k / p
    assert t(topo, "ring_allreduce", p, n, splits=k, reduce_bandwidth=r) - base == \
        pytest.approx(k * (p - 1) * 3 * m / r, rel=1e-9)
    assert t(topo, "ring_allreduce", p, n, splits=k, endpoint_delay=e) - base == \
        pytest.approx(k * (2 * p - 1) * e, rel=1e-9)
    # reduce-scatter reduces on every step, all-gather on none
    rs = t(topo, "reduce_scatter", p, n, reduce_bandwidth=r) - t(topo, "reduce_scatter", p, n)
    ag = t(topo, "all_gather", p, n, reduce_bandwidth=r) - t(topo, "all_gather", p, n)
    assert rs == pytest.approx((p - 1) * 3 * (n / p) / r) and ag == 0.0


def test_astrasim_regression_configuration():
    """ASTRA-sim's tests/rt_template: Ring 8 NPUs, 50 GB/s (2^30 B), 500 ns, 1 MiB all-reduce,
    4 splits, endpoint delay 10 ns, local memory 50 GB/s: its reference is 117,780 cycles
    (ns). ASTRA-sim rounds each hop and each memory pass down to whole ns; we do not."""
    topo = ring(8, 50 * 2**30, 500e-9)
    got = t(topo, "ring_allreduce", 8, 2**20, splits=4, endpoint_delay=10e-9,
            reduce_bandwidth=50e9)
    assert got * 1e9 == pytest.approx(117_780, rel=1e-3)


def test_selection_by_size():
    sw = switch(16, BW, LAT, SW)
    small = layer(sw, algorithm="auto").plan("ring_allreduce", np.arange(16), 1e3)
    assert small.algorithm in ("halving_doubling", "tree")
    big = layer(ring(16, BW, LAT), algorithm="auto").plan("ring_allreduce", np.arange(16), 1e9)
    assert big.algorithm == "ring"
    for n in (1e3, 1e6, 1e9):
        auto = layer(sw, algorithm="auto").plan("ring_allreduce", np.arange(16), n).time
        assert auto == min(t(sw, "ring_allreduce", 16, n, algorithm=a)
                           for a in ("ring", "tree", "halving_doubling"))


@pytest.mark.parametrize("algos", [("ring", "ring"), ("halving_doubling", "ring"),
                                   ("ring", "tree")])
def test_hierarchical_is_the_sum_of_its_dimension_phases(algos):
    # shortest routing: every rail's tree takes the same way round its ring (with ECMP the
    # pair-hashed directions differ between rails, and the slowest rail sets the phase)
    topo = hierarchical(4, 8, 450e9, 300e-9, 50e9, 2e-6, SW, routing="shortest")
    n = 16e6
    plan = layer(topo, algorithm="hierarchical", per_dimension=((None, algos[0]),
                                                                (None, algos[1]))
                 ).plan("ring_allreduce", np.arange(32), n)
    local = layer(topo, algorithm=algos[0])
    across = layer(topo, algorithm=algos[1])
    expect = (local.plan("reduce_scatter", np.arange(8), n).time
              + across.plan("ring_allreduce", np.arange(0, 32, 8), n / 8).time
              + local.plan("all_gather", np.arange(8), n).time)
    assert plan.time == pytest.approx(expect, rel=1e-12)
    assert plan.algorithm == f"hierarchical({algos[0]}×8, {algos[1]}×4)"


def test_hierarchical_dimensions_of_a_torus_and_a_fat_tree():
    from network import torus
    assert layer(torus((4, 4, 2), BW, LAT)).dimensions(np.arange(32)) == \
        [(2, "auto"), (4, "auto"), (4, "auto")]
    ls = leaf_spine(8, 16, 4, BW, LAT)
    assert [d for d, _ in layer(ls).dimensions(np.arange(128))] == [16, 8]
    assert layer(ls, algorithm="hierarchical").plan("ring_allreduce", np.arange(128),
                                                    1e6).algorithm.startswith("hierarchical")


def job_of(p, algorithm, n, system=None):
    job = Job("one", p)
    job.collective(algorithm, range(p), n)
    job.system = system
    return job


@pytest.mark.parametrize("topo,algorithm", [
    (ring(8, BW, LAT), "ring_allreduce"), (ring(6, BW, LAT), "reduce_scatter"),
    (switch(8, BW, LAT, SW), "halving_doubling"), (switch(16, BW, LAT, SW), "all_gather")])
def test_no_expansion_agrees_with_message_expansion(topo, algorithm):
    p, n = topo.n_nodes, 3e6
    expanded = simulate(job_of(p, algorithm, n), topo, FlowModel(), "messages")
    closed = simulate(job_of(p, algorithm, n, SystemConfig()), topo, FlowModel())
    assert closed.engine == "ops" and closed.messages == 0
    assert closed.step_time == pytest.approx(expanded.step_time, rel=1e-12)


def test_sixteen_thousand_nodes_expand_nothing():
    job = job_of(16384, "tree_allreduce", 1e8, SystemConfig(algorithm="tree"))
    assert work_estimate(job, FlowModel(), "ops") == 0
    job.system = None
    assert work_estimate(job, FlowModel(), "ops") > 100_000


def test_the_message_engine_refuses_the_system_layer():
    with pytest.raises(NetworkError, match="ops engine"):
        simulate(job_of(4, "ring_allreduce", 1e6, SystemConfig()), ring(4, BW, LAT),
                 FlowModel(), "messages")


JOB = """network:
  topology: {kind: ring, nodes: 8, link: {bandwidth: 50 GB/s, latency: 500 ns}}
  model: {kind: flow}
collectives:
%s
job:
  kind: data_parallel
  layers:
    - {name: block, repeat: 2, forward: 1 ms, grad_bytes: 8 MiB}
"""


def test_collectives_section_reaches_the_job():
    config = parse_cluster(JOB % "  splits: 4\n  reduce_bandwidth: 100 GB/s\n"
                                  "  endpoint_delay: 1 us\n  algorithm: auto\n"
                                  "  per_dimension: [{size: 8, algorithm: ring}]", "j.yaml")
    assert config.job.system == SystemConfig(4, 1, 100e9, 3, 1e-6, "auto", ((8, "ring"),))


@pytest.mark.parametrize("body,line,col,words", [
    ("  splits: 0", 5, 11, "splits"),
    ("  algorithm: fastest", 5, 14, "algorithm"),
    ("  reduce_bandwidth: -3 GB/s", 5, 21, "reduce_bandwidth"),
    ("  endpoint_delay: soon", 5, 19, "endpoint_delay"),
    ("  per_dimension: [ring, bogus]", 5, 25, "unknown algorithm"),
    ("  per_dimension: [{size: 0}]", 5, 19, "dimension size"),
    ("  per_dimension: [{size: 4}, ring]", 5, 18, "every dimension"),
    ("  splits: 2\n  chunks: 3", 6, 3, "unknown key 'chunks'"),
])
def test_bad_collectives_sections_are_blamed_on_their_line(body, line, col, words):
    with pytest.raises(NetworkConfigError) as err:
        parse_cluster(JOB % body, "j.yaml")
    assert (err.value.loc.line, err.value.loc.col) == (line, col), err.value.render()
    assert words in err.value.message


def test_a_dimension_list_that_does_not_fit_is_an_error():
    with pytest.raises(NetworkError, match="multiply"):
        layer(ring(8, BW, LAT), algorithm="hierarchical",
              per_dimension=((3, "ring"), (2, "ring"))).plan(
            "ring_allreduce", np.arange(8), 1e6)


CLUSTERS = __import__("pathlib").Path(__file__).resolve().parent.parent / "hw" / "clusters"


def test_bundled_system_layer_files():
    from network import load_cluster
    config = load_cluster(CLUSTERS / "astrasim" / "rt_template.yaml")
    net = config.network
    run = simulate(config.job, net.topology, net.model, config.engine)
    assert run.step_time * 1e9 == pytest.approx(117_780, rel=1e-3)
    config = load_cluster(CLUSTERS / "jobs" / "dp_hier_4x8_syslayer.yaml")
    run = simulate(config.job, config.network.topology, config.network.model, config.engine)
    assert any(n.startswith("system layer: hierarchical") for n in run.notes), run.notes
    big = load_cluster(CLUSTERS / "jobs" / "dp_16k_hierarchical.yaml")
    assert big.job.system.algorithm == "hierarchical" and big.job.n_nodes == 16384
    assert work_estimate(big.job, big.network.model, "ops") == 0
