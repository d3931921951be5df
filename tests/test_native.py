"""The native backend (programs translated to C through the Spec IR) against the C and
Python backends: random RV32I programs with loops, indirect jumps, self-modifying stores,
host calls and stops at random instruction counts give the same state, counters, retired
count, exit code and faults on all three."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward.backends import make_simulator
from fastforward.csim import CSimulator
from fastforward.native import NativeSimulator
from fastforward.riscv import Host, attach_host, load_binary, load_elf
from fastforward.sim import Simulator
from spec import Assembler, MachineFault, load_machine, load_machine_text
from test_cbackend import assert_same, run_both

pytestmark = pytest.mark.cc
ROOT = Path(__file__).resolve().parent.parent
RAM_BASE, RAM = 0x80000000, 1 << 13
DATA = RAM // 2                       # x1..x3 point into the data half; the code is at the start
TOHOST = RAM_BASE + 0x7F8         # watched (addressable from x4): a store of an odd value there halts
EXAMPLES = int(os.environ.get("DCSIM_NATIVE_EXAMPLES", "25"))     # more for a longer hunt
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def rv():
    return load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": RAM})


def usually(draw, good, bad):
    return draw(bad) if draw(st.integers(0, 24)) == 0 else draw(good)


REG = st.integers(6, 31)              # x1..x3: data pointers, x4: code base, x5: an instruction word
ALU_R = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
ALU_I = ["addi", "slti", "sltiu", "xori", "ori", "andi"]


@st.composite
def rv_line(draw, length: int):
    kind = draw(st.sampled_from(["r", "i", "i", "sh", "u", "load", "store", "branch", "branch", "jal",
                                 "jalr", "smc", "ecall", "tohost"]))
    rd = usually(draw, REG, st.integers(0, 31))
    rs1, rs2 = draw(st.integers(0, 31)), draw(st.integers(0, 31))
    if kind == "r":
        return f"{draw(st.sampled_from(ALU_R))} x{rd}, x{rs1}, x{rs2}"
    if kind == "i":
        return f"{draw(st.sampled_from(ALU_I))} x{rd}, x{rs1}, {draw(st.integers(-2048, 2047))}"
    if kind == "sh":
        return f"{draw(st.sampled_from(['slli', 'srli', 'srai']))} x{rd}, x{rs1}, {draw(st.integers(0, 31))}"
    if kind == "u":
        return f"{draw(st.sampled_from(['lui', 'auipc']))} x{rd}, {draw(st.integers(0, 2**20 - 1))}"
    base = usually(draw, st.sampled_from([1, 2, 3]), st.just(rs1))
    offset = usually(draw, st.integers(-64, 64), st.integers(-2048, 2047))
    if kind == "load":
        return f"{draw(st.sampled_from(['lb', 'lh', 'lw', 'lbu', 'lhu']))} x{rd}, {offset}(x{base})"
    if kind == "store":
        return f"{draw(st.sampled_from(['sb', 'sh', 'sw']))} x{rs2}, {offset}(x{base})"
    to = 4 * draw(st.integers(0, length + 1))                 # an instruction of the program (or just past it)
    if kind == "jalr":                                        # indirect: through the code base in x4
        return f"jalr x{rd}, {usually(draw, st.just(to), st.integers(-8, 8 * length))}(x4)"
    if kind == "smc":                                         # store an instruction (x5) over the program
        return f"{usually(draw, st.just('sw'), st.sampled_from(['sb', 'sh']))} x5, {to}(x4)"
    if kind == "ecall":
        return "ecall"
    if kind == "tohost":
        return f"sw x{usually(draw, st.just(0), st.sampled_from([5, 6]))}, {TOHOST - RAM_BASE}(x4)"
    target = usually(draw, st.integers(-8, 8).map(lambda v: v * 4), st.integers(-64, 64).map(lambda v: v * 2))
    if kind == "jal":
        return f"jal x{rd}, {target}"
    return f"{draw(st.sampled_from(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']))} x{rs1}, x{rs2}, {target}"


@st.composite
def rv_program(draw):
    length = draw(st.integers(6, 40))
    return [draw(rv_line(length)) for _ in range(length)]


def start(m, backend, words, seed, word_x5):
    rng = np.random.default_rng(seed)
    sim = backend(m)
    load_binary(sim, b"".join(w.to_bytes(4, "little") for w in words))
    sim.state["x"][:] = rng.integers(0, 2**32, 32, dtype=np.uint32)
    sim.state["x"][0] = 0
    sim.state["x"][1:4] = RAM_BASE + DATA + rng.integers(0, DATA - 64, 3)
    sim.state["x"][4], sim.state["x"][5] = RAM_BASE, word_x5
    sim.state["x"][17] = rng.choice([64, 64, 1234, 93])          # a7: write, exit or an unknown system call
    sim.state["x"][10], sim.state["x"][12] = 1, rng.integers(0, 8)
    sim.state["ram"][DATA:] = rng.integers(0, 256, DATA, dtype=np.uint8)
    sim.state["ram"][TOHOST - RAM_BASE:TOHOST - RAM_BASE + 8] = 0
    host = Host(sim, tohost=TOHOST)
    return sim, host


@SETTINGS
@given(lines=rv_program(), seed=st.integers(0, 2**32 - 1),
       stops=st.lists(st.integers(0, 120), min_size=1, max_size=5))
def test_random_programs_match_c_and_python(rv, lines, seed, stops):
    asm = Assembler(rv)
    words = asm.assemble("\n".join(lines)).words
    x5 = asm.assemble("addi x6, x6, 1").words[0]
    trio = [start(rv, backend, words, seed, x5) for backend in (Simulator, CSimulator, NativeSimulator)]
    sims = [s for s, _ in trio]
    for n in [*stops, 400]:
        outcome = run_both(sims, n)
        assert outcome[0] == outcome[1] == outcome[2]
        assert_same(sims[0], sims[2])
        assert_same(sims[1], sims[2])
        assert trio[0][1].stdout == trio[2][1].stdout
        if outcome[0][0] == "fault" or sims[0].halted:
            break


def test_code_rewritten_by_an_interpreted_store_is_not_run_stale(rv):
    """After a host call the dispatcher interprets the next store, which rewrites the branch
    after it: the translated branch must not run (found by the test above)."""
    asm = Assembler(rv)
    lines = ["add x0, x0, x0"] * 13 + [f"sw x0, {TOHOST - RAM_BASE}(x4)", "sw x5, 60(x4)", "beq x0, x0, 0"]
    words, x5 = asm.assemble("\n".join(lines)).words, asm.assemble("addi x6, x6, 1").words[0]
    trio = [start(rv, backend, words, 0, x5) for backend in (Simulator, NativeSimulator)]
    outcome = run_both([s for s, _ in trio], 400)
    assert outcome[0] == outcome[1] and outcome[0][0] == "fault" and "0x80000040" in outcome[0][1]
    assert_same(trio[0][0], trio[1][0])


def test_snapshots_move_between_native_and_python(rv):
    asm = Assembler(rv)
    text = """
        addi x6, x0, 0
        addi x7, x0, 300
    loop: addi x6, x6, 3
        xor x8, x8, x6
        addi x7, x7, -1
        bne x7, x0, loop
        addi x10, x8, 0
        ebreak
    """
    sims = []
    for backend in (Simulator, NativeSimulator):
        sim = backend(rv)
        load_binary(sim, asm.assemble(text).to_bytes())
        attach_host(sim)
        sims.append(sim)
    py, native = sims
    native.run(517)
    py.restore(native.snapshot())            # native -> Python mid-loop, at an odd count
    assert py.retired == 517
    py.run(101)
    native.restore(py.snapshot())            # and back
    native.run()
    py.run()
    assert native.translated_blocks > 0 and native.halted
    assert_same(py, native)


def test_run_stops_exactly_inside_a_block(rv):
    asm = Assembler(rv)
    body = "\n".join(f"addi x{6 + k % 20}, x{6 + k % 20}, {k}" for k in range(40))
    text = f"loop: {body}\n jal x0, loop"
    sims = []
    for backend in (CSimulator, NativeSimulator):
        sim = backend(rv)
        load_binary(sim, asm.assemble(text).to_bytes())
        sims.append(sim)
    c, native = sims
    for n in (1, 39, 40, 41, 7, 1000, 3):
        assert native.run(n) == c.run(n) == n
        assert_same(c, native)
    assert native.run_until(5000) == c.run_until(5000)
    assert_same(c, native)


def test_fault_message_and_location_match(rv):
    asm = Assembler(rv)
    text = "addi x6, x0, 5\naddi x7, x0, 1\nlw x8, 0(x7)\nebreak"
    messages = []
    for backend in (Simulator, CSimulator, NativeSimulator):
        sim = backend(rv)
        load_binary(sim, asm.assemble(text).to_bytes())
        with pytest.raises(MachineFault) as info:
            sim.run(10)
        messages.append((str(info.value), sim.retired, sim.pc, int(sim.state["x"][6])))
    assert messages[0] == messages[1] == messages[2]
    assert messages[0][1:3] == (2, RAM_BASE + 8)


def test_signatures_fall_back_to_the_interpreter(rv):
    asm = Assembler(rv)
    text = "loop: addi x6, x6, 1\nandi x7, x6, 3\nbne x7, x0, loop\naddi x8, x8, 1\njal x0, loop"
    sigs = []
    for backend in (CSimulator, NativeSimulator):
        sim = backend(rv)
        load_binary(sim, asm.assemble(text).to_bytes())
        sim.run(33)                          # the native one translates and runs blocks first
        sim.enable_signatures(50, 16)
        sim.run(1000)
        sigs.append(sim.signatures())
    a, b = sigs
    for field in ("starts", "ends", "counts", "bbv"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


# ------------------------------------------------- another fetch machine
# Nothing in the translator is RISC-V's: a 16-bit accumulator machine with 2-byte instructions,
# a 16-bit pc, an indirect jump, a division that faults and host calls that write its state.
ACC16 = """\
# A 16-bit accumulator machine (not RISC-V): 2-byte instructions, a 16-bit pc at 0x100.
machine: acc16
params: {BASE: 0x100, MEM: 1024}
state:
  r:   {regfile: u16, count: 4}
  acc: {reg: u16}
  pc:  {reg: u16}
  mem: {mem: u8, shape: [MEM]}
fetch: {pc: pc, memory: mem, base: BASE, ilen: 2}
formats:
  I: {fields: {op: [15, 12], k: [11, 10], imm: {bits: [[9, 0]], signed: true}}}
instructions:
  ADDI: {format: I, match: {op: 1}, semantics: "acc = acc + imm + r[k]"}
  PUT:  {format: I, match: {op: 2}, semantics: "r[k] = acc ^ imm"}
  LD:
    format: I
    match: {op: 3}
    semantics: |
      acc = load(mem, (r[k] + imm) & (MEM - 1), 2)
  ST:
    format: I
    match: {op: 4}
    semantics: |
      store(mem, (r[k] + imm) & (MEM - 1), 2, acc)
  JNZ:
    format: I
    match: {op: 5}
    semantics: |
      if acc != r[k]:
          pc = pc + imm * 2
  JR: {format: I, match: {op: 6}, semantics: "pc = BASE + ((r[k] + imm) & ((MEM >> 1) - 1)) * 2"}
  SHR: {format: I, match: {op: 7}, semantics: "acc = acc >> u4(imm)"}
  DIVIDE:
    format: I
    match: {op: 8}
    semantics: |
      assert r[k] != 0, "divide by zero"
      acc = div(acc, r[k])
  OUT: {format: I, match: {op: 9}, semantics: "env_call(0)"}
  STOP: {format: I, match: {op: 10}, semantics: "halt(acc)"}
"""


@st.composite
def acc16_word(draw):
    if draw(st.integers(0, 29)) == 0:
        return draw(st.integers(0, 0xFFFF))                   # anything, often illegal
    op, k = draw(st.sampled_from([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 7, 8, 9, 10])), draw(st.integers(0, 3))
    imm = draw(st.integers(-6, 6)) if op in (5, 6) else draw(st.integers(-512, 511))
    return op << 12 | k << 10 | (imm & 0x3FF)


@settings(max_examples=15, deadline=None)     # each example compiles a translation: no per-example deadline
@given(words=st.lists(acc16_word(), min_size=4, max_size=60),
       seed=st.integers(0, 2**32 - 1), stops=st.lists(st.integers(0, 90), min_size=1, max_size=4))
def test_another_fetch_machine_matches(words, seed, stops):
    m = load_machine_text(ACC16, "acc16.yaml")
    rng = np.random.default_rng(seed)
    regs, acc = rng.integers(0, 2**16, 4, dtype=np.uint16), rng.integers(0, 2**16)
    sims, calls = [], []
    for backend in (Simulator, CSimulator, NativeSimulator):
        sim = backend(m)
        sim.state["mem"][:2 * len(words)] = np.frombuffer(np.array(words, dtype="<u2").tobytes(), dtype=np.uint8)
        sim.state["r"][:], sim.state["acc"][...], sim.pc = regs, acc, 0x100
        log = []

        def env(kind, sim=sim, log=log):          # the host reads and writes the state mid-block
            log.append((kind, sim.retired, sim.pc, int(sim.state["acc"])))
            sim.state["acc"][...] = (int(sim.state["acc"]) * 3 + 1) & 0xFFFF
        sim.set_env(env)
        sims.append(sim)
        calls.append(log)
    for n in [*stops, 300]:
        outcome = run_both(sims, n)
        assert outcome[0] == outcome[1] == outcome[2]
        assert_same(sims[0], sims[2])
        assert_same(sims[1], sims[2])
        assert calls[0] == calls[1] == calls[2]
        if outcome[0][0] == "fault" or sims[0].halted:
            break


def test_make_simulator_knows_native(rv):
    assert isinstance(make_simulator(rv, "native"), NativeSimulator)


# ----------------------------------------------------------- C programs
@pytest.mark.riscv_gcc
@pytest.mark.parametrize("name", ["crc", "sort", "fib", "tohost"])
def test_c_programs_match_the_reference(name, tmp_path):
    from riscv_tools import SRC, kit_flags, run_riscv_gcc
    from fastforward.riscv import rv32i_machine
    elf = tmp_path / f"{name}.elf"
    run_riscv_gcc([*kit_flags(), SRC / "runtime.c", SRC / f"{name}.c", "-lgcc", "-o", elf], tmp_path)
    m = rv32i_machine()
    runs = []
    for backend in (Simulator, NativeSimulator):
        sim = backend(m)
        host = attach_host(sim, load_elf(sim, elf))
        sim.run(2_000_000)
        runs.append((sim, host.stdout))
    (py, out_py), (native, out_native) = runs
    assert native.halted and out_native and out_native == out_py
    assert native.translated_blocks > 0
    assert_same(py, native)
