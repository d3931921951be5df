"""Chakra execution traces (MLCommons `mlc-chakra`), read from their JSON form.

We read JSON, not the protobuf `.et` files: the reader needs only the documented node
fields, and the protobuf schema package would add a dependency for that. Convert `.et`
files with Chakra's own `chakra_jsonizer`, or write the JSON directly. Accepted layouts:

    {"ranks": [{"rank": 0, "nodes": [NODE, ...]}, ...]}     one file, every rank
    {"rank": 0, "nodes": [...]} / {"nodes": [...]} / [...]   one rank per file: give the
                                                             path with '{rank}' in it and
                                                             `ranks: N` (load_chakra)

A NODE has the fields of the protobuf `Node`, in snake_case or the camelCase of protobuf's
JSON mapping:

    id, name, type          COMP_NODE, COMM_COLL_NODE, COMM_SEND_NODE, COMM_RECV_NODE
                            (METADATA/MEM_* nodes are kept as zero-time steps); the name
                            or its enum number (4, 7, 5, 6)
    data_deps, ctrl_deps    ids of nodes of the same rank this one waits for
    duration_micros         compute time; when absent or 0, a compute model prices the
                            kernel from attrs num_ops (flops) and tensor_size (bytes)
    attr                    list of {name, <kind>_val: value} (protobuf AttributeProto,
                            e.g. {"name": "comm_size", "int64_val": 1048576}), or a plain
                            {name: value} mapping. Used: comm_type (ALL_REDUCE=0,
                            ALL_GATHER=2, ALL_TO_ALL=6, REDUCE_SCATTER=7, or the name),
                            comm_size (bytes), comm_src / comm_dst / comm_tag (p2p),
                            comm_group or pg_ranks (the ranks of a collective; default all)

Bad input is a NetworkError naming the file, the rank and the node's id (or its index
#k when it has no id): a node that is not an object, a missing or non-integer id, `attr`
that is neither a list nor a mapping, a negative or non-finite comm_size (or one above
MAX_COMM_BYTES), a negative or non-finite duration_micros or one above MAX_DURATION_US
(1e12 us, about 11.6 days: a unit mistake, not a kernel), and a trace with no nodes at
all (which would otherwise simulate to a step time of 0).

The k-th collective of a group on each member rank is one collective; a send from a to b
with tag t is matched with the k-th receive on b from a with tag t, and the pair is one
transfer that waits for the dependencies of both (rendezvous).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from spec.errors import Loc

from .compute import ComputeModel, Kernel
from .errors import NetworkConfigError, NetworkError
from .job import Job

__all__ = ["load_chakra", "parse_chakra", "NODE_TYPES", "COMM_TYPES"]

NODE_TYPES = {0: "INVALID_NODE", 1: "METADATA_NODE", 2: "MEM_LOAD_NODE", 3: "MEM_STORE_NODE",
              4: "COMP_NODE", 5: "COMM_SEND_NODE", 6: "COMM_RECV_NODE", 7: "COMM_COLL_NODE"}
COMM_TYPES = {0: "ALL_REDUCE", 2: "ALL_GATHER", 6: "ALL_TO_ALL", 7: "REDUCE_SCATTER"}
_ALGORITHM = {"ALL_REDUCE": "ring_allreduce", "ALL_GATHER": "all_gather",
              "ALL_TO_ALL": "all_to_all", "REDUCE_SCATTER": "reduce_scatter"}


def load_chakra(path: str | Path, model: ComputeModel | None = None,
                ranks: int | None = None) -> Job:
    path = Path(path)
    if "{rank}" in str(path):
        if not ranks:
            raise NetworkError("a per-rank trace path needs the number of ranks")
        per_rank = [_read(Path(str(path).replace("{rank}", str(r)))) for r in range(ranks)]
        return parse_chakra({"ranks": [{"rank": r, "nodes": _nodes(d, str(path), r)}
                                       for r, d in enumerate(per_rank)]}, model, str(path))
    return parse_chakra(_read(path), model, str(path))


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise NetworkError(f"cannot read Chakra trace {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise NetworkConfigError(Loc(str(path), exc.lineno, exc.colno),
                                 f"not valid JSON: {exc.msg}") from None


# A kernel longer than this (about 11.6 days) is taken as a unit mistake, not a trace.
MAX_DURATION_US = 1e12
# Bytes of one collective or send: 1 PB; more is a mistake, not a trace.
MAX_COMM_BYTES = 1e15


def _nodes(data: Any, source: str, rank: Any = 0) -> list:
    """The node list of one rank's data: the data itself if a list, else its 'nodes'."""
    nodes = data.get("nodes", []) if isinstance(data, dict) else data
    if not isinstance(nodes, list):
        raise NetworkError(f"{source}: rank {rank}: 'nodes' must be a list of node objects, "
                           f"got {type(nodes).__name__}")
    return nodes


def parse_chakra(data: Any, model: ComputeModel | None = None, source: str = "<trace>") -> Job:
    ranks = _ranks(data, source)
    if sorted(ranks) != list(range(len(ranks))):
        raise NetworkError(f"{source}: ranks must be 0..N-1, got {sorted(ranks)}")
    nodes = {r: [_node(n, r, i, source) for i, n in enumerate(ns)] for r, ns in ranks.items()}
    if not any(nodes.values()):
        # an empty trace would simulate to a step time of 0, which looks like an answer
        raise NetworkError(f"{source}: the trace has no nodes",
                           "a Chakra trace lists nodes per rank: {\"nodes\": [{\"id\": 1, ...}]}")
    return _Builder(nodes, len(ranks), model, source).build()


def _ranks(data: Any, source: str) -> dict[int, list]:
    """rank -> its raw node list, from any of the accepted layouts."""
    if isinstance(data, dict) and "ranks" in data:
        if not isinstance(data["ranks"], list):
            raise NetworkError(f"{source}: 'ranks' must be a list of {{rank, nodes}} objects")
        out = {}
        for i, r in enumerate(data["ranks"]):
            if not isinstance(r, dict):
                raise NetworkError(f"{source}: ranks[{i}] must be an object with 'rank' and "
                                   f"'nodes', got {type(r).__name__}")
            out[_int(r.get("rank", i), f"{source}: ranks[{i}]: 'rank'")] = \
                _nodes(r, source, r.get("rank", i))
        return out
    if not isinstance(data, (dict, list)):
        raise NetworkError(f"{source}: a Chakra trace is a JSON object or list, "
                           f"got {type(data).__name__}")
    rank = _int(data.get("rank", 0), f"{source}: 'rank'") if isinstance(data, dict) else 0
    return {rank: _nodes(data, source, rank)}


def _int(value: Any, what: str) -> int:
    """An integer field (an int, or a string of digits as protobuf's JSON writes int64)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise NetworkError(f"{what} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise NetworkError(f"{what} must be an integer, got {value!r}") from None


def _number(value: Any, what: str, limit: float) -> float:
    """A finite number in 0..limit (a float, an int, or a numeric string)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number) or not 0 <= number <= limit:
        raise NetworkError(f"{what} must be a finite number in 0..{limit:g}, got {value!r}")
    return number


def _get(node: dict, snake: str, default: Any = None) -> Any:
    camel = snake.split("_")[0] + "".join(w.title() for w in snake.split("_")[1:])
    return node.get(snake, node.get(camel, default))


def _attrs(node: dict, where: str) -> dict:
    raw = node.get("attr", node.get("attrs", []))
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, list):
        raise NetworkError(f"{where}: 'attr' must be a list of {{name, <kind>_val}} objects "
                           f"or a {{name: value}} mapping, got {type(raw).__name__}")
    out = {}
    for i, a in enumerate(raw):
        if not isinstance(a, dict) or not isinstance(a.get("name"), str):
            raise NetworkError(f"{where}: attr[{i}] must be an object with a 'name', got {a!r}")
        values = [v for k, v in a.items() if k != "name"]
        value = values[0] if values else None
        if isinstance(value, dict) and "values" in value:        # *_list attributes
            value = value["values"]
        out[a["name"]] = int(value) if isinstance(value, str) and value.isdigit() else value
    return out


def _node(raw: Any, rank: int, index: int, source: str) -> dict:
    if not isinstance(raw, dict):
        raise NetworkError(f"{source}: rank {rank} node #{index}: a node must be an object, "
                           f"got {type(raw).__name__}")
    if "id" not in raw:
        raise NetworkError(f"{source}: rank {rank} node #{index} has no 'id'",
                           "every node needs an integer id, unique in its rank")
    where = f"{source}: rank {rank} node {raw['id']!r}"
    node_id = _int(raw["id"], f"{where}: 'id'")
    kind = _get(raw, "type", 4)
    kind = NODE_TYPES.get(kind, kind) if isinstance(kind, int) else str(kind)
    if kind not in NODE_TYPES.values():
        raise NetworkError(f"{where}: unknown type {kind!r}")
    deps = [_int(d, f"{where}: a dependency") for key in ("data_deps", "ctrl_deps")
            for d in _list(_get(raw, key, []), f"{where}: '{key}'")]
    attr = _attrs(raw, where)
    if "comm_size" in attr:
        attr["comm_size"] = _number(attr["comm_size"], f"{where}: comm_size (bytes)",
                                    MAX_COMM_BYTES)
    for key in ("comm_src", "comm_dst", "comm_tag"):
        if key in attr:
            attr[key] = _int(attr[key], f"{where}: {key}")
    if "num_ops" in attr:
        attr["num_ops"] = _number(attr["num_ops"], f"{where}: num_ops", math.inf)
    return {"id": node_id, "name": str(raw.get("name", "")), "type": kind, "deps": deps,
            "us": _number(_get(raw, "duration_micros", 0) or 0,
                          f"{where}: duration_micros", MAX_DURATION_US), "attr": attr}


def _list(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise NetworkError(f"{what} must be a list of node ids, got {value!r}")
    return value


class _Builder:
    """Merges the per-rank graphs into one job, in a dependency order across ranks."""

    def __init__(self, nodes: dict[int, list[dict]], n: int, model, source: str):
        self.n, self.model, self.source = n, model, source
        self.order = {r: _topological(ns, r, source) for r, ns in nodes.items()}
        self.job = Job("chakra", n, description=f"Chakra trace {source}, {n} ranks")
        self.task: dict[tuple[int, int], int] = {}     # (rank, node id) -> task
        self.seen: dict[tuple, int] = {}               # occurrence counters for matching

    def build(self) -> Job:
        head = {r: 0 for r in self.order}
        while any(head[r] < len(self.order[r]) for r in head):
            progress = False
            for r in self.order:
                while head[r] < len(self.order[r]):
                    node = self.order[r][head[r]]
                    if not self.emit(r, node, head):
                        break
                    progress = True
            if not progress:
                stuck = {r: self.order[r][head[r]]["id"] for r in head
                         if head[r] < len(self.order[r])}
                raise NetworkError(f"{self.source}: the trace deadlocks: ranks wait at nodes "
                                   f"{stuck} for collectives/receives that never match")
        return self.job

    def deps(self, r: int, node: dict) -> list[int]:
        return [self.task[(r, d)] for d in node["deps"]]

    def emit(self, r: int, node: dict, head: dict) -> bool:
        kind, attr = node["type"], node["attr"]
        if kind in ("COMM_COLL_NODE",):
            return self.collective(r, node, head)
        if kind in ("COMM_SEND_NODE", "COMM_RECV_NODE"):
            return self.p2p(r, node, head)
        seconds = node["us"] * 1e-6
        if kind == "COMP_NODE" and seconds == 0 and "num_ops" in attr:
            if self.model is None:
                raise NetworkError(f"{self.source}: rank {r} node {node['id']} has no "
                                   "duration_micros and no compute model is configured")
            seconds = self.model.estimate(Kernel(node["name"], float(attr["num_ops"]),
                                                 float(attr.get("tensor_size", 0)))).seconds
        self.task[(r, node["id"])] = self.job.compute([r], seconds, node["name"] or kind,
                                                      self.deps(r, node))
        head[r] += 1
        return True

    def collective(self, r: int, node: dict, head: dict) -> bool:
        attr = node["attr"]
        group = attr.get("comm_group", attr.get("pg_ranks")) or list(range(self.n))
        if not isinstance(group, list):
            raise NetworkError(f"{self.source}: rank {r} node {node['id']}: comm_group must be "
                               f"a list of ranks, got {group!r}")
        group = tuple(_int(g, f"{self.source}: rank {r} node {node['id']}: comm_group")
                      for g in group)
        k = self.seen.get(("coll", group, r), 0)
        members = []
        for m in group:                      # every member's head must be its k-th here
            if head.get(m, 0) >= len(self.order.get(m, [])):
                return False
            other = self.order[m][head[m]]
            if other["type"] != "COMM_COLL_NODE" or self.seen.get(("coll", group, m), 0) != k:
                return False
            members.append((m, other))
        comm = attr.get("comm_type", 0)
        comm = COMM_TYPES.get(comm, comm) if isinstance(comm, int) else str(comm)
        if comm not in _ALGORITHM:
            raise NetworkError(f"{self.source}: rank {r} node {node['id']}: collective type "
                               f"{comm!r} is not supported", f"use one of {sorted(_ALGORITHM)}")
        deps = [d for m, other in members for d in self.deps(m, other)]
        tid = self.job.collective(_ALGORITHM[comm], list(group), float(attr.get("comm_size", 0)),
                                  node["name"] or comm.lower(), deps)
        for m, other in members:
            self.task[(m, other["id"])] = tid
            self.seen[("coll", group, m)] = k + 1
            head[m] += 1
        return True

    def p2p(self, r: int, node: dict, head: dict) -> bool:
        attr = node["attr"]
        send = node["type"] == "COMM_SEND_NODE"
        peer_key = "comm_dst" if send else "comm_src"
        if peer_key not in attr:
            raise NetworkError(f"{self.source}: rank {r} node {node['id']}: a "
                               f"{node['type']} needs the attribute {peer_key}")
        src, dst = (r, attr["comm_dst"]) if send else (attr["comm_src"], r)
        tag = attr.get("comm_tag", 0)
        peer = dst if send else src
        if not 0 <= peer < self.n:
            raise NetworkError(f"{self.source}: rank {r} node {node['id']}: peer {peer} is "
                               f"not a rank (0..{self.n - 1})")
        if head[peer] >= len(self.order[peer]):
            return False
        other = self.order[peer][head[peer]]
        want = "COMM_RECV_NODE" if send else "COMM_SEND_NODE"
        key = ("p2p", src, dst, tag)
        if other["type"] != want or other["attr"].get("comm_tag", 0) != tag or \
                int(other["attr"].get("comm_src" if send else "comm_dst", -1)) != (r):
            return False
        tid = self.job.send(src, dst, float(attr.get("comm_size", other["attr"].get(
            "comm_size", 0))), (node if send else other)["name"] or "send", self.deps(r, node) + self.deps(peer, other))
        self.task[(r, node["id"])] = self.task[(peer, other["id"])] = tid
        self.seen[key] = self.seen.get(key, 0) + 1
        head[r] += 1
        head[peer] += 1
        return True


def _topological(nodes: list[dict], rank: int, source: str) -> list[dict]:
    """Kahn's order of one rank's nodes, lowest id first among the ready ones."""
    import heapq
    by_id = {n["id"]: n for n in nodes}
    if len(by_id) != len(nodes):
        raise NetworkError(f"{source}: rank {rank} has duplicate node ids")
    waiting = {n["id"]: 0 for n in nodes}
    users: dict[int, list[int]] = {i: [] for i in by_id}
    for n in nodes:
        for d in n["deps"]:
            if d not in by_id:
                raise NetworkError(f"{source}: rank {rank} node {n['id']} depends on "
                                   f"missing node {d}")
            waiting[n["id"]] += 1
            users[d].append(n["id"])
    ready = [i for i, w in waiting.items() if w == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        i = heapq.heappop(ready)
        out.append(by_id[i])
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(out) != len(nodes):
        raise NetworkError(f"{source}: rank {rank} has a dependency cycle")
    return out
