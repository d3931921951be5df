"""Bandwidth–latency curves (Mess-style): a link's latency as a function of its load.

A curve is a set of points measured on one link, switch port or memory channel:

    bandwidth   bandwidth delivered at that load, any bandwidth unit
    latency     mean latency at that load, any time unit
    offered_load_fraction   optional: offered load / capacity (the packet-model sweeps)
    mix         optional label of the traffic mix; a number is the read share in percent
                (as Mess's bwlat_<read%>.txt), and a family of numeric mixes is
                interpolated per link by MessModel

CSV headers carry the units: `bandwidth_bytes_per_s` and `latency_s` (the old names), or
`bandwidth (GB/s)`, `bandwidth_MB/s`, `latency (ns)`, `latency_us`, … with any unit of
network/units.py. Values are converted to B/s and s on reading, so the same curve written
in other units gives the same results (a test checks this).

What a model uses is the *queueing excess* at a load fraction f: latency(f) − the
unloaded latency, which is the latency of the curve's lowest-load point. Without an
offered-load column the position on the curve is f = bandwidth / peak bandwidth on the
rising (unsaturated) branch, and past the peak the saturated branch — delivered bandwidth
falling while latency rises — is its own part of the curve at f = 1 + (peak − bw)/peak,
in order of rising latency, never interleaved with the rising branch. The excess is
scaled by capacity_of_curve / capacity_of_link (both in B/s) when applied to a link of
another speed, because queueing delay is measured in packet times.

Real measured curves are cleaned on reading, with a NetworkWarning naming the file lines
dropped: rows with a bandwidth or latency ≤ 0 (idle noise), and points that break the
branch they sit on (a rising-branch point with no more bandwidth than the one below it;
a saturated point with no less bandwidth than the one before it).

Lines starting with '#' are comments. Curves come from a CSV (`load_curves_csv`), from
Mess's published bwlat_*.txt files (`network/mess_convert.py`), or from sweeping offered
load through one switch port with the packet model (`fit_curve`).
"""
from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spec.errors import Loc

from .errors import NetworkConfigError, NetworkError, NetworkWarning
from .packet import PacketModel
from .topology import switch
from .units import BANDWIDTH, TIME
from .workload import Workload

__all__ = ["Curve", "load_curves_csv", "save_curve_csv", "fit_curve", "CSV_COLUMNS",
           "curve_from_points", "read_share"]

CSV_COLUMNS = ("offered_load_fraction", "bandwidth_bytes_per_s", "latency_s")


@dataclass(frozen=True)
class Curve:
    load: np.ndarray          # position on the curve: load fraction (>1: saturated branch)
    bandwidth: np.ndarray     # delivered bytes/s
    latency: np.ndarray       # s
    mix: str = ""
    link_capacity: float | None = None   # B/s, when known (fitted curves, the peak)

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

    @property
    def unloaded_latency(self) -> float:
        return float(self.latency[0])

    def excess(self, load: np.ndarray, link_bandwidth: np.ndarray | float = None) -> np.ndarray:
        """Queueing delay (s) at the given load fractions, for links of the given speed."""
        extra = np.interp(np.clip(load, 0.0, None), self.load, self.latency) - self.latency[0]
        extra = np.maximum(extra, 0.0)
        if link_bandwidth is not None:
            extra = extra * (self.capacity / np.asarray(link_bandwidth, dtype=float))
        return extra


def read_share(mix: str) -> float | None:
    """The read share 0..1 a mix label stands for ('100', '50', 'read70'), or None."""
    m = re.fullmatch(r"\s*(?:read|rd|r)?_?(\d+(?:\.\d+)?)\s*%?\s*", mix)
    if not m or float(m.group(1)) > 100:
        return None
    return float(m.group(1)) / 100


_UNIT_HEADER = re.compile(r"^(bandwidth|latency)\s*(?:\((.+)\)|\[(.+)\]|_(.+))$")
_OLD_NAMES = {"bandwidth_bytes_per_s": ("bandwidth", 1.0), "latency_s": ("latency", 1.0)}


def _column_units(header: list[str]) -> dict[str, tuple[int, float]]:
    """quantity -> (column, factor to B/s or s), from headers like 'latency (ns)'."""
    out: dict[str, tuple[int, float]] = {}
    for i, h in enumerate(header):
        if h in ("bandwidth", "latency"):
            raise ValueError(f"column '{h}' has no unit: write e.g. '{h} "
                             f"({'GB/s' if h == 'bandwidth' else 'ns'})'")
        if h in _OLD_NAMES:
            quantity, factor = _OLD_NAMES[h]
        else:
            m = _UNIT_HEADER.match(h)
            if not m:
                continue
            quantity = m.group(1)
            unit = next(g for g in m.groups()[1:] if g)
            table = BANDWIDTH if quantity == "bandwidth" else TIME
            unit = unit.replace("_per_", "/").replace("ps", "/s") if unit not in table else unit
            if unit not in table:
                raise ValueError(f"unknown {quantity} unit '{unit}' in column '{h}' (one of "
                                 f"{', '.join(table)})")
            factor = table[unit]
        if quantity in out:
            raise ValueError(f"two {quantity} columns")
        out[quantity] = (i, factor)
    return out


def load_curves_csv(path: str | Path) -> dict[str, Curve]:
    """Curves by mix label ('' when the file has no mix column), cleaned (see above)."""
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
    head_loc = Loc(str(path), numbered[0][0], 1)
    hint = ("columns: bandwidth (UNIT), latency (UNIT)[, offered_load_fraction][, mix], "
            "e.g. 'bandwidth (GB/s),latency (ns)'; or bandwidth_bytes_per_s, latency_s")
    try:
        units = _column_units(header)
    except ValueError as exc:
        raise NetworkConfigError(head_loc, str(exc), hint) from None
    missing = [q for q in ("bandwidth", "latency") if q not in units]
    if missing:
        raise NetworkConfigError(head_loc, f"missing column(s) {', '.join(missing)}", hint)
    load_col = header.index("offered_load_fraction") if "offered_load_fraction" in header \
        else None
    mix_col = header.index("mix") if "mix" in header else None
    rows: dict[str, list[tuple[int, float, float, float]]] = {}
    for (line, _), row in zip(numbered[1:], parsed[1:]):
        try:
            bw = float(row[units["bandwidth"][0]]) * units["bandwidth"][1]
            lat = float(row[units["latency"][0]]) * units["latency"][1]
            load = float(row[load_col]) if load_col is not None else float("nan")
        except (IndexError, ValueError):
            raise NetworkConfigError(Loc(str(path), line, 1), f"expected numbers, got {row}",
                                     f"columns are {', '.join(header)}") from None
        mix = row[mix_col].strip() if mix_col is not None and mix_col < len(row) else ""
        rows.setdefault(mix, []).append((line, load, bw, lat))
    if not rows:
        raise NetworkConfigError(Loc(str(path), 1, 1), "curve file has no data rows")
    curves = {}
    for mix, points in rows.items():
        try:
            curves[mix] = curve_from_points(points, mix, f"{path}", with_load=load_col is not None)
        except NetworkError as exc:
            raise NetworkConfigError(Loc(str(path), points[0][0], 1),
                                     f"curve '{mix}': {exc.message}", exc.hint) from None
    return curves


def curve_from_points(points: list[tuple[int, float, float, float]], mix: str = "",
                      source: str = "<curve>", with_load: bool = False) -> Curve:
    """A cleaned curve from (line, offered load or nan, bandwidth B/s, latency s) rows."""
    label = f"{source}" + (f" (mix '{mix}')" if mix else "")
    bad = [p for p in points if not (p[2] > 0 and p[3] > 0) or (with_load and not p[1] > 0)]
    _dropped(bad, label, "bandwidth, latency or load ≤ 0 (idle noise)")
    points = [p for p in points if p not in bad]
    if with_load:
        points = sorted(points, key=lambda p: p[1])
        dup = [b for a, b in zip(points, points[1:]) if b[1] <= a[1]]
        _dropped(dup, label, "a repeated offered load")
        points = [p for p in points if p not in dup]
        if len(points) < 2:
            raise NetworkError("a bandwidth–latency curve needs at least two points",
                               "rows with bandwidth or latency ≤ 0 are dropped")
        a = np.array([p[1:] for p in points])
        return Curve(a[:, 0], a[:, 1], a[:, 2], mix)
    if len(points) < 2:
        raise NetworkError("a bandwidth–latency curve needs at least two points",
                           "rows with bandwidth or latency ≤ 0 are dropped")
    peak = max(points, key=lambda p: (p[2], -p[3]))
    rising = sorted((p for p in points if p[3] <= peak[3]), key=lambda p: (p[3], p[2]))
    falling = sorted((p for p in points if p[3] > peak[3]), key=lambda p: p[3])
    keep_r, drop = [], []
    for p in sorted(rising, key=lambda p: (p[2], p[3])):     # by bandwidth, strictly rising
        if keep_r and p[2] <= keep_r[-1][2]:
            drop.append(p)
        else:
            keep_r.append(p)
    keep_f = []
    for p in falling:                                        # by latency, bandwidth falling
        if (keep_f and p[2] >= keep_f[-1][2]) or p[2] >= peak[2]:
            drop.append(p)
        else:
            keep_f.append(p)
    _dropped(sorted(drop), label, "off the curve's branch (noise, or bandwidth that does "
             "not fall along the saturated branch)")
    if len(keep_r) < 2:
        raise NetworkError("the rising branch of the curve needs at least two points")
    cap = peak[2]
    load = [p[2] / cap for p in keep_r] + [1 + (cap - p[2]) / cap for p in keep_f]
    bw = [p[2] for p in keep_r + keep_f]
    lat = [p[3] for p in keep_r + keep_f]
    return Curve(np.array(load), np.array(bw), np.array(lat), mix, float(cap))


def _dropped(points, label: str, why: str) -> None:
    if points:
        lines = ", ".join(str(p[0]) for p in sorted(points)[:20])
        more = f" and {len(points) - 20} more" if len(points) > 20 else ""
        warnings.warn(f"{label}: dropped line(s) {lines}{more}: {why}", NetworkWarning,
                      stacklevel=3)


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
