"""The abstraction selector: an error-budgeted choice of node model per kernel class.

Given an error budget on a job's step time (a relative half-width at a confidence, e.g.
±2% at 99.7%) and a cost budget (RTL cycles), `Selector.run` decides, per kernel, which
abstraction prices it, using each model's own uncertainty:

1. **Classes** (`cosim.selector_features`): kernels are grouped by their own features
   (kind, chain, edge tiles, strided rows, in/out of the curve's sweep).
2. **Free models first**: every kernel starts on the fitted GEMM curve with its prediction
   interval, widened outside the sweep, or on the command-count model
   (`cosim.selector_counts`: a linear fit of cycles on the kernel's command counts by
   kind, which the functional model gives without RTL) when that one's interval is
   narrower. Neither costs RTL.
3. **Spot checks**: in each class that has several kernels (one check speaks for the
   others), or whose cheapest kernel costs at most `spot_share` of the job's RTL, the
   `spot_checks` kernels predicted to be cheapest are measured on the RTL (whole kernel,
   or sampled when a campaign is much cheaper than the kernel). A lone kernel too costly
   to check is checked through a proxy instead: the same workload with its sizes halved
   and its class features kept (`selector_features.proxy`), the largest such that costs
   at most `spot_share` of the job by the free model's estimate (a layout effect such as
   bank conflicts grows with size: bankconflict:32,32,32 shows a third of what
   bankconflict:64,64,64 does); it is charged to its class. A lone kernel whose own family
   the machine was characterised on (`cosim.characterise`: at least MIN_POINTS points of
   its family in its regime) needs no proxy: the count model is fitted on those points and
   their residuals are the evidence a proxy would add one point to. Both free models predict
   the kernel *before* it is measured. The curve fails a class when its spot-check error
   exceeds the error budget *beyond the measurement's own interval* (|curve/measured − 1|
   − measured half-width > budget), whatever its stated interval says (its intervals,
   ±44% and wider, say nothing useful at a ±2% budget): the class leaves the curve. The
   count model fails a class when its error is also beyond its own stated interval: it is
   then blind to what the class does (a planted or layout effect), not merely uncertain.
   A failed class goes to the other free model if that one passed, else to RTL.
   Whole-kernel spot checks join the class's count-model points, narrowing the interval
   of the kernels that stay on it. With `refit`, the spot-check points of single GEMMs
   are added to the curve's training points and the curve refitted.
4. **Budget loop**: the step time's interval comes from the chosen models' intervals
   through the job's critical path, by resampling (`_interval`): one draw per kernel for
   RTL measurements (independent errors), one draw per class and model for the curve and
   the count model (a fitted model's error is shared by the kernels it prices alike, so
   it adds up across them instead of averaging out). While it is wider than the budget,
   one refinement per round moves a kernel one rung down the ladder curve → count model
   → sampled RTL → whole-kernel RTL: the one whose share of the step interval is largest
   per RTL cycle it would cost (its share: how far the step moves when that kernel, or
   its whole group, sits at the top of its interval; on the critical path that is up to
   uses × half-width, off it nothing). For a group on the count model, measuring its
   cheapest unmeasured kernel is a candidate too (a new point narrows every kernel of
   the class; counted at half the group's share). It stops when the budget is met, or
   reports it unmet when no refinement is left inside the cost budget.

Cost is what the RTL ran: for a whole kernel its cycles, for a sampled campaign the
cycles of its simulated units and warm-ups (samples × (unit + warm-up) commands, scaled
by the kernel's cycles per command), plus the wall time each measurement took when it
ran. A kernel measured once is never paid for again (choices are per distinct kernel).
`selector_cost.default_plan_baseline` prices the alternative the issue names: every distinct kernel
sampled with `dcsim sample`'s default plan (module doc there).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from network.compute import Estimate, Kernel

from .nodemodel import (DEFAULT_CLOCK_HZ, TRUTH_MAX_COMMANDS, CurveModel, Measurement, gemms_of, measure_kernel,
                        workload_text)
from .selector_cost import characterisation_cost, rtl_cost
from .selector_counts import MIN_POINTS, CountPoint, fit_counts, machine_counts, own_family, pool
from .selector_features import KernelClass, classify, proxy, sweep_range, widening
from .selector_models import AtTop, Drawn, Recorder

__all__ = ["Selector", "Choice", "CURVE", "COUNTS", "SAMPLED", "TRUTH"]

CURVE, COUNTS, SAMPLED, TRUTH = "curve", "counts", "rtl-sampled", "rtl-whole"
FREE = (CURVE, COUNTS)              # models that cost no RTL
SAMPLE_WORTH = 0.5                  # sample only when a campaign simulates < this share of the kernel's commands
PROXY_HALVINGS = 4                  # a lone kernel's stand-in: its sizes halved at most this often
HOPELESS = 3.0                      # a sampled interval this many budgets wide: stop sampling
CYCLES_PER_COMMAND_GUESS = 30.0     # picks whole-kernel vs sampled for unmeasured kernels (NPU: 25-80)
BUILD_MAX_COMMANDS = 1_000_000     # larger command streams are not built just to be counted
CYCLES_PER_COMMAND_MAX = 100.0      # bounds a campaign's cost before it runs (NPU: at most ~80 measured)


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
    counts: Estimate | None = None                       # the count model's estimate, when it has one

    def as_dict(self, clock: float) -> dict:
        e = self.estimate or self.curve
        return {"kernel": self.kernel.key, "class": self.cls.label, "uses": self.uses, "model": self.model,
                "seconds": e.seconds, "ci_s": list(e.ci) if e.ci else None,
                "curve_seconds": self.curve.seconds, "reason": self.reason,
                "counts_seconds": self.counts.seconds if self.counts else None,
                "counts_ci_s": list(self.counts.ci) if self.counts and self.counts.ci else None,
                "rtl_cycles": self.cost_cycles, "wall_s": self.cost_wall_s,
                "measured": [{"rung": r, "method": m.method, "cycles": m.cycles, "ci": [m.low, m.high],
                              "samples": m.samples, "commands": m.commands} for r, m in self.measurements]}


class Selector:
    """A node model that chooses the abstraction per kernel (module doc). Use `run`, then
    its `estimate` prices the job's kernels with the chosen models."""

    def __init__(self, machine, curve, clock_hz: float | None = None, *, budget: float = 0.02,
                 confidence: float = 0.997, cost_budget: float | None = None, spot_checks: int = 1,
                 plan: dict | None = None, truth_max_commands: int = TRUTH_MAX_COMMANDS, refit: bool = False,
                 measure=measure_kernel, dim: int | None = None, counts=None, spot_share: float = 0.05,
                 characterised=()):
        self.machine, self.curve = machine, curve
        self.clock = clock_hz or curve.clock_hz or DEFAULT_CLOCK_HZ
        self.budget, self.confidence = budget, confidence
        self.cost_budget = math.inf if cost_budget is None else cost_budget
        self.spot_checks, self.truth_max_commands, self.refit = spot_checks, truth_max_commands, refit
        self.spot_share = spot_share
        if plan is None:        # `dcsim sample`'s default unit and warm-up, its first pass's size
            from .queue_sample import default_warmup
            from .queue_target import REGRESSION_SAMPLES
            plan = {"unit": 200, "warmup": default_warmup(machine) if machine is not None else 160,
                    "samples": REGRESSION_SAMPLES}
        self.plan = dict(plan)
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
        # the count model (module doc): counts(text) -> per-kind command counts, or None: no such rung
        self.counts_of = counts if counts is not None else (machine_counts(machine) if machine is not None else None)
        self.no_counts: set[KernelClass] = set()      # classes whose spot checks the count model missed
        self.no_curve: set[KernelClass] = set()       # ... and the curve missed (beyond the budget)
        self.own_points: dict[KernelClass, list[CountPoint]] = {}
        self._sweep_points: list[CountPoint] | None = None
        self.characterised = tuple(characterised)     # (text, RTL cycles): cosim.characterise, once per machine
        self.base_family = (curve.report.get("source") or {}).get("workload", "gemm")
        self.proxies: dict[KernelClass, list[Choice]] = {}    # stand-ins measured for lone kernels' classes

    # ------------------------------------------------------------------ pricing
    def curve_estimate(self, kernel: Kernel, curve=None) -> Estimate:
        """The curve's estimate with its interval widened outside the sweep."""
        e = CurveModel(curve or self.curve, self.clock).estimate(kernel)
        w = widening(gemms_of(workload_text(kernel), self.dim), self.range)
        half = float(e.ci[1] - e.seconds) * w if e.ci else 0.0
        s = float(e.seconds)
        return Estimate(s, (max(0.0, s - half), s + float(half)), "curve")

    def sweep_points(self) -> list[CountPoint]:
        """The machine's whole-kernel RTL points with their command counts (cosim.selector_counts):
        the curve's sweep and the family characterisation (cosim.characterise)."""
        if self._sweep_points is None:
            pts = []
            if self.counts_of is not None and self.curve.unit == "cycles":
                for p in self.curve.report.get("points", []):
                    if p.get("method") == "truth":
                        text = f"{self.base_family}:" + ",".join(str(int(d)) for d in p["shape"])
                        pts.append(CountPoint(text, tuple(self.counts_of(text)), float(p["measured"])))
                pts += [CountPoint(text, tuple(self.counts_of(text)), float(cycles), "characterisation")
                        for text, cycles in self.characterised]
            self._sweep_points = pts
        return self._sweep_points

    def counts_estimate(self, kernel: Kernel, cls: KernelClass) -> Estimate | None:
        """The count model's estimate of `kernel` (None: no counts, too few points, or the class's
        spot checks showed the model blind to it)."""
        if self.counts_of is None or cls in self.no_counts:
            return None
        text = workload_text(kernel)
        if self._commands_guess(kernel) > BUILD_MAX_COMMANDS:
            return None
        points = pool(text, self.sweep_points(), self.own_points.get(cls, []), self.dim, self.base_family)
        f = fit_counts(self.counts_of(text), points, self.confidence)
        if f is None:
            return None
        s, half = f.cycles / self.clock, f.half * f.cycles / self.clock
        return Estimate(s, (max(0.0, s - half), s + half), "counts")

    def estimate(self, kernel: Kernel) -> Estimate:
        c = self.choices.get(kernel.key)
        if c is None:            # a kernel the selection never saw: the curve, said so in its reason
            c = self.choices[kernel.key] = Choice(kernel, classify(kernel, self.dim, self.range), 0,
                                                  self.curve_estimate(kernel), reason="curve: not seen by run()")
        return c.estimate or c.curve

    def group(self, c: Choice):
        """Kernels whose errors are drawn together (module doc, step 4)."""
        return (c.model, c.cls) if c.model in FREE else c.kernel.key

    def _free(self, c: Choice, reason: str = "") -> None:
        """Put `c` on the narrower free model it may use."""
        c.counts = self.counts_estimate(c.kernel, c.cls)
        width = (lambda e: (e.ci[1] - e.ci[0]) / e.seconds if e.ci and e.seconds else math.inf)
        if c.counts is not None and (c.cls in self.no_curve or width(c.counts) < width(c.curve)):
            c.model, c.estimate = COUNTS, c.counts
            fam = len(self._family_points(c))
            c.reason = reason or (f"count model: ±{50 * width(c.counts):.1f}% against the curve's "
                                  f"±{50 * width(c.curve):.0f}%"
                                  + (f" (fitted on {fam} points of its own family)" if fam >= MIN_POINTS else ""))
        else:
            c.model, c.estimate = CURVE, None
            c.reason = reason or ("curve: no count model" if c.counts is None else
                                  "curve: its interval is narrower than the count model's")

    def _reprice(self, cls: KernelClass) -> None:
        """A new whole-kernel point of `cls`: its kernels still on a free model are priced again."""
        for c in self.choices.values():
            if c.cls == cls and c.model in FREE:
                self._free(c, c.reason)
                if c.model == COUNTS:
                    c.estimate = c.counts

    # ------------------------------------------------------------------ measuring
    def _rung_for(self, c: Choice) -> str | None:
        if c.model == TRUTH or c.kernel.key in self.unrunnable:
            return None
        if c.model == SAMPLED or c.cls in self.too_wide or self.sampler_hopeless or \
                self._commands(c) <= self.truth_max_commands or not self._sampling_pays(c):
            return TRUTH
        return SAMPLED

    def _sampling_pays(self, c: Choice) -> bool:
        """A campaign simulates samples × (unit + warm-up) commands: not worth it unless that is well
        under the kernel's own (the bundled jobs' kernels, 400-19,000 commands, never are at the
        default plan)."""
        units = self.plan["samples"] * (self.plan.get("unit", 20) + (self.plan.get("warmup") or 0))
        return units < SAMPLE_WORTH * self._commands(c)

    def _commands_guess(self, kernel: Kernel) -> float:
        return (self.curve_estimate(kernel).seconds * self.clock) / CYCLES_PER_COMMAND_GUESS

    def _commands(self, c: Choice) -> float:
        """The kernel's command count: as measured, else from its command stream (built by the
        functional model, no RTL), else guessed from the curve (no machine: tests)."""
        for _, m in c.measurements:
            return m.commands
        key = c.kernel.key
        if key not in self._counts:
            self._counts[key] = None
            guess = (c.curve.seconds * self.clock) / CYCLES_PER_COMMAND_GUESS
            if self.counts_of is not None and guess <= BUILD_MAX_COMMANDS:
                self._counts[key] = sum(self.counts_of(workload_text(c.kernel)))
        n = self._counts[key]
        return n if n is not None else (c.curve.seconds * self.clock) / CYCLES_PER_COMMAND_GUESS

    def _predicted_cost(self, c: Choice, rung: str) -> float:
        """An upper bound of what the measurement will cost, so that the cost budget is not
        overrun: cycles at the top of the free model's interval (or as measured), and a campaign's
        units at the largest cycles per command seen on the NPU. The JSON still reports any
        overrun (`budget.cost_exceeded`) should a kernel break these bounds."""
        if c.measurements:
            cycles, commands = c.measurements[-1][1].cycles, c.measurements[-1][1].commands
        else:
            e = c.estimate or c.curve
            cycles = (e.ci[1] if e.ci else e.seconds) * self.clock
            commands = self._commands(c) if self.counts_of is not None else None
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
        if m.method == "truth" and self.counts_of is not None and self._commands(c) <= BUILD_MAX_COMMANDS:
            text = workload_text(c.kernel)
            self.own_points.setdefault(c.cls, []).append(CountPoint(text, tuple(self.counts_of(text)), m.cycles,
                                                                    "spot check"))
            self._reprice(c.cls)

    # ------------------------------------------------------------------ the selection
    def run(self, build, topology, link_model, *, engine: str = "auto", draws: int = 48, seed: int = 0,
            max_rounds: int = 60) -> dict:
        """Choose models for the job `build(model)` makes; returns the decisions (module doc)."""
        rec = Recorder(self)
        build(rec)
        for key, k in rec.kernels.items():
            if key not in self.choices:
                self.choices[key] = Choice(k, classify(k, self.dim, self.range), 0, self.curve_estimate(k))
                self._free(self.choices[key])
            self.choices[key].uses = rec.uses[key]
        classes = self._spot_check()
        rounds = []
        while True:
            r = self._interval(build, topology, link_model, draws=draws, engine=engine, seed=seed)
            hw = r["relative_halfwidth"] if r["ci_s"] else 0.0
            rounds.append({"relative_halfwidth": hw, "rtl_cycles": self.spent_cycles})
            if hw <= self.budget:
                met, why = True, "met"
                break
            moved = self._refine(hw, build, topology, link_model, engine) if len(rounds) < max_rounds else []
            rounds[-1]["refined"] = moved
            if not moved:
                met = False
                why = ("cost budget exhausted or kernels unrunnable: " + "; ".join(self.refused[-4:])) \
                    if self.refused else "no finer model left: every kernel already runs whole in RTL"
                break
        return self._decisions(r, met, why, classes, rounds)

    def _interval(self, build, topology, link_model, *, draws: int, engine: str, seed: int) -> dict:
        """The step time and its interval by resampling with shared draws per group (module doc, 4)."""
        from network.cluster import simulate
        point = simulate(build(self), topology, link_model, engine)
        def uncertain(e):
            return bool(e.ci) and e.ci[1] > e.ci[0]
        groups = sorted({self.group(c) for c in self.choices.values() if uncertain(c.estimate or c.curve)}, key=str)
        t = point.step_time
        if not groups or draws < 2:
            return {"step_time_s": t, "ci_s": None, "relative_halfwidth": 0.0}
        rng = np.random.default_rng(seed)
        steps = []
        for _ in range(draws):
            normals = dict(zip(groups, rng.standard_normal(len(groups))))
            steps.append(simulate(build(Drawn(self, normals)), topology, link_model, point.engine).step_time)
        spread = float(np.std(steps, ddof=1))
        return {"step_time_s": t, "ci_s": (t - self.z * spread, t + self.z * spread),
                "relative_halfwidth": self.z * spread / t if t else math.inf, "groups": len(groups)}

    def _family_points(self, c: Choice) -> list[CountPoint]:
        """The machine's points of `c`'s own family in its regime (selector_counts.own_family)."""
        if self.counts_of is None or c.cls in self.no_counts:
            return []
        return own_family(workload_text(c.kernel), self.sweep_points(), self.dim)

    def _eligible(self, members: list[Choice], total: float) -> bool:
        """Spot-check a class with several kernels, or one whose cheapest kernel is a small share of
        the job's RTL cycles (checking a lone kernel costs as much as measuring it)."""
        if len(members) > 1:
            return True
        e = members[0].estimate or members[0].curve
        return e.seconds * self.clock <= self.spot_share * total

    def _proxy_for(self, c: Choice, total: float) -> list[Choice]:
        """A cheaper stand-in of a lone kernel's class (`selector_features.proxy`: sizes halved,
        features kept) to spot-check: the largest that costs at most `spot_share` of the job (the
        larger, the likelier it shows an effect that grows with size); [] if none."""
        from .nodemodel import npu_kernel
        text = workload_text(c.kernel)
        for _ in range(PROXY_HALVINGS):
            text = proxy(text, self.dim)
            if text is None:
                return []
            try:
                k = npu_kernel(text)
            except ValueError:
                return []
            e = self.curve_estimate(k)
            guess = self.counts_estimate(k, c.cls) or e       # the count model prices cost better where it can
            if guess.seconds * self.clock <= self.spot_share * total:
                p = Choice(k, c.cls, 0, e, reason=c.kernel.key)        # uses 0: not a kernel of the job
                self.proxies.setdefault(c.cls, []).append(p)
                return [p]
        return []

    def _spot_check(self) -> dict:
        by: dict[KernelClass, list[Choice]] = {}
        for c in self.choices.values():
            by.setdefault(c.cls, []).append(c)
        total = sum((c.estimate or c.curve).seconds * self.clock for c in self.choices.values())
        evidence, points = {}, []
        for cls, members in by.items():
            checks = []
            eligible = self._eligible(members, total)
            order = sorted(members, key=lambda c: (c.estimate or c.curve).seconds)
            # a lone costly kernel whose own family the machine was characterised on needs no proxy:
            # the fit's residuals on that family's points are the check a proxy would add one point to
            family = [] if eligible else self._family_points(order[0])
            targets = order[:self.spot_checks] if eligible else \
                [] if len(family) >= MIN_POINTS else self._proxy_for(order[0], total)
            for c in targets:
                rung = self._rung_for(c) or TRUTH
                if self.spent_cycles + self._predicted_cost(c, rung) > self.cost_budget:
                    self.refused.append(f"spot check {c.kernel.key}")
                    continue
                counts_before = self.counts_estimate(c.kernel, cls)         # predicted before it runs
                m = self._run(c, 10 ** 12 if rung == TRUTH else 0)
                if m is None:
                    continue
                self._judge_sampler(c, m)
                own = float((m.high - m.low) / 2 / m.cycles)
                err = float(c.curve.seconds * self.clock / m.cycles - 1)
                check = {"kernel": c.kernel.key, "method": m.method, "measured_cycles": float(m.cycles),
                         "proxy_for": c.reason if c.uses == 0 else None,
                         "curve_cycles": float(c.curve.seconds * self.clock), "error": err,
                         "measured_rel_halfwidth": own, "beyond": bool(abs(err) - own > self.budget)}
                if counts_before is not None:
                    ce = float(counts_before.seconds * self.clock / m.cycles - 1)
                    check.update({"counts_cycles": float(counts_before.seconds * self.clock), "counts_error": ce,
                                  "counts_rel_halfwidth": float((counts_before.ci[1] - counts_before.seconds)
                                                                / counts_before.seconds),
                                  "counts_beyond": bool(abs(ce) - own > max(self.budget, (
                                      counts_before.ci[1] - counts_before.seconds) / counts_before.seconds))})
                checks.append(check)
                self._take(c, TRUTH if m.method == "truth" else SAMPLED, m,
                           (f"proxy spot check for {check['proxy_for']} " if check["proxy_for"] else "spot check ")
                           + f"of its class (curve error {100 * err:+.1f}%"
                           + (f", count model {100 * check['counts_error']:+.1f}%)" if "counts_error" in check
                              else ")"))
                if m.method == "truth" and len(gemms_of(workload_text(c.kernel), self.dim)) == 1 \
                        and cls.kind == "gemm":
                    points.append((gemms_of(workload_text(c.kernel), self.dim)[0], m))
            flagged = any(x["beyond"] for x in checks)
            counts_flagged = any(x.get("counts_beyond") for x in checks)
            rel = (members[0].curve.ci[1] / members[0].curve.seconds - 1) if members[0].curve.ci else 0.0
            evidence[cls] = {"class": cls.label, "features": cls.as_dict(), "kernels": [c.kernel.key for c in members],
                             "curve_rel_halfwidth": rel,
                             "widening": widening(gemms_of(workload_text(members[0].kernel), self.dim), self.range),
                             "spot_checked": eligible,
                             "checked_by_family_points": len(family) if len(family) >= MIN_POINTS else 0,
                             "spot_checks": checks, "moved_by_spot_checks": flagged,
                             "counts_failed_spot_checks": counts_flagged}
            if counts_flagged:
                self.no_counts.add(cls)
            if flagged:
                self.no_curve.add(cls)
            if flagged or counts_flagged:
                worst_of = (lambda key: max((x for x in checks if key in x),
                                            key=lambda x: abs(x[key]) - x["measured_rel_halfwidth"]))
                whys = []
                if flagged:
                    w = worst_of("error")
                    whys.append(f"spot check {w['kernel']} shows the curve {100 * w['error']:+.1f}% off, beyond the "
                                f"±{100 * self.budget:g}% budget and the measurement's own interval")
                if counts_flagged:
                    w = worst_of("counts_error")
                    whys.append(f"spot check {w['kernel']} shows the count model {100 * w['counts_error']:+.1f}% off, "
                                f"beyond its own ±{100 * w['counts_rel_halfwidth']:.1f}% interval")
                why = "; ".join(whys)
                for c in members:
                    if c.model in FREE:
                        self._free(c)           # the count model is gone for this class if it missed
                        if c.model == COUNTS:
                            c.reason = "class moved off the curve to the count model: " + why
                        elif flagged:           # the curve missed too, or there is no count model
                            self._measure(c, self._rung_for(c), "class moved to RTL: " + why)
                        else:
                            c.reason = "class moved off the count model to the curve: " + why
                    else:
                        c.reason = why + " (this kernel was the spot check)"
        for cls, ps in self.proxies.items():
            evidence.get(cls, {})["proxies"] = [p.kernel.key for p in ps]
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
            if c.model in FREE:
                c.curve = self.curve_estimate(c.kernel, curve)
                self._free(c, c.reason)

    def _refine(self, hw: float, build=None, topology=None, link_model=None, engine: str = "auto") -> list[str]:
        """One refinement, the largest share of the step interval per RTL cycle (module doc, 4);
        the keys it moved."""
        live = [c for c in self.choices.values() if self._rung_for(c) and (c.estimate or c.curve).ci]
        if not live:
            return []
        share = self._shares(live, build, topology, link_model, engine)
        actions = []                 # (value per cycle, choice, rung, reason)
        why = f"budget: step interval ±{100 * hw:.2f}% > ±{100 * self.budget:g}%"
        for c in live:
            rung = self._rung_for(c)
            value = share[c.kernel.key]
            if value > 0:
                actions.append((value / max(1.0, self._predicted_cost(c, rung)), c, rung,
                                f"{why}; the largest share of the step interval per RTL cycle"))
        groups: dict = {}
        for c in live:
            if c.model == COUNTS:
                groups.setdefault(c.cls, []).append(c)
        for cls, members in groups.items():
            if len(members) > 1:
                o = min(members, key=lambda c: c.estimate.seconds)
                value = share[("group", COUNTS, cls)] / 2
                if value > 0:
                    actions.append((value / max(1.0, self._predicted_cost(o, TRUTH)), o, TRUTH,
                                    f"{why}; measured to narrow its class's count model (its cheapest kernel)"))
        for _, c, rung, reason in sorted(actions, key=lambda a: a[0], reverse=True):
            if self._measure(c, rung, reason):
                return [c.kernel.key]
        return []

    def _shares(self, live, build, topology, link_model, engine) -> dict:
        """How far the step moves when a kernel (or a count-model group) sits at the top of its
        interval; without a job to simulate (tests), half-width × uses."""
        out = {}
        if build is None:
            for c in live:
                e = c.estimate or c.curve
                out[c.kernel.key] = (e.ci[1] - e.seconds) * c.uses
            for c in live:
                key = ("group", COUNTS, c.cls)
                out[key] = out.get(key, 0.0) + (out[c.kernel.key] if c.model == COUNTS else 0.0)
            return out
        from network.cluster import simulate
        base = simulate(build(Drawn(self, {})), topology, link_model, engine)
        for c in live:
            out[c.kernel.key] = max(0.0, simulate(build(AtTop(self, {c.kernel.key})), topology, link_model,
                                                  base.engine).step_time - base.step_time)
        for cls in {c.cls for c in live if c.model == COUNTS}:
            keys = {c.kernel.key for c in live if c.model == COUNTS and c.cls == cls}
            out[("group", COUNTS, cls)] = max(0.0, simulate(build(AtTop(self, keys)), topology, link_model,
                                                            base.engine).step_time - base.step_time)
        return out

    def _decisions(self, r, met, why, classes, rounds) -> dict:
        by = {}
        for c in self.choices.values():
            by.setdefault(c.cls, []).append(c)
        out_classes = []
        for cls, members in by.items():
            ev = classes.get(cls, {"class": cls.label, "features": cls.as_dict(), "spot_checks": []})
            models = sorted({c.model for c in members})
            extra = self.proxies.get(cls, [])
            out_classes.append({**ev, "models": models, "moved_off_curve": CURVE not in models,
                                "rtl_cycles": sum(c.cost_cycles for c in members + extra),
                                "wall_s": sum(c.cost_wall_s for c in members + extra),
                                "reasons": sorted({c.reason for c in members})})
        ci = r["ci_s"]
        return {"budget": {"relative": self.budget, "confidence": self.confidence, "met": met, "why": why,
                           "cost_budget_rtl_cycles": None if math.isinf(self.cost_budget) else self.cost_budget,
                           "cost_exceeded": bool(self.spent_cycles > self.cost_budget)},
                "step_time_s": r["step_time_s"], "ci_s": list(ci) if ci else None,
                "relative_halfwidth": r["relative_halfwidth"] if ci else 0.0,
                "cost": {"rtl_cycles": self.spent_cycles, "wall_s": self.spent_wall,
                         "measurements": sum(len(c.measurements) for c in self.choices.values())
                         + sum(len(p.measurements) for ps in self.proxies.values() for p in ps),
                         "proxy_rtl_cycles": sum(p.cost_cycles for ps in self.proxies.values() for p in ps)},
                "plan": dict(self.plan),
                "machine_characterisation": characterisation_cost(self.curve, self.characterised),
                "curve": self.curve_note or "as given", "classes": out_classes,
                "kernels": [c.as_dict(self.clock) for c in self.choices.values()], "rounds": rounds,
                "refused": self.refused}
