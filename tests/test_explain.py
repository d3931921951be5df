"""`cosim.explain`: one instruction at every level, each line traceable to the spec or to
its line in the generated artifact. Pure Python generation (cached per machine), no builds."""
from functools import lru_cache
from pathlib import Path

import pytest

from cosim.explain import explain, format_explain
from fastforward.cgen import generate
from rtlgen.engine import generate_artifacts
from rtlgen.manifest import dumps
from spec import load_machine, load_machine_text
from spec.errors import DcsimError

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))
TITLES = ["YAML semantics, as written", "typed Spec IR", "generated C function", "FSMD states, one per clock cycle",
          "Verilog that implements it", "correspondence manifest entries of the state it reads or writes"]


@lru_cache(maxsize=None)
def machine(path: Path):
    return load_machine(path)


@pytest.mark.parametrize("name, instruction", [("npu", "COMPUTE"), ("rv32i", "ADD")])
def test_six_levels_each_line_where_it_comes_from(name, instruction):
    m = machine(ROOT / "hw" / f"{name}.yaml")
    levels = explain(m, instruction)
    assert [lv.title for lv in levels] == TITLES
    assert all(lv.lines for lv in levels)
    yaml, spec_ir, c, states, verilog, manifest = levels
    source = Path(m.path).read_text().splitlines()
    for where, text in yaml.lines:                    # the machine file's own lines, by number
        assert (where, text) == ("", "...") or source[int(where.split(":")[1]) - 1] == text
    assert any(text.strip() == f"{instruction}:" for _, text in yaml.lines)
    assert spec_ir.lines[0][1].startswith(f"instruction {instruction} ")
    assert all(where.startswith(f"{name}.yaml:") for where, _ in spec_ir.lines)
    assert any(text.startswith(f"static int exec_{instruction}(") for _, text in c.lines)
    assert states.lines[0][1].startswith(f"instruction {instruction}: ")
    art = generate_artifacts(m)
    for level, artifact in ((c, generate(m).source), (verilog, art.verilog), (manifest, dumps(art.manifest))):
        text_lines = artifact.splitlines()
        for where, text in level.lines:               # artifact lines quoted under their own numbers
            if where and not where.startswith(f"{name}.yaml:"):
                assert text_lines[int(where.rsplit(":", 1)[1]) - 1] == text
    entry = states.lines[0][1].split("entry ")[1]
    assert any(text.strip().startswith(f"{entry}: begin") for _, text in verilog.lines)
    assert any('"name": "x"' in text or '"name": "acc"' in text for _, text in manifest.lines)


@pytest.mark.parametrize("name, instruction", [("npu", "COMPUTE"), ("rv32i", "ADD")])
def test_explain_matches_golden(name, instruction, golden):
    text = format_explain(explain(machine(ROOT / "hw" / f"{name}.yaml"), instruction))
    golden(f"explain_{name}_{instruction}.txt", text.replace(str(ROOT) + "/", ""))


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.stem)
def test_every_catalogue_instruction_explains(path):
    m = machine(path)
    for instr in m.instructions:
        levels = explain(m, instr.name)
        assert [lv.title for lv in levels] == TITLES
        for lv in levels:
            assert lv.lines and lv.source != "not generated", (instr.name, lv.title)
        assert format_explain(levels).count("\n== ") == 5


def test_names_match_case_insensitively():
    m = machine(ROOT / "hw" / "npu.yaml")
    assert explain(m, "compute") == explain(m, "COMPUTE")


def test_unknown_instruction_is_a_clean_error_naming_the_instructions():
    with pytest.raises(DcsimError, match=r"no instruction 'MAC'.*COMPUTE"):
        explain(machine(ROOT / "hw" / "npu.yaml"), "MAC")


def test_a_level_the_hls_cannot_build_says_why_and_the_others_remain():
    text = (ROOT / "tests" / "catalogue" / "counter.yaml").read_text()
    m = load_machine_text(text + '  STOP: {format: CMD, match: {op: 4}, semantics: "halt(n)"}\n', "stop.yaml")
    levels = explain(m, "STOP")
    assert [lv.source for lv in levels[3:]] == ["not generated"] * 3
    assert "halt" in levels[3].lines[1][1]
    assert any("exec_STOP" in text for _, text in levels[2].lines)


def test_the_commands_print_and_fail_cleanly(capsys):
    import json

    from cosim.cli import main
    assert main(["explain", "hw/rv32i.yaml", "ADD"]) == 0
    text = capsys.readouterr().out
    assert "== 1. YAML semantics" in text and "x[rd] = x[rs1] + x[rs2]" in text and "dcsim_rv32i.v:" in text
    assert main(["explain", "npu", "COMPUTE", "--json"]) == 0
    levels = json.loads(capsys.readouterr().out)["levels"]
    assert len(levels) == 6 and all(level["lines"] for level in levels)
    assert main(["explain", "npu", "NOSUCH"]) == 2
    assert "COMPUTE" in capsys.readouterr().err
    assert main(["hls", "tests/catalogue/dsp.yaml", "--fsmd"]) == 0
    assert "instruction FIR" in capsys.readouterr().out
    assert main(["hls", "npu"]) == 2
    assert "--fsmd" in capsys.readouterr().err
