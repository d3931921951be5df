"""The packet model's C core against its Python reference: identical to the last bit."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network import (NetworkError, NetworkWarning, PacketModel, Workload, all_to_all,
                     leaf_spine, ring, ring_allreduce, switch, torus)
from network import packet, packet_core

pytestmark = pytest.mark.cc

MTU = 4096


def same(a, b):
    """Bit-for-bit the same run: every time, the event count and the drops."""
    assert a.ready.tobytes() == b.ready.tobytes()
    assert a.finish.tobytes() == b.finish.tobytes()
    assert (a.events, a.drops) == (b.events, b.drops)


def both(model_args, topo, workload):
    py = PacketModel(*model_args, core="py").run(topo, workload)
    c = PacketModel(*model_args, core="c").run(topo, workload)
    same(py, c)
    return c


TOPOLOGIES = {
    "ring": lambda: ring(5, 25e9, 1e-6),
    "ring_one_way": lambda: ring(4, 10e9, 3e-7, bidirectional=False),
    "switch": lambda: switch(6, 25e9, 5e-7, 2e-7),
    "leaf_spine": lambda: leaf_spine(3, 2, 2, 25e9, 4e-7, oversubscription=2,
                                     switch_latency=1e-7),
    "leaf_spine_shortest": lambda: leaf_spine(2, 3, 2, 40e9, 1e-7, switch_latency=3e-7,
                                              routing="shortest"),
    "torus": lambda: torus((2, 3), 25e9, 2e-7),
    # powers of two: packet times and latencies add up exactly, so events meet at equal
    # times all the time (the ties and the <= / < boundaries of the buffer accounting)
    "exact_switch": lambda: switch(4, 2.0**32, 2.0**-20, 2.0**-20),
    "exact_ring": lambda: ring(4, 2.0**32, 0.0),
}


@st.composite
def workloads(draw, n_nodes):
    w = Workload()
    # few distinct sizes and starts, so that equal times (ties broken by seq) are common
    sizes = st.sampled_from([0.0, 1.0, 100.0, MTU - 1, MTU, MTU + 1, 3 * MTU, 5.5 * MTU])
    starts = st.sampled_from([0.0, 0.0, 1e-7, 2.5e-7, 1e-6, 2.0**-20, 2.0**-19])
    for i in range(draw(st.integers(1, 24))):
        src = draw(st.integers(0, n_nodes - 1))
        dst = draw(st.sampled_from([src, draw(st.integers(0, n_nodes - 1))]))
        deps = draw(st.lists(st.integers(0, i - 1), max_size=3)) if i else []
        duration = draw(st.sampled_from([0.0, 0.0, 0.0, 3e-7, 2.0**-20])) if src == dst else 0.0
        w.send(src, dst, draw(sizes), deps=deps, start=draw(starts), duration=duration)
    return w


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(sorted(TOPOLOGIES)),
       buffer=st.sampled_from([None, 1, 2, 5]), rto=st.sampled_from([None, 1e-6]))
def test_c_core_matches_python_on_random_workloads(data, kind, buffer, rto):
    """Differential: random small fabrics and DAGs, infinite and tail-dropping buffers."""
    topo = TOPOLOGIES[kind]()
    w = data.draw(workloads(topo.n_nodes))
    both((MTU, None if buffer is None else buffer * MTU, rto), topo, w)


def test_c_core_matches_python_on_congested_collectives():
    """The benchmark's shapes, small: the oversubscribed all-to-all with and without drops,
    and a ring all-reduce over a torus (many packets, multi-hop routes)."""
    ls = leaf_spine(4, 4, 2, 50e9, 5e-7, oversubscription=2, switch_latency=3e-7)
    a2a = all_to_all(16, 2e6).workload
    assert both((MTU,), ls, a2a).events > 30_000
    dropped = both((MTU, 8 * MTU), ls, a2a)
    assert dropped.drops > 0
    both((MTU,), torus((2, 2, 4), 50e9, 1e-6), ring_allreduce(16, 4e6).workload)


def test_the_core_resumes_between_budgets(monkeypatch):
    """C returns to Python every BUDGET events; a tiny budget must change nothing."""
    topo = switch(4, 25e9, 5e-7, 2e-7)
    w = ring_allreduce(4, 1e6).workload
    whole = PacketModel(MTU, core="c").run(topo, w)
    monkeypatch.setattr(packet_core, "BUDGET", 7)
    same(whole, PacketModel(MTU, core="c").run(topo, w))


def test_default_core_is_c_and_unknown_core_is_refused():
    assert PacketModel().resolved_core() == "c"
    with pytest.raises(NetworkError, match="unknown packet core"):
        PacketModel(core="fortran")


def test_auto_falls_back_to_python_with_one_warning(monkeypatch):
    monkeypatch.setattr(packet_core, "available", lambda: False)
    monkeypatch.setattr(packet, "_WARNED", False)
    with pytest.warns(NetworkWarning, match="Python core"):
        assert PacketModel().resolved_core() == "py"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert PacketModel().resolved_core() == "py"          # said once per process


def test_a_missing_compiler_is_a_clear_error(monkeypatch):
    from spec import cbuild
    monkeypatch.setenv("CC", "no-such-compiler-xyz")
    monkeypatch.setattr(cbuild, "_LOADED", {})                # as in a fresh process
    packet_core._library.cache_clear()
    try:
        assert not packet_core.available()
        with pytest.raises(NetworkError, match="core='py'"):
            PacketModel(core="c").run(switch(2, 1e9, 1e-6), ring_allreduce(2, 1e3).workload)
    finally:
        packet_core._library.cache_clear()


@pytest.mark.parametrize("field", ["size", "start", "duration"])
def test_not_a_number_is_refused_by_both_cores(field):
    w = Workload()
    w.send(0, 1, 100.0)
    values = {"src": 1, "dst": 1 if field == "duration" else 0, "size": 10.0}
    values[field] = float("nan")
    w.send(**values)
    for core in ("py", "c"):
        with pytest.raises(NetworkError, match="message 1"):
            PacketModel(core=core).run(switch(2, 1e9, 1e-6), w)


def test_negative_zero_and_negative_starts_order_as_numbers():
    """The C heap orders times by their bits; -0.0 and negative starts must still tie and
    order exactly as Python's float comparison does."""
    w = Workload()
    for start in (0.0, -0.0, -1e-6, 0.0, -0.0, -1e-6):
        w.send(0, 1, MTU, start=start)
    c = both((MTU,), switch(2, 25e9, 1e-7), w)
    assert np.all(np.signbit(c.ready) == (c.ready < 0))


def test_an_empty_workload_runs_on_both_cores():
    for core in ("py", "c"):
        run = PacketModel(core=core).run(switch(2, 1e9, 1e-6), Workload())
        assert (run.events, len(run.finish), run.makespan) == (0, 0, 0.0)
