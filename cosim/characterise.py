"""A machine's characterisation beyond plain GEMMs: whole-kernel RTL points of kernel families.

The GEMM curve is fitted once per machine from a sweep of GEMM shapes (`cosim.fit.sweep`).
The selector's command-count model (`cosim.selector_counts`) prices a kernel from points
of its own regime, and until there are points of its own *family* it borrows the GEMM
sweep's: a transformer block is then priced as if its commands cost what a lone GEMM's
do (±5.3% on transformer:32,64), and a bank-conflict layout, whose commands cost more at
the same counts, is invisible (its proxy came out 3% low against a stated ±1.5%). The
selector could only buy that knowledge per job, by running the kernel or a proxy in RTL:
40% and 37% of the pipeline job's reference cost.

The sweep config's `families` section names, per workload family, argument lists to run
whole in RTL once per machine, like the curve's shapes (and cached the same way, by
`nodemodel.measure_kernel`):

    families:
      transformer: [[16, 48], [24, 32], ...]      # transformer:S,D
      stream: [[512, 1024], [512, 8], ...]        # stream:M,LDA (the pitch is part of the family)

Those points are a property of the machine, not of a job, so no job is charged for them;
the selector's JSON reports their cost beside its own (`Selector.characterisation_cost`).
The sizes must differ from the kernels the figures are reported on (held out: the bundled
configs avoid every kernel of `dcsim experiment abstraction`'s jobs, which a test checks),
and a kernel is never priced from a point of its own text (`selector_counts.pool`).
"""
from __future__ import annotations

from pathlib import Path

from .fit import FitError

__all__ = ["family_texts", "characterise", "FAMILIES"]

# families a characterisation may name, and how many arguments each takes
FAMILIES = {"gemm": (3, 3), "bankconflict": (3, 3), "transformer": (2, 3), "conv": (4, 5), "stream": (1, 2),
            "mlp": (3, 12)}


def family_texts(cfg: dict, where: str | Path = "sweep config") -> list[str]:
    """The workload texts of a sweep config's `families` section, checked (module doc)."""
    fam = cfg.get("families") or {}
    if not isinstance(fam, dict):
        raise FitError(f"{where}: 'families' maps a workload family to a list of argument lists")
    out, seen = [], set()
    for kind, lists in fam.items():
        if kind not in FAMILIES:
            raise FitError(f"{where}: families: unknown workload family '{kind}' (known: {', '.join(FAMILIES)})")
        lo, hi = FAMILIES[kind]
        if not isinstance(lists, list):
            raise FitError(f"{where}: families.{kind} must be a list of argument lists, e.g. [[16, 48]]")
        for args in lists:
            if not (isinstance(args, list) and lo <= len(args) <= hi
                    and all(isinstance(a, int) and not isinstance(a, bool) and a > 0 for a in args)):
                raise FitError(f"{where}: families.{kind}: {args!r} is not a list of {lo}"
                               + (f" to {hi}" if hi > lo else "") + " positive integers")
            text = f"{kind}:" + ",".join(map(str, args))
            if text in seen:
                raise FitError(f"{where}: families: {text} is listed twice")
            seen.add(text)
            out.append(text)
    return out


def characterise(machine, cfg: dict, on_point=None, where: str | Path = "sweep config") -> list[tuple[str, float]]:
    """(text, RTL cycles) of every family point of the config, each run whole in RTL (cached).
    A point the machine cannot run (its operands do not fit a smaller DRAM, say) is left out:
    `on_point(text, None, why)` hears of it, and the selector prices that family from the
    GEMM sweep as it would without a characterisation."""
    from spec.errors import DcsimError

    from .nodemodel import measure_kernel
    out = []
    for text in family_texts(cfg, where):
        try:
            m = measure_kernel(machine, text, truth_max_commands=10 ** 12)
        except DcsimError as exc:
            if on_point is not None:
                on_point(text, None, str(exc).splitlines()[0])
            continue
        out.append((text, float(m.cycles)))
        if on_point is not None:
            on_point(text, m, "")
    return out
