"""Packet-level discrete-event model with constant links (FireSim-like).

Each directed link is an output port with a FIFO queue: a packet waits until the port is
free, is serialized at the link bandwidth, then arrives after the link latency (plus the
switch latency if it lands on a switch). Switches are store-and-forward. Buffers are
infinite by default; with `buffer_bytes` a forwarding port tail-drops a packet that does
not fit and the source re-sends it after `rto` seconds.

A source port serves its ready messages round-robin, one packet at a time, and offers the
next packet when the previous one starts serializing, as a NIC with one queue pair per
message does; so concurrent messages from one node interleave packet by packet.

Why this is fast:
  * an infinite FIFO port is fully described by the time it becomes free, so a packet's
    departure is known the moment it joins the queue — no queue objects, no "port free"
    events, one event per packet per hop (plus one to offer it at the source);
  * departures from one port are in order, so each link keeps its packets in flight in a
    deque sorted by arrival time and only the head sits in the heap: the heap holds at
    most one entry per link and per source port, however deep the queues grow;
  * events are plain tuples (time, seq, message, hop, size) on one heapq; `seq` keeps ties
    in FIFO order, which makes runs deterministic.

Two cores run that loop: `core="c"` (`packet_core.c`, compiled once into the cache; about
20x the events/s) and `core="py"`, this file's loop, kept as the reference. They give
bit-identical results: `seq` is unique, so (time, seq) orders events totally and any heap
pops them alike, and the C core hands out every `seq` at the same point and evaluates the
same floating-point expressions (without fused multiply-adds). `core="auto"` (default)
takes C when a C compiler is available, else Python.
"""
from __future__ import annotations

import math
import time as _time
import warnings
from collections import deque
from heapq import heapify, heappop, heappush

import numpy as np

from . import packet_core
from .errors import NetworkError, NetworkWarning
from .topology import Topology
from .workload import RunResult, Workload

__all__ = ["PacketModel"]

# event kinds (the hop field): > 0 packet arrives after that many hops
READY, INJECT, RESEND, DONE = -3, -1, -2, -4
CORES = ("auto", "c", "py")
_WARNED = False


class PacketModel:
    """Constant-latency, constant-bandwidth links; per-output-port FIFO queues."""
    name = "packet"

    def __init__(self, mtu: float = 4096, buffer_bytes: float | None = None,
                 rto: float | None = None, core: str = "auto"):
        if core not in CORES:
            raise NetworkError(f"unknown packet core '{core}'", f"use one of {CORES}")
        if not mtu > 0:
            raise NetworkError(f"mtu must be positive, got {mtu}")
        if buffer_bytes is not None and buffer_bytes < mtu:
            raise NetworkError(f"buffer of {buffer_bytes} B cannot hold one {mtu} B packet",
                               "use a buffer of at least one MTU, or None for infinite")
        self.mtu = float(mtu)
        self.buffer_bytes = buffer_bytes
        self.rto = rto
        self.core = core

    def resolved_core(self) -> str:
        """The core `run` uses: "c" or "py" (auto: C when it can be built here, else Python
        with a warning, once per process)."""
        if self.core != "auto":
            return self.core
        if packet_core.available():
            return "c"
        global _WARNED
        if not _WARNED:
            _WARNED = True
            warnings.warn("the packet model's C core cannot be built here (no C compiler?); "
                          "running the Python core, about 20x slower", NetworkWarning,
                          stacklevel=3)
        return "py"

    def run(self, topology: Topology, workload: Workload) -> RunResult:
        msgs = workload.messages
        for i, m in enumerate(msgs):
            if not math.isfinite(m.size) or math.isnan(m.start) or math.isnan(m.duration):
                raise NetworkError(f"message {i} has a size, start or duration that is not "
                                   f"a number: {m}")
        if self.resolved_core() == "c":
            return self._run_c(topology, workload)
        return self._run_py(topology, workload)

    def _run_c(self, topology: Topology, workload: Workload) -> RunResult:
        msgs = workload.messages
        mtu = self.mtu
        size = np.array([m.size for m in msgs], dtype=float)
        # the same expressions as the Python core: ceil(size / mtu), size - (k - 1) * mtu
        npk = np.maximum(1, np.ceil(size / mtu)).astype(np.int64)
        lastsz = size - (npk - 1).astype(float) * mtu
        remaining = npk.copy()
        routes = workload.routes(topology)
        wall = _time.perf_counter()         # from here on as in _run_py: the loop, plus the arrays
        ready, finish, events, drops = packet_core.run_core(
            routes, [m.deps for m in msgs], npk - 1, lastsz, remaining,
            np.array([m.start for m in msgs], dtype=float) + 0.0,      # -0.0 -> 0.0, as below
            np.array([m.duration for m in msgs], dtype=float),
            1.0 / topology.bandwidth, topology.hop_latency, mtu, self.buffer_bytes,
            self.rto if self.rto is not None else self._default_rto(topology))
        wall = _time.perf_counter() - wall
        if remaining.any():
            raise NetworkError("workload deadlocked: some messages never became ready",
                               "check the dependency lists of the messages")
        return RunResult(self.name, ready, finish, events=events, drops=drops, wall_s=wall)

    def _run_py(self, topology: Topology, workload: Workload) -> RunResult:
        msgs = workload.messages
        n = len(msgs)
        mtu = self.mtu
        # route with a -1 sentinel: reaching it means delivered
        routes = [r + (-1,) for r in workload.routes(topology)]
        npk = [max(1, math.ceil(m.size / mtu)) for m in msgs]
        lastk = [k - 1 for k in npk]
        lastsz = [m.size - (k - 1) * mtu for m, k in zip(msgs, npk)]
        remaining = npk[:]
        waiting = [len(m.deps) for m in msgs]
        # why + 0.0: a start of -0.0 becomes +0.0, which the C core needs (its heap orders
        # times by their bits) and which no result can tell apart otherwise
        starts = [m.start + 0.0 for m in msgs]
        durations = [m.duration for m in msgs]
        dependents = workload.dependents()
        ready = [math.nan] * n
        finish = [math.nan] * n
        n_links = topology.n_links
        inv_bw = (1.0 / topology.bandwidth).tolist()
        hop_lat = topology.hop_latency.tolist()
        free = [0.0] * n_links
        wire = [deque() for _ in range(n_links)]      # sent on the link, not yet arrived
        offer = [deque() for _ in range(n_links)]     # source port: [message, next packet]
        offering = [False] * n_links
        finite = self.buffer_bytes is not None
        cap = float(self.buffer_bytes or 0.0)
        rto = self.rto if self.rto is not None else self._default_rto(topology)
        held = [deque() for _ in range(n_links)] if finite else []   # (done, size) at port
        queued = [0.0] * n_links
        heap = [(starts[i], i, i, READY, 0) for i, m in enumerate(msgs) if not m.deps]
        heapify(heap)
        seq = n
        push, pop = heappush, heappop
        events = drops = 0
        wall = _time.perf_counter()
        while heap:
            t, _, m, hop, x = pop(heap)
            events += 1
            if hop > 0:                                   # packet of m, x bytes, arrives
                route = routes[m]
                q = wire[route[hop - 1]]
                q.popleft()
                if q:
                    push(heap, q[0])
                link = route[hop]
                if link < 0:                              # at its destination
                    left = remaining[m] - 1
                    remaining[m] = left
                    if left == 0:
                        if durations[m] > 0:
                            push(heap, (t + durations[m], seq, m, DONE, 0))
                            seq += 1
                        else:
                            seq = _complete(m, t, finish, dependents, waiting, starts, heap,
                                            seq)
                    continue
                if finite:
                    h = held[link]
                    while h and h[0][0] <= t:
                        queued[link] -= h.popleft()[1]
                    if queued[link] + x > cap:
                        drops += 1
                        push(heap, (t + rto, seq, m, RESEND, x))
                        seq += 1
                        continue
                f = free[link]
                done = (t if t > f else f) + x * inv_bw[link]
                free[link] = done
                if finite:
                    h.append((done, x))
                    queued[link] += x
                event = (done + hop_lat[link], seq, m, hop + 1, x)
                seq += 1
                q = wire[link]
                if not q:
                    push(heap, event)
                q.append(event)
                continue
            if hop == INJECT:                             # source port m offers a packet
                link = m
                rr = offer[link]
                entry = rr.popleft()
                m, k = entry
                if k != lastk[m]:
                    x = mtu
                    entry[1] = k + 1
                    rr.append(entry)
                else:
                    x = lastsz[m]
            elif hop == READY:
                ready[m] = t
                link = routes[m][0]
                if link < 0:                              # src == dst: nothing to move
                    remaining[m] = 0
                    if durations[m] > 0:                  # a compute task: done later
                        push(heap, (t + durations[m], seq, m, DONE, 0))
                        seq += 1
                    else:
                        seq = _complete(m, t, finish, dependents, waiting, starts, heap, seq)
                    continue
                offer[link].append([m, 0])
                if not offering[link]:
                    offering[link] = True
                    push(heap, (t, seq, link, INJECT, 0))
                    seq += 1
                continue
            elif hop == DONE:                             # a compute task's time is up
                seq = _complete(m, t, finish, dependents, waiting, starts, heap, seq)
                continue
            else:                                         # RESEND a dropped packet of x B
                link = routes[m][0]
            f = free[link]
            s = t if t > f else f
            done = s + x * inv_bw[link]
            free[link] = done
            event = (done + hop_lat[link], seq, m, 1, x)
            seq += 1
            q = wire[link]
            if not q:
                push(heap, event)
            q.append(event)
            if hop == INJECT:
                if offer[link]:                           # offer the next when this starts
                    push(heap, (s, seq, link, INJECT, 0))
                    seq += 1
                else:
                    offering[link] = False
        wall = _time.perf_counter() - wall
        if any(remaining):
            raise NetworkError("workload deadlocked: some messages never became ready",
                               "check the dependency lists of the messages")
        return RunResult(self.name, np.array(ready), np.array(finish), events=events,
                         drops=drops, wall_s=wall)

    def _default_rto(self, topology: Topology) -> float:
        drain = (self.buffer_bytes or 0.0) / float(topology.bandwidth.min())
        return 2.0 * drain + 10.0 * float(topology.hop_latency.max())


def _complete(m, t, finish, dependents, waiting, starts, heap, seq) -> int:
    """Message m is delivered at t: release the messages that waited only for it."""
    finish[m] = t
    for d in dependents[m]:
        waiting[d] -= 1
        if waiting[d] == 0:
            heappush(heap, (max(t, starts[d]), seq, d, READY, 0))
            seq += 1
    return seq
