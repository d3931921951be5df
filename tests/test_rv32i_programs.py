"""Real RV32I programs (C compiled with riscv64-unknown-elf-gcc) on the functional simulator.

They are built with the software kit hw/sdk/rv32i (crt0.S: sp at the top of ram, call main,
exit via ecall 93; link.ld: ram base and size from hw/rv32i.yaml as linker symbols). The
sources are in tests/rv32i/: runtime.c (putchar/puts/print_int over the write system call)
and one C file per program. Multiplication and division come from the rv32i/ilp32 libgcc.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from fastforward.riscv import ProgramLoadError, attach_host, load_elf, run_program, rv32i_machine
from fastforward.sim import Simulator
from riscv_tools import GCC, RV32I, SRC, kit_flags, run_riscv_gcc
from spec import Assembler

OBJCOPY = shutil.which("riscv64-unknown-elf-objcopy")
PROGRAMS = ("fib", "sort", "crc", "tohost")
LIMIT = 2_000_000

pytestmark = [pytest.mark.riscv_gcc,
              pytest.mark.skipif(GCC is None, reason="riscv64-unknown-elf-gcc is not installed")]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("rv32i")
    elves = {}
    for name in PROGRAMS:
        elf = out / f"{name}.elf"
        run_riscv_gcc([*kit_flags(), SRC / "runtime.c", SRC / f"{name}.c", "-lgcc", "-o", elf], out)
        elves[name] = elf
    return elves


@pytest.fixture(scope="module")
def machine():
    return rv32i_machine()


def test_fib(build, machine):
    r = run_program(machine, build["fib"], LIMIT)
    fibs = [0, 1]
    while len(fibs) < 25:
        fibs.append(fibs[-1] + fibs[-2])
    poly = sum(i ** 3 - 3 * i * i + 7 for i in range(-25, 26))
    expected = ("fibonacci\n" + " ".join(map(str, fibs)) + "\n"
                f"sum={sum(fibs)}\npoly={poly}\ndivmod=-142857 -1\nmin=-2147483648\n")
    assert r.halted and r.exit_code == sum(fibs) % 256
    assert r.stdout.decode() == expected
    assert sum(r.counts.values()) == r.instructions
    assert r.counts["ECALL"] > 25 and "SUB" in r.counts


def test_sort(build, machine):
    seed, data = 12345, []
    for _ in range(48):
        seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
        data.append(((seed >> 16) & 0x7FFF) - 16384)
    data.sort()
    checksum = 0
    for v in data:
        checksum = (checksum * 31 + v) & 0xFFFFFFFF
    r = run_program(machine, build["sort"], LIMIT)
    assert r.halted and r.exit_code == checksum & 0xFF
    assert r.stdout.decode() == ("sorted: " + " ".join(str(v) for v in data[::8]) + "\n"
                                 f"checksum={checksum:#010x}\n")


def test_crc_and_strings(build, machine):
    r = run_program(machine, build["crc"], LIMIT)
    fox = "The quick brown fox jumps over the lazy dog"
    assert r.halted and r.exit_code == 0
    assert r.stdout.decode() == ("crc(fox)=0x414fa339\ncrc(123456789)=0xcbf43926\n"
                                 f"{fox[::-1]}\nvowels={sum(c in 'aeiou' for c in fox)}\n")
    assert r.stderr == b"done\n"


def test_tohost_exit_from_c(build, machine):
    sim = Simulator(machine)
    program = load_elf(sim, build["tohost"])
    assert program.tohost is not None and program.tohost % 8 == 0
    assert program.entry == 0x80000000 == sim.pc
    host = attach_host(sim, program)
    sim.run(LIMIT)
    assert sim.halted and sim.exit_code == 42
    assert host.stdout == b"exit via tohost\n"


def test_elf_loader_zeroes_bss_and_runs_on_dirty_ram(build, machine):
    sim = Simulator(machine)
    sim.state["ram"][:] = 0xAA
    program = load_elf(sim, build["crc"])
    (addr, filesz, memsz), = program.segments
    assert memsz > filesz                                         # crc.c has a .bss buffer
    base = addr - 0x80000000
    assert not np.any(sim.state["ram"][base + filesz:base + memsz])
    host = attach_host(sim, program)
    sim.run(LIMIT)
    assert sim.exit_code == 0 and host.stdout.startswith(b"crc(fox)=0x414fa339")


def test_max_instructions_stops_early(build, machine):
    r = run_program(machine, build["sort"], 500)
    assert not r.halted and r.exit_code is None and r.instructions == 500


def test_flat_binary(build, machine, tmp_path):
    if OBJCOPY is None:
        pytest.skip("riscv64-unknown-elf-objcopy is not installed")
    flat = tmp_path / "fib.bin"
    subprocess.run([OBJCOPY, "-O", "binary", build["fib"], flat], check=True)
    r = run_program(machine, flat, LIMIT)
    assert r.exit_code == run_program(machine, build["fib"], LIMIT).exit_code
    assert r.stdout.startswith(b"fibonacci\n0 1 1 2 3 5 8")


def test_loader_rejects_foreign_elves(machine, tmp_path):
    src = tmp_path / "spin.S"
    src.write_text(".globl _start\n_start: j _start\n")
    rv64 = tmp_path / "rv64.elf"
    run_riscv_gcc(["-march=rv64i", "-mabi=lp64", "-nostdlib", "-nostartfiles", "-Wl,-Ttext=0x80000000", src,
                   "-o", rv64], tmp_path)
    with pytest.raises(ProgramLoadError, match="64-bit"):
        load_elf(Simulator(machine), rv64)
    low = tmp_path / "low.elf"
    run_riscv_gcc([*RV32I, "-nostdlib", "-nostartfiles", "-Wl,-Ttext=0x10000", src, "-o", low], tmp_path)
    with pytest.raises(ProgramLoadError, match="does not fit in ram"):
        load_elf(Simulator(machine), low)
    with open(sys.executable, "rb") as f:
        if f.read(4) == b"\x7fELF":
            with pytest.raises(ProgramLoadError, match="not RISC-V"):
                load_elf(Simulator(machine), sys.executable)


GNU_VS_OURS = """
start:
    lui x5, 0x12345
    auipc x6, 0xfffff
    jal x1, fwd
    jalr x2, -12(x3)
    beq x1, x2, start
    bne x3, x4, fwd
    blt x5, x6, start
    bge x7, x8, fwd
    bltu x9, x10, start
    bgeu x11, x12, fwd
    lb x13, -1(x14)
    lh x15, 2047(x16)
    lw x17, -2048(x18)
    lbu x19, 7(x20)
    lhu x21, 0(x22)
    sb x23, -5(x24)
    sh x25, 1023(x26)
    sw x27, -2048(x28)
    addi x29, x30, -2048
    slti x31, x1, 2047
    sltiu x2, x3, -1
    xori x4, x5, -1
    ori x6, x7, 0x555
    andi x8, x9, 255
    slli x10, x11, 31
    srli x12, x13, 1
    srai x14, x15, 17
    add x16, x17, x18
    sub x19, x20, x21
    sll x22, x23, x24
    slt x25, x26, x27
    sltu x28, x29, x30
    xor x31, x1, x2
    srl x3, x4, x5
    sra x6, x7, x8
    or x9, x10, x11
    and x12, x13, x14
    ecall
    ebreak
fwd:
    fence {iorw}, {iorw}
    fence {r}, {w}
"""


def test_encodings_agree_with_gnu_as(machine, tmp_path):
    if OBJCOPY is None:
        pytest.skip("riscv64-unknown-elf-objcopy is not installed")
    src = tmp_path / "all.S"
    src.write_text(".option norelax\n.globl _start\n_start:\n"
                   + GNU_VS_OURS.format(iorw="iorw", r="r", w="w"))
    elf, binary = tmp_path / "all.elf", tmp_path / "all.bin"
    run_riscv_gcc([*RV32I, "-nostdlib", "-nostartfiles", "-Wl,-Ttext=0x80000000", src, "-o", elf], tmp_path)
    subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", elf, binary], check=True)
    data = binary.read_bytes()
    gnu = tuple(int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4))
    asm = Assembler(machine)
    ours = asm.assemble(GNU_VS_OURS.format(iorw=15, r=2, w=1)).words
    assert len(gnu) == len(ours)
    for g, o in zip(gnu, ours):
        assert g == o, f"GNU {g:#010x} ({asm.disassemble(g)}) vs ours {o:#010x} ({asm.disassemble(o)})"
