"""Closed-form hop distances of the regular topologies agree with BFS, so computed routes
are the routes the BFS tables gave (the scale fix of issue 6 changes no result)."""
import numpy as np
import pytest

from network import hierarchical, leaf_spine, ring, switch, torus

CASES = [
    lambda: ring(2, 1e9, 1e-6), lambda: ring(5, 1e9, 1e-6), lambda: ring(8, 1e9, 1e-6),
    lambda: ring(6, 1e9, 1e-6, bidirectional=False), lambda: switch(5, 1e9, 1e-6),
    lambda: leaf_spine(1, 4, 2, 1e9, 1e-6), lambda: leaf_spine(3, 4, 2, 1e9, 1e-6),
    lambda: torus([4, 3, 2], 1e9, 1e-6), lambda: torus([5, 1], 1e9, 1e-6),
    lambda: hierarchical(1, 4, 1e9, 0, 1e9, 0), lambda: hierarchical(2, 3, 1e9, 0, 1e9, 0),
    lambda: hierarchical(5, 3, 1e9, 0, 1e9, 0),
]


@pytest.mark.parametrize("make", CASES)
def test_closed_form_distance_equals_bfs(make):
    topo = make()
    assert topo.distance is not None
    vertices = np.arange(topo.n_vertices)
    for dst in range(topo.n_nodes):
        assert topo.distance(vertices, dst).tolist() == topo._distances_to(dst)


@pytest.mark.parametrize("routing", ["ecmp", "shortest"])
def test_computed_routes_equal_bfs_routes(routing):
    fast = leaf_spine(3, 4, 3, 1e9, 1e-6, routing=routing)
    slow = leaf_spine(3, 4, 3, 1e9, 1e-6, routing=routing)
    slow.distance = None
    for flow in range(5):
        for src in range(fast.n_nodes):
            for dst in range(fast.n_nodes):
                assert fast.route(src, dst, flow) == slow.route(src, dst, flow)


def test_routes_at_16k_nodes_are_cheap():
    topo = ring(16384, 1e9, 1e-6)
    assert topo.route(0, 8000) == topo.route(0, 8000)
    assert len(topo.route(0, 8000)) == 8000
    assert len(topo.route(5, 4)) == 1
