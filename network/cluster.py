"""Run a cluster job over a network model: two engines, one semantics (see `job.py`).

* `messages` — the reference: the whole job becomes one message DAG (compute tasks are
  local messages with a duration, each collective is expanded into its messages, gates and
  joins are zero-byte local messages), run once by the link model. Every interaction
  between concurrent transfers is simulated. Cost grows with the message count.
* `ops` — for scale: tasks are scheduled in order with numpy over their nodes, and every
  communication operation is timed alone on the network from its per-rank start times.
  A ring collective (all-reduce, reduce-scatter, all-gather) on the flow model is not
  expanded at all: its p channels (rank i → i+1) are routed once (`Topology.path`: a
  connection keeps its path), and when the channels share no link each channel's step
  time d_i = chunk / bottleneck + path delay is constant, so the 2(p−1) steps reduce to the
  max-plus recurrence f_s[i] = max(f_{s−1}[i−1], f_{s−1}[i]) + d_i, iterated with numpy
  until it becomes periodic (every entry grows by max d) and then extrapolated. This is
  exact against the message-level flow model (tests check it); if channels do share links,
  one step's flows are water-filled together and reused for every step (an approximation,
  reported). Afterwards every link's use intervals are checked: operations that overlapped
  on a link were timed as if alone, and the result says so (`exact: false`).

Paths. Both engines (and the packet and Mess models, through `Workload.routes`) take
every route from `Topology.path(src, dst)`: one path per (src, dst) pair on an ECMP
fabric, so the same job gets the same spines and the same way round a ring in either
engine. (They used to hash their own numbering, message ids in the whole-job DAG against
channel or per-collective message ids, and a ring all-to-all differed by 10-11% between
them, unreported.) Where the engines still differ it is in timing, not in paths: the ops
engine times operations alone and says so (`exact: false`, with the reason).

System layer. A job with a `collectives:` section (`job.system`, a
`syslayer.SystemConfig`) runs on the ops engine, and its all-reduces, reduce-scatters and
all-gathers are timed by `syslayer.SystemLayer` (splits, pipelining, reduction cost,
endpoint delay, algorithm per size and per dimension) without expanding anything; the
result notes the algorithm chosen for each distinct collective.

`auto` picks `messages` below `MESSAGE_LIMIT` estimated messages, else `ops`.
"""
from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numpy as np

from . import collectives as coll
from . import syslayer
from .errors import NetworkError
from .flow import FlowModel, flow_delays, max_min_sparse
from .job import Job, Task
from .topology import Topology
from .workload import LinkModel, Workload

__all__ = ["ClusterResult", "simulate", "MESSAGE_LIMIT", "MAX_MESSAGES", "busbw_factor",
           "ring_delivery_times", "work_estimate"]

MESSAGE_LIMIT = 20_000
# Messages a run may simulate, estimated before it starts: a ring all-reduce over p ranks
# expanded into messages is 2p(p-1) of them, so 16k ranks on the packet model (5e8) or
# 10^6 ranks on any expanded path ran on with no sign of progress. The flow model's ring
# fast path (ops engine) expands nothing and is not counted.
MAX_MESSAGES = 5_000_000
_BUILDERS = {"ring_allreduce": coll.ring_allreduce, "tree_allreduce": coll.tree_allreduce,
             "halving_doubling": coll.halving_doubling_allreduce,
             "reduce_scatter": coll.reduce_scatter, "all_gather": coll.all_gather,
             "all_to_all": coll.all_to_all, "broadcast": coll.broadcast, "reduce": coll.reduce,
             "gather": coll.gather, "scatter": coll.scatter, "barrier": coll.barrier}
_RING_STEPS = {"ring_allreduce": lambda p: 2 * (p - 1), "reduce_scatter": lambda p: p - 1,
               "all_gather": lambda p: p - 1}


def busbw_factor(task: Task) -> float:
    p = len(task.nodes)
    if task.kind == "send":
        return 1.0
    if task.algorithm in ("ring_allreduce", "tree_allreduce", "halving_doubling"):
        return 2 * (p - 1) / p
    if task.algorithm in ("broadcast", "reduce"):
        return 1.0
    if task.algorithm == "barrier":
        return 0.0
    return (p - 1) / p


@dataclass
class ClusterResult:
    job: Job
    model: str
    engine: str
    start: list[np.ndarray]            # per task: start on each of its nodes
    end: list[np.ndarray]              # per task: end on each of its nodes
    exact: bool = True
    notes: list[str] = field(default_factory=list)
    messages: int = 0
    wall_s: float = 0.0
    step_time_ci: tuple[float, float] | None = None

    @property
    def step_time(self) -> float:
        return max((float(e.max()) for e in self.end), default=0.0)

    def node_events(self) -> tuple[np.ndarray, ...]:
        """Flat timeline: (task id, node, start, end, is_comm), sends on both endpoints."""
        tids, nodes, starts, ends, comm = [], [], [], [], []
        for t, s, e in zip(self.job.tasks, self.start, self.end):
            tids.append(np.full(len(t.nodes), t.id))
            nodes.append(t.nodes)
            starts.append(s)
            ends.append(e)
            comm.append(np.full(len(t.nodes), t.comm))
        cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt))
        return (cat(tids, np.int64), cat(nodes, np.int64), cat(starts, float),
                cat(ends, float), cat(comm, bool))

    def breakdown(self) -> dict:
        """Compute, communication and exposed communication of the critical node (the
        node that finishes last): exposed = time communicating while not computing."""
        _, nodes, starts, ends, comm = self.node_events()
        if len(nodes) == 0:
            return {"critical_node": 0, "compute_s": 0.0, "comm_s": 0.0, "exposed_comm_s": 0.0}
        node = int(nodes[np.argmax(ends)])
        mine = nodes == node
        busy = _union(starts[mine & ~comm], ends[mine & ~comm])
        talk = _union(starts[mine & comm], ends[mine & comm])
        return {"critical_node": node, "compute_s": _length(busy), "comm_s": _length(talk),
                "exposed_comm_s": _length(talk) - _overlap(talk, busy)}

    def parts(self) -> list[dict]:
        """Per part of a colocated job: its nodes, first start and last end (s)."""
        rows = []
        for name, (a, b) in self.job.parts.items():
            tasks = range(a, b)
            nodes = np.unique(np.concatenate([self.job.tasks[i].nodes for i in tasks]))
            rows.append({"part": name, "nodes": int(len(nodes)),
                         "start_s": min(float(self.start[i].min()) for i in tasks),
                         "end_s": max(float(self.end[i].max()) for i in tasks)})
        return rows

    def collectives(self) -> list[dict]:
        rows = []
        for t, s, e in zip(self.job.tasks, self.start, self.end):
            if not t.comm:
                continue
            span = float(e.max() - s.min())
            algbw = t.nbytes / span if span > 0 else math.inf
            rows.append({"task": t.id, "name": t.name, "algorithm": t.algorithm or "send",
                         "ranks": len(t.nodes), "bytes": t.nbytes, "time_s": span,
                         "algbw_Bps": algbw, "busbw_Bps": algbw * busbw_factor(t)})
        return rows


def _union(starts: np.ndarray, ends: np.ndarray) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(zip(starts.tolist(), ends.tolist())):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(a, b) for a, b in out]


def _length(intervals) -> float:
    return float(sum(b - a for a, b in intervals))


def _overlap(xs, ys) -> float:
    total, j = 0.0, 0
    for a, b in xs:
        while j < len(ys) and ys[j][1] <= a:
            j += 1
        k = j
        while k < len(ys) and ys[k][0] < b:
            total += max(0.0, min(b, ys[k][1]) - max(a, ys[k][0]))
            k += 1
    return total


def simulate(job: Job, topology: Topology, model: LinkModel, engine: str = "auto",
             durations: np.ndarray | None = None) -> ClusterResult:
    """Run `job`; `durations` overrides the compute tasks' seconds (for CI bounds)."""
    if job.n_nodes > topology.n_nodes:
        raise NetworkError(f"job '{job.name}' uses {job.n_nodes} nodes but the topology "
                           f"'{topology.name}' has {topology.n_nodes}")
    if job.system is not None:
        if engine == "messages":
            raise NetworkError("the collective system layer (`collectives:`) runs in the ops "
                               "engine", "use --engine ops or auto, or drop `collectives:`")
        if not isinstance(model, FlowModel):
            raise NetworkError(f"the collective system layer times collectives with flow-level "
                               f"semantics; the {model.name} model is not supported",
                               "use the flow model (network kind: flow)")
        engine = "ops"
    if engine == "auto":
        engine = "messages" if job.message_estimate() <= MESSAGE_LIMIT else "ops"
    if engine not in ("messages", "ops"):
        raise NetworkError(f"unknown engine '{engine}'", "use auto, messages or ops")
    check_work(job, model, engine)
    seconds = np.array([t.seconds for t in job.tasks]) if durations is None else durations
    wall = _time.perf_counter()
    if hasattr(model, "note"):             # the Mess model's convergence, for this run only
        model.stats.update(runs=0, iterations=0, residual=0.0, unconverged=0)
    result = (_MessageEngine if engine == "messages" else _OpsEngine)(
        job, topology, model, seconds).run()
    result.wall_s = _time.perf_counter() - wall
    if hasattr(model, "note") and model.stats["runs"]:
        result.notes.append(model.note())
    return result


def work_estimate(job: Job, model: LinkModel, engine: str) -> int:
    """Messages the `engine` would simulate: the whole job's for `messages`; for `ops`, those
    of each distinct communication operation it expands (identical ones are reused)."""
    if engine == "messages":
        return job.message_estimate()
    fast_ring = isinstance(model, FlowModel)
    closed = set(syslayer.KINDS) if job.system is not None else set(_RING_STEPS)
    seen, total = set(), 0
    for task in job.tasks:
        if task.kind == "send":
            total += 1
        elif task.kind == "collective" and not (fast_ring and task.algorithm in closed):
            key = (task.algorithm, len(task.nodes), task.nbytes)
            if key not in seen:
                seen.add(key)
                total += Job("one", job.n_nodes, [task]).message_estimate()
    return total


def check_work(job: Job, model: LinkModel, engine: str) -> None:
    """Refuse a run estimated above MAX_MESSAGES, before it starts."""
    need = work_estimate(job, model, engine)
    if need > MAX_MESSAGES:
        raise NetworkError(f"the {engine} engine would simulate about {need:,} messages on the "
                           f"{model.name} model; the limit is {MAX_MESSAGES:,}",
                           "large rings: the flow model with the ops engine (--network flow "
                           "--engine ops) times them without expanding; or use fewer nodes")


def with_ci(job: Job, topology: Topology, model: LinkModel, engine: str = "auto"
            ) -> ClusterResult:
    """`simulate`, plus the step time at the low and high ends of the compute CIs (the
    schedule is monotone in every duration, so these bound the step time)."""
    result = simulate(job, topology, model, engine)
    if any(t.ci for t in job.tasks):
        ends = []
        for side in (0, 1):
            d = np.array([t.ci[side] if t.ci else t.seconds for t in job.tasks])
            ends.append(simulate(job, topology, model, result.engine, d).step_time)
        result.step_time_ci = (ends[0], ends[1])
    return result


class _Dependencies:
    """The 'on my node, else the dependency's last node' rule, for the ops engine."""

    def __init__(self, job: Job, end: list):
        self.job, self.end = job, end

    def ready(self, task: Task) -> np.ndarray:
        gate = np.zeros(len(task.nodes))
        for d in task.deps:
            dep, fin = self.job.tasks[d], self.end[d]
            if dep.nodes is task.nodes or (len(dep.nodes) == len(task.nodes)
                                           and np.array_equal(dep.nodes, task.nodes)):
                np.maximum(gate, fin, out=gate)
                continue
            full = np.full(self.job.n_nodes, fin.max())
            full[dep.nodes] = fin
            np.maximum(gate, full[task.nodes], out=gate)
        return gate


class _OpsEngine:
    def __init__(self, job: Job, topology: Topology, model: LinkModel, seconds: np.ndarray):
        self.job, self.topo, self.model, self.seconds = job, topology, model, seconds
        self.flow = isinstance(model, FlowModel)
        self.cache: dict = {}
        self.channels: dict = {}
        self.uses: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # links, t0, t1
        self.notes: list[str] = []
        self.exact = True
        self.system = (syslayer.SystemLayer(topology, job.system, getattr(model, "mtu", None))
                       if job.system is not None else None)
        self.chosen: dict[str, list] = {}        # system layer: algorithm -> [count, example]

    def run(self) -> ClusterResult:
        job, n = self.job, self.job.n_nodes
        compute_free, comm_free = np.zeros(n), np.zeros(n)
        start: list[np.ndarray] = []
        end: list[np.ndarray] = []
        deps = _Dependencies(job, end)
        for task in job.tasks:
            gate = deps.ready(task)
            if task.kind == "compute":
                s = np.maximum(gate, compute_free[task.nodes])
                e = s + self.seconds[task.id]
                compute_free[task.nodes] = e
            elif task.kind == "collective":
                s = np.maximum(gate, comm_free[task.nodes])
                e = self.collective(task, s)
                comm_free[task.nodes] = e
            else:
                src, dst = int(task.nodes[0]), int(task.nodes[1])
                t0 = max(float(gate.max()), float(comm_free[src]))
                t1 = self.send(src, dst, task.nbytes, t0)
                s, e = np.array([t0, t0]), np.array([t1, t1])
                comm_free[src] = t1
            start.append(s)
            end.append(e)
        for algorithm, (count, name, t) in self.chosen.items():
            self.notes.append(f"system layer: {algorithm} for {count} distinct collective(s), "
                              f"e.g. '{name}' {t * 1e6:.3f} us")
        overlaps = self.check_overlaps()
        if overlaps:
            self.exact = False
            self.notes.append(f"{overlaps} link(s) carried communication operations that "
                              "overlapped in time; the ops engine timed each alone "
                              "(use --engine messages for their interaction)")
        return ClusterResult(job, self.model.name, "ops", start, end, self.exact, self.notes)

    # -- communication timed alone -------------------------------------------------------
    def send(self, src: int, dst: int, nbytes: float, t0: float) -> float:
        key = ("send", src, dst, nbytes)
        if key not in self.cache:
            w = Workload()
            w.send(src, dst, nbytes)
            run = self.model.run(self.topo, w)
            self.cache[key] = float(run.finish[0])
        t1 = t0 + self.cache[key]
        route = np.array(self.topo.path(src, dst), dtype=np.int64)
        self.uses.append((route, np.full(len(route), t0), np.full(len(route), t1)))
        return t1

    def collective(self, task: Task, gate: np.ndarray) -> np.ndarray:
        uniform = bool(np.all(gate == gate[0]))
        key = (task.algorithm, task.nodes.tobytes(), task.nbytes)
        if uniform and key in self.cache:
            rel, links, u0, u1 = self.cache[key]
            self.uses.append((links, u0 + gate[0], u1 + gate[0]))
            return rel + gate[0]
        origin = gate[0] if uniform else 0.0
        if self.system is not None and task.algorithm in syslayer.KINDS:
            ends, uses = self.planned(task, gate - origin)
        elif self.flow and task.algorithm in _RING_STEPS:
            ends, uses = self.ring(task, gate - origin)
        else:
            ends, uses = self.expanded(task, gate - origin)
        if uniform:
            self.cache[key] = (ends, *uses)
        self.uses.append((uses[0], uses[1] + origin, uses[2] + origin))
        return ends + origin

    def planned(self, task: Task, gate: np.ndarray):
        """The system layer's time: every rank leaves when the last has joined + T."""
        plan = self.system.plan(task.algorithm, task.nodes, task.nbytes)
        seen = self.chosen.setdefault(plan.algorithm, [0, task.name, plan.time])
        seen[0] += 1
        t0 = float(gate.max())
        ends = np.full(len(gate), t0 + plan.time)
        return ends, (plan.links, np.full(len(plan.links), t0),
                      np.full(len(plan.links), t0 + plan.time))

    def ring(self, task: Task, gate: np.ndarray):
        ranks = task.nodes
        p = len(ranks)
        routes, flat, offsets, disjoint = self.ring_channels(ranks)
        chunk = task.nbytes / p
        if disjoint:
            rate = np.minimum.reduceat(self.topo.bandwidth[flat], offsets)
        else:
            rows = np.repeat(np.arange(p), np.diff(np.append(offsets, len(flat))))
            used, cols = np.unique(flat, return_inverse=True)
            rate = max_min_sparse(rows, cols.ravel(), self.topo.bandwidth[used], p)
            self.exact = False
            self.notes.append(f"'{task.name}': ring channels share links; one step's "
                              "max-min rates were reused for every step (approximate)")
        delay = self.ring_delays(ranks, routes, chunk)
        d = chunk / rate + delay
        last = ring_delivery_times(gate, d, _RING_STEPS[task.algorithm](p))
        ends = np.maximum(np.maximum(last, np.roll(last, 1)), gate)
        counts = np.diff(np.append(offsets, len(flat)))
        return ends, (flat, np.repeat(gate, counts), np.repeat(last, counts))

    def ring_channels(self, ranks: np.ndarray):
        key = ranks.tobytes()
        if key not in self.channels:
            p = len(ranks)
            routes = [self.topo.path(int(ranks[i]), int(ranks[(i + 1) % p]))
                      for i in range(p)]
            lengths = np.array([len(r) for r in routes])
            flat = np.fromiter((l for r in routes for l in r), np.int64, int(lengths.sum()))
            offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            disjoint = len(np.unique(flat)) == len(flat)
            self.channels[key] = (routes, flat, offsets, disjoint, {})
        return self.channels[key][:4]

    def ring_delays(self, ranks: np.ndarray, routes, chunk: float) -> np.ndarray:
        memo = self.channels[ranks.tobytes()][4]
        if chunk not in memo:
            memo[chunk] = flow_delays(self.topo, routes, np.full(len(routes), chunk),
                                      self.model.mtu)
        return memo[chunk]

    def expanded(self, task: Task, gate: np.ndarray):
        """Run the collective's own message DAG alone, each rank starting at its gate."""
        c = _BUILDERS[task.algorithm]([int(r) for r in task.nodes], task.nbytes)
        index = {int(r): i for i, r in enumerate(task.nodes)}
        w = Workload()
        for m in c.workload.messages:
            first = not any(c.workload.messages[d].src == m.src for d in m.deps)
            w.send(m.src, m.dst, m.size, m.deps, float(gate[index[m.src]]) if first else 0.0,
                   m.tag)
        run = self.model.run(self.topo, w)
        ends = gate.copy()
        src = np.array([index[m.src] for m in w.messages])
        dst = np.array([index[m.dst] for m in w.messages])
        np.maximum.at(ends, src, run.finish)
        np.maximum.at(ends, dst, run.finish)
        routes = w.routes(self.topo)
        counts = np.array([len(r) for r in routes])
        links = np.fromiter((l for r in routes for l in r), np.int64, int(counts.sum()))
        return ends, (links, np.repeat(run.ready, counts), np.repeat(run.finish, counts))

    def check_overlaps(self) -> int:
        """Links used by two operations at overlapping times (timed alone: inexact)."""
        if not self.uses:
            return 0
        links = np.concatenate([u[0] for u in self.uses])
        t0 = np.concatenate([u[1] for u in self.uses])
        t1 = np.concatenate([u[2] for u in self.uses])
        owner = np.concatenate([np.full(len(u[0]), i) for i, u in enumerate(self.uses)])
        # one interval per (operation, link): an operation's own messages interact inside
        # its own simulation; only different operations were timed apart
        key = owner * self.topo.n_links + links
        order = np.argsort(key, kind="stable")
        key, t0, t1 = key[order], t0[order], t1[order]
        first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        links = key[first] % self.topo.n_links
        t0, t1 = np.minimum.reduceat(t0, first), np.maximum.reduceat(t1, first)
        order = np.lexsort((t0, links))
        links, t0, t1 = links[order], t0[order], t1[order]
        same = links[1:] == links[:-1]
        run_id = np.cumsum(np.concatenate([[True], ~same])) - 1
        reach = _segment_cummax(t1, run_id)     # latest end among earlier uses of the link
        eps = 1e-12 * max(float(t1.max()), 1e-300)
        clash = same & (t0[1:] < reach[:-1] - eps)
        return int(len(np.unique(links[1:][clash])))


def _segment_cummax(values: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Running maximum of `values` restarted at each new segment id (ids non-decreasing):
    a Hillis–Steele scan, log2(longest segment) numpy passes, no precision loss."""
    out = values.copy()
    shift = 1
    while shift < len(out):
        same = segment[shift:] == segment[:-shift]
        if not same.any():
            break
        out[shift:] = np.where(same, np.maximum(out[shift:], out[:-shift]), out[shift:])
        shift *= 2
    return out


def ring_delivery_times(gate: np.ndarray, d: np.ndarray, steps: int) -> np.ndarray:
    """Delivery times of the last ring step: f_0 = gate + d, then
    f_s[i] = max(f_{s−1}[i−1], f_{s−1}[i]) + d[i]. Once every entry grows by exactly
    max(d) in one step the system is periodic (max-plus linearity), so the remaining steps
    are added in one go."""
    f = gate + d
    lam = float(d.max())
    for s in range(1, steps):
        nxt = np.maximum(np.roll(f, 1), f) + d
        if np.allclose(nxt - f, lam, rtol=0.0, atol=1e-12 * max(float(nxt.max()), 1e-300)):
            return nxt + (steps - 1 - s) * lam
        f = nxt
    return f


class _MessageEngine:
    """The whole job as one message DAG on the link model (the reference semantics)."""

    def __init__(self, job: Job, topology: Topology, model: LinkModel, seconds: np.ndarray):
        self.job, self.topo, self.model, self.seconds = job, topology, model, seconds
        self.w = Workload()
        self.done: list[dict[int, int]] = []     # per task: node -> completion message
        self.all_done: dict[int, int] = {}       # task -> join over all its nodes
        self.spans: list[tuple[list[int], list[int]]] = []   # per task: start/end msgs

    def at(self, d: int, node: int) -> int:
        got = self.done[d].get(node)
        if got is not None:
            return got
        if d not in self.all_done:
            first = int(self.job.tasks[d].nodes[0])
            self.all_done[d] = self.w.send(first, first, 0.0, list(self.done[d].values()),
                                           tag="join")
        return self.all_done[d]

    def run(self) -> ClusterResult:
        compute_last: dict[int, int] = {}
        comm_last: dict[int, int] = {}
        for task in self.job.tasks:
            nodes = [int(v) for v in task.nodes]
            if task.kind == "compute":
                ids = [self.w.send(v, v, 0.0, [self.at(d, v) for d in task.deps]
                                   + [compute_last.get(v)], tag="compute",
                                   duration=float(self.seconds[task.id])) for v in nodes]
                compute_last.update(zip(nodes, ids))
                self.done.append(dict(zip(nodes, ids)))
                self.spans.append((ids, ids))
            elif task.kind == "collective":
                self.collective(task, nodes, comm_last)
            else:
                src, dst = nodes
                gate = self.w.send(src, src, 0.0, [self.at(d, v) for d in task.deps
                                                   for v in (src, dst)]
                                   + [comm_last.get(src)], tag="gate")
                m = self.w.send(src, dst, task.nbytes, [gate], tag="send")
                comm_last[src] = m
                self.done.append({src: m, dst: m})
                self.spans.append(([gate, gate], [m, m]))
        run = self.model.run(self.topo, self.w)
        start = [run.finish[s] if task.comm else run.ready[s]
                 for task, (s, _) in zip(self.job.tasks, self.spans)]
        end = [run.finish[e] for _, e in self.spans]
        note = [] if self.model.name != "packet" or not run.drops else [
            f"{run.drops} packets dropped and resent"]
        return ClusterResult(self.job, self.model.name, "messages",
                             [np.asarray(s, float) for s in start],
                             [np.asarray(e, float) for e in end], True, note, len(self.w))

    def collective(self, task: Task, nodes: list[int], comm_last: dict[int, int]) -> None:
        gates = {v: self.w.send(v, v, 0.0, [self.at(d, v) for d in task.deps]
                                + [comm_last.get(v)], tag="gate") for v in nodes}
        c = _BUILDERS[task.algorithm](nodes, task.nbytes)
        base = len(self.w)
        touching: dict[int, list[int]] = {v: [gates[v]] for v in nodes}
        for m in c.workload.messages:
            own = any(c.workload.messages[d].src == m.src for d in m.deps)
            deps = [base + d for d in m.deps] + ([] if own else [gates[m.src]])
            i = self.w.send(m.src, m.dst, m.size, deps, tag=task.name)
            touching[m.src].append(i)
            touching[m.dst].append(i)
        joins = {v: self.w.send(v, v, 0.0, touching[v], tag="join") for v in nodes}
        comm_last.update(joins)
        self.done.append(joins)
        self.spans.append(([gates[v] for v in nodes], [joins[v] for v in nodes]))
