"""The RV32I software kit (hw/sdk/rv32i) and `dcsim sdk`: the README's three lines run as
written (print the kit, compile hello.c with it, run it), and the command follows the
machine file's parameters."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cosim.cli.run import EXIT_PROGRAM_NONZERO
from cosim.kit import kit_command
from fastforward.riscv import DEFAULT_MACHINE, run_program
from riscv_tools import GCC, run_riscv_gcc
from spec import load_machine
from spec.errors import DcsimError

REPO = Path(__file__).resolve().parent.parent
READMES = (REPO / "README.md", REPO / "hw" / "sdk" / "rv32i" / "README.md")

# `dcsim` as this interpreter runs it. `sdk` is added to the command table if cosim/cli/main.py
# does not list it yet, so that the README lines run before and after it is registered.
DCSIM = f"""#!{sys.executable}
import importlib, sys
from cosim.cli import sdk
main = importlib.import_module("cosim.cli.main")
if sdk not in main.COMMANDS:
    main.COMMANDS = (*main.COMMANDS, sdk)
sys.exit(main.main())
"""


def hello_example(readme: Path) -> tuple[str, list[str]]:
    """The C program and the three shell lines of the hello example in `readme`."""
    text = readme.read_text()
    m = re.search(r"```c\n(.*?#include \"dcsim.h\".*?)```.*?```sh\n(dcsim sdk rv32i .*?)```", text, re.S)
    assert m, f"{readme}: no hello.c example followed by the `dcsim sdk rv32i` lines"
    lines = [ln for ln in m.group(2).splitlines() if ln.strip()]
    assert len(lines) == 3, lines
    return m.group(1), lines


def dcsim_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "dcsim").write_text(DCSIM)
    (bin_dir / "dcsim").chmod(0o755)
    return bin_dir


def sh(line: str, cwd: Path, bin_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_printed_command_is_the_readme_line(tmp_path):
    bin_dir = dcsim_bin(tmp_path)
    r = sh("dcsim sdk rv32i --json", REPO, bin_dir)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["kit"] == "hw/sdk/rv32i" and {"crt0.S", "link.ld", "dcsim.h", "README.md"} <= set(info["files"])
    for readme in READMES:
        _, lines = hello_example(readme)
        assert lines[1] == info["command_line"], readme
        assert shlex.split(lines[2], comments=True) == shlex.split(info["run"])
    r = sh("dcsim sdk rv32i", REPO, bin_dir)
    assert r.returncode == 0 and f"compile: {info['command_line']}" in r.stdout
    r = sh("dcsim sdk rv32i -D MEM_BYTES=65536 --json", REPO, bin_dir)
    small = json.loads(r.stdout)
    assert small["ram_size"] == 65536 and "--defsym=__ram_size=0x10000" in small["command_line"]
    assert small["run"] == "dcsim run hw/rv32i.yaml -D MEM_BYTES=65536 --program hello.elf"
    r = sh("dcsim sdk npu", REPO, bin_dir)
    assert r.returncode == 2 and "accelerator" in r.stderr


@pytest.mark.riscv_gcc
@pytest.mark.skipif(GCC is None, reason="riscv64-unknown-elf-gcc is not installed")
@pytest.mark.parametrize("readme", READMES, ids=("README", "kit README"))
def test_readme_lines_run(tmp_path, readme):
    source, lines = hello_example(readme)
    (tmp_path / "hello.c").write_text(source)
    (tmp_path / "hw").symlink_to(REPO / "hw")          # the lines are written for the repository root
    bin_dir = dcsim_bin(tmp_path)
    done = [sh(line, tmp_path, bin_dir) for line in lines]
    assert done[0].returncode == 0 and "compile: " in done[0].stdout, done[0].stderr
    assert done[1].returncode == 0, done[1].stderr
    assert done[2].stdout.startswith("hello from rv32i\n"), done[2].stdout + done[2].stderr
    assert "exit code 3" in done[2].stdout and done[2].returncode == EXIT_PROGRAM_NONZERO


def test_ram_comes_from_the_machine_file():
    default = kit_command(load_machine(DEFAULT_MACHINE, {}))
    small = kit_command(load_machine(DEFAULT_MACHINE, {"MEM_BYTES": 1 << 16, "RAM_BASE": 0x1000_0000}))
    assert (default["ram_base"], default["ram_size"]) == (0x8000_0000, 1 << 22)
    assert (small["ram_base"], small["ram_size"]) == (0x1000_0000, 1 << 16)
    assert "--defsym=__ram_base=0x10000000,--defsym=__ram_size=0x10000" in small["command_line"]
    link = (REPO / "hw" / "sdk" / "rv32i" / "link.ld").read_text()
    assert "0x80000000" not in link and "ORIGIN = __ram_base, LENGTH = __ram_size" in link


def test_accelerators_have_no_kit():
    with pytest.raises(DcsimError, match="accelerator"):
        kit_command(load_machine(REPO / "hw" / "npu.yaml", {}))


@pytest.mark.riscv_gcc
@pytest.mark.skipif(GCC is None, reason="riscv64-unknown-elf-gcc is not installed")
def test_a_smaller_ram_moves_the_stack_and_overflows(tmp_path):
    src = tmp_path / "big.c"
    src.write_text('#include "dcsim.h"\nstatic char buf[40000];\n'
                   'int main(void) { buf[39999] = 5; write(1, "ok\\n", 3); return buf[39999]; }\n')
    machine = load_machine(DEFAULT_MACHINE, {"MEM_BYTES": 1 << 16})
    info = kit_command(machine, [str(src)], str(tmp_path / "big.elf"), relative=False)
    run_riscv_gcc(info["command"][1:], tmp_path)
    r = run_program(machine, tmp_path / "big.elf", 100_000)
    assert r.halted and r.exit_code == 5 and r.stdout == b"ok\n"
    tiny = kit_command(load_machine(DEFAULT_MACHINE, {"MEM_BYTES": 1 << 15}), [str(src)], "x.elf", relative=False)
    done = subprocess.run(tiny["command"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and "overflow" in done.stderr
