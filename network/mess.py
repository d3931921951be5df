"""Mess-style model: flow-level sharing plus load-dependent latency from curves.

After the idea of the Mess memory simulator (Esmaili-Dokht et al., MICRO 2024): rather
than simulate queues, look up each link's latency on a bandwidth–latency curve at the load
it is offered, and close the loop because latency changes the load:

  1. run the flow-level model with the current per-message extra latencies;
  2. measure every link's carried bytes in fixed windows of `window` seconds;
  3. for each message and each link on its route, the offered load it meets is the
     *other* traffic on that link in the windows it is active (a single paced flow does
     not queue behind itself), mapped through the curve to a queueing delay;
  4. the message's extra latency is the sum over its links; relax it halfway towards the
     new value and repeat until no message moves by more than `tol` of the makespan.

With no cross traffic the extra latency is zero and the model equals the flow model.
"""
from __future__ import annotations

import math
import time as _time

import numpy as np

from .curves import Curve
from .errors import NetworkError
from .flow import FlowModel
from .topology import Topology
from .workload import RunResult, Workload

__all__ = ["MessModel"]


MAX_WINDOW_CELLS = 50_000_000     # messages × load windows held at once (400 MB of float64)

class MessModel:
    name = "mess"

    def __init__(self, curve: Curve | dict[str, Curve], mix: str | None = None,
                 window: float | None = None, windows: int = 200, tol: float = 1e-4,
                 max_iterations: int = 50, relax: float = 0.5, mtu: float | None = None):
        if isinstance(curve, dict):
            if mix is None:
                mix = next(iter(curve))
            if mix not in curve:
                raise NetworkError(f"no curve for traffic mix '{mix}'",
                                   f"the family has {sorted(curve)}")
            curve = curve[mix]
        self.curve = curve
        self.window = window
        self.windows = windows
        self.tol = tol
        self.max_iterations = max_iterations
        self.relax = relax
        self._flow = FlowModel(mtu)

    def run(self, topology: Topology, workload: Workload) -> RunResult:
        wall = _time.perf_counter()
        n = len(workload)
        routes = workload.routes(topology)
        incidence = np.zeros((n, topology.n_links))
        for m, r in enumerate(routes):
            incidence[m, list(r)] = 1.0
        size = np.array([m.size for m in workload.messages])
        extra = np.zeros(n)
        run = self._flow.run(topology, workload, extra)
        window = self.window or max(run.makespan, 1e-12) / self.windows
        for it in range(1, self.max_iterations + 1):
            target = self._queueing(topology, incidence, size, run, window)
            new = extra + self.relax * (target - extra)
            run = self._flow.run(topology, workload, new)
            moved = float(np.abs(new - extra).max()) if n else 0.0
            extra = new
            if moved <= self.tol * max(run.makespan, 1e-300):
                break
        run.model, run.iterations = self.name, it
        run.wall_s = _time.perf_counter() - wall
        return run

    def _queueing(self, topology: Topology, incidence: np.ndarray, size: np.ndarray,
                  run: RunResult, window: float) -> np.ndarray:
        """Per message: the sum over its links of the curve's delay at the cross load."""
        t0, t1 = run.transfer_start, run.transfer_end
        n_windows = max(1, math.ceil(float(np.nanmax(t1)) / window) + 1)
        most = max(2, MAX_WINDOW_CELLS // max(len(size), 1))
        if n_windows > most:                # a fixed window far shorter than the run: coarser windows, not
            window = float(np.nanmax(t1)) / (most - 1)          # messages × windows arrays of many GiB
            n_windows = most
        edges = np.arange(n_windows + 1) * window
        span = np.maximum(t1 - t0, 1e-300)
        # bytes of each message sent by each window edge (uniform over its transfer)
        sent = size[:, None] * np.clip((edges[None, :] - t0[:, None]) / span[:, None], 0, 1)
        per_window = np.diff(sent, axis=1)                       # messages × windows
        link_bytes = per_window.T @ incidence                    # windows × links
        frac = per_window / np.maximum(size, 1e-300)[:, None]    # where each message is
        seen = frac @ link_bytes                                 # messages × links
        own = (frac * per_window).sum(axis=1)[:, None]
        cross = np.maximum(seen - own, 0.0) / (window * topology.bandwidth[None, :])
        delay = self.curve.excess(cross, topology.bandwidth[None, :])
        return (incidence * delay).sum(axis=1) * (size > 0)
