"""Warm-up bias of sampled co-simulation: how far the sampled units' cycles are from the
full run's as the detailed warm-up W grows.

    python benchmarks/bench_sampling_warmup.py [--workload gemm:128,128,128] [--unit 20]

Every unit of the workload is measured as a sample (state injected into an idle RTL at
the unit's start - W, W commands of warm-up, then the unit), so the only difference from
the full RTL run is the injected machine's missing microarchitectural context (empty
queues, idle units, DRAM rows). For each W it prints the relative error of the sum of
sampled units against the full run (the estimator's bias with every unit sampled) and
the sum of the units' absolute errors relative to the total (misattributed cycles). Runs on the suite NPU (1 MiB DRAM).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosim.campaign import run_campaign  # noqa: E402
from cosim.executor import make_executor  # noqa: E402
from cosim.plan import systematic  # noqa: E402
from cosim.queue_target import QueueTarget  # noqa: E402
from cosim.store import SampleStore  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402

SUITE_PARAMS = {"DRAM_BYTES": 1 << 20}


def measure_all(machine, workload, unit: int, warmup: int, executor: str):
    plan = systematic(len(workload.commands), unit, warmup, 1)
    target = QueueTarget(machine, workload)
    target.prepare(unit)
    with make_executor(executor, target.base) as ex:
        return run_campaign(target, plan, executor=ex, store=SampleStore(None, {}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="gemm:128,128,128")
    ap.add_argument("--unit", type=int, default=20)
    ap.add_argument("--warmups", default="0,5,10,20,40,80,160")
    ap.add_argument("--executor", default="local")
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml", SUITE_PARAMS)
    workload = build_workload(machine, args.workload)
    truth = QueueTarget(machine, workload).truth(args.unit)
    per_unit = truth["per_unit"]
    print(f"{workload.name}: {len(workload.commands):,} commands, {truth['cycles']:,} cycles in full RTL, "
          f"units of {args.unit}")
    print(f"{'W':>5} {'bias of the total':>18} {'sum |unit error|':>18} {'seconds':>8}")
    for w in (int(x) for x in args.warmups.split(",")):
        t0 = time.perf_counter()
        result = measure_all(machine, workload, args.unit, w, args.executor)
        total = sum(s["cycles"] for s in result.samples)
        unit_err = sum(abs(s["cycles"] - per_unit[s["index"]]) for s in result.samples) / truth["cycles"]
        print(f"{w:>5} {100 * (total - truth['cycles']) / truth['cycles']:>+17.3f}% "
              f"{100 * unit_err:>17.2f}% {time.perf_counter() - t0:>8.1f}")


if __name__ == "__main__":
    main()
