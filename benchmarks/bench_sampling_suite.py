"""Sampled RTL vs full RTL on the sampling suite: error, interval and speedup per workload.

    python benchmarks/bench_sampling_suite.py [--plan systematic|random|stratified] [--samples N]

Runs `dcsim sample` (in process) on each suite workload on the suite NPU (1 MiB DRAM;
`long`, whose operands need 2.1 MB, on the default 16 MiB NPU) and on the two bundled
RV32I programs on the generated core (`prog:sort`, `prog:crc`), with truth (cached by
workload + design hash; the first run of `long` takes ~2 minutes of full RTL and ~35 s to
build the workload), and prints error, interval half-width, divergences and speedup, then
the mean and max |error| over the suite.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosim.core_target import CoreTarget  # noqa: E402
from cosim.queue_target import QueueTarget  # noqa: E402
from cosim.sampling import options, sample  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from fastforward.workloads.programs import build_program  # noqa: E402
from spec import load_machine  # noqa: E402

SUITE = ["transformer:128,128", "conv:34,34,32,64", "bankconflict:128,128,128", "stream:4096,128",
         "mlp:64,256,128,64", "mlp:256,64,64,64,10", "long"]
PROGRAMS = ["prog:sort", "prog:crc"]                 # on the RV32I core


def suite_machine(name: str):
    """The suite NPU (1 MiB DRAM), the default one for `long` (its operands need 2.1 MB), or
    the RV32I core for a program."""
    if name.split(":")[0] == "prog":
        return load_machine(ROOT / "hw" / "rv32i.yaml", {})
    if name.split(":")[0] == "long":
        return load_machine(ROOT / "hw" / "npu.yaml", {})
    return load_machine(ROOT / "hw" / "npu.yaml", {"DRAM_BYTES": 1 << 20})


def suite_target(name: str):
    """The sampling target of a suite workload or program, on its `suite_machine`."""
    machine = suite_machine(name)
    if machine.fetch is not None:
        return CoreTarget(machine, build_program(machine, name))
    return QueueTarget(machine, build_workload(machine, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", default="stratified")
    ap.add_argument("--samples", type=int, help="units to measure (default: dcsim sample's two-pass plan to +-1%%)")
    ap.add_argument("--strata", type=int, help="strata (default: dcsim sample's, 12)")
    ap.add_argument("--unit", type=int, help="commands per unit (default: dcsim sample's, 200)")
    ap.add_argument("--workloads", default=";".join(SUITE + PROGRAMS), help="';'-separated list")
    args = ap.parse_args()
    errors, inside = [], 0
    print(f"{'workload':>26} {'commands':>9} {'truth cycles':>13} {'error':>8} {'±CI':>7} {'n':>4} "
          f"{'div':>4} {'sampled s':>9} {'full s':>7} {'speedup':>8}")
    for name in args.workloads.split(";"):
        target = suite_target(name)
        r = sample(target, options(workload=name, truth=True, json=True, plan=args.plan, samples=args.samples,
                                   strata=args.strata, unit=args.unit))
        errors.append(abs(r["error"]))
        inside += bool(r["within_interval"])
        print(f"{target.name:>26} {r['commands']:>9,} {r['truth_cycles']:>13,} {100 * r['error']:>+7.2f}% "
              f"{100 * r['relative_error']:>6.2f}% {r['samples']:>4} {r['divergences']:>4} {r['seconds']:>9.2f} "
              f"{r['truth_seconds']:>7.1f} {r['speedup']:>7.1f}x", flush=True)
    print(f"mean |error| {100 * sum(errors) / len(errors):.2f}%, max {100 * max(errors):.2f}% "
          f"({args.plan}, {args.samples or 'default'} samples); {inside}/{len(errors)} intervals contain the truth")


if __name__ == "__main__":
    main()
