"""Sampled vs full RTL of the host + NPU system (hw/soc.yaml): error, interval, divergences,
cycle split and wall time on three system programs.

    python benchmarks/bench_system_sampling.py [--repeats 5] [--quick] [--executor local]

Programs (hw/sdk/soc/, compiled with `dcsim sdk hw/soc.yaml`):
  * host-heavy: gemm.c -DM=64 -DK=64 -DN=128 (the host encodes every command and recomputes
    every output; two WAITs in 4.1 M host instructions, so most samples drain a backlog);
  * NPU-heavy: stream_gemm.c (commands encoded once, pushed from memory, a WAIT per block,
    rows a DRAM row apart) and stream_mlp.c (three layers over ten batches, a WAIT per layer).
Each runs `dcsim sample hw/soc.yaml --program P` (in process, the default plan: stratified,
to +-1% at 99.7%) with plan seeds 0..R-1; the full RTL run (cached by content; its wall time
is the one measured when it ran) is the truth. Printed per program: full RTL cycles and
their split (host busy, NPU busy, NPU only = host stalled at WAIT, overlapped), the median
and worst |error|, intervals holding the truth, divergences, the median estimated split,
how samples started (idle point / drained backlog / from the point), and the sampled and
full wall times (median and worst) and the speedup per CPU-second (the sampled run's CPU
time includes its worker processes).
--quick: small shapes (the test suite's), two plan seeds.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosim.kit import system_kit_command  # noqa: E402
from cosim.sampling import options, sample  # noqa: E402
from cosim.system_target import SystemTarget, truth_split  # noqa: E402
from spec.system import load_system  # noqa: E402

SOC = ROOT / "hw" / "soc.yaml"
KIT = ROOT / "hw" / "sdk" / "soc"
PROGRAMS = [("host-heavy", "gemm.c", ["-DM=64", "-DK=64", "-DN=128"]),
            ("NPU-heavy", "stream_gemm.c", []),
            ("NPU-heavy", "stream_mlp.c", [])]
QUICK = [("host-heavy", "gemm.c", ["-DM=16", "-DK=16", "-DN=32"]),
         ("NPU-heavy", "stream_gemm.c", ["-DM=16", "-DK=16", "-DN=16", "-DROUNDS=2", "-DLD=512", "-DCHECK=4"]),
         ("NPU-heavy", "stream_mlp.c", ["-DBATCH=16", "-DD0=16", "-DD1=32", "-DD2=16", "-DD3=16", "-DROUNDS=2",
                                        "-DLD=512", "-DCHECK=8"])]
SPLIT = ("host_busy_cycles", "npu_busy_cycles", "npu_only_cycles", "overlapped_cycles")


def build(system, source: str, flags: list, out: Path) -> Path:
    import subprocess
    elf = out / (Path(source).stem + ("_" + "_".join(f.lstrip("-D").replace("=", "") for f in flags) if flags else "")
                 + ".elf")
    info = system_kit_command(system, [str(KIT / source)], str(elf), relative=False, cflags=flags)
    subprocess.run(info["command"], check=True, capture_output=True)
    return elf


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_one(system, elf: Path, plan_seed: int, executor: str) -> dict:
    target = SystemTarget(system, elf)
    target.load()
    c0, t0 = cpu_seconds(), time.perf_counter()
    r = sample(target, options(program=str(elf), json=True, plan_seed=plan_seed, executor=executor))
    r["wall"], r["cpu_seconds"] = time.perf_counter() - t0, cpu_seconds() - c0
    truth = target.truth(r["unit"])
    cycles = truth["cycles"]
    r.update(truth_cycles=cycles, error=(r["estimate_cycles"] - cycles) / cycles,
             within_interval=r["ci_low"] <= cycles <= r["ci_high"], truth_seconds=truth["seconds"],
             truth_cached=truth["cached"], truth_split=truth_split(truth))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, help="plan seeds per program (default 5; --quick: 2)")
    ap.add_argument("--quick", action="store_true", help="small shapes, two plan seeds")
    ap.add_argument("--executor", default="local", help="as dcsim sample --executor (default local)")
    args = ap.parse_args()
    repeats = args.repeats or (2 if args.quick else 5)
    system = load_system(SOC)
    out = Path(tempfile.mkdtemp(prefix="bench_system_sampling_"))
    every = []
    for role, source, flags in (QUICK if args.quick else PROGRAMS):
        elf = build(system, source, flags, out)
        runs = [run_one(system, elf, seed, args.executor) for seed in range(repeats)]
        every += runs
        r0, t = runs[0], runs[0]["truth_split"]
        err = [abs(r["error"]) for r in runs]
        wall = [r["wall"] for r in runs]
        cpu_speedup = [r["truth_seconds"] / max(r["cpu_seconds"], 1e-9) for r in runs]
        print(f"\n{source} {' '.join(flags)} ({role}): {r0['instructions']:,} host instructions, "
              f"{r0['doorbells']:,} commands, {r0['waits']:,} WAITs, {r0['population']:,} units of {r0['unit']:,}")
        print(f"  full RTL: {r0['truth_cycles']:,} cycles in {r0['truth_seconds']:.1f} s; host busy "
              f"{t['host_busy_cycles']:,} ({100 * t['host_busy_cycles'] / r0['truth_cycles']:.0f}%), NPU busy "
              f"{t['npu_busy_cycles']:,} ({100 * t['npu_busy_cycles'] / r0['truth_cycles']:.0f}%), NPU only "
              f"{t['npu_only_cycles']:,} ({100 * t['npu_only_cycles'] / r0['truth_cycles']:.0f}%), overlapped "
              f"{t['overlapped_cycles']:,}")
        for seed, r in enumerate(runs):
            print(f"  seed {seed}: estimate {r['estimate_cycles']:,.0f} "
                  f"[{r['ci_low']:,.0f} .. {r['ci_high']:,.0f}] error {100 * r['error']:+.3f}% "
                  f"{'holds' if r['within_interval'] else 'MISSES'}; {r['samples']} samples, {r['divergences']} "
                  f"divergences; paths {r['sample_paths']}; {r['wall']:.1f} s")
        print(f"  |error| median {100 * statistics.median(err):.3f}% worst {100 * max(err):.3f}%; "
              f"{sum(r['within_interval'] for r in runs)}/{len(runs)} intervals hold the truth; "
              f"{sum(r['divergences'] for r in runs)} divergences")
        for name in SPLIT:
            est = [r["split"][name]["estimate"] for r in runs]
            miss = [abs(e - r["truth_split"][name]) / max(r["truth_cycles"], 1) for e, r in zip(est, runs)]
            inside = sum(r["split"][name]["low"] <= r["truth_split"][name] <= r["split"][name]["high"] for r in runs)
            print(f"  {name:>18}: full {t[name]:>12,}  estimate median {statistics.median(est):>14,.0f}  "
                  f"|diff|/cycles median {100 * statistics.median(miss):.3f}% worst {100 * max(miss):.3f}%  "
                  f"interval holds {inside}/{len(runs)}")
        print(f"  wall: sampled median {statistics.median(wall):.1f} s (worst {max(wall):.1f} s), full RTL "
              f"{r0['truth_seconds']:.1f} s; speedup wall {r0['truth_seconds'] / statistics.median(wall):.2f}x "
              f"(worst {r0['truth_seconds'] / max(wall):.2f}x), per CPU-s {statistics.median(cpu_speedup):.2f}x "
              f"(worst {min(cpu_speedup):.2f}x)", flush=True)
    print(f"\nall: |error| median {100 * statistics.median(abs(r['error']) for r in every):.3f}%, worst "
          f"{100 * max(abs(r['error']) for r in every):.3f}% over {len(every)} runs; "
          f"{sum(r['within_interval'] for r in every)}/{len(every)} intervals hold the truth; "
          f"{sum(r['divergences'] for r in every)} divergences")


if __name__ == "__main__":
    main()
