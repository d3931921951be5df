"""Hand-written designs (PicoRV32, SERV) through their generated correspondence harnesses:
speed next to dcsim's generated RV32I core, and sampled simulation against the full run.

    python benchmarks/bench_byo_rtl.py [--workload prog:sort] [--repeats 5] [--designs picorv32,serv]
                                       [--programs prog:sort prog:crc] [--json OUT.json]
                                       [--skip-speed] [--skip-sampling]

Speed: runs the program to its end on each design and on the generated core (host calls
serviced the same way, by `cosim.core_sample.CoreRun`) and prints, as the median of the
repeats with the worst beside it: cycles per second, instructions per second, CPI. The
harness overhead is the harness's run loop against a bare C++ loop clocking the same
Verilated design and serving its bus with no event checks (`byo_bare_run`): ratio of cycles
per second (the issue's target: within 2x of the bare model, as the generated engine's shim
is). Inject + extract of the full state (4 MiB ram) is timed too.

Sampling: `dcsim sample rv32i --workload P --rtl D --truth` with the defaults (stratified,
U = 1000, W = 2) on the 10^6-instruction programs, once with the full RTL run (cached in
$DCSIM_CACHE after the first time: its cycles are deterministic) and then `--repeats` times
for the sampled run's wall time. A table: design, program, instructions, CPI (full run),
full-RTL cycles, sampled estimate, error, interval, divergences, wall time (sampled, median
(worst)), full-RTL wall time. `--json OUT` writes every figure.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cosim.cli.main import main as dcsim  # noqa: E402
from cosim.core_sample import CoreRun, program_state  # noqa: E402
from fastforward.workloads.programs import build_program  # noqa: E402
from rtlgen.byo import ByoEngine  # noqa: E402
from rtlgen.engine import RtlEngine  # noqa: E402
from spec import load_machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"picorv32": "PicoRV32", "serv": "SERV"}


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


def figure(label: str, runs: list[tuple[float, int, int]]) -> dict:
    cps = [c / s for s, c, _ in runs]
    ips = [i / s for s, _, i in runs]
    _, cycles, instructions = runs[0]
    print(f"{label:28s} {statistics.median(cps) / 1e6:7.2f} Mcycles/s (worst {min(cps) / 1e6:.2f})  "
          f"{statistics.median(ips) / 1e6:6.3f} Minstr/s (worst {min(ips) / 1e6:.3f})  "
          f"CPI {cycles / instructions:.3f}  ({instructions:,} instructions)")
    return {"cycles_per_second": statistics.median(cps), "worst_cycles_per_second": min(cps),
            "instructions_per_second": statistics.median(ips), "worst_instructions_per_second": min(ips),
            "cycles": cycles, "instructions": instructions, "cpi": cycles / instructions}


def speed(machine, designs: list[str], workload: str, repeats: int) -> dict:
    program = build_program(machine, workload)
    out = {}
    for design in designs:
        t0 = time.perf_counter()
        engine = ByoEngine(machine, ROOT / "hw" / "rtl" / f"{design}.yaml")
        print(f"{NAMES.get(design, design)} harness ready in {time.perf_counter() - t0:.1f} s (cached builds are reused)")
        r = figure(f"{NAMES.get(design, design)} (correspondence)", [run_once(machine, engine, program)
                                                                    for _ in range(repeats)])
        bare = []
        for _ in range(repeats):
            engine.inject(program_state(machine, program), retired=0)
            c0, t0 = engine.cycles, time.perf_counter()
            engine.bare_run(2_000_000)
            bare.append((engine.cycles - c0) / (time.perf_counter() - t0))
        r["bare_cycles_per_second"], r["worst_bare_cycles_per_second"] = statistics.median(bare), min(bare)
        print(f"{NAMES.get(design, design) + ' bare loop':28s} {statistics.median(bare) / 1e6:7.2f} Mcycles/s "
              f"(worst {min(bare) / 1e6:.2f})")
        print(f"harness run loop / bare loop: {r['cycles_per_second'] / statistics.median(bare):.2f} of the bare speed")
        state = program_state(machine, program)
        times = []
        for _ in range(max(repeats, 5)):
            t0 = time.perf_counter()
            engine.inject(state, retired=0)
            engine.extract()
            times.append(time.perf_counter() - t0)
        r["inject_extract_ms"], r["worst_inject_extract_ms"] = 1e3 * statistics.median(times), 1e3 * max(times)
        print(f"inject + extract (4 MiB ram): {r['inject_extract_ms']:.2f} ms (worst {r['worst_inject_extract_ms']:.2f})")
        out[design] = r
    out["generated"] = figure("generated core (shim)", [run_once(machine, RtlEngine(machine), program)
                                                        for _ in range(repeats)])
    return out


def sample(design: str, program: str, *extra: str) -> dict:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        status = dcsim(["sample", str(ROOT / "hw" / "rv32i.yaml"), "--workload", program, "--rtl", design,
                        "--executor", "inline", "--json", *extra])
    report = json.loads(buf.getvalue())
    if status not in (0, 1):
        raise SystemExit(f"dcsim sample --rtl {design} --workload {program} failed: {report}")
    return report


def sampling(designs: list[str], programs: list[str], repeats: int) -> list[dict]:
    rows = []
    for design in designs:
        for program in programs:
            truth = sample(design, program, "--truth")
            walls = [truth["seconds"]] + [sample(design, program)["seconds"] for _ in range(repeats - 1)]
            rows.append({"design": design, "program": program, "instructions": truth["instructions"],
                         "cpi": truth["truth_cycles"] / truth["instructions"], "sampled_cpi": truth["sampled_cpi"],
                         "truth_cycles": truth["truth_cycles"], "estimate_cycles": truth["estimate_cycles"],
                         "error": truth["error"], "interval": truth["relative_error"],
                         "confidence": truth["confidence"], "within_interval": truth["within_interval"],
                         "samples": truth["samples"], "population": truth["population"],
                         "divergences": truth["divergences"], "sampled_seconds": statistics.median(walls),
                         "worst_sampled_seconds": max(walls), "truth_seconds": truth["truth_seconds"],
                         "truth_cached": truth["truth_cached"]})
            r = rows[-1]
            print(f"  {design}/{program}: error {100 * r['error']:+.3f}%, {r['divergences']} divergences", flush=True)
    return rows


def table(rows: list[dict]):
    head = ("design", "program", "instructions", "CPI", "full-RTL cycles", "sampled estimate", "error",
            "interval", "divergences", "wall (sampled)", "wall (full RTL)")
    body = [(NAMES.get(r["design"], r["design"]), r["program"], f"{r['instructions']:,}", f"{r['cpi']:.3f}",
             f"{r['truth_cycles']:,}", f"{r['estimate_cycles']:,.0f}", f"{100 * r['error']:+.3f}%",
             f"±{100 * r['interval']:.3f}%", str(r["divergences"]),
             f"{r['sampled_seconds']:.2f} s ({r['worst_sampled_seconds']:.2f})",
             f"{r['truth_seconds']:.1f} s" + (" (cached)" if r["truth_cached"] else "")) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for b in body:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(b, widths)) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="prog:sort", help="the program of the speed figures")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--designs", default="picorv32,serv", help="bundled designs (hw/rtl/NAME.yaml)")
    ap.add_argument("--programs", nargs="+", default=["prog:sort", "prog:crc"], metavar="PROGRAM",
                    help="the programs sampled against the full run")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-sampling", action="store_true")
    ap.add_argument("--json", type=Path, metavar="OUT", help="write every figure as JSON")
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "rv32i.yaml")
    designs = [d for d in args.designs.split(",") if d]
    result = {"repeats": args.repeats}
    if not args.skip_speed:
        result["speed"] = speed(machine, designs, args.workload, args.repeats)
    if not args.skip_sampling:
        print(f"sampling (stratified, U = 1000, W = 2) against the full RTL run, wall time median of {args.repeats} "
              "(worst):", flush=True)
        result["sampling"] = sampling(designs, args.programs, args.repeats)
        table(result["sampling"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
