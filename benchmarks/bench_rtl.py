"""Speed of the generated RTL under Verilator, driven through the native shim.

    python benchmarks/bench_rtl.py [--dim 8] [--gemm 32,32,32] [--dram-bytes N] [--context]

Builds (or reuses from the cache) the NPU's RTL, runs a GEMM workload to quiescence and
prints the build time, RTL cycles, the reference's wall time for comparison, and the
figures: RTL cycles per second; the shim's run loop against a bare C++ loop clocking the
same Verilated model through the same commands (ratio of speeds, target >= 0.9); inject +
extract time of the full state (median of repeats; target <= 10 ms at 16 MiB DRAM). With
`--context`, also how timing depends on the microarchitecture and the data's placement:
decoupled units vs one sequential FSM, 1 vs 4 scratchpad/accumulator banks, and an MVIN
whose rows hit one open DRAM row vs miss in the same DRAM bank (extra builds).
"""
from __future__ import annotations

import dataclasses

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from fastforward import Simulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from rtlgen.engine import RtlEngine  # noqa: E402
from spec import load_machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def variant(machine, units: bool = True, banks: int | None = None):
    """The machine with its `hls` directives changed (semantics untouched)."""
    hls = machine.hls
    instrs = machine.instructions
    if not units:
        instrs = tuple(dataclasses.replace(i, unit=None) for i in instrs)
        hls = dataclasses.replace(hls, units=())
    if banks is not None:
        hls = dataclasses.replace(hls, banks=tuple((name, banks) for name, _ in hls.banks))
    return dataclasses.replace(machine, instructions=instrs, hls=hls, _index={})


def gemm_cycles(machine, gemm: str) -> tuple[int, bool, float]:
    t0 = time.perf_counter()
    eng = RtlEngine(machine)
    build = time.perf_counter() - t0
    work = build_workload(machine, f"gemm:{gemm}", seed=0)
    sim = Simulator(machine)
    work.prepare(sim)
    eng.inject(sim.state, retired=0)
    sim.run()
    eng.push(work.commands)
    cycles = eng.run_until_quiescent()
    state = eng.extract()
    return cycles, all(np.array_equal(state[k], sim.state[k]) for k in state), build


def shim_vs_bare(eng, state: dict, words: list, cycles: int, repeat: int = 3) -> tuple[float, float]:
    """Best-of-`repeat` seconds for the shim's run loop and a bare C++ loop, same model and commands."""
    shim, bare = [], []
    for _ in range(repeat):
        eng.reset()
        eng.inject(state, retired=0)
        eng.push(words)
        t0 = time.perf_counter()
        assert eng.run_until_quiescent() == cycles
        shim.append(time.perf_counter() - t0)
        eng.reset()
        eng.inject(state, retired=0)
        t0 = time.perf_counter()
        assert eng.bare_run(words, cycles) == len(words)
        bare.append(time.perf_counter() - t0)
    eng.reset()
    return min(shim), min(bare)


def context(machine, gemm: str):
    from fastforward import Program
    for label, m in (("decoupled units, hw/npu.yaml banks", machine), ("one sequential FSM", variant(machine, False)),
                     ("decoupled, 1 bank each", variant(machine, banks=1)),
                     ("decoupled, 4 banks each", variant(machine, banks=4))):
        cycles, match, build = gemm_cycles(m, gemm)
        print(f"  gemm:{gemm} {label:38s} {cycles:9d} cycles  state_match={match}  build {build:.1f} s")
    eng = RtlEngine(machine)
    timing, dim = dict(machine.hls.dram), dict(machine.params)["DIM"]
    for label, stride in (("row hits (stride 64 B)", 64), ("row misses (same bank)", timing["row_bytes"] * 8)):
        words = Program(machine).config_ld(stride=stride).mvin(rows=dim, cols=dim, row=0, addr=0).words
        eng.reset()
        eng.push(words)
        print(f"  MVIN {dim} rows, {label:24s} {eng.run_until_quiescent():6d} cycles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--gemm", default="32,32,32")
    parser.add_argument("--dram-bytes", type=int, default=1 << 24)
    parser.add_argument("--context", action="store_true", help="compare units, banks and DRAM patterns")
    parser.add_argument("--repeat", type=int, default=20, help="repeats of the inject + extract timing")
    args = parser.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml", {"DIM": args.dim, "DRAM_BYTES": args.dram_bytes})
    t0 = time.perf_counter()
    eng = RtlEngine(machine)
    print(f"build (or cache hit): {time.perf_counter() - t0:.2f} s  -> {eng.library_path}")

    work = build_workload(machine, f"gemm:{args.gemm}", seed=0)
    sim = Simulator(machine)
    work.prepare(sim)
    sim0 = {k: v.copy() for k, v in sim.state.items()}
    t0 = time.perf_counter()
    eng.inject(sim.state, retired=0)
    t_inject = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run()
    t_ref = time.perf_counter() - t0
    eng.push(work.commands)
    t0 = time.perf_counter()
    cycles = eng.run_until_quiescent()
    t_rtl = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = eng.extract()
    t_extract = time.perf_counter() - t0
    match = all(np.array_equal(state[k], sim.state[k]) for k in state)
    print(f"gemm:{args.gemm} on npu DIM={args.dim}: {len(work.commands)} commands, {cycles} RTL cycles, "
          f"state_match={match}")
    print(f"reference (Python) {t_ref:.3f} s;  RTL {t_rtl:.3f} s")
    print(f"inject {t_inject * 1e3:.1f} ms + extract {t_extract * 1e3:.1f} ms "
          f"(state {sum(a.nbytes for a in state.values()) / 2**20:.1f} MiB)")
    print(f"RTL cycles/s: {cycles / t_rtl:,.0f}")
    shim, bare = shim_vs_bare(eng, sim0, work.commands, cycles)
    print(f"shim run loop {cycles / shim:,.0f} cycles/s vs bare C++ loop {cycles / bare:,.0f} cycles/s: "
          f"ratio {bare / shim:.3f}")
    moves = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        eng.inject(sim0)
        t1 = time.perf_counter()
        eng.extract()
        moves.append((t1 - t0, time.perf_counter() - t1))
    inj, ext = (float(np.median([m[k] for m in moves])) for k in (0, 1))
    print(f"inject + extract (median of {args.repeat}): {inj * 1e3:.2f} + {ext * 1e3:.2f} = {(inj + ext) * 1e3:.2f} ms")
    if args.context:
        context(machine, args.gemm)


if __name__ == "__main__":
    main()
