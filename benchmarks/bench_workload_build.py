"""How long building an accelerator workload takes, and fast-forwarding `long` on the C backend.

    python benchmarks/bench_workload_build.py [--repeats 5] [--workloads long gemm:256,256,256 ...]

Builds each workload `--repeats` times on the default NPU (hw/npu.yaml) from scratch
(commands, inputs and the numpy reference output, as `dcsim run` does) and prints the
median build time with the worst run beside it. Then the NPU fast-forward of `long` with
the C backend: `make_simulator(machine, "c")` (compiled once before timing), the workload
prepared into it (its DRAM inputs written and its commands pushed: `Workload.prepare`)
and run to the end, timed in two parts, prepare and run, median and worst of the repeats.
The last line is the headline: the median build time of `long` and its fast-forward time.
Builds also print their CPU time (this process), the fairer figure on a loaded machine.

On the 2-core development machine (quiet), before the vectorised emitter (issue 18 item 5;
this script on the per-command builder of git HEAD aca6082) and after it, medians of 5:

    build long                      38.863 s (worst 57.540 s)  ->  0.251 s (worst 0.630 s)
    build transformer:128,128       1.373 s (worst 1.378 s)   ->  0.012 s (worst 0.014 s)
    build mlp:256,512,512,256,10    6.468 s (worst 6.509 s)   ->  0.031 s (worst 0.035 s)
    fast-forward long, C: prepare   0.712 s (worst 0.832 s)   ->  0.001 s (worst 0.001 s)
    fast-forward long, C: run       0.202 s (worst 0.203 s)   ->  0.201 s (worst 0.204 s)

See docs/workload_build.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastforward.backends import make_simulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402

DEFAULT_WORKLOADS = ("long", "transformer:128,128", "mlp:256,512,512,256,10")


def timed(fn, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each of `repeats` calls of `fn`, and the last call's result."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        result = None                      # free the previous run's result before timing the next
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu, result


def figure(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (worst {max(times):.3f} s, {len(times)} runs)"


def fast_forward(machine, workload, repeats: int) -> tuple[list[float], list[float]]:
    """Seconds to prepare (inputs + push) and to run `workload` to the end on the C backend."""
    make_simulator(machine, "c")          # compile (or load from the cache) outside the timing
    prep, run = [], []
    for _ in range(repeats):
        sim = make_simulator(machine, "c")
        start = time.perf_counter()
        workload.prepare(sim)
        mid = time.perf_counter()
        retired = sim.run()
        end = time.perf_counter()
        if retired != len(workload.commands) or not workload.verify(sim):
            raise SystemExit(f"{workload.name}: the C backend did not reproduce the reference output")
        prep.append(mid - start)
        run.append(end - mid)
    return prep, run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workloads", nargs="+", default=list(DEFAULT_WORKLOADS))
    ap.add_argument("--no-fast-forward", action="store_true", help="only time the builds")
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml")
    built = {}
    for text in args.workloads:
        times, cpu, wl = timed(lambda: build_workload(machine, text), args.repeats)
        built[text] = wl
        print(f"build {wl.name:24s} {len(wl.commands):>9,} commands  wall {figure(times)}; "
              f"CPU median {statistics.median(cpu):.3f} s (worst {max(cpu):.3f} s)", flush=True)
        if text == "long":
            long_build = statistics.median(times)
    if args.no_fast_forward or "long" not in built:
        return
    prep, run = fast_forward(machine, built["long"], args.repeats)
    total = [p + r for p, r in zip(prep, run)]
    print(f"fast-forward long (C): prepare {figure(prep)}; run {figure(run)}")
    print(f"long: build {long_build:.3f} s median; C fast-forward (prepare + run) {figure(total)}")


if __name__ == "__main__":
    main()
