"""The three link models (packet, flow, Mess-style) against closed forms and each other."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import (FlowModel, MessModel, NetworkError, PacketModel, Workload, all_gather,
                     all_to_all, fit_curve, halving_doubling_allreduce, leaf_spine,
                     reduce_scatter, ring, ring_allreduce, ring_allreduce_time, run_collective,
                     send_recv, switch, torus, tree_allreduce)

BW, MTU = 25e9, 4096


@pytest.fixture(scope="module")
def curve():
    return fit_curve(BW, 200e-9, 100e-9, mtu=MTU, packets=3000)


def models(curve):
    return [PacketModel(MTU), FlowModel(MTU), MessModel(curve, mtu=MTU)]


@pytest.mark.parametrize("p", [4, 8])
@pytest.mark.parametrize("kind", ["ring", "switch"])
def test_ring_allreduce_matches_closed_form_when_uncongested(curve, kind, p):
    nbytes = 8e6
    if kind == "ring":
        topo, alpha = ring(p, BW, 2e-6), 2e-6
    else:
        topo, alpha = switch(p, BW, 1e-6, 0.5e-6), 2 * 1e-6 + 0.5e-6
    expected = ring_allreduce_time(p, nbytes, alpha, BW)
    for model in models(curve):
        result = run_collective(model, topo, ring_allreduce(p, nbytes))
        assert result.time == pytest.approx(expected, rel=0.01), model.name
        assert result.busbw == pytest.approx(result.algbw * 2 * (p - 1) / p)


def test_flow_matches_packet_on_oversubscribed_leaf_spine_all_to_all():
    topo = leaf_spine(4, 4, 2, BW, 1e-6, oversubscription=4, switch_latency=0.3e-6)
    coll = all_to_all(16, 4e6)
    packet = run_collective(PacketModel(MTU), topo, coll)
    flow = run_collective(FlowModel(MTU), topo, coll)
    # the 4:1 uplinks, not the host links, must be what limits it
    assert packet.time > 2.5 * 4e6 * 15 / 16 / BW
    assert flow.time == pytest.approx(packet.time, rel=0.05)


def _probe_latency(model, load: float) -> float:
    """Mean latency of small probes into a switch port that carries paced background load."""
    topo = switch(3, BW, 200e-9, 100e-9)
    w = Workload()
    if load:
        period = 65536 / (load * BW)
        for i in range(int(300e-6 / period)):
            w.send(1, 0, 65536, start=i * period)
    probes = [w.send(2, 0, MTU, start=3.7e-6 * i + 1e-7) for i in range(80)]
    return float(model.run(topo, w).latency[probes].mean())


def test_constant_and_mess_agree_unloaded_and_diverge_under_load(curve):
    packet, mess = PacketModel(MTU), MessModel(curve, window=40e-6, mtu=MTU)
    idle = [_probe_latency(m, 0.0) for m in (packet, mess)]
    assert idle[1] == pytest.approx(idle[0], rel=1e-9)
    light = [_probe_latency(m, 0.05) for m in (packet, mess)]
    assert light[1] == pytest.approx(light[0], rel=0.02)
    heavy = [_probe_latency(m, 0.9) for m in (packet, mess)]
    # paced traffic barely queues in the constant model; the curve (Poisson-fitted) does
    assert heavy[0] < 1.15 * idle[0]
    assert heavy[1] > 1.5 * heavy[0]


def test_mess_without_cross_traffic_equals_flow(curve):
    topo = torus((4, 4), BW, 1e-6)
    snake = [0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11, 15, 14, 13, 12]   # every step one link
    coll = ring_allreduce(snake, 4e6)
    flow = run_collective(FlowModel(MTU), topo, coll)
    mess = run_collective(MessModel(curve, mtu=MTU), topo, coll)
    assert mess.time == pytest.approx(flow.time, rel=1e-9)


COLLECTIVES = [ring_allreduce, tree_allreduce, halving_doubling_allreduce, reduce_scatter,
               all_gather, all_to_all]


@pytest.mark.parametrize("make", COLLECTIVES, ids=lambda f: f.__name__)
def test_every_collective_runs_on_every_model(curve, make):
    topo = leaf_spine(2, 4, 2, BW, 1e-6, oversubscription=2)
    coll = make(8, 1e6)
    times = [run_collective(m, topo, coll).time for m in models(curve)]
    assert all(np.isfinite(times)) and min(times) > 0
    assert max(times) < 1.3 * min(times)


def test_collective_bytes_and_busbw_factors():
    n, p = 8e6, 8
    moved = lambda c: sum(m.size for m in c.workload.messages)
    assert moved(ring_allreduce(p, n)) == pytest.approx(2 * (p - 1) * n)
    assert moved(halving_doubling_allreduce(p, n)) == pytest.approx(2 * (p - 1) * n)
    assert moved(tree_allreduce(p, n)) == pytest.approx(2 * (p - 1) * n)
    assert moved(reduce_scatter(p, n)) == pytest.approx((p - 1) * n)
    assert moved(all_to_all(p, n)) == pytest.approx((p - 1) * n)
    assert ring_allreduce(p, n).busbw_factor == 2 * (p - 1) / p
    assert all_gather(p, n).busbw_factor == all_to_all(p, n).busbw_factor == (p - 1) / p
    assert send_recv(0, 1, n).busbw_factor == 1.0


def test_halving_doubling_rejects_other_rank_counts():
    with pytest.raises(NetworkError, match="power-of-two"):
        halving_doubling_allreduce(6, 1e6)


def test_finite_buffers_drop_and_resend_but_deliver_everything():
    topo = leaf_spine(2, 4, 1, BW, 1e-6, oversubscription=4)
    coll = all_to_all(8, 2e6)
    infinite = run_collective(PacketModel(MTU), topo, coll)
    small = run_collective(PacketModel(MTU, buffer_bytes=8 * MTU), topo, coll)
    assert infinite.run.drops == 0 and small.run.drops > 0
    assert small.time > infinite.time
    assert np.all(np.isfinite(small.run.finish))


def test_packet_model_is_deterministic():
    topo = leaf_spine(2, 4, 2, BW, 1e-6, oversubscription=2)
    coll = all_to_all(8, 1e6)
    a, b = (PacketModel(MTU).run(topo, coll.workload) for _ in range(2))
    assert np.array_equal(a.finish, b.finish) and a.events == b.events


def test_dependencies_and_earliest_start_are_respected():
    topo = ring(4, BW, 1e-6)
    w = Workload()
    first = w.send(0, 1, 1e5)
    second = w.send(1, 2, 1e5, deps=[first], start=50e-6)
    local = w.send(2, 2, 1e5, deps=[second])
    for model in (PacketModel(MTU), FlowModel(MTU)):
        run = model.run(topo, w)
        assert run.ready[second] == pytest.approx(max(run.finish[first], 50e-6))
        assert run.finish[local] == run.ready[local] == run.finish[second]


TOPOLOGIES = [ring(16, BW, 1e-6), switch(16, 2 * BW, 5e-7, 3e-7), torus((4, 4), BW, 1e-6),
              leaf_spine(4, 4, 2, BW, 1e-6, 3.0, 2e-7), torus((2, 2, 4), BW, 1e-6)]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(TOPOLOGIES), st.integers(0, 15), st.integers(0, 15),
       st.one_of(st.floats(0.0, MTU), st.integers(1, 64).map(lambda k: k * MTU)),
       st.floats(0.0, 1e-5))
def test_a_lone_message_takes_the_same_time_in_packet_and_flow(topo, src, dst, size, start):
    """Differential: one message of whole packets (or one partial packet), no contention."""
    w = Workload()
    w.send(src, dst, size, start=start)
    packet, flow = PacketModel(MTU).run(topo, w), FlowModel(MTU).run(topo, w)
    assert flow.finish[0] == pytest.approx(packet.finish[0], rel=1e-9, abs=1e-15)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(TOPOLOGIES), st.data())
def test_random_dags_complete_and_respect_physics_on_every_model(topo, data):
    """Random workloads: every message is delivered no sooner than an idle network allows."""
    n = data.draw(st.integers(1, 25))
    w = Workload()
    for i in range(n):
        deps = data.draw(st.lists(st.integers(0, i - 1), max_size=3)) if i else []
        w.send(data.draw(st.integers(0, 15)), data.draw(st.integers(0, 15)),
               data.draw(st.floats(0.0, 2e5)), deps=deps, start=data.draw(st.floats(0, 2e-5)))
    curve = fit_curve(BW, 1e-6, 0.0, packets=300, loads=(0.1, 0.5, 0.9))
    for model in (PacketModel(MTU), FlowModel(MTU), MessModel(curve, mtu=MTU)):
        run = model.run(topo, w)
        for i, m in enumerate(w.messages):
            route = topo.route(m.src, m.dst, i)
            idle = topo.path_latency(route) + (
                m.size / topo.bandwidth[list(route)].min() if route else 0.0)
            assert run.ready[i] >= max([m.start] + [run.finish[d] for d in m.deps]) - 1e-15
            assert run.finish[i] >= run.ready[i] + idle * (1 - 1e-9)
