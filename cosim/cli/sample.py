"""`dcsim sample`: sampled RTL co-simulation of a workload, with a confidence interval.

The sampled run itself is `cosim.sampling.sample` on a target (`queue_target.QueueTarget`
for an accelerator's command stream, `core_target.CoreTarget` for a processor's program,
`system_target.SystemTarget` for a system file's host program);
the defaults and why they were chosen are there. This module is the command line's face:
arguments, progress bars, the printed table.
"""
from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from spec import ir
from spec.errors import DcsimError

from fastforward.workloads import workload_lines

from ..core_target import DEFAULT_UNIT as CORE_UNIT
from ..queue_target import DEFAULT_UNIT as QUEUE_UNIT, REGRESSION_SAMPLES, REGRESSION_STRATA
from ..report import ESTIMATOR_NAMES
from ..sampling import DEFAULT_SAMPLES, DEFAULT_STRATA, DEFAULT_TARGET_ERROR, sample
from .args import add_machine_args, load_machine_arg, nonneg_int, positive_int
from .output import emit_json, stderr, stdout

EXAMPLES = """\
built-in workloads (--workload; the prog: ones are RV32I programs for processors):
""" + workload_lines() + """
examples:
  dcsim sample npu --workload gemm:64,64,64 --truth          (defaults: stratified, U=200, to +-1%)
  dcsim sample npu --workload gemm:64,64,64 --unit 20 --warmup 40 --samples 10 --plan random --truth
  dcsim sample npu --workload mlp:32,128,128,64 --plan stratified --samples 12 --json
  dcsim sample vadd.yaml --workload my_workload.yaml --samples 8      (a workload file: docs/workloads.md)
  dcsim sample npu --workload gemm:128,128,128 --target-error 0.01 --store runs/g128.db   (resumable)
  dcsim sample npu --workload transformer:64,128 --executor dask://10.0.0.1:8786 --report out/
  dcsim sample rv32i --workload prog:sort --truth --json       (RV32I: U=1000 instructions, W=0)
  dcsim sample rv32i --program my_prog.elf --truth             (your program: ELF, flat binary or .s)
  dcsim sample rv32i --workload prog:crc,8192 --plan systematic --samples 40 --truth
  dcsim sample rv32i --workload prog:sort --rtl picorv32 --truth   (your own Verilog: docs/rtl.md)
  dcsim sample hw/soc.yaml --program gemm.elf --truth   (a host core + NPU system: units of host instructions)
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
    what.add_argument("--workload", metavar="NAME:ARGS|FILE.yaml|MODULE:FUNCTION",
                      help="built-in workload, e.g. gemm:64,64,64, a workload file (FILE.yaml, queue machines: "
                      "docs/workloads.md) or a generator (module:function, path/gen.py:function[:key=value,...]); "
                      "processors: a bundled program, prog:sort[,N[,ROUNDS]] or prog:crc[,BYTES[,ROUNDS]]")
    what.add_argument("--program", metavar="FILE", help="processors: your program (ELF, flat binary or .s "
                      "assembly), run to its exit; the functional model's run is its expected result")
    p.add_argument("--plan", default="stratified", choices=("systematic", "random", "stratified"),
                   help="stratified (default: random units inside strata of like command mix), random, or "
                        "systematic (one unit every K, random offset per --plan-seed)")
    p.add_argument("--unit", type=int, metavar="U",     # None: the machine's default (a processor's differs)
                   help=f"commands per sample unit (default {QUEUE_UNIT}; processors: instructions, default {CORE_UNIT})")
    p.add_argument("--warmup", type=int, metavar="W", help="detailed warm-up commands before each unit "
                   "(default: four in-flight windows, 160 on the NPU)")
    p.add_argument("--lookahead", type=int, metavar="L", help="commands first pushed after each unit so that its "
                   "end sees the full run's younger traffic (at most queue_sample.TOPUP_HIGH; the sample then tops the "
                   "queue up so that a command still waits when the unit ends, which makes it exact; the task "
                   "carries 4x this, at least 4x16, before it is resent; default: the in-flight window)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--interval", "--every", type=positive_int, metavar="K", help="measure one unit in K")
    size.add_argument("--samples", type=positive_int, metavar="N", help=f"measure N units (default {DEFAULT_SAMPLES}; "
                      f"{REGRESSION_SAMPLES} on an accelerator, whose regression estimate on the command counts "
                      "needs half as many)")
    size.add_argument("--target-error", type=float, metavar="E", help="two passes: the second, if the first's "
                      "interval is wider, measures the units needed for a relative half-width E at the chosen "
                      f"confidence (default {DEFAULT_TARGET_ERROR} "
                      "unless --interval or --samples is given; 0: one pass)")
    p.add_argument("--strata", type=positive_int,
                   help=f"stratified: number of strata (default {DEFAULT_STRATA}; {REGRESSION_STRATA} on an "
                   "accelerator: three units each)")
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
    p.add_argument("--seed", type=nonneg_int, default=0, help="workload inputs and plan randomness (offset)")
    p.add_argument("--max-instructions", type=positive_int, metavar="N", help="processors, --program: the "
                   "functional model's run that sets the program's expected result stops a program that has not "
                   "exited after N instructions (default 10^10)")
    p.add_argument("--rtl", metavar="NAME|FILE", help="processors: sample a hand-written design instead of the "
                   "generated core, through its correspondence file (hw/rtl/NAME.yaml or FILE; docs/rtl.md)")
    p.add_argument("--plan-seed", type=int, metavar="S", help="plan randomness only (default: --seed): draws "
                   "another plan of the same workload, whose full RTL run stays cached")
    return p


def command(args) -> int:
    from spec.system import is_system_file

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        return system_command(args, machine_path(args.spec))
    machine = load_machine_arg(args)
    log, start = phase_log("sample"), time.perf_counter()
    target = target_for(machine, args)
    log(f"{target.name}: built in {time.perf_counter() - start:.1f} s")
    report = sample(target, args, display=None if args.json else progress_display, log=log)
    return finish(report, args)


def system_command(args, path: Path) -> int:
    """A system file: the host's program sampled in host instructions (cosim/system_target.py)."""
    from spec.system import load_system

    from ..system_target import SystemTarget, truth_split
    if not getattr(args, "program", None):
        raise DcsimError(f"a system runs a host program: dcsim sample {args.spec} --program FILE (see dcsim sdk "
                         f"{args.spec})")
    for flag in ("rtl", "lookahead"):
        if getattr(args, flag, None):
            raise DcsimError(f"--{flag} is not supported for a system file")
    system = load_system(path, dict(args.defines))
    target = SystemTarget(system, args.program, args.backend, overrides=dict(args.defines),
                          limit=getattr(args, "max_instructions", None) or 10 ** 9)
    report = sample(target, args, display=None if args.json else progress_display, log=phase_log("sample"))
    if target.last_truth is not None:
        report["truth_split"] = truth_split(target.last_truth)
    return finish(report, args)


def phase_log(command: str):
    """One line per phase on stderr with its elapsed time, also when output is redirected
    (a progress bar shows only on a terminal)."""
    return lambda message: stderr.print(f"[dim]{command}:[/] {message}", highlight=False)


def target_for(machine: ir.Machine, args):
    """The sampling target `args` names: a processor's program (--workload prog:... or
    --program FILE) or an accelerator's workload (a built-in name, a workload file or a
    module:function generator: `fastforward.workloads.load_workload`)."""
    if machine.fetch is not None:                       # a processor: programs, sampled at instruction boundaries
        from fastforward.workloads.programs import RUN_LIMIT, build_program, program_from_file

        from ..core_target import CoreTarget
        limit = getattr(args, "max_instructions", None) or RUN_LIMIT
        program = (program_from_file(machine, args.program, limit) if getattr(args, "program", None)
                   else build_program(machine, args.workload, seed=args.seed))
        if getattr(args, "rtl", None):
            from rtlgen.byo import resolve_rtl

            from ..byo_target import ByoCoreTarget
            return ByoCoreTarget(machine, program, str(resolve_rtl(args.rtl)), args.backend)
        return CoreTarget(machine, program, args.backend)
    if getattr(args, "rtl", None):
        raise DcsimError(f"--rtl is for processors; {machine.name} is a queue machine")
    if getattr(args, "program", None):
        raise DcsimError(f"{machine.name} runs command streams: sample a workload with --workload NAME, "
                         "FILE.yaml or module:function (--program is for processors)")
    from fastforward.workloads import load_workload

    from ..queue_target import QueueTarget
    return QueueTarget(machine, load_workload(machine, args.workload, seed=args.seed), args.backend,
                       lookahead=args.lookahead, seed=args.seed)


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


@contextmanager
def progress_display(label: str, total: int):
    """A rich progress bar on stderr for `sampling.sample`: yields show(done, position, total, estimate)."""
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[ff]}"), TextColumn("[cyan]{task.fields[est]}"), TimeElapsedColumn(),
                   console=stderr, transient=True, disable=not stderr.is_terminal)   # redirected: phase lines only
    with bar:
        task = bar.add_task(label, total=total, ff="", est="")

        def show(done: int, position: int | None = None, of: int | None = None, estimate=None):
            est = f"{estimate.cycles:,.0f} ±{100 * estimate.relative_error:.1f}%" if estimate else ""
            ff = f"ff {position:,}/{of:,}" if position is not None else ""
            bar.update(task, completed=done, ff=ff, est=est)
        yield show


# ------------------------------------------------------------------ human output
def print_report(r: dict):
    items = f"{r['commands']:,} {r['items']}"
    stdout.print(f"[bold]{r['workload']}[/] on {r['machine']}: {items}, {r['plan']}, "
                 f"warm-up {r['warmup']}, {r['executor']['kind']} executor ({r['executor']['workers']} workers)")
    table = Table("quantity", "value")
    table.add_row("estimated cycles", f"{r['estimate_cycles']:,.0f}")
    table.add_row(f"{100 * r['confidence']:.1f}% interval",
                  f"{r['ci_low']:,.0f} .. {r['ci_high']:,.0f} (±{100 * r['relative_error']:.2f}%)")
    table.add_row("coefficient of variation", f"{r['cv']:.3f}")
    table.add_row("estimator", ESTIMATOR_NAMES.get(r.get("estimator"), r.get("estimator", "")))
    if r.get("plan_note"):
        table.add_row("plan", r["plan_note"])
    for i, p in enumerate(r["passes"][1:], start=2):
        table.add_row(f"pass {i}", f"{p['samples']} units ({p['reused']} reused)")
    if "needed_samples" in r:
        table.add_row(f"units needed for ±{100 * r['target_error']:.2f}%", f"{r['needed_samples']:,}")
    if r.get("target_met") is False:
        table.add_row("[bold yellow]target missed[/]",
                      f"interval ±{100 * r['relative_error']:.2f}%, target ±{100 * r['target_error']:.2f}% after "
                      f"{len(r['passes'])} passes: add units with --samples N (N > {r['samples']})")
    for name, part in (r.get("split") or {}).items():
        truth = (r.get("truth_split") or {}).get(name)
        table.add_row(name.replace("_", " "), f"{part['estimate']:,.0f} ({part['low']:,.0f} .. {part['high']:,.0f})"
                      + (f"; full RTL {truth:,}" if truth is not None else ""))
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
        stdout.print(f"[bold red]first divergence: unit {d['unit']} ({r['items']} {d['commands'][0]}..{d['commands'][1] - 1})[/]")
        for line in d["elements"]:
            stdout.print(f"  {line}")
        stdout.print(f"  {d['hint']}")

