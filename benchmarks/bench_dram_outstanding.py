"""NPU GEMM cycles against DRAM requests in flight per port (`hls.dram.outstanding`).

    python benchmarks/bench_dram_outstanding.py [--workload gemm:64,64,64 ...] [--outstanding 1,2,4,8]
                                                [--dim 8] [--json]

For each workload and each outstanding count N, builds (or reuses from the cache) the
bundled NPU's RTL with `hls.dram: {outstanding: N}` added to its machine file's own timing
(nothing else changes), runs the workload to quiescence on full RTL and prints:

- total RTL cycles and the speedup against N = 1;
- cycles per MVIN: the same workload's load-unit commands alone (CONFIG_LD, MVIN, MVIN_ACC:
  every command that reads DRAM into the scratchpad or accumulator), run from the same state,
  divided by their MVINs, i.e. what a DRAM-bound load costs without the other units;
- whether the RTL's final state equals the Python reference's (the DRAM port is a timing
  model: N must not change results).

Cycles are deterministic (the same design, state and commands give the same count), so
each figure is one run; the script runs every full workload twice and fails if the two
counts differ. Each design is one Verilator build (a minute or two from an empty cache).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from fastforward import Simulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from rtlgen.engine import RtlEngine  # noqa: E402
from spec import ir, load_machine  # noqa: E402
from spec.encoding import match_mask  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOADS = ("gemm:64,64,64", "gemm:32,128,96", "mlp:16,64,128,32")


def with_outstanding(machine: ir.Machine, n: int) -> ir.Machine:
    """The machine with `hls.dram.outstanding` set to `n` (semantics and other timing untouched);
    the HLS validates `n` as it would in a machine file."""
    dram = tuple((k, v) for k, v in machine.hls.dram if k != "outstanding") + (("outstanding", n),)
    return dataclasses.replace(machine, hls=dataclasses.replace(machine.hls, dram=dram), _index={})


def load_unit_commands(machine: ir.Machine, words: list) -> tuple[list, int]:
    """The commands of the unit that runs MVIN (in order), and how many of them read DRAM rows."""
    by_name = {i.name: i for i in machine.instructions}
    unit = by_name["MVIN"].unit
    decoders = [(match_mask(i), i) for i in machine.instructions]
    mine, mvins = [], 0
    for w in words:
        instr = next(i for (mask, value), i in decoders if w & mask == value)
        if instr.unit == unit:
            mine.append(w)
            mvins += instr.name.startswith("MVIN")
    return mine, mvins


def measure(eng: RtlEngine, machine: ir.Machine, workload: str) -> dict:
    work = build_workload(machine, workload, seed=0)
    sim = Simulator(machine)
    work.prepare(sim)
    start = {k: v.copy() for k, v in sim.state.items()}
    sim.run()
    counts = []
    for _ in range(2):                          # twice: the count must not depend on the run
        eng.reset()
        eng.inject(start, retired=0)
        eng.push(work.commands)
        counts.append(eng.run_until_quiescent())
        state = eng.extract()
        match = all(np.array_equal(state[k], sim.state[k]) for k in sim.state)
    if counts[0] != counts[1]:
        raise SystemExit(f"{workload}: cycle counts differ between identical runs: {counts}")
    loads, mvins = load_unit_commands(machine, work.commands)
    eng.reset()
    eng.inject(start, retired=0)
    eng.push(loads)
    load_cycles = eng.run_until_quiescent()
    return {"workload": workload, "commands": len(work.commands), "mvins": mvins, "cycles": counts[0],
            "load_cycles": load_cycles, "cycles_per_mvin": load_cycles / max(1, mvins), "state_match": match}


def table(rows: list) -> str:
    base = {r["workload"]: r["cycles"] for r in rows if r["outstanding"] == 1}
    head = ("workload", "N", "commands", "MVINs", "RTL cycles", "speedup vs N=1", "cycles/MVIN", "state = ref")
    lines = [head]
    for r in rows:
        speed = f"{base[r['workload']] / r['cycles']:.2f}x" if r["workload"] in base else "-"
        lines.append((r["workload"], str(r["outstanding"]), str(r["commands"]), str(r["mvins"]), str(r["cycles"]),
                      speed, f"{r['cycles_per_mvin']:.1f}", "yes" if r["state_match"] else "NO"))
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(x, widths)))
                     for x in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", action="append", help=f"repeatable; default {', '.join(DEFAULT_WORKLOADS)}")
    parser.add_argument("--outstanding", default="1,2,4,8", help="comma-separated request counts (default 1,2,4,8)")
    parser.add_argument("--dim", type=int, default=None, help="override the NPU's DIM param")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args()
    overrides = {"DIM": args.dim} if args.dim else None
    base = load_machine(ROOT / "hw" / "npu.yaml", overrides)
    counts = [int(x) for x in args.outstanding.split(",")]
    rows = []
    for n in counts:
        machine = with_outstanding(base, n)
        eng = RtlEngine(machine)
        for workload in args.workload or DEFAULT_WORKLOADS:
            rows.append({"outstanding": n, **measure(eng, machine, workload)})
            print(f"  measured N={n} {workload}", file=sys.stderr)
        del eng
    rows.sort(key=lambda r: (r["workload"], r["outstanding"]))
    dram = dict(base.hls.dram)
    if args.json:
        print(json.dumps({"machine": "hw/npu.yaml", "params": dict(base.params), "dram": dram, "rows": rows}, indent=1))
    else:
        print(f"NPU (hw/npu.yaml, DIM={dict(base.params)['DIM']}) GEMM cycles vs DRAM requests in flight per port "
              f"(hls.dram {dram}); full RTL, cycles are deterministic")
        print(table(rows))
    if not all(r["state_match"] for r in rows):
        raise SystemExit("final state differs from the reference")


if __name__ == "__main__":
    main()
