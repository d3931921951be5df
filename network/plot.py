"""A figure of one cluster run (`dcsim cluster --plot FILE.png`): matplotlib, Agg backend.

Left, the per-node timeline: one row per node (at most `max_nodes`, evenly sampled, the
critical node always in), compute and communication as bars on two lanes, the step time
as a line and, when compute kernels carry confidence intervals, the step time's interval
as a shaded band. Right, the breakdown on the critical node: compute, exposed
communication and idle time stacked to the step time (with the interval as an error bar),
beside the total communication time, of which the part hidden under compute is hatched.
For a colocated job every part's end is marked on the time axis.

matplotlib is an optional dependency (`pip install -e '.[plots]'`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .cluster import ClusterResult
from .errors import NetworkError

__all__ = ["load_pyplot", "plot_result"]

COMPUTE, COMM, EXPOSED, IDLE = "#4C72B0", "#DD8452", "#C44E52", "#BBBBBB"


def load_pyplot():
    """matplotlib.pyplot on the Agg backend; a NetworkError saying how to install it if missing."""
    try:
        import matplotlib
    except ImportError:
        raise NetworkError("--plot needs matplotlib",
                           "install it with: pip install -e '.[plots]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _scale(seconds: float) -> tuple[float, str]:
    for factor, unit in ((1e6, "µs"), (1e3, "ms")):
        if seconds * factor < 5e3:
            return factor, unit
    return 1.0, "s"


def _shown_nodes(nodes: np.ndarray, critical: int, max_nodes: int) -> np.ndarray:
    every = np.unique(nodes)
    if len(every) <= max_nodes:
        return every
    pick = every[np.linspace(0, len(every) - 1, max_nodes - 1).round().astype(int)]
    return np.unique(np.append(pick, critical))


def plot_result(result: ClusterResult, path: str | Path, title: str = "",
                max_nodes: int = 32) -> Path:
    """Write the figure to `path` (format from its suffix: .png, .pdf, .svg)."""
    plt = load_pyplot()
    _, nodes, starts, ends, comm = result.node_events()
    b = result.breakdown()
    step, ci = result.step_time, result.step_time_ci
    factor, unit = _scale(max(step, ci[1] if ci else 0.0))
    shown = _shown_nodes(nodes, b["critical_node"], max_nodes)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 0.9 + 0.28 * len(shown) + 1.6),
                                 gridspec_kw={"width_ratios": [4, 1]})
    _timeline(ax, nodes, starts * factor, ends * factor, comm, shown, b["critical_node"])
    ax.axvline(step * factor, color="black", lw=1, label="step time")
    if ci:
        ax.axvspan(ci[0] * factor, ci[1] * factor, color="black", alpha=0.12, lw=0,
                   label="step time CI")
    for i, part in enumerate(result.parts()):
        ax.axvline(part["end_s"] * factor, color="black", ls=":", lw=1,
                   label=None if i else "end of a job part")
        ax.annotate(f"{part['part']} ends", (part["end_s"] * factor, 1.0),
                    xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                    fontsize=8)
    ax.set_xlabel(f"time since step start ({unit})")
    ax.set_ylabel("node")
    ax.set_title("Per-node timeline (* = critical node): compute upper lane, communication lower lane",
                 fontsize=9, loc="left", pad=22)
    ax.set_xlim(0, max(step, ci[1] if ci else 0.0) * factor * 1.02 or 1.0)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=5, fontsize=8, frameon=False,
              borderaxespad=0.1)
    _breakdown(bx, b, step, ci, factor, unit)
    fig.suptitle(title or f"{result.job.description}\n{result.model} model, {result.engine} "
                 f"engine, step {step * factor:,.2f} {unit}"
                 + (f" [{ci[0] * factor:,.2f}, {ci[1] * factor:,.2f}]" if ci else ""),
                 fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def _timeline(ax, nodes, starts, ends, comm, shown, critical) -> None:
    row = {int(v): i for i, v in enumerate(shown)}
    keep = np.isin(nodes, shown)
    for is_comm, color, lane, label in ((False, COMPUTE, 0.0, "compute"),
                                        (True, COMM, 0.42, "communication")):
        sel = keep & (comm == is_comm)
        first = True
        for v in shown:
            mine = sel & (nodes == v)
            if not mine.any():
                continue
            spans = list(zip(starts[mine], ends[mine] - starts[mine]))
            ax.broken_barh(spans, (row[int(v)] - 0.42 + lane, 0.4), facecolors=color,
                           edgecolors="none", label=label if first else None)
            first = False
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([f"{v}*" if v == critical else str(v) for v in shown], fontsize=8)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)


def _breakdown(bx, b: dict, step: float, ci, factor: float, unit: str) -> None:
    compute, talk, exposed = b["compute_s"], b["comm_s"], b["exposed_comm_s"]
    idle = max(step - compute - exposed, 0.0)
    bottom = 0.0
    for value, color, label in ((compute, COMPUTE, "compute"), (exposed, EXPOSED,
                                "exposed comm."), (idle, IDLE, "idle")):
        bx.bar(0, value * factor, bottom=bottom, color=color, label=label, width=0.6)
        bottom += value * factor
    if ci:
        bx.errorbar(0, step * factor, yerr=[[(step - ci[0]) * factor], [(ci[1] - step) * factor]],
                    color="black", capsize=4, lw=1, label="step time CI")
    bx.bar(1, exposed * factor, color=EXPOSED, width=0.6)
    bx.bar(1, (talk - exposed) * factor, bottom=exposed * factor, color=COMM, hatch="//",
           width=0.6, label="hidden comm.")
    bx.set_xticks([0, 1])
    bx.set_xticklabels(["step", "all comm."], fontsize=8)
    bx.set_xlabel(f"critical node {b['critical_node']}")
    bx.set_ylabel(f"time ({unit})")
    bx.set_title("Where the step time goes", fontsize=9, pad=22)
    bx.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              frameon=False, borderaxespad=4.8)    # in font sizes: below the tick labels and x label
    bx.grid(axis="y", alpha=0.3)
