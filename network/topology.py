"""Topologies: endpoints and switches joined by directed links, with shortest-path routing.

Vertices 0..n_nodes-1 are endpoints (accelerators/NICs); vertices n_nodes.. are switches.
Every physical cable is two directed links, one per direction, each with its own bandwidth
(bytes/s) and latency (s, propagation plus PHY). A packet that arrives at a switch pays
that switch's latency before it joins the output queue; endpoints of direct networks
(ring, torus) forward without extra latency.

Routing is deterministic shortest-hop. Among equal-cost next hops, `routing="ecmp"` picks
one by hashing (flow id, vertex), so distinct flows spread over the spines but a flow keeps
one path and packets stay in order; `routing="shortest"` always takes the lowest link id.

`path(src, dst)` is THE path choice of every engine (messages, ops, packet, Mess, the
collective system layer): its flow id is the (src, dst) pair, as an ECMP switch hashes a
connection's addresses, so all traffic between two endpoints takes one path whoever
simulates it. (The engines used to hash their own message or channel numbers, so the same
job on the same ECMP fabric could take other spines, or the other way round a ring, in
each engine: ring all-to-all differed by 10-11%.) `route(src, dst, flow_id)` remains for
callers that want to choose among equal-cost paths themselves.

Hop distances come from a closed form for the regular topologies built here (ring, star,
leaf-spine, torus, hierarchical), so a route costs O(hops × degree) and no per-destination
table is kept: that table made routing quadratic in the node count (a 16k-node ring needed
16k BFS passes of 16k vertices). Hand-made graphs fall back to one BFS table per
destination. Both give the same routes; a test checks the closed forms against BFS.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .errors import NetworkError

__all__ = ["Link", "Topology", "ring", "switch", "leaf_spine", "fat_tree", "torus",
           "hierarchical", "check_size", "path_flow_id", "MAX_ENDPOINTS", "MAX_BUILD_BYTES"]

ROUTINGS = ("ecmp", "shortest")

# Size bounds, checked before anything is built (a 10^8-node torus ran out of memory
# after minutes; a 10^7-node one ran on with no sign of progress). Measured peak cost of a built
# topology: about 350 B per directed link (a Link object, its slots in the per-vertex
# lists and the numpy columns) and up to 600 B per vertex (the torus's coordinate index).
# 2^20 endpoints is 64x the 16k-node benchmark; a ring of that size builds in about 5 s
# and 0.8 GB (measured); simulating a job on it takes longer still (no progress display).
MAX_ENDPOINTS = 1 << 20
MAX_BUILD_BYTES = 4 << 30
BYTES_PER_LINK = 400
BYTES_PER_VERTEX = 600


def check_size(kind: str, n_nodes: int, n_switches: int, n_links: int) -> None:
    """Refuse, before building, a topology larger than the documented bounds."""
    need = BYTES_PER_LINK * n_links + BYTES_PER_VERTEX * (n_nodes + n_switches)
    if n_nodes > MAX_ENDPOINTS or need > MAX_BUILD_BYTES:
        raise NetworkError(
            f"a {kind} of {n_nodes:,} endpoints and {n_links:,} links would need about "
            f"{need / 2**30:,.1f} GiB to build; the limits are {MAX_ENDPOINTS:,} endpoints "
            f"and {MAX_BUILD_BYTES / 2**30:g} GiB",
            "model a smaller cluster (the ops engine's cost grows with the node count)")


@dataclass(frozen=True)
class Link:
    src: int
    dst: int
    bandwidth: float     # bytes/s
    latency: float       # s


class Topology:
    """An immutable graph of endpoints, switches and directed links."""

    def __init__(self, name: str, n_nodes: int, n_switches: int, links: Sequence[Link],
                 switch_latency: float = 0.0, routing: str = "ecmp",
                 distance: "Callable[[np.ndarray, int], np.ndarray] | None" = None):
        if routing not in ROUTINGS:
            raise NetworkError(f"unknown routing '{routing}'", f"use one of {ROUTINGS}")
        self.name = name
        self.n_nodes = n_nodes
        self.n_switches = n_switches
        self.links = tuple(links)
        self.switch_latency = float(switch_latency)
        self.routing = routing
        self.link_src = np.array([l.src for l in self.links], dtype=np.int64)
        self.link_dst = np.array([l.dst for l in self.links], dtype=np.int64)
        self.bandwidth = np.array([l.bandwidth for l in self.links], dtype=float)
        self.latency = np.array([l.latency for l in self.links], dtype=float)
        self._out: list[list[int]] = [[] for _ in range(self.n_vertices)]
        self._in: list[list[int]] = [[] for _ in range(self.n_vertices)]
        for i, link in enumerate(self.links):
            self._out[link.src].append(i)
            self._in[link.dst].append(i)
        # per link: its latency plus the switch latency paid on arriving at its far end
        self.hop_latency = self.latency + np.where(self.link_dst >= n_nodes, switch_latency, 0.0)
        self._dist: dict[int, list[int]] = {}
        self._routes: dict[tuple[int, int, int], tuple[int, ...]] = {}
        # distance(vertices, dst) -> hop counts to endpoint dst, or None: BFS tables
        self.distance = distance
        order = np.argsort(self.link_src, kind="stable")        # out-links by id per vertex
        self._out_start = np.searchsorted(self.link_src[order], np.arange(self.n_vertices + 1))
        self._out_order = order
        # the network's dimensions, fastest-varying first (endpoint id = i0 + d0·(i1 + …)):
        # the collective system layer's hierarchical algorithms run one phase per dimension
        self.dims: tuple[int, ...] = (n_nodes,)

    @property
    def n_vertices(self) -> int:
        return self.n_nodes + self.n_switches

    @property
    def n_links(self) -> int:
        return len(self.links)

    def verify(self) -> None:
        """Check the graph: vertices in range, positive bandwidths, every pair connected."""
        for i, link in enumerate(self.links):
            if not (0 <= link.src < self.n_vertices and 0 <= link.dst < self.n_vertices):
                raise NetworkError(f"link {i} joins a vertex outside 0..{self.n_vertices - 1}")
            if link.src == link.dst or not link.bandwidth > 0 or link.latency < 0:
                raise NetworkError(f"link {i} ({link}) is a loop or has a bad bandwidth/latency")
        for dst in range(self.n_nodes):
            cut = [v for v in range(self.n_nodes) if self._distances_to(dst)[v] < 0]
            if cut:
                raise NetworkError(f"endpoint {dst} is unreachable from {cut[:5]}")

    def is_switch(self, vertex: int) -> bool:
        return vertex >= self.n_nodes

    def path_latency(self, route: Sequence[int]) -> float:
        """Latency of a route with no queueing and no serialization."""
        return float(sum(self.hop_latency[l] for l in route))

    def path(self, src: int, dst: int) -> tuple[int, ...]:
        """The one path choice shared by every engine: the route whose ECMP flow id is the
        (src, dst) pair (see the module docstring)."""
        return self.route(src, dst, path_flow_id(src, dst, self.n_nodes))

    def paths(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`path` of many pairs at once, hop by hop with numpy over all of them: (the links
        of every path, concatenated; each path's length). The same choice as `path`, made
        without a Python loop per pair: routing 16k pairs one by one took seconds."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        if self.distance is None or len(src) == 0:        # hand-made graphs: one by one
            routes = [self.path(int(a), int(b)) for a, b in zip(src.tolist(), dst.tolist())]
            counts = np.array([len(r) for r in routes], dtype=np.int64)
            return np.fromiter((l for r in routes for l in r), np.int64,
                               int(counts.sum())), counts
        if src.min() < 0 or dst.min() < 0 or max(src.max(), dst.max()) >= self.n_nodes:
            raise NetworkError(f"a path endpoint is not an endpoint of '{self.name}'",
                               f"endpoints are 0..{self.n_nodes - 1}")
        flow = src * self.n_nodes + dst
        here = np.asarray(self.distance(src, dst), dtype=np.int64)
        if (here < 0).any():
            raise NetworkError(f"some pairs are unreachable in '{self.name}'")
        hops = np.zeros((len(src), int(here.max()) if len(here) else 0), dtype=np.int64)
        cur, active, step = src.copy(), np.flatnonzero(here > 0), 0
        while len(active):
            v = cur[active]
            lo, hi = self._out_start[v], self._out_start[v + 1]
            deg = hi - lo
            owner = np.repeat(np.arange(len(active)), deg)
            offset = np.arange(int(deg.sum())) - np.repeat(np.cumsum(deg) - deg, deg)
            cand = self._out_order[np.repeat(lo, deg) + offset]
            ok = np.asarray(self.distance(self.link_dst[cand], dst[active][owner]),
                            dtype=np.int64) == here[active][owner] - 1
            n_ok = np.bincount(owner[ok], minlength=len(active))
            if self.routing == "ecmp":
                pick = _ecmp_hash_array(flow[active], v) % n_ok
            else:
                pick = np.zeros(len(active), dtype=np.int64)
            rank = np.cumsum(ok) - 1 - np.repeat(np.cumsum(n_ok) - n_ok, deg)
            chosen = np.empty(len(active), dtype=np.int64)
            hit = ok & (rank == pick[owner])
            chosen[owner[hit]] = cand[hit]
            hops[active, step] = chosen
            cur[active] = self.link_dst[chosen]
            here[active] -= 1
            active = active[here[active] > 0]
            step += 1
        counts = np.asarray(self.distance(src, dst), dtype=np.int64)
        mask = np.arange(hops.shape[1])[None, :] < counts[:, None]
        return hops[mask], counts

    def route(self, src: int, dst: int, flow_id: int = 0) -> tuple[int, ...]:
        """Link ids from endpoint `src` to endpoint `dst` (empty when src == dst)."""
        key = (src, dst, flow_id if self.routing == "ecmp" else 0)
        cached = self._routes.get(key)
        if cached is None:
            cached = self._routes[key] = self._walk(src, dst, key[2])
        return cached

    def _walk(self, src: int, dst: int, flow_id: int) -> tuple[int, ...]:
        for v in (src, dst):
            if not 0 <= v < self.n_nodes:
                raise NetworkError(f"node {v} is not an endpoint of '{self.name}'",
                                   f"endpoints are 0..{self.n_nodes - 1}")
        dist = self._distance_function(dst)
        here = int(dist(np.array([src]))[0])
        if here < 0:
            raise NetworkError(f"node {dst} is unreachable from node {src} in '{self.name}'")
        path, v = [], src
        while v != dst:
            out = self._out_order[self._out_start[v]:self._out_start[v + 1]]
            options = out[dist(self.link_dst[out]) == here - 1]
            link = int(options[_ecmp_hash(flow_id, v) % len(options)]
                       if self.routing == "ecmp" else options[0])
            path.append(link)
            v, here = int(self.link_dst[link]), here - 1
        return tuple(path)

    def _distance_function(self, dst: int) -> "Callable[[np.ndarray], np.ndarray]":
        if self.distance is not None:
            return lambda vertices: self.distance(vertices, dst)
        table = np.array(self._distances_to(dst))
        return lambda vertices: table[vertices]

    def _distances_to(self, dst: int) -> list[int]:
        dist = self._dist.get(dst)
        if dist is None:
            dist = [-1] * self.n_vertices
            dist[dst] = 0
            frontier = deque([dst])
            while frontier:
                v = frontier.popleft()
                for l in self._in[v]:
                    u = self.links[l].src
                    # only endpoints may originate or sink; switches and forwarding
                    # endpoints (direct networks) are both allowed in the middle
                    if dist[u] < 0:
                        dist[u] = dist[v] + 1
                        frontier.append(u)
            self._dist[dst] = dist
        return dist

    def __repr__(self) -> str:
        return (f"Topology({self.name!r}, nodes={self.n_nodes}, switches={self.n_switches}, "
                f"links={self.n_links}, routing={self.routing!r})")


def path_flow_id(src: int, dst: int, n_nodes: int) -> int:
    """The ECMP flow id of all traffic from `src` to `dst` (one connection per pair)."""
    return int(src) * int(n_nodes) + int(dst)


def _ecmp_hash(flow_id: int, vertex: int) -> int:
    """A fixed integer mix (Python's hash() of str is salted per process; this is not)."""
    h = (flow_id * 0x9E3779B1 + vertex * 0x85EBCA6B + 0x27D4EB2F) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    return h ^ (h >> 13)


def _ecmp_hash_array(flow_id: np.ndarray, vertex: np.ndarray) -> np.ndarray:
    """`_ecmp_hash` over arrays, bit for bit (uint64 arithmetic masked to 32 bits)."""
    m = np.uint64(0xFFFFFFFF)
    h = (flow_id.astype(np.uint64) * np.uint64(0x9E3779B1)
         + vertex.astype(np.uint64) * np.uint64(0x85EBCA6B) + np.uint64(0x27D4EB2F)) & m
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x2C1B3C6D)) & m
    return (h ^ (h >> np.uint64(13))).astype(np.int64)


def _cable(links: list[Link], a: int, b: int, bandwidth: float, latency: float) -> None:
    links.append(Link(a, b, bandwidth, latency))
    links.append(Link(b, a, bandwidth, latency))


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise NetworkError(f"{name} must be positive, got {value}")


def ring(n: int, bandwidth: float, latency: float, bidirectional: bool = True,
         routing: str = "ecmp") -> Topology:
    """n endpoints in a ring; node i is cabled to node i+1 mod n."""
    if n < 2:
        raise NetworkError(f"a ring needs at least 2 nodes, got {n}")
    _check_positive(bandwidth=bandwidth)
    check_size("ring", n, 0, 2 * n)
    links: list[Link] = []
    for i in range(n if n > 2 else 1):
        j = (i + 1) % n
        if bidirectional:
            _cable(links, i, j, bandwidth, latency)
        else:
            links.append(Link(i, j, bandwidth, latency))
    if bidirectional:
        distance = lambda v, dst: _cyclic(v - dst, n)                    # noqa: E731
    else:
        distance = (lambda v, dst: (dst - v) % n) if n > 2 else None     # noqa: E731
    return Topology(f"ring{n}", n, 0, links, routing=routing, distance=distance)


def _with_dims(topology: Topology, dims: Sequence[int]) -> Topology:
    topology.dims = tuple(int(d) for d in dims if d > 1) or (topology.n_nodes,)
    return topology


def switch(n: int, bandwidth: float, latency: float, switch_latency: float = 0.0,
           routing: str = "ecmp") -> Topology:
    """A star: n endpoints on one switch (vertex n)."""
    _check_positive(n=n, bandwidth=bandwidth)
    check_size("switch", n, 1, 2 * n)
    links: list[Link] = []
    for i in range(n):
        _cable(links, i, n, bandwidth, latency)
    return Topology(f"switch{n}", n, 1, links, switch_latency, routing,
                    lambda v, dst: np.where(v == dst, 0, np.where(v >= n, 1, 2)))


def leaf_spine(leaves: int, hosts_per_leaf: int, spines: int, bandwidth: float,
               latency: float, oversubscription: float = 1.0, switch_latency: float = 0.0,
               uplink_bandwidth: float | None = None, routing: str = "ecmp") -> Topology:
    """A two-level fat-tree (leaf-spine). Every leaf has one uplink to every spine.

    With `oversubscription` r, each uplink carries hosts_per_leaf·bandwidth / (spines·r),
    so a leaf's total uplink capacity is 1/r of its total host capacity.
    """
    _check_positive(leaves=leaves, hosts_per_leaf=hosts_per_leaf, spines=spines,
                    bandwidth=bandwidth, oversubscription=oversubscription)
    up = uplink_bandwidth or hosts_per_leaf * bandwidth / (spines * oversubscription)
    n = leaves * hosts_per_leaf
    check_size("leaf-spine", n, leaves + spines, 2 * (n + leaves * spines))
    links: list[Link] = []
    for leaf in range(leaves):
        for h in range(hosts_per_leaf):
            _cable(links, leaf * hosts_per_leaf + h, n + leaf, bandwidth, latency)
    for leaf in range(leaves):
        for s in range(spines):
            _cable(links, n + leaf, n + leaves + s, up, latency)
    name = f"leafspine{leaves}x{hosts_per_leaf}s{spines}r{oversubscription:g}"

    def distance(v: np.ndarray, dst: int) -> np.ndarray:
        leaf = dst // hosts_per_leaf
        host = np.where(v == dst, 0, np.where(v // hosts_per_leaf == leaf, 2, 4))
        switches = np.where(v - n == leaf, 1, np.where(v >= n + leaves, 2, 3))
        return np.where(v < n, host, switches)
    return _with_dims(Topology(name, n, leaves + spines, links, switch_latency, routing,
                               distance), (hosts_per_leaf, leaves))


fat_tree = leaf_spine


def torus(dims: Sequence[int], bandwidth: float, latency: float,
          routing: str = "ecmp") -> Topology:
    """A 2D/3D (any-D) torus of endpoints; node id is row-major over `dims`."""
    dims = tuple(int(d) for d in dims)
    if not dims or any(d < 1 for d in dims):
        raise NetworkError(f"torus dims must be positive integers, got {list(dims)}")
    _check_positive(bandwidth=bandwidth)
    n = math.prod(dims)           # exact: np.prod wraps around in int64 for huge dims
    check_size("torus", n, 0, 2 * n * len(dims))
    coords = list(np.ndindex(*dims))
    index = {c: i for i, c in enumerate(coords)}
    links: list[Link] = []
    for c in coords:
        for axis, size in enumerate(dims):
            if size == 1 or (size == 2 and c[axis] == 1):
                continue          # size-2 rings have a single cable between the pair
            nxt = list(c)
            nxt[axis] = (c[axis] + 1) % size
            _cable(links, index[c], index[tuple(nxt)], bandwidth, latency)

    def distance(v: np.ndarray, dst: int) -> np.ndarray:
        here, there = np.unravel_index(v, dims), np.unravel_index(dst, dims)
        return sum(_cyclic(a - b, size) for a, b, size in zip(here, there, dims))
    return _with_dims(Topology("torus" + "x".join(map(str, dims)), n, 0, links,
                               routing=routing, distance=distance), dims[::-1])


def hierarchical(servers: int, per_server: int, intra_bandwidth: float, intra_latency: float,
                 inter_bandwidth: float, inter_latency: float, switch_latency: float = 0.0,
                 routing: str = "ecmp") -> Topology:
    """A switch inside each server × rail rings across servers.

    Endpoint s·per_server + i is local rank i of server s. Inside a server every endpoint
    hangs off that server's switch (NVSwitch-like); across servers, local rank i of server
    s is cabled to local rank i of server s+1 (one ring per rail).
    """
    _check_positive(servers=servers, per_server=per_server, intra_bandwidth=intra_bandwidth,
                    inter_bandwidth=inter_bandwidth)
    n = servers * per_server
    check_size("hierarchical network", n, servers, 4 * n)
    links: list[Link] = []
    for s in range(servers):
        for i in range(per_server):
            _cable(links, s * per_server + i, n + s, intra_bandwidth, intra_latency)
    for s in range(servers if servers > 2 else servers - 1):
        for i in range(per_server):
            _cable(links, s * per_server + i, ((s + 1) % servers) * per_server + i,
                   inter_bandwidth, inter_latency)

    def distance(v: np.ndarray, dst: int) -> np.ndarray:
        rail = _cyclic(np.where(v < n, v // per_server, v - n) - dst // per_server, servers)
        other_rail = np.where(v % per_server == dst % per_server, 0, 2)
        return np.where(v < n, rail + other_rail, 1 + rail)
    return _with_dims(Topology(f"hier{servers}x{per_server}", n, servers, links,
                               switch_latency, routing, distance), (per_server, servers))


def _cyclic(delta: np.ndarray, size: int) -> np.ndarray:
    """Hop distance around a ring of `size` for a signed index difference."""
    d = np.abs(delta) % size
    return np.minimum(d, size - d)
