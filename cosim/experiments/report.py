"""The report every experiment writes: report.md, results.json and PNG plots in one folder.

An experiment fills a `Report` with sections of Markdown (paragraphs and tables), plots
(drawn by a function on a matplotlib figure) and a results dict; `write` renders it.
Numbers in the Markdown are those in results.json, so a README can quote either.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Report:
    title: str
    command: str
    results: dict = field(default_factory=dict)
    headline: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)         # markdown blocks
    plots: list = field(default_factory=list)         # (file name, caption, draw(fig))

    def text(self, markdown: str) -> None:
        self.parts.append(markdown.strip() + "\n")

    def table(self, header: list[str], rows: list[list]) -> None:
        self.parts.append(markdown_table(header, rows))

    def plot(self, name: str, caption: str, draw, size=(6.4, 4.2)) -> None:
        self.plots.append((name, caption, draw, size))

    def write(self, out: Path) -> dict:
        written = [_draw(out / name, draw, size) and name for name, _, draw, size in self.plots]
        md = [f"# {self.title}\n", f"Reproduce: `{self.command}`\n"]
        if self.headline:
            md.append(markdown_table(["headline", "value"], [[k, fmt(v)] for k, v in self.headline.items()]))
        md += self.parts
        for (name, caption, _, _), ok in zip(self.plots, written):
            if ok:
                md.append(f"![{caption}]({name})\n\n*{caption}*\n")
        (out / "report.md").write_text("\n".join(md))
        results = {"title": self.title, "command": self.command, "headline": self.headline, **self.results}
        (out / "results.json").write_text(json.dumps(results, indent=1, default=_jsonable))
        return {"report": str(out / "report.md"), "plots": [str(out / n) for n in written if n],
                "headline": self.headline, "results": results}


def _draw(path: Path, draw, size) -> bool:
    try:
        from network.plot import load_pyplot
        plt = load_pyplot()
    except Exception:                       # matplotlib missing: the report says so, no plot
        return False
    fig = plt.figure(figsize=size)
    draw(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _jsonable(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, tuple):
        return list(x)
    return str(x)


def fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def pct(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{100 * x:+.{digits}f}%"


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
