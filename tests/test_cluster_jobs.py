"""Cluster jobs: hand-computed step times, overlap, pipeline closed form, the two engines
agreeing exactly, compute models, Chakra traces and Chrome traces (issue 6, steps 4–5)."""
import json
from pathlib import Path

import numpy as np
import pytest

from network import (FlowModel, Kernel, KernelTable, Layer, NetworkError, PacketModel,
                     Roofline, SampledRTL, ThroughputCurve, data_parallel_step, gemm_kernel,
                     hierarchical, leaf_spine, load_cluster, pipeline_inference, ring, simulate,
                     switch, tensor_parallel_layers, torus, write_chrome_trace)
from network.cluster import ring_delivery_times
from network.compute import Estimate

CLUSTERS = Path(__file__).resolve().parent.parent / "hw" / "clusters" / "jobs"
B, LAT, SW = 25e9, 1e-6, 0.5e-6
ENGINES = ("messages", "ops")


def ring_time(p, nbytes, alpha, bw=B):
    return 2 * (p - 1) * (alpha + nbytes / p / bw)


@pytest.mark.parametrize("engine", ENGINES)
def test_dp_step_is_compute_plus_exposed_allreduce(engine):
    p, f, b, g = 4, 1e-4, 2e-4, 4e6
    layers = [Layer("l0", f, b, g), Layer("l1", f, b, g)]
    job = data_parallel_step(layers, range(p), p, bucket_bytes=g)
    r = simulate(job, switch(p, B, LAT, SW), FlowModel(None), engine)
    t = ring_time(p, g, 2 * LAT + SW)
    compute = 2 * f + 2 * b
    step = max(compute, 2 * f + b + t) + t        # bucket 1 overlaps backward of layer 0
    assert r.step_time == pytest.approx(step, rel=1e-12)
    br = r.breakdown()
    assert br["compute_s"] == pytest.approx(compute, rel=1e-12)
    assert br["comm_s"] == pytest.approx(2 * t, rel=1e-12)
    assert br["exposed_comm_s"] == pytest.approx(step - compute, rel=1e-12)


def test_overlap_hides_communication():
    p, f, b, g = 8, 1e-4, 1e-3, 8e6          # an all-reduce (0.59 ms) fits in a backward
    layers = [Layer(f"l{i}", f, b, g) for i in range(6)]
    topo = ring(p, B, 2e-6)
    on = simulate(data_parallel_step(layers, range(p), p, g, overlap=True), topo,
                  FlowModel(None), "ops")
    off = simulate(data_parallel_step(layers, range(p), p, g, overlap=False), topo,
                   FlowModel(None), "ops")
    t = ring_time(p, g, 2e-6)
    assert off.step_time == pytest.approx(6 * (f + b) + 6 * t, rel=1e-12)
    assert off.breakdown()["exposed_comm_s"] == pytest.approx(6 * t, rel=1e-12)
    assert on.breakdown()["exposed_comm_s"] == pytest.approx(t, rel=1e-12)   # the last only
    assert on.step_time < off.step_time


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("stage", [2e-4, 1e-5])      # compute-bound and link-bound
def test_pipeline_matches_fill_plus_drain(engine, stage):
    s, m, act = 5, 7, 1e6
    job = pipeline_inference([stage] * s, act, m, list(range(s)), s)
    r = simulate(job, ring(s, B, 2e-6), FlowModel(None), engine)
    c = act / B + 2e-6
    assert r.step_time == pytest.approx(s * stage + (s - 1) * c + (m - 1) * max(stage, c),
                                        rel=1e-12)


TOPOLOGIES = [lambda: ring(8, B, 2e-6), lambda: switch(8, B, LAT, SW),
              lambda: hierarchical(3, 4, 4 * B, 3e-7, B, 2e-6, 2e-7, routing="shortest"),
              lambda: leaf_spine(2, 4, 2, B, LAT, 2.0, SW, routing="shortest"),
              lambda: torus([2, 4], B, LAT, routing="shortest")]


@pytest.mark.parametrize("make", TOPOLOGIES)
def test_aggregated_ring_equals_message_level_flow_model(make):
    """The max-plus ring (never expanded) against every message simulated."""
    topo = make()
    n = topo.n_nodes
    layers = [Layer(f"l{i}", 1e-4 * (1 + i % 3), 2e-4, 3e6 * (1 + i % 4)) for i in range(6)]
    job = data_parallel_step(layers, range(n), n, bucket_bytes=6e6, optimizer=5e-5)
    a = simulate(job, topo, FlowModel(4096), "messages")
    b = simulate(job, topo, FlowModel(4096), "ops")
    assert b.exact
    for ea, eb in zip(a.end, b.end):
        np.testing.assert_allclose(eb, ea, rtol=1e-12)


@pytest.mark.parametrize("model", [FlowModel(4096), PacketModel(4096)], ids=["flow", "packet"])
def test_engines_agree_on_tensor_and_pipeline_jobs(model):
    topo = hierarchical(2, 4, 4 * B, 3e-7, B, 2e-6, 2e-7)
    layers = [Layer(f"l{i}", 1e-4, 0, 0) for i in range(3)]
    for job in (tensor_parallel_layers(layers, [range(4), range(4, 8)], 8, 2e6),
                pipeline_inference([1e-4, 2e-4, 1e-4], 1e6, 4, [0, 4, 5], 8)):
        a, b = simulate(job, topo, model, "messages"), simulate(job, topo, model, "ops")
        assert b.exact
        assert b.step_time == pytest.approx(a.step_time, rel=1e-9)


def test_ring_recurrence_extrapolation_is_exact():
    rng = np.random.default_rng(1)
    for p, steps in ((5, 8), (40, 300), (64, 1000)):
        d, gate = rng.uniform(1, 3, p), rng.uniform(0, 5, p)
        f = gate + d
        for _ in range(steps - 1):
            f = np.maximum(np.roll(f, 1), f) + d
        np.testing.assert_allclose(ring_delivery_times(gate, d, steps), f, rtol=1e-12)


def test_compute_models():
    k = gemm_kernel(1024, 1024, 1024)
    assert k.key == "gemm:1024,1024,1024" and k.flops == 2 * 1024**3
    roof = Roofline(100e12, 1e12, 2e-6)
    assert roof.estimate(k).seconds == pytest.approx(max(k.flops / 100e12, k.bytes / 1e12) + 2e-6)
    table = KernelTable({"gemm:1024,1024,1024": Estimate(1e-3, (0.9e-3, 1.1e-3))})
    assert table.estimate(k).ci == (0.9e-3, 1.1e-3)
    with pytest.raises(NetworkError, match="not in the kernel table"):
        table.estimate(Kernel("attn"))
    curve = ThroughputCurve([1, 100], [1e12, 100e12], 0.0)
    assert curve.estimate(Kernel("x", 1e12, 1e11)).seconds == pytest.approx(0.1)   # I = 10


def test_sampled_rtl_hook_caches_per_shape(tmp_path):
    with pytest.raises(NetworkError, match="no sampled RTL result"):
        SampledRTL().estimate(gemm_kernel(8, 8, 8))
    calls = []

    def sampler(kernel):
        calls.append(kernel.key)
        return Estimate(kernel.flops / 1e12, (0.0, 1.0), "rtl")
    cache = tmp_path / "rtl.json"
    rtl = SampledRTL(sampler, cache)
    for _ in range(3):
        rtl.estimate(gemm_kernel(8, 8, 8))
    assert calls == ["gemm:8,8,8"]
    assert SampledRTL(None, cache).estimate(gemm_kernel(8, 8, 8)).seconds == 2 * 512 / 1e12


def test_compute_ci_bounds_the_step_time():
    from network import with_ci
    layers = [Layer("a", 1e-4, 2e-4, 1e6, (0.9e-4, 1.1e-4), (1.8e-4, 2.2e-4))]
    r = with_ci(data_parallel_step(layers, range(4), 4), switch(4, B, LAT), FlowModel(None))
    lo, hi = r.step_time_ci
    assert lo < r.step_time < hi


def test_chakra_example_runs():
    config = load_cluster(CLUSTERS / "chakra_dp4.yaml")
    kinds = [t.kind for t in config.job.tasks]
    assert kinds.count("collective") == 2 and kinds.count("send") == 1
    r = simulate(config.job, config.network.topology, config.network.model)
    # forward 800 + backward 700 + 900 + optimizer 150 us, then the 4 MiB send
    assert r.step_time > 2550e-6
    assert r.breakdown()["compute_s"] == pytest.approx(2550e-6)
    send = next(t for t in config.job.tasks if t.kind == "send")
    assert r.start[send.id][0] >= 2550e-6 - 1e-12


def test_chakra_deadlock_and_bad_type_are_errors():
    from network import parse_chakra
    coll = {"id": 1, "type": "COMM_COLL_NODE", "attr": {"comm_type": 0, "comm_size": 8}}
    with pytest.raises(NetworkError, match="deadlocks"):
        parse_chakra({"ranks": [{"rank": 0, "nodes": [coll]}, {"rank": 1, "nodes": []}]})
    with pytest.raises(NetworkError, match="not supported"):
        parse_chakra({"ranks": [{"rank": r, "nodes": [dict(coll, attr={"comm_type": 42})]}
                                for r in range(2)]})


def test_chrome_trace_has_one_track_per_node(tmp_path):
    job = pipeline_inference([1e-4] * 4, 1e6, 3, [0, 1, 2, 3], 4)
    r = simulate(job, ring(4, B, 2e-6), FlowModel(None))
    path = tmp_path / "trace.json"
    write_chrome_trace(r, path)
    events = json.loads(path.read_text())["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    assert {e["pid"] for e in complete} == {0, 1, 2, 3}
    names = {e["pid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "process_name"}
    assert names == {n: f"node {n}" for n in range(4)}
    assert all(e["dur"] >= 0 and {"ts", "tid", "name"} <= e.keys() for e in complete)
    assert max(e["ts"] + e["dur"] for e in complete) == pytest.approx(r.step_time * 1e6)
