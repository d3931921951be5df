"""`dcsim experiment NAME --out DIR [--quick]`: the studies the tool exists for."""
from __future__ import annotations

import argparse
import time

from .output import emit_json, stderr, stdout

DESCRIPTION = """\
Run one of the studies of DESIGN.md and write DIR/report.md, DIR/results.json and PNG plots:
  sampling     sampled vs full RTL over the workload suite: error, interval, speedup, and
               error vs sample count and unit size
  network      the same cluster jobs under constant-latency vs Mess-style links: step time
               and where they diverge (load, topology, message size)
  abstraction  curve-fitted compute + Mess network vs sampled-RTL compute + Mess network on
               data-parallel training and pipeline inference: end to end and per kernel
  software     the NPU driven by C programs on the host core (hw/soc.yaml) vs the Python-built
               command streams of the same shapes: NPU cycles on RTL, host cost, time to produce
--quick runs a reduced version (seconds; the test suite runs it)."""
EPILOG = """\
examples:
  dcsim experiment sampling --out results/sampling --quick
  dcsim experiment network --out results/network
  dcsim experiment abstraction --out results/abstraction --json"""


def add_parser(sub):
    from ..experiments import NAMES
    p = sub.add_parser("experiment", help="run a study (sampling | network | abstraction | software) and write a report",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=NAMES, help="which study")
    p.add_argument("--out", required=True, metavar="DIR", help="where report.md, results.json and plots go")
    p.add_argument("--quick", action="store_true", help="reduced sizes (seconds); used by the test suite")
    p.add_argument("--spec", default="npu", help="accelerator machine (default: the bundled npu)")
    p.add_argument("--json", action="store_true", help="print the headline results as one JSON object")
    return p


def command(args) -> int:
    from ..experiments import run_experiment
    t0 = time.perf_counter()
    log = None if args.json else (lambda msg: stderr.print(f"[dim]{args.name}:[/] {msg}"))
    out = run_experiment(args.name, args.out, quick=args.quick, spec=args.spec, log=log)
    info = {"experiment": args.name, "quick": args.quick, "out": str(args.out), "report": out["report"],
            "plots": out["plots"], "headline": out["headline"], "seconds": round(time.perf_counter() - t0, 2)}
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"[bold]{args.name}[/]: " + "; ".join(f"{k} = {_fmt(v)}" for k, v in info["headline"].items()))
        stdout.print(f"wrote {info['report']} (+ results.json, {len(info['plots'])} plots) in {info['seconds']:.1f} s")
    return 0


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
