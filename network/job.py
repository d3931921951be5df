"""Cluster jobs: tasks on nodes (compute, collectives, point-to-point sends) and builders
for data-parallel training, pipeline-parallel inference and tensor parallelism.

Semantics (both engines in `cluster.py` implement exactly these):

* every node has one compute stream and one communication stream; a stream runs its tasks
  in task-id order, one at a time (like CUDA/NCCL streams);
* a compute task lists nodes that each run the same kernel independently (SPMD);
* a collective task spans its ranks; each rank joins it when its dependencies are done on
  that rank and its communication stream is free, and leaves it when every message into or
  out of it has arrived;
* a send occupies the sender's communication stream until the data has arrived;
* a task waits for a dependency *on each of its own nodes* when the dependency ran there,
  and for the dependency's last node otherwise (a cross-node edge, e.g. a Chakra recv).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from .errors import NetworkError

__all__ = ["Task", "Job", "Layer", "data_parallel_step", "pipeline_inference",
           "tensor_parallel_layers", "colocate", "ALGORITHMS", "MAX_TASKS", "check_tasks"]

# A job of more tasks is refused before it is built: each task costs about 1 KB in the job
# and in the engines' per-task arrays, and a million tasks already take minutes to simulate
# (`repeat: 10^8` used to build layers for as long as memory lasted).
MAX_TASKS = 1_000_000

# collective algorithm -> (builder name in collectives.py, busbw factor kind)
ALGORITHMS = ("ring_allreduce", "tree_allreduce", "halving_doubling", "reduce_scatter",
              "all_gather", "all_to_all", "broadcast", "reduce", "gather", "scatter", "barrier")


def check_tasks(estimate: int, what: str) -> None:
    """Refuse a job whose estimated task count is above MAX_TASKS, saying both numbers."""
    if estimate > MAX_TASKS:
        raise NetworkError(f"{what} would build about {estimate:,} tasks (about "
                           f"{estimate / 1e6:,.1f} GB); the limit is {MAX_TASKS:,} tasks",
                           "use fewer layers, stages or micro-batches")


@dataclass(frozen=True)
class Task:
    id: int
    kind: str                         # "compute" | "collective" | "send"
    name: str
    nodes: np.ndarray                 # compute: the nodes; collective: ranks; send: (src, dst)
    deps: tuple[int, ...] = ()
    seconds: float = 0.0              # compute
    ci: tuple[float, float] | None = None
    nbytes: float = 0.0               # collective (per-rank buffer) or send
    algorithm: str = ""               # collective

    @property
    def comm(self) -> bool:
        return self.kind != "compute"


@dataclass
class Job:
    name: str
    n_nodes: int
    tasks: list[Task] = field(default_factory=list)
    description: str = ""
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)   # name -> task ids [a, b)
    # the collective system layer's settings (syslayer.SystemConfig), from the job file's
    # `collectives:` section; None: collectives run as the engines expand or ring them
    system: object | None = None

    def _add(self, kind: str, name: str, nodes: Sequence[int], deps, **kw) -> int:
        nodes = np.asarray(nodes, dtype=np.int64).ravel()
        tid = len(self.tasks)
        if tid >= MAX_TASKS:      # a backstop for builders without an estimate (Chakra)
            check_tasks(tid + 1, f"job '{self.name}'")
        deps = tuple(int(d) for d in deps if d is not None)
        if any(not 0 <= d < tid for d in deps):
            raise NetworkError(f"task {tid} ({name}) depends on a task that does not exist yet",
                               "add tasks in dependency order")
        if len(nodes) == 0 or nodes.min() < 0 or nodes.max() >= self.n_nodes:
            raise NetworkError(f"task '{name}' runs on nodes outside 0..{self.n_nodes - 1}")
        self.tasks.append(Task(tid, kind, name, nodes, deps, **kw))
        return tid

    def compute(self, nodes, seconds: float, name: str = "compute", deps=(),
                ci: tuple[float, float] | None = None) -> int:
        if not seconds >= 0:
            raise NetworkError(f"compute task '{name}' has a negative time {seconds}")
        return self._add("compute", name, nodes, deps, seconds=float(seconds), ci=ci)

    def collective(self, algorithm: str, ranks, nbytes: float, name: str = "", deps=()) -> int:
        if algorithm not in ALGORITHMS:
            raise NetworkError(f"unknown collective algorithm '{algorithm}'",
                               f"use one of {', '.join(ALGORITHMS)}")
        if len(set(np.asarray(ranks).tolist())) != len(ranks) or len(ranks) < 2:
            raise NetworkError(f"collective '{name or algorithm}' needs ≥ 2 distinct ranks")
        return self._add("collective", name or algorithm, ranks, deps, nbytes=float(nbytes),
                         algorithm=algorithm)

    def send(self, src: int, dst: int, nbytes: float, name: str = "send", deps=()) -> int:
        if src == dst:
            raise NetworkError(f"send '{name}' from node {src} to itself")
        return self._add("send", name, (src, dst), deps, nbytes=float(nbytes))

    def message_estimate(self) -> int:
        """Messages the message-level engine would simulate (chooses the engine)."""
        total = 0
        for t in self.tasks:
            p = len(t.nodes)
            total += {"compute": p, "send": 3}.get(t.kind, 0)
            if t.kind == "collective":
                total += 2 * p + {"ring_allreduce": 2 * (p - 1) * p,
                                  "tree_allreduce": 32 * p,
                                  "halving_doubling": 2 * p * max(1, int(np.log2(p))),
                                  "all_to_all": p * (p - 1), "broadcast": 8 * (p - 1),
                                  "reduce": 8 * (p - 1), "gather": p - 1, "scatter": p - 1,
                                  "barrier": p * max(1, int(np.ceil(np.log2(p))))
                                  }.get(t.algorithm, (p - 1) * p)
        return total


@dataclass(frozen=True)
class Layer:
    """One layer of a model: forward and backward time on one node, gradient bytes."""
    name: str
    forward: float                     # s
    backward: float                    # s
    grad_bytes: float
    forward_ci: tuple[float, float] | None = None
    backward_ci: tuple[float, float] | None = None


def data_parallel_step(layers: Sequence[Layer], nodes: Sequence[int], n_nodes: int,
                       bucket_bytes: float = 25 * 2**20, overlap: bool = True,
                       algorithm: str = "ring_allreduce", optimizer: float = 0.0) -> Job:
    """One training step: forward through the layers, backward in reverse order, gradients
    all-reduced in buckets (PyTorch DDP): a bucket fills with the gradients of layers as
    their backward finishes and is all-reduced as soon as it is full, overlapping the
    remaining backward compute; with `overlap=False` every bucket waits for the end of
    backward. The optimizer step runs after the last bucket."""
    job = Job("data_parallel", n_nodes,
              description=f"data-parallel step, {len(layers)} layers on {len(nodes)} nodes")
    nodes = np.asarray(nodes, dtype=np.int64)
    for layer in layers:
        job.compute(nodes, layer.forward, f"fwd {layer.name}", ci=layer.forward_ci)
    buckets: list[tuple[int, float, list[str]]] = []      # (ready task, bytes, layer names)
    filled, names, backward = 0.0, [], []
    for i, layer in enumerate(reversed(layers)):
        b = job.compute(nodes, layer.backward, f"bwd {layer.name}", ci=layer.backward_ci)
        backward.append(b)
        filled += layer.grad_bytes
        names.append(layer.name)
        if filled >= bucket_bytes or i == len(layers) - 1:
            if filled > 0:
                buckets.append((b, filled, names))
            filled, names = 0.0, []
    last = []
    for k, (b, size, names) in enumerate(buckets):
        ready = b if overlap else backward[-1]
        last.append(job.collective(algorithm, nodes, size, f"allreduce bucket {k}",
                                   deps=(ready,)))
    if optimizer > 0:
        job.compute(nodes, optimizer, "optimizer", deps=last)
    return job


def pipeline_inference(stages: Sequence[float], activation_bytes: float, micro_batches: int,
                       placement: Sequence[int], n_nodes: int) -> Job:
    """Micro-batches flow through pipeline stages; stage s runs on node placement[s] and
    sends each micro-batch's activations to stage s+1 as soon as it has computed it."""
    if len(placement) != len(stages):
        raise NetworkError(f"{len(stages)} stages but {len(placement)} placement entries")
    if micro_batches < 1:
        raise NetworkError(f"need at least one micro-batch, got {micro_batches}")
    check_tasks(2 * len(stages) * micro_batches, f"{len(stages)} stages x {micro_batches} micro-batches")
    job = Job("pipeline", n_nodes, description=f"pipeline inference, {len(stages)} stages × "
                                                f"{micro_batches} micro-batches")
    for m in range(micro_batches):
        arrived = None
        for s, seconds in enumerate(stages):
            c = job.compute([placement[s]], seconds, f"stage {s} mb {m}", deps=(arrived,))
            arrived = None
            if s + 1 < len(stages):
                arrived = job.send(placement[s], placement[s + 1], activation_bytes,
                                   f"act {s}->{s + 1} mb {m}", deps=(c,))
    return job


def tensor_parallel_layers(layers: Sequence[Layer], groups: Sequence[Sequence[int]],
                           n_nodes: int, activation_bytes: float,
                           algorithm: str = "ring_allreduce") -> Job:
    """Megatron-style tensor parallelism: every layer's forward compute is split over a
    group (one server) and followed by an all-reduce of its activations inside the group;
    all groups run at once on their own data."""
    check_tasks(2 * len(layers) * len(groups), f"{len(layers)} layers x {len(groups)} groups")
    job = Job("tensor_parallel", n_nodes, description=f"tensor-parallel forward, "
              f"{len(layers)} layers, {len(groups)} groups of {len(groups[0])}")
    done: list[int | None] = [None] * len(groups)
    for layer in layers:
        for i, group in enumerate(groups):
            c = job.compute(group, layer.forward, f"fwd {layer.name}", deps=(done[i],),
                            ci=layer.forward_ci)
            done[i] = job.collective(algorithm, group, activation_bytes,
                                     f"tp allreduce {layer.name}", deps=(c,))
    return job


def colocate(parts: Sequence[tuple[str, Job]], n_nodes: int) -> Job:
    """Several jobs sharing one fabric (tenants, or the parallel dimensions of one model
    placed on disjoint nodes): their tasks side by side, task names prefixed with the part
    name, `parts` recording each one's task ids so that results report it separately."""
    names = [name for name, _ in parts]
    if not parts or len(set(names)) != len(names):
        raise NetworkError("colocated parts need distinct names", f"got {names}")
    job = Job("colocated", n_nodes, description="colocated: " + " + ".join(
        f"{name} ({sub.description or sub.name})" for name, sub in parts))
    for name, sub in parts:
        if sub.n_nodes > n_nodes:
            raise NetworkError(f"part '{name}' uses {sub.n_nodes} nodes, the job has {n_nodes}")
        base = len(job.tasks)
        job.tasks.extend(replace(t, id=base + t.id, name=f"{name}: {t.name}",
                                 deps=tuple(base + d for d in t.deps)) for t in sub.tasks)
        job.parts[name] = (base, len(job.tasks))
    return job
