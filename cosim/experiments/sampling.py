"""Experiment `sampling`: sampled vs full RTL over the workload suite.

For every workload: the whole workload in RTL (ground truth, cached by workload + design
hash; its wall time is the one measured when it ran) and `dcsim sample`'s default plan
(stratified, units of 200 commands, two passes to ±1% at 99.7%; inline executor so that
the wall time is one core's), giving the estimate's real error, whether the 99.7%
interval holds the truth, and the speedup (full-RTL wall time ÷ sampled wall time,
planning and fast-forward included). Then, on one workload, SMARTS's own knobs: error and
interval width against the sample count (random plans, units of 20, several seeds, nested
per seed so a larger plan reuses the smaller one's units) and against the unit size
(systematic plans).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .report import Report, pct

SUITE = {True: ["gemm:64,64,64", "mlp:16,64,64,32", "transformer:16,32", "conv:10,10,8,16",
                "bankconflict:64,64,64", "stream:512,1024"],
         False: ["gemm:128,128,128", "mlp:64,256,256,128", "transformer:64,128", "conv:24,24,16,32",
                 "bankconflict:128,128,128", "stream:4096,1024", "long"]}
SWEEP_WORKLOAD = {True: "gemm:64,64,64", False: "transformer:64,128"}
COUNTS = {True: [4, 8, 16, 32], False: [5, 10, 20, 40, 80, 160]}
UNITS = {True: [10, 20, 40], False: [5, 10, 20, 50, 100]}
SEEDS = {True: 3, False: 8}


def run(out: Path, quick: bool, machine, log) -> Report:
    from fastforward.workloads import build_workload

    from ..queue_sample import default_warmup
    warmup = default_warmup(machine)
    suite = []
    for text in SUITE[quick]:
        log(f"{text}: full RTL and the default sampled plan")
        suite.append(_compare(machine, build_workload(machine, text)))
    wl = build_workload(machine, SWEEP_WORKLOAD[quick])
    log(f"{wl.name}: error vs sample count and unit size")
    counts = _by_count(machine, wl, quick, warmup)
    units = _by_unit(machine, wl, quick, warmup, samples=16 if quick else 30)
    return _report(quick, suite, counts, units, wl.name, warmup)


def _campaign(target, plan, store=None):
    from ..campaign import run_campaign
    from ..executor import InlineExecutor
    from ..store import SampleStore
    store = store if store is not None else SampleStore(None, {"workload": target.name})
    t0 = time.perf_counter()
    r = run_campaign(target, plan, executor=InlineExecutor(), store=store)
    return r, time.perf_counter() - t0


def _compare(machine, wl) -> dict:
    from ..queue_target import QueueTarget
    from ..sampling import options, sample
    r = sample(QueueTarget(machine, wl), options(workload=wl.name, truth=True, executor="inline", json=True))
    return {"workload": wl.name, "commands": r["commands"], "truth_cycles": r["truth_cycles"],
            "estimate_cycles": r["estimate_cycles"], "ci": [r["ci_low"], r["ci_high"]], "error": r["error"],
            "halfwidth": r["relative_error"], "within": bool(r["within_interval"]), "samples": r["samples"],
            "population": r["population"], "divergences": r["divergences"], "truth_seconds": r["truth_seconds"],
            "sampled_seconds": r["seconds"], "speedup": r["speedup"]}


def _by_count(machine, wl, quick, warmup: int) -> list[dict]:
    from .. import plan as plans
    from ..store import SampleStore
    from ..queue_target import QueueTarget
    target = QueueTarget(machine, wl)       # binary and base state made once for all the seeds' campaigns
    truth = target.truth(20)["cycles"]
    total, rows = len(wl.commands), []
    population = plans.units_in(total, 20)
    stores = {s: SampleStore(None, {"seed": s}) for s in range(SEEDS[quick])}
    for n in [c for c in COUNTS[quick] if c <= population]:
        errs, widths, within = [], [], []
        for seed, store in stores.items():
            r, _ = _campaign(target, plans.random_units(total, 20, warmup, n, seed=seed), store)
            errs.append(r.estimate.cycles / truth - 1)
            widths.append(r.estimate.relative_error)
            within.append(r.estimate.low <= truth <= r.estimate.high)
        rows.append({"samples": n, "mean_abs_error": float(np.mean(np.abs(errs))), "max_abs_error":
                     float(np.max(np.abs(errs))), "mean_halfwidth": float(np.mean(widths)),
                     "coverage": float(np.mean(within)), "inside": int(np.sum(within)), "seeds": len(errs)})
    return rows


def _by_unit(machine, wl, quick, warmup: int, samples: int) -> list[dict]:
    from .. import plan as plans
    total, rows = len(wl.commands), []
    from ..queue_target import QueueTarget
    for unit in UNITS[quick]:
        target = QueueTarget(machine, wl)   # a target each: every timed campaign checks the functional run
        truth = target.truth(unit)["cycles"]
        every = max(1, plans.units_in(total, unit) // samples)
        r, seconds = _campaign(target, plans.systematic(total, unit, warmup, every))
        rows.append({"unit": unit, "samples": r.estimate.samples, "error": r.estimate.cycles / truth - 1,
                     "halfwidth": r.estimate.relative_error, "cv": r.estimate.cv, "seconds": seconds,
                     "detailed_commands": r.estimate.samples * (unit + warmup)})
    return rows


def _report(quick, suite, counts, units, sweep_name, warmup: int) -> Report:
    cmd = "dcsim experiment sampling --out DIR" + (" --quick" if quick else "")
    r = Report("Sampled vs full RTL over the workload suite", cmd)
    errs = np.abs([s["error"] for s in suite])
    best = max(suite, key=lambda s: s["speedup"] or 0)
    sampled = [s for s in suite if s["samples"] < s["population"]]
    census = len(suite) - len(sampled)
    inside = sum(c.get("inside", round(c["coverage"] * c["seeds"])) for c in counts)
    plans = sum(c["seeds"] for c in counts)
    r.headline = {"mean abs error": f"{100 * errs.mean():.2f}%", "max abs error": f"{100 * errs.max():.2f}%",
                  "truth inside 99.7% interval, suite workloads": _suite_coverage(sampled, census),
                  "truth inside 99.7% interval, random plans": (
                      f"{inside}/{plans} ({sweep_name}: {len(counts)} sample counts × "
                      f"{counts[0]['seeds'] if counts else 0} seeds)"),
                  "divergences": sum(s["divergences"] for s in suite),
                  "best speedup": f"{best['speedup']:.1f}x ({best['workload']})"}
    r.results = {"suite": suite, "by_count": counts, "by_unit": units, "sweep_workload": sweep_name,
                 "warmup": warmup}
    r.text(__doc__.split("\n\n", 1)[1])
    r.text("Speedups below 1 are real: on these small workloads the whole kernel runs in RTL in well "
           "under a second and a sample's fixed cost (state restore, warm-up, state check) dominates; "
           "sampling pays off as the workload grows (the `long` workload in the full run).")
    r.table(["workload", "commands", "full RTL cycles", "estimate", "error", "±(99.7%)", "inside", "samples",
             "full RTL s", "sampled s", "speedup"],
            [[s["workload"], s["commands"], f"{s['truth_cycles']:,}", f"{s['estimate_cycles']:,.0f}",
              pct(s["error"]), f"{100 * s['halfwidth']:.2f}%",
              "census" if s["samples"] >= s["population"] else ("yes" if s["within"] else "no"),
              f"{s['samples']}/{s['population']}",
              f"{s['truth_seconds']:.2f}", f"{s['sampled_seconds']:.2f}", f"{s['speedup']:.2f}x"] for s in suite])
    r.text(f"### Error vs sample count ({sweep_name}, random plans, unit 20, warm-up {warmup})")
    r.table(["samples", "mean abs error", "max abs error", "mean ±(99.7%)", "coverage", "seeds"],
            [[c["samples"], pct(c["mean_abs_error"]), pct(c["max_abs_error"]), f"{100 * c['mean_halfwidth']:.2f}%",
              f"{100 * c['coverage']:.0f}%", c["seeds"]] for c in counts])
    r.text(f"### Error vs unit size ({sweep_name}, systematic, warm-up {warmup})")
    r.table(["unit", "samples", "error", "±(99.7%)", "CV", "detailed commands", "seconds"],
            [[u["unit"], u["samples"], pct(u["error"]), f"{100 * u['halfwidth']:.2f}%", f"{u['cv']:.3f}",
              u["detailed_commands"], f"{u['seconds']:.2f}"] for u in units])
    for plot in figures(suite, counts, sweep_name):
        r.plot(*plot)
    return r


def _suite_coverage(sampled: list, census: int) -> str:
    """How many sampled (not census) suite workloads have the truth in their interval; a census
    (every unit run in RTL) has no sampling error to cover, so it is counted apart."""
    if not sampled:
        return f"no workload sampled: all {census} small enough to run every unit (census)"
    text = f"{sum(s['within'] for s in sampled)}/{len(sampled)} sampled workloads"
    return text + (f" (+{census} census)" if census else "")


def figures(suite, counts, sweep_name) -> list[tuple]:
    """(file, caption, draw(fig), size) of the study's figure, from the `suite` and `by_count` rows of
    results.json (so a figure can be redrawn without rerunning the study)."""
    return [("sampling.png", "Left: sampled-RTL error per workload with its 99.7% interval (open circles: census "
             "runs, every unit in RTL). Right: mean |error| and interval half-width vs sample count",
             lambda fig: _draw(fig, suite, counts, sweep_name), (12, 4.8))]


def _draw(fig, suite, counts, sweep_name="") -> None:
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    a, b = fig.subplots(1, 2)
    x = np.arange(len(suite))
    err = np.array([100 * s["error"] for s in suite])
    half = np.array([100 * s["halfwidth"] for s in suite])
    census = np.array([s["samples"] >= s["population"] for s in suite], dtype=bool)
    for sel, face, label in ((~census, "C0", "sampled: estimate, 99.7% interval"),
                             (census, "white", "census (every unit in RTL): estimate, 99.7% interval")):
        if sel.any():
            a.errorbar(x[sel], err[sel], yerr=half[sel], fmt="o", color="C0", mfc=face, capsize=3, label=label)
    a.axhline(0, color="k", lw=0.6, label="0% = full RTL (truth)")
    a.set_xticks(x, [s["workload"] for s in suite], rotation=30, ha="right", fontsize=8)
    a.set_xlabel("workload")
    a.set_ylabel("estimated cycles: error vs full RTL (%)")
    a.set_title("Error per workload\n(default plan: stratified, units of 200 commands)")
    lo, hi = min(0.0, float(np.min(err - half))), max(0.0, float(np.max(err + half)))
    span = (hi - lo) or 1.0
    a.set_ylim(lo - 0.05 * span, hi + 0.5 * span)           # headroom: the legend sits above the data
    a.legend(fontsize=8, loc="upper left")
    a.grid(axis="y", alpha=0.3)
    n = np.array([c["samples"] for c in counts], dtype=float)
    seeds = counts[0]["seeds"] if counts else 0
    for key, style, label in (("mean_abs_error", "o-", f"mean |error| over {seeds} seeds"),
                              ("mean_halfwidth", "s--", "mean 99.7% interval half-width")):
        y = np.array([100 * c[key] for c in counts], dtype=float)
        ok = np.isfinite(y) & (y > 0)
        if not ok.all():
            label += f" (unbounded at {', '.join(f'{v:g}' for v in n[~ok])})"
        b.plot(n[ok], y[ok], style, label=label)
    b.set(xscale="log", yscale="log", xlabel="sampled units per run (count)", ylabel="% of full-RTL cycles")
    for axis in (b.xaxis, b.yaxis):
        axis.set_major_formatter(ScalarFormatter())
        axis.set_minor_formatter(NullFormatter())
    b.set_xticks(n, [f"{v:g}" for v in n])
    b.set_title("Error vs sample count" + (f"\n({sweep_name}, random plans, unit 20)" if sweep_name else ""))
    b.legend(fontsize=8)
    b.grid(alpha=0.3, which="both")
