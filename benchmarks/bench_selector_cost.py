"""Issue 21: the abstraction selector's accuracy and cost on the bundled jobs, timed afresh.

    python benchmarks/bench_selector_cost.py [--repeats 5] [--jobs dp,pipeline,probes] [--json out.json]

For each job of `dcsim experiment abstraction` (data-parallel training, pipeline
inference, the probe kernels back to back) it prints, over `repeats` runs (medians, worst
beside):

* the selector at ±2% (99.7%): step error against the full-RTL step, its step interval,
  whether the budget was met, its RTL cycles, the wall and CPU time of its RTL
  measurements and of its whole run (command streams, fits, resampling included);
* what the machine's characterisation cost (the curve's sweep and the family points of
  `cosim.characterise`: once per machine, charged to no job, so printed beside);
* the reference: every distinct kernel sampled by `dcsim sample`'s default plan
  (`cosim.selector_cost.default_plan_baseline`; RTL cycles capped at the kernel's own), its
  campaigns timed here, inline on one core, then its step interval (the same 48-draw
  resampling of the job the selector runs); and the full RTL of every distinct kernel.

Columns: "RTL wall vs ref" compares RTL measurement time only (the selector's RTL runs
against the reference's campaigns); "run wall/CPU vs ref run" compares whole runs (the
selector's, against campaigns + the reference's step interval).

Nothing is read from the measurement cache for the timed parts: the selector's RTL runs
(`fresh_measure`) and the reference's campaigns run every repeat. The full-RTL step of
each job (the error's reference) and the curve's sweep come from the cache (their cost is
not what is compared). CPU seconds include child processes.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class _Table:
    """Kernel times from the reference's campaigns (estimate ± its relative error)."""

    def __init__(self, rows, clock):
        self.rows, self.clock = {r["kernel"]: r for r in rows}, clock

    def estimate(self, kernel):
        from network.compute import Estimate
        r = self.rows[kernel.key]
        s, h = r["estimate_cycles"] / self.clock, r["relative_error"] * r["estimate_cycles"] / self.clock
        return Estimate(s, (s - h, s + h), "rtl-sampled")


def med_worst(xs, worst=max):
    return statistics.median(xs), worst(xs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--jobs", default="dp,pipeline,probes")
    ap.add_argument("--budget", type=float, default=0.02)
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args(argv)

    from network.cluster import simulate
    from spec import load_machine
    from cosim.experiments import abstraction as A
    from cosim.characterise import characterise
    from cosim.fit import fit, load_sweep_config, machine_dim, sweep
    from cosim.nodemodel import step_time_interval, workload_text
    from cosim.paths import hw_dir, machine_path
    from cosim.selector import Selector
    from cosim.selector_cost import characterisation_cost, default_plan_baseline
    from cosim.selector_study import serial_job, fresh_measure, job_kernels

    machine = load_machine(machine_path("npu"))
    cfg = load_sweep_config(hw_dir() / "curves" / "npu_sweep.yaml")
    clock = float(cfg.get("clock_hz", 1e9))
    curve = fit(sweep(machine, cfg), machine_dim(machine), "cycles", clock)
    characterised = characterise(machine, cfg)          # once per machine, charged to no job (printed below)
    net = A._network()
    truth_model = A._TruthModel(machine, clock)
    probes = [k for _, k in A._kernels(False)[:len(A.PROBES[False])]]
    builds = {"dp": ("data-parallel training", lambda m: A._dp(False, m)),
              "pipeline": ("pipeline inference", lambda m: A._pipeline(False, m)),
              "probes": ("probe kernels (serial)", serial_job(probes))}
    out = {}
    for key in a.jobs.split(","):
        name, build = builds[key]
        truth = simulate(build(truth_model), net.topology, net.model).step_time
        kernels = job_kernels(build)
        base, full, runs = [], [], []
        for r in range(a.repeats):
            c0, t0 = cpu(), time.perf_counter()
            b = default_plan_baseline(machine, kernels)
            base.append({"rtl_cycles": b["rtl_cycles"], "wall_s": time.perf_counter() - t0, "cpu_s": cpu() - c0,
                         "capped": sum(x["capped"] for x in b["per_kernel"])})
            # the reference's own step interval: the same resampling (48 draws) any source with an interval needs
            c0, t0 = cpu(), time.perf_counter()
            step_time_interval(build(_Table(b["per_kernel"], clock)), net.topology, net.model, draws=48, seed=r)
            base[-1].update(interval_wall_s=time.perf_counter() - t0, interval_cpu_s=cpu() - c0)
            c0, t0 = cpu(), time.perf_counter()
            ms = [fresh_measure(machine, workload_text(k), truth_max_commands=10 ** 12) for k in kernels]
            full.append({"rtl_cycles": sum(m.cycles for m in ms), "wall_s": time.perf_counter() - t0,
                         "cpu_s": cpu() - c0})
            sel = Selector(machine, curve, clock, budget=a.budget, measure=fresh_measure, characterised=characterised)
            c0, t0 = cpu(), time.perf_counter()
            d = sel.run(build, net.topology, net.model, draws=48, seed=r)
            run_wall, run_cpu = time.perf_counter() - t0, cpu() - c0
            runs.append({"met": d["budget"]["met"], "error": d["step_time_s"] / truth - 1,
                         "halfwidth": d["relative_halfwidth"], "rtl_cycles": d["cost"]["rtl_cycles"],
                         "measure_wall_s": d["cost"]["wall_s"], "run_wall_s": run_wall, "run_cpu_s": run_cpu,
                         "models": {c["kernel"]: c["model"] for c in d["kernels"]},
                         "moved": sorted({c["class"] for c in d["classes"] if c["moved_off_curve"]})})
            print(f"{name} repeat {r}: error {100 * runs[-1]['error']:+.2f}% ±{100 * runs[-1]['halfwidth']:.2f}% "
                  f"met {runs[-1]['met']} cost {runs[-1]['rtl_cycles']:,.0f} / ref {b['rtl_cycles']:,.0f} cycles; "
                  f"wall sel {run_wall:.1f} s (RTL {d['cost']['wall_s']:.2f} s) ref {base[-1]['wall_s']:.1f} s",
                  file=sys.stderr, flush=True)
        ref_cycles = statistics.median(x["rtl_cycles"] for x in base)
        ratio = [x["rtl_cycles"] / ref_cycles for x in runs]
        res = {"kernels": len(kernels), "full_rtl_step_s": truth,
               "abs_error": med_worst([abs(x["error"]) for x in runs]),
               "halfwidth": med_worst([x["halfwidth"] for x in runs]),
               "met": sum(x["met"] for x in runs), "repeats": a.repeats,
               "rtl_cycles": med_worst([x["rtl_cycles"] for x in runs]),
               "ref_rtl_cycles": ref_cycles, "ref_capped_kernels": base[0]["capped"],
               "full_rtl_cycles": statistics.median(x["rtl_cycles"] for x in full),
               "cycles_vs_ref": med_worst(ratio),
               "ref_wall_s": med_worst([x["wall_s"] for x in base]), "ref_cpu_s": med_worst([x["cpu_s"] for x in base]),
               "ref_run_wall_s": med_worst([x["wall_s"] + x["interval_wall_s"] for x in base]),
               "ref_run_cpu_s": med_worst([x["cpu_s"] + x["interval_cpu_s"] for x in base]),
               "full_rtl_wall_s": med_worst([x["wall_s"] for x in full]),
               "sel_measure_wall_s": med_worst([x["measure_wall_s"] for x in runs]),
               "sel_run_wall_s": med_worst([x["run_wall_s"] for x in runs]),
               "sel_run_cpu_s": med_worst([x["run_cpu_s"] for x in runs]),
               "models_last": runs[-1]["models"], "moved_last": runs[-1]["moved"], "runs": runs}
        out[name] = res
    print(f"\n{'job':26s} {'|err| med (worst)':>20s} {'±interval med (worst)':>22s} {'met':>5s} "
          f"{'RTL cycles vs ref med (worst)':>30s} {'vs full RTL':>11s} {'RTL wall vs ref':>16s} "
          f"{'run wall vs ref run':>20s} {'run CPU vs ref run':>18s}")
    for name, r in out.items():
        print(f"{name:26s} {100 * r['abs_error'][0]:8.2f}% ({100 * r['abs_error'][1]:.2f}%) "
              f"{100 * r['halfwidth'][0]:10.2f}% ({100 * r['halfwidth'][1]:.2f}%) {r['met']:>2d}/{r['repeats']} "
              f"{r['cycles_vs_ref'][0]:18.3f}× ({r['cycles_vs_ref'][1]:.3f}×) "
              f"{r['rtl_cycles'][0] / r['full_rtl_cycles']:10.3f}× "
              f"{r['sel_measure_wall_s'][0] / r['ref_wall_s'][0]:15.3f}× "
              f"{r['sel_run_wall_s'][0] / r['ref_run_wall_s'][0]:19.2f}× "
              f"{r['sel_run_cpu_s'][0] / r['ref_run_cpu_s'][0]:17.2f}×")
    for name, r in out.items():
        print(f"  {name}: reference {r['ref_rtl_cycles']:,.0f} RTL cycles ({r['ref_capped_kernels']}/{r['kernels']} "
              f"kernels capped at their own cycles), campaigns {r['ref_wall_s'][0]:.1f} s (worst "
              f"{r['ref_wall_s'][1]:.1f}), with its step interval {r['ref_run_wall_s'][0]:.1f} s; "
              f"full RTL {r['full_rtl_cycles']:,.0f} cycles, {r['full_rtl_wall_s'][0]:.2f} s; selector "
              f"{r['rtl_cycles'][0]:,.0f} cycles, RTL {r['sel_measure_wall_s'][0]:.2f} s, whole run "
              f"{r['sel_run_wall_s'][0]:.1f} s (worst {r['sel_run_wall_s'][1]:.1f}); last repeat's models: "
              + ", ".join(f"{k} {v}" for k, v in r["models_last"].items()))
    mc = characterisation_cost(curve, characterised)
    print(f"  machine characterisation (once per machine, charged to no job): the curve's sweep "
          f"{mc['curve_sweep_points']} GEMMs, {mc['curve_sweep_rtl_cycles']:,.0f} RTL cycles; the family points "
          f"{mc['family_points']} kernels ({', '.join(mc['families'])}), {mc['family_rtl_cycles']:,.0f} RTL cycles"
          + "".join(f"; {mc['family_rtl_cycles'] / r['ref_rtl_cycles']:.1f}x the {n} reference" for n, r in out.items()))
    out["machine_characterisation"] = mc
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
