"""`dcsim sample`: sampled RTL co-simulation of a workload, with a confidence interval.

Plan size: `--interval K` measures one unit in K; `--samples N` measures N units;
`--target-error E` measures a first pass of DEFAULT_SAMPLES units, computes from its
interval how many units reach ±E at the chosen confidence, and runs a second pass of that
many (units measured in the first pass are reused from the store). Without any of them
the plan is the default: DEFAULT_SAMPLES units, then a second pass to ±DEFAULT_TARGET_ERROR.

Defaults, chosen by measurement (benchmarks/bench_sampling_suite.py, the offline plan
study in benchmarks/bench_sampling_plans.py, and the coverage benchmark):
- units of DEFAULT_UNIT=200 commands. Every sample costs W + U commands of RTL and a few
  of drain; with W at 160 on the NPU larger units amortise it, and they average the
  alternation of MVIN/COMPUTE/MVOUT phases: the tiled GEMMs repeat every 100-200
  commands, so units of 100 alternate between load- and compute-heavy halves (per-unit
  CV 0.72 on `long`, 0.083 at U=200; transformer:128,128 0.72 -> 0.35). The default plan
  then measures 36 units of `long` (16,057 units) where U=100 needed ~400.
- stratified plans, DEFAULT_STRATA=12 strata from k-means of the units' command-kind mix
  (known from the command stream without running anything), random units inside each.
  Systematic plans alias with GEMM loop periods; plain random plans need ~10x the units.
- first pass: DEFAULT_SAMPLES=36 units, two per stratum and the rest in proportion to the
  strata's sizes. Two units per stratum (16 strata, 32 units) estimate the big strata's
  spread too poorly: on `long` two strata hold 98% of the units, with rare outliers, and
  only 95% of the 99.7% intervals held the truth over 200 plan seeds; 12 strata and 36
  units keep it at 97.5-100% on every suite workload (bench_sampling_plans.py, full-run
  per-unit cycles; with real samples, benchmarks/bench_sampling_coverage.py: 100/100 on
  `long` and transformer:128,128).
- warm-up W: four in-flight windows (`sample.default_warmup`, 160 on the NPU). Commands
  that completed but are not yet committed hold no queue slot, so the full run's younger
  commands can be up to ~150 ahead of the oldest uncommitted one (146 measured); a warm-up
  of one window re-counted their cycles (+2% to +8.5% on the suite's GEMM/MLP workloads),
  four windows leave at most +0.13% (benchmarks/bench_sampling_warmup.py).
- look-ahead: each sample keeps the RTL's host queue topped up until the unit's last
  command commits, which makes it exact in one run (`sample.measure_sample`); --lookahead
  sets the first push (capped at sample.TOPUP_HIGH) and a quarter of the task's budget.
- second pass (`second_pass`): only when the first pass's interval is wider than the
  target; stratified plans by Neyman allocation (units per stratum ∝ size × the first
  pass's shrunk standard deviation, `neyman_second_pass`), at least the first pass's units
  in each. The first pass runs the functional model to the end and checks the workload's
  output, so a campaign that needs no second pass walks the workload once.
- target ±1% at 99.7% confidence (mean |error| ~0.2% over the suite).
"""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from spec import ir
from spec.errors import DcsimError

from .. import plan as plans
from ..campaign import base_state, encoded_commands, make_executor, parse_executor, prebuild, run_campaign, warm_up_workers
from .args import add_machine_args, load_machine_arg
from .output import emit_json, stderr, stdout
from ..store import SampleStore
from ..strata import kind_histograms, kmeans

DEFAULT_SAMPLES = 36
DEFAULT_UNIT = 200
DEFAULT_STRATA = 12
DEFAULT_TARGET_ERROR = 0.01

EXAMPLES = """\
examples:
  dcsim sample npu --workload gemm:64,64,64 --truth          (defaults: stratified, U=200, to +-1%)
  dcsim sample npu --workload gemm:64,64,64 --unit 20 --warmup 40 --samples 10 --plan random --truth
  dcsim sample npu --workload mlp:32,128,128,64 --plan stratified --samples 12 --json
  dcsim sample npu --workload gemm:128,128,128 --target-error 0.01 --store runs/g128.db   (resumable)
  dcsim sample npu --workload transformer:64,128 --executor dask://10.0.0.1:8786 --report out/
  dcsim sample rv32i --workload prog:sort --truth --json       (RV32I: U=1000 instructions, W=0)
  dcsim sample rv32i --program my_prog.elf --truth             (your program: ELF, flat binary or .s)
  dcsim sample rv32i --workload prog:crc,8192 --plan systematic --samples 40 --truth
programs (processors): prog:sort[,N[,ROUNDS]] (insertion sorts, exits by ECALL), prog:crc[,BYTES[,ROUNDS]]
  (CRC-32 bitwise and by table, exits through HTIF tohost); about 1.1e6 instructions each by default
executors: local (default: one worker process per core), local:N, inline, dask://HOST:PORT
"""


def add_parser(sub):
    p = sub.add_parser("sample", help="sampled RTL co-simulation with a confidence interval",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
                       description="Fast-forward a workload on the functional model; at sampled units inject its "
                                   "state into the RTL, run warm-up and the unit, check the RTL's state against "
                                   "the functional model, and estimate total cycles (SMARTS).")
    add_machine_args(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--workload", metavar="NAME:ARGS", help="built-in workload, e.g. gemm:64,64,64; "
                      "processors: a bundled program, prog:sort[,N[,ROUNDS]] or prog:crc[,BYTES[,ROUNDS]]")
    what.add_argument("--program", metavar="FILE", help="processors: your program (ELF, flat binary or .s "
                      "assembly), run to its exit; the functional model's run is its expected result")
    p.add_argument("--plan", default="stratified", choices=("systematic", "random", "stratified"),
                   help="stratified (default: random units inside strata of like command mix), random, or "
                        "systematic (one unit every K, random offset per --plan-seed)")
    p.add_argument("--unit", type=int, metavar="U",     # None: the machine's default (a processor's differs)
                   help=f"commands per sample unit (default {DEFAULT_UNIT}; processors: instructions, default 1000)")
    p.add_argument("--warmup", type=int, metavar="W", help="detailed warm-up commands before each unit "
                   "(default: four in-flight windows, 160 on the NPU)")
    p.add_argument("--lookahead", type=int, metavar="L", help="commands first pushed after each unit so that its "
                   "end sees the full run's younger traffic (at most sample.TOPUP_HIGH; the sample then tops the "
                   "queue up so that a command still waits when the unit ends, which makes it exact; the task "
                   "carries 4x this, at least 4x16, before it is resent; default: the in-flight window)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--interval", "--every", type=int, metavar="K", help="measure one unit in K")
    size.add_argument("--samples", type=int, metavar="N", help=f"measure N units (default {DEFAULT_SAMPLES})")
    size.add_argument("--target-error", type=float, metavar="E", help="two passes: the second, if the first's "
                      "interval is wider, measures the units needed for a relative half-width E at the chosen "
                      f"confidence (default {DEFAULT_TARGET_ERROR} "
                      "unless --interval or --samples is given; 0: one pass)")
    p.add_argument("--strata", type=int, default=DEFAULT_STRATA,
                   help=f"stratified: number of strata (default {DEFAULT_STRATA})")
    p.add_argument("--confidence", type=float, default=0.997, help="interval confidence (default 0.997)")
    p.add_argument("--truth", "--ground-truth", action="store_true", help="also run the whole workload in RTL "
                   "(cached by workload + design hash) and report the real error and the speedup")
    p.add_argument("--no-truth-cache", action="store_true", help="with --truth: rerun the full RTL even if cached")
    p.add_argument("--executor", metavar="WHERE", help="local (default), local:N, inline, or dask://HOST:PORT")
    p.add_argument("--workers", type=int, help=argparse.SUPPRESS)           # old spelling of --executor local:N
    p.add_argument("--scheduler", help=argparse.SUPPRESS)                   # old spelling of --executor dask://
    p.add_argument("--store", metavar="FILE", help="resumable SQLite store of finished samples")
    p.add_argument("--report", metavar="DIR", help="write report.md, report.json and cycles.png to DIR")
    p.add_argument("--backend", default="c", help="functional model backend: c (default) or py")
    p.add_argument("--seed", type=int, default=0, help="workload inputs and plan randomness (offset)")
    p.add_argument("--plan-seed", type=int, metavar="S", help="plan randomness only (default: --seed): draws "
                   "another plan of the same workload, whose full RTL run stays cached")
    return p


def executor_spec(args) -> str:
    if args.scheduler:
        return "dask://" + args.scheduler.split("://", 1)[-1]
    if args.workers:
        return f"local:{args.workers}"
    return args.executor or "local"


# ------------------------------------------------------------------ plans
_LABELS: dict = {}


def build_plan(machine: ir.Machine, commands, args, count: int | None = None, weights=None,
               floor=None) -> plans.SamplePlan:
    def labels():
        key = (id(commands), len(commands), args.unit, args.strata, args.plan_seed)
        if key not in _LABELS:                  # both passes of a campaign stratify alike
            _LABELS.clear()
            limbs = encoded_commands(machine, commands) if machine.queue is not None else None
            _LABELS[key] = kmeans(kind_histograms(machine, commands, args.unit, limbs), args.strata,
                                  seed=args.plan_seed)
        return _LABELS[key]
    return plans.from_args(args, len(commands), args.unit, labels, args.plan_seed, count, weights, floor,
                           DEFAULT_SAMPLES)


def neyman_second_pass(result, target_error: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Units and per-stratum weights of a second stratified pass that reaches ±`target_error`
    with the fewest units (Neyman allocation: n_h ∝ N_h·S_h), from the first pass's samples.

    S_h comes from two or three units per stratum, so it is shrunk towards the pooled
    within-stratum deviation (S_h'² = ((n_h-1)·S_h² + S_p²)/n_h): a stratum whose few units
    happened to agree still gets units in proportion to the pooled spread. The sampling
    half-width aimed at is the target less the measurement-bias allowance the estimate adds.
    Returns (units, weights N_h·S_h', the first pass's allocation as the floor)."""
    from ..estimate import MEASUREMENT_BIAS, z_value
    plan, est = result.plan, result.estimate
    sizes = np.array(plan.strata, dtype=np.float64)
    strata = np.array([u.stratum for u in plan.samples])
    cycles = np.array([s["cycles"] for s in result.samples], dtype=np.float64)   # sorted by start, as plan.samples
    counts = np.bincount(strata, minlength=len(sizes))
    var = np.array([cycles[strata == h].var(ddof=1) if counts[h] > 1 else 0.0 for h in range(len(sizes))])
    pooled = float((sizes * var).sum() / sizes.sum())
    shrunk = np.sqrt(((np.maximum(counts, 1) - 1) * var + pooled) / np.maximum(counts, 1))
    allowance = MEASUREMENT_BIAS if any(u.warmup < u.start for u in plan.samples) else 0.0
    half = max(target_error - allowance, target_error / 4) * est.cycles / z_value(est.confidence)
    a, b = float((sizes * shrunk).sum()), float((sizes * shrunk ** 2).sum())
    need = a * a / (half * half + b) if a > 0 else 0.0        # Neyman with the finite-population correction
    weights = sizes * shrunk if a > 0 else sizes              # no spread seen anywhere: proportional
    return int(math.ceil(need)), weights, counts


def second_pass(result, target_error: float, replan) -> tuple[plans.SamplePlan | None, int]:
    """(the second pass's plan, or None if the first pass's estimate stands; the units
    needed for ±`target_error`). `replan(count=, weights=, floor=)` makes a plan like the
    first with more units (plans of one seed are nested: it reuses every unit of the first).
    Stratified plans allocate by Neyman from the first pass's spread (`neyman_second_pass`)."""
    first = result.plan
    if result.estimate.relative_error <= target_error:
        return None, len(first.samples)
    weights = floor = None
    if first.kind == "stratified":
        needed, weights, floor = neyman_second_pass(result, target_error)
    else:
        needed = result.estimate.needed_samples(target_error)
    if needed <= len(first.samples):
        return None, needed
    second = replan(count=needed, weights=weights, floor=floor)
    return (second if len(second.samples) > len(first.samples) else None), needed


def identity(machine: ir.Machine, workload, args) -> dict:
    from ..truth import design_hash
    return {"machine": machine.name, "digest": machine.digest, "design": design_hash(machine),
            "workload": workload.name, "seed": args.seed, "plan_seed": args.plan_seed, "unit": args.unit,
            "warmup": args.warmup,
            "lookahead": args.lookahead, "lookahead_rule": "extend-until-pending", "backend": args.backend}


def resolve_defaults(machine: ir.Machine, args) -> argparse.Namespace:
    """A copy of `args` with the automatic defaults filled in: warm-up (`default_warmup`),
    first look-ahead (the RTL's in-flight window) and the target error (when no plan size was given)."""
    from ..sample import default_warmup, in_flight_window
    args = argparse.Namespace(**vars(args))
    window = in_flight_window(machine)
    if getattr(args, "warmup", None) is None:
        args.warmup = default_warmup(machine)
    if getattr(args, "lookahead", None) is None:
        args.lookahead = window
    if getattr(args, "unit", None) is None:
        args.unit = DEFAULT_UNIT
    if getattr(args, "strata", None) is None:
        args.strata = DEFAULT_STRATA
    if getattr(args, "plan_seed", None) is None:
        args.plan_seed = args.seed
    if getattr(args, "target_error", None) is None and not getattr(args, "interval", None) \
            and not getattr(args, "samples", None):
        args.target_error = DEFAULT_TARGET_ERROR
    if not args.target_error:
        args.target_error = None
    if args.warmup < 0 or args.lookahead < 0 or args.unit <= 0:
        raise DcsimError(f"--unit must be positive and --warmup/--lookahead non-negative "
                         f"(got {args.unit}, {args.warmup}, {args.lookahead})")
    return args


# ------------------------------------------------------------------ the command
def command(args) -> int:
    return sample_command(load_machine_arg(args), args)


def sample_command(machine: ir.Machine, args) -> int:
    from fastforward.workloads import build_workload
    if machine.fetch is not None:                       # a processor: programs, sampled at instruction boundaries
        from .sample_core import sample_core_command
        return sample_core_command(machine, args)
    if args.program:
        raise DcsimError(f"{machine.name} runs command streams: sample a built-in workload with --workload "
                         "(--program is for processors)")
    parse_executor(executor_spec(args))                 # a bad --executor fails before any work
    workload = build_workload(machine, args.workload, seed=args.seed)
    return finish(sample_workload(machine, workload, args), args)


def finish(report: dict, args) -> int:
    """Write `--report DIR`, print the report (JSON or a table); the exit status: 1 if a
    sample diverged or the functional run did not verify."""
    if args.report:
        from ..report import write_report
        report["report"] = str(write_report(Path(args.report), report))
    if args.json:
        emit_json(report)
    else:
        print_report(report)
    return 1 if report["divergences"] or report["verified"] is False else 0


def sample_workload(machine: ir.Machine, workload, args) -> dict:
    """The sampled run (one or two passes), then the truth if asked: the report dict."""
    args = resolve_defaults(machine, args)
    show = not args.json
    with SampleStore(args.store, identity(machine, workload, args)) as store:
        base = base_state(machine, workload)
        build_seconds = prebuild(machine, args.backend)
        if machine.queue is not None:               # the workload's binary: the full RTL run is given it too
            encoded_commands(machine, workload.commands)
        t0 = time.perf_counter()                    # the sampled run: plan, fast-forward, samples
        with make_executor(executor_spec(args), base) as executor:
            warm_up_workers(executor, machine, args.backend)     # workers load their models while we plan
            first = build_plan(machine, workload.commands, args)
            # the first pass runs the functional model to the end and checks the workload's output
            # (its last unit is near the end anyway); a second pass stops at its last unit
            result = _pass(machine, workload, first, executor, store, args, show, "pass 1" if args.target_error else "",
                           base=base)
            passes = [_pass_summary(result)]
            if args.target_error:
                second, passes[0]["needed_samples"] = second_pass(
                    result, args.target_error, lambda **kw: build_plan(machine, workload.commands, args, **kw))
                if second is not None:
                    verified = result.verified
                    result = _pass(machine, workload, second, executor, store, args, show, "pass 2", base=base,
                                   verify=False)
                    result.verified = verified
                    passes.append(_pass_summary(result))
        seconds = time.perf_counter() - t0
        executor_info = {"kind": executor.kind, "workers": executor.workers}
    report = _report(machine, workload, args, result, seconds, passes, executor_info)
    report["build_seconds"] = round(build_seconds, 3)
    if args.truth:
        report.update(_truth(machine, workload, args, result, seconds, show))
    return report


def _pass(machine, workload, plan, executor, store, args, show: bool, label: str, verify: bool = True, base=None):
    with _display(show) as bar:
        task = bar.add_task(label or "sampling", total=len(plan.samples), ff="", est="")
        bar.update(task, completed=sum(u.index in store.done for u in plan.samples))

        def on_progress(p):
            est = (f"{p.estimate.cycles:,.0f} ±{100 * p.estimate.relative_error:.1f}%" if p.estimate else "")
            bar.update(task, completed=p.done, ff=f"ff {p.position:,}/{p.total:,}", est=est)

        return run_campaign(machine, workload, plan, executor=executor, store=store, backend=args.backend,
                            confidence=args.confidence, on_progress=on_progress, lookahead=args.lookahead,
                            verify=verify, base=base)


def _display(show: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[ff]}"), TextColumn("[cyan]{task.fields[est]}"), TimeElapsedColumn(),
                    console=stderr, transient=True, disable=not show)


def _pass_summary(result) -> dict:
    return {"plan": result.plan.describe(), "samples": len(result.plan.samples), "reused": result.reused,
            "estimate_cycles": result.estimate.cycles, "relative_error": result.estimate.relative_error}


def _report(machine, workload, args, result, seconds: float, passes: list, executor: dict) -> dict:
    est, plan = result.estimate, result.plan
    timing = _time_split(result.samples)
    first = result.diverged[0] if result.diverged else None
    out = {"estimate_cycles": est.cycles, "ci_low": est.low, "ci_high": est.high, "confidence": est.confidence,
           "samples": len(plan.samples), "divergences": len(result.diverged), "seconds": round(seconds, 3),
           "relative_error": est.relative_error, "cv": est.cv, "population": est.population,
           "machine": machine.name, "workload": workload.name, "commands": plan.total, "unit": plan.unit,
           "warmup": args.warmup, "lookahead": args.lookahead, "plan": plan.describe(), "plan_kind": plan.kind, "passes": passes,
           "executor": executor, "verified": result.verified,
           "functional_seconds": round(result.functional_seconds, 3),
           "detailed_seconds": round(result.detailed_seconds, 3), "sample_time": timing,
           "first_divergence": _divergence(first, workload) if first else None,
           "units": [{"index": s["index"], "start": s["start"], "cycles": s["cycles"],
                      "warmup_cycles": s["warmup_cycles"], "state_ok": s["state_ok"]} for s in result.samples]}
    if args.target_error:
        out["target_error"] = args.target_error
        out["needed_samples"] = est.needed_samples(args.target_error)
    return out


def _time_split(samples: list) -> dict:
    """Mean seconds per sample in each phase (restore, inject, warmup, unit, drain, extract,
    reference, compare)."""
    phases = [s["time"] for s in samples if "time" in s]
    if not phases:
        return {}
    keys = [k for k in phases[0] if all(k in p for p in phases)]   # a store resumed across versions
    return {k: sum(p[k] for p in phases) / len(phases) for k in keys}


def _divergence(sample: dict, workload) -> dict:
    lo, hi = sample["start"] - sample["warmup"], sample["start"] + sample["length"]
    return {"unit": sample["index"], "commands": [lo, hi], "elements": sample["divergence"],
            "hint": f"the RTL and the functional model disagree after commands {lo}..{hi - 1} of "
                    f"{workload.name}; rerun them with `dcsim run` / the RTL engine to bisect"}


def _truth(machine, workload, args, result, seconds: float, show: bool) -> dict:
    from ..truth import full_rtl
    with _display(show) as bar:
        task = bar.add_task("full RTL", total=len(workload.commands), ff="", est="")
        truth = full_rtl(machine, workload, args.seed, args.unit, use_cache=not args.no_truth_cache,
                         progress=lambda n: bar.update(task, completed=n))
    cycles, est = truth["cycles"], result.estimate
    return {"truth_cycles": cycles, "error": (est.cycles - cycles) / cycles,
            "within_interval": est.low <= cycles <= est.high, "truth_seconds": round(truth["seconds"], 3),
            "truth_cached": truth["cached"], "speedup": truth["seconds"] / max(seconds, 1e-9),
            "truth_per_unit": truth["per_unit"]}


# ------------------------------------------------------------------ human output
def print_report(r: dict):
    items = f"{r['instructions']:,} instructions" if "instructions" in r else f"{r['commands']:,} commands"
    stdout.print(f"[bold]{r['workload']}[/] on {r['machine']}: {items}, {r['plan']}, "
                 f"warm-up {r['warmup']}, {r['executor']['kind']} executor ({r['executor']['workers']} workers)")
    table = Table("quantity", "value")
    table.add_row("estimated cycles", f"{r['estimate_cycles']:,.0f}")
    table.add_row(f"{100 * r['confidence']:.1f}% interval",
                  f"{r['ci_low']:,.0f} .. {r['ci_high']:,.0f} (±{100 * r['relative_error']:.2f}%)")
    table.add_row("coefficient of variation", f"{r['cv']:.3f}")
    for i, p in enumerate(r["passes"][1:], start=2):
        table.add_row(f"pass {i}", f"{p['samples']} units ({p['reused']} reused)")
    if "needed_samples" in r:
        table.add_row(f"units needed for ±{100 * r['target_error']:.2f}%", f"{r['needed_samples']:,}")
    table.add_row("samples checked against the functional model", f"{r['samples']} ({r['divergences']} diverged)")
    table.add_row("sampled run", f"{r['seconds']:.2f} s (fast-forward {r['functional_seconds']:.2f} s, "
                                 f"RTL samples {r['detailed_seconds']:.2f} s of worker time)")
    if "truth_cycles" in r:
        cached = " cached" if r["truth_cached"] else ""
        table.add_row("full RTL cycles", f"{r['truth_cycles']:,} ({r['truth_seconds']:.2f} s{cached})")
        table.add_row("estimate error", f"{100 * r['error']:+.3f}% "
                                        f"({'inside' if r['within_interval'] else 'OUTSIDE'} the interval)")
        table.add_row("speedup vs full RTL", f"{r['speedup']:.1f}x")
    if "report" in r:
        table.add_row("report", r["report"])
    stdout.print(table)
    d = r["first_divergence"]
    if d:
        stdout.print(f"[bold red]first divergence: unit {d['unit']} (commands {d['commands'][0]}..{d['commands'][1] - 1})[/]")
        for line in d["elements"]:
            stdout.print(f"  {line}")
        stdout.print(f"  {d['hint']}")

