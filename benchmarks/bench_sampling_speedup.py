"""Speedup of `dcsim sample`'s default plan over the full RTL run, on the long workload.

    python benchmarks/bench_sampling_speedup.py [--workload long] [--plans 10] [--cached-truth]

Builds the workload once (~35 s for `long`, in neither timing), runs the whole workload in
RTL once (~90 s; `--cached-truth` reuses the cached run and its recorded time instead),
then the default sampled run (stratified, U=200, two passes to ±1% at 99.7%) with
`--plans` different plan seeds on the same workload, each timed alone in this process, as
`dcsim sample --truth` times it. Prints per plan: seconds, CPU seconds (this process and its
sample workers), speedup wall-clock and per CPU-second (the full RTL run is one thread, so
its CPU time is its wall time), error, interval, samples, passes, divergences; then the
median speedup with the worst beside it, the time split of the median run (per sample; phases:
starting the executor, planning, the passes, the workers' exit) and the CPU split (this
process: plan and fast-forward; the workers: the samples).
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_sampling_suite import suite_machine, timed_sample  # noqa: E402
from cosim.queue_target import QueueTarget  # noqa: E402
from cosim.sampling import options  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="long")
    ap.add_argument("--plans", type=int, default=10, help="plan seeds to time (default 10)")
    ap.add_argument("--cached-truth", action="store_true", help="reuse the cached full RTL run and its time")
    ap.add_argument("--executor", default=None, help="as dcsim sample --executor (default: local)")
    args = ap.parse_args()
    machine = suite_machine(args.workload)
    workload = build_workload(machine, args.workload)
    rows = []
    first = QueueTarget(machine, workload)
    first.load()                        # not workload.commands: the sampled run never makes its 3.2e6 ints
    print(f"{workload.name}: {first.total:,} commands")
    print(f"{'plan seed':>9} {'seconds':>8} {'CPU s':>6} {'speedup':>8} {'per CPU-s':>9} {'error':>8} {'±CI':>7} "
          f"{'samples':>7} {'passes':>6} {'div':>4}")
    for seed in range(args.plans):
        ns = options(workload=args.workload, json=True, plan_seed=seed, executor=args.executor,
                     no_truth_cache=seed == 0 and not args.cached_truth)      # the first measures the full RTL run
        r = timed_sample(QueueTarget(machine, workload), ns)   # a new target: each run checks the functional run
        rows.append(r)
        print(f"{seed:>9} {r['seconds']:>8.3f} {r['cpu_seconds']:>6.2f} {r['speedup']:>7.1f}x {r['speedup_cpu']:>8.1f}x "
              f"{100 * r['error']:>+7.3f}% "
              f"{100 * r['relative_error']:>6.2f}% {r['samples']:>7} {len(r['passes']):>6} {r['divergences']:>4}",
              flush=True)
    truth = rows[0]
    median = sorted(rows, key=lambda r: r["seconds"])[len(rows) // 2]
    print(f"full RTL: {truth['truth_cycles']:,} cycles in {truth['truth_seconds']:.1f} s"
          f"{' (cached)' if truth['truth_cached'] else ''}")
    print(f"median speedup {statistics.median(r['speedup'] for r in rows):.1f}x wall-clock "
          f"(worst {min(r['speedup'] for r in rows):.1f}x), {statistics.median(r['speedup_cpu'] for r in rows):.1f}x "
          f"per CPU-second (worst {min(r['speedup_cpu'] for r in rows):.1f}x); "
          f"mean |error| {100 * statistics.mean(abs(r['error']) for r in rows):.3f}%, "
          f"{sum(r['within_interval'] for r in rows)}/{len(rows)} intervals contain the truth, "
          f"{sum(len(r['passes']) > 1 for r in rows)} runs needed a second pass")
    split = median["sample_time"]
    print(f"median run: {median['seconds']:.3f} s wall; fast-forward {median['functional_seconds']:.3f} s; "
          f"RTL samples {median['detailed_seconds']:.3f} s of worker time over {median['executor']['workers']} "
          f"workers ({1000 * median['detailed_seconds'] / median['samples']:.1f} ms per sample: "
          + ", ".join(f"{k} {1000 * v:.1f}" for k, v in split.items()) + " ms)")
    print("median run's phases: " + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in median["phase_seconds"].items())
          + f"; CPU {median['cpu_main']:.3f} s in this process, {median['cpu_workers']:.3f} s in the workers")
    print(f"median CPU per run {statistics.median(r['cpu_seconds'] for r in rows):.3f} s "
          f"(this process {statistics.median(r['cpu_main'] for r in rows):.3f} s, "
          f"workers {statistics.median(r['cpu_workers'] for r in rows):.3f} s)")


if __name__ == "__main__":
    main()
