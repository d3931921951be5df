"""Regenerate the README's "Results" section from full runs of the three studies.

    python -m cosim.experiments.readme            # full runs (the numbers the README shows)
    python -m cosim.experiments.readme --quick    # reduced runs (seconds; for tests and drafts)

Reports and plots go to docs/results/<name>/; the section in README.md between the
`results:start` and `results:end` markers is replaced. The section states the date, the
machine (cores, CPU model), the command that regenerated it, each study's own command
and its wall time, so a reader can tell which run the numbers come from.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

from .report import markdown_table
from .runner import NAMES, run_experiment

REPO = Path(__file__).resolve().parent.parent.parent
START, END = "<!-- results:start -->", "<!-- results:end -->"


def machine_description() -> str:
    """'N cores, CPU model' of this machine (CPU model from /proc/cpuinfo, else `platform`)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    return f"{cores} cores, {model}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def study_command(name: str, quick: bool) -> str:
    return f"dcsim experiment {name} --out docs/results/{name}" + (" --quick" if quick else "")


def results_section(quick: bool = False, out_root: Path | None = None, log=None) -> str:
    """Run the studies (full unless `quick`) into `out_root`/<name> and return the
    Markdown of the README section."""
    out_root = Path(out_root) if out_root is not None else REPO / "docs" / "results"
    log = log or (lambda msg: None)
    started = datetime.datetime.now(datetime.timezone.utc)
    regen = "python -m cosim.experiments.readme" + (" --quick" if quick else "")
    studies = []
    for name in NAMES:
        log(f"{name}: running ({'quick' if quick else 'full'})")
        t0 = time.perf_counter()
        r = run_experiment(name, out_root / name, quick=quick, log=lambda m, n=name: log(f"{n}: {m}"))
        seconds = time.perf_counter() - t0
        log(f"{name}: done in {seconds:.0f} s")
        studies.append((name, r, seconds))
    kind = "reduced `--quick` runs (not the full studies)" if quick else "full runs (not `--quick`)"
    parts = [f"Generated on {started:%Y-%m-%d %H:%M} UTC from {kind} on {machine_description()}, by\n\n"
             f"```sh\n{regen}\n```\n\n"
             "which runs the studies below one after the other (each is also its own command) and "
             "rewrites this section and `docs/results/`. Every study writes `report.md` (all tables), "
             "`results.json` and PNG plots into `docs/results/NAME/`. Wall times are this run's, with whatever the "
             "cache (`~/.cache/dcsim` or `$DCSIM_CACHE`) already held: full-RTL truths, kernel measurements and "
             "Verilated builds are cached by content, so a first run on a fresh machine takes longer (the "
             "sampling report's `full RTL s` column is the wall time measured when each truth was computed).\n",
             markdown_table(["study", "command", "wall time"],
                            [[f"`{n}`", f"`{study_command(n, quick)}`", _duration(s)] for n, _, s in studies])]
    for name, r, seconds in studies:
        parts.append(f"### `{name}`: {r['results']['title']}\n")
        parts.append(f"`{study_command(name, quick)}` ({_duration(seconds)}); full report: "
                     f"[docs/results/{name}/report.md](docs/results/{name}/report.md)\n")
        parts.append(markdown_table(["", "value"], [[k, v] for k, v in r["headline"].items()]))
        for plot in r["plots"][:1]:
            parts.append(f"![{name}]({_relative(Path(plot))})\n")
    return "\n".join(parts)


def _relative(path: Path) -> str:
    path = path.resolve()
    try:
        return path.relative_to(REPO).as_posix()
    except ValueError:
        return path.as_posix()


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def replace_section(text: str, section: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{section}\n{END}{tail}"


def main(argv: list[str] | None = None) -> Path:
    p = argparse.ArgumentParser(prog="python -m cosim.experiments.readme", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="reduced runs (seconds) instead of the full studies")
    p.add_argument("--readme", type=Path, default=REPO / "README.md", help="the README to rewrite")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "results", help="where the studies write")
    args = p.parse_args(argv)
    text = args.readme.read_text()
    replace_section(text, "")                   # fail before the runs if the markers are missing
    log = lambda msg: print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)
    section = results_section(args.quick, args.out, log)
    args.readme.write_text(replace_section(args.readme.read_text(), section))
    return args.readme


if __name__ == "__main__":
    print(main())
