"""The abstraction selector: an error-budgeted choice of node model per kernel class.

Given an error budget on a job's step time (a relative half-width at a confidence, e.g.
±2% at 99.7%) and a cost budget (RTL cycles), `Selector.run` decides, per kernel, which
abstraction prices it, using each model's own uncertainty:

1. **Classes** (`cosim.selector_features`): kernels are grouped by their own features
   (kind, chain, edge tiles, strided rows, in/out of the curve's sweep).
2. **Curve first**: every kernel starts on the fitted GEMM curve with its prediction
   interval, widened outside the sweep.
3. **Spot checks**: in each class the `spot_checks` kernels the curve predicts to be
   cheapest are measured on the RTL (whole kernel when it has at most
   `truth_max_commands` commands, else sampled with its confidence interval). A class
   whose spot-check error exceeds the error budget *beyond the measurement's own
   interval* (|curve/measured − 1| − measured half-width > budget) cannot be priced by the
   curve inside the budget, whatever the curve's stated interval says: the whole class
   moves to RTL. With `refit`, the spot-check points of single GEMMs are added to the
   curve's training points and the curve refitted for the kernels that stay on it.
4. **Budget loop**: the step time's interval comes from the chosen models' intervals
   through the job's critical path (`cosim.nodemodel.step_time_interval`, resampling).
   While it is wider than the budget, the kernels with the largest contribution
   (interval half-width × uses) move one rung down the ladder curve → sampled RTL →
   whole-kernel RTL (small kernels, and classes whose sampled intervals were already too
   wide for the budget, go straight to whole-kernel RTL). It stops when the budget is met,
   or reports it unmet when no refinement is left inside the cost budget.

Cost is what the RTL ran: for a whole kernel its cycles, for a sampled campaign the
cycles of its simulated units and warm-ups (samples × (unit + warm-up) commands, scaled
by the kernel's cycles per command), plus the wall time each measurement took when it
ran. `baseline_cost` prices the alternative the issue names: every kernel sampled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from network.compute import Estimate, Kernel

from .nodemodel import (DEFAULT_CLOCK_HZ, TRUTH_MAX_COMMANDS, CurveModel, Measurement, gemms_of, measure_kernel,
                        step_time_interval, workload_text)
from .selector_features import KernelClass, classify, sweep_range, widening

__all__ = ["Selector", "Choice", "rtl_cost", "baseline_cost", "parse_auto", "CURVE", "SAMPLED", "TRUTH"]

CURVE, SAMPLED, TRUTH = "curve", "rtl-sampled", "rtl-whole"
HOPELESS = 3.0                      # a sampled interval this many budgets wide: stop sampling
CYCLES_PER_COMMAND_GUESS = 30.0     # picks whole-kernel vs sampled for unmeasured kernels (NPU: 25-80)
BUILD_MAX_COMMANDS = 1_000_000     # larger command streams are not built just to be counted
CYCLES_PER_COMMAND_MAX = 100.0      # bounds a campaign's cost before it runs (NPU: at most ~80 measured)


def rtl_cost(m: Measurement, plan: dict) -> float:
    """RTL cycles a measurement simulated (module doc)."""
    if m.method == "truth":
        return m.cycles
    simulated = m.samples * (plan.get("unit", 20) + (plan.get("warmup") or 0))
    return m.cycles * min(1.0, simulated / max(1, m.commands))


@dataclass
class Choice:
    """How one kernel is priced, and why."""
    kernel: Kernel
    cls: KernelClass
    uses: int
    curve: Estimate
    model: str = CURVE
    estimate: Estimate | None = None
    measurements: list = field(default_factory=list)     # (rung, Measurement)
    reason: str = "curve: no evidence against it yet"
    cost_cycles: float = 0.0
    cost_wall_s: float = 0.0

    def as_dict(self, clock: float) -> dict:
        e = self.estimate or self.curve
        return {"kernel": self.kernel.key, "class": self.cls.label, "uses": self.uses, "model": self.model,
                "seconds": e.seconds, "ci_s": list(e.ci) if e.ci else None,
                "curve_seconds": self.curve.seconds, "reason": self.reason,
                "rtl_cycles": self.cost_cycles, "wall_s": self.cost_wall_s,
                "measured": [{"rung": r, "method": m.method, "cycles": m.cycles, "ci": [m.low, m.high],
                              "samples": m.samples, "commands": m.commands} for r, m in self.measurements]}


class _Recorder:
    """Prices kernels with the curve and counts how often the job uses each one."""

    def __init__(self, model):
        self.model, self.uses, self.kernels = model, {}, {}

    def estimate(self, kernel: Kernel) -> Estimate:
        self.uses[kernel.key] = self.uses.get(kernel.key, 0) + 1
        self.kernels.setdefault(kernel.key, kernel)
        return self.model.estimate(kernel)


class Selector:
    """A node model that chooses the abstraction per kernel (module doc). Use `run`, then
    its `estimate` prices the job's kernels with the chosen models."""

    def __init__(self, machine, curve, clock_hz: float | None = None, *, budget: float = 0.02,
                 confidence: float = 0.997, cost_budget: float | None = None, spot_checks: int = 2,
                 plan: dict | None = None, truth_max_commands: int = TRUTH_MAX_COMMANDS, refit: bool = False,
                 measure=measure_kernel, dim: int | None = None):
        self.machine, self.curve = machine, curve
        self.clock = clock_hz or curve.clock_hz or DEFAULT_CLOCK_HZ
        self.budget, self.confidence = budget, confidence
        self.cost_budget = math.inf if cost_budget is None else cost_budget
        self.spot_checks, self.truth_max_commands, self.refit = spot_checks, truth_max_commands, refit
        self.plan = dict(plan or {"unit": 20, "warmup": 40, "samples": 30})
        self.plan.pop("truth_max_commands", None)
        self.measure, self.dim = measure, dim or curve.dim
        self.z = NormalDist().inv_cdf(0.5 + confidence / 2)
        self.range = sweep_range(curve)
        self.choices: dict[str, Choice] = {}
        self.spent_cycles = self.spent_wall = 0.0
        self.refused: list[str] = []
        self.too_wide: set[KernelClass] = set()       # classes whose sampled intervals missed the budget
        self.sampler_hopeless = False     # a sampled interval came back > HOPELESS × the budget: skip sampling
        self.curve_note = ""
        self._counts: dict[str, int | None] = {}
        self.unrunnable: set[str] = set()

    # ------------------------------------------------------------------ pricing
    def curve_estimate(self, kernel: Kernel, curve=None) -> Estimate:
        """The curve's estimate with its interval widened outside the sweep."""
        e = CurveModel(curve or self.curve, self.clock).estimate(kernel)
        w = widening(gemms_of(workload_text(kernel), self.dim), self.range)
        half = float(e.ci[1] - e.seconds) * w if e.ci else 0.0
        s = float(e.seconds)
        return Estimate(s, (max(0.0, s - half), s + float(half)), "curve")

    def estimate(self, kernel: Kernel) -> Estimate:
        c = self.choices.get(kernel.key)
        if c is None:            # a kernel the selection never saw: the curve, said so in its reason
            c = self.choices[kernel.key] = Choice(kernel, classify(kernel, self.dim, self.range), 0,
                                                  self.curve_estimate(kernel), reason="curve: not seen by run()")
        return c.estimate or c.curve

    # ------------------------------------------------------------------ measuring
    def _rung_for(self, c: Choice) -> str | None:
        if c.model == TRUTH or c.kernel.key in self.unrunnable:
            return None
        if c.model == SAMPLED or c.cls in self.too_wide or self.sampler_hopeless or \
                self._commands(c) <= self.truth_max_commands:
            return TRUTH
        return SAMPLED

    def _commands(self, c: Choice) -> float:
        """The kernel's command count: as measured, else from its command stream (built by the
        functional model, no RTL), else guessed from the curve (no machine: tests)."""
        for _, m in c.measurements:
            return m.commands
        key = c.kernel.key
        if key not in self._counts:
            self._counts[key] = None
            guess = (c.curve.seconds * self.clock) / CYCLES_PER_COMMAND_GUESS
            if self.machine is not None and guess <= BUILD_MAX_COMMANDS:
                from fastforward.workloads import build_workload

                from .queue_target import QueueTarget
                target = QueueTarget(self.machine, build_workload(self.machine, workload_text(c.kernel)))
                target.load()
                self._counts[key] = target.total
        n = self._counts[key]
        return n if n is not None else (c.curve.seconds * self.clock) / CYCLES_PER_COMMAND_GUESS

    def _predicted_cost(self, c: Choice, rung: str) -> float:
        """An upper bound of what the measurement will cost, so that the cost budget is not
        overrun: cycles at the top of the curve's interval (or as measured), and a campaign's
        units at the largest cycles per command seen on the NPU. The JSON still reports any
        overrun (`budget.cost_exceeded`) should a kernel break these bounds."""
        if c.measurements:
            cycles, commands = c.measurements[-1][1].cycles, c.measurements[-1][1].commands
        else:
            cycles = (c.curve.ci[1] if c.curve.ci else c.curve.seconds) * self.clock
            commands = self._counts.get(c.kernel.key) if self.machine is not None else None
            if self.machine is not None and commands is None:
                commands = self._commands(c)
        if rung == TRUTH:
            return cycles
        units = self.plan["samples"] * (self.plan.get("unit", 20) + (self.plan.get("warmup") or 0))
        if commands:
            return cycles * min(1.0, units / commands)
        return min(cycles, units * CYCLES_PER_COMMAND_MAX)

    def _measure(self, c: Choice, rung: str, reason: str) -> bool:
        """Move `c` to `rung` (runs the RTL); False when the cost budget refuses it."""
        if self.spent_cycles + self._predicted_cost(c, rung) > self.cost_budget:
            self.refused.append(f"{c.kernel.key} -> {rung}")
            return False
        m = self._run(c, 10 ** 12 if rung == TRUTH else 0)
        if m is None:
            return False
        self._take(c, rung, m, reason)
        self._judge_sampler(c, m)
        return True

    def _judge_sampler(self, c: Choice, m: Measurement) -> None:
        """Learn from a sampled interval: too wide for the budget -> its class goes straight to whole
        kernels; wider than HOPELESS × the budget -> every class does (sampling cannot help here)."""
        if m.method != "truth":
            rel = (m.high - m.low) / 2 / m.cycles
            if rel > self.budget:
                self.too_wide.add(c.cls)
            if rel > HOPELESS * self.budget:
                self.sampler_hopeless = True

    def _run(self, c: Choice, truth_max_commands: int) -> Measurement | None:
        """One RTL measurement; a kernel the machine cannot run (say, its operands do not fit
        the DRAM) stays where it is, and the decisions say why."""
        from spec.errors import DcsimError
        try:
            return self.measure(self.machine, workload_text(c.kernel), truth_max_commands=truth_max_commands,
                                **self.plan)
        except DcsimError as exc:
            self.refused.append(f"{c.kernel.key}: cannot run on the RTL ({str(exc).splitlines()[0][:160]})")
            self.unrunnable.add(c.kernel.key)
            return None

    def _take(self, c: Choice, rung: str, m: Measurement, reason: str) -> None:
        cost = rtl_cost(m, self.plan)
        self.spent_cycles += cost
        self.spent_wall += m.seconds
        c.cost_cycles += cost
        c.cost_wall_s += m.seconds
        c.measurements.append((rung, m))
        c.model, c.reason = (TRUTH if m.method == "truth" else SAMPLED), reason
        c.estimate = Estimate(m.cycles / self.clock, (m.low / self.clock, m.high / self.clock), c.model)

    # ------------------------------------------------------------------ the selection
    def run(self, build, topology, link_model, *, engine: str = "auto", draws: int = 48, seed: int = 0,
            max_rounds: int = 40) -> dict:
        """Choose models for the job `build(model)` makes; returns the decisions (module doc)."""
        rec = _Recorder(self)
        build(rec)
        for key, k in rec.kernels.items():
            if key not in self.choices:
                self.choices[key] = Choice(k, classify(k, self.dim, self.range), 0, self.curve_estimate(k))
            self.choices[key].uses = rec.uses[key]
        classes = self._spot_check()
        rounds = []
        while True:
            job = build(self)
            r = step_time_interval(job, topology, link_model, draws=draws, confidence=self.confidence,
                                   engine=engine, seed=seed)
            hw = r["relative_halfwidth"] if r["ci_s"] else 0.0
            rounds.append({"relative_halfwidth": hw, "rtl_cycles": self.spent_cycles})
            if hw <= self.budget:
                met, why = True, "met"
                break
            moved = self._refine(hw) if len(rounds) < max_rounds else []
            rounds[-1]["refined"] = moved
            if not moved:
                met = False
                why = ("cost budget exhausted or kernels unrunnable: " + "; ".join(self.refused[-4:])) \
                    if self.refused else "no finer model left: every kernel already runs whole in RTL"
                break
        return self._decisions(r, met, why, classes, rounds)

    def _spot_check(self) -> dict:
        by: dict[KernelClass, list[Choice]] = {}
        for c in self.choices.values():
            by.setdefault(c.cls, []).append(c)
        evidence, points = {}, []
        for cls, members in by.items():
            checks = []
            for c in sorted(members, key=lambda c: c.curve.seconds)[:self.spot_checks]:
                whole = self.sampler_hopeless or self._commands(c) <= self.truth_max_commands
                if self.spent_cycles + self._predicted_cost(c, TRUTH if whole else SAMPLED) > self.cost_budget:
                    self.refused.append(f"spot check {c.kernel.key}")
                    continue
                m = self._run(c, 10 ** 12 if self.sampler_hopeless else self.truth_max_commands)
                if m is None:
                    continue
                self._judge_sampler(c, m)
                err = float(c.curve.seconds * self.clock / m.cycles - 1)
                own = float((m.high - m.low) / 2 / m.cycles)
                checks.append({"kernel": c.kernel.key, "method": m.method, "measured_cycles": float(m.cycles),
                               "curve_cycles": float(c.curve.seconds * self.clock), "error": err,
                               "measured_rel_halfwidth": own, "beyond": bool(abs(err) - own > self.budget)})
                self._take(c, TRUTH if m.method == "truth" else SAMPLED, m,
                           f"spot check of its class (curve error {100 * err:+.1f}%)")
                if m.method == "truth" and len(gemms_of(workload_text(c.kernel), self.dim)) == 1 \
                        and cls.kind == "gemm":
                    points.append((gemms_of(workload_text(c.kernel), self.dim)[0], m))
            flagged = any(x["beyond"] for x in checks)
            rel = (members[0].curve.ci[1] / members[0].curve.seconds - 1) if members[0].curve.ci else 0.0
            evidence[cls] = {"class": cls.label, "features": cls.as_dict(), "kernels": [c.kernel.key for c in members],
                             "curve_rel_halfwidth": rel,
                             "widening": widening(gemms_of(workload_text(members[0].kernel), self.dim), self.range),
                             "spot_checks": checks, "moved_by_spot_checks": flagged}
            if flagged:
                worst = max(checks, key=lambda x: abs(x["error"]) - x["measured_rel_halfwidth"])
                why = (f"class moved: spot check {worst['kernel']} shows the curve {100 * worst['error']:+.1f}% "
                       f"off, beyond the ±{100 * self.budget:g}% budget and the measurement's "
                       f"±{100 * worst['measured_rel_halfwidth']:.1f}%")
                for c in members:
                    if c.model == CURVE:
                        rung = self._rung_for(c)
                        self._measure(c, rung, why)
                    else:
                        c.reason = why + " (this kernel was the spot check)"
        if self.refit and points:
            self._refit(points)
        return evidence

    def _refit(self, points) -> None:
        from .fit import Point, fit
        old = [Point(*p["shape"], p["measured"], "train", method=p.get("method", "")) for p in
               self.curve.report.get("points", []) if p.get("split") == "train"]
        new = [Point(*s, m.cycles, "train", m.low, m.high, m.method, m.workload) for s, m in points]
        curve = fit(old + new, self.curve.dim, self.curve.unit, self.curve.clock_hz, self.curve.confidence,
                    self.curve.form, self.curve.knee)
        self.curve_note = (f"refitted with {len(new)} spot-check point(s): relative σ "
                           f"{self.curve.rel_sigma:.3f} -> {curve.rel_sigma:.3f}")
        for c in self.choices.values():
            if c.model == CURVE:
                c.curve = self.curve_estimate(c.kernel, curve)

    def _refine(self, hw: float) -> list[str]:
        """Move the kernels carrying most of the interval one rung down; their keys."""
        def weight(c):
            e = c.estimate or c.curve
            return ((e.ci[1] - e.ci[0]) / 2 if e.ci else 0.0) * c.uses
        live = sorted((c for c in self.choices.values() if self._rung_for(c) and weight(c) > 0),
                      key=weight, reverse=True)
        if not live:
            return []
        top = weight(live[0])
        moved = []
        for c in live:
            if weight(c) < 0.25 * top:
                break
            rung = self._rung_for(c)
            if self._measure(c, rung, f"budget: step interval ±{100 * hw:.2f}% > ±{100 * self.budget:g}%; "
                                      f"this kernel carried {weight(c) / top:.0%} of the largest share"):
                moved.append(c.kernel.key)
        if not moved:                # the big ones were refused: try any cheaper one that fits
            for c in live:
                if self._measure(c, self._rung_for(c), f"budget: step interval ±{100 * hw:.2f}% "
                                                        f"> ±{100 * self.budget:g}% (cheaper refinement)"):
                    moved.append(c.kernel.key)
                    break
        return moved

    def _decisions(self, r, met, why, classes, rounds) -> dict:
        by = {}
        for c in self.choices.values():
            by.setdefault(c.cls, []).append(c)
        out_classes = []
        for cls, members in by.items():
            ev = classes.get(cls, {"class": cls.label, "features": cls.as_dict(), "spot_checks": []})
            models = sorted({c.model for c in members})
            out_classes.append({**ev, "models": models, "moved_off_curve": CURVE not in models,
                                "rtl_cycles": sum(c.cost_cycles for c in members),
                                "wall_s": sum(c.cost_wall_s for c in members),
                                "reasons": sorted({c.reason for c in members})})
        ci = r["ci_s"]
        return {"budget": {"relative": self.budget, "confidence": self.confidence, "met": met, "why": why,
                           "cost_budget_rtl_cycles": None if math.isinf(self.cost_budget) else self.cost_budget,
                           "cost_exceeded": bool(self.spent_cycles > self.cost_budget)},
                "step_time_s": r["step_time_s"], "ci_s": list(ci) if ci else None,
                "relative_halfwidth": r["relative_halfwidth"] if ci else 0.0,
                "cost": {"rtl_cycles": self.spent_cycles, "wall_s": self.spent_wall,
                         "measurements": sum(len(c.measurements) for c in self.choices.values())},
                "curve": self.curve_note or "as given", "classes": out_classes,
                "kernels": [c.as_dict(self.clock) for c in self.choices.values()], "rounds": rounds,
                "refused": self.refused}


def baseline_cost(machine, kernels, plan: dict, measure=measure_kernel) -> dict:
    """What sampling every kernel in RTL costs (the reference of the selector's cost)."""
    plan = {k: v for k, v in plan.items() if k != "truth_max_commands"}
    cycles = wall = 0.0
    for k in kernels:
        m = measure(machine, workload_text(k), truth_max_commands=0, **plan)
        cycles += rtl_cost(m, plan)
        wall += m.seconds
    return {"rtl_cycles": cycles, "wall_s": wall, "kernels": len(kernels)}


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
