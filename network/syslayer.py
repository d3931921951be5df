"""The collective system layer: collectives timed step by step over the topology's links,
without expanding them into messages (in the spirit of ASTRA-sim's system layer).

A collective's buffer is cut into `splits` chunks. Each chunk runs through *phases*: one
algorithm on one dimension of the network (a flat collective is one phase over all its
ranks; a hierarchical all-reduce is reduce-scatter on dimension 0, …, an all-reduce on the
last dimension, then all-gather back down). A phase is a fixed sequence of *steps*; in a
step every rank of every group of that dimension sends one message of the same size to a
partner (ring: its successor; halving-doubling: rank i xor distance; tree: child to
parent, then parent to child). A step is timed in one vectorised pass over its flows:

    step = endpoint_delay + max over flows (path delay + m / max-min rate) + reduction

The flows are routed with `Topology.path` (the path choice every engine shares), their
max-min fair rates are computed together (so flows of one step that share a link, e.g.
halving-doubling partners across a ring, are slowed accordingly), and the path delay is
the flow model's (latency, plus store-and-forward of the last packet with an MTU). The
reduction, on steps that combine received data, is `reduce_passes · m / reduce_bandwidth`
(two reads and a write by default: the local-memory cost ASTRA-sim's system layer charges).
A phase also pays one `endpoint_delay` at its end (the final receive's handling).

Chunks pipeline across stages as a flow shop: a stage is a phase (ring, halving-doubling:
their steps reuse the same links, so a chunk's steps cannot overlap another chunk's to any
gain) or one tree level (levels use different links, so trees pipeline as in NCCL). With
`active_chunks` a chunks allowed in a stage at once, the time of k chunks is

    T = Σ_s t_s + (k − 1) · max_s max(t_s / a, b_s)

where t_s is the stage time of one chunk and b_s its bandwidth-bound part (serialization
and reduction, which concurrent chunks cannot overlap). With a = 1 this is ASTRA-sim's
one-chunk-per-dimension schedule; chunks of a flat collective then run back to back.

Approximations, stated: steps are bulk-synchronous (a step ends when its slowest flow
does, exact when the flows of a step are alike, as on the regular topologies here); flows
of one step keep their max-min rates until the step ends; different phases or collectives
are not timed against each other (the ops engine's overlap check reports that); a
collective starts when its last rank has joined.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import NetworkError
from .flow import max_min_sparse
from .topology import Topology

__all__ = ["SystemConfig", "Plan", "SystemLayer", "ALGORITHMS", "CHOICES", "JOB_ALGORITHM"]

ALGORITHMS = ("ring", "tree", "halving_doubling")
CHOICES = ("job", "auto") + ALGORITHMS + ("hierarchical",)
# the job's collective algorithm -> the system layer's (for `algorithm: job`)
JOB_ALGORITHM = {"ring_allreduce": "ring", "tree_allreduce": "tree",
                 "halving_doubling": "halving_doubling", "reduce_scatter": "ring",
                 "all_gather": "ring"}
KINDS = {"ring_allreduce": "allreduce", "tree_allreduce": "allreduce",
         "halving_doubling": "allreduce", "reduce_scatter": "reduce_scatter",
         "all_gather": "all_gather"}


@dataclass(frozen=True)
class SystemConfig:
    splits: int = 1                      # chunks per collective
    active_chunks: int = 1               # chunks a stage holds at once
    reduce_bandwidth: float = 0.0        # local memory, B/s; 0: reductions are free
    reduce_passes: int = 3               # memory passes per reduced byte (read, read, write)
    endpoint_delay: float = 0.0          # s per message handled at an endpoint
    algorithm: str = "job"               # job | auto | ring | tree | halving_doubling | hierarchical
    per_dimension: tuple[tuple[int | None, str], ...] = ()   # (size or None, algorithm)

    def __post_init__(self):
        if self.splits < 1 or self.active_chunks < 1 or self.reduce_passes < 1:
            raise NetworkError("splits, active_chunks and reduce_passes must be ≥ 1")
        if self.algorithm not in CHOICES:
            raise NetworkError(f"unknown collective algorithm '{self.algorithm}'",
                               f"use one of {', '.join(CHOICES)}")


@dataclass
class Plan:
    """How one collective was timed."""
    time: float                                  # s, for the whole buffer (all chunks)
    algorithm: str                               # e.g. 'hierarchical(ring×8, tree×128)'
    stages: list[tuple[str, float, float]] = field(default_factory=list)  # name, t, b
    links: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class _Pairs:
    """One step's flows, costed once: per flow its path delay parts and max-min rate."""
    latency: np.ndarray
    store: np.ndarray          # Σ 1/bw − max 1/bw over the path (store-and-forward term)
    rate: np.ndarray
    links: np.ndarray

    def time(self, m: float, mtu: float | None) -> tuple[float, float]:
        """(step network time, its bandwidth-bound part) for messages of m bytes."""
        if m <= 0:
            return float(self.latency.max()), 0.0
        serial = m / self.rate
        t = self.latency + serial + (min(m, mtu) * self.store if mtu else 0.0)
        return float(t.max()), float(serial.max())


class SystemLayer:
    """Times collectives on one topology and link model (flow-level semantics)."""

    def __init__(self, topology: Topology, config: SystemConfig, mtu: float | None = None):
        self.topo, self.cfg, self.mtu = topology, config, mtu
        self._pairs: dict[tuple[bytes, bytes], _Pairs] = {}

    # -- public --------------------------------------------------------------------------
    def plan(self, job_algorithm: str, ranks: np.ndarray, nbytes: float) -> Plan:
        """The time of a collective (a key of KINDS) of `nbytes` per rank over `ranks`."""
        kind = KINDS.get(job_algorithm)
        if kind is None:
            raise NetworkError(f"the system layer does not time '{job_algorithm}'")
        ranks = np.asarray(ranks, dtype=np.int64)
        choice = self.cfg.algorithm
        if choice == "job":
            choice = JOB_ALGORITHM[job_algorithm]
        if choice == "auto":
            options = [self._flat(kind, a, ranks, nbytes) for a in self._flat_options(kind, ranks)]
            dims = self.dimensions(ranks)
            if len(dims) > 1:
                options.append(self._hierarchical(kind, ranks, nbytes, dims))
            return min(options, key=lambda p: p.time)
        if choice == "hierarchical":
            return self._hierarchical(kind, ranks, nbytes, self.dimensions(ranks))
        return self._flat(kind, choice, ranks, nbytes)

    def dimensions(self, ranks: np.ndarray) -> list[tuple[int, str]]:
        """(size, algorithm) per dimension for a collective over `ranks`: `per_dimension`
        sizes if given, else the topology's dimensions when they multiply to the rank
        count (a partial product of them otherwise), else one flat dimension."""
        p = len(ranks)
        given = self.cfg.per_dimension
        if given and all(size for size, _ in given):
            sizes = [int(size) for size, _ in given]
            if math.prod(sizes) != p:
                raise NetworkError(f"per_dimension sizes {sizes} multiply to "
                                   f"{math.prod(sizes)}, not the collective's {p} ranks")
        else:
            sizes, left = [], p
            for d in self.topo.dims:
                if left % d or d == 1:
                    break
                sizes.append(d)
                left //= d
            if left > 1:
                sizes.append(left)
        algos = [a for _, a in given] if given else []
        if algos and len(algos) != len(sizes):
            raise NetworkError(f"per_dimension names {len(algos)} algorithms for "
                               f"{len(sizes)} dimensions {sizes}")
        return list(zip(sizes, algos or ["auto"] * len(sizes)))

    # -- algorithms ----------------------------------------------------------------------
    def _flat_options(self, kind: str, ranks: np.ndarray) -> list[str]:
        p = len(ranks)
        out = ["ring"]
        if p & (p - 1) == 0:
            out.append("halving_doubling")
        if kind == "allreduce" and p > 2:
            out.append("tree")
        return out

    def _flat(self, kind: str, algorithm: str, ranks: np.ndarray, nbytes: float) -> Plan:
        groups = ranks.reshape(1, -1)
        stages = self._phase(kind, algorithm, groups, nbytes)
        return self._finish(algorithm, stages)

    def _hierarchical(self, kind: str, ranks: np.ndarray, nbytes: float,
                      dims: list[tuple[int, str]]) -> Plan:
        sizes = [d for d, _ in dims]
        grid = ranks.reshape(sizes[::-1])       # C order: the last axis is dimension 0
        groups = [np.moveaxis(grid, len(sizes) - 1 - j, -1).reshape(-1, d)
                  for j, d in enumerate(sizes)]
        names, stages, size = [], [], nbytes
        last = len(sizes) - 1
        down: list[tuple[str, np.ndarray, float]] = []
        for j, (d, algo) in enumerate(dims):
            if kind == "allreduce" and j == last:
                algo = self._pick(algo, "allreduce", groups[j], size)
                stages += self._phase("allreduce", algo, groups[j], size)
            elif kind == "all_gather":
                algo = self._pick(algo, "all_gather", groups[j], size)
                down.append((algo, groups[j], size))
            else:
                algo = self._pick(algo, "reduce_scatter", groups[j], size)
                stages += self._phase("reduce_scatter", algo, groups[j], size)
                down.append((algo, groups[j], size))
            names.append(f"{algo}×{d}")
            size /= d
        if kind != "reduce_scatter":
            for algo, g, s in reversed(down):
                stages += self._phase("all_gather", algo, g, s)
        return self._finish(f"hierarchical({', '.join(names)})", stages)

    def _pick(self, algo: str, kind: str, groups: np.ndarray, size: float) -> str:
        d = groups.shape[1]
        if algo == "auto":
            options = self._flat_options(kind, groups[0])
            return min(options, key=lambda a: self._finish(
                a, self._phase(kind, a, groups, size)).time)
        if algo == "tree" and kind != "allreduce":
            return "ring"               # a tree reduce-scatter/all-gather is not defined
        if algo == "halving_doubling" and d & (d - 1):
            raise NetworkError(f"halving-doubling needs a power-of-two group, got {d}",
                               "use ring or tree on that dimension")
        return algo

    def _phase(self, kind: str, algorithm: str, groups: np.ndarray, size: float
               ) -> list[tuple[str, float, float, np.ndarray]]:
        """Stages (name, time of one chunk, bandwidth-bound part, links) of one phase over
        `groups` (rows of ranks), for a buffer of `size` bytes per rank (before splitting)."""
        chunk = size / self.cfg.splits
        d = groups.shape[1]
        if d < 2:
            return []
        if algorithm == "ring":
            pairs = self._cost(groups.ravel(), np.roll(groups, -1, axis=1).ravel())
            m = chunk / d
            steps = [(m, True)] * (d - 1) if kind != "all_gather" else []
            if kind != "reduce_scatter":
                steps += [(m, False)] * (d - 1)
            return [self._steps(f"ring×{d}", [(pairs, m_, r) for m_, r in steps])]
        if algorithm == "halving_doubling":
            if d & (d - 1):
                raise NetworkError(f"halving-doubling needs a power-of-two group, got {d}")
            k = d.bit_length() - 1
            pos = np.arange(d)
            rs = [(d >> (j + 1), chunk / (2 << j), True) for j in range(k)]
            ag = [(1 << j, chunk / d * (1 << j), False) for j in range(k)]
            plan = (rs if kind != "all_gather" else []) + (ag if kind != "reduce_scatter" else [])
            steps = [(self._cost(groups.ravel(), groups[:, pos ^ dist].ravel()), m, r)
                     for dist, m, r in plan]
            return [self._steps(f"halving_doubling×{d}", steps)]
        if algorithm == "tree":
            if kind != "allreduce":
                raise NetworkError("a tree runs all-reduce only")
            return self._tree(groups, chunk)
        raise NetworkError(f"unknown algorithm '{algorithm}'")

    def _tree(self, groups: np.ndarray, chunk: float):
        """NCCL-style double binary tree: two heaps over the group (one over the reversed
        order), each carrying half of the chunk; one stage per level up (with reduction),
        then per level down. Each level's flows of both trees and all groups are costed
        together."""
        d = groups.shape[1]
        child = np.arange(1, d)
        parent = (child - 1) // 2
        level = np.floor(np.log2(child + 1)).astype(int)      # depth of the child
        depth = int(level.max())
        rev = groups[:, ::-1]
        m = chunk / 2
        up, down = [], []
        for lv in range(depth, 0, -1):
            c, p = child[level == lv], parent[level == lv]
            src = np.concatenate([groups[:, c].ravel(), rev[:, c].ravel()])
            dst = np.concatenate([groups[:, p].ravel(), rev[:, p].ravel()])
            up.append(self._steps(f"tree-up{lv}", [(self._cost(src, dst), m, True)]))
            down.insert(0, self._steps(f"tree-down{lv}", [(self._cost(dst, src), m, False)]))
        return up + down

    # -- costing -------------------------------------------------------------------------
    def _steps(self, name: str, steps) -> tuple[str, float, float, np.ndarray]:
        e = self.cfg.endpoint_delay
        red = (self.cfg.reduce_passes / self.cfg.reduce_bandwidth
               if self.cfg.reduce_bandwidth > 0 else 0.0)
        t, b = e, 0.0                 # the final receive's handling
        links = []
        for pairs, m, reduce in steps:
            net, serial = pairs.time(m, self.mtu)
            t += e + net + (red * m if reduce else 0.0)
            b += serial + (red * m if reduce else 0.0)
            links.append(pairs.links)
        return name, t, b, np.unique(np.concatenate(links)) if links else np.zeros(0, np.int64)

    def _finish(self, algorithm: str, stages) -> Plan:
        k, a = self.cfg.splits, self.cfg.active_chunks
        if not stages:
            return Plan(0.0, algorithm)
        total = sum(t for _, t, _, _ in stages)
        interval = max(max(t / min(a, k), b) for _, t, b, _ in stages)
        links = np.unique(np.concatenate([s[3] for s in stages]))
        return Plan(total + (k - 1) * interval, algorithm,
                    [(n, t, b) for n, t, b, _ in stages], links)

    def _cost(self, src: np.ndarray, dst: np.ndarray) -> _Pairs:
        key = (src.tobytes(), dst.tobytes())
        got = self._pairs.get(key)
        if got is None:
            topo = self.topo
            flat, counts = topo.paths(src, dst)          # the engines' one path choice
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            inv = 1.0 / topo.bandwidth[flat]
            latency = np.add.reduceat(topo.hop_latency[flat], starts)
            store = np.add.reduceat(inv, starts) - np.maximum.reduceat(inv, starts)
            rows = np.repeat(np.arange(len(counts)), counts)
            used, cols = np.unique(flat, return_inverse=True)
            rate = max_min_sparse(rows, cols.ravel(), topo.bandwidth[used], len(counts))
            got = self._pairs[key] = _Pairs(latency, store, rate, used)
        return got
