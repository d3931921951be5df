"""Every PNG dcsim writes is readable at a glance: checked on the matplotlib objects, not pixels.

Each plotting function is run on small data (synthetic results, or a cluster run of a
second) while `Figure.savefig` is recorded; every saved figure must have, on every Axes,
a title (or a figure suptitle) and x and y labels; a legend entry for every kind of mark
when there is more than one kind (a kind: artist type + colour + line style/marker/hatch;
bars and error bars count through their container's label), every labelled artist in a
legend; all text at 8 pt or more and inside the figure; tick labels that do not overlap.
"""
import json
import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cosim.experiments import abstraction, network_fidelity, sampling  # noqa: E402
from cosim.experiments.report import Report  # noqa: E402

MIN_PT = 8


@pytest.fixture
def saved(monkeypatch):
    """(figure, problems) of every figure saved while the test runs, checked right after it is
    drawn (plt.close afterwards takes the renderer away)."""
    figures = []
    original = Figure.savefig

    def record(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        figures.append((self, problems(self)))
        return out
    monkeypatch.setattr(Figure, "savefig", record)
    return figures


# ------------------------------------------------------------------ the checks
def problems(fig) -> list[str]:
    out = []
    suptitle = fig.get_suptitle().strip()
    entries = [(t.get_text(), h) for leg in _legends(fig) for t, h in zip(leg.get_texts(), leg.legend_handles)]
    legend_texts = {text for text, _ in entries}
    for i, ax in enumerate(a for a in fig.axes if a.get_visible()):
        name = f"axes {i} ({_title(ax) or 'untitled'})"
        if not (_title(ax) or suptitle):
            out.append(f"{name}: no title and no suptitle")
        if not ax.get_xlabel().strip():
            out.append(f"{name}: no x label")
        if not ax.get_ylabel().strip():
            out.append(f"{name}: no y label")
        kinds = {}
        for kind, label in _marks(ax):
            kinds.setdefault(kind, set()).add(label)
            if label and label not in legend_texts:
                out.append(f"{name}: labelled mark {label!r} is not in any legend")
        if len(kinds) > 1:
            for kind, labels in kinds.items():
                if not any(text in labels and _shows(handle, kind) for text, handle in entries):
                    out.append(f"{name}: a kind of mark has no legend entry: {kind}")
    out += _text_problems(fig)
    return out


def _legends(fig):
    return [a.get_legend() for a in fig.axes if a.get_legend()] + list(fig.legends)


def _shows(handle, kind) -> bool:
    """Whether a legend handle looks like marks of `kind` (same colour: one bar() call with
    two colours needs two entries)."""
    if kind[0] == "errorbar" or handle is None:
        return True
    if type(handle).__name__ == "Line2D":
        colour = handle.get_color()
    elif np.ndim(handle.get_facecolor()) == 1:
        colour = handle.get_facecolor()
    else:
        colour = np.atleast_2d(handle.get_facecolor())[0]
    return _rgba(colour) == kind[1]


def _title(ax) -> str:
    return " ".join(ax.get_title(loc).strip() for loc in ("left", "center", "right")).strip()


def _marks(ax):
    """(kind, legend label or '') of every data mark on `ax`."""
    owner = {}
    for c in ax.containers:
        for a in c.get_children():
            owner[id(a)] = c
    for a in list(ax.lines) + list(ax.patches) + list(ax.collections):
        if not a.get_visible():
            continue
        c = owner.get(id(a))
        label = (c.get_label() if c is not None else a.get_label()) or ""
        label = "" if label.startswith("_") else label
        if isinstance(c, ErrorbarContainer):        # marker, bars and caps are one mark
            kind = ("errorbar", _rgba(c.lines[0].get_color()), c.lines[0].get_marker(),
                    str(c.lines[0].get_markerfacecolor()))
        elif hasattr(a, "get_linestyle") and type(a).__name__ == "Line2D":
            kind = ("line", _rgba(a.get_color()), str(a.get_linestyle()), str(a.get_marker()))
        elif hasattr(a, "get_facecolor") and np.ndim(a.get_facecolor()) == 1:
            kind = (type(a).__name__, _rgba(a.get_facecolor()), a.get_hatch() or "")
        else:
            face = np.atleast_2d(a.get_facecolor())
            colour = face[0] if len(face) else np.atleast_2d(a.get_edgecolor())[0]
            kind = (type(a).__name__, _rgba(colour))
        yield kind, label


def _rgba(c) -> tuple:
    return tuple(round(float(v), 3) for v in to_rgba(c))


def _text_problems(fig) -> list[str]:
    out = []
    fig.canvas.draw()                   # lay out again at the figure's own dpi
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    drawn, ticks = set(), set()             # tick labels outside the view limits are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * (hi - lo)
            for k in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(k.label1), id(k.label2)}
                if k.get_loc() is not None and lo - eps <= k.get_loc() <= hi + eps:
                    drawn |= {id(k.label1), id(k.label2)}
    shown = lambda o: (isinstance(o, Text) and o.get_visible() and o.get_text().strip()
                       and (id(o) in drawn or id(o) not in ticks))
    for t in fig.findobj(shown):
        if t.get_fontsize() < MIN_PT:
            out.append(f"text {t.get_text()!r} is {t.get_fontsize():g} pt (< {MIN_PT})")
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 2 or e.y0 < box.y0 - 2 or e.x1 > box.x1 + 2 or e.y1 > box.y1 + 2:
            out.append(f"text {t.get_text()!r} is cut off by the figure's edge")
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text().strip()]
            if any(t.get_rotation() % 90 for t in labels):
                labels = []                         # rotated: boxes overlap by construction
            boxes = [t.get_window_extent(renderer) for t in labels]
            for (t1, b1), (t2, b2) in zip(zip(labels, boxes), zip(labels[1:], boxes[1:])):
                if b1.overlaps(b2) and b1.intersection(b1, b2).width > 1 and b1.intersection(b1, b2).height > 1:
                    out.append(f"tick labels {t1.get_text()!r} and {t2.get_text()!r} overlap")
    return out


def check(figures, expected: int) -> None:
    assert len(figures) == expected, f"{len(figures)} figures saved, expected {expected}"
    found = {f"figure {i}": p for i, (_, p) in enumerate(figures)}
    assert not any(found.values()), json.dumps(found, indent=1, ensure_ascii=False)


def write(tmp_path, figures_list) -> None:
    report = Report("plot test", "pytest")
    for plot in figures_list:
        report.plot(*plot)
    info = report.write(tmp_path)
    assert len(info["plots"]) == len(figures_list)


# ------------------------------------------------------------------ synthetic results
def suite_rows():
    rows = []
    for i, (name, samples, population) in enumerate([("gemm:64,64,64", 5, 5), ("transformer:64,128,512", 30, 281),
                                                     ("long:1024,1024,512", 40, 3000)]):
        err = (-1) ** i * 0.001 * (i + 1)
        rows.append({"workload": name, "commands": 200 * population, "truth_cycles": 10 ** 6,
                     "estimate_cycles": 10 ** 6 * (1 + err), "ci": [0.99e6, 1.01e6], "error": err,
                     "halfwidth": 0.004, "within": True, "samples": samples, "population": population,
                     "divergences": 0, "truth_seconds": 1.0, "sampled_seconds": 0.5, "speedup": 2.0})
    return rows


def count_rows(unbounded=True):
    return [{"samples": n, "mean_abs_error": 0.3 / n, "max_abs_error": 0.5 / n,
             "mean_halfwidth": math.inf if unbounded and n == 4 else 2.0 / n, "coverage": 1.0, "inside": 3,
             "seeds": 3} for n in (4, 8, 16, 32)]


def kernel_rows():
    rows = []
    for i, (cls, name, err) in enumerate([("aligned GEMM", "gemm:64,64,64", 0.05), ("small GEMM", "gemm:8,8,8", -0.2),
                                          ("strided stream (DRAM row misses)", "stream:256,1024", 0.3),
                                          ("layer chain (transformer)", "transformer:16,32", -0.02)]):
        t = 1e5 * (i + 1)
        rows.append({"class": cls, "kernel": name, "gemms": 1, "truth_cycles": t, "sampled_cycles": t * 1.01,
                     "sampled_ci": [t * 0.9, t * 1.1] if i % 2 == 0 else None, "curve_cycles": t * (1 + err),
                     "curve_error": err, "sampled_error": 0.01, "truth_in_ci": True, "flagged": abs(err) > 0.1})
    return rows


def network_rows():
    def point(**label):
        d = 0.3 * len(json.dumps(label)) / 40
        return {**label, "constant": {"tp_s": 1e-3, "step_s": 2e-3}, "mess": {"tp_s": 1e-3 * (1 + d), "step_s": 2e-3},
                "tp_diff": d, "step_diff": d / 20, "train_diff": 0.0}
    load = [point(grad_bytes=b) for b in (64 * 1024, 8 << 20, 64 << 20)]
    size = [point(activation_bytes=b) for b in (4096, 65536, 1 << 20)]
    topo = [point(topology=t) for t in ("one_spine", "two_spines", "switch")]
    return load, size, topo


# ------------------------------------------------------------------ one test per plotting function
def test_sampling_figure(tmp_path, saved):
    write(tmp_path, sampling.figures(suite_rows(), count_rows(), "transformer:64,128,512"))
    check(saved, 1)


def test_sampling_figure_all_census(tmp_path, saved):
    rows = [r for r in suite_rows() if r["samples"] >= r["population"]]
    write(tmp_path, sampling.figures(rows, count_rows(unbounded=False), "gemm:64,64,64"))
    check(saved, 1)


def test_network_figure(tmp_path, saved):
    write(tmp_path, network_fidelity.figures(*network_rows()))
    check(saved, 1)


def test_abstraction_figure(tmp_path, saved):
    rows = kernel_rows()
    assert any(r["flagged"] for r in rows) and not all(r["flagged"] for r in rows)
    write(tmp_path, abstraction.figures(rows))
    check(saved, 1)
    ax = saved[0][0].axes[0]
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert any(">10%" in t for t in legend) and any("threshold" in t for t in legend)


def test_abstraction_figure_is_wide_enough_for_many_kernels(tmp_path, saved):
    rows = [dict(r, kernel=f"gemm:{64 + i},{128 + i},{256 + i}") for i in range(30) for r in kernel_rows()[:1]]
    write(tmp_path, abstraction.figures(rows))
    check(saved, 1)


def sample_report(truth=True, **extra):
    units = [{"index": i, "start": 200 * i, "cycles": 5000 + 100 * (i % 3), "warmup_cycles": 800,
              "state_ok": True} for i in range(0, 40, 4)]
    r = {"estimate_cycles": 2.05e5, "ci_low": 2.0e5, "ci_high": 2.1e5, "confidence": 0.997, "relative_error": 0.024,
         "cv": 0.1, "plan": "stratified", "warmup": 160, "samples": len(units), "divergences": 0, "seconds": 1.0,
         "executor": {"kind": "inline", "workers": 1}, "functional_seconds": 0.1, "commands": 8000, "unit": 200,
         "workload": "gemm:64,64,64", "machine": "npu", "kind": "queue", "items": "commands", "units": units,
         "population": 40, **extra}
    if truth:
        r.update(truth_per_unit=[5000 + 100 * (i % 3) for i in range(40)], truth_cycles=204000, error=0.005,
                 within_interval=True, truth_seconds=2.0, truth_cached=False, speedup=2.0)
    return r


@pytest.mark.parametrize("truth", [True, False])
def test_sampled_run_cycles_plot(tmp_path, saved, truth):
    from cosim.report import write_report
    write_report(tmp_path, sample_report(truth))
    assert (tmp_path / "cycles.png").exists() and "![" in (tmp_path / "report.md").read_text()
    check(saved, 1)


def test_sampled_run_cycles_plot_with_an_unbounded_interval(tmp_path, saved):
    from cosim.report import write_report
    write_report(tmp_path, sample_report(False, ci_low=-math.inf, ci_high=math.inf, relative_error=math.inf))
    check(saved, 1)


def test_cluster_timeline_with_interval(tmp_path, saved):
    from network import FlowModel, Layer, data_parallel_step, switch, with_ci
    from network.plot import plot_result
    layers = [Layer(f"l{i}", 1e-4, 2e-4, 4e6, (0.9e-4, 1.2e-4), (1.8e-4, 2.4e-4)) for i in range(4)]
    result = with_ci(data_parallel_step(layers, range(4), 4), switch(4, 25e9, 1e-6), FlowModel(4096))
    plot_result(result, tmp_path / "ci.png")
    check(saved, 1)


@pytest.mark.parametrize("job", ["dp_switch8.yaml", "colocated_leaf_spine.yaml"])
def test_cluster_plot_from_the_command_line(tmp_path, saved, capsys, job):
    from cosim.cli import main
    from conftest import HW
    assert main(["cluster", str(HW / "clusters" / "jobs" / job), "--plot", str(tmp_path / "c.png")]) == 0
    capsys.readouterr()
    check(saved, 1)


def test_fit_plot(tmp_path, saved):
    from types import SimpleNamespace

    from cosim.cli.fit import plot_fit
    points = [{"measured": 1e4 * (i + 1), "predicted": 1e4 * (i + 1) * (1.05 if i % 2 else 0.97),
               "split": "holdout" if i % 4 == 3 else "train"} for i in range(12)]
    plot_fit(SimpleNamespace(unit="cycles", report={"points": points}), tmp_path / "fit.png")
    check(saved, 1)


def test_the_checks_catch_what_a_reader_stumbles_on(saved):
    """The checker itself: the old abstraction plot's defects (no title, no x label, red bars
    outside the legend, unlabelled ±10% lines, 7 pt tick labels) are each reported."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.bar([0, 1], [5, 20], color=["#4C72B0", "#C44E52"], label="curve")
    ax.errorbar([0, 1], [1, 2], yerr=1, fmt="ko", label="sampled RTL")
    for y in (-10, 10):
        ax.axhline(y, color="0.5", ls=":")
    ax.set_xticks([0, 1], ["a", "b"], fontsize=7)
    ax.set_ylabel("error (%)")
    ax.legend()
    fig.canvas.draw()
    found = "\n".join(problems(fig))
    plt.close(fig)
    assert "no title" in found and "no x label" in found and "7 pt" in found
    assert found.count("a kind of mark has no legend entry") == 2          # red bars, dotted lines
