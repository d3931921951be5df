"""Mess-style model: flow-level sharing plus load-dependent latency from curves.

After the idea of the Mess memory simulator (Esmaili-Dokht et al., MICRO 2024): rather
than simulate queues, look up each link's latency on a bandwidth–latency curve at the load
it is offered, and close the loop because latency changes the load:

  1. run the flow-level model with the current per-message extra latencies x;
  2. measure every link's carried bytes in fixed windows of `window` seconds;
  3. for each message and each link on its route, the offered load it meets is the
     *other* traffic on that link in the windows it is active (a single paced flow does
     not queue behind itself), mapped through the curve to a queueing delay;
  4. T(x), the message's extra latency, is the sum of those delays over its links.

The answer is the fixed point x = T(x). Each iteration moves x towards T(x) by the
relaxation `relax` (from 1: plain iteration; halved whenever the residual grows, so an
oscillation is damped, and grown back by 1.5× while it shrinks)
and stops when the residual max|T(x) − x| / max|T(x)| is at most `tol` (relative, on the
latencies the messages meet on their links; default 1e-6). `run.iterations` and
`run.residual` say how far it got; a run that does not reach `tol` within
`max_iterations` warns (NetworkWarning), and `stats` keeps the worst over all runs (the
cluster engines time many operations, each a run) for the result's notes.

Read/write mix. With one curve, or `mix` naming one curve of a family, every link uses
it. With a family whose mix labels are read shares ('0', '50', '100': Mess's bwlat files)
and `mix: auto` (the default then), each link's read share is taken from the traffic
direction — the bytes it carries over the bytes it and its reverse link carry (a
duplex channel's two directions, as a memory channel's reads and writes) — and its delay
is interpolated linearly between the two measured mixes around that share.

With no cross traffic the extra latency is zero and the model equals the flow model.
"""
from __future__ import annotations

import math
import time as _time
import warnings

import numpy as np

from .curves import Curve, read_share
from .errors import NetworkError, NetworkWarning
from .flow import FlowModel
from .topology import Topology
from .workload import RunResult, Workload

__all__ = ["MessModel"]


MAX_WINDOW_CELLS = 50_000_000     # messages × load windows held at once (400 MB of float64)
MIN_RELAX = 1 / 64


class MessModel:
    name = "mess"

    def __init__(self, curve: Curve | dict[str, Curve], mix: str | None = None,
                 window: float | None = None, windows: int = 200, tol: float = 1e-6,
                 max_iterations: int = 200, relax: float = 1.0, mtu: float | None = None):
        self.family: list[tuple[float, Curve]] | None = None
        if isinstance(curve, dict):
            shares = {k: read_share(k) for k in curve}
            if mix in (None, "auto") and len(curve) > 1 and None not in shares.values():
                self.family = sorted((shares[k], c) for k, c in curve.items())
                curve = self.family[0][1]
            else:
                if mix in (None, "auto"):
                    if mix == "auto" and len(curve) > 1:
                        raise NetworkError("mix: auto needs curves labelled by read share "
                                           "('0', '50', '100')", f"the family has {sorted(curve)}")
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
        self.stats = {"runs": 0, "iterations": 0, "residual": 0.0, "unconverged": 0}

    def run(self, topology: Topology, workload: Workload) -> RunResult:
        wall = _time.perf_counter()
        n = len(workload)
        routes = workload.routes(topology)
        incidence = np.zeros((n, topology.n_links))
        for m, r in enumerate(routes):
            incidence[m, list(r)] = 1.0
        size = np.array([m.size for m in workload.messages])
        reverse = _reverse_links(topology) if self.family else None
        extra = np.zeros(n)
        run = self._flow.run(topology, workload, extra)
        window = self.window or max(run.makespan, 1e-12) / self.windows
        relax, last = self.relax, math.inf
        residual, it = 0.0, 0
        for it in range(1, self.max_iterations + 1):
            target = self._queueing(topology, incidence, size, run, window, reverse)
            scale = float(np.abs(target).max()) if n else 0.0
            residual = float(np.abs(target - extra).max()) / scale if scale > 0 else 0.0
            if residual <= self.tol:
                break
            if residual > last:          # overshooting: damp harder
                relax = max(relax / 2, MIN_RELAX)
            else:                        # contracting: take longer steps again
                relax = min(relax * 1.5, 1.0)
            last = residual
            extra = extra + relax * (target - extra)
            run = self._flow.run(topology, workload, extra)
        converged = residual <= self.tol
        if not converged:
            warnings.warn(f"Mess model: no fixed point to {self.tol:g} after {it} iterations "
                          f"(residual {residual:.2e})", NetworkWarning, stacklevel=2)
        st = self.stats
        st["runs"] += 1
        st["iterations"] = max(st["iterations"], it)
        st["residual"] = max(st["residual"], residual)
        st["unconverged"] += not converged
        run.model, run.iterations = self.name, it
        run.residual = residual
        run.wall_s = _time.perf_counter() - wall
        return run

    def note(self) -> str:
        st = self.stats
        text = (f"mess: fixed point to {st['residual']:.1e} relative (tolerance {self.tol:g}) "
                f"in at most {st['iterations']} iterations over {st['runs']} runs")
        if st["unconverged"]:
            text += f"; {st['unconverged']} runs did not converge"
        return text

    def _excess(self, cross: np.ndarray, bandwidth: np.ndarray, read: np.ndarray | None):
        if self.family is None or read is None:
            return self.curve.excess(cross, bandwidth)
        shares = np.array([s for s, _ in self.family])
        r = np.clip(read, shares[0], shares[-1])
        out = np.zeros_like(cross)
        for k, (share, curve) in enumerate(self.family):
            # hat weights: 1 at this mix, falling linearly to 0 at its neighbours
            lo = shares[k - 1] if k > 0 else share
            hi = shares[k + 1] if k + 1 < len(shares) else share
            w = np.where(r <= share,
                         np.where(share > lo, (r - lo) / max(share - lo, 1e-300), 1.0),
                         np.where(hi > share, (hi - r) / max(hi - share, 1e-300), 1.0))
            w = np.clip(w, 0.0, 1.0)
            if np.any(w > 0):
                out += w[None, :] * curve.excess(cross, bandwidth)
        return out

    def _queueing(self, topology: Topology, incidence: np.ndarray, size: np.ndarray,
                  run: RunResult, window: float, reverse: np.ndarray | None = None
                  ) -> np.ndarray:
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
        read = None
        if reverse is not None:      # per link: its share of its duplex channel's bytes
            carried = link_bytes.sum(axis=0)
            back = np.where(reverse >= 0, carried[np.maximum(reverse, 0)], 0.0)
            read = np.where(carried + back > 0, carried / np.maximum(carried + back, 1e-300), 1.0)
        delay = self._excess(cross, topology.bandwidth[None, :], read)
        return (incidence * delay).sum(axis=1) * (size > 0)


def _reverse_links(topology: Topology) -> np.ndarray:
    """For each link the link going the other way between the same vertices, or −1."""
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(topology.link_src,
                                                                 topology.link_dst))}
    return np.array([index.get((int(b), int(a)), -1) for a, b in
                     zip(topology.link_src, topology.link_dst)], dtype=np.int64)
