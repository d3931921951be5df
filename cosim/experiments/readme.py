"""Regenerate the README's "Results" section from --quick runs of the three studies.

    python -m cosim.experiments.readme

Reports and plots go to docs/results/<name>/; the section in README.md between the
`results:start` and `results:end` markers is replaced, naming the command that
reproduces each table.
"""
from __future__ import annotations

from pathlib import Path

from .report import markdown_table
from .runner import NAMES, run_experiment

REPO = Path(__file__).resolve().parent.parent.parent
START, END = "<!-- results:start -->", "<!-- results:end -->"


def results_section() -> str:
    parts = ["Generated from `--quick` runs by `python -m cosim.experiments.readme`; full runs "
             "(`dcsim experiment NAME --out DIR` without `--quick`) take minutes and give the numbers in each "
             "report. Every study writes `report.md`, `results.json` and PNG plots.\n"]
    for name in NAMES:
        out = REPO / "docs" / "results" / name
        r = run_experiment(name, out, quick=True)
        parts.append(f"### `{name}`: {r['results']['title']}\n")
        parts.append(f"`dcsim experiment {name} --out results/{name} --quick`\n")
        parts.append(markdown_table(["", "value"], [[k, v] for k, v in r["headline"].items()]))
        for plot in r["plots"][:1]:
            parts.append(f"![{name}]({Path(plot).resolve().relative_to(REPO).as_posix()})\n")
    return "\n".join(parts)


def main() -> Path:
    readme = REPO / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{results_section()}\n{END}{tail}")
    return readme


if __name__ == "__main__":
    print(main())
