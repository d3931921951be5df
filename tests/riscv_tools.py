"""The riscv64-unknown-elf toolchain as the RV32I program tests use it: the compiler (None
when it is not installed), the software kit's flags (hw/sdk/rv32i: crt0.S, link.ld with
the machine's ram as linker symbols, dcsim.h — the command `dcsim sdk rv32i` prints), the
test programs in tests/rv32i/, and a compile step that fails the calling test with the
compiler's messages."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cosim.kit import kit_command
from fastforward.riscv import DEFAULT_MACHINE
from spec import load_machine

GCC = shutil.which("riscv64-unknown-elf-gcc")
SRC = Path(__file__).parent / "rv32i"            # test programs and their runtime.c
KIT = Path(__file__).resolve().parent.parent / "hw" / "sdk" / "rv32i"
RV32I = ["-march=rv32i", "-mabi=ilp32"]


def kit_flags(**defines) -> list[str]:
    """Compiler flags and start file of the kit for hw/rv32i.yaml with `defines` (e.g.
    MEM_BYTES=1 << 16), with absolute paths: put sources, then "-lgcc", "-o", out after them."""
    info = kit_command(load_machine(DEFAULT_MACHINE, defines), relative=False)
    return [*info["flags"], "-fno-builtin", f"{info['kit']}/crt0.S"]


def run_riscv_gcc(args: list, cwd: Path):
    """Run riscv64-unknown-elf-gcc with `args` in `cwd`; a failure fails the test with gcc's stderr."""
    done = subprocess.run([GCC, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"riscv64-unknown-elf-gcc {' '.join(map(str, args))} failed:\n{done.stderr}")
