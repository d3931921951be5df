"""The regression estimate against the stratified mean, offline on a full-RTL truth.

    python benchmarks/bench_sampling_estimators.py [--workload long] [--seeds 300] [--plans 12:36,6:18,...]

An accelerator's per-unit cycles are nearly linear in its command counts by kind, which the
functional model knows for every unit (on `long`, a least-squares fit over all 16,057 units
of 200 commands leaves R² ≈ 0.998). `estimate.regression_estimate` (GREG) uses them; this
script is how its default plan was chosen. For each plan (strata:units: the campaign's own
`stratified` plan and labels) and `--seeds` plan seeds it takes the units' cycles from the
cached full-RTL truth (no warm-up bias: the sampling part alone) and prints, for both
estimators as `dcsim sample` computes them (`estimate.estimate_total`), the median and worst
|error|, the median 99.7% interval and in how many seeds the interval holds the truth.

The full RTL run is made (and cached) first if it is not cached yet (~90 s for `long`).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="long")
    ap.add_argument("--seeds", type=int, default=300)
    ap.add_argument("--plans", default="12:36,8:24,6:18,9:18,5:15,4:12")
    a = ap.parse_args(argv)

    from spec import load_machine
    from fastforward.workloads import build_workload
    from cosim.estimate import estimate_total
    from cosim.paths import machine_path
    from cosim.plan import stratified
    from cosim.queue_target import QueueTarget

    unit = 200
    machine = load_machine(machine_path("npu"))
    target = QueueTarget(machine, build_workload(machine, a.workload))
    target.load()
    y = np.asarray(target.truth(unit)["per_unit"], dtype=float)
    x = target.covariates(unit)[:len(y)]
    live = np.c_[x[:, np.ptp(x, axis=0) > 0], np.ones(len(y))]
    beta, *_ = np.linalg.lstsq(live, y, rcond=None)
    r, truth = y - live @ beta, y.sum()
    print(f"{a.workload}: {len(y)} units of {unit}, per-unit CV {y.std() / y.mean():.4f}; a fit on every unit "
          f"over {live.shape[1] - 1} command kinds: R² {1 - r.var() / y.var():.4f}, residual CV {r.std() / y.mean():.4f}")
    print(f"{'plan':>10s} | {'stratified mean: |err| med (worst), ±med, holds':>48s} | "
          f"{'regression: |err| med (worst), ±med, holds':>48s}")
    for spec in a.plans.split(","):
        k, n = (int(v) for v in spec.split(":"))
        labels = target.labels(unit, k, 0)
        rows = {"expansion": [], "regression": []}
        for seed in range(a.seeds):
            plan = stratified(labels, target.total, unit, 160, n, seed=seed)
            cycles = {u.index: float(y[u.index]) for u in plan.samples}
            for key, cov in (("expansion", None), ("regression", x)):
                e = estimate_total(plan, cycles, 0.997, 0.0, cov)      # no bias allowance: sampling alone
                rows[key].append((e.cycles, e.high - e.cycles, e.method))
        out = []
        for key, got in rows.items():
            t, h = (np.array([g[i] for g in got]) for i in (0, 1))
            err = np.abs(t / truth - 1)
            fell_back = sum(g[2] != key for g in got)
            out.append(f"{100 * np.median(err):.3f}% ({100 * err.max():.3f}%), ±{100 * np.median(h / t):.3f}%, "
                       f"{int((np.abs(t - truth) <= h).sum())}/{a.seeds}" + (f" [{fell_back} fell back]" if fell_back else ""))
        print(f"{spec:>10s} | {out[0]:>48s} | {out[1]:>48s}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
