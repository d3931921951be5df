"""The selector's section of `dcsim experiment abstraction`: accuracy against cost.

For each job (and for the study's probe kernels run back to back on one node, which is
where the kernel classes the curve gets wrong live), ways to price the kernels: curve
only, sampled RTL only, and the selector at the error budget (plus variants: looser
budgets, a cost cap, 95% confidence, and no RTL at all). Each is compared with the
full-RTL step time (every kernel whole in RTL). The selector is repeated `repeats` times
with different resampling seeds (its decisions depend on the resampled interval); figures
are medians with the worst beside them.

Cost reference (`cosim.selector_cost.default_plan_baseline`): every *distinct* kernel of the
job sampled by `dcsim sample` with its default plan (stratified, unit 200, warm-up 160,
18 units in 6 strata with the regression estimate, then passes to ±1%), its RTL cycles
capped at the kernel's own cycles (at these kernel sizes, 400-19,000 commands, the plan
often simulates more commands than the kernel has, so the cap binds for most kernels:
the reference is close to the full RTL of the distinct kernels, never more). Also shown: the study's cheaper but much looser plan (unit 20, warm-up 40,
30 units), the reference of the first selector. The selector's RTL runs and the
reference's campaigns run afresh in every repeat (`fresh_measure`: cached records keep
the wall time of whenever they ran), so wall times are this run's;
`benchmarks/bench_selector_cost.py` also times the selector's whole run against the
reference's campaigns plus its step interval.
"""
from __future__ import annotations

import time

import numpy as np

from .selector import CURVE, Selector
from .selector_cost import baseline_cost, default_plan_baseline
from .selector_cli import short_why

__all__ = ["study", "section", "job_kernels", "full_rtl_cost", "fresh_measure"]


def serial_job(kernels):
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


GOAL = 0.25                  # the cost target: at most this share of the reference
VARIANTS = (("±5%", 0.05, None, 0.997), ("±10%", 0.10, None, 0.997),
            ("±2% at 95% confidence", 0.02, None, 0.95),
            ("±2%, RTL cost capped at 25% of the reference", 0.02, GOAL, 0.997),
            ("±2%, no RTL at all (free models only)", 0.02, 0.0, 0.997))


def job_kernels(build) -> list:
    """The distinct kernels a job uses, in first-use order."""
    seen = {}

    class _Rec:
        def estimate(self, kernel):
            from network.compute import Estimate
            seen.setdefault(kernel.key, kernel)
            return Estimate(1e-6, None, "")
    build(_Rec())
    return list(seen.values())


def fresh_measure(machine, text, *, truth_max_commands=4000, unit=200, warmup=None, samples=36, **_):
    """`measure_kernel` without its cache, so that wall times are this run's: the whole kernel
    run now, or a campaign run now. (Cached records keep the wall time of whenever they ran,
    under whatever load: one record of gemm:8,8,8 says 65 s for 298 cycles.)"""
    from fastforward.workloads import build_workload

    from .nodemodel import Measurement, measure_kernel
    from .queue_target import QueueTarget
    target = QueueTarget(machine, build_workload(machine, text))
    target.load()
    if target.total > truth_max_commands:
        return measure_kernel(machine, text, truth_max_commands=truth_max_commands, unit=unit, warmup=warmup,
                              samples=samples, use_cache=False)
    t0 = time.perf_counter()
    t = target.truth(unit, use_cache=False)
    c = float(t["cycles"])
    return Measurement(text, c, c, c, "truth", target.total, time.perf_counter() - t0)


def full_rtl_cost(machine, kernels) -> dict:
    """Every distinct kernel whole in RTL: cycles, and wall, run now."""
    from .nodemodel import workload_text
    ms = [fresh_measure(machine, workload_text(k), truth_max_commands=10 ** 12) for k in kernels]
    return {"rtl_cycles": sum(m.cycles for m in ms), "wall_s": sum(m.seconds for m in ms), "kernels": len(ms)}


def study(machine, curve, clock, plan, builds: dict, network, truth_step: dict, truth_model,
          probe_kernels, *, budget=0.02, repeats=5, draws=48, log=lambda m: None, characterised=()) -> dict:
    """Run the selector on each job `builds[name](model)`; see the module doc. `plan` is the
    study's sampling plan (the older, looser reference). `characterised`: the machine's family
    points (cosim.characterise), which every selector run may price kernels from."""
    from network.cluster import simulate
    builds = dict(builds)
    builds["probe kernels (serial)"] = serial_job(probe_kernels)
    out = {}
    for name, build in builds.items():
        log(f"selector on {name}: {repeats} repeats at ±{100 * budget:g}%")
        truth = truth_step.get(name)
        if truth is None:
            truth = simulate(build(truth_model), network.topology, network.model).step_time
        kernels = job_kernels(build)
        log(f"selector on {name}: the reference, {len(kernels)} distinct kernels sampled by the default plan")
        base = default_plan_baseline(machine, kernels)
        full = full_rtl_cost(machine, kernels)
        looser = baseline_cost(machine, kernels, plan)

        def repeat(b, frac, confidence):
            runs = []
            for seed in range(repeats):
                sel = Selector(machine, curve, clock, budget=b, confidence=confidence, measure=fresh_measure,
                               cost_budget=None if frac is None else frac * base["rtl_cycles"],
                               characterised=characterised)
                t0 = time.perf_counter()
                d = sel.run(build, network.topology, network.model, draws=draws, seed=seed)
                d["run_wall_s"] = time.perf_counter() - t0
                d["error_vs_full_rtl"] = d["step_time_s"] / truth - 1
                runs.append(d)
            return runs, sel
        runs, sel = repeat(budget, None, 0.997)
        variants = {}
        for label, b, frac, conf in VARIANTS:
            log(f"selector on {name}: {label}")
            variants[label] = repeat(b, frac, conf)[0]
        for d in runs + [d for v in variants.values() for d in v]:
            d["cost_vs_all_sampled"] = {"rtl_cycles": d["cost"]["rtl_cycles"] / base["rtl_cycles"],
                                        "wall_s": d["cost"]["wall_s"] / base["wall_s"]}
            d["cost_vs_full_rtl"] = d["cost"]["rtl_cycles"] / full["rtl_cycles"]
        from .nodemodel import step_time_interval
        c = step_time_interval(build(_CurveOnly(sel)), network.topology, network.model, draws=draws)
        out[name] = {"full_rtl_step_s": truth, "baseline": base, "full_rtl": full, "study_plan_sampling": looser,
                     "runs": [compact(d) for d in runs],
                     "curve_only_error": c["step_time_s"] / truth - 1,
                     "curve_only_relative_halfwidth": c["relative_halfwidth"] if c["ci_s"] else 0.0,
                     "summary": _summary(runs), "last": runs[-1],
                     "variants": {k: {"summary": _summary(v), "last": v[-1]} for k, v in variants.items()}}
    return out


def compact(d: dict) -> dict:
    """One repeat's figures without its per-kernel decisions (kept for the last repeat only)."""
    return {"met": d["budget"]["met"], "why": d["budget"]["why"], "step_time_s": d["step_time_s"],
            "ci_s": d["ci_s"], "relative_halfwidth": d["relative_halfwidth"],
            "error_vs_full_rtl": d["error_vs_full_rtl"],
            "cost": d["cost"], "cost_vs_all_sampled": d.get("cost_vs_all_sampled"),
            "cost_vs_full_rtl": d.get("cost_vs_full_rtl"), "run_wall_s": d.get("run_wall_s"),
            "rounds": len(d["rounds"])}


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
            "cost_vs_full_rtl": med_worst([r["cost_vs_full_rtl"] for r in runs]),
            "run_wall_s": med_worst([r["run_wall_s"] for r in runs]),
            "truth_in_interval": sum(bool(r["ci_s"] and r["ci_s"][0] <= r["step_time_s"] / (1 + r["error_vs_full_rtl"])
                                          <= r["ci_s"][1]) or r["ci_s"] is None for r in runs)}


def _pct(x, d=1):
    return f"{100 * x:+.{d}f}%"


def section(r, sel_results: dict, jobs: dict, budget: float) -> None:
    """Append the selector section to report `r` (a cosim.experiments.report.Report)."""
    r.text(f"### The abstraction selector: an error budget of ±{100 * budget:g}% at 99.7%")
    r.text(__doc__.split("\n\n", 1)[1].replace("\n", " ") + " How the selector decides is in "
           "`cosim/selector.py` (free models first: the curve, or the command-count model of "
           "`cosim/selector_counts.py` where its interval is narrower; spot checks per kernel class; then "
           "refinement along curve → count model → sampled RTL → whole-kernel RTL, the largest share of the "
           "step interval per RTL cycle first, until the step interval meets the budget).")
    rows = []
    for name, s in sel_results.items():
        srcs = jobs.get(name, {})
        m = s["summary"]
        if "sampled RTL" in srcs:
            sr = srcs["sampled RTL"]
            looser = s.get("study_plan_sampling", {}).get("rtl_cycles")
            rows.append([name, "sampled RTL only (study plan U=20, W=40)",
                         _pct(sr["step_s"] / s["full_rtl_step_s"] - 1, 2), _hw(sr),
                         f"{looser / s['baseline']['rtl_cycles']:.2f}×" if looser else "–", "–", "–", "–"])
        rows.append([name, "curve only", _pct(s["curve_only_error"], 2),
                     f"±{100 * s['curve_only_relative_halfwidth']:.2f}%", "0", "0", "0", "–"])
        for label, v in [(f"selector ±{100 * budget:g}%", m)] + [(f"selector {k}", x["summary"])
                                                                 for k, x in s.get("variants", {}).items()]:
            rows.append([name, label, f"{_pct(v['abs_error']['median'], 2)} (worst {_pct(v['abs_error']['worst'], 2)})",
                         f"±{100 * v['relative_halfwidth']['median']:.2f}% "
                         f"(worst ±{100 * v['relative_halfwidth']['worst']:.2f}%)",
                         f"{v['cost_cycles_ratio']['median']:.3f}× (worst {v['cost_cycles_ratio']['worst']:.3f}×)",
                         f"{v['cost_vs_full_rtl']['median']:.3f}×",
                         f"{v['cost_wall_ratio']['median']:.2f}× (worst {v['cost_wall_ratio']['worst']:.2f}×)",
                         f"{v['met']}/{v['repeats']}"])
    r.table(["job", "compute", "step error vs full RTL (|median|)", "step interval",
             "RTL cycles vs reference", "RTL cycles vs full RTL", "measurement wall vs reference", "budget met"], rows)
    r.text("Reference: every distinct kernel of the job sampled with `dcsim sample`'s default plan (absolute: "
           + "; ".join(f"{n}: {s['baseline']['rtl_cycles']:,.0f} RTL cycles ({s['baseline']['kernels']} kernels; "
                       f"full RTL of them {s['full_rtl']['rtl_cycles']:,.0f}), {s['baseline']['wall_s']:.2f} s"
                       for n, s in sel_results.items())
           + "). Measurement wall: the selector's RTL runs against the reference's campaigns, both run afresh "
             "here; the selector's own work (building command streams, fits, resampling the job) is not in it: "
             "its whole run took "
           + "; ".join(f"{n}: {s['summary']['run_wall_s']['median']:.1f} s" for n, s in sel_results.items())
           + " (median), most of it re-simulating the job for the resampled interval, which any source with "
             "an interval needs. benchmarks/bench_selector_cost.py times both afresh.")
    r.text("#### Kernel classes: what the selector chose and why (last repeat)")
    crow = []
    for name, s in sel_results.items():
        for c in s["last"]["classes"]:
            spots = ", ".join(f"{x['kernel']}: curve {_pct(x['error'])}"
                              + (f", counts {_pct(x['counts_error'])} (its ±{100 * x['counts_rel_halfwidth']:.1f}%)"
                                 if "counts_error" in x else "") for x in c["spot_checks"]) or \
                ("–" if c.get("spot_checked", True) else
                 f"none: its family's {c['checked_by_family_points']} characterisation points stand in"
                 if c.get("checked_by_family_points") else "none (one kernel, too costly to check)")
            crow.append([name, c["class"], ", ".join(c["models"]), "moved" if c["moved_off_curve"] else "kept",
                         f"±{100 * c.get('curve_rel_halfwidth', 0):.0f}% (×{c.get('widening', 1):.2f})", spots,
                         f"{c['rtl_cycles']:,.0f}", short_why(c, s["last"]["budget"]["met"])])
    r.table(["job", "class (from features)", "model(s)", "off curve", "curve interval (widening)",
             "spot checks: error before measuring", "RTL cycles", "why"], crow)
    mc = next(iter(sel_results.values()))["last"].get("machine_characterisation")
    if mc:
        r.text(f"Paid once per machine and charged to no job (as the curve is): the curve's sweep, "
               f"{mc['curve_sweep_points']} GEMMs run whole in RTL ({mc['curve_sweep_rtl_cycles']:,.0f} cycles), and the "
               f"family characterisation of `cosim/characterise.py`, {mc['family_points']} kernels of "
               f"{', '.join(mc['families']) or 'no family'} at sizes no job here uses "
               f"({mc['family_rtl_cycles']:,.0f} cycles; "
               + "; ".join(f"{mc['family_rtl_cycles'] / s['baseline']['rtl_cycles']:.1f}× the {n} reference"
                           for n, s in sel_results.items())
               + "). A lone kernel of a characterised family is priced by the count model fitted on its "
                 "family's points, whose residuals are the evidence a proxy spot check would add one point to.")
    r.text(_discussion(sel_results, budget))
    r.text("The full reason of every kernel (which spot check, which refinement round) is in results.json under "
           "`selector.jobs.<job>.last.kernels[].reason`.")
    for name, s in sel_results.items():
        arms = [(f"±{100 * budget:g}%", s["last"])] + [(k, v["last"]) for k, v in s.get("variants", {}).items()]
        for label, d in arms:
            if not d["budget"]["met"]:
                r.text(f"* **{name}, {label}: budget not met** ({d['budget']['why'][:300]}); the step interval "
                       f"stayed at ±{100 * d['relative_halfwidth']:.2f}%, the step {_pct(d['error_vs_full_rtl'], 2)} "
                       f"from full RTL.")


def _discussion(sel_results: dict, budget: float) -> str:
    """Against the goal, job by job, every figure read from the results."""
    text = []
    for name, s in sel_results.items():
        m, d = s["summary"], s["last"]
        ok = m["met"] == m["repeats"] and m["cost_cycles_ratio"]["median"] <= GOAL
        on = {}
        for k in d["kernels"]:
            on.setdefault(k["model"], []).append(k["kernel"])
        line = (f"**{name}**: goal (±{100 * budget:g}% met at ≤{GOAL:.0%} of the reference's RTL cycles) "
                f"{'met' if ok else 'not met'}: budget met {m['met']}/{m['repeats']}, "
                f"{m['cost_cycles_ratio']['median']:.1%} of the reference's RTL cycles; the full-RTL step lies "
                f"inside the selector's interval in {m['truth_in_interval']}/{m['repeats']} repeats"
                + ("" if m["truth_in_interval"] == m["repeats"] else
                   " (**the interval is too narrow**: a kernel left on a free model is off by more than its "
                   "stated interval; the kernels' reasons and intervals are in results.json)") + ". "
                + "; ".join(f"{len(v)} kernel(s) on {k}" for k, v in sorted(on.items())) + ".")
        if not ok:
            whole = [k for k in d["kernels"] if k["model"] == "rtl-whole"]
            if whole:
                big = max(whole, key=lambda k: k["rtl_cycles"])
                line += (f" The largest RTL run is {big['kernel']} ({big['rtl_cycles']:,.0f} cycles, "
                         f"{big['rtl_cycles'] / s['baseline']['rtl_cycles']:.0%} of the reference on its own): "
                         f"{big['reason']}.")
                if big.get("counts_ci_s") and big.get("counts_seconds"):
                    half = (big["counts_ci_s"][1] - big["counts_seconds"]) / big["counts_seconds"]
                    alone = sum(k["class"] == big["class"] for k in d["kernels"]) == 1
                    line += (f" Its count-model interval was ±{100 * half:.1f}% (the model was "
                             f"{_pct(big['counts_seconds'] / big['seconds'] - 1, 2)} off), too wide for the step "
                             "budget" + (", and its class has no cheaper kernel to narrow it." if alone else "."))
        text.append(line)
    return " \n\n".join(text)


def _hw(v) -> str:
    ci = v.get("ci_s")
    return f"±{100 * (ci[1] - ci[0]) / 2 / v['step_s']:.2f}%" if ci else "–"


def moved_classes(sel_results: dict) -> list[str]:
    """Class labels the selector moved off the curve in any job (last repeat)."""
    return sorted({c["class"] for s in sel_results.values() for c in s["last"]["classes"]
                   if c["moved_off_curve"] and any(k != CURVE for k in c["models"])})
