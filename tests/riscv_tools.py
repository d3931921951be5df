"""The riscv64-unknown-elf toolchain as the RV32I program tests use it: the compiler (None
when it is not installed), the sources in tests/rv32i/, the flags, and a compile step that
fails the calling test with the compiler's messages."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

GCC = shutil.which("riscv64-unknown-elf-gcc")
SRC = Path(__file__).parent / "rv32i"
RV32I = ["-march=rv32i", "-mabi=ilp32"]
CFLAGS = RV32I + ["-O2", "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns",
                  "-nostdlib", "-nostartfiles", "-Wl,--no-warn-rwx-segments"]


def run_riscv_gcc(args: list, cwd: Path):
    """Run riscv64-unknown-elf-gcc with `args` in `cwd`; a failure fails the test with gcc's stderr."""
    done = subprocess.run([GCC, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"riscv64-unknown-elf-gcc {' '.join(map(str, args))} failed:\n{done.stderr}")
