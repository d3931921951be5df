"""`extends:` (spec/extends.py): a machine file built on another.

What merges (params, state, formats, instructions, hls), what is refused (and where the
error points: the child's line, naming the parent's), that inherited items keep the
parent's locations (faults, generated code), that -D applies to the combined machine, and
that the digest follows every file of the chain. The malformed corpus (tests/malformed/
extends_*.yaml) pins the single-file error cases.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastforward.backends import make_simulator
from fastforward.riscv import attach_host, load_binary
from spec import Assembler, MachineFault, SpecError, load_machine, load_machine_text

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
machine: base
params: {N: 4, LIMIT: 100}
state:
  acc: {reg: u32}
  buf: {mem: u8, shape: [N]}
queue: {width: 32}
formats:
  OP: {fields: {op: [7, 0], v: [31, 8]}}
instructions:
  ADD:
    format: OP
    match: {op: 1}
    semantics: |
      assert acc + v <= LIMIT, "acc would pass LIMIT"
      acc += v
  CLEAR: {format: OP, match: {op: 2, v: 0}, semantics: "acc = 0"}
hls:
  units: {alu: {queue_depth: 2}}
"""

CHILD = """\
machine: child
extends: base.yaml
params: {LIMIT: 1000, STEP: 3}
state:
  acc: {reg: u32}
  extra: {reg: u16}
instructions:
  CLEAR:
    override: true
    format: OP
    match: {op: 2, v: 0}
    semantics: |
      acc = 0
      extra = STEP
  TRIPLE: {format: OP, match: {op: 3}, semantics: "acc = acc * 3"}
hls:
  units: {mover: {}}
  banks: {buf: 2}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "child.yaml").write_text(CHILD)
    return tmp_path


def child_with(tmp_path, text: str, name: str = "child.yaml") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path / name


def error_of(path: Path, overrides=None) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_machine(path, overrides)
    return info.value


# ----------------------------------------------------------------- merging
def test_child_adds_overrides_and_inherits(files):
    m = load_machine(files / "child.yaml")
    assert m.name == "child" and dict(m.params) == {"N": 4, "LIMIT": 1000, "STEP": 3}
    assert [s.name for s in m.state] == ["acc", "buf", "extra"]
    assert [i.name for i in m.instructions] == ["ADD", "CLEAR", "TRIPLE"]
    add, clear, triple = m.instructions
    assert (add.opcode_index, clear.opcode_index, triple.opcode_index) == (0, 1, 2)   # override keeps its place
    assert add.loc.path == str(files / "base.yaml") and add.loc.line == 10
    assert clear.loc.path == str(files / "child.yaml") and "extra = STEP" in clear.source
    assert triple.format.loc.path == str(files / "base.yaml")          # an inherited format
    assert [u.name for u in m.hls.units] == ["alu", "mover"] and dict(m.hls.banks) == {"buf": 2}


def test_overridden_param_reaches_inherited_semantics(files):
    sim = make_simulator(load_machine(files / "child.yaml"), "py")
    sim.push([1 | (500 << 8)])                # ADD 500: over the parent's LIMIT, under the child's
    sim.run()
    assert int(sim.state["acc"]) == 500
    sim = make_simulator(load_machine(files / "base.yaml"), "py")
    sim.push([1 | (500 << 8)])
    with pytest.raises(MachineFault) as err:
        sim.run()
    assert err.value.loc.path == str(files / "base.yaml") and err.value.loc.line == 14


def test_inherited_assert_faults_at_the_parents_line(files):
    sim = make_simulator(load_machine(files / "child.yaml"), "py")
    sim.push([1 | (1001 << 8)])
    with pytest.raises(MachineFault) as err:
        sim.run()
    assert (Path(err.value.loc.path).name, err.value.loc.line) == ("base.yaml", 14)


@pytest.mark.cc
def test_inherited_fault_in_c_names_the_parent_too(files):
    sim = make_simulator(load_machine(files / "child.yaml"), "c")
    sim.push([1 | (1001 << 8)])
    with pytest.raises(MachineFault) as err:
        sim.run()
    assert (Path(err.value.loc.path).name, err.value.loc.line) == ("base.yaml", 14)


def test_overrides_apply_to_the_combined_machine(files):
    m = load_machine(files / "child.yaml", {"N": 8, "STEP": 5, "LIMIT": 7})
    assert dict(m.params) == {"N": 8, "LIMIT": 7, "STEP": 5}
    assert next(s for s in m.state if s.name == "buf").shape == (8,)
    with pytest.raises(Exception, match="unknown parameter 'NOPE'"):
        load_machine(files / "child.yaml", {"NOPE": 1})


def test_rv32im_fault_in_an_inherited_jump_names_rv32i():
    m = load_machine(ROOT / "hw" / "rv32im.yaml", {"MEM_BYTES": 4096})
    sim = make_simulator(m, "py")
    load_binary(sim, Assembler(m).assemble("jal x0, 6").to_bytes())
    attach_host(sim)
    with pytest.raises(MachineFault) as err:
        sim.run(5)
    assert Path(err.value.loc.path).name == "rv32i.yaml" and "misaligned" in str(err.value)


def test_generated_code_names_the_file_of_each_instruction():
    from fastforward.cgen import generate as generate_c
    from hls import schedule_machine, verify
    from rtlgen.verilog import generate
    m = load_machine(ROOT / "hw" / "rv32im.yaml", {"MEM_BYTES": 4096})
    verilog = generate(verify(schedule_machine(m)))
    add = next(i for i in m.instructions if i.name == "ADD")
    mul = next(i for i in m.instructions if i.name == "MUL")
    assert f"// ADD, rv32i.yaml:{add.loc.line}:{add.loc.col}" in verilog
    assert f"// MUL, rv32im.yaml:{mul.loc.line}:{mul.loc.col}" in verilog
    c = generate_c(m).source
    assert f"ADD (rv32i.yaml:{add.loc.line})" in c and f"MUL (rv32im.yaml:{mul.loc.line})" in c


def test_chains_of_two_levels(files):
    child_with(files, "machine: grandchild\nextends: child.yaml\nparams: {STEP: 9}\n"
               "instructions:\n  HALT: {format: OP, match: {op: 4}, semantics: 'halt(extra)'}\n", "grand.yaml")
    m = load_machine(files / "grand.yaml")
    assert [i.name for i in m.instructions] == ["ADD", "CLEAR", "TRIPLE", "HALT"]
    assert dict(m.params)["STEP"] == 9 and dict(m.params)["LIMIT"] == 1000
    assert [Path(i.loc.path).name for i in m.instructions] == ["base.yaml", "child.yaml", "child.yaml", "grand.yaml"]


def test_identical_state_redeclaration_is_allowed_and_keeps_the_parents(files):
    m = load_machine(files / "child.yaml")
    acc = next(s for s in m.state if s.name == "acc")
    assert Path(acc.loc.path).name == "base.yaml"


def test_hls_dram_entries_merge(files):
    (files / "base.yaml").write_text(BASE.replace("hls:\n", "hls:\n  dram: {t_hit: 10, t_miss: 30}\n"))
    child_with(files, CHILD.replace("  banks: {buf: 2}\n", "  banks: {buf: 2}\n  dram: {t_miss: 50}\n"))
    assert dict(load_machine(files / "child.yaml").hls.dram) == {"t_hit": 10, "t_miss": 50}


# ----------------------------------------------------------- the digest
def test_digest_follows_the_parent_file(files):
    before = load_machine(files / "child.yaml").digest
    (files / "base.yaml").write_text(BASE + "# a comment changes the text\n")
    after = load_machine(files / "child.yaml").digest
    assert before != after
    assert load_machine(files / "child.yaml").digest == after          # and is stable


def test_digest_does_not_depend_on_the_spelling_of_the_path(files, monkeypatch):
    (files / "sub").mkdir()
    monkeypatch.chdir(files)
    assert load_machine("child.yaml").digest == load_machine(files / "sub" / ".." / "child.yaml").digest


def test_a_plain_machine_keeps_its_digest():
    # the formula from before extends existed: the golden Verilog headers carry it
    import hashlib
    text = (ROOT / "hw" / "rv32i.yaml").read_text()
    m = load_machine_text(text, "rv32i.yaml")
    old = hashlib.sha256(("\n".join(text.splitlines()) + repr(sorted(m.params))).encode()).hexdigest()
    assert m.digest == old


# ------------------------------------------------------------------ errors
def test_an_instruction_defined_twice_needs_override(files):
    child_with(files, CHILD.replace("    override: true\n", ""))
    err = error_of(files / "child.yaml")
    assert (Path(err.loc.path).name, err.loc.line, err.loc.col) == ("child.yaml", 8, 3)
    assert "inherited from base.yaml:16:3" in err.message and "override: true" in err.hint


def test_override_false_is_the_same_as_none(files):
    child_with(files, CHILD.replace("override: true", "override: false"))
    assert "inherited from base.yaml" in error_of(files / "child.yaml").message


def test_state_of_another_type_is_refused_at_the_childs_line(files):
    child_with(files, CHILD.replace("acc: {reg: u32}", "acc: {reg: u64}"))
    err = error_of(files / "child.yaml")
    assert (Path(err.loc.path).name, err.loc.line) == ("child.yaml", 5)
    assert "inherited from base.yaml:4:3" in err.message and "{reg: u64}" in err.message


def test_a_cycle_through_two_files(files):
    child_with(files, "machine: a\nextends: b.yaml\n", "a.yaml")
    child_with(files, "machine: b\nextends: a.yaml\n", "b.yaml")
    err = error_of(files / "a.yaml")
    assert "makes a cycle" in err.message and Path(err.loc.path).name == "b.yaml" and err.loc.line == 2


def test_a_missing_parent_is_reported_at_the_extends_line(files):
    child_with(files, CHILD.replace("extends: base.yaml", "extends: nowhere/base.yaml"))
    err = error_of(files / "child.yaml")
    assert (Path(err.loc.path).name, err.loc.line, err.loc.col) == ("child.yaml", 2, 10)
    assert "cannot extend 'nowhere/base.yaml'" in err.message


def test_an_unreadable_parent_is_reported_at_the_extends_line(files):
    (files / "dir.yaml").mkdir()
    child_with(files, CHILD.replace("extends: base.yaml", "extends: dir.yaml"))
    err = error_of(files / "child.yaml")
    assert (Path(err.loc.path).name, err.loc.line) == ("child.yaml", 2)


def test_an_error_inside_the_parent_points_into_the_parent(files):
    (files / "base.yaml").write_text(BASE.replace("acc += v", "acc += nope"))
    err = error_of(files / "child.yaml")
    assert Path(err.loc.path).name == "base.yaml" and err.loc.line == 15 and "unknown name 'nope'" in err.message


def test_a_bad_byte_in_the_parent_points_into_the_parent(files):
    (files / "base.yaml").write_bytes(BASE.encode() + b"# \xff\n")
    err = error_of(files / "child.yaml")
    assert Path(err.loc.path).name == "base.yaml" and "UTF-8" in err.message


def test_unit_redeclared_and_queue_redeclared(files):
    child_with(files, CHILD.replace("mover: {}", "alu: {}"))
    assert "unit 'alu' is inherited from base.yaml" in error_of(files / "child.yaml").message
    child_with(files, CHILD.replace("params:", "queue: {width: 64}\nparams:"))
    err = error_of(files / "child.yaml")
    assert "'queue' is inherited" in err.message and err.loc.line == 3


def test_cli_reports_a_bad_extends_with_exit_status_2(files):
    child_with(files, CHILD.replace("    override: true\n", ""))
    done = subprocess.run([sys.executable, "-m", "cosim.cli", "check", str(files / "child.yaml")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert f"{files / 'child.yaml'}:8:3: error: instruction 'CLEAR' is inherited from base.yaml:16:3" in \
        done.stdout + done.stderr


def test_explain_shows_each_line_from_its_own_file():
    from cosim.explain import explain
    m = load_machine(ROOT / "hw" / "rv32im.yaml", {"MEM_BYTES": 4096})
    yaml_level = explain(m, "MUL")[0]
    files = {where.split(":")[0] for where, _ in yaml_level.lines if where}
    assert files == {"rv32i.yaml", "rv32im.yaml"}          # the inherited format R, the new instruction
    lines = dict(yaml_level.lines)
    assert "R:" in lines["rv32i.yaml:39"] and "MUL:" in lines[f"rv32im.yaml:{m.instruction('MUL').loc.line}"]
    add = explain(m, "ADD")[0]
    assert {where.split(":")[0] for where, _ in add.lines if where} == {"rv32i.yaml"}
