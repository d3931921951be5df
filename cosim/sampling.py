"""A sampled run of any target: defaults, one or two passes to a target error, the truth.

`sample(target, options)` is what `dcsim sample` and `dcsim demo` run; `options` is an
`argparse.Namespace` with `dcsim sample`'s option names (`options()` makes one with every
default). Plan size: `interval` measures one unit in K; `samples` measures N units;
`target_error` measures a first pass of DEFAULT_SAMPLES units, computes from its interval
how many units reach ±E at the chosen confidence, and runs a second pass of that many
(units measured in the first pass are reused from the store). Without any of them the plan
is the default: DEFAULT_SAMPLES units, then a second pass to ±DEFAULT_TARGET_ERROR.

Defaults, chosen by measurement (benchmarks/bench_sampling_suite.py, the offline plan
study in benchmarks/bench_sampling_plans.py, and the coverage benchmark):
- units: 200 commands on an accelerator (`queue_target.DEFAULT_UNIT`). Every sample costs
  W + U commands of RTL and a few of drain; with W at 160 on the NPU larger units amortise
  it, and they average the alternation of MVIN/COMPUTE/MVOUT phases: the tiled GEMMs
  repeat every 100-200 commands, so units of 100 alternate between load- and compute-heavy
  halves (per-unit CV 0.72 on `long`, 0.083 at U=200; transformer:128,128 0.72 -> 0.35).
  On a processor 1000 instructions (`core_target.DEFAULT_UNIT`): a sample's fixed cost
  (restore, inject, extract and compare 4 MiB of ram: ~0.4 ms) is about the RTL time of
  1000 instructions, and longer units average out the alternation inside loops.
- stratified plans, DEFAULT_STRATA=12 strata from k-means of the units' kind mix (the
  target's `labels`), random units inside each. Systematic plans alias with GEMM loop
  periods; plain random plans need ~10x the units.
- first pass: DEFAULT_SAMPLES=36 units, two per stratum and the rest in proportion to the
  strata's sizes. Two units per stratum (16 strata, 32 units) estimate the big strata's
  spread too poorly: on `long` two strata hold 98% of the units, with rare outliers.
  The interval is widened by the shrunk per-stratum variances (`estimate.estimate_total`).
- a target that knows every unit's covariates before any RTL runs (an accelerator: its
  command counts by kind, `QueueTarget.covariates`) is estimated by regression on them
  (`estimate.regression_estimate`), which leaves only the residuals' spread: its default
  plan is 18 units in 6 strata (`TargetDefaults.samples/strata`), three per stratum; a
  second pass is sized from the residual spread (`passes.regression_size`). On `long`
  that halves the units for the same interval (offline, 300 plan seeds:
  benchmarks/bench_sampling_estimators.py).
- warm-up W: the target's (four in-flight windows on an accelerator, 160 on the NPU,
  `queue_sample.default_warmup`; 0 on the generated core, where it is exact).
- look-ahead (accelerators): each sample keeps the RTL's host queue topped up until the
  unit's last command commits, which makes it exact in one run
  (`queue_sample.measure_sample`); --lookahead sets the first push.
- second pass (`passes.second_pass`): only when the first pass's interval is wider than
  the target; stratified plans by Neyman allocation. If the second pass still falls short
  (its size came from the first pass's few units per stratum), a third pass sized from
  the second's spread (MAX_PASSES). The first pass checks the workload's
  output (a processor's profile already has), so a campaign that needs no second pass walks
  the workload once.
- target ±1% at 99.7% confidence.
"""
from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

from spec.errors import DcsimError

from . import plan as plans
from .campaign import prebuild, run_campaign
from .executor import make_executor, parse_executor, warm_up_workers
from .passes import second_pass
from .report import build_report
from .store import SampleStore
from .target import SamplingTarget
from .truth import design_hash

DEFAULT_SAMPLES = 36
DEFAULT_STRATA = 12
DEFAULT_TARGET_ERROR = 0.01
MAX_PASSES = 3                    # a pass's Neyman size comes from the previous pass's spread: one more pass
                                  # reaches the target where that spread was underestimated

OPTION_DEFAULTS = dict(plan="stratified", unit=None, warmup=None, lookahead=None, interval=None, samples=None,
                       target_error=None, strata=None, confidence=0.997, truth=False,
                       no_truth_cache=False, executor=None, workers=None, scheduler=None, store=None, report=None,
                       backend="c", seed=0, plan_seed=None, json=False)


def options(**given) -> argparse.Namespace:
    """`dcsim sample`'s options with their defaults, overridden by `given`."""
    unknown = set(given) - set(OPTION_DEFAULTS) - {"workload", "program", "spec", "defines", "command", "handler",
                                                   "max_instructions"}
    if unknown:
        raise TypeError(f"unknown sampling options: {', '.join(sorted(unknown))}")
    return argparse.Namespace(**{**OPTION_DEFAULTS, **given})


def executor_spec(args) -> str:
    """--executor, or the old spellings --workers N and --scheduler ADDRESS."""
    if getattr(args, "scheduler", None):
        return "dask://" + args.scheduler.split("://", 1)[-1]
    if getattr(args, "workers", None):
        return f"local:{args.workers}"
    return getattr(args, "executor", None) or "local"


def resolve(target: SamplingTarget, args) -> argparse.Namespace:
    """A copy of `args` with the target's defaults filled in: unit, warm-up, first look-ahead,
    strata, plan seed, and the target error when no plan size was given."""
    args = argparse.Namespace(**{**OPTION_DEFAULTS, **vars(args)})
    d = target.defaults
    if args.lookahead and not d.lookahead:
        raise DcsimError("--lookahead is for queue machines: a core retires its instructions in order and "
                         "never runs ahead of the unit, so a sample has nothing to look ahead to")
    for name, default in (("unit", d.unit), ("warmup", d.warmup), ("lookahead", d.lookahead),
                          ("strata", d.strata or DEFAULT_STRATA), ("plan_seed", args.seed)):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.target_error is None and not args.interval and not args.samples:
        args.target_error = DEFAULT_TARGET_ERROR
    if not args.target_error:
        args.target_error = None
    if args.warmup < 0 or args.lookahead < 0 or args.unit <= 0:
        raise DcsimError(f"--unit must be positive and --warmup/--lookahead non-negative "
                         f"(got {args.unit}, {args.warmup}, {args.lookahead})")
    return args


def identity(target: SamplingTarget, args) -> dict:
    """What a resumable store's samples belong to (a store of another campaign is refused)."""
    m = target.machine
    return {"machine": m.name, "digest": m.digest, "design": design_hash(m), "kind": target.kind,
            "workload": target.name, "seed": args.seed, "unit": args.unit, "warmup": args.warmup,
            "backend": args.backend, **target.identity()}


def build_plan(target: SamplingTarget, args, count: int | None = None, weights=None, floor=None) -> plans.SamplePlan:
    """The plan `args` asks for over the target's units (a second pass: `count` units,
    Neyman `weights` and the first pass's allocation as `floor`)."""
    return plans.from_args(args, target.total, args.unit,
                           lambda strata: target.labels(args.unit, strata, args.plan_seed),
                           args.plan_seed, count, weights, floor, target.defaults.samples or DEFAULT_SAMPLES)


def sample(target: SamplingTarget, args, display=None, log=None) -> dict:
    """The sampled run (passes until the target error is met, at most MAX_PASSES), then the
    truth if asked: the report dict. `display(label, total)` makes a progress display (a
    context manager yielding `show(done, position, total, estimate)`), or None for none;
    `log(message)` hears one line per phase with its elapsed time."""
    parse_executor(executor_spec(args))                 # a bad --executor fails before any work
    args = resolve(target, args)
    display = display or (lambda label, total: nullcontext(lambda *a: None))
    log = log or (lambda message: None)
    with SampleStore(args.store, identity(target, args)) as store:
        t = time.perf_counter()
        target.load()                               # the workload's binary: the full RTL run is given it too
        build_seconds = prebuild(target.machine, args.backend)
        log(f"workload and models ready in {time.perf_counter() - t:.1f} s (builds {build_seconds:.1f} s)")
        t0 = time.perf_counter()                    # the sampled run: profile, plan, fast-forward, samples
        target.prepare(args.unit)
        machine = target.machine
        with make_executor(executor_spec(args), target.base,
                           (str(machine.path), tuple(sorted(machine.params)), args.backend), machine) as executor:
            warm_up_workers(executor, target.machine, args.backend)     # workers load their models while we plan
            t_plan = time.perf_counter()
            plan = build_plan(target, args)
            phases = {"executor_start": t_plan - t0, "plan": time.perf_counter() - t_plan}
            passes: list = []
            while plan is not None:
                label = f"pass {len(passes) + 1}" if args.target_error else "sampling"
                t = time.perf_counter()
                result = _pass(target, plan, executor, store, args, display, label)
                passes.append(_pass_summary(result))
                log(f"{label}: {len(plan.samples)} units, ±{100 * result.estimate.relative_error:.2f}% "
                    f"in {time.perf_counter() - t:.2f} s")
                plan = None
                if args.target_error and len(passes) < MAX_PASSES:
                    plan, passes[-1]["needed_samples"] = second_pass(
                        result, args.target_error, lambda **kw: build_plan(target, args, **kw),
                        target.defaults.measurement_bias)
            phases["passes"] = time.perf_counter() - t_plan - phases["plan"]
        seconds = time.perf_counter() - t0
        phases["shutdown"] = seconds - sum(phases.values())        # the workers' exit
        executor_info = {"kind": executor.kind, "workers": executor.workers}
    report = build_report(target, args, result, seconds, passes, executor_info)
    report["build_seconds"] = round(build_seconds, 3)
    report["phase_seconds"] = {k: round(v, 4) for k, v in phases.items()}
    if args.target_error:
        report["target_met"] = result.estimate.relative_error <= args.target_error
    if args.truth:
        t = time.perf_counter()
        with display("full RTL", target.total) as show:
            truth = target.truth(args.unit, use_cache=not args.no_truth_cache, progress=lambda n: show(n))
        log(f"full RTL run {'read from the cache' if truth['cached'] else 'done'} in {time.perf_counter() - t:.1f} s")
        report.update(truth_comparison(result, truth, seconds))
    return report


def _pass(target, plan, executor, store, args, display, label: str):
    with display(label or "sampling", len(plan.samples)) as show:
        show(sum(u.index in store.done for u in plan.samples))
        return run_campaign(target, plan, executor=executor, store=store, confidence=args.confidence,
                            on_progress=lambda p: show(p.done, p.position, p.total, p.estimate))


def _pass_summary(result) -> dict:
    return {"plan": result.plan.describe(), "samples": len(result.plan.samples), "reused": result.reused,
            "estimate_cycles": result.estimate.cycles, "relative_error": result.estimate.relative_error}


def truth_comparison(result, truth: dict, seconds: float) -> dict:
    """The estimate against the full RTL run: error, inside the interval, speedup."""
    cycles, est = truth["cycles"], result.estimate
    return {"truth_cycles": cycles, "error": (est.cycles - cycles) / cycles,
            "within_interval": est.low <= cycles <= est.high, "truth_seconds": round(truth["seconds"], 3),
            "truth_cached": truth["cached"], "speedup": truth["seconds"] / max(seconds, 1e-9),
            "truth_per_unit": truth["per_unit"]}
