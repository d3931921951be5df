"""Chakra execution traces (MLCommons `mlc-chakra`), as Chakra's own tools write them.

Where a trace comes from (`load_chakra`, or `trace:` in a job file):

    trace.0.et … trace.N-1.et      protobuf, one file per rank, read with Chakra's own
                                   decoder (`chakra.src.third_party.utils.protolib`);
                                   gzipped files too
    X.{rank}.json / X.{rank}.et    a pattern: '{rank}' is replaced by 0, 1, …; without
                                   `ranks: N` the ranks are the files that exist
    DIR/                           every `*.<rank>.et` or `*.<rank>.json` in it
    DIR/*.et                       a glob; the rank is the number before the extension
    one.json                       every rank in one file: {"ranks": [{"rank": 0,
                                   "nodes": [...]}, ...]}

A JSON file is any of: what `chakra_jsonizer` writes (the GlobalMetadata object followed
by one object per node, back to back), {"nodes": [...]}, or a plain list of nodes. Nodes
have the fields of the protobuf `Node`, snake_case or protobuf-JSON camelCase; as in
protobuf's JSON mapping an absent field is its zero (an absent `id` is 0), and int64
values may be strings.

    type            COMP_NODE, COMM_COLL_NODE, COMM_SEND_NODE, COMM_RECV_NODE (METADATA and
                    MEM_* nodes are zero-time steps); the name or the enum number
    data_deps, ctrl_deps   ids of nodes of the same rank this one waits for
    duration_micros compute time; when 0, a compute model prices the kernel from attrs
                    num_ops (flops) and tensor_size (bytes) if both are there
    attr            list of {name, <kind>_val} (AttributeProto) or a {name: value} mapping:
                    comm_type (Chakra's CollectiveCommType, number or name), comm_size
                    (bytes), comm_src / comm_dst / comm_tag (send/recv), comm_group or
                    pg_ranks (the ranks of a collective; default all ranks)

Matching. The k-th collective of a group on each member rank (in the rank's dependency
order, lowest id first among ready nodes) is one collective; its root (broadcast, reduce,
gather, scatter) is the group's first rank, or attr `root`/`comm_root`. Sends and receives
match as MPI does: the k-th send from a to b with tag t is the k-th receive on b from a
with tag t, whichever side comes first in either rank's order. A send leaves when its own
dependencies are done (eager, as ASTRA-sim and small-message MPI do); the receive is done
when the data has arrived and the receive's own dependencies are done.

Checked before anything is simulated, each error naming the file, rank and node ids:
missing dependencies, dependency cycles (the ids on the cycle), a collective without
comm_type or comm_size, a send/receive without its peer or without a match, a collective
whose group members disagree, a trace whose compute nodes all last 0 (a step time of 0
is not an answer), and a deadlock across ranks (the nodes each rank waits at). With
`strict=False` (job file `strict: false`), missing dependencies are dropped, cycles are
cut at their back edges, untyped collectives are all-reduces, missing sizes are 0 and
all-zero durations run, each with a NetworkWarning naming the nodes. Malformed fields
(non-integer ids, negative or non-finite sizes and durations, absurd values) are always
errors.
"""
from __future__ import annotations

import heapq
import math
import warnings
from pathlib import Path
from typing import Any

from .chakra_files import LIST_IDS, ids_text, read_trace_file, trace_files
from .compute import ComputeModel, Kernel
from .errors import NetworkError, NetworkWarning
from .job import Job

__all__ = ["load_chakra", "parse_chakra", "trace_files", "read_trace_file", "NODE_TYPES",
           "COMM_TYPES"]

NODE_TYPES = {0: "INVALID_NODE", 1: "METADATA_NODE", 2: "MEM_LOAD_NODE", 3: "MEM_STORE_NODE",
              4: "COMP_NODE", 5: "COMM_SEND_NODE", 6: "COMM_RECV_NODE", 7: "COMM_COLL_NODE"}
# Chakra's CollectiveCommType (et_def.proto)
COMM_TYPES = {0: "ALL_REDUCE", 1: "REDUCE", 2: "ALL_GATHER", 3: "GATHER", 4: "SCATTER",
              5: "BROADCAST", 6: "ALL_TO_ALL", 7: "REDUCE_SCATTER", 8: "REDUCE_SCATTER_BLOCK",
              9: "BARRIER"}
_ALGORITHM = {"ALL_REDUCE": "ring_allreduce", "ALL_GATHER": "all_gather",
              "ALL_TO_ALL": "all_to_all", "REDUCE_SCATTER": "reduce_scatter",
              "REDUCE_SCATTER_BLOCK": "reduce_scatter", "BROADCAST": "broadcast",
              "REDUCE": "reduce", "GATHER": "gather", "SCATTER": "scatter",
              "BARRIER": "barrier"}
_ROOTED = ("BROADCAST", "REDUCE", "GATHER", "SCATTER")

# A kernel longer than this (about 11.6 days) is taken as a unit mistake, not a trace.
MAX_DURATION_US = 1e12
# Bytes of one collective or send: 1 PB; more is a mistake, not a trace.
MAX_COMM_BYTES = 1e15


# ------------------------------------------------------------------ loading
def load_chakra(path: str | Path, model: ComputeModel | None = None,
                ranks: int | None = None, strict: bool = True) -> Job:
    files = trace_files(path, ranks)
    if files is None:
        return parse_chakra(read_trace_file(Path(path)), model, str(path), strict)
    per_rank = {"ranks": [{"rank": r, "nodes": _nodes(read_trace_file(f), str(f), r)}
                          for r, f in files]}
    return parse_chakra(per_rank, model, str(path), strict)


def _nodes(data: Any, source: str, rank: Any = 0) -> list:
    """The node list of one rank's data: the data itself if a list, else its 'nodes'."""
    nodes = data.get("nodes", []) if isinstance(data, dict) else data
    if not isinstance(nodes, list):
        raise NetworkError(f"{source}: rank {rank}: 'nodes' must be a list of node objects, "
                           f"got {type(nodes).__name__}")
    return nodes


# ------------------------------------------------------------------ nodes
def parse_chakra(data: Any, model: ComputeModel | None = None, source: str = "<trace>",
                 strict: bool = True) -> Job:
    ranks = _ranks(data, source)
    if sorted(ranks) != list(range(len(ranks))):
        raise NetworkError(f"{source}: ranks must be 0..N-1, got {sorted(ranks)}")
    nodes = {r: [_node(n, r, i, source) for i, n in enumerate(ns)] for r, ns in ranks.items()}
    if not any(nodes.values()):
        # an empty trace would simulate to a step time of 0, which looks like an answer
        raise NetworkError(f"{source}: the trace has no nodes",
                           "a Chakra trace lists nodes per rank: {\"nodes\": [{\"id\": 1, ...}]}")
    return _Builder(nodes, len(ranks), model, source, strict).build()


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


_NOT_VALUES = ("name", "doc_string", "docString")


def _attrs(node: dict, where: str) -> dict:
    raw = node.get("attr", node.get("attrs", []))
    if isinstance(raw, dict):
        return dict(raw)
    if not isinstance(raw, list):
        raise NetworkError(f"{where}: 'attr' must be a list of {{name, <kind>_val}} objects "
                           f"or a {{name: value}} mapping, got {type(raw).__name__}")
    out = {}
    for i, a in enumerate(raw):
        if not isinstance(a, dict) or not isinstance(a.get("name"), str):
            raise NetworkError(f"{where}: attr[{i}] must be an object with a 'name', got {a!r}")
        values = [v for k, v in a.items() if k not in _NOT_VALUES]
        # protobuf's JSON omits a zero value: {"name": "comm_type"} is ALL_REDUCE (0)
        value = values[0] if values else 0
        if isinstance(value, dict):                               # *_list attributes
            value = value.get("values", [])
        out[a["name"]] = int(value) if isinstance(value, str) and value.isdigit() else value
    return out


def _node(raw: Any, rank: int, index: int, source: str) -> dict:
    if not isinstance(raw, dict):
        raise NetworkError(f"{source}: rank {rank} node #{index}: a node must be an object, "
                           f"got {type(raw).__name__}")
    # protobuf's JSON mapping omits fields equal to 0: no 'id' is id 0
    node_id = _int(raw.get("id", 0), f"{source}: rank {rank} node #{index}: 'id'")
    where = f"{source}: rank {rank} node {node_id}"
    kind = _get(raw, "type", 0 if _looks_empty(raw) else 4)
    kind = NODE_TYPES.get(kind, kind) if isinstance(kind, int) else str(kind)
    if kind not in NODE_TYPES.values():
        raise NetworkError(f"{where}: unknown type {kind!r}",
                           f"one of {', '.join(NODE_TYPES.values())}")
    deps = [_int(d, f"{where}: a dependency") for key in ("data_deps", "ctrl_deps")
            for d in _list(_get(raw, key, []), f"{where}: '{key}'")]
    attr = _attrs(raw, where)
    if "comm_size" in attr:
        attr["comm_size"] = _number(attr["comm_size"], f"{where}: comm_size (bytes)",
                                    MAX_COMM_BYTES)
    for key in ("comm_src", "comm_dst", "comm_tag", "root", "comm_root"):
        if key in attr:
            attr[key] = _int(attr[key], f"{where}: {key}")
    for key in ("num_ops", "tensor_size"):
        if key in attr:
            attr[key] = _number(attr[key], f"{where}: {key}", math.inf)
    return {"id": node_id, "index": index, "name": str(raw.get("name", "")), "type": kind,
            "deps": list(dict.fromkeys(deps)), "attr": attr,
            "us": _number(_get(raw, "duration_micros", 0) or 0,
                          f"{where}: duration_micros", MAX_DURATION_US)}


def _looks_empty(raw: dict) -> bool:
    """A node with no type but other fields is a compute node (the old JSON form); one
    with nothing at all is protobuf's all-zero node, INVALID_NODE."""
    return not raw


def _list(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise NetworkError(f"{what} must be a list of node ids, got {value!r}")
    return value




# ------------------------------------------------------------------ checks per rank
def _problem(strict: bool, message: str, hint: str | None = None) -> None:
    """An error, or with strict=False a warning (the caller then repairs the trace)."""
    if strict:
        raise NetworkError(message, (hint + "; " if hint else "") +
                           "strict: false (job file) turns this into a warning")
    warnings.warn(message, NetworkWarning, stacklevel=3)


def _check_rank(nodes: list[dict], rank: int, source: str, strict: bool) -> list[dict]:
    """The rank's nodes in dependency order (Kahn, lowest id first among the ready)."""
    by_id: dict[int, dict] = {}
    for n in nodes:
        if n["id"] in by_id:
            other = by_id[n["id"]]
            raise NetworkError(f"{source}: rank {rank} has two nodes with id {n['id']} "
                               f"(nodes #{other['index']} and #{n['index']})",
                               "protobuf's JSON omits an id of 0: a node without 'id' is "
                               "node 0")
        by_id[n["id"]] = n
    missing = {n["id"]: [d for d in n["deps"] if d not in by_id] for n in nodes}
    missing = {i: ds for i, ds in missing.items() if ds}
    if missing:
        listed = "; ".join(f"node {i} on {ids_text(ds, 4)}" for i, ds in list(missing.items())[:LIST_IDS])
        more = f" (and {len(missing) - LIST_IDS} more nodes)" if len(missing) > LIST_IDS else ""
        _problem(strict, f"{source}: rank {rank}: dependencies on missing nodes: {listed}{more}",
                 "every id in data_deps/ctrl_deps must be a node of the same rank")
        for n in nodes:
            n["deps"] = [d for d in n["deps"] if d in by_id]
    order = _kahn(nodes, by_id)
    if len(order) != len(nodes):
        done = {n["id"] for n in order}
        cycle = _find_cycle([n for n in nodes if n["id"] not in done], by_id)
        _problem(strict, f"{source}: rank {rank}: a dependency cycle through nodes "
                         f"{' -> '.join(str(i) for i in cycle)}",
                 "a trace's dependencies must form a DAG")
        for n in nodes:        # cut back edges: a node keeps only deps with a smaller id
            if n["id"] not in done:
                n["deps"] = [d for d in n["deps"] if d in done or d < n["id"]]
        order = _kahn(nodes, by_id)
    return order


def _kahn(nodes: list[dict], by_id: dict[int, dict]) -> list[dict]:
    waiting = {n["id"]: len(n["deps"]) for n in nodes}
    users: dict[int, list[int]] = {i: [] for i in by_id}
    for n in nodes:
        for d in n["deps"]:
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
    return out


def _find_cycle(stuck: list[dict], by_id: dict[int, dict]) -> list[int]:
    """One cycle among nodes Kahn could not order: walk dependencies until one repeats."""
    inside = {n["id"] for n in stuck}
    node, path, seen = min(inside), [], {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(d for d in by_id[node]["deps"] if d in inside)
    return path[seen[node]:] + [node]


# ------------------------------------------------------------------ building the job
class _Builder:
    """Merges the per-rank graphs into one job, in a dependency order across ranks."""

    def __init__(self, nodes: dict[int, list[dict]], n: int, model, source: str, strict: bool):
        self.n, self.model, self.source, self.strict = n, model, source, strict
        self.order = {r: _check_rank(ns, r, source, strict) for r, ns in nodes.items()}
        self.job = Job("chakra", n, description=f"Chakra trace {source}, {n} ranks")
        self.tasks: dict[tuple[int, int], tuple[int, ...]] = {}   # (rank, id) -> task ids
        self._check_types()
        self._check_durations()

    def where(self, r: int, node: dict) -> str:
        return f"{self.source}: rank {r} node {node['id']}"

    def _check_types(self) -> None:
        untyped, unsized = [], []
        for r, ns in self.order.items():
            for node in ns:
                if node["type"] != "COMM_COLL_NODE":
                    continue
                attr = node["attr"]
                comm = attr.get("comm_type")
                if comm is None:
                    untyped.append((r, node["id"]))
                    attr["comm_type"] = 0
                elif isinstance(comm, int) or (isinstance(comm, str) and comm.isdigit()):
                    if int(comm) not in COMM_TYPES:
                        raise NetworkError(f"{self.where(r, node)}: comm_type {comm} is not "
                                           "supported (not a Chakra CollectiveCommType)",
                                           f"one of {_names(COMM_TYPES)}")
                    attr["comm_type"] = COMM_TYPES[int(comm)]
                elif str(comm) not in _ALGORITHM:
                    raise NetworkError(f"{self.where(r, node)}: collective type {comm!r} is "
                                       "not supported", f"one of {sorted(_ALGORITHM)}")
                attr["comm_type"] = COMM_TYPES.get(attr["comm_type"], attr["comm_type"])
                if "comm_size" not in attr and attr["comm_type"] != "BARRIER":
                    unsized.append((r, node["id"]))
        if untyped:
            _problem(self.strict, f"{self.source}: collective nodes without comm_type (rank, "
                     f"id): {ids_text(untyped)}", "Chakra's comm_type: ALL_REDUCE=0 … BARRIER=9; "
                     "without it they would be taken as all-reduces")
        if unsized:
            _problem(self.strict, f"{self.source}: collective nodes without comm_size (rank, "
                     f"id): {ids_text(unsized)}", "without it they would move 0 bytes")

    def _check_durations(self) -> None:
        comp = [(r, n) for r, ns in self.order.items() for n in ns if n["type"] == "COMP_NODE"]
        timed = [1 for _, n in comp if n["us"] > 0 or ("num_ops" in n["attr"] and self.model)]
        if comp and not timed:
            _problem(self.strict, f"{self.source}: all {len(comp)} compute nodes last 0 µs "
                     f"(rank, id): {ids_text((r, n['id']) for r, n in comp)}",
                     "set duration_micros, or num_ops/tensor_size with a compute model")
        comm = any(n["type"].startswith("COMM_") for ns in self.order.values() for n in ns)
        if not comp and not comm:
            kinds = sorted({n["type"] for ns in self.order.values() for n in ns})
            _problem(self.strict, f"{self.source}: nothing in the trace takes time: no compute "
                     f"or communication nodes, only {', '.join(kinds)}")

    # -- matching, then one global topological order over "units" -----------------------
    def build(self) -> Job:
        units = self._units()
        unit_of = {key: u for u, unit in enumerate(units) for key in unit["keys"]}
        needs: list[set[int]] = []
        for u, unit in enumerate(units):
            want = {unit_of[(r, d)] for r, node in unit["nodes"] for d in node["deps"]}
            if unit["kind"] == "recv":
                want.add(unit_of[unit["send"]])
            want.discard(u)
            needs.append(want)
        users: list[list[int]] = [[] for _ in units]
        for u, want in enumerate(needs):
            for w in want:
                users[w].append(u)
        waiting = [len(w) for w in needs]
        ready = [(units[u]["order"], u) for u in range(len(units)) if waiting[u] == 0]
        heapq.heapify(ready)
        emitted = 0
        while ready:
            _, u = heapq.heappop(ready)
            self.emit(units[u])
            emitted += 1
            for v in users[u]:
                waiting[v] -= 1
                if waiting[v] == 0:
                    heapq.heappush(ready, (units[v]["order"], v))
        if emitted < len(units):
            self._deadlock(units, waiting)
        return self.job

    def _units(self) -> list[dict]:
        """Every node once: alone, or with the other members of its collective; receives
        point at their matched send."""
        units: list[dict] = []
        colls: dict[tuple, list] = {}         # (group, k) -> [(rank, node)]
        coll_count: dict[tuple, int] = {}
        sends: dict[tuple, list] = {}          # (src, dst, tag) -> [(rank, node)] in order
        recvs: dict[tuple, list] = {}
        for r, ns in self.order.items():
            for pos, node in enumerate(ns):
                kind = node["type"]
                if kind == "COMM_COLL_NODE":
                    group = self._group(r, node)
                    k = coll_count.get((group, r), 0)
                    coll_count[(group, r)] = k + 1
                    colls.setdefault((group, k), []).append((r, node, pos))
                elif kind in ("COMM_SEND_NODE", "COMM_RECV_NODE"):
                    key = self._p2p_key(r, node)
                    (sends if kind == "COMM_SEND_NODE" else recvs).setdefault(key, []).append(
                        (r, node, pos))
                else:
                    units.append({"kind": "local", "nodes": [(r, node)],
                                  "keys": [(r, node["id"])], "order": (pos, r)})
        for (group, k), members in colls.items():
            ranks = [m for m, _, _ in members]
            if sorted(ranks) != sorted(group):
                absent = sorted(set(group) - set(ranks))
                first = members[0]
                raise NetworkError(
                    f"{self.source}: collective #{k} of group {ids_text(group)} (rank {first[0]} "
                    f"node {first[1]['id']}) has no match on rank(s) {ids_text(absent)}: the trace deadlocks",
                    "every member rank must have as many collectives of that group")
            types = {node["attr"]["comm_type"] for _, node, _ in members}
            sizes = {node["attr"].get("comm_size", 0.0) for _, node, _ in members}
            if len(types) > 1:
                raise NetworkError(f"{self.source}: collective #{k} of group {ids_text(group)} is "
                                   f"{' / '.join(sorted(types))} on different ranks (nodes "
                                   f"{ids_text((m, n['id']) for m, n, _ in members)})")
            units.append({"kind": "coll", "group": group, "nodes": [(m, n) for m, n, _ in members],
                          "keys": [(m, n["id"]) for m, n, _ in members], "size": max(sizes),
                          "order": (max(p for _, _, p in members), min(ranks))})
        for key in sorted(set(sends) | set(recvs)):
            s, v = sends.get(key, []), recvs.get(key, [])
            if len(s) != len(v):
                extra = (s[len(v):], "send") if len(s) > len(v) else (v[len(s):], "receive")
                src, dst, tag = key
                raise NetworkError(
                    f"{self.source}: {len(s)} send(s) from rank {src} to rank {dst} with tag "
                    f"{tag} but {len(v)} receive(s): unmatched {extra[1]} node(s) "
                    f"{ids_text(n['id'] for _, n, _ in extra[0])} on rank "
                    f"{extra[0][0][0]}", "sends and receives match by peer and tag, in order")
            for (sr, sn, sp), (rr, rn, rp) in zip(s, v):
                size = sn["attr"].get("comm_size", rn["attr"].get("comm_size"))
                if size is None:
                    _problem(self.strict, f"{self.where(sr, sn)}: a send without comm_size "
                             f"(nor on its receive, rank {rr} node {rn['id']})")
                    size = 0.0
                units.append({"kind": "send", "nodes": [(sr, sn)], "keys": [(sr, sn["id"])],
                              "dst": rr, "size": float(size), "order": (sp, sr)})
                units.append({"kind": "recv", "nodes": [(rr, rn)], "keys": [(rr, rn["id"])],
                              "send": (sr, sn["id"]), "order": (rp, rr)})
        return units

    def _group(self, r: int, node: dict) -> tuple[int, ...]:
        attr = node["attr"]
        group = attr.get("comm_group", attr.get("pg_ranks")) or list(range(self.n))
        if not isinstance(group, list):
            raise NetworkError(f"{self.where(r, node)}: comm_group must be a list of ranks, "
                               f"got {group!r}")
        group = tuple(_int(g, f"{self.where(r, node)}: comm_group") for g in group)
        bad = [g for g in group if not 0 <= g < self.n]
        if bad or r not in group or len(set(group)) != len(group):
            raise NetworkError(f"{self.where(r, node)}: comm_group {list(group)} must list "
                               f"distinct ranks of 0..{self.n - 1}, this one ({r}) included")
        return group

    def _p2p_key(self, r: int, node: dict) -> tuple[int, int, int]:
        attr = node["attr"]
        send = node["type"] == "COMM_SEND_NODE"
        peer_key = "comm_dst" if send else "comm_src"
        if peer_key not in attr:
            raise NetworkError(f"{self.where(r, node)}: a {node['type']} needs the attribute "
                               f"{peer_key}")
        peer = attr[peer_key]
        if not 0 <= peer < self.n or peer == r:
            raise NetworkError(f"{self.where(r, node)}: {peer_key} {peer} is not another rank "
                               f"(0..{self.n - 1})")
        tag = attr.get("comm_tag", 0)
        return (r, peer, tag) if send else (peer, r, tag)

    def _deadlock(self, units: list[dict], waiting: list[int]) -> None:
        stuck: dict[int, list[int]] = {}
        for u, unit in enumerate(units):
            if waiting[u] > 0:
                for r, node in unit["nodes"]:
                    stuck.setdefault(r, []).append(node["id"])
        text = "; ".join(f"rank {r} at node(s) {ids_text(sorted(ids), 4)}"
                         for r, ids in sorted(stuck.items())[:LIST_IDS])
        raise NetworkError(f"{self.source}: the trace deadlocks: {text} wait for each other "
                           "across ranks (a receive whose send waits for it, or collectives "
                           "in different orders)")

    # -- tasks -------------------------------------------------------------------------
    def deps(self, r: int, node: dict) -> list[int]:
        return [t for d in node["deps"] for t in self.tasks[(r, d)]]

    def emit(self, unit: dict) -> None:
        kind = unit["kind"]
        if kind == "coll":
            self.collective(unit)
        elif kind == "send":
            (r, node), = unit["nodes"]
            tid = self.job.send(r, unit["dst"], unit["size"], node["name"] or "send",
                                self.deps(r, node))
            self.tasks[(r, node["id"])] = (tid,)
        elif kind == "recv":
            # done when the data is in and the receive's own dependencies are done
            (r, node), = unit["nodes"]
            self.tasks[(r, node["id"])] = tuple(dict.fromkeys(
                self.tasks[unit["send"]] + tuple(self.deps(r, node))))
        else:
            (r, node), = unit["nodes"]
            self.tasks[(r, node["id"])] = (self.local(r, node),)

    def local(self, r: int, node: dict) -> int:
        seconds, attr = node["us"] * 1e-6, node["attr"]
        if node["type"] == "COMP_NODE" and seconds == 0 and "num_ops" in attr \
                and self.model is not None:
            seconds = self.model.estimate(Kernel(node["name"], float(attr["num_ops"]),
                                                 float(attr.get("tensor_size", 0)))).seconds
        return self.job.compute([r], seconds, node["name"] or node["type"], self.deps(r, node))

    def collective(self, unit: dict) -> None:
        group, members = list(unit["group"]), unit["nodes"]
        r0, first = members[0]
        comm = first["attr"]["comm_type"]
        if comm in _ROOTED:          # the root first: the builders send from ranks[0]
            root = first["attr"].get("root", first["attr"].get("comm_root", group[0]))
            if root not in group:
                raise NetworkError(f"{self.where(r0, first)}: root {root} is not in the group "
                                   f"{group}")
            group = group[group.index(root):] + group[:group.index(root)]
        deps = [d for m, node in members for d in self.deps(m, node)]
        if len(group) == 1:          # a collective of one rank moves nothing
            tid = self.job.compute(group, 0.0, first["name"] or comm.lower(), deps)
        else:
            tid = self.job.collective(_ALGORITHM[comm], group, unit["size"],
                                      first["name"] or comm.lower(), deps)
        for m, node in members:
            self.tasks[(m, node["id"])] = (tid,)


def _names(table: dict[int, str]) -> str:
    return ", ".join(f"{v}={k}" for k, v in table.items())
