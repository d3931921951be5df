"""Accelerator curves: a GEMM throughput surface fitted to RTL sweeps or to measurements.

Model form: cycles are linear in the counts of the tiles a DIM×DIM weight-stationary array
handles for C[M,N] = A[M,K]·B[K,N] (dimensions padded up to whole tiles, as the array
computes edge tiles at full size):

    cycles = a · ⌈M/D⌉·⌈K/D⌉·⌈N/D⌉      tile steps: one COMPUTE of DIM rows against a preloaded tile
           + b · ⌈M/D⌉·⌈N/D⌉            output tiles: bias load (MVIN_ACC) and MVOUT to DRAM
           + c · ⌈M/D⌉·⌈K/D⌉            A tiles moved into the scratchpad (MVIN)
           + d · ⌈K/D⌉·⌈N/D⌉            B tiles: MVIN + PRELOAD into the array
           + e                         fixed cost: queue fill, first DRAM access, final drain

(D = DIM.) A first form, a·M·K·N/D² + b·(M·K+K·N+M·N) + c·tiles + d, treats M, K and N
alike and cannot tell a store-bound shape (large M·N, small K) from a compute-bound one;
on the quick sweep it left 12% training and 23% held-out MAPE against 1.3% and 9% for
the tile-count form.

Fitting method: least squares with numpy (`lstsq`) on *relative* residuals — every row is
divided by its measured cycles — so that a 10⁴-cycle kernel weighs as much as a 10⁷-cycle
one and the fit minimises something close to the mean relative error. Goodness of fit is
reported on held-out shapes that the fit never saw (MAPE and the largest relative error).
The prediction interval of a kernel is ± z·s, with s the relative residual standard
deviation on the training shapes (n − 5 degrees of freedom): the curve's own uncertainty,
carried into cluster step times like the RTL's sampling intervals.

A second form, `cache`, is for real hardware (CPUs through BLAS; `dcsim measure gemm`),
where time is not a sum of DIM-tile steps: BLAS blocks for the caches, and an operand or
result that outgrows a cache level costs more per element than one that fits. It keeps
the flop and per-matrix traffic terms and adds, per matrix, a hinge at a cache knee c
(in elements), so the traffic of elements beyond c has its own cost:

    t = a·M·K·N + b·M·K + c·K·N + d·M·N + b'·(M·K − c)⁺ + c'·(K·N − c)⁺ + d'·(M·N − c)⁺ + e

On this project's CPU (hw/curves/measured/) the tile-count form left ~18-21% held-out
MAPE on float32 and the cache form ~11-12%: a result that spills out of L2 (K small,
M·N large) runs at half the GFLOP/s of one that fits, which one linear M·N term cannot
express. The knee is chosen from KNEES and the form from FORMS by 5-fold
cross-validation on the *training* shapes (`select`); the held-out shapes are never used
to choose, so their error stays an honest estimate, and both forms' errors are reported.

A surface of shape alone cannot see layout: bank conflicts, DRAM row behaviour and
strided operands change the RTL's cycles at the same M, K, N (the `abstraction`
experiment measures how much).

Sources: `sweep` (a YAML config; each shape measured on the RTL by
`cosim.nodemodel.measure_kernel`: whole kernel in RTL when small, sampled otherwise) or
`read_csv` (measurements, e.g. from real hardware; columns in CSV_HELP).
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np

from spec.errors import DcsimError

__all__ = ["GemmCurve", "Point", "fit", "select", "cv_error", "features", "sweep", "read_csv", "load_curve",
           "load_sweep_config", "goodness", "FitError", "CSV_HELP", "FEATURES", "FORMS", "KNEES"]

FEATURES = ("tile_steps", "out_tiles", "a_tiles", "b_tiles", "const")
CACHE_FEATURES = ("flops", "a_elems", "b_elems", "c_elems", "a_spill", "b_spill", "c_spill", "const")
FORMS = {"tiles": FEATURES, "cache": CACHE_FEATURES}
MODELS = {"tiles": "cycles = a*Mt*Kt*Nt + b*Mt*Nt + c*Mt*Kt + d*Kt*Nt + e, Xt = ceil(X/DIM)",
          "cache": "t = a*M*K*N + b*M*K + c*K*N + d*M*N + b2*(M*K-knee)+ + c2*(K*N-knee)+ + d2*(M*N-knee)+ + e"}
KNEES = tuple(2 ** i for i in range(12, 21))        # 4 Ki .. 1 Mi elements: L1-to-L3-sized operands
CSV_HELP = ("columns: M, K, N and one of `cycles` or `seconds` (header row required; '#' lines are "
            "comments); optional `split` (train | holdout), `kernel` (a label) and `dtype` "
            "(choose one with --dtype when there are several)")


class FitError(DcsimError):
    pass


@dataclass(frozen=True)
class Point:
    """One measured kernel."""
    M: int
    K: int
    N: int
    value: float                    # cycles or seconds (the curve's unit)
    split: str = "train"            # 'train' | 'holdout'
    low: float | None = None
    high: float | None = None
    method: str = ""
    label: str = ""

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.M, self.K, self.N)


def features(shapes, dim: int, form: str = "tiles", knee: int | None = None) -> np.ndarray:
    """The model's feature matrix, one row per (M, K, N)."""
    raw = np.asarray(shapes, dtype=float).reshape(-1, 3)
    if form == "cache":
        m, k, n = raw[:, 0], raw[:, 1], raw[:, 2]
        spill = lambda x: np.maximum(0.0, x - knee)
        return np.stack([m * k * n, m * k, k * n, m * n, spill(m * k), spill(k * n), spill(m * n),
                         np.ones_like(m)], axis=1)
    s = np.ceil(raw / dim)
    m, k, n = s[:, 0], s[:, 1], s[:, 2]
    return np.stack([m * k * n, m * n, m * k, k * n, np.ones_like(m)], axis=1)


@dataclass
class GemmCurve:
    dim: int
    coef: list                      # a, b, c, d, e of FEATURES
    unit: str = "cycles"            # 'cycles' | 'seconds'
    clock_hz: float | None = None
    rel_sigma: float = 0.0          # relative residual std on the training shapes
    confidence: float = 0.997
    report: dict = field(default_factory=dict)
    form: str = "tiles"             # a key of FORMS
    knee: int | None = None         # the cache form's knee (elements)

    def predict(self, shapes) -> np.ndarray:
        return features(shapes, self.dim, self.form, self.knee) @ np.asarray(self.coef)

    def predict_interval(self, shapes) -> tuple[float, float, float]:
        """Sum over the GEMMs of a workload, with the curve's prediction interval."""
        total = float(self.predict(shapes).sum())
        half = NormalDist().inv_cdf(0.5 + self.confidence / 2) * self.rel_sigma * total
        return total, total - half, total + half

    def to_json(self) -> dict:
        return {"model": MODELS[self.form], "form": self.form, "knee": self.knee,
                "features": list(FORMS[self.form]), "dim": self.dim, "coef": list(map(float, self.coef)),
                "unit": self.unit, "clock_hz": self.clock_hz, "rel_sigma": self.rel_sigma,
                "confidence": self.confidence, "report": self.report}

    @classmethod
    def from_json(cls, d: dict) -> "GemmCurve":
        form = d.get("form", "tiles")
        if form not in FORMS or len(d["coef"]) != len(FORMS[form]):
            raise KeyError(f"form '{form}' with {len(d['coef'])} coefficients")
        return cls(int(d["dim"]), [float(c) for c in d["coef"]], d.get("unit", "cycles"), d.get("clock_hz"),
                   float(d.get("rel_sigma", 0.0)), float(d.get("confidence", 0.997)), d.get("report", {}),
                   form, int(d["knee"]) if d.get("knee") is not None else None)


def load_curve(path: str | Path) -> GemmCurve:
    try:
        return GemmCurve.from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError) as exc:
        raise FitError(f"cannot read curve file {path}: {exc}") from None


# ------------------------------------------------------------------ fitting
def fit(points: list[Point], dim: int, unit: str = "cycles", clock_hz: float | None = None,
        confidence: float = 0.997, form: str = "tiles", knee: int | None = None) -> GemmCurve:
    """Least squares of `form` on the training points (the cache form's knee by CV when not given)."""
    if form not in FORMS:
        raise FitError(f"unknown curve form '{form}': use one of {', '.join(FORMS)}")
    train = [p for p in points if p.split == "train"]
    nfeat = len(FORMS[form])
    if len(train) < nfeat + 1:
        raise FitError(f"a fit needs at least {nfeat + 1} training shapes, got {len(train)}")
    y = np.array([p.value for p in train], dtype=float)
    if np.any(y <= 0):
        raise FitError("measured values must be positive")
    if form == "cache" and knee is None:
        knee = min(KNEES, key=lambda c: cv_error(train, dim, form, c))
    coef = _lstsq([p.shape for p in train], y, dim, form, knee)
    rel = (features([p.shape for p in train], dim, form, knee) @ coef - y) / y
    sigma = float(math.sqrt((rel ** 2).sum() / max(1, len(y) - nfeat)))
    curve = GemmCurve(dim, coef.tolist(), unit, clock_hz, sigma, confidence, form=form, knee=knee)
    curve.report = goodness(curve, points)
    return curve


def _lstsq(shapes, y, dim, form, knee) -> np.ndarray:
    X = features(shapes, dim, form, knee)
    coef, *_ = np.linalg.lstsq(X / y[:, None], np.ones_like(y), rcond=None)
    return coef


def cv_error(train: list[Point], dim: int, form: str, knee: int | None = None, folds: int = 5,
             seed: int = 0) -> float:
    """Mean |relative error| of `form` over `folds`-fold cross-validation on training points."""
    train = [p for p in train if p.split == "train"]
    order = np.random.default_rng(seed).permutation(len(train))
    shapes = np.array([p.shape for p in train], dtype=float)[order]
    y = np.array([p.value for p in train], dtype=float)[order]
    errs = []
    for f in range(folds):
        test = np.arange(len(y)) % folds == f
        if test.all() or (~test).sum() <= len(FORMS[form]):
            continue
        coef = _lstsq(shapes[~test], y[~test], dim, form, knee)
        errs.append(np.abs(features(shapes[test], dim, form, knee) @ coef / y[test] - 1))
    return float(np.concatenate(errs).mean()) if errs else math.inf


def select(points: list[Point], dim: int, unit: str = "cycles", clock_hz: float | None = None,
           confidence: float = 0.997, forms=tuple(FORMS)) -> GemmCurve:
    """Fit every form and keep the one with the smallest cross-validated error on the training
    shapes; the report keeps every form's errors (CV, training, held-out) under `forms`."""
    train = [p for p in points if p.split == "train"]
    curves, table = {}, {}
    for form in forms:
        if len(train) < len(FORMS[form]) + 1 + 5:       # too few for a fit on 4/5 of them
            continue
        curves[form] = fit(points, dim, unit, clock_hz, confidence, form)
        c = curves[form]
        table[form] = {"cv_mape": cv_error(train, dim, form, c.knee), "knee": c.knee,
                       **{k: c.report[k] for k in ("train", "holdout") if k in c.report}}
    if not curves:
        return fit(points, dim, unit, clock_hz, confidence, forms[0])
    best = min(curves, key=lambda f: table[f]["cv_mape"])
    curve = curves[best]
    curve.report["forms"] = table
    curve.report["chosen"] = {"form": best, "by": "5-fold cross-validation MAPE on the training shapes"}
    return curve


def goodness(curve: GemmCurve, points: list[Point]) -> dict:
    """MAPE and max |relative error| on training and held-out shapes, and every point."""
    out = {"points": []}
    for split in ("train", "holdout"):
        ps = [p for p in points if p.split == split]
        if not ps:
            continue
        pred = curve.predict([p.shape for p in ps])
        err = (pred - np.array([p.value for p in ps])) / np.array([p.value for p in ps])
        out[split] = {"shapes": len(ps), "mape": float(np.abs(err).mean()), "max_error": float(np.abs(err).max()),
                      "worst": ps[int(np.argmax(np.abs(err)))].label or "gemm:%d,%d,%d" % ps[int(np.argmax(np.abs(err)))].shape}
        out["points"] += [{"shape": list(p.shape), "split": split, "measured": p.value, "predicted": float(q),
                           "error": float(e), "method": p.method} for p, q, e in zip(ps, pred, err)]
    return out


# ------------------------------------------------------------------ sources
def read_csv(path: str | Path, holdout: float = 0.25, seed: int = 0,
             dtype: str | None = None) -> tuple[list[Point], str]:
    """Points from a CSV of measurements and their unit; rows without `split` are held out
    at random with probability `holdout`; with a `dtype` column, only the rows of `dtype`
    (which may be left out when every row has the same one)."""
    path = Path(path)
    try:
        numbered = [(i, l) for i, l in enumerate(path.read_text().splitlines(), 1)
                    if l.strip() and not l.lstrip().startswith("#")]
    except OSError as exc:
        raise FitError(f"cannot read {path}: {exc.strerror}") from None
    rows = list(csv.DictReader(l for _, l in numbered))
    line_of = [i for i, _ in numbered[1:]]              # file line of each data row
    if not rows:
        raise FitError(f"{path}: no data rows ({CSV_HELP})")
    cols = {c.strip().lower(): c for c in rows[0]}
    unit = "cycles" if "cycles" in cols else "seconds" if "seconds" in cols else None
    if unit is None or not {"m", "k", "n"} <= cols.keys():
        missing = [c for c in ("M", "K", "N") if c.lower() not in cols] + ([] if unit else ["cycles or seconds"])
        raise FitError(f"{path}: missing column(s) {', '.join(missing)} (header has {', '.join(cols)}); "
                       f"add them to the header row ({CSV_HELP}); `dcsim measure gemm` writes such a file")
    rng = np.random.default_rng(seed)
    points = []
    found = sorted({(r.get(cols["dtype"]) or "").strip() for r in rows}) if "dtype" in cols else []
    if dtype is not None and dtype not in found:
        raise FitError(f"{path}: no rows of dtype '{dtype}'" + (f"; it has {', '.join(found)}" if found else
                                                                 " (no dtype column)"))
    if dtype is None and len(found) > 1:
        raise FitError(f"{path}: rows of several dtypes ({', '.join(found)}): fit one at a time with --dtype, "
                       f"e.g. --dtype {found[0]}")
    for i, row in zip(line_of, rows):
        get = lambda c: (row.get(cols[c]) or "").strip() if c in cols else ""
        if dtype is not None and get("dtype") != dtype:
            continue
        try:
            split = get("split") or ("holdout" if rng.random() < holdout else "train")
            if split not in ("train", "holdout"):
                raise ValueError(f"split must be train or holdout, got '{split}'")
            points.append(Point(int(get("m")), int(get("k")), int(get("n")), float(get(unit)), split,
                                method="csv", label=get("kernel")))
        except ValueError as exc:
            raise FitError(f"{path}:{i}: bad row ({exc}); {CSV_HELP}") from None
    return points, unit


def load_sweep_config(path: str | Path) -> dict:
    """A sweep config (YAML): train grid, held-out shapes, how to measure. See hw/curves/."""
    import yaml
    try:
        cfg = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FitError(f"cannot read sweep config {path}: {exc}") from None
    if not isinstance(cfg, dict) or "train" not in cfg:
        raise FitError(f"{path}: a sweep config needs 'train' (M, K, N lists, or shapes: [[M, K, N], ...])")
    return cfg


def sweep_shapes(cfg: dict, dim: int) -> list[tuple[tuple[int, int, int], str]]:
    """(shape, split) for every shape of a sweep config."""
    out = [(s, "train") for s in _shapes(cfg["train"])]
    held = cfg.get("holdout") or {}
    if "shapes" in held:
        out += [(tuple(s), "holdout") for s in held["shapes"]]
    if "count" in held:
        rng = np.random.default_rng(held.get("seed", 0))
        lo, hi = held.get("low", dim), held.get("high", 16 * dim)
        seen = {s for s, _ in out}
        log = held.get("scale", "linear") == "log"          # log: as many small shapes as large ones
        while sum(sp == "holdout" for _, sp in out) < held["count"] + len(held.get("shapes", [])):
            s = tuple(int(round(math.exp(x))) for x in rng.uniform(math.log(lo), math.log(hi), 3)) if log \
                else tuple(int(x) for x in rng.integers(lo, hi + 1, 3))
            if s not in seen:
                seen.add(s)
                out.append((s, "holdout"))
    return out


def _shapes(spec: dict) -> list[tuple[int, int, int]]:
    if "shapes" in spec:
        return [tuple(int(x) for x in s) for s in spec["shapes"]]
    return [(m, k, n) for m in spec["M"] for k in spec["K"] for n in spec["N"]]


def sweep(machine, cfg: dict, on_point=None) -> list[Point]:
    """Measure every shape of the config on the RTL (`nodemodel.measure_kernel`)."""
    from .nodemodel import measure_kernel
    dim = machine_dim(machine)
    family = cfg.get("workload", "gemm")
    opts = {k: v for k, v in (cfg.get("measure") or {}).items()
            if k in ("unit", "warmup", "samples", "truth_max_commands", "confidence")}
    points = []
    for shape, split in sweep_shapes(cfg, dim):
        m = measure_kernel(machine, f"{family}:{shape[0]},{shape[1]},{shape[2]}", **opts)
        points.append(Point(*shape, m.cycles, split, m.low, m.high, m.method, m.workload))
        if on_point is not None:
            on_point(points[-1], m)
    return points


def machine_dim(machine) -> int:
    return int(dict(machine.params).get("DIM", 8))
