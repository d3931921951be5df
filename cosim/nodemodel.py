"""Node models: where a cluster job's kernel times come from, with their uncertainty.

Every node model answers `estimate(kernel) -> network.compute.Estimate` (seconds and an
optional confidence interval), so a cluster job does not care which abstraction prices
its kernels. Three sources, mixable per kernel in one run:

* **sampled RTL** (`sampled_rtl`): the functional model fast-forwards the kernel's command
  stream and the RTL measures sampled units (`cosim.campaign.run_campaign`), or, for
  kernels of at most `truth_max_commands` commands, the whole kernel runs in RTL (exact,
  and cheaper than a campaign's per-sample overhead at that size). Results are cached per
  kernel (workload text + machine digest + RTL design hash + plan) under
  `$DCSIM_CACHE/kernels/`, behind `network.compute.SampledRTL`.
* **fitted curve** (`CurveModel`): a `cosim.fit.GemmCurve`; its interval is the fit's
  prediction interval (relative residual spread on the training shapes).
* **table** (`network.compute.load_kernel_table`): measured times per kernel key.

`Switch` routes each kernel to one of them by its key (fnmatch patterns), so one job can
take, say, its GEMMs from the curve and its attention kernels from sampled RTL. A
boundary between kernels is a correspondence point of the NPU (a FENCE drains it), which
is why switching abstraction per kernel is sound.

Uncertainty all the way up (`step_time_interval`): by **resampling**. Each kernel's
interval at confidence c is read as a normal estimate with σ = half-width / z(c); one
draw picks one value per *kernel* (every task that runs that kernel shares it: its error
is one estimation error, not independent per use) and the cluster job is re-simulated
with those durations. The step time's interval is the point step time ± z(c)·(std of the
draws' step times). Resampling rather than analytic propagation because the step time
is a max-plus function of the durations (overlap of backward compute with all-reduces,
pipeline bubbles) whose critical path can change within the interval.
"""
from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from statistics import NormalDist

import numpy as np

from network.compute import Estimate, Kernel, SampledRTL
from spec import ir
from spec.cache import cache_dir

__all__ = ["Measurement", "measure_kernel", "kernel_cache_dir", "workload_text", "gemms_of",
           "sampled_rtl", "CurveModel", "Switch", "step_time_interval", "DEFAULT_CLOCK_HZ"]

DEFAULT_CLOCK_HZ = 1e9
TRUTH_MAX_COMMANDS = 4000       # ~1 s of full RTL on this machine; above, a campaign is cheaper


@dataclass(frozen=True)
class Measurement:
    """Cycles of one kernel on the RTL, with the interval the method gives."""
    workload: str
    cycles: float
    low: float
    high: float
    method: str                 # 'truth' (whole kernel in RTL) | 'sampled'
    commands: int
    seconds: float              # wall time the measurement took (when it ran)
    samples: int = 0
    confidence: float = 0.997

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def kernel_cache_dir() -> Path:
    return cache_dir("kernels")


def _cache_key(target, plan: dict) -> str:
    """A hash of what the measurement depends on: the machine, its generated design (RTL and
    shim), the workload's content (binary and initial state, never its name alone) and the plan."""
    from .truth import content_key, design_hash
    m = target.machine
    return content_key("kernel", m.digest, design_hash(m), target.binary, target.base, json.dumps(plan, sort_keys=True))


def measure_kernel(machine: ir.Machine, text: str, *, unit: int = 20, warmup: int | None = None,
                   samples: int = 30,
                   truth_max_commands: int = TRUTH_MAX_COMMANDS, confidence: float = 0.997,
                   use_cache: bool = True) -> Measurement:
    """Cycles of workload `text` ('gemm:M,K,N', 'bankconflict:...') on `machine`'s RTL.

    Whole kernel in RTL when it has at most `truth_max_commands` commands, else a systematic
    sampled campaign of about `samples` units (unit U, warm-up W, by default sampling's
    measured default). Cached on disk."""
    from fastforward.workloads import build_workload

    from .queue_sample import default_warmup
    warmup = default_warmup(machine) if warmup is None else warmup
    from .queue_target import QueueTarget
    target = QueueTarget(machine, build_workload(machine, text))
    target.load()
    method = "truth" if target.total <= truth_max_commands else "sampled"
    plan = {"method": method, "unit": unit, "warmup": warmup, "samples": samples, "confidence": confidence}
    path = kernel_cache_dir() / f"{_cache_key(target, plan if method == 'sampled' else {'unit': unit})}.json"
    if use_cache and path.is_file():
        try:
            cached = Measurement(**json.loads(path.read_text()))
            if cached.commands == target.total:
                return cached
        except (OSError, ValueError, TypeError):
            pass                                        # torn entry: measure again
    result = _truth(target, unit) if method == "truth" else _sampled(target, unit, warmup, samples, confidence)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.as_dict()))
    os.replace(tmp, path)
    return result


def _truth(target, unit: int) -> Measurement:
    t = target.truth(unit)
    c = float(t["cycles"])
    return Measurement(target.name, c, c, c, "truth", target.total, float(t["seconds"]))


def _sampled(target, unit, warmup, samples, confidence) -> Measurement:
    from . import plan as plans
    from .campaign import run_campaign
    from .executor import InlineExecutor
    from .store import SampleStore
    every = max(1, plans.units_in(target.total, unit) // samples)
    plan = plans.systematic(target.total, unit, warmup, every)
    t0 = time.perf_counter()
    with SampleStore(None, {"workload": target.name}) as store:
        r = run_campaign(target, plan, executor=InlineExecutor(), store=store, confidence=confidence)
    if r.diverged:
        from spec.errors import DcsimError
        raise DcsimError(f"{target.name}: {len(r.diverged)} sampled units diverged from the functional model")
    e = r.estimate
    return Measurement(target.name, e.cycles, e.low, e.high, "sampled", target.total, time.perf_counter() - t0,
                       len(plan.samples), confidence)


# ------------------------------------------------------------------ kernels <-> workloads
_WORKLOAD = re.compile(r"^(gemm|bankconflict|stream|transformer|conv|mlp):[0-9, ]+$")


def workload_text(kernel: Kernel) -> str:
    """The NPU workload that runs `kernel`: its name when that is a workload, else its GEMM."""
    if _WORKLOAD.match(kernel.name):
        return kernel.name.replace(" ", "")
    if kernel.shape and len(kernel.shape) == 3:
        return "gemm:" + ",".join(map(str, kernel.shape))
    from network.errors import NetworkError
    raise NetworkError(f"kernel '{kernel.key}' is not an NPU workload",
                       "name it 'gemm:M,K,N', 'transformer:S,D', ... or give it a GEMM shape")


def gemms_of(text: str, dim: int = 8) -> list[tuple[int, int, int]]:
    """The GEMMs (M, K, N) a workload runs, for models that price GEMMs one by one."""
    kind, _, rest = text.partition(":")
    a = [int(x) for x in rest.split(",") if x.strip()]
    if kind in ("gemm", "bankconflict"):
        return [tuple(a[:3])]
    if kind == "stream":
        return [(a[0], dim, dim)]
    if kind == "mlp":
        return [(a[0], a[i], a[i + 1]) for i in range(1, len(a) - 1)]
    if kind == "conv":
        h, w, c, k, f = (a + [3])[:5]
        return [((h - f + 1) * (w - f + 1), f * f * c, k)]
    if kind == "transformer":
        s, d = a[0], a[1]
        f = a[2] if len(a) > 2 else 4 * d
        return [(s, d, d), (d, d, s), (s, d, d), (s, d, s), (s, s, d), (s, d, d), (s, d, f), (s, f, d)]
    raise ValueError(f"no GEMM decomposition for workload '{text}'")


def npu_kernel(text: str) -> Kernel:
    """A cluster kernel that is an NPU workload (its key is the workload text)."""
    shapes = gemms_of(text)
    flops = float(sum(2 * m * k * n for m, k, n in shapes))
    moved = float(sum(m * k + k * n + m * n for m, k, n in shapes))
    return Kernel(text, flops, moved, shapes[0] if len(shapes) == 1 else (), "npu")


# ------------------------------------------------------------------ the three sources
def sampled_rtl(machine: ir.Machine, clock_hz: float = DEFAULT_CLOCK_HZ, cache_path: str | Path | None = None,
                on_measure=None, **plan) -> SampledRTL:
    """`network.compute.SampledRTL` with a real sampler: kernel -> workload -> RTL cycles."""

    def sampler(kernel: Kernel) -> Estimate:
        m = measure_kernel(machine, workload_text(kernel), **plan)
        if on_measure is not None:
            on_measure(kernel, m)
        return Estimate(m.cycles / clock_hz, (m.low / clock_hz, m.high / clock_hz), f"rtl-{m.method}")
    return SampledRTL(sampler, cache_path)


class CurveModel:
    """Kernel times from a fitted GEMM curve; a multi-GEMM workload is the sum of its GEMMs."""

    def __init__(self, curve, clock_hz: float | None = None):
        self.curve = curve
        self.clock_hz = clock_hz or curve.clock_hz or DEFAULT_CLOCK_HZ

    def estimate(self, kernel: Kernel) -> Estimate:
        text = workload_text(kernel)
        shapes = gemms_of(text, self.curve.dim)
        cycles, low, high = self.curve.predict_interval(shapes)
        scale = 1.0 if self.curve.unit == "seconds" else 1.0 / self.clock_hz
        return Estimate(cycles * scale, (low * scale, high * scale), "curve")


class Switch:
    """Route each kernel to a model by fnmatch pattern on its key; first match wins."""

    def __init__(self, routes: list[tuple[str, object]], default=None):
        self.routes, self.default = list(routes), default

    def model_for(self, kernel: Kernel):
        for pattern, model in self.routes:
            if fnmatch(kernel.key, pattern):
                return model
        if self.default is None:
            from network.errors import NetworkError
            raise NetworkError(f"no node model for kernel '{kernel.key}'")
        return self.default

    def estimate(self, kernel: Kernel) -> Estimate:
        return self.model_for(kernel).estimate(kernel)


# ------------------------------------------------------------------ uncertainty up to the step
def step_time_interval(job, topology, link_model, *, groups: list | None = None, draws: int = 64,
                       confidence: float = 0.997, engine: str = "auto", seed: int = 0) -> dict:
    """The step time with its interval, by resampling per-kernel estimates (module docstring).

    `groups[i]` names the kernel of task i (tasks sharing a kernel share its draw); default:
    tasks with identical (seconds, ci) share a kernel (estimates are cached per kernel)."""
    from network.cluster import simulate
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    point = simulate(job, topology, link_model, engine)
    tasks = job.tasks
    groups = groups or [(t.seconds, t.ci) if t.ci else None for t in tasks]
    keys = sorted({g for g in groups if g is not None}, key=str)
    if not keys:
        return {"step_time_s": point.step_time, "ci_s": None, "draws": 0, "method": "none", "result": point}
    index = {k: i for i, k in enumerate(keys)}
    base = np.array([t.seconds for t in tasks])
    sigma = np.array([((t.ci[1] - t.ci[0]) / (2 * z)) if t.ci else 0.0 for t in tasks])
    member = np.array([index[g] if g is not None else -1 for g in groups])
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(draws):
        normal = np.append(rng.standard_normal(len(keys)), 0.0)      # -1 -> no uncertainty
        durations = np.maximum(0.0, base + sigma * normal[member])
        steps.append(simulate(job, topology, link_model, point.engine, durations).step_time)
    steps = np.array(steps)
    spread = float(steps.std(ddof=1)) if draws > 1 else 0.0
    t = point.step_time
    return {"step_time_s": t, "ci_s": (t - z * spread, t + z * spread), "draws": draws,
            "method": "resampling", "kernels": len(keys), "draw_mean_s": float(steps.mean()),
            "draw_percentiles_s": [float(np.percentile(steps, q)) for q in (0.15, 50, 99.85)],
            "relative_halfwidth": z * spread / t if t else math.inf, "result": point}
