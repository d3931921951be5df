"""The report of one sampled run: the dict `dcsim sample --json` prints, and `--report DIR`'s
report.md, report.json and cycles.png."""
from __future__ import annotations

import json
from pathlib import Path


def build_report(target, args, result, seconds: float, passes: list, executor: dict) -> dict:
    """Estimate, interval, plan, timing and the first divergence of a sampled run, plus what
    the target adds (`report_extras`)."""
    est, plan = result.estimate, result.plan
    first = result.diverged[0] if result.diverged else None
    out = {"estimate_cycles": est.cycles, "ci_low": est.low, "ci_high": est.high, "confidence": est.confidence,
           "samples": len(plan.samples), "divergences": len(result.diverged), "seconds": round(seconds, 3),
           "relative_error": est.relative_error, "cv": est.cv, "population": est.population, "estimator": est.method,
           "machine": target.machine.name, "kind": target.kind, "workload": target.name, "items": target.items,
           "commands": plan.total, "unit": plan.unit, "warmup": args.warmup, "lookahead": args.lookahead,
           "plan": plan.describe(), "plan_kind": plan.kind, "passes": passes, "executor": executor,
           "verified": result.verified, "functional_seconds": round(result.functional_seconds, 3),
           "detailed_seconds": round(result.detailed_seconds, 3), "sample_time": _time_split(result.samples),
           "first_divergence": _divergence(first, target) if first else None,
           "units": [{"index": s["index"], "start": s["start"], "cycles": s["cycles"],
                      "warmup_cycles": s["warmup_cycles"], "state_ok": s["state_ok"]} for s in result.samples]}
    if getattr(plan, "note", ""):
        out["plan_note"] = plan.note            # the plan is not quite what was asked, and why
    if args.target_error:
        out["target_error"] = args.target_error
        out["needed_samples"] = est.needed_samples(args.target_error)
    out.update(target.report_extras(result))
    return out


def _time_split(samples: list) -> dict:
    """Mean seconds per sample in each phase (restore, inject, warmup, unit, drain, extract,
    reference, compare)."""
    phases = [s["time"] for s in samples if "time" in s]
    if not phases:
        return {}
    keys = [k for k in phases[0] if all(k in p for p in phases)]   # a store resumed across versions
    return {k: sum(p[k] for p in phases) / len(phases) for k in keys}


def _divergence(sample: dict, target) -> dict:
    lo, hi = sample["start"] - sample["warmup"], sample["start"] + sample["length"]
    return {"unit": sample["index"], "commands": [lo, hi], "elements": sample["divergence"],
            "hint": f"the RTL and the functional model disagree after {target.items} {lo}..{hi - 1} of "
                    f"{target.name}; rerun them with `dcsim run` / the RTL engine to bisect"}

WARMUP_NOTE = """\
**Warm-up.** Every sample is injected at a correspondence point, where the RTL is
quiescent: its command FIFO, load/execute/store queues and hazard scoreboards are empty
and no DRAM transfer is in flight, and the DRAM model's open rows are whatever the
previous sample left. The real machine at that command is busy: units overlap and the
open rows reflect recent traffic. The detailed warm-up of W commands before the measured
unit (not counted) refills the queues, restarts the overlap between units and reopens
the rows the recent working set uses; the remaining bias is from the unit's first
commands seeing less backlog, and it shrinks as W grows
(`benchmarks/bench_sampling_warmup.py`). The machine is drained to the next
correspondence point after the unit to extract and check the state; those cycles count
only for the workload's last unit, as in the full run."""

CORE_WARMUP_NOTE = """\
**Warm-up.** Every sample is injected at an instruction boundary. The generated core runs
one instruction at a time and holds only architectural state between instructions (no
pipeline, cache or predictor), so an injected unit takes exactly the cycles it takes in the
full run: no warm-up is needed (W = 0) and the interval carries no measurement-bias
allowance (`cosim/core_sample.py`; tests/test_sampling_core.py checks every unit of a
program against the full run)."""


def write_report(directory: Path, report: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    png = _plot(directory / "cycles.png", report)
    (directory / "report.md").write_text(_markdown(report, png))
    return directory


ESTIMATOR_NAMES = {"regression": "regression on the units' command counts (cosim/estimate.py)",
                   "expansion": "stratified mean"}


def _markdown(r: dict, png: Path | None) -> str:
    core = r.get("kind") == "core"              # a program on a processor core
    items = r.get("items", "commands")
    rows = [("estimated cycles", f"{r['estimate_cycles']:,.0f}"),
            (f"{100 * r['confidence']:.1f}% interval", f"{r['ci_low']:,.0f} .. {r['ci_high']:,.0f} "
                                                        f"(±{100 * r['relative_error']:.2f}%)"),
            ("coefficient of variation", f"{r['cv']:.3f}"),
            ("estimator", ESTIMATOR_NAMES.get(r.get("estimator"), r.get("estimator", ""))),
            ("plan", r["plan"]), ("warm-up", f"{r['warmup']} {items}"),
            ("samples checked / diverged", f"{r['samples']} / {r['divergences']}"),
            ("sampled run", f"{r['seconds']:.2f} s ({r['executor']['kind']}, {r['executor']['workers']} workers)"),
            ("fast-forward", f"{r['functional_seconds']:.2f} s")]
    if "truth_cycles" in r:
        rows += [("full RTL cycles", f"{r['truth_cycles']:,}"),
                 ("error vs full RTL", f"{100 * r['error']:+.3f}% ({'inside' if r['within_interval'] else 'outside'}"
                                       " the interval)"),
                 ("full RTL wall time", f"{r['truth_seconds']:.2f} s" + (" (cached)" if r["truth_cached"] else "")),
                 ("speedup", f"{r['speedup']:.1f}x")]
    split = r.get("sample_time") or {}
    lines = [f"# Sampled co-simulation: {r['workload']} on {r['machine']}", "",
             f"{r['commands']:,} {items} in units of {r['unit']}.", "",
             "| quantity | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    if split:
        lines += ["", "Mean seconds per sample: " + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in split.items())]
    if r.get("first_divergence"):
        d = r["first_divergence"]
        lines += ["", f"## First divergence: unit {d['unit']}", ""] + [f"- {e}" for e in d["elements"]]
    if png is not None:
        lines += ["", f"![cycles per unit]({png.name})"]
    lines += ["", r.get("warmup_note") or (CORE_WARMUP_NOTE if core else WARMUP_NOTE), ""]   # a target's own
    return "\n".join(lines)


def _plot(path: Path, r: dict) -> Path | None:
    try:
        import matplotlib
    except ImportError:
        return None                             # the report still has Markdown and JSON
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import math

    from matplotlib.ticker import MaxNLocator
    items = r.get("items", "commands")
    fig, ax = plt.subplots(figsize=(9, 4))
    if r.get("truth_per_unit"):
        ax.plot(range(len(r["truth_per_unit"])), r["truth_per_unit"], lw=0.8, color="0.6",
                label="full RTL (every unit)")
    units = r["units"]
    ax.scatter([u["index"] for u in units], [u["cycles"] for u in units], s=14, color="C3", zorder=3,
               label=f"sampled units ({len(units)} of {r['population']})")
    pop = r["population"]
    ax.axhline(r["estimate_cycles"] / pop, color="C0", lw=1, ls="--", label="estimated mean per unit")
    if all(isinstance(v, (int, float)) and math.isfinite(v) for v in (r["ci_low"], r["ci_high"])):
        ax.axhspan(r["ci_low"] / pop, r["ci_high"] / pop, color="C0", alpha=0.12, lw=0,
                   label=f"{100 * r['confidence']:.1f}% interval of the mean")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"unit index (one unit = {r['unit']} {items})")
    ax.set_ylabel("cycles per unit (clock cycles)")
    ax.set_title(f"{r['workload']} on {r['machine']}: cycles per unit, estimate {r['estimate_cycles']:,.0f} "
                 f"cycles (±{100 * r['relative_error']:.2f}%)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
