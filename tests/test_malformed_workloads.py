"""The malformed workload-file corpus: every YAML in tests/malformed_workloads/ must be rejected
with a SpecError at the exact line:col its header names, with a message containing the text.

Header convention (line 1 of the file):
    # expect: LINE:COL: message substring           the error is in the workload file itself
    # expect: FILE:LINE:COL: message substring      ... in FILE, next to it (an assembly file)
Files named `npu_*.yaml` are workloads for hw/npu.yaml, the others for the catalogue machine
tests/catalogue/vadd.yaml. The .npy/.bin/.s/.txt files beside them are the data they name.
Through the command line (`dcsim run`) each is an error at that place and exit status 2.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cosim.cli.main import main as dcsim_main
from fastforward.workloads import workload_from_file
from spec import SpecError, load_machine

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "malformed_workloads"
CORPUS = sorted(FOLDER.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (?:(?P<file>[^:\s]+):)?(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
_MACHINES: dict = {}


def machine_for(path: Path):
    key = "npu" if path.name.startswith("npu_") else "vadd"
    if key not in _MACHINES:
        _MACHINES[key] = load_machine(ROOT / "hw" / "npu.yaml" if key == "npu" else ROOT / "tests" / "catalogue" /
                                      "vadd.yaml")
    return _MACHINES[key]


def expectation(path: Path) -> tuple[Path, int, int, str]:
    m = _EXPECT.match(path.read_text().splitlines()[0])
    assert m, f"{path.name}: the first line must be '# expect: [FILE:]LINE:COL: message'"
    where = path.parent / m.group("file") if m.group("file") else path
    return where, int(m.group("line")), int(m.group("col")), m.group("message").strip()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_malformed_workload_is_rejected_at_the_right_place(path: Path):
    where, line, col, message = expectation(path)
    with pytest.raises(SpecError) as info:
        workload_from_file(path, machine_for(path))
    err = info.value
    assert (err.loc.path, err.loc.line, err.loc.col) == (str(where), line, col), \
        f"reported at {err.loc}, expected {where}:{line}:{col}\n{err.render()}"
    assert message in err.message, f"message {err.message!r} lacks {message!r}"


@pytest.mark.parametrize("name", ["unknown_state.yaml", "binary_length.yaml", "npu_dram_address_out_of_range.yaml",
                                  "inline_unknown_instruction.yaml"])
def test_the_command_line_reports_it_and_exits_2(name, capsys):
    path = FOLDER / name
    where, line, col, message = expectation(path)
    spec = "npu" if name.startswith("npu_") else str(ROOT / "tests" / "catalogue" / "vadd.yaml")
    assert dcsim_main(["run", spec, "--workload", str(path), "--backend", "py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{where}:{line}:{col}: error: ") and message in err, err


def test_a_missing_workload_file_exits_2(tmp_path, capsys):
    assert dcsim_main(["run", "npu", "--workload", str(tmp_path / "none.yaml"), "--json"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_corpus_is_large_enough_and_mostly_hinted():
    assert len(CORPUS) >= 15
    hinted = 0
    for path in CORPUS:
        with pytest.raises(SpecError) as info:
            workload_from_file(path, machine_for(path))
        hinted += bool(info.value.hint)
    assert hinted >= 0.6 * len(CORPUS), f"only {hinted} of {len(CORPUS)} errors have a hint"
