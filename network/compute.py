"""Node compute models: how long one kernel takes on one accelerator.

Every model answers `estimate(kernel) -> Estimate` (seconds, with an optional confidence
interval), so a cluster job does not care where its compute times come from:

* `KernelTable`   measured or precomputed times per kernel key (a name, or 'gemm:M,K,N'),
                  from a YAML mapping or a CSV with columns `kernel, seconds[, ci_low,
                  ci_high]`;
* `Roofline`      time = max(flops / peak, bytes / bandwidth) + overhead;
* `ThroughputCurve`  a fitted accelerator curve (Mess-style): achieved flop/s as a function
                  of arithmetic intensity (flops per byte), interpolated in log-log space
                  from measured points, plus an overhead;
* `SampledRTL`    the hook for sampled RTL co-simulation: a cache of results per kernel
                  shape, filled by a `sampler` callable that a later issue provides. It
                  holds no data of its own; a miss without a sampler is an error (or goes
                  to an explicit `fallback` model).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from .errors import NetworkError

__all__ = ["Kernel", "Estimate", "ComputeModel", "KernelTable", "Roofline",
           "ThroughputCurve", "SampledRTL", "gemm_kernel", "load_kernel_table"]


@dataclass(frozen=True)
class Kernel:
    """What a compute model is told about one kernel."""
    name: str
    flops: float = 0.0
    bytes: float = 0.0                 # bytes moved to/from memory
    shape: tuple[int, ...] = ()        # (M, K, N) of a GEMM, when known
    op: str = ""                       # 'gemm', or free-form

    @property
    def key(self) -> str:
        """The cache/table key: 'gemm:M,K,N' for GEMMs, else the name."""
        if self.op == "gemm" and self.shape:
            return "gemm:" + ",".join(map(str, self.shape))
        return self.name


def gemm_kernel(m: int, k: int, n: int, dtype_bytes: int = 2, name: str = "") -> Kernel:
    flops = 2.0 * m * k * n
    moved = float(dtype_bytes) * (m * k + k * n + m * n)
    return Kernel(name or f"gemm:{m},{k},{n}", flops, moved, (m, k, n), "gemm")


@dataclass(frozen=True)
class Estimate:
    seconds: float
    ci: tuple[float, float] | None = None     # (low, high) seconds, when the model knows
    source: str = ""


class ComputeModel(Protocol):
    def estimate(self, kernel: Kernel) -> Estimate: ...


class KernelTable:
    """Times looked up by kernel key; a missing key is an error unless a fallback is set."""

    def __init__(self, entries: dict[str, Estimate], fallback: ComputeModel | None = None,
                 source: str = "table"):
        self.entries = dict(entries)
        self.fallback = fallback
        self.source = source

    def estimate(self, kernel: Kernel) -> Estimate:
        hit = self.entries.get(kernel.key) or self.entries.get(kernel.name)
        if hit is not None:
            return hit
        if self.fallback is not None:
            return self.fallback.estimate(kernel)
        known = ", ".join(sorted(self.entries)[:6])
        raise NetworkError(f"kernel '{kernel.key}' is not in the kernel table ({self.source})",
                           f"the table has: {known}{' ...' if len(self.entries) > 6 else ''}")


def load_kernel_table(path: str | Path) -> KernelTable:
    """A CSV with columns kernel, seconds[, ci_low, ci_high] ('#' lines are comments)."""
    path = Path(path)
    entries: dict[str, Estimate] = {}
    try:
        lines = [l for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]
    except OSError as exc:
        raise NetworkError(f"cannot read kernel table {path}: {exc.strerror}") from None
    rows = list(csv.DictReader(lines))
    for i, row in enumerate(rows, 2):
        try:
            ci = (float(row["ci_low"]), float(row["ci_high"])) if row.get("ci_low") else None
            entries[row["kernel"].strip()] = Estimate(float(row["seconds"]), ci, "table")
        except (KeyError, ValueError, TypeError) as exc:
            raise NetworkError(f"{path}: data row {i}: bad kernel row ({exc})",
                               "columns: kernel, seconds[, ci_low, ci_high]") from None
    return KernelTable(entries, source=str(path))


@dataclass(frozen=True)
class Roofline:
    """time = max(flops / peak_flops, bytes / bandwidth) + overhead."""
    peak_flops: float                  # flop/s
    bandwidth: float                   # bytes/s
    overhead: float = 0.0              # s per kernel (launch, pipeline fill)

    def estimate(self, kernel: Kernel) -> Estimate:
        if kernel.flops <= 0 and kernel.bytes <= 0:
            raise NetworkError(f"kernel '{kernel.key}' has neither flops nor bytes",
                               "give a time, a GEMM shape, or flops/bytes")
        seconds = max(kernel.flops / self.peak_flops, kernel.bytes / self.bandwidth)
        return Estimate(seconds + self.overhead, None, "roofline")


class ThroughputCurve:
    """Achieved flop/s versus arithmetic intensity, fitted from measured points."""

    def __init__(self, intensity, flops_per_s, overhead: float = 0.0):
        x, y = np.asarray(intensity, dtype=float), np.asarray(flops_per_s, dtype=float)
        if len(x) < 2 or np.any(np.diff(x) <= 0) or np.any(x <= 0) or np.any(y <= 0):
            raise NetworkError("a throughput curve needs ≥ 2 points with increasing positive "
                               "intensities and positive throughputs")
        self.log_x, self.log_y, self.overhead = np.log(x), np.log(y), overhead

    def estimate(self, kernel: Kernel) -> Estimate:
        if kernel.flops <= 0 or kernel.bytes <= 0:
            raise NetworkError(f"kernel '{kernel.key}' needs flops and bytes for a curve")
        rate = np.exp(np.interp(np.log(kernel.flops / kernel.bytes), self.log_x, self.log_y))
        return Estimate(kernel.flops / float(rate) + self.overhead, None, "curve")


Sampler = Callable[[Kernel], Estimate]


class SampledRTL:
    """Sampled-RTL results cached per kernel shape (the hook a later issue fills).

    `sampler(kernel)` runs sampled co-simulation of one kernel and returns its time with a
    confidence interval; results are kept per `kernel.key` and, with `cache_path`, saved as
    JSON {key: {"seconds": s, "ci": [lo, hi]}} so that each shape is simulated once.
    """

    def __init__(self, sampler: Sampler | None = None, cache_path: str | Path | None = None,
                 fallback: ComputeModel | None = None):
        self.sampler, self.fallback = sampler, fallback
        self.cache_path = Path(cache_path) if cache_path else None
        self.cache: dict[str, Estimate] = {}
        if self.cache_path and self.cache_path.is_file():
            for key, v in json.loads(self.cache_path.read_text()).items():
                self.cache[key] = Estimate(float(v["seconds"]),
                                           tuple(v["ci"]) if v.get("ci") else None, "rtl")

    def estimate(self, kernel: Kernel) -> Estimate:
        hit = self.cache.get(kernel.key)
        if hit is not None:
            return hit
        if self.sampler is None:
            if self.fallback is not None:
                return self.fallback.estimate(kernel)
            raise NetworkError(f"no sampled RTL result for kernel '{kernel.key}'",
                               "sampled co-simulation fills this cache; until then give a "
                               "kernel table, a roofline, or a fallback")
        result = self.sampler(kernel)
        self.record(kernel, result)
        return result

    def record(self, kernel: Kernel, result: Estimate) -> None:
        self.cache[kernel.key] = result
        if self.cache_path:
            self.cache_path.write_text(json.dumps(
                {k: {"seconds": e.seconds, "ci": list(e.ci) if e.ci else None}
                 for k, e in sorted(self.cache.items())}, indent=1))
