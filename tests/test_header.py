"""`dcsim header`: the generated C header encodes every command exactly as spec/encoding.py
(compiled with cc and run on random fields, extremes included), compiles warning-free for
the host and for RV32IM, and its push stores the command words 0..W-1 in order at the MMIO
address (an RV32IM program run on the RV32I reference with store watches)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HW, ROOT
from fastforward.header import c_param, free_fields, generate_header
from spec import ir, load_machine
from spec.encoding import encode, insert
from spec.errors import DcsimError

CATALOGUE = ROOT / "tests" / "catalogue"
CC = shutil.which("cc") or shutil.which("gcc")
STRICT = ["-Wall", "-Wextra", "-Werror", "-std=c99", "-pedantic"]
PER_INSTRUCTION = 200          # in-range commands per instruction (extremes first), then wrapped ones
WRAPPED = 60                   # arguments outside their field: the header takes them modulo 2^width

# A machine with what the bundled ones lack: fields over 32 bits, fields split into pieces,
# `lsb` zero bits, pieces straddling command words, signed 40-bit fields, W = 3 for 80 bits,
# a field named `w` (the encoders' array argument) and a parameter over 32 bits.
WIDE = """\
machine: wide
params: {BIG: 0x123456789}
state:
  r: {reg: u64}
  s: {reg: s64}
queue: {width: 80}
formats:
  A: {fields: {op: [3, 0], big: [71, 8], sm: {bits: [[79, 76], [75, 72]], signed: true}}}
  B: {fields: {op: [3, 0], imm: {bits: [[79], [10, 4], [40, 30]], lsb: 2, signed: true}, u: [29, 11],
               x: {bits: [[78, 41]], lsb: 3}}}
  C: {fields: {op: [3, 0], neg: {bits: [[63, 24]], signed: true}, w: [23, 4]}}
instructions:
  SET:
    format: A
    match: {op: 1}
    semantics: |
      r = big
      s = sm
  MIX:
    format: B
    match: {op: 2}
    semantics: |
      r = x + u
      s = imm
  WIDE:
    format: C
    match: {op: 3}
    semantics: |
      s = neg + w
"""


@pytest.fixture(scope="module")
def wide_machine(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "wide.yaml"
    path.write_text(WIDE)
    return load_machine(path)


def queue_machines() -> list:
    paths = [HW / "npu.yaml", *sorted(CATALOGUE.glob("*.yaml"))]
    return [p for p in paths if load_machine(p).queue is not None]


QUEUE_MACHINES = queue_machines()


def machine_named(name: str, wide_machine) -> ir.Machine:
    return wide_machine if name == "wide" else load_machine(next(p for p in QUEUE_MACHINES if p.stem == name))


MACHINE_NAMES = [p.stem for p in QUEUE_MACHINES] + ["wide"]


# ------------------------------------------------------------- field values

def in_range_values(f: ir.FieldDef, rng: np.random.Generator, n: int) -> list[int]:
    """`n` values that fit `f`: its extremes first (0, min, max, -1, one step), then random ones."""
    t, step = f.type, 1 << f.lsb_zeros
    top, bottom = t.max - (t.max % step), t.min
    extremes = [0, bottom, top, step if step <= top else 0] + ([-step] if f.signed else [])
    rand = [int(v) * step for v in rng.integers(bottom // step, top // step + 1, size=n, dtype=np.int64)] \
        if t.width <= 62 else [bottom + (int.from_bytes(rng.bytes(8), "little") % (top - bottom + 1)) // step * step
                               for _ in range(n)]
    return (extremes + rand)[:n]


def wrapped_values(f: ir.FieldDef, rng: np.random.Generator, n: int) -> list[int]:
    """`n` values of the argument's C type, most of them outside the field."""
    bits = 32 if f.type.width <= 32 else 64
    raw = [int.from_bytes(rng.bytes(bits // 8), "little") for _ in range(n)]
    if f.signed:
        raw = [v - (1 << bits) if v >> (bits - 1) else v for v in raw]
    return raw


def expected_words(instr: ir.Instruction, values: dict, nwords: int, fits: bool) -> list[int]:
    """The command words spec/encoding.py gives: `encode` for values that fit, else the match
    fields then every field `insert`ed, which keeps the value modulo 2^width of the field."""
    if fits:
        word = encode(instr, values)
    else:
        word = 0
        for name, fixed in instr.match:
            word = insert(instr.format.field(name), word, fixed)
        for f in free_fields(instr):
            word = insert(f, word, values[f.name])
    return [(word >> (32 * k)) & 0xFFFFFFFF for k in range(nwords)]


def commands(machine: ir.Machine, seed: int = 1):
    """Per instruction: (values, fits) for PER_INSTRUCTION in-range commands and WRAPPED others."""
    rng = np.random.default_rng(seed)
    out = {}
    for instr in machine.instructions:
        fields = free_fields(instr)
        good = {f.name: in_range_values(f, rng, PER_INSTRUCTION) for f in fields}
        bad = {f.name: wrapped_values(f, rng, WRAPPED) for f in fields}
        out[instr.name] = ([({k: v[i] for k, v in good.items()}, True) for i in range(PER_INSTRUCTION)]
                           + [({k: v[i] for k, v in bad.items()}, False) for i in range(WRAPPED if fields else 0)])
    return out


# ------------------------------------------------------------- the C side

def c_value(v: int) -> str:
    """`v` modulo 2^64 as a C constant: the table is unsigned, each call converts to the argument's type."""
    return f"{v & (1 << 64) - 1:#x}ULL"


def encoder_program(machine: ir.Machine, cases: dict) -> str:
    """A C program that calls every encoder on the table of `cases` and prints the words in hex."""
    prefix = machine.name.lower()
    lines = [f'#include "{prefix}.h"', "#include <stdio.h>", "", "int main(void)", "{",
             f"    uint32_t w[{prefix.upper()}_CMD_WORDS];", "    unsigned i, k;"]
    for instr in machine.instructions:
        fields = free_fields(instr)
        rows = cases[instr.name]
        table = ",\n".join("        {" + ", ".join(c_value(vals[f.name]) for f in fields) + "}" for vals, _ in rows)
        args = ", ".join(["w", *(f"({'int' if f.signed else 'uint'}{32 if f.type.width <= 32 else 64}_t)"
                                 f"t_{instr.name}[i][{j}]" for j, f in enumerate(fields))])
        if fields:
            lines.append(f"    static const unsigned long long t_{instr.name}[{len(rows)}][{len(fields)}] = "
                         f"{{\n{table}\n    }};")
        lines += [f"    for (i = 0; i < {len(rows)}; i++) {{",
                  f"        {prefix}_encode_{instr.name}({args});",
                  f'        for (k = 0; k < {prefix.upper()}_CMD_WORDS; k++) printf("%08lx ", (unsigned long)w[k]);',
                  '        printf("\\n");', "    }"]
    return "\n".join(lines + ["    return 0;", "}"]) + "\n"


def cc_run(src: str, header: str, name: str, tmp_path: Path, flags=()) -> str:
    (tmp_path / f"{name}.h").write_text(header)
    (tmp_path / "main.c").write_text(src)
    exe = tmp_path / "main"
    done = subprocess.run([CC, *STRICT, "-Wno-overlength-strings", *flags, "-O1", "-o", str(exe), "main.c"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    return run.stdout


@pytest.mark.cc
@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_encoders_match_spec_encoding(name, wide_machine, tmp_path):
    machine = machine_named(name, wide_machine)
    nwords = -(-machine.queue.width // 32)
    cases = commands(machine)
    out = cc_run(encoder_program(machine, cases), generate_header(machine), machine.name, tmp_path).splitlines()
    rows = [(instr, vals, fits) for instr in machine.instructions for vals, fits in cases[instr.name]]
    assert len(out) == len(rows) >= PER_INSTRUCTION * len(machine.instructions)
    for line, (instr, vals, fits) in zip(out, rows):
        got = [int(x, 16) for x in line.split()]
        assert got == expected_words(instr, vals, nwords, fits), (instr.name, vals)


FIELD_NAMES = ("a", "w", "int", "default", "long", "imm", "x1", "cmd")    # C keywords and `w` get a '_'


@st.composite
def random_machine_text(draw) -> str:
    """A queue machine of random command width (8..256) whose formats have fields of random
    pieces (any order, across word boundaries), `lsb` zero bits and signedness, up to 64 bits
    each; every instruction fixes `op` and maybe other fields."""
    width = draw(st.integers(8, 256))
    formats, instructions = [], []
    for n in range(draw(st.integers(1, 3))):
        free = set(range(4, width))
        fields = ["op: [3, 0]"]
        fixed = {}
        for name in draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=5, unique=True)):
            pieces, size = [], 0
            lsb = draw(st.integers(0, 3)) if draw(st.booleans()) else 0
            for _ in range(draw(st.integers(1, 3))):
                if not free or size + lsb >= 64:
                    break
                lo = draw(st.sampled_from(sorted(free)))
                run = next(k for k in range(lo, width + 1) if k not in free or k == width) - lo
                length = draw(st.integers(1, min(run, 64 - size - lsb)))
                pieces.append(f"[{lo + length - 1}, {lo}]")
                free -= set(range(lo, lo + length))
                size += length
            if not pieces:
                continue
            signed = draw(st.booleans())
            fields.append(f"{name}: {{bits: [{', '.join(pieces)}], lsb: {lsb}, signed: {str(signed).lower()}}}")
            if draw(st.integers(0, 3)) == 0:
                fixed[name] = 0 if signed or lsb else draw(st.integers(0, (1 << min(size, 16)) - 1))
        formats.append(f"  F{n}: {{fields: {{{', '.join(fields)}}}}}")
        match = ", ".join([f"op: {n + 1}", *(f"{k}: {v}" for k, v in fixed.items())])
        instructions.append(f"  I{n}: {{format: F{n}, match: {{{match}}}, semantics: 'pass'}}")
    return "\n".join(["machine: rnd", "state:", "  r: {reg: u8}", f"queue: {{width: {width}}}", "formats:",
                      *formats, "instructions:", *instructions]) + "\n"


@pytest.mark.cc
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=random_machine_text())
def test_encoders_match_spec_encoding_on_random_formats(text, tmp_path):
    from spec.loader import load_machine_text
    machine = load_machine_text(text, "rnd.yaml")
    nwords = -(-machine.queue.width // 32)
    cases = commands(machine, seed=len(text))
    out = cc_run(encoder_program(machine, cases), generate_header(machine), machine.name, tmp_path).splitlines()
    rows = [(instr, vals, fits) for instr in machine.instructions for vals, fits in cases[instr.name]]
    assert len(out) == len(rows)
    for line, (instr, vals, fits) in zip(out, rows):
        assert [int(x, 16) for x in line.split()] == expected_words(instr, vals, nwords, fits), (instr.name, vals)


@pytest.mark.cc
def test_field_check_hook_flags_values_that_do_not_fit(wide_machine, tmp_path):
    src = """\
#include <stdio.h>
#define WIDE_FIELD_CHECK(ok, instr, field) do { if (!(ok)) printf("%s.%s\\n", instr, field); } while (0)
#include "wide.h"
int main(void)
{
    uint32_t w[WIDE_CMD_WORDS];
    wide_encode_SET(w, 0xffffffffffffffffULL, -128);   /* both fit */
    wide_encode_SET(w, 1, 128);                       /* sm too big */
    wide_encode_MIX(w, -1048576, 0x7ffff, 8);         /* all fit */
    wide_encode_MIX(w, 2, 0x80000, 4);                /* imm and x not aligned, u too big */
    wide_encode_WIDE(w, -549755813889LL, 0);          /* neg too small */
    return 0;
}
"""
    out = cc_run(src, generate_header(wide_machine), "wide", tmp_path).split()
    assert out == ["SET.sm", "MIX.imm", "MIX.u", "MIX.x", "WIDE.neg"]


def test_argument_names_avoid_the_word_array(wide_machine):
    text = generate_header(wide_machine)
    assert "wide_encode_WIDE(uint32_t w[WIDE_CMD_WORDS], int64_t neg, uint32_t w_)" in text
    assert c_param("int") == "int_" and c_param("rows") == "rows"


def compile_only(compiler: list, header: str, name: str, tmp_path: Path, defines: str):
    (tmp_path / f"{name}.h").write_text(header)
    (tmp_path / "use.c").write_text(f'{defines}#include "{name}.h"\n#include "{name}.h"\nint use_it;\n')
    done = subprocess.run([*compiler, *STRICT, "-O2", "-c", "use.c", "-o", "use.o"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


HOSTED = ("", "#define {P}_MMIO_BASE 0x40000000u\n#define {P}_DRAM_BASE 0x80000000u\n")


@pytest.mark.cc
@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_header_compiles_warning_free_on_the_host(name, wide_machine, tmp_path):
    machine = machine_named(name, wide_machine)
    for defines in HOSTED:
        compile_only([CC], generate_header(machine), machine.name, tmp_path, defines.format(P=machine.name.upper()))
    compile_only([CC], generate_header(machine, mmio_base=0x1000, dram_base=0), machine.name, tmp_path, "")


# ------------------------------------------------------------- RV32IM: the stores

RV_GCC = shutil.which("riscv64-unknown-elf-gcc")
RV32IM = ["-march=rv32im", "-mabi=ilp32"]
MMIO, DRAM = 0x80300000, 0x80200000      # inside the RV32I reference's ram, so stores can be watched


@pytest.mark.riscv_gcc
@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_header_compiles_warning_free_for_rv32im(name, wide_machine, tmp_path):
    machine = machine_named(name, wide_machine)
    gcc = [RV_GCC, *RV32IM, "-ffreestanding"]
    for defines in HOSTED:
        compile_only(gcc, generate_header(machine), machine.name, tmp_path, defines.format(P=machine.name.upper()))


PUSH_PROGRAM = """\
#include "npu.h"
static const uint32_t words[NPU_CMD_WORDS] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
int main(void)
{
    npu_CONFIG_LD(64);
    npu_MVIN(8, 5, 0x1234, npu_addr((const void *)(NPU_DRAM_BASE + 0x40u)));
    npu_COMPUTE(3, 1, 7, 0xffff);
    npu_FENCE();
    npu_push(words);
    npu_wait();
    return (int)npu_pending();
}
"""


DOCS = ROOT / "docs" / "software.md"


def docs_block(marker: str) -> str:
    """The fenced block of docs/software.md after the line `marker`."""
    text = DOCS.read_text()
    start = text.index("```", text.index(marker))
    body = text[text.index("\n", start) + 1:]
    return body[:body.index("```")]


def watch_command_words(sim, base: int, nwords: int) -> list:
    """Record (word index, value) of every store to the MMIO command words of a program on
    the RV32I reference `sim` (one watch on the first byte of each word)."""
    ram, first = sim.state["ram"], MMIO - base
    stores = []
    for k in range(nwords):
        sim.watch_store(first + 4 * k, lambda i: stores.append(((i - first) // 4,
                                                                int.from_bytes(ram[i:i + 4].tobytes(), "little"))))
    return stores


def build_rv32im(source: str, header: str, tmp_path: Path) -> Path:
    """`source` (with npu.h = `header` beside it) compiled with the rv32i kit for RV32IM."""
    from riscv_tools import kit_flags, run_riscv_gcc
    (tmp_path / "npu.h").write_text(header)
    (tmp_path / "main.c").write_text(source)
    flags = [f for f in kit_flags() if not f.startswith("-march")]
    run_riscv_gcc([*RV32IM, *STRICT, *flags, "main.c", "-lgcc", "-o", "main.elf"], tmp_path)
    return tmp_path / "main.elf"


@pytest.mark.riscv_gcc
def test_push_stores_words_in_order_on_rv32im(npu, tmp_path):
    from fastforward import Simulator
    from fastforward.riscv import attach_host, load_elf, rv32i_machine

    elf = build_rv32im(PUSH_PROGRAM, generate_header(npu, mmio_base=MMIO, dram_base=DRAM), tmp_path)
    machine = rv32i_machine()
    base = dict(machine.params)["RAM_BASE"]
    sim = Simulator(machine)
    attach_host(sim, None)                     # exit by ecall; no tohost watch: all 4 watches are ours
    load_elf(sim, elf)
    status = MMIO - base + 16
    sim.state["ram"][status:status + 4] = list((5).to_bytes(4, "little"))     # STATUS reads 5
    stores = watch_command_words(sim, base, 4)
    sim.run(100_000)
    assert sim.halted and sim.exit_code == 5           # npu_pending() read STATUS
    pushed = [("CONFIG_LD", {"stride": 64}), ("MVIN", {"rows": 8, "cols": 5, "row": 0x1234, "addr": 0x40}),
              ("COMPUTE", {"rows": 3, "accumulate": 1, "a_row": 7, "c_row": 0xffff}), ("FENCE", {})]
    expected = []
    for name, values in pushed:
        expected += list(enumerate(expected_words(npu.instruction(name), values, 4, True)))
    expected += list(enumerate([0x11111111, 0x22222222, 0x33333333, 0x44444444]))
    assert stores == expected


@pytest.mark.riscv_gcc
def test_docs_example_multiplies_tiles_when_its_commands_replay_on_the_npu(tmp_path):
    """The host program of docs/software.md, compiled for RV32IM and run on the RV32I reference
    (it multiplies nothing itself: -O2 keeps it free of M instructions): the commands its
    stores push, replayed on the NPU reference over the window it filled, give C = A x B."""
    from fastforward import Simulator
    from fastforward.riscv import attach_host, load_elf, rv32i_machine

    npu = load_machine(HW / "npu.yaml", {"DRAM_BYTES": 4096})
    elf = build_rv32im(docs_block("<!-- test: file npu_tile.c -->"),
                       generate_header(npu, mmio_base=MMIO, dram_base=DRAM), tmp_path)
    host_machine = rv32i_machine()
    base = dict(host_machine.params)["RAM_BASE"]
    host = Simulator(host_machine)
    attach_host(host, None)
    load_elf(host, elf)
    stores = watch_command_words(host, base, 4)
    host.run(200_000)
    assert host.halted and len(stores) == 7 * 4
    assert [k for k, _ in stores] == [0, 1, 2, 3] * 7
    commands = [sum(v << (32 * k) for k, v in stores[i:i + 4]) for i in range(0, len(stores), 4)]

    accel = Simulator(npu)
    accel.state["dram"][:] = host.state["ram"][DRAM - base:DRAM - base + 4096]
    accel.push(commands)
    accel.run()
    dim = dict(npu.params)["DIM"]
    dram = accel.state["dram"].view(np.int8)
    a = dram[:dim * dim].reshape(dim, dim).astype(np.int32)
    b = dram[dim * dim:2 * dim * dim].reshape(dim, dim).astype(np.int32)
    assert a.any() and b.any()
    c = dram[2 * dim * dim:3 * dim * dim].reshape(dim, dim)
    np.testing.assert_array_equal(c, np.clip(a @ b, -128, 127))


def test_docs_excerpt_is_what_the_header_says(npu):
    def unnumbered(line: str) -> str:          # the page need not follow every edit of npu.yaml's lines
        return re.sub(r"npu\.yaml:\d+", "npu.yaml:N", line)
    text = generate_header(npu, mmio_base=0x40000000, dram_base=0x80000000)
    lines = {unnumbered(line) for line in text.splitlines()}
    for line in docs_block("An excerpt of `npu.h`").splitlines():
        assert line == "..." or unnumbered(line) in lines, f"docs/software.md: '{line}' is not in the header"


# ------------------------------------------------------------- errors and names

def test_processor_is_rejected():
    with pytest.raises(DcsimError, match="rv32i is a processor"):
        generate_header(load_machine(HW / "rv32i.yaml"))


@pytest.mark.parametrize("kw, message", [
    ({"mmio_base": 0x1002}, "not word aligned"),
    ({"mmio_base": 0xFFFFFFF0}, "room for its 24 bytes"),
    ({"mmio_base": -4}, "not a 32-bit host address"),
    ({"dram_base": 1 << 32}, "not a 32-bit host address"),
    ({"prefix": "9lives"}, "not a C identifier"),
])
def test_bad_arguments_are_clear_errors(npu, kw, message):
    with pytest.raises(DcsimError, match=message):
        generate_header(npu, **kw)


def test_names_that_collide_are_an_error(tmp_path):
    path = tmp_path / "clash.yaml"
    path.write_text("machine: clash\nparams: {MMIO_BASE: 4}\nstate:\n  r: {reg: u8}\nqueue: {width: 8}\n"
                    "formats:\n  F: {fields: {op: [7, 0]}}\ninstructions:\n"
                    "  A: {format: F, match: {op: 1}, semantics: 'r = 1'}\n")
    with pytest.raises(DcsimError, match="'CLASH_MMIO_BASE' twice"):
        generate_header(load_machine(path))


def test_header_is_deterministic_and_names_the_spec_lines(npu):
    text = generate_header(npu, prefix="acc", mmio_base=0x40000000)
    assert text == generate_header(npu, prefix="acc", mmio_base=0x40000000)
    assert "#define ACC_MMIO_BASE 0x40000000u" in text and "#define ACC_DIM 8" in text
    assert "#ifndef ACC_DRAM_BASE" not in text and "#ifdef ACC_DRAM_BASE" in text
    line = next(n for n, t in enumerate((HW / "npu.yaml").read_text().splitlines(), 1) if t.strip() == "MVIN:")
    assert f"/* MVIN (format MOVE, npu.yaml:{line}):" in text
    assert "static inline void acc_MVIN(uint32_t rows, uint32_t cols, uint32_t row, uint32_t addr)" in text


# ------------------------------------------------------------- the command line

def dcsim(capsys, *args) -> tuple[int, str, str]:
    """`dcsim header ARGS` in this process: (exit status, stdout, stderr)."""
    from cosim.cli.main import main
    try:
        code = main(["header", *args])
    except SystemExit as exc:             # argparse's usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_prints_the_header_or_writes_it(npu, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code, out, err = dcsim(capsys, "hw/npu.yaml", "--mmio", "0x40000000", "--dram-base", "0x80000000")
    assert code == 0, err
    assert out == generate_header(npu, mmio_base=0x40000000, dram_base=0x80000000)
    path = tmp_path / "npu.h"
    code, out, _ = dcsim(capsys, "npu", "-D", "DIM=16", "--prefix", "acc", "-o", str(path))
    assert code == 0 and "wrote" in out and path.name in out
    assert path.read_text() == generate_header(load_machine(HW / "npu.yaml", {"DIM": 16}), prefix="acc")
    assert "#define ACC_DIM 16" in path.read_text()
    code, out, _ = dcsim(capsys, "npu", "--json", "-o", str(path))
    assert json.loads(out) == {"machine": "npu", "output": str(path), "lines": len(path.read_text().splitlines())}


def test_cli_rejects_a_processor_and_bad_addresses(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code, _, err = dcsim(capsys, "hw/rv32i.yaml")
    assert code == 2 and "rv32i is a processor" in err and "Traceback" not in err
    for bad, message in (("zz", "'zz' is not an address"), ("0x100000000", "not a 32-bit address"),
                         ("0x1002", "not word aligned")):
        code, _, err = dcsim(capsys, "npu", "--mmio", bad)
        assert code == 2 and message in err, err
    code, _, err = dcsim(capsys, "npu", "-o", str(tmp_path / "no" / "npu.h"))
    assert code == 2 and "does not exist" in err


def test_cli_runs_as_a_program():
    r = subprocess.run([sys.executable, "-m", "cosim.cli", "header", "rv32i"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 2 and r.stderr.startswith("error: rv32i is a processor") and "Traceback" not in r.stderr
