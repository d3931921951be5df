"""The malformed-input corpus: every file in tests/malformed/ must be rejected with a SpecError
at the exact line:col its header names, with a message containing the expected text.

Header convention (the header is line 1 of the file):
    # expect: LINE:COL: message substring
`*.yaml` files are machine files; `*.s` files are programs assembled against hw/npu.yaml,
except `rv32i_*.s`, assembled against hw/rv32i.yaml (its syntax templates: `addi x1, x0, 1`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from spec import Assembler, SpecError, load_machine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "malformed").glob("*.yaml")) + sorted((ROOT / "tests" / "malformed").glob("*.s"))
_EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")


def expectation(path: Path) -> tuple[int, int, str]:
    first = path.read_text().splitlines()[0]
    m = _EXPECT.match(first)
    assert m, f"{path.name}: the first line must be '# expect: LINE:COL: message'"
    return int(m.group(1)), int(m.group(2)), m.group(3).strip()


_MACHINES: dict = {}


def machine(name: str):
    if name not in _MACHINES:
        _MACHINES[name] = load_machine(ROOT / "hw" / f"{name}.yaml")
    return _MACHINES[name]


def npu():
    return machine("npu")


def target(path: Path):
    """The machine an assembly file of the corpus is written for."""
    return machine("rv32i" if path.name.startswith("rv32i_") else "npu")


def reject(path: Path) -> SpecError:
    """The SpecError `path` raises (any other exception, or none, fails the test)."""
    with pytest.raises(SpecError) as info:
        if path.suffix == ".s":
            Assembler(target(path)).assemble(path.read_text(), str(path))
        else:
            load_machine(path)
    return info.value


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_malformed_input_is_rejected_at_the_right_place(path: Path):
    line, col, message = expectation(path)
    err = reject(path)
    assert (err.loc.line, err.loc.col) == (line, col), \
        f"reported at {err.loc.line}:{err.loc.col}, expected {line}:{col}\n{err.render()}"
    assert message in err.message, f"message {err.message!r} lacks {message!r}"
    assert err.loc.path == str(path)
    rendered = err.render()
    assert rendered.startswith(f"{path}:{line}:{col}: error: "), rendered
    if err.hint:
        assert rendered.splitlines()[1] == f"  hint: {err.hint}"


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40
    assert sum(p.suffix == ".s" for p in CORPUS) >= 6
    assert sum(p.suffix == ".yaml" for p in CORPUS) >= 34


def test_most_errors_say_what_to_do_instead():
    with_hint = sum(1 for p in CORPUS if reject(p).hint)
    assert with_hint >= 0.8 * len(CORPUS), f"only {with_hint} of {len(CORPUS)} errors have a hint"


def test_npu_itself_is_valid():
    assert npu().name == "npu"
