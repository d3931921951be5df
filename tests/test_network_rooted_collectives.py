"""The collectives Chakra traces name beyond the all-* ones: broadcast, reduce, gather,
scatter and barrier, against closed forms on the flow model and against each other."""
from __future__ import annotations

import math

import pytest

from network import FlowModel, run_collective, switch
from network.collectives import BARRIER_BYTES, barrier, broadcast, gather, reduce, scatter

BW, LAT, SW = 50e9, 1e-6, 0.5e-6
HOP = 2 * LAT + SW                      # endpoint → switch → endpoint


@pytest.mark.parametrize("p", [2, 3, 8])
def test_broadcast_is_a_pipelined_chain(p):
    n = 64e6
    t = run_collective(FlowModel(None), switch(p, BW, LAT, SW), broadcast(p, n)).time
    chunk = n / 8
    # (p − 2 + chunks) chunk times on the bottleneck hop, plus the chain's latency
    expected = (p - 2 + 8) * chunk / BW + (p - 1) * HOP
    assert t == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("p", [2, 5, 8])
def test_reduce_mirrors_broadcast(p):
    topo, n = switch(p, BW, LAT, SW), 16e6
    a = run_collective(FlowModel(None), topo, broadcast(p, n)).time
    b = run_collective(FlowModel(None), topo, reduce(p, n)).time
    assert a == pytest.approx(b, rel=1e-9)


@pytest.mark.parametrize("p", [2, 4, 8])
def test_gather_and_scatter_are_bound_by_the_roots_link(p):
    topo, n = switch(p, BW, LAT, SW), 32e6
    g = run_collective(FlowModel(None), topo, gather(p, n)).time
    s = run_collective(FlowModel(None), topo, scatter(p, n)).time
    expected = n * (p - 1) / p / BW + HOP
    assert g == pytest.approx(expected, rel=0.01) and s == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("p", [2, 3, 8, 13])
def test_barrier_takes_log2_p_latency_rounds(p):
    t = run_collective(FlowModel(None), switch(p, BW, LAT, SW), barrier(p)).time
    rounds = math.ceil(math.log2(p))
    assert t == pytest.approx(rounds * (HOP + BARRIER_BYTES / BW), rel=1e-6)
