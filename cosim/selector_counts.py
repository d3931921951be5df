"""The selector's middle rung: cycles as a linear function of a kernel's command counts.

The functional model knows every kernel's command stream before any RTL runs (building
it takes milliseconds at these sizes), so each kernel's count of every command kind
(MVIN, PRELOAD, COMPUTE, ...) is free. Where the machine's cost per command of a kind is
steady, cycles ≈ Σ_kind c_kind · count_kind + c_0. That is not true across regimes: a
kernel with a thin GEMM dimension is bound by other units (stores, bias loads) than one
whose every dimension spans many tiles, and partial (edge) tiles move fewer bytes per
MVIN. So each kernel is priced by a fit on the points of *its* regime only (`pool`):

* whole-kernel RTL measurements (exact) of the curve's sweep, the characterisation the
  curve was fitted from (its cost is the curve's, paid once per machine, not per job),
  with the same edge-tile feature and whose thinnest GEMM dimension is at least half
  the kernel's (`REGIME`); measured on the NPU's sweep: the aligned shapes with every
  dimension ≥ 64 predict the data-parallel job's GEMMs (dimensions 64-256) within 0.4%,
  all aligned shapes alike within 1.5%, and all 125 shapes together only within 5%;
  when the machine's characterisation (`cosim.characterise`) holds at least MIN_POINTS
  such points of the kernel's own *family* (kind and layout: `family`), those alone: on
  the NPU a transformer block priced from transformer points is ±1.4% where GEMM points
  gave ±5.3%, and a bank-conflict layout ±1.4% where GEMM points were 3% off;
* every whole-kernel measurement of the kernel's own class the selector has made
  (spot checks, refinements) in the same regime.

The fit minimises relative residuals (rows divided by measured cycles, as `cosim.fit`)
and its interval is the textbook prediction interval of a linear regression on those
relative residuals: t(ν) · s · √(1 + h), s the residual spread with ν = n − rank degrees
of freedom and h the kernel's leverage (which grows when it lies outside the points).
With few points ν is small and t large (ν = 2: t ≈ 18 at 99.7%, ν = 3: 8.9), so a thin
pool says so in its interval. Kinds under MINOR_SHARE of the pool's commands (on the NPU
the configuration commands, ~1-2%) are folded into the intercept: with eight points a
coefficient each for them cost a degree of freedom and widened the data-parallel GEMMs'
intervals from ±2.2-3.5% to ±5.5-8.5%, their predictions moving by under 0.05%. A kernel
with fewer than MIN_POINTS pool points, or ν < 1, gets no count estimate (the curve or
the RTL prices it).

A linear law can still be wrong for a whole class (bank conflicts, strided DRAM rows
change cycles at the same counts): the selector's spot checks test this rung like the
curve, with a prediction made before the measurement, and move classes it misses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .estimate import t_quantile
from .nodemodel import gemms_of

__all__ = ["CountPoint", "CountFit", "fit_counts", "t_quantile", "pool", "own_family", "family", "machine_counts",
           "REGIME", "MIN_POINTS"]

REGIME = 2.0          # pool points: thinnest GEMM dimension >= the kernel's / REGIME
MIN_POINTS = 4
MINOR_SHARE = 0.03    # kinds under this share of the pool's commands join the intercept


@dataclass(frozen=True)
class CountPoint:
    """A whole-kernel RTL measurement with the kernel's command counts by kind."""
    text: str
    counts: tuple           # per command kind, in the machine's instruction order
    cycles: float
    source: str = "sweep"   # 'sweep' (the curve's) | 'characterisation' (cosim.characterise) | 'spot check'


@dataclass(frozen=True)
class CountFit:
    cycles: float
    half: float             # relative half-width of the prediction interval
    points: int
    dof: int
    rel_sigma: float


def regime_dim(text: str, dim: int) -> int:
    return min(min(s) for s in gemms_of(text, dim))


def _edge(text: str, dim: int) -> bool:
    return any(d % dim for s in gemms_of(text, dim) for d in s)


def family(text: str) -> tuple:
    """A kernel's family: its workload kind and the arguments that are layout, not size (a
    stream's row pitch, a convolution's filter, an MLP's depth). Kernels of one family share
    a cost per command kind; a bank-conflict layout or a strided stream does not share it
    with plain GEMMs at the same counts."""
    kind, _, rest = text.partition(":")
    a = [int(x) for x in rest.split(",") if x.strip()]
    if kind == "stream":
        return (kind, a[1] if len(a) > 1 else 1024)
    if kind == "conv":
        return (kind, a[4] if len(a) > 4 else 3)
    if kind == "mlp":
        return (kind, len(a) - 1)
    return (kind,)


def own_family(text: str, sweep: list[CountPoint], dim: int) -> list[CountPoint]:
    """The points of `text`'s own family in its regime (never its own text): when there are
    MIN_POINTS of them, the kernel is priced from those alone."""
    lo = regime_dim(text, dim) / REGIME
    edge, fam = _edge(text, dim), family(text)
    return [p for p in sweep if p.text != text and family(p.text) == fam and _edge(p.text, dim) == edge
            and regime_dim(p.text, dim) >= lo]


def pool(text: str, sweep: list[CountPoint], own: list[CountPoint], dim: int, base: str = "gemm") -> list[CountPoint]:
    """The points a kernel is priced from (module doc): its own family's points of its regime
    when the machine's characterisation has enough of them (`cosim.characterise`), else the
    regime's points of the curve's `base` family; and its class's own."""
    lo = regime_dim(text, dim) / REGIME
    chosen = own_family(text, sweep, dim)
    if len(chosen) < MIN_POINTS:
        edge = _edge(text, dim)
        chosen = [p for p in sweep if p.text != text and family(p.text) == (base,) and _edge(p.text, dim) == edge
                  and regime_dim(p.text, dim) >= lo]
    return chosen + [p for p in own if p.text != text and regime_dim(p.text, dim) >= lo]


def fit_counts(counts, points: list[CountPoint], confidence: float = 0.997) -> CountFit | None:
    """Cycles of a kernel with `counts` from a linear fit on `points`, with its prediction interval."""
    if len(points) < MIN_POINTS:
        return None
    a = np.array([list(p.counts) for p in points], dtype=float)
    share = a.sum(axis=0) / max(1.0, a.sum())
    # constant kinds, and kinds too rare to tell from the intercept, fold into the intercept
    live = [j for j in range(a.shape[1]) if np.ptp(a[:, j]) > 0 and share[j] >= MINOR_SHARE]
    a = np.c_[a[:, live], np.ones(len(points))]
    y = np.array([p.cycles for p in points], dtype=float)
    w = a / y[:, None]
    coef, _, rank, _ = np.linalg.lstsq(w, np.ones(len(y)), rcond=None)
    dof = len(y) - int(rank)
    if dof < 1:
        return None
    x0 = np.append(np.asarray(counts, dtype=float)[live], 1.0)
    pred = float(x0 @ coef)
    if not pred > 0:
        return None
    r = w @ coef - 1.0
    s = float(math.sqrt(r @ r / dof))
    g = np.linalg.pinv(w.T @ w)
    h = float((x0 / pred) @ g @ (x0 / pred))
    half = t_quantile(0.5 + confidence / 2, dof) * s * math.sqrt(1.0 + max(h, 0.0))
    return CountFit(pred, half, len(points), dof, s)


_COUNTS: dict[tuple[str, str], tuple] = {}


def machine_counts(machine):
    """text -> per-kind command counts on `machine` (the functional model builds the stream;
    nothing runs). Cached per (machine digest, text) for the life of the process."""
    def counts(text: str) -> tuple:
        key = (machine.digest, text)
        if key not in _COUNTS:
            from fastforward.workloads import build_workload

            from .queue_target import QueueTarget
            from .strata import kind_counts
            target = QueueTarget(machine, build_workload(machine, text))
            target.load()
            _COUNTS[key] = tuple(int(x) for x in kind_counts(machine, None, max(1, target.total),
                                                             target.binary).sum(axis=0))
        return _COUNTS[key]
    return counts
