"""`dcsim fit`: fit an accelerator (GEMM) curve from an RTL sweep or from measurements."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.table import Table

from ..fit import CSV_HELP, FORMS, FitError, fit, load_sweep_config, machine_dim, read_csv, select, sweep, sweep_shapes
from .args import load_machine_arg, nonneg_int, parse_define, positive_int
from .output import emit_json, progress, stdout

DESCRIPTION = """\
Fit cycles(M, K, N) of a GEMM on the accelerator (the model form and fitting method are in
cosim/fit.py) and report goodness of fit on held-out shapes (MAPE, largest error).
With --sweep, every shape of the config is measured on the machine's RTL: whole kernels
in RTL up to `truth_max_commands` commands, sampled co-simulation above (results cached
per shape under $DCSIM_CACHE/kernels). With --csv, the points are measurements, e.g. of
real hardware from `dcsim measure gemm`. Two model forms: `tiles` (DIM-tile counts, for
the NPU) and `cache` (flops, per-matrix traffic and cache spill, for CPUs/GPUs); by default
(--form auto) both are fitted and the one with the smaller cross-validated error on the
training shapes is kept. Both forms' errors are printed; held-out shapes never choose."""
EPILOG = f"""\
examples:
  dcsim fit npu --sweep hw/curves/npu_sweep.yaml -o curves.json
  dcsim fit npu --sweep hw/curves/npu_sweep_quick.yaml -o curves.json --plot fit.png --json
  dcsim fit --csv hw/curves/example_measurements.csv --dim 8 -o curves.json
  dcsim measure gemm --device cpu -o m.csv && dcsim fit npu --csv m.csv -o c.json
  dcsim fit --csv hw/curves/measured/cpu_int8.csv --dtype int8 --form cache -o c.json
CSV {CSV_HELP}.
Use the curve in a cluster job through cosim.nodemodel.CurveModel (dcsim experiment abstraction)."""


def add_parser(sub):
    p = sub.add_parser("fit", help="fit a GEMM throughput curve from an RTL sweep or measurements",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", nargs="?", help="machine file or bundled name (npu); needed with --sweep")
    p.add_argument("-D", dest="defines", action="append", type=parse_define, default=[], metavar="NAME=VALUE",
                   help="override a machine parameter (repeatable)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--sweep", metavar="CONFIG.yaml", help="sweep config (see hw/curves/npu_sweep.yaml)")
    src.add_argument("--csv", metavar="FILE", help="measurements: " + CSV_HELP)
    p.add_argument("-o", "--output", required=True, metavar="curves.json", help="where to write the curve")
    p.add_argument("--dim", type=positive_int, help="array size DIM for --csv (default: the machine's, else 8)")
    p.add_argument("--holdout", type=float, default=0.25, help="--csv rows without a split column: fraction "
                   "held out at random (default 0.25)")
    p.add_argument("--clock", type=float, metavar="HZ", help="clock for cycles -> seconds (default: the "
                   "config's clock_hz, else 1e9)")
    p.add_argument("--plot", metavar="FILE.png", help="measured vs predicted cycles (matplotlib)")
    p.add_argument("--seed", type=nonneg_int, default=0, help="--csv: random held-out split")
    p.add_argument("--form", choices=("auto", *FORMS), default="auto",
                   help="curve form: tiles, cache, or auto (default: the smaller cross-validated error)")
    p.add_argument("--dtype", help="--csv with a dtype column: fit the rows of this dtype")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def command(args) -> int:
    t0 = time.perf_counter()
    machine = load_machine_arg(args) if args.spec else None
    if args.sweep:
        if machine is None:
            raise FitError("--sweep measures shapes on a machine's RTL: give the machine, e.g. dcsim fit npu --sweep ...")
        cfg = load_sweep_config(args.sweep)
        dim, unit, clock = machine_dim(machine), "cycles", args.clock or float(cfg.get("clock_hz", 1e9))
        total = len(sweep_shapes(cfg, dim))
        with progress("RTL sweep", total, enabled=not args.json) as bar:
            task = bar.add_task("RTL sweep", total=total, rate="")
            points = sweep(machine, cfg, lambda p, m: bar.update(task, advance=1, rate=f"{m.workload} ({m.method})"))
        source = {"sweep": str(args.sweep), "workload": cfg.get("workload", "gemm")}
    else:
        points, unit = read_csv(args.csv, args.holdout, args.seed, args.dtype)
        dim = args.dim or (machine_dim(machine) if machine else 8)
        clock, source = args.clock, {"csv": str(args.csv)}
    curve = select(points, dim, unit, clock) if args.form == "auto" else fit(points, dim, unit, clock, form=args.form)
    curve.report["source"] = source
    curve.report["methods"] = {m: sum(p.method == m for p in points) for m in sorted({p.method for p in points})}
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(curve.to_json(), indent=1))
    info = {"output": str(out), "form": curve.form, "knee": curve.knee, "forms": curve.report.get("forms"),
            "coef": curve.coef, "unit": unit, "dim": dim, "rel_sigma": curve.rel_sigma,
            "train": curve.report.get("train"), "holdout": curve.report.get("holdout"),
            "methods": curve.report["methods"], "seconds": round(time.perf_counter() - t0, 3)}
    if args.plot:
        info["plot"] = str(plot_fit(curve, args.plot))
    if args.json:
        emit_json(info)
    else:
        _show(info)
    return 0


def plot_fit(curve, path) -> Path:
    from network.plot import load_pyplot
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for split, marker in (("train", "o"), ("holdout", "x")):
        ps = [p for p in curve.report["points"] if p["split"] == split]
        if ps:
            ax.scatter([p["measured"] for p in ps], [p["predicted"] for p in ps], marker=marker, s=18,
                       label="held-out shapes" if split == "holdout" else "fitted shapes")
    pts = curve.report["points"]
    lo, hi = min(p["measured"] for p in pts), max(p["measured"] for p in pts)
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8, label="curve = measured")
    ax.fill_between([lo, hi], [lo * 0.9, hi * 0.9], [lo * 1.1, hi * 1.1], color="0.85", label="±10%")
    ax.set(xscale="log", yscale="log", xlabel=f"measured {curve.unit}", ylabel=f"curve {curve.unit}",
           title="GEMM curve: fit and held-out shapes")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _show(info: dict) -> None:
    t = Table("shapes", "n", "MAPE", "max |error|")
    for split in ("train", "holdout"):
        if info.get(split):
            s = info[split]
            t.add_row(split, str(s["shapes"]), f"{100 * s['mape']:.2f}%", f"{100 * s['max_error']:.2f}% ({s['worst']})")
    stdout.print(t)
    if info.get("forms"):
        f = Table("form", "5-fold CV MAPE (chooses)", "train MAPE", "held-out MAPE", "held-out max", "")
        for name, r in info["forms"].items():
            h = r.get("holdout") or {}
            f.add_row(name + (f" (knee {r['knee']:,} elements)" if r.get("knee") else ""),
                      f"{100 * r['cv_mape']:.2f}%", f"{100 * r['train']['mape']:.2f}%",
                      f"{100 * h['mape']:.2f}%" if h else "–", f"{100 * h['max_error']:.1f}%" if h else "–",
                      "chosen" if name == info["form"] else "")
        stdout.print(f)
    if info["form"] == "cache":
        stdout.print("curve (cache form): " + " + ".join(f"{c:.4g}·{n}" for c, n in zip(info["coef"], FORMS["cache"]))
                     + f" {info['unit']}; prediction interval ±{100 * 3 * info['rel_sigma']:.1f}% (3σ)")
        stdout.print(f"wrote {info['output']}" + (f", {info['plot']}" if info.get("plot") else "")
                     + f" in {info['seconds']:.1f} s")
        return
    names = ("tile steps", "output tiles", "A tiles", "B tiles", "fixed")
    stdout.print("curve: " + " + ".join(f"{c:.4g}·({n})" for c, n in zip(info["coef"], names))
                 + f" {info['unit']}; prediction interval ±{100 * 3 * info['rel_sigma']:.1f}% (3σ)")
    stdout.print(f"wrote {info['output']}" + (f", {info['plot']}" if info.get("plot") else "")
                 + f" in {info['seconds']:.1f} s")
