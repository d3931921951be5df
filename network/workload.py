"""Workloads (DAGs of messages), run results, and the one interface of every link model.

A message goes from one endpoint to another; it becomes ready when every message it
depends on has been delivered and its own earliest start has passed. Collectives and
(later) cluster jobs all reduce to such DAGs, so every link model runs every workload.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from .errors import NetworkError
from .topology import Topology

__all__ = ["Message", "Workload", "RunResult", "LinkModel"]


@dataclass(frozen=True)
class Message:
    src: int
    dst: int
    size: float                       # bytes
    deps: tuple[int, ...] = ()        # ids of messages that must be delivered first
    start: float = 0.0                # earliest start, s
    tag: str = ""
    duration: float = 0.0             # local time added before delivery, s: with src == dst
                                      # the message is a compute task of that length


@dataclass
class Workload:
    """A growing list of messages; ids are list positions, deps must point backwards."""
    messages: list[Message] = field(default_factory=list)

    def send(self, src: int, dst: int, size: float, deps: Sequence[int] = (),
             start: float = 0.0, tag: str = "", duration: float = 0.0) -> int:
        deps = tuple(d for d in deps if d is not None)
        n = len(self.messages)
        if any(not 0 <= d < n for d in deps):
            raise NetworkError(f"message {n} depends on a message that does not exist yet",
                               "add messages in dependency order")
        if size < 0:
            raise NetworkError(f"message {n} has negative size {size}")
        self.messages.append(Message(int(src), int(dst), float(size), deps, float(start), tag,
                                     float(duration)))
        return n

    def __len__(self) -> int:
        return len(self.messages)

    def dependents(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.messages]
        for i, m in enumerate(self.messages):
            for d in m.deps:
                out[d].append(i)
        return out

    def routes(self, topology: Topology) -> list[tuple[int, ...]]:
        """Each message's route: the topology's one path choice for its (src, dst) pair, so
        every engine that runs this workload, or the same traffic another way, agrees."""
        return [topology.path(m.src, m.dst) for m in self.messages]


@dataclass
class RunResult:
    """When each message became ready and when it was delivered (s)."""
    model: str
    ready: np.ndarray
    finish: np.ndarray
    events: int = 0                   # packet model: events processed
    drops: int = 0                    # packet model: packets tail-dropped
    iterations: int = 0               # Mess model: feedback iterations
    residual: float = 0.0             # Mess model: relative residual of the fixed point
    wall_s: float = 0.0
    transfer_start: np.ndarray | None = None   # flow models: first byte sent
    transfer_end: np.ndarray | None = None     # flow models: last byte sent

    @property
    def makespan(self) -> float:
        return float(self.finish.max()) if len(self.finish) else 0.0

    @property
    def latency(self) -> np.ndarray:
        return self.finish - self.ready


class LinkModel(Protocol):
    """What every fidelity provides: run a workload on a topology."""
    name: str

    def run(self, topology: Topology, workload: Workload) -> RunResult: ...
