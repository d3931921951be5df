"""Sampled vs full RTL for programs on the RV32I core: error, interval and speedup per program.

    python benchmarks/bench_sampling_core.py [--programs 'prog:sort;prog:crc'] [--large]
                                             [--plan stratified] [--executor local] [--coverage]

Runs `dcsim sample rv32i --workload PROG --truth` (in process, the default 4 MiB-ram core) on
each bundled program and prints instructions, full-RTL cycles, the estimate's error, the
interval's half-width, samples, divergences, the sampled run's seconds, the full RTL run's
seconds (measured now, not cached) and the speedup. `--large` adds larger instances of
both programs (about 1.6e7 and 1.0e7 instructions) to show how the speedup grows with
the program (the sampled run's cost barely grows; the full RTL's grows linearly).

`--coverage` then checks, for each program, how often the 99.7% interval contains the
truth over 200 plan seeds (stratified with `dcsim sample`'s strata, random, systematic;
32 units of 1000). It needs no
more RTL: a core's unit is measured exactly (tests/test_sampling_core.py checks every unit
of a program against the full run), so a plan's samples are the full run's per-unit cycles.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosim.core_target import CoreTarget  # noqa: E402
from cosim.estimate import estimate_total  # noqa: E402
from cosim.sampling import build_plan, options, resolve, sample  # noqa: E402
from fastforward.workloads.programs import build_program  # noqa: E402
from spec import load_machine  # noqa: E402

PROGRAMS = ["prog:sort", "prog:crc"]
LARGE = ["prog:sort,2048,6", "prog:crc,32768,6"]


def coverage(machine, text: str, seeds: int = 200, unit: int = 1000, samples: int = 32):
    target = CoreTarget(machine, build_program(machine, text))
    target.prepare(unit)
    truth = target.truth(unit)
    cycles, total = dict(enumerate(truth["per_unit"])), truth["cycles"]
    for kind in ("stratified", "random", "systematic"):
        inside, errors, widths = [], [], []
        for seed in range(seeds):
            ns = resolve(target, options(plan=kind, samples=samples, seed=seed, unit=unit))
            est = estimate_total(build_plan(target, ns), cycles, 0.997, target.defaults.measurement_bias)
            inside.append(est.low <= total <= est.high)
            errors.append(abs(est.cycles - total) / total)
            widths.append(est.relative_error)
        print(f"{text:>18} {kind:>11}: truth inside the 99.7% interval {sum(inside)}/{seeds}, "
              f"mean |error| {100 * np.mean(errors):.3f}% (max {100 * max(errors):.3f}%), "
              f"mean ±{100 * np.mean(widths):.3f}%", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", help="';'-separated workloads (default: prog:sort;prog:crc)")
    ap.add_argument("--large", action="store_true", help="also the larger instances " + ", ".join(LARGE))
    ap.add_argument("--plan", default="stratified")
    ap.add_argument("--samples", type=int, help="units to measure (default: dcsim sample's plan to +-1%%)")
    ap.add_argument("--executor", default="local", help="local (default), local:N or inline")
    ap.add_argument("--coverage", action="store_true", help="interval coverage over 200 plan seeds")
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "rv32i.yaml", {})
    names = args.programs.split(";") if args.programs else PROGRAMS + (LARGE if args.large else [])
    print(f"{'program':>18} {'instructions':>12} {'truth cycles':>13} {'error':>9} {'±CI':>8} {'n':>4} "
          f"{'div':>4} {'sampled s':>9} {'full s':>7} {'speedup':>8}")
    for name in names:
        ns = options(workload=name, truth=True, json=True, plan=args.plan, samples=args.samples,
                     executor=args.executor, no_truth_cache=True)
        r = sample(CoreTarget(machine, build_program(machine, name)), ns)
        print(f"{r['workload']:>18} {r['instructions']:>12,} {r['truth_cycles']:>13,} {100 * r['error']:>+8.4f}% "
              f"{100 * r['relative_error']:>7.4f}% {r['samples']:>4} {r['divergences']:>4} {r['seconds']:>9.3f} "
              f"{r['truth_seconds']:>7.2f} {r['speedup']:>7.1f}x", flush=True)
    if args.coverage:
        for name in names:
            coverage(machine, name)


if __name__ == "__main__":
    main()
