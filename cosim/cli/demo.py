"""`dcsim demo`: the main job on bundled defaults.

A sampled RTL co-simulation of a bundled NPU workload (`long:512,512,384`, a GEMM of
6.1e5 commands and 2.6e7 RTL cycles: the suite's `long` at its old size; the default
`long`, 1.4e8 cycles, needs ~2 min of full RTL and ~35 s to build on its own, which would
not leave a fresh machine under two minutes) on the suite NPU (the default NPU with a
1 MiB DRAM, which this shape fits) with `dcsim sample`'s default plan (units of 200
commands stratified by command mix into 12 strata, warm-up of four in-flight windows,
exact look-ahead, a second pass to ±1% at 99.7% when the first falls short), with the full
RTL run as ground truth: it prints the estimate, its 99.7% interval, the real error and
the speedup. On a fresh machine this builds the C
functional model and the Verilated NPU first (cached afterwards) and finishes well
under two minutes; `--workload` picks another workload.
"""
from __future__ import annotations

import argparse
import time

from spec import load_machine

from ..paths import machine_path
from .args import formatted
from .output import emit_json, stdout

DEMO_WORKLOAD = "long:512,512,384"
DEMO_PARAMS = {"DRAM_BYTES": 1 << 20}


def demo_args(args) -> argparse.Namespace:
    """The `dcsim sample` arguments of the demo's sampled run."""
    from ..sampling import options                  # why here: every dcsim command imports this module
    return options(workload=args.workload or DEMO_WORKLOAD, truth=True, backend="c" if args.backend != "py" else "py",
                   seed=args.seed, json=args.json)


def add_parser(sub):
    p = formatted(sub, "demo", help="the main job on bundled defaults", epilog="example:\n  dcsim demo --json",
                  description="Sampled RTL co-simulation of a bundled NPU workload with the full RTL run "
                              "as ground truth: estimate, 99.7% interval, error and speedup.")
    p.add_argument("--workload", help="override the demo workload (default long)")
    p.add_argument("--backend", default="c", help="functional model backend: c (default) or py")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def command(args) -> int:
    from fastforward.workloads import build_workload

    from ..queue_target import QueueTarget
    from ..sampling import sample
    from .sample import phase_log, print_report, progress_display
    start = time.perf_counter()
    machine = load_machine(machine_path("npu"), DEMO_PARAMS)
    sample_args = demo_args(args)
    log = phase_log("demo")
    workload = build_workload(machine, sample_args.workload, seed=args.seed)
    log(f"{workload.name}: {len(workload.commands):,} commands built in {time.perf_counter() - start:.1f} s")
    if not args.json:
        stdout.print(f"[bold]dcsim demo[/]: {workload.description}\nsampled RTL co-simulation on the NPU "
                     f"(DIM={machine.param['DIM']}, DRAM {machine.param['DRAM_BYTES'] >> 20} MiB) against the "
                     "full RTL run")
    report = sample(QueueTarget(machine, workload, sample_args.backend), sample_args,
                    display=None if args.json else progress_display, log=log)
    report["total_seconds"] = round(time.perf_counter() - start, 3)
    report.pop("truth_per_unit", None)
    if args.json:
        emit_json(report)
    else:
        print_report(report)
        stdout.print(f"estimate {report['estimate_cycles']:,.0f} cycles "
                     f"[{report['ci_low']:,.0f}, {report['ci_high']:,.0f}] vs full RTL {report['truth_cycles']:,}: "
                     f"error {100 * report['error']:+.2f}%, speedup {report['speedup']:.1f}x "
                     f"({report['total_seconds']:.1f} s in all)")
    return 0 if report["divergences"] == 0 and report["verified"] is not False else 1
