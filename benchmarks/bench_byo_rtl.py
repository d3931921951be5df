"""Speed of a hand-written design (PicoRV32) through its generated correspondence harness,
next to dcsim's generated RV32I core through its shim.

    python benchmarks/bench_byo_rtl.py [--workload prog:sort] [--repeats 5]

Runs the program to its end on both designs (host calls serviced the same way, by
`cosim.core_sample.CoreRun`) and prints, as the median of the repeats with the worst
beside it: cycles per second, instructions per second, CPI. The harness overhead is the
harness's run loop against a bare C++ loop clocking the same Verilated PicoRV32 and serving
its bus with no event checks (`byo_bare_run`): ratio of cycles per second (the issue's
target: the harness within 2x of the bare model, as the generated engine's shim is).
Inject + extract of the full state (4 MiB ram) is timed too.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cosim.core_sample import CoreRun, program_state  # noqa: E402
from fastforward.workloads.programs import build_program  # noqa: E402
from rtlgen.byo import ByoEngine  # noqa: E402
from rtlgen.engine import RtlEngine  # noqa: E402
from spec import load_machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run_once(machine, engine, program) -> tuple[float, int, int]:
    start = program_state(machine, program)
    engine.reset()
    engine.inject(start, retired=0)
    core = CoreRun(machine, engine, {k: v.copy() for k, v in start.items()}, (program.tohost, program.fromhost))
    c0, t0 = engine.cycles, time.perf_counter()
    core.run_to(10 ** 10)
    seconds = time.perf_counter() - t0
    assert core.exit_code == program.expected_exit and core.host.stdout == program.expected_stdout
    return seconds, engine.cycles - c0, engine.retired


def figure(label: str, runs: list[tuple[float, int, int]]):
    cps = [c / s for s, c, _ in runs]
    ips = [i / s for s, _, i in runs]
    _, cycles, instructions = runs[0]
    print(f"{label:28s} {statistics.median(cps) / 1e6:7.2f} Mcycles/s (worst {min(cps) / 1e6:.2f})  "
          f"{statistics.median(ips) / 1e6:6.3f} Minstr/s (worst {min(ips) / 1e6:.3f})  "
          f"CPI {cycles / instructions:.3f}  ({instructions:,} instructions)")
    return statistics.median(cps)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="prog:sort")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "rv32i.yaml")
    program = build_program(machine, args.workload)
    t0 = time.perf_counter()
    pico = ByoEngine(machine, ROOT / "hw" / "rtl" / "picorv32.yaml")
    print(f"PicoRV32 harness ready in {time.perf_counter() - t0:.1f} s (cached builds are reused)")
    gen = RtlEngine(machine)
    byo = figure("PicoRV32 (correspondence)", [run_once(machine, pico, program) for _ in range(args.repeats)])
    figure("generated core (shim)", [run_once(machine, gen, program) for _ in range(args.repeats)])
    bare = []
    for _ in range(args.repeats):
        pico.inject(program_state(machine, program), retired=0)
        c0, t0 = pico.cycles, time.perf_counter()
        pico.bare_run(2_000_000)
        bare.append((pico.cycles - c0) / (time.perf_counter() - t0))
    print(f"{'PicoRV32 bare loop':28s} {statistics.median(bare) / 1e6:7.2f} Mcycles/s (worst {min(bare) / 1e6:.2f})")
    print(f"harness run loop / bare loop: {byo / statistics.median(bare):.2f} of the bare speed")
    state = program_state(machine, program)
    times = []
    for _ in range(max(args.repeats, 5)):
        t0 = time.perf_counter()
        pico.inject(state, retired=0)
        pico.extract()
        times.append(time.perf_counter() - t0)
    print(f"inject + extract (4 MiB ram): {1e3 * statistics.median(times):.2f} ms (worst {1e3 * max(times):.2f})")


if __name__ == "__main__":
    main()
