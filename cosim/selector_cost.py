"""What RTL measurements cost, and the cost reference the selector is judged against.

Cost is what the RTL ran: for a whole kernel its cycles, for a sampled campaign the cycles
of its simulated units and warm-ups (samples × (unit + warm-up) commands, scaled by the
kernel's cycles per command). `default_plan_baseline` prices the alternative issue 21
names: every distinct kernel sampled with `dcsim sample`'s default plan.
"""
from __future__ import annotations

import time

from .nodemodel import Measurement, measure_kernel, workload_text

__all__ = ["rtl_cost", "baseline_cost", "default_plan_baseline", "characterisation_cost"]


def rtl_cost(m: Measurement, plan: dict) -> float:
    """RTL cycles a measurement simulated (module doc)."""
    if m.method == "truth":
        return m.cycles
    simulated = m.samples * (plan.get("unit", 20) + (plan.get("warmup") or 0))
    return m.cycles * min(1.0, simulated / max(1, m.commands))


def baseline_cost(machine, kernels, plan: dict, measure=measure_kernel) -> dict:
    """What sampling every kernel in RTL with `plan` costs, through `measure` (module doc)."""
    plan = {k: v for k, v in plan.items() if k != "truth_max_commands"}
    cycles = wall = 0.0
    for k in kernels:
        m = measure(machine, workload_text(k), truth_max_commands=0, **plan)
        cycles += rtl_cost(m, plan)
        wall += m.seconds
    return {"rtl_cycles": cycles, "wall_s": wall, "kernels": len(kernels)}


def default_plan_baseline(machine, kernels, executor: str = "inline") -> dict:
    """The cost reference of issue 21: every distinct kernel sampled by `dcsim sample` with its
    default plan (stratified, unit 200, warm-up 160 on the NPU, 18 units in 6 strata with the
    regression estimate, then passes to ±1% at 99.7%; `cosim.sampling`). A campaign's RTL cycles are its simulated commands
    (units × (unit + warm-up)) at the kernel's cycles per command, capped at the kernel's own
    cycles: a plan that would simulate more than the kernel is charged as the whole kernel,
    never more, so the reference is not inflated. Wall time: the campaign's, as measured
    (profile, fast-forward, samples), inline on one core."""
    from fastforward.workloads import build_workload

    from .queue_target import QueueTarget
    from .sampling import options, sample
    rows = []
    for k in kernels:
        target = QueueTarget(machine, build_workload(machine, workload_text(k)))
        t0 = time.perf_counter()
        r = sample(target, options(executor=executor))
        wall = time.perf_counter() - t0
        simulated = r["samples"] * (r["unit"] + r["warmup"])
        rows.append({"kernel": k.key, "commands": target.total, "samples": r["samples"],
                     "estimate_cycles": r["estimate_cycles"], "relative_error": r["relative_error"],
                     "rtl_cycles": r["estimate_cycles"] * min(1.0, simulated / max(1, target.total)),
                     "capped": simulated > target.total, "wall_s": wall})
    return {"rtl_cycles": sum(x["rtl_cycles"] for x in rows), "wall_s": sum(x["wall_s"] for x in rows),
            "kernels": len(rows), "plan": "dcsim sample default (stratified, U=200, W=160, 18 units, regression, "
                                          "to ±1%)",
            "per_kernel": rows}


def characterisation_cost(curve, characterised) -> dict:
    """What the machine's points cost, once per machine and charged to no job: the curve's
    sweep (its whole-kernel points) and the family characterisation ((text, cycles) pairs,
    cosim.characterise), reported beside a job's cost."""
    sweep = [p for p in curve.report.get("points", []) if p.get("method") == "truth"]
    return {"curve_sweep_points": len(sweep), "curve_sweep_rtl_cycles": float(sum(p["measured"] for p in sweep)),
            "family_points": len(characterised), "family_rtl_cycles": float(sum(c for _, c in characterised)),
            "families": sorted({t.partition(":")[0] for t, _ in characterised})}
