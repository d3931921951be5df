"""Random-machine differential fuzzing of every backend, one budget, with counts.

    python benchmarks/fuzz_backends.py [--machines N] [--streams N] [--rtl N] [--exo N] [--seed S] [--out DIR]

generates N random queue machines (tests/fuzz/machines.py), runs `--streams` random command
streams of each on the Python reference and the C model (compared after every command),
the first `--rtl` machines also through HLS -> Verilog -> Verilator (`--rtl-streams` streams
each) and imports the Exo library of the first `--exo`; prints machines generated /
rejected by the checker / run, streams and commands, disagreements per backend pair (new
ones minimized into --out; those matching an xfail reproducer of tests/fuzz/regressions
counted as known) and the seconds taken. The test suite's budgets are in tests/test_fuzz.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz.runner import fuzz  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--machines", type=int, default=40)
    ap.add_argument("--streams", type=int, default=20)
    ap.add_argument("--rtl", type=int, default=0, help="machines also run through Verilator")
    ap.add_argument("--rtl-streams", type=int, default=5)
    ap.add_argument("--exo", type=int, default=10, help="machines whose Exo library is imported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="where reproducers are written")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    stats = fuzz(machines=args.machines, streams=args.streams, rtl=args.rtl, rtl_streams=args.rtl_streams,
                 exo=args.exo, seed=args.seed, out=args.out, minimize=not args.no_minimize,
                 log=None if args.json else lambda m: print(m, flush=True))
    if args.json:
        print(json.dumps({"machines": stats.machines, "rejected": stats.rejected, "run": stats.run,
                          "streams": stats.streams, "commands": stats.commands,
                          "faulting_streams": stats.faulting_streams, "rtl_machines": stats.rtl_machines,
                          "rtl_unsupported": stats.rtl_unsupported, "rtl_streams": stats.rtl_streams,
                          "rtl_commands": stats.rtl_commands, "exo_checked": stats.exo_checked,
                          "exo_strict_ok": stats.exo_strict_ok, "disagreements": dict(stats.disagreements),
                          "known": dict(stats.known), "seconds": round(stats.seconds, 2),
                          "reproducers": [str(p) for _, _, p in stats.failures if p]}))
    else:
        print(f"machines generated  {stats.machines}")
        print(f"rejected (checker)  {stats.rejected}")
        print(f"machines run        {stats.run}")
        print(f"streams             {stats.streams} ({stats.faulting_streams} fault on the reference)")
        print(f"commands run        {stats.commands} (Python and C; a stream stops at its first fault)")
        print(f"rtl                 {stats.rtl_machines} machines built, {stats.rtl_unsupported} refused by the HLS, "
              f"{stats.rtl_streams} streams, {stats.rtl_commands} commands")
        print(f"exo                 {stats.exo_checked} libraries generated and imported, "
              f"{stats.exo_strict_ok} fully expressible (strict)")
        pairs = ["py/c", "py/rtl", "spec/hls", "spec/rtl", "spec/exo"]
        for pair in pairs + sorted(set(stats.disagreements) - set(pairs)):
            print(f"disagreements {pair:<8} {stats.disagreements.get(pair, 0)}")
        for name, n in sorted(stats.known.items()):
            print(f"known bug hit       {name}: {n}")
        for seed, diff, path in stats.failures:
            print(f"  seed {seed}: {diff}" + (f" -> {path}" if path else ""))
        print(f"seconds             {stats.seconds:.1f}")
    return 1 if stats.disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
