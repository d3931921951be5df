"""Bandwidth–latency curves (Mess-style): a link's latency as a function of offered load.

A curve is a table of points measured on one link (or one switch port) of known capacity:

    offered_load_fraction   offered load / link capacity, increasing, from ~0 up to ~1
    bandwidth_bytes_per_s   bandwidth actually delivered at that load
    latency_s               mean packet latency at that load
    mix                     optional label of the traffic mix (read/write-like), one curve
                            per label in a family

The link's capacity is taken as bandwidth / offered_load_fraction of the lowest-load row.
What a model uses is the *queueing excess*: latency(load) − latency(lowest load). It is
scaled by capacity_of_curve / capacity_of_link when applied to a link of another speed,
because queueing delay is measured in packet times.

Lines starting with '#' are comments. Curves come from a CSV with those columns
(`load_curves_csv`) or from sweeping offered load through one switch port with the
packet model (`fit_curve`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spec.errors import Loc

from .errors import NetworkConfigError, NetworkError
from .packet import PacketModel
from .topology import switch
from .workload import Workload

__all__ = ["Curve", "load_curves_csv", "save_curve_csv", "fit_curve", "CSV_COLUMNS"]

CSV_COLUMNS = ("offered_load_fraction", "bandwidth_bytes_per_s", "latency_s")


@dataclass(frozen=True)
class Curve:
    load: np.ndarray          # offered load fraction, increasing
    bandwidth: np.ndarray     # delivered bytes/s
    latency: np.ndarray       # s
    mix: str = ""
    link_capacity: float | None = None   # when known exactly (fitted curves)

    def __post_init__(self):
        if len(self.load) < 2:
            raise NetworkError("a bandwidth–latency curve needs at least two points")
        if np.any(np.diff(self.load) <= 0):
            raise NetworkError("curve offered loads must be strictly increasing")
        if self.load[0] <= 0 or np.any(self.bandwidth <= 0) or np.any(self.latency < 0):
            raise NetworkError("curve loads and bandwidths must be positive, latencies ≥ 0")

    @property
    def capacity(self) -> float:
        if self.link_capacity is not None:
            return self.link_capacity
        return float(self.bandwidth[0] / self.load[0])

    def excess(self, load: np.ndarray, link_bandwidth: np.ndarray | float = None) -> np.ndarray:
        """Queueing delay (s) at the given load fractions, for links of the given speed."""
        extra = np.interp(np.clip(load, 0.0, None), self.load, self.latency) - self.latency[0]
        extra = np.maximum(extra, 0.0)
        if link_bandwidth is not None:
            extra = extra * (self.capacity / np.asarray(link_bandwidth, dtype=float))
        return extra


def load_curves_csv(path: str | Path) -> dict[str, Curve]:
    """Curves by mix label ('' when the file has no mix column)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise NetworkConfigError(Loc(str(path), 1, 1), f"cannot read curve file: {exc.strerror}")
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise NetworkConfigError(Loc(str(path), 1, 1), "curve file is empty")
    parsed = list(csv.reader(line for _, line in numbered))
    header = [h.strip() for h in parsed[0]]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise NetworkConfigError(Loc(str(path), numbered[0][0], 1),
                                 f"missing column(s) {', '.join(missing)}",
                                 f"columns are {', '.join(CSV_COLUMNS)}[, mix]")
    cols = [header.index(c) for c in CSV_COLUMNS]
    mix_col = header.index("mix") if "mix" in header else None
    rows: dict[str, list[tuple[float, ...]]] = {}
    for (line, _), row in zip(numbered[1:], parsed[1:]):
        try:
            point = tuple(float(row[c]) for c in cols)
        except (IndexError, ValueError):
            raise NetworkConfigError(Loc(str(path), line, 1), f"expected numbers, got {row}",
                                     f"columns are {', '.join(header)}") from None
        mix = row[mix_col].strip() if mix_col is not None and mix_col < len(row) else ""
        rows.setdefault(mix, []).append(point)
    if not rows:
        raise NetworkConfigError(Loc(str(path), 1, 1), "curve file has no data rows")
    curves = {}
    for mix, points in rows.items():
        a = np.array(sorted(points))
        try:
            curves[mix] = Curve(a[:, 0], a[:, 1], a[:, 2], mix)
        except NetworkError as exc:
            raise NetworkConfigError(Loc(str(path), 1, 1), f"curve '{mix}': {exc.message}")
    return curves


def save_curve_csv(curve: Curve, path: str | Path, comment: str = "") -> None:
    with open(path, "w", newline="") as f:
        for line in comment.splitlines():
            f.write(f"# {line}\n")
        out = csv.writer(f)
        out.writerow(CSV_COLUMNS + ("mix",))
        for row in zip(curve.load, curve.bandwidth, curve.latency):
            out.writerow([f"{v:.6g}" for v in row] + [curve.mix])


def fit_curve(bandwidth: float, latency: float, switch_latency: float = 0.0,
              mtu: float = 4096, loads=(0.05, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95),
              sources: int = 4, packets: int = 4000, seed: int = 0,
              mix: str = "poisson") -> Curve:
    """Sweep offered load into one switch output port with the packet model.

    `sources` endpoints send one-packet messages at Poisson times to one sink through a
    switch, at a total rate of load × bandwidth; the mean end-to-end latency at each load
    is one point of the curve.
    """
    rng = np.random.default_rng(seed)
    topo = switch(sources + 1, bandwidth, latency, switch_latency)
    model = PacketModel(mtu=mtu)
    points = []
    for load in loads:
        gaps = rng.exponential(mtu / (load * bandwidth), size=packets)
        times = np.cumsum(gaps)
        w = Workload()
        for i, t in enumerate(times):
            w.send(1 + i % sources if sources > 0 else 1, 0, mtu, start=float(t))
        run = model.run(topo, w)
        delivered = packets * mtu / (run.makespan - float(run.ready.min()))
        points.append((load, delivered, float(run.latency.mean())))
    a = np.array(points)
    return Curve(a[:, 0], a[:, 1], a[:, 2], mix, float(bandwidth))
