"""`dcsim cluster JOB --compute auto[:BUDGET]`: the abstraction selector behind a job file.

The job file's kernels (GEMMs given by shape, or NPU workload names) are priced by
`cosim.selector.Selector` on an NPU machine (--npu, default the bundled npu) with a GEMM
curve (--curve; by default fitted from hw/curves/npu_sweep.yaml, whose RTL measurements
are cached after the first run) and the machine's family characterisation (the same file's
`families`, run whole in RTL once per machine and cached: cosim.characterise); the file's
own compute section is still checked but not used. The decisions (per kernel class: model, evidence, cost) go to
the JSON output under `selector` and to a table.
"""
from __future__ import annotations

from spec.errors import DcsimError

__all__ = ["select_for_job", "show_decisions", "parse_auto"]


def select_for_job(args, budget: float) -> tuple[object, dict]:
    """(the selector, its decisions) for the job file `args.config`."""
    from network import load_cluster, with_model
    from spec import load_machine

    from .fit import load_curve
    from .nodemodel import CurveModel
    from .paths import hw_dir, machine_path
    from .selector import Selector
    machine = load_machine(machine_path(args.npu))
    from .characterise import characterise
    from .fit import fit, load_sweep_config, machine_dim, sweep
    cfg = load_sweep_config(hw_dir() / "curves" / "npu_sweep.yaml")
    if args.curve:
        curve = load_curve(args.curve)
    else:       # fitted now from the bundled sweep (cached RTL measurements), so never stale
        curve = fit(sweep(machine, cfg), machine_dim(machine), "cycles", float(cfg.get("clock_hz", 1e9)))
    if curve.dim != machine_dim(machine):
        raise DcsimError(f"the curve was fitted for DIM={curve.dim} but machine '{args.npu}' has "
                         f"DIM={machine_dim(machine)}: give a matching --curve (dcsim fit)")
    first = load_cluster(args.config, compute=CurveModel(curve))
    network = with_model(first.network, args.network) if args.network else first.network
    # the machine's family points (whole-kernel RTL, cached, once per machine): cosim.characterise
    sel = Selector(machine, curve, budget=budget, cost_budget=args.rtl_budget,     # dcsim sample's default plan
                   characterised=characterise(machine, cfg))
    decisions = sel.run(lambda model: load_cluster(args.config, compute=model).job, network.topology,
                        network.model, engine=args.engine or first.engine)
    if args.baseline:
        from .selector_cost import default_plan_baseline
        base = default_plan_baseline(machine, [c.kernel for c in sel.choices.values()])
        base.pop("per_kernel")
        decisions["baseline_all_sampled"] = base
        decisions["cost_vs_all_sampled"] = {k: decisions["cost"][k] / base[k] if base[k] else None
                                            for k in ("rtl_cycles", "wall_s")}
    return sel, decisions


def short_why(c: dict, met: bool = True) -> str:
    """One phrase per class; the full reasons are in the JSON (`classes[].reasons`)."""
    if c.get("counts_failed_spot_checks"):
        return "spot check: the count model missed beyond its own interval"
    if c.get("moved_by_spot_checks"):
        return "spot check: the curve missed by more than the budget" + (
            "; the count model passed" if "counts" in c["models"] else "")
    if c["models"] == ["counts"]:
        return "count model: its interval is narrower than the curve's, and met the budget"
    if not c["moved_off_curve"] and c["models"] == ["curve"]:
        return ("kept on the curve: the budget was met without it" if met else
                "left on the curve: no RTL measurement fitted the cost budget or the machine")
    return "refined until the step interval met the budget" if "curve" not in c["models"] else \
        "partly refined for the budget"


def show_decisions(d: dict, stdout) -> None:
    from rich.table import Table
    b = d["budget"]
    verdict = "[green]met[/]" if b["met"] else f"[red]NOT met[/] ({b['why']})"
    stdout.print(f"selector: budget ±{100 * b['relative']:g}% at {100 * b['confidence']:g}% {verdict}; "
                 f"step interval ±{100 * d['relative_halfwidth']:.2f}%; RTL cost "
                 f"{d['cost']['rtl_cycles']:,.0f} cycles, {d['cost']['wall_s']:.2f} s "
                 f"({d['cost']['measurements']} measurements)")
    if "cost_vs_all_sampled" in d:
        r = d["cost_vs_all_sampled"]
        stdout.print(f"  vs sampling every kernel in RTL: {r['rtl_cycles']:.2f}× the RTL cycles, "
                     f"{r['wall_s']:.2f}× the wall time")
    t = Table("kernel class (from features)", "model(s)", "spot checks: curve error", "RTL cycles", "why")
    for c in d["classes"]:
        spots = ", ".join(f"{x['kernel']} {100 * x['error']:+.1f}%" for x in c["spot_checks"]) or "–"
        t.add_row(c["class"], ", ".join(c["models"]), spots, f"{c['rtl_cycles']:,.0f}", short_why(c, b["met"]))
    stdout.print(t)


def parse_auto(text: str) -> float:
    """'auto' -> 0.02, 'auto:1%' or 'auto:0.01' -> 0.01 (relative half-width of the step)."""
    kind, _, rest = text.partition(":")
    if kind != "auto":
        raise ValueError(f"--compute takes 'auto' or 'auto:BUDGET', got '{text}'")
    if not rest:
        return 0.02
    value = float(rest[:-1]) / 100 if rest.endswith("%") else float(rest)
    if not 0 < value < 1:
        raise ValueError(f"the budget must be a fraction in (0, 1) or a percentage, got '{rest}'")
    return value
