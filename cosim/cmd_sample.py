"""`dcsim sample`: sampled RTL co-simulation of a workload, with a confidence interval."""
from __future__ import annotations

import time

from rich.table import Table

from spec import ir
from spec.errors import DcsimError

from . import plan as plans
from .campaign import make_executor, run_campaign
from .output import emit_json, progress, stdout
from .sample import ground_truth
from .store import SampleStore
from .strata import kind_histograms, kmeans


def build_plan(machine: ir.Machine, commands, args) -> plans.SamplePlan:
    total = len(commands)
    population = plans.units_in(total, args.unit)
    count = args.samples or max(2, population // args.every)
    if args.plan == "systematic":
        every = args.every if not args.samples else max(1, population // args.samples)
        return plans.systematic(total, args.unit, args.warmup, every, offset=args.seed % every)
    if args.plan == "random":
        return plans.random_units(total, args.unit, args.warmup, min(count, population), seed=args.seed)
    if args.plan == "stratified":
        labels = kmeans(kind_histograms(machine, commands, args.unit), args.strata, seed=args.seed)
        return plans.stratified(labels, total, args.unit, args.warmup, min(count, population), seed=args.seed)
    raise DcsimError(f"unknown plan '{args.plan}'; choose systematic, random or stratified")


def sample_command(machine: ir.Machine, args) -> int:
    from fastforward.workloads import build_workload
    if machine.queue is None:
        raise DcsimError(f"sampled co-simulation of {machine.name} needs its RTL, which the HLS builds only "
                         "for queue machines (accelerators) so far")
    workload = build_workload(machine, args.workload, seed=args.seed)
    plan = build_plan(machine, workload.commands, args)
    identity = {"machine": machine.name, "digest": machine.digest, "workload": workload.name,
                "unit": args.unit, "warmup": args.warmup, "seed": args.seed}
    store = SampleStore(args.store, identity)
    show = not args.json
    with progress("sampling", len(plan.samples), show) as bar:
        task = bar.add_task("sampling", total=len(plan.samples), completed=len(store.done), rate="")
        executor = make_executor(args.workers, args.scheduler)
        try:
            result = run_campaign(machine, workload, plan, executor=executor, store=store, backend=args.backend,
                                  confidence=args.confidence,
                                  on_sample=lambda r: bar.update(task, advance=1, rate=f"unit {r['index']}"))
        finally:
            executor.shutdown()
    report = {"machine": machine.name, "workload": workload.name, "plan": plan.describe(),
              "commands": plan.total, "unit": plan.unit, "warmup": args.warmup,
              "estimate": result.estimate.as_dict(args.target_error),
              "functional_seconds": round(result.functional_seconds, 3),
              "detailed_seconds": round(result.detailed_seconds, 3),
              "wall_seconds": round(result.wall_seconds, 3), "verified": result.verified,
              "samples_checked": len(result.samples), "diverged": [s for s in result.diverged]}
    if args.ground_truth:
        report["ground_truth"] = _ground_truth(machine, workload, plan, result, show)
    if args.json:
        emit_json(report)
    else:
        _print(report)
    return 1 if result.diverged or result.verified is False else 0


def _ground_truth(machine, workload, plan, result, show: bool) -> dict:
    from fastforward.sim import Simulator
    sim = Simulator(machine)
    workload.prepare(sim)
    initial = sim.snapshot()
    t0 = time.perf_counter()
    with progress("full RTL", plan.total, show) as bar:
        task = bar.add_task("full RTL", total=plan.total, rate="")
        truth = ground_truth(machine.path, tuple(sorted(machine.params)), initial, tuple(workload.commands),
                             plan.unit, progress=lambda n: bar.update(task, completed=n))
    seconds = time.perf_counter() - t0
    cycles, est = truth["cycles"], result.estimate
    return {"cycles": cycles, "seconds": round(seconds, 3),
            "error": (est.cycles - cycles) / cycles, "within_interval": est.low <= cycles <= est.high,
            "speedup": seconds / max(result.wall_seconds, 1e-9)}


def _print(r: dict):
    e = r["estimate"]
    stdout.print(f"[bold]{r['workload']}[/] on {r['machine']}: {r['commands']:,} commands, {r['plan']}, "
                 f"warm-up {r['warmup']}")
    table = Table("quantity", "value")
    table.add_row("estimated cycles", f"{e['cycles']:,.0f}")
    table.add_row(f"{100 * e['confidence']:.1f}% interval", f"{e['ci_low']:,.0f} .. {e['ci_high']:,.0f} "
                                                          f"(±{100 * e['relative_error']:.2f}%)")
    table.add_row("coefficient of variation", f"{e['cv']:.3f}")
    if "needed_samples" in e:
        table.add_row(f"units needed for ±{100 * e['target_error']:.1f}%", f"{e['needed_samples']:,}")
    table.add_row("samples checked against the functional model",
                  f"{r['samples_checked']} ({len(r['diverged'])} diverged)")
    table.add_row("functional / detailed seconds", f"{r['functional_seconds']} / {r['detailed_seconds']}")
    if "ground_truth" in r:
        g = r["ground_truth"]
        table.add_row("full RTL cycles", f"{g['cycles']:,} ({g['seconds']} s)")
        table.add_row("estimate error", f"{100 * g['error']:+.2f}% "
                                        f"({'inside' if g['within_interval'] else 'OUTSIDE'} the interval)")
    stdout.print(table)
    for s in r["diverged"][:3]:
        stdout.print(f"[bold red]unit {s['index']} diverged[/]: " + "; ".join(s["divergence"]))
