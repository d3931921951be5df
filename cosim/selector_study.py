"""The selector's section of `dcsim experiment abstraction`: accuracy against cost.

For each job (and for the study's probe kernels run back to back on one node, which is
where the kernel classes the curve gets wrong live), three ways to price the kernels:
curve only, sampled RTL only (every kernel sampled: the cost reference), and the selector
at the error budget. Each is compared with the full-RTL step time (every kernel whole
in RTL). The selector is repeated `repeats` times with different resampling seeds (its
decisions depend on the resampled interval); figures are medians with the worst beside
them. RTL measurements are cached per kernel, so a repeat's cost is the cost the
measurement had when it ran (cycles exactly; wall time as then recorded).
"""
from __future__ import annotations

import numpy as np

from .selector import CURVE, Selector, baseline_cost
from .selector_cli import short_why

__all__ = ["study", "section"]


def _serial(kernels):
    """The probe kernels one after another on node 0 (no communication)."""
    def build(model):
        from network import Job
        job = Job("probes", 8, description="the probe kernels back to back on one node")
        prev = None
        for k in kernels:
            e = model.estimate(k)
            prev = job.compute([0], e.seconds, k.key, deps=(prev,) if prev is not None else (), ci=e.ci)
        return job
    return build


VARIANTS = (("±5%", 0.05, None), ("±10%", 0.10, None), ("±2%, RTL cost capped at 25% of all sampled", 0.02, 0.25))


def study(machine, curve, clock, plan, builds: dict, network, truth_step: dict, truth_model,
          probe_kernels, *, budget=0.02, repeats=5, draws=48, log=lambda m: None) -> dict:
    """Run the selector on each job `builds[name](model)`; see the module doc."""
    from network.cluster import simulate
    builds = dict(builds)
    builds["probe kernels (serial)"] = _serial(probe_kernels)
    out = {}
    for name, build in builds.items():
        log(f"selector on {name}: {repeats} repeats at ±{100 * budget:g}%")
        truth = truth_step.get(name)
        if truth is None:
            truth = simulate(build(truth_model), network.topology, network.model).step_time
        def repeat(b, cost):
            runs = []
            for seed in range(repeats):
                sel = Selector(machine, curve, clock, budget=b, plan=plan, spot_checks=2, cost_budget=cost)
                d = sel.run(build, network.topology, network.model, draws=draws, seed=seed)
                d["error_vs_full_rtl"] = d["step_time_s"] / truth - 1
                runs.append(d)
            return runs, sel
        runs, sel = repeat(budget, None)
        kernels = [c.kernel for c in sel.choices.values()]
        base = baseline_cost(machine, kernels, plan)
        variants = {}
        for label, b, frac in VARIANTS:
            log(f"selector on {name}: {label}")
            variants[label] = repeat(b, None if frac is None else frac * base["rtl_cycles"])[0]
        for d in runs + [d for v in variants.values() for d in v]:
            d["cost_vs_all_sampled"] = {"rtl_cycles": d["cost"]["rtl_cycles"] / base["rtl_cycles"],
                                        "wall_s": d["cost"]["wall_s"] / base["wall_s"]}
        from .nodemodel import step_time_interval
        c = step_time_interval(build(_CurveOnly(sel)), network.topology, network.model, draws=draws)
        out[name] = {"full_rtl_step_s": truth, "baseline": base, "runs": [compact(d) for d in runs],
                     "curve_only_error": c["step_time_s"] / truth - 1,
                     "curve_only_relative_halfwidth": c["relative_halfwidth"] if c["ci_s"] else 0.0,
                     "summary": _summary(runs), "last": runs[-1],
                     "variants": {k: {"summary": _summary(v), "last": v[-1]} for k, v in variants.items()}}
    return out


def compact(d: dict) -> dict:
    """One repeat's figures without its per-kernel decisions (kept for the last repeat only)."""
    return {"met": d["budget"]["met"], "why": d["budget"]["why"], "step_time_s": d["step_time_s"],
            "ci_s": d["ci_s"], "relative_halfwidth": d["relative_halfwidth"], "error_vs_full_rtl": d["error_vs_full_rtl"],
            "cost": d["cost"], "cost_vs_all_sampled": d.get("cost_vs_all_sampled"), "rounds": len(d["rounds"])}


class _CurveOnly:
    def __init__(self, sel):
        self.sel = sel

    def estimate(self, kernel):
        return self.sel.curve_estimate(kernel)


def _summary(runs) -> dict:
    def med_worst(xs, worst=max):
        xs = [float(x) for x in xs]
        return {"median": float(np.median(xs)), "worst": float(worst(xs))}
    return {"repeats": len(runs), "met": sum(r["budget"]["met"] for r in runs),
            "abs_error": med_worst([abs(r["error_vs_full_rtl"]) for r in runs]),
            "relative_halfwidth": med_worst([r["relative_halfwidth"] for r in runs]),
            "cost_cycles_ratio": med_worst([r["cost_vs_all_sampled"]["rtl_cycles"] for r in runs]),
            "cost_wall_ratio": med_worst([r["cost_vs_all_sampled"]["wall_s"] for r in runs]),
            "truth_in_interval": sum(bool(r["ci_s"] and r["ci_s"][0] <= r["step_time_s"] / (1 + r["error_vs_full_rtl"])
                                          <= r["ci_s"][1]) or r["ci_s"] is None for r in runs)}


def _pct(x, d=1):
    return f"{100 * x:+.{d}f}%"


def section(r, sel_results: dict, jobs: dict, budget: float) -> None:
    """Append the selector section to report `r` (a cosim.experiments.report.Report)."""
    r.text(f"### The abstraction selector: an error budget of ±{100 * budget:g}% at 99.7%")
    r.text(__doc__.split("\n\n", 1)[1].replace("\n", " ") + " How the selector decides is in "
           "`cosim/selector.py` (spot checks per kernel class, then refinement along curve → sampled RTL → "
           "whole-kernel RTL until the step interval meets the budget).")
    rows = []
    for name, s in sel_results.items():
        srcs = jobs.get(name, {})
        m = s["summary"]
        if "sampled RTL" in srcs:
            sr = srcs["sampled RTL"]
            rows.append([name, "sampled RTL only", _pct(sr["step_s"] / s["full_rtl_step_s"] - 1, 2),
                         _hw(sr), "1.00×", "1.00×", "–"])
        rows.append([name, "curve only", _pct(s["curve_only_error"], 2),
                     f"±{100 * s['curve_only_relative_halfwidth']:.2f}%", "0", "0", "–"])
        for label, v in [(f"selector ±{100 * budget:g}%", m)] + [(f"selector {k}", x["summary"])
                                                                 for k, x in s.get("variants", {}).items()]:
            rows.append([name, label, f"{_pct(v['abs_error']['median'], 2)} (worst {_pct(v['abs_error']['worst'], 2)})",
                         f"±{100 * v['relative_halfwidth']['median']:.2f}% (worst ±{100 * v['relative_halfwidth']['worst']:.2f}%)",
                         f"{v['cost_cycles_ratio']['median']:.2f}× (worst {v['cost_cycles_ratio']['worst']:.2f}×)",
                         f"{v['cost_wall_ratio']['median']:.2f}× (worst {v['cost_wall_ratio']['worst']:.2f}×)",
                         f"{v['met']}/{v['repeats']}"])
    r.table(["job", "compute", "step error vs full RTL (|median|)", "step interval (99.7%)",
             "RTL cycles vs all sampled", "wall vs all sampled", "budget met"], rows)
    r.text("Costs are relative to sampling every distinct kernel of the job in RTL with the study's plan "
           "(absolute: " + "; ".join(f"{n}: {s['baseline']['rtl_cycles']:,.0f} RTL cycles, "
                                     f"{s['baseline']['wall_s']:.2f} s" for n, s in sel_results.items()) + ").")
    r.text("#### Kernel classes: what the selector chose and why (last repeat)")
    crow = []
    for name, s in sel_results.items():
        for c in s["last"]["classes"]:
            spots = ", ".join(f"{x['kernel']} {_pct(x['error'])} ({x['method']}, ±{100 * x['measured_rel_halfwidth']:.1f}%)"
                              for x in c["spot_checks"]) or "–"
            crow.append([name, c["class"], ", ".join(c["models"]), "moved" if c["moved_off_curve"] else "kept",
                         f"±{100 * c.get('curve_rel_halfwidth', 0):.0f}% (×{c.get('widening', 1):.2f})", spots,
                         f"{c['rtl_cycles']:,.0f}", short_why(c, s["last"]["budget"]["met"])])
    r.table(["job", "class (from features)", "model(s)", "off curve", "curve interval (widening)",
             "spot checks: curve error (method, its ±)", "RTL cycles", "why"], crow)
    r.text(_discussion(sel_results, budget))
    r.text("The full reason of every kernel (which spot check, which refinement round) is in results.json under "
           "`selector.jobs.<job>.last.kernels[].reason`.")
    for name, s in sel_results.items():
        for label, d in [(f"±{100 * budget:g}%", s["last"])] + [(k, v["last"]) for k, v in s.get("variants", {}).items()]:
            if not d["budget"]["met"]:
                r.text(f"* **{name}, {label}: budget not met** ({d['budget']['why']}); the step interval stayed at "
                       f"±{100 * d['relative_halfwidth']:.2f}%, the step {_pct(d['error_vs_full_rtl'], 2)} "
                       f"from full RTL.")


def _discussion(sel_results: dict, budget: float) -> str:
    """Why the selector costs what it costs, every figure read from the results."""
    sampled, curve_hw, whole, total, spot_errs = [], [], 0, 0, []
    for s in sel_results.values():
        d = s["last"]
        for k in d["kernels"]:
            total += 1
            whole += k["model"] == "rtl-whole"
            sampled += [(m["ci"][1] - m["ci"][0]) / 2 / m["cycles"] for m in k["measured"] if m["method"] != "truth"]
        for c in d["classes"]:
            curve_hw.append(c.get("curve_rel_halfwidth", 0.0))
            spot_errs += [abs(x["error"]) for x in c["spot_checks"] if x["method"] == "truth"]
    goal = all(s["summary"]["met"] == s["summary"]["repeats"] and s["summary"]["cost_cycles_ratio"]["median"] <= 0.25
               for s in sel_results.values())
    text = [f"Against the goal (±{100 * budget:g}% met at ≤25% of the RTL cost of sampling every kernel): "
            f"{'met' if goal else 'not met'}. "]
    text.append(f"Of {total} kernel decisions (last repeat of each job), {whole} ended on whole-kernel RTL. ")
    if curve_hw:
        text.append(f"The curve's own 99.7% interval is ±{100 * min(curve_hw):.0f}% to ±{100 * max(curve_hw):.0f}% "
                    f"per kernel (widened outside its sweep), and spot checks run whole in RTL found it off by "
                    f"{100 * min(spot_errs, default=0):.1f}% to {100 * max(spot_errs, default=0):.1f}%: no class is "
                    f"within ±{100 * budget:g}%, so none can stay on the curve. ")
    if sampled:
        text.append(f"The sampler, at the study's plan, returned intervals of ±{100 * float(np.median(sampled)):.0f}% "
                    f"(median; ±{100 * min(sampled):.0f}% to ±{100 * max(sampled):.0f}%) on the kernels it sampled, "
                    f"too wide for the budget, so the selector went on to whole kernels. Those cost more RTL cycles "
                    f"than a campaign (a campaign runs (unit + warm-up) × samples commands, a fraction of the "
                    f"kernel). In wall time, whole kernels cost about as much as a campaign or less (see the table): "
                    f"at these kernel sizes a campaign's costs beyond its RTL cycles (functional fast-forward "
                    f"to each sample, starting the RTL per sample) are about as large as the RTL work it saves. ")
    text.append("The capped arm shows the other side: held to 25% of the cost, the selector reports the budget "
                "unmet and how wide the step interval stayed. A ±2% budget at 25% of the cost needs a curve "
                "good to about ±2% on most of the step's kernels, or a sampler whose intervals are that narrow "
                "at a quarter of the cost. Neither exists here yet.")
    return "".join(text)


def _hw(v) -> str:
    ci = v.get("ci_s")
    return f"±{100 * (ci[1] - ci[0]) / 2 / v['step_s']:.2f}%" if ci else "–"


def moved_classes(sel_results: dict) -> list[str]:
    """Class labels the selector moved off the curve in any job (last repeat)."""
    return sorted({c["class"] for s in sel_results.values() for c in s["last"]["classes"]
                   if c["moved_off_curve"] and any(k != CURVE for k in c["models"])})
