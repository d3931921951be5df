"""The code blocks of docs/*.md run: every fenced block is marked with what checks it.

A marker is an HTML comment on the line before the block:

    <!-- test: file NAME -->              the block is written to NAME in the page's folder;
                                          a NAME.yaml is checked as `dcsim check` checks it
    <!-- test: sh -->                     every line is a `dcsim ...` command, run in the page's
                                          folder; it must exit 0, or N when the line's comment
                                          says "exit status N"; when the comment says prints
                                          "TEXT" (one or more), the output must contain TEXT
    <!-- test: semantics MACHINE -->      the block is the semantics of an instruction added to
                                          MACHINE (a file of the page); it must check
    <!-- test: semantics-error MACHINE "TEXT" -->   ... and must fail with TEXT in the message
    <!-- test: types MACHINE -->          lines `EXPR  # TYPE` or `EXPR  # error: TEXT`: the type
                                          the checker gives `t = EXPR` in MACHINE
    <!-- test: python -->                 run with Python in the page's folder

```text blocks without a marker are diagrams, schemas or output and are not run; any other
block without a marker fails the test. Blocks run in page order, so a later block may use
files an earlier one wrote.
"""
from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path

import pytest

from cosim.cli import main as dcsim_main
from spec import ir
from spec.errors import SpecError
from spec.loader import load_machine_text

REPO = Path(__file__).resolve().parent.parent
PAGES = ("design.md", "language.md", "workloads.md", "software.md", "rtl.md", "hardware.md")
BLOCK = re.compile(r"(?:<!--\s*test:\s*(?P<marker>.*?)\s*-->\s*\n)?^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```\s*$",
                   re.S | re.M)


def blocks(page: str):
    """(line, marker or None, language, body) of every fenced block of docs/`page`."""
    text = (REPO / "docs" / page).read_text()
    for m in BLOCK.finditer(text):
        yield text.count("\n", 0, m.start("lang")) + 1, m.group("marker"), m.group("lang"), m.group("body")


def with_instruction(machine_text: str, semantics: str) -> str:
    """`machine_text` (whose `instructions:` section comes last, its first format named in
    the first instruction) plus an instruction T running `semantics` with operands free."""
    fmt = re.search(r"^    format: (\w+)", machine_text, re.M).group(1)
    body = "".join(f"      {line}\n" for line in semantics.splitlines())
    return machine_text.rstrip("\n") + f"\n  T:\n    format: {fmt}\n    match: {{op: 15}}\n    semantics: |\n{body}"


def run_dcsim(line: str, capsys) -> tuple[int, str]:
    argv = shlex.split(line, comments=True)
    assert argv and argv[0] == "dcsim", f"not a dcsim command: {line}"
    code = dcsim_main(argv[1:])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("page", PAGES)
def test_every_block_of_the_page_runs(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "hw").symlink_to(REPO / "hw")
    ran = 0
    for line, marker, lang, body in blocks(page):
        where = f"docs/{page}:{line}"
        if marker is None:
            assert lang == "text", f"{where}: a ```{lang} block without a <!-- test: ... --> marker"
            continue
        kind, _, rest = marker.partition(" ")
        ran += 1
        if kind == "file":
            name = rest.strip()
            (tmp_path / name).write_text(body)
            if name.endswith(".yaml"):
                code, out = run_dcsim(f"dcsim check {name}", capsys)
                assert code == 0, f"{where}: {out}"
        elif kind == "sh":
            for cmd in body.splitlines():
                if not cmd.strip() or cmd.lstrip().startswith("#"):
                    continue
                want = re.search(r"exit status (\d+)", cmd)
                code, out = run_dcsim(cmd, capsys)
                assert code == (int(want.group(1)) if want else 0), f"{where}: {cmd}\n{out}"
                comment = cmd.partition("#")[2]
                for text in re.findall(r'"([^"]+)"', comment) if "prints" in comment else ():
                    assert " ".join(text.split()) in " ".join(out.split()), \
                        f"{where}: {cmd}: no '{text}' in the output\n{out}"
        elif kind in ("semantics", "semantics-error"):
            machine, _, expect = rest.partition(" ")
            text = with_instruction((tmp_path / machine).read_text(), body)
            if kind == "semantics":
                load_machine_text(text, machine)
            else:
                with pytest.raises(SpecError) as err:
                    load_machine_text(text, machine)
                assert expect.strip('"') in err.value.render(), f"{where}: {err.value.render()}"
        elif kind == "types":
            base = (tmp_path / rest.strip()).read_text()
            for expr_line in body.splitlines():
                expr, _, want = expr_line.partition("#")
                assert want.strip(), f"{where}: '{expr_line}' says no type"
                check_type(base, expr.strip(), want.strip(), where)
        elif kind == "python":
            (tmp_path / "block.py").write_text(body)
            runpy.run_path(str(tmp_path / "block.py"), run_name="__main__")
        else:
            pytest.fail(f"{where}: unknown marker '{marker}'")
    assert ran, f"docs/{page} has no tested blocks"


def check_type(base: str, expr: str, want: str, where: str):
    text = with_instruction(base, f"t = {expr}")
    if want.startswith("error:"):
        with pytest.raises(SpecError) as err:
            load_machine_text(text, "types.yaml")
        assert want[6:].strip() in err.value.render(), f"{where}: {expr}: {err.value.render()}"
        return
    machine = load_machine_text(text, "types.yaml")
    stmt = next(i for i in machine.instructions if i.name == "T").body[0]
    assert isinstance(stmt, ir.Assign)
    assert str(stmt.target.type) == want, f"{where}: {expr} is {stmt.target.type}, the page says {want}"


def test_the_readme_links_the_pages():
    readme = (REPO / "README.md").read_text()
    for page in PAGES:
        assert f"(docs/{page})" in readme
        assert (REPO / "docs" / page).is_file()
    assert "(hw/sdk/rv32i/README.md)" in readme


def test_links_between_pages_resolve():
    for page in PAGES:
        text = (REPO / "docs" / page).read_text()
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
            assert (REPO / "docs" / target).resolve().exists(), f"docs/{page} links to missing {target}"
