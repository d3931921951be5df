"""Flow-level model: max-min fair sharing, recomputed whenever a flow starts or ends.

Every message is one flow along its route. Between events the rates are constant and come
from progressive filling (water-filling) over the flows × links incidence matrix: raise all
unfrozen flows together until some link is full, freeze the flows crossing it, repeat. A
message is delivered its path latency (plus any `extra_latency`, used by the Mess model)
after its last byte has been sent. With `mtu` set, the last packet's serialization on every
store-and-forward hop other than the bottleneck is added too, which makes a lone message
of whole packets take exactly as long as in the packet model (a flow shop of identical
jobs: Σ hop times + (k−1) × slowest hop time).
"""
from __future__ import annotations

import math
import time as _time
from heapq import heappop, heappush

import numpy as np

from .errors import NetworkError
from .topology import Topology
from .workload import RunResult, Workload

__all__ = ["FlowModel", "max_min_rates", "max_min_sparse", "flow_delays"]

_REL = 1e-9


def max_min_rates(incidence: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Max-min fair rates of flows (rows) over links (columns) of the given capacities.

    Every flow must cross at least one link. The result has no link over capacity and every
    flow crosses a saturated link on which no other flow gets more (its bottleneck).
    """
    a = np.asarray(incidence, dtype=float)
    rows, cols = np.nonzero(a)
    return max_min_sparse(rows, cols, np.asarray(capacity, dtype=float), a.shape[0])


def max_min_sparse(rows: np.ndarray, cols: np.ndarray, capacity: np.ndarray,
                   n_flows: int) -> np.ndarray:
    """`max_min_rates` over a sparse incidence: flow rows[k] crosses link cols[k].

    Each filling round costs O(nonzeros) instead of O(flows × links), which is what lets
    tens of thousands of concurrent flows share a fabric without a dense matrix.
    """
    rates = np.zeros(n_flows)
    frozen = np.zeros(n_flows, dtype=bool)
    residual = np.array(capacity, dtype=float)
    live = np.ones(len(rows), dtype=bool)              # incidence entries of unfrozen flows
    while not frozen.all():
        counts = np.bincount(cols[live], minlength=len(residual))
        used = counts > 0
        share = np.full(len(residual), np.inf)
        share[used] = residual[used] / counts[used]
        step = share.min()
        rates[~frozen] += step
        residual -= step * counts
        full = used & (share <= step * (1 + _REL) + 1e-300)
        frozen[rows[live & full[cols]]] = True
        live = ~frozen[rows]
    return rates


def flow_delays(topology: Topology, routes: list[tuple[int, ...]], size: np.ndarray,
                mtu: float | None) -> np.ndarray:
    """Per message: path latency, plus with `mtu` the last packet's store-and-forward
    serialization on every hop but the bottleneck (see the module docstring)."""
    delay = np.array([topology.path_latency(r) for r in routes], dtype=float)
    if mtu:
        inv_bw = 1.0 / topology.bandwidth
        last = np.minimum(size, mtu)
        delay += np.array([inv_bw[list(r)].sum() - inv_bw[list(r)].max() if r else 0.0
                           for r in routes]) * last
    return delay


class FlowModel:
    """Max-min fair bandwidth sharing between flows; latency added once per message."""
    name = "flow"

    def __init__(self, mtu: float | None = None):
        self.mtu = mtu

    def run(self, topology: Topology, workload: Workload,
            extra_latency: np.ndarray | None = None) -> RunResult:
        wall = _time.perf_counter()
        msgs = workload.messages
        n = len(msgs)
        routes = workload.routes(topology)
        size = np.array([m.size for m in msgs], dtype=float)
        delay = flow_delays(topology, routes, size, self.mtu)
        delay += np.array([m.duration for m in msgs], dtype=float)
        if extra_latency is not None:
            delay = delay + extra_latency
        waiting = [len(m.deps) for m in msgs]
        dependents = workload.dependents()
        ready = np.full(n, math.nan)
        finish = np.full(n, math.nan)
        t_start = np.full(n, math.nan)
        t_end = np.full(n, math.nan)
        pending = [(m.start, i) for i, m in enumerate(msgs) if not m.deps]
        pending.sort()
        arrivals: list[tuple[float, int]] = []          # (delivery time, message)
        active: list[int] = []
        left = np.zeros(0)
        rates = np.zeros(0)
        t = 0.0
        while pending or arrivals or active:
            t_next = min(pending[0][0] if pending else math.inf,
                         arrivals[0][0] if arrivals else math.inf)
            due = None
            if active:
                finish_in = left / rates
                step = float(finish_in.min())
                if t + step <= t_next:
                    t_next, due = t + step, finish_in <= step * (1 + _REL)
                left = left - rates * (t_next - t)
                if due is not None:
                    # why: far from time 0, t + step rounds, so t_next - t differs from
                    # step and a flow due now could keep a sliver of bytes that no
                    # representable time step removes (the loop spun forever); flows
                    # whose last byte is due at t_next are done, whatever the rounding.
                    left[due] = 0.0
            t = t_next
            changed = False
            if active:                                  # flows that sent their last byte
                done = left <= np.maximum(size[active], 1.0) * _REL
                if done.any():
                    for i in np.flatnonzero(done):
                        m = active[i]
                        t_end[m] = t
                        heappush(arrivals, (t + delay[m], m))
                    keep = ~done
                    active = [m for m, k in zip(active, keep) if k]
                    left, rates = left[keep], rates[keep]
                    changed = True
            while arrivals and arrivals[0][0] <= t:
                _, m = heappop(arrivals)
                finish[m] = t
                for d in dependents[m]:
                    waiting[d] -= 1
                    if waiting[d] == 0:
                        heappush(pending, (max(t, msgs[d].start), d))
            new = []
            while pending and pending[0][0] <= t:
                _, m = heappop(pending)
                ready[m] = t_start[m] = t
                if size[m] <= 0 or not routes[m]:
                    t_end[m] = t
                    heappush(arrivals, (t + delay[m], m))
                else:
                    new.append(m)
            if new:
                active = active + new
                left = np.concatenate([left, size[new]])
                changed = True
            if changed and active:
                rates = self._rates(topology, [routes[m] for m in active])
        if np.isnan(finish).any():
            raise NetworkError("workload deadlocked: some messages never became ready",
                               "check the dependency lists of the messages")
        return RunResult(self.name, ready, finish, wall_s=_time.perf_counter() - wall,
                         transfer_start=t_start, transfer_end=t_end)

    @staticmethod
    def _rates(topology: Topology, routes: list[tuple[int, ...]]) -> np.ndarray:
        rows = np.repeat(np.arange(len(routes)), [len(r) for r in routes])
        links = np.fromiter((l for r in routes for l in r), dtype=np.int64, count=len(rows))
        used, cols = np.unique(links, return_inverse=True)
        return max_min_sparse(rows, cols.ravel(), topology.bandwidth[used], len(routes))
