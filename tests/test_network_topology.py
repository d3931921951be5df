"""Topologies, routing and cluster files (network package)."""
from pathlib import Path

import pytest

from network import (Link, NetworkConfigError, NetworkError, Topology, hierarchical, leaf_spine,
                     load_network, parse_network, ring, switch, torus)

CLUSTERS = Path(__file__).resolve().parent.parent / "hw" / "clusters"


def _is_path(topo, route, src, dst):
    at = src
    for l in route:
        assert topo.links[l].src == at
        at = topo.links[l].dst
    return at == dst


@pytest.mark.parametrize("topo", [
    ring(6, 1e9, 1e-6), switch(5, 1e9, 1e-6, 1e-7), leaf_spine(3, 4, 2, 1e9, 1e-6, 2.0),
    torus((3, 4), 1e9, 1e-6), torus((2, 2, 3), 1e9, 1e-6),
    hierarchical(3, 4, 1e10, 1e-7, 1e9, 1e-6),
], ids=lambda t: t.name)
def test_every_route_is_a_shortest_path(topo):
    topo.verify()
    for src in range(topo.n_nodes):
        for dst in range(topo.n_nodes):
            route = topo.route(src, dst, flow_id=src * 31 + dst)
            assert _is_path(topo, route, src, dst)
            assert len(route) == topo._distances_to(dst)[src]


def test_torus_hops_are_wraparound_manhattan_distance():
    topo = torus((4, 4, 4), 1e9, 1e-6)
    assert topo.n_links == 64 * 6
    assert len(topo.route(0, 63)) == 3          # (0,0,0) -> (3,3,3): one wrap per axis
    assert len(topo.route(0, 2 * 16 + 2 * 4 + 2)) == 6


def test_leaf_spine_oversubscription_sets_uplink_bandwidth():
    topo = leaf_spine(4, 8, 2, 100.0, 0.0, oversubscription=4)
    up = [l.bandwidth for l in topo.links if l.src >= topo.n_nodes and l.dst >= topo.n_nodes]
    assert set(up) == {8 * 100.0 / (2 * 4)}
    assert sum(up) / 2 / 4 == pytest.approx(8 * 100.0 / 4)   # per leaf: hosts' capacity / 4


def test_ecmp_spreads_flows_and_is_deterministic():
    topo = leaf_spine(2, 2, 4, 1e9, 1e-6)
    spines = {topo.route(0, 2, f)[1] for f in range(64)}
    assert len(spines) == 4
    again = leaf_spine(2, 2, 4, 1e9, 1e-6)
    assert [topo.route(0, 2, f) for f in range(16)] == [again.route(0, 2, f) for f in range(16)]
    fixed = leaf_spine(2, 2, 4, 1e9, 1e-6, routing="shortest")
    assert len({fixed.route(0, 2, f) for f in range(64)}) == 1


def test_verifier_catches_a_disconnected_graph():
    with pytest.raises(NetworkError, match="unreachable"):
        Topology("split", 4, 0, [Link(0, 1, 1e9, 0.0), Link(1, 0, 1e9, 0.0),
                                 Link(2, 3, 1e9, 0.0), Link(3, 2, 1e9, 0.0)]).verify()


def test_route_rejects_switches_and_unknown_nodes():
    topo = switch(4, 1e9, 1e-6)
    with pytest.raises(NetworkError, match="not an endpoint"):
        topo.route(0, 4)


@pytest.mark.parametrize("path", sorted(CLUSTERS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_cluster_files_load(path):
    net = load_network(path)
    net.topology.verify()
    assert net.topology.n_nodes >= 8


GOOD_TOPOLOGY = "    kind: ring\n    nodes: 4\n    link: {bandwidth: 1 GB/s, latency: 1 us}\n"

BAD = [  # (text, line:col, message fragment)
    ("network:\n  topology: {kind: ring\n", "3:1", "not valid YAML"),
    ("nodes: 4\n", "1:1", "missing 'network'"),
    ("network: [1, 2]\n", "1:10", "must be a mapping"),
    ("network:\n  topology:\n    kind: mesh\n", "3:11", "expected one of ring, switch"),
    ("network:\n  topology:\n    kind: ring\n    link: {bandwidth: 1 GB/s, latency: 1 us}\n",
     "3:5", "missing 'nodes'"),
    ("network:\n  topology:\n    kind: ring\n    nodes: four\n"
     "    link: {bandwidth: 1 GB/s, latency: 1 us}\n", "4:12", "positive integer"),
    ("network:\n  topology:\n    kind: ring\n    nodes: 4\n"
     "    link: {bandwidth: 1 GB/h, latency: 1 us}\n", "5:23", "unknown unit 'GB/h'"),
    ("network:\n  topology:\n    kind: ring\n    nodes: 4\n"
     "    link: {bandwidth: 1 GB/s, latency: -1 us}\n", "5:40", "must not be negative"),
    ("network:\n  topology:\n" + GOOD_TOPOLOGY + "    switch_latency: 1 ns\n",
     "6:5", "unknown key 'switch_latency'"),
    ("network:\n  topology:\n    kind: ring\n    nodes: 1\n"
     "    link: {bandwidth: 1 GB/s, latency: 1 us}\n", "3:5", "at least 2 nodes"),
    ("network:\n  topology:\n    kind: torus\n    dims: [4, 0]\n"
     "    link: {bandwidth: 1 GB/s, latency: 1 us}\n", "4:11", "positive integer"),
    ("network:\n  topology:\n" + GOOD_TOPOLOGY + "  model: {kind: quantum}\n",
     "6:17", "expected one of packet, flow, mess"),
    ("network:\n  topology:\n" + GOOD_TOPOLOGY + "  model: {kind: packet, buffer: 1 KiB}\n",
     "6:33", "cannot hold one"),
    ("network:\n  topology:\n" + GOOD_TOPOLOGY + "  model: {kind: mess, curve: nope.csv}\n",
     "6:30", "not found"),
]


@pytest.mark.parametrize("text,where,fragment", BAD, ids=[b[2] for b in BAD])
def test_bad_cluster_files_blame_the_users_line(text, where, fragment):
    with pytest.raises(NetworkConfigError) as info:
        parse_network(text, "cluster.yaml")
    rendered = info.value.render()
    assert rendered.startswith(f"cluster.yaml:{where}: error: "), rendered
    assert fragment in rendered
    assert "Traceback" not in rendered


def test_mess_model_can_fit_its_curve_from_the_packet_model():
    net = parse_network("network:\n  topology:\n" + GOOD_TOPOLOGY + "  model:\n    kind: mess\n"
                        "    curve: fit\n    fit: {link: {bandwidth: 1 GB/s, latency: 1 us}}\n")
    assert net.model.name == "mess" and net.model.curve.mix == "poisson"


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(NetworkConfigError, match="cannot read file"):
        load_network(tmp_path / "absent.yaml")
