"""`dcsim cluster`: a multi-node job (training step or inference) over a network model."""
from __future__ import annotations

import re
import sys
import time
import warnings
from contextlib import contextmanager

from rich.table import Table

from .args import output_error, writable_output
from .output import emit_json, stdout

HELP = "run a multi-node job (training step, pipeline inference) over a network model"
DESCRIPTION = """\
Simulate one cluster job described in YAML: a network (topology + link model), an
optional compute model, and a job (data-parallel training step, pipeline-parallel
inference, tensor parallelism, or Chakra execution traces: .et protobuf or JSON, one
file, a directory or a NAME.{rank}.et pattern). Prints the step time,
its compute / communication / exposed-communication breakdown (on the node that finishes
last) and a per-collective algbw/busbw table.

Network models (--network overrides the file's):
  constant  packet-level, constant latency and bandwidth per link (FireSim-like)
  flow      flow-level max-min fair sharing (for scale)
  mess      flow-level + load-dependent latency from bandwidth-latency curves (Mess)
Engines (--engine): messages simulates the whole job as one message DAG (every
interaction); ops times each operation alone, scales to 16k nodes, and says when that
was not exact; auto picks by size. The job-file schema is in hw/clusters/README.md."""
EPILOG = """\
examples:
  dcsim cluster hw/clusters/jobs/dp_switch8.yaml                       data-parallel step
  dcsim cluster hw/clusters/jobs/dp_hier_4x8.yaml --network mess --json
  dcsim cluster hw/clusters/jobs/pipeline_ring8.yaml --trace pipe.json  open in ui.perfetto.dev
  dcsim cluster hw/clusters/jobs/chakra_dp4.yaml                       a Chakra JSON trace
  (trace: run/trace.{rank}.et in a job file reads chakra_converter's per-rank output)
  dcsim cluster hw/clusters/jobs/dp_16k_fat_tree.yaml --network flow   16,384 nodes
  dcsim cluster hw/clusters/jobs/colocated_leaf_spine.yaml --network constant
                                         two jobs sharing a loaded spine (compare with mess)
  dcsim cluster hw/clusters/jobs/tp_hier_4x8.yaml --plot tp.png        timeline + breakdown
  dcsim cluster JOB.yaml --compute auto:2% --baseline      kernels priced by the abstraction
                                         selector (curve, command-count model, sampled or whole-kernel
                                         RTL per kernel class) to a ±2% step-time budget at 99.7%
                                         (docs/network.md)"""


def add_parser(sub):
    import argparse
    p = sub.add_parser("cluster", help=HELP, description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", metavar="CONFIG.yaml", help="cluster job file (see hw/clusters/)")
    p.add_argument("--network", choices=("constant", "flow", "mess"),
                   help="link model to use instead of the file's")
    p.add_argument("--engine", choices=("auto", "messages", "ops"),
                   help="simulation engine (default: the file's, else auto)")
    p.add_argument("--trace", metavar="FILE", help="write a Chrome trace JSON (Perfetto)")
    p.add_argument("--plot", metavar="FILE.png", help="write a figure: per-node timeline and "
                   "the step-time breakdown, with its CI when kernels have one (matplotlib)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    g = p.add_argument_group("abstraction selector (--compute auto)")
    g.add_argument("--compute", metavar="auto[:BUDGET]",
                   help="price the job's kernels with the abstraction selector instead of the file's "
                        "compute model: BUDGET is the step time's relative half-width at 99.7%% "
                        "(default 2%%, e.g. auto:5%% or auto:0.05); kernels start on the curve or the "
                        "command-count model, classes whose spot checks miss move off them, then kernels "
                        "are refined until the budget is met or reported unmet")
    g.add_argument("--npu", default="npu", metavar="SPEC", help="NPU machine whose RTL measures kernels "
                   "(default: npu)")
    g.add_argument("--curve", metavar="curves.json", help="GEMM curve (dcsim fit -o); default: "
                   "fitted now from hw/curves/npu_sweep.yaml (RTL measurements cached after the first run)")
    g.add_argument("--rtl-budget", type=float, default=1e8, metavar="CYCLES", help="cost budget: RTL "
                   "cycles the selector may simulate (default 1e8, about two minutes of RTL on the bundled "
                   "NPU); a budget it cannot meet within it is reported as not met")
    g.add_argument("--baseline", action="store_true", help="also measure what sampling every distinct "
                   "kernel in RTL with dcsim sample's default plan costs, and report the selector's cost "
                   "against it")
    return p


def command(args) -> int:
    from network import load_cluster, summary, with_ci, with_model, write_chrome_trace
    start = time.perf_counter()
    for path in (args.trace, args.plot):       # before the simulation, not after it
        if path:
            writable_output(path)
    said: list[str] = []     # repaired traces, cleaned curves, an unconverged Mess run
    decisions = None
    with _network_warnings(said):
        compute = None
        if args.compute:
            from ..selector_cli import parse_auto
            from ..selector_cli import select_for_job
            try:
                budget = parse_auto(args.compute)
            except ValueError as exc:
                from spec.errors import DcsimError
                raise DcsimError(f"--compute: {exc}") from None
            compute, decisions = select_for_job(args, budget)
        config = load_cluster(args.config, compute=compute)
        network = with_model(config.network, args.network) if args.network else config.network
        result = with_ci(config.job, network.topology, network.model,
                         args.engine or config.engine)
    out = summary(result, round(time.perf_counter() - start, 3))
    out["warnings"] = said
    if decisions is not None:
        out["selector"] = decisions
    if args.trace:
        out["trace"] = args.trace
        try:
            out["trace_events"] = write_chrome_trace(result, args.trace)
        except OSError as exc:
            raise output_error(args.trace, exc) from None
    if args.plot:
        from network.plot import plot_result
        try:
            out["plot"] = str(plot_result(result, args.plot))
        except OSError as exc:
            raise output_error(args.plot, exc) from None
    if args.json:
        emit_json(out)
    else:
        _show(out, network)
        if decisions is not None:
            from ..selector_cli import show_decisions
            show_decisions(decisions, stdout)
    return 0


@contextmanager
def _network_warnings(said: list[str]):
    """Print each NetworkWarning once as 'warning: …' on stderr (also before an error ends
    the run) and collect them for --json; other warnings pass through unchanged."""
    from network.errors import NetworkWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        try:
            yield
        finally:
            for w in caught:
                if not issubclass(w.category, NetworkWarning):
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)
                elif str(w.message) not in said:
                    said.append(str(w.message))
                    print(f"warning: {w.message}", file=sys.stderr)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f} µs" if seconds < 1e-2 else f"{seconds * 1e3:,.3f} ms"


def _show(out: dict, network) -> None:
    stdout.print(f"[bold]{out['description']}[/] on {network.topology.name}, "
                 f"{out['model']} model, {out['engine']} engine")
    t = Table("", "time", "share of step")
    step = out["step_time_s"] or 1e-300
    ci = out["step_time_ci_s"]
    t.add_row("step time", _us(out["step_time_s"]) + (
        f"  [{_us(ci[0])} … {_us(ci[1])}]" if ci else ""), "100 %")
    for key, label in (("compute_s", "compute"), ("comm_s", "communication"),
                       ("exposed_comm_s", "exposed communication")):
        t.add_row(label, _us(out[key]), f"{100 * out[key] / step:.1f} %")
    stdout.print(t)
    if out["parts"]:
        pt = Table("part", "nodes", "start", "end")
        for part in out["parts"]:
            pt.add_row(part["part"], str(part["nodes"]), _us(part["start_s"]), _us(part["end_s"]))
        stdout.print(pt)
    rows: dict[tuple, list] = {}
    for c in out["collectives"]:
        name = re.sub(r"\d+", "N", c["name"]) if c["algorithm"] != "send" else c["name"]
        rows.setdefault((re.sub(r" mb N$", "", name), c["algorithm"], c["ranks"], c["bytes"]),
                        []).append(c)
    if rows:
        ct = Table("operation", "algorithm", "ranks", "MiB", "n", "mean time", "algbw GB/s",
                   "busbw GB/s")
        for (name, alg, ranks, nbytes), cs in list(rows.items())[:40]:
            mean = sum(c["time_s"] for c in cs) / len(cs)
            alg_bw = nbytes / mean if mean > 0 else float("inf")
            bus = sum(c["busbw_Bps"] for c in cs) / len(cs)
            ct.add_row(name, alg, str(ranks), f"{nbytes / 2**20:,.2f}", str(len(cs)), _us(mean),
                       f"{alg_bw / 1e9:.2f}", f"{bus / 1e9:.2f}")
        stdout.print(ct)
    stdout.print(f"{out['nodes']:,} nodes, {out['tasks']:,} tasks, {out['events']:,} events"
                 + (f", {out['messages']:,} messages" if out["messages"] else "")
                 + f"; simulated in {out['seconds']:.2f} s (critical node {out['critical_node']})")
    for note in out["notes"]:
        stdout.print(f"[yellow]note:[/] {note}")
    if out.get("trace"):
        stdout.print(f"trace: {out['trace']} ({out['trace_events']:,} events; open in "
                     "https://ui.perfetto.dev)")
    if out.get("plot"):
        stdout.print(f"plot: {out['plot']}")
