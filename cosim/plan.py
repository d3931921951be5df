"""Sampling plans: which sample units of a workload run in detailed (RTL) simulation.

A workload of `total` instructions/commands is cut into consecutive *sample units* of
`unit` instructions (the last may be shorter). A plan picks some units to measure; each
measured unit is preceded by `warmup` instructions of detailed simulation whose cycles
are not counted (SMARTS: they warm the microarchitectural state that the functional
model does not carry).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from spec.errors import DcsimError


class PlanError(DcsimError):
    pass


@dataclass(frozen=True)
class SampleUnit:
    index: int          # unit number, 0-based
    start: int          # first measured instruction
    length: int         # measured instructions
    warmup: int         # detailed instructions before `start` (clipped at the workload's start)
    stratum: int = 0

    @property
    def detail_start(self) -> int:
        return self.start - self.warmup


@dataclass(frozen=True)
class SamplePlan:
    kind: str                     # 'systematic' | 'random' | 'stratified' | 'full'
    total: int                    # instructions in the workload
    unit: int                     # instructions per sample unit
    samples: tuple                # of SampleUnit, sorted by start
    strata: tuple = ()            # stratified: population (unit count) of each stratum
    note: str = ""                # why the plan differs from what was asked (fewer strata, fewer units)

    @property
    def population(self) -> int:
        return units_in(self.total, self.unit)

    def describe(self) -> str:
        return (f"{self.kind}: {len(self.samples)} of {self.population} units of {self.unit} "
                f"({100 * len(self.samples) / max(self.population, 1):.1f}%)")


def units_in(total: int, unit: int) -> int:
    return -(-total // unit)


def _check(total: int, unit: int, warmup: int):
    if total <= 0:
        raise PlanError("the workload has no instructions to sample")
    if unit <= 0 or warmup < 0:
        raise PlanError(f"unit must be positive and warm-up non-negative (got unit={unit}, warmup={warmup})")


def _unit(index: int, total: int, unit: int, warmup: int, stratum: int = 0) -> SampleUnit:
    start = index * unit
    return SampleUnit(index, start, min(unit, total - start), min(warmup, start), stratum)


def full(total: int, unit: int) -> SamplePlan:
    """Every unit (ground truth with the same per-unit bookkeeping)."""
    _check(total, unit, 0)
    n = units_in(total, unit)
    return SamplePlan("full", total, unit, tuple(_unit(i, total, unit, 0) for i in range(n)))


def systematic(total: int, unit: int, warmup: int, every: int, offset: int = 0) -> SamplePlan:
    """SMARTS: one unit every `every` units, starting at unit `offset`."""
    _check(total, unit, warmup)
    if every <= 0 or not 0 <= offset < every:
        raise PlanError(f"systematic sampling needs every > 0 and 0 <= offset < every (got {every}, {offset})")
    n = units_in(total, unit)
    return SamplePlan("systematic", total, unit,
                      tuple(_unit(i, total, unit, warmup) for i in range(offset, n, every)))


def random_offset(every: int, seed: int) -> int:
    """A systematic plan's first unit, drawn per campaign seed. A fixed offset aliases with
    loops whose period divides `every` units (a GEMM's inner loop: every sample lands on the
    same phase, gemm:160,100,160 came out 15% high); a random offset makes the estimator
    unbiased over campaigns, though one campaign can still alias (prefer stratified plans)."""
    return int(np.random.default_rng([seed, 0x5a17]).integers(every)) if every > 1 else 0


def random_units(total: int, unit: int, warmup: int, count: int, seed: int = 0) -> SamplePlan:
    """Simple random sampling of `count` distinct units.

    The units are the first `count` of one random permutation per seed, so a larger plan
    with the same seed contains a smaller one (a second pass reuses the first's units)."""
    _check(total, unit, warmup)
    n = units_in(total, unit)
    if not 1 <= count <= n:
        raise PlanError(f"cannot draw {count} of {n} units")
    chosen = np.sort(np.random.default_rng(seed).permutation(n)[:count])
    return SamplePlan("random", total, unit, tuple(_unit(int(i), total, unit, warmup) for i in chosen))


def stratified(labels: np.ndarray, total: int, unit: int, warmup: int, count: int, seed: int = 0,
               weights=None, floor=None) -> SamplePlan:
    """Random sampling inside strata given by a label per unit (e.g. clustered signatures).

    Samples are allocated to strata in proportion to their size, at least one each (two
    where the stratum allows, so that its variance can be estimated). Inside a stratum the
    units are the first k of one random permutation per (seed, stratum), so a larger plan
    with the same seed contains a smaller one (a second pass reuses the first's units).
    `weights` (one per stratum, in label order) allocate in proportion to them instead of the
    sizes (Neyman: size × standard deviation); `floor` is a least allocation per stratum
    (a second pass: the first's, so that it stays nested).
    """
    _check(total, unit, warmup)
    labels = np.asarray(labels)
    n = units_in(total, unit)
    if labels.shape != (n,):
        raise PlanError(f"need one stratum label per unit ({n}), got {labels.shape}")
    strata, sizes = np.unique(labels, return_counts=True)    # (with counts numpy does not load numpy.ma)
    if count < len(strata):
        raise PlanError(f"{count} samples cannot cover {len(strata)} strata")
    w = sizes.astype(np.float64) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != sizes.shape or not np.all(w >= 0) or w.sum() <= 0:
        raise PlanError(f"need one non-negative weight per stratum ({len(sizes)}), not all zero")
    least = np.minimum(2, sizes) if floor is None else np.minimum(sizes, np.maximum(np.minimum(2, sizes), floor))
    share = count * w / w.sum()
    bound = np.zeros(len(sizes), dtype=bool)           # strata held at their least or their size
    for _ in range(len(sizes)):                     # shares of the others scaled to the units left
        free = ~bound
        left = count - least[bound & (share <= least)].sum() - sizes[bound & (share > least)].sum()
        if not free.any() or w[free].sum() <= 0:
            break
        share = np.where(free, max(left, 0) * w / w[free].sum(), share)
        newly = free & ((share < least) | (share > sizes))
        if not newly.any():
            break
        share[newly] = np.where(share[newly] < least[newly], least[newly], sizes[newly])
        bound |= newly
    alloc = np.minimum(sizes, np.maximum(least, np.floor(share).astype(int)))
    rng = np.random.default_rng(seed)
    while alloc.sum() < min(count, n):                     # hand out the remainder to the largest gaps
        alloc[np.argmax(share - alloc + (alloc >= sizes) * -1e18)] += 1
    picked = []
    for h, (s, k) in enumerate(zip(strata, alloc)):
        members = np.flatnonzero(labels == s)
        for i in rng.permutation(members)[:int(k)]:
            picked.append(_unit(int(i), total, unit, warmup, stratum=h))
    picked.sort(key=lambda u: u.start)
    return SamplePlan("stratified", total, unit, tuple(picked), tuple(int(x) for x in sizes))


def plan_strata(args, total: int, unit: int, default_samples: int = 32) -> tuple[int, str]:
    """The strata a stratified plan uses, and a note when they are fewer than `args.strata`.

    A plan measures the units it is asked for (`--samples N`, or one in `--interval K`):
    every stratum needs two units to estimate its spread, so N units cover at most N // 2
    strata. With N < 2 x strata the plan uses N // 2 strata rather than measuring more
    units than asked (it used to measure 2 x strata). Every pass of a campaign uses the
    strata of its first pass, so that later passes stay nested in it."""
    population = units_in(total, unit)
    first = population // args.interval if args.interval else (args.samples or default_samples)
    first = max(1, min(first, population))
    if first < 2:
        note = ("" if population < 2 else "1 unit asked for: a stratified plan measures at least two (their spread "
                "gives the interval); --plan random measures one")
        return 1, note
    if first >= 2 * args.strata or first >= population:      # enough for every stratum, or every unit measured
        return args.strata, ""
    strata = first // 2
    asked = f"{args.samples} units" if args.samples else f"{first} units"
    used = "1 stratum" if strata == 1 else f"{strata} strata"
    return strata, (f"{asked} for {args.strata} strata: used {used} of at least two units each "
                    f"(a stratum's spread needs two; ask --samples {2 * args.strata} to keep {args.strata})")


def from_args(args, total: int, unit: int, labels, seed: int, count: int | None = None, weights=None, floor=None,
              default_samples: int = 32) -> SamplePlan:
    """The plan `dcsim sample`'s options ask for: `args.plan` (systematic | random |
    stratified), `args.interval` / `args.samples` (else `default_samples`, or `count` for a
    second pass), `args.warmup`, `args.strata`. `labels(strata)` gives the per-unit stratum
    labels (called only for stratified plans, with `plan_strata`'s count); `weights` and
    `floor` as `stratified` takes them. A stratified plan measures exactly the units asked
    for (`plan_strata`: fewer strata when they are too few for two units each)."""
    population = units_in(total, unit)
    if count is None:
        count = population // args.interval if args.interval else (args.samples or default_samples)
    count = max(1, min(count, population))
    if args.plan == "systematic":
        every = args.interval if args.interval and count == population // args.interval else population // count
        every = max(1, every)
        return systematic(total, unit, args.warmup, every, offset=random_offset(every, seed))
    if args.plan == "random":
        return random_units(total, unit, args.warmup, count, seed=seed)
    strata, note = plan_strata(args, total, unit, default_samples)
    plan = stratified(labels(strata), total, unit, args.warmup, max(count, 2 * strata), seed=seed,
                      weights=weights, floor=floor)
    return replace(plan, note=note) if note else plan
