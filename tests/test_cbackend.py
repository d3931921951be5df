"""The compiled C simulator against the Python reference: same state, same faults, bit for bit."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward import Program, Simulator
from spec.cbuild import CompileError, build_library
from fastforward.csim import CSimulator
from spec import Assembler, DcsimError, MachineFault, load_machine, load_machine_text
from spec.encoding import encode

pytestmark = pytest.mark.cc
ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path(__file__).parent / "catalogue"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096}
RAM_BASE, RAM = 0x80000000, 1 << 12


def run_both(sims, n=None):
    """Run each simulator; returns what happened (retired count or the fault message)."""
    outcomes = []
    for sim in sims:
        try:
            outcomes.append(("ok", sim.run(n)))
        except MachineFault as fault:
            outcomes.append(("fault", str(fault)))
    return outcomes


def assert_same(a, b):
    assert a.state.keys() == b.state.keys()
    for name in a.state:
        assert a.state[name].dtype == b.state[name].dtype, name
        np.testing.assert_array_equal(a.state[name], b.state[name], err_msg=name)
    assert (a.retired, a.halted, a.exit_code) == (b.retired, b.halted, b.exit_code)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.snapshot().equals(b.snapshot())


# ------------------------------------------------------------------- NPU
@pytest.fixture(scope="module")
def npu():
    return load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU)


def usually(draw, good, bad):
    """Draw from `good` most of the time and from `bad` about one time in 32."""
    return draw(bad if draw(st.integers(0, 31)) == 0 else good)


def npu_command(draw, m):
    """A random command; mostly in range, sometimes not (rows > DIM, rows past the end...)."""
    dim, sp, acc, dram = (m.param[k] for k in ("DIM", "SP_ROWS", "ACC_ROWS", "DRAM_BYTES"))
    rows = usually(draw, st.integers(0, dim), st.integers(0, 255))
    cols = usually(draw, st.integers(0, dim), st.integers(0, 255))
    name = draw(st.sampled_from(["config_ld", "config_st", "mvin", "mvin_acc", "preload", "compute", "mvout",
                                 "fence"]))
    row = lambda n: usually(draw, st.integers(0, n - dim), st.integers(0, 0xFFFF))   # noqa: E731
    addr = usually(draw, st.integers(0, dram // 2), st.integers(0, 2**32 - 1))
    ops = {"config_ld": dict(stride=draw(st.integers(0, 64))),
           "config_st": dict(stride=draw(st.integers(0, 64)), shift=draw(st.integers(0, 31)),
                             relu=draw(st.integers(0, 1))),
           "mvin": dict(rows=rows, cols=cols, row=row(sp), addr=addr),
           "mvin_acc": dict(rows=rows, cols=cols, row=row(acc), addr=addr),
           "preload": dict(rows=rows, a_row=row(sp)),
           "compute": dict(rows=rows, a_row=row(sp), c_row=row(acc), accumulate=draw(st.integers(0, 1))),
           "mvout": dict(rows=rows, cols=cols, row=row(acc), addr=addr),
           "fence": {}}[name]
    return Program(m).emit(name, **ops).words[0]


@st.composite
def npu_program(draw, m):
    return [npu_command(draw, m) for _ in range(draw(st.integers(1, 30)))]


def npu_pair(m, seed, commands):
    rng = np.random.default_rng(seed)
    dram = rng.integers(0, 256, m.param["DRAM_BYTES"], dtype=np.uint8)
    acc = rng.integers(-2**31, 2**31, (m.param["ACC_ROWS"], m.param["DIM"]), dtype=np.int32)
    sims = Simulator(m), CSimulator(m)
    for sim in sims:
        sim.state["dram"][:] = dram
        sim.state["acc"][:] = acc
        sim.push(commands)
    return sims


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_npu_random_commands_match(npu, data, seed):
    commands = data.draw(npu_program(npu))
    py, c = npu_pair(npu, seed, commands)
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1]
    assert_same(py, c)
    assert py.pending_count() == c.pending_count()


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_npu_snapshots_cross_backends(npu, data, seed):
    """Snapshot in C, restore in Python (and back), continue both: identical to the end."""
    commands = data.draw(npu_program(npu))
    split = data.draw(st.integers(0, len(commands)))
    py, c = npu_pair(npu, seed, commands)
    first = run_both((py, c), split)
    assert first[0] == first[1]
    from_c, from_py = Simulator(npu), CSimulator(npu)
    from_c.restore(c.snapshot())
    from_py.restore(py.snapshot())
    assert_same(from_c, from_py)
    py.state["acc"][:] = 1                                   # the restored copies must not share state
    rest = run_both((from_c, from_py, c))
    assert rest[0] == rest[1] == rest[2]
    assert_same(from_c, from_py)
    assert_same(from_c, c)


def test_npu_rows_over_dim_faults_alike(npu):
    py, c = npu_pair(npu, 0, Program(npu).mvin(rows=1, cols=1, row=0, addr=0).compute(rows=5).words)
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1] and "COMPUTE: assertion failed" in outcome[1][1]
    assert c.retired == 1 and c.pending_count() == 1             # the faulting command stays queued
    assert_same(py, c)


def test_npu_state_is_zero_copy(npu):
    c = CSimulator(npu)
    acc = c.state["acc"]
    c.state["sp"][0, :] = 2
    c.state["w"][:] = np.eye(4, dtype=np.int8)
    c.push(Program(npu).compute(rows=1, a_row=0, c_row=3).words)
    assert c.step() and not c.step()
    assert list(acc[3]) == [2, 2, 2, 2] and c.kind_counts() == {"COMPUTE": 1}


# ------------------------------------------------------------ catalogue
@st.composite
def generic_program(draw, m):
    words = []
    for _ in range(draw(st.integers(1, 20))):
        instr = draw(st.sampled_from(m.instructions))
        ops = {f.name: draw(st.one_of(st.integers(max(f.type.min, -4), min(f.type.max, 8)),
                                      st.integers(f.type.min, f.type.max)))
               for f in instr.operands}
        words.append(encode(instr, ops))
    return words


@pytest.mark.parametrize("path", sorted(CATALOGUE.glob("*.yaml")), ids=lambda p: p.stem)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_catalogue_machines_match(path, data):
    m = load_machine(path)
    if m.queue is None:
        pytest.skip("fetch machines of the catalogue are covered by the RV32I tests")
    commands = data.draw(generic_program(m))
    py, c = Simulator(m), CSimulator(m)
    for sim in (py, c):
        sim.push(commands)
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1]
    assert_same(py, c)


# ----------------------------------------------- corner cases of the language
# 64-bit mixed-sign compares, shifts by >= width, min/max across signedness, u64 loop bounds,
# exits with u64 codes, a field named like the C generator's temporaries (`a`).
ALU_YAML = """\
machine: alu
state:
  r: {regfile: u64, count: 8}
  s: {regfile: s64, count: 8}
  n: {regfile: s16, count: 8}
  m: {mem: u8, shape: [64]}
  out: {reg: u8}
queue: {width: 192}
formats:
  F:
    fields:
      op: [7, 0]
      i: [10, 8]
      j: [13, 11]
      sh: [23, 16]
      c: {bits: [[63, 48]], signed: true}
      a: [127, 64]
      b: {bits: [[191, 128]], signed: true}
instructions:
  CMP:
    format: F
    match: {op: 1}
    semantics: |
      out = cat(u1(a < b), u1(a <= b), u1(a == b), u1(b > a), u1(r[i] >= s[j]), u1(s[j] != r[i]), u1(c < a), u1(n[i] < r[j]))
  SHIFTS:
    format: F
    match: {op: 2}
    semantics: |
      r[i] = a << sh
      s[j] = b >> sh
      r[j] = r[i] >> sh
      s[i] = s[i] << u7(sh)
      n[i] = s16(c >> u3(sh)) << (sh & 15)
  MINMAX:
    format: F
    match: {op: 3}
    semantics: |
      s[i] = min(s32(a), u31(b))
      r[j] = max(u64(b), a)
      n[j] = min(max(c, -100), s16(sh))
  ARITH:
    format: F
    match: {op: 4}
    semantics: |
      t: s64 = s64(s32(a) * s32(b))
      s[i] = t
      s[j] = s63(u32(a) - u32(b)) + c
      r[i] = u64(-s63(b)) ^ ~a
      n[i] = sext(cat(a[3:0], b[7:4], c[15]), 16)
      n[j] = s16(zext(u8(b), 12)) - 5
  LOOP:
    format: F
    match: {op: 5}
    semantics: |
      acc: u64 = 0
      assert sh <= 40, "sh bounded"
      for q in range(0xFFFFFFFFFFFFFFF0, a):
          acc = u32(u32(acc) * 3) + u32(q)
      r[i] = acc
      for p in range(c, 8):
          if p >= 0:
              n[p] = n[p] + p
  MEM:
    format: F
    match: {op: 6}
    semantics: |
      store(m, b, 8, a)
      r[i] = load(m, u6(a) if c > 0 else c + 60, 4)
      if s[j] < 0 and load(m, c, 1) > 3:
          halt(a)
  HALTS:
    format: F
    match: {op: 7}
    semantics: |
      if c < 0:
          halt(b)
      out = u8(u32(r[i]) + n[j])
"""


@settings(max_examples=100, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_language_corner_cases_match(data, seed):
    m = load_machine_text(ALU_YAML, "<alu>")
    rng = np.random.default_rng(seed)
    regs, sregs = rng.integers(0, 2**64, 8, dtype=np.uint64), rng.integers(-2**63, 2**63, 8, dtype=np.int64)
    commands = data.draw(generic_program(m))
    py, c = Simulator(m), CSimulator(m)
    for sim in (py, c):
        sim.state["r"][:], sim.state["s"][:] = regs, sregs
        sim.state["m"][:] = np.arange(64, dtype=np.uint8)
        sim.push(commands)
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1]
    assert_same(py, c)


# ----------------------------------------------------------------- RV32I
@pytest.fixture(scope="module")
def rv():
    path = ROOT / "hw" / "rv32i.yaml"
    if not path.exists():
        pytest.skip("hw/rv32i.yaml is not written yet")
    return load_machine(path, {"MEM_BYTES": RAM})


REG = st.integers(0, 31)
ALU_R = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
ALU_I = ["addi", "slti", "sltiu", "xori", "ori", "andi"]


@st.composite
def rv_line(draw):
    kind = draw(st.sampled_from(["r", "i", "sh", "u", "load", "store", "branch", "jal"]))
    rd, rs1, rs2 = draw(REG), draw(REG), draw(REG)   # x1..x3 are often overwritten: later accesses fault
    if kind == "r":
        return f"{draw(st.sampled_from(ALU_R))} x{rd}, x{rs1}, x{rs2}"
    if kind == "i":
        return f"{draw(st.sampled_from(ALU_I))} x{rd}, x{rs1}, {draw(st.integers(-2048, 2047))}"
    if kind == "sh":
        return f"{draw(st.sampled_from(['slli', 'srli', 'srai']))} x{rd}, x{rs1}, {draw(st.integers(0, 31))}"
    if kind == "u":
        return f"{draw(st.sampled_from(['lui', 'auipc']))} x{rd}, {draw(st.integers(0, 2**20 - 1))}"
    base = usually(draw, st.sampled_from([1, 2, 3]), st.just(rs1))    # x1..x3 point into ram's data half
    offset = usually(draw, st.integers(-64, 64), st.integers(-2048, 2047))
    if kind == "load":
        return f"{draw(st.sampled_from(['lb', 'lh', 'lw', 'lbu', 'lhu']))} x{rd}, {offset}(x{base})"
    if kind == "store":
        return f"{draw(st.sampled_from(['sb', 'sh', 'sw']))} x{rs2}, {offset}(x{base})"
    target = usually(draw, st.integers(-8, 8).map(lambda v: v * 4), st.integers(-64, 64).map(lambda v: v * 2))
    if kind == "jal":
        return f"jal x{rd}, {target}"
    return f"{draw(st.sampled_from(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']))} x{rs1}, x{rs2}, {target}"


def rv_pair(m, seed, words):
    rng = np.random.default_rng(seed)
    regs = rng.integers(0, 2**32, 32, dtype=np.uint32)
    regs[0] = 0
    regs[1:4] = RAM_BASE + RAM // 2 + rng.integers(0, RAM // 2 - 64, 3)
    data = rng.integers(0, 256, RAM // 2, dtype=np.uint8)
    sims = Simulator(m), CSimulator(m)
    for sim in sims:
        sim.state["x"][:] = regs
        sim.state["ram"][RAM // 2:] = data
        sim.state["ram"][:4 * len(words)] = np.frombuffer(b"".join(w.to_bytes(4, "little") for w in words),
                                                          dtype=np.uint8)
        sim.pc = RAM_BASE
    return sims


@SETTINGS
@given(lines=st.lists(rv_line(), min_size=8, max_size=40), seed=st.integers(0, 2**32 - 1),
       split=st.integers(0, 40))
def test_rv32i_random_straight_line_code_matches(rv, lines, seed, split):
    words = Assembler(rv).assemble("\n".join(lines)).words
    py, c = rv_pair(rv, seed, words)
    first = run_both((py, c), split)
    assert first[0] == first[1]
    assert_same(py, c)
    resumed = Simulator(rv)                                     # continue the C run in Python
    resumed.restore(c.snapshot())
    rest = run_both((resumed, c, py), len(words) + 8)           # ends in a fault (zero words are illegal)
    assert rest[0] == rest[1] == rest[2]
    assert_same(resumed, c)
    assert_same(py, c)


def rv_program(m, text, backend):
    from fastforward.riscv import Host, load_binary
    sim = backend(m)
    load_binary(sim, Assembler(m).assemble(text).to_bytes())
    return sim, Host


def test_rv32i_self_modifying_code_is_redecoded(rv):
    new = Assembler(rv).assemble("addi x5, x5, 100").words[0]
    hi, lo = (new + 0x800) >> 12, new - (((new + 0x800) >> 12) << 12)
    text = f"""
    start: auipc x2, 0
           addi x1, x0, 2
           lui x6, {hi & 0xFFFFF}
           addi x6, x6, {lo}
    again: addi x5, x5, 1          # rewritten to addi x5, x5, 100 after its first run
           sw x6, 16(x2)
           addi x1, x1, -1
           bne x1, x0, again
           addi x10, x5, 0
           ebreak
    """
    results = []
    for backend in (Simulator, CSimulator):
        sim, Host = rv_program(rv, text, backend)
        Host(sim)
        sim.run()
        results.append(sim)
    assert results[1].halted and results[1].exit_code == 101
    assert_same(*results)


def test_rv32i_env_calls_and_tohost_watch(rv):
    tohost = RAM_BASE + 0x600
    text = f"""
        addi x10, x0, 1          # write(1, msg, 3)
        lui x11, {(RAM_BASE + 0x700) >> 12}
        addi x11, x11, {0x700 & 0xFFF}
        addi x12, x0, 3
        addi x17, x0, 64
        ecall
        lui x7, {tohost >> 12}
        addi x8, x0, 85          # 42 << 1 | 1: exit(42) through HTIF
        sw x8, {tohost & 0xFFF}(x7)
        addi x9, x0, 1           # never runs: the tohost store halts the machine
        addi x9, x0, 2
    """
    results = []
    for backend in (Simulator, CSimulator):
        sim, Host = rv_program(rv, text, backend)
        sim.state["ram"][0x700:0x703] = np.frombuffer(b"hi\n", dtype=np.uint8)
        host = Host(sim, tohost=tohost)
        sim.run()
        results.append((sim, host.stdout))
    (py, out_py), (c, out_c) = results
    assert out_c == out_py == b"hi\n" and c.exit_code == 42
    assert_same(py, c)


def test_rv32i_host_errors_propagate(rv):
    for backend in (Simulator, CSimulator):
        sim, _ = rv_program(rv, "ecall\naddi x1, x0, 1", backend)
        with pytest.raises(MachineFault, match="no host environment"):
            sim.run()
        assert sim.retired == 0 and sim.pc == RAM_BASE

        def broken(kind):
            raise KeyError(kind)
        sim.set_env(broken)
        with pytest.raises(KeyError):
            sim.run()


# ----------------------------------------------------------------- build
def test_build_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("DCSIM_CACHE", str(tmp_path))
    source = "int dc_answer(void) { return 42; }\n"
    first, hit1 = build_library(source, "answer")
    second, hit2 = build_library(source, "answer")
    assert (hit1, hit2) == (False, True) and first == second
    assert first.parent.parent == tmp_path / "c"


def test_build_failure_names_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("DCSIM_CACHE", str(tmp_path))
    with pytest.raises(CompileError, match="build.log"):
        build_library("this is not C;\n", "broken")


def test_missing_compiler_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-dcsim")
    with pytest.raises(DcsimError, match="no C compiler"):
        build_library("int x;\n", "x")


@pytest.mark.parametrize("name, ops", [
    ("compute", dict(rows=4, a_row=SMALL_NPU["SP_ROWS"] - 2, c_row=0, accumulate=1)),      # sp row 64 at r=2
    ("compute", dict(rows=4, a_row=0, c_row=SMALL_NPU["ACC_ROWS"] - 3, accumulate=0)),     # acc row 32 at r=3
    ("mvin", dict(rows=4, cols=4, row=SMALL_NPU["SP_ROWS"] - 1, addr=0)),
    ("mvout", dict(rows=4, cols=4, row=0, addr=SMALL_NPU["DRAM_BYTES"] - 9)),              # dram past the end
    ("compute", dict(rows=4, a_row=SMALL_NPU["SP_ROWS"] - 4, c_row=SMALL_NPU["ACC_ROWS"] - 4, accumulate=1)),
])
def test_npu_loops_faulting_midway_match(npu, name, ops):
    """A loop whose index leaves its memory after some iterations: the C backend (which
    proves a loop nest's checks at entry and then runs it unchecked, fastforward/cversion.py)
    must take the checked version, fault at the same iteration and leave the same partial state."""
    stride = Program(npu).emit("config_st", stride=2, shift=0, relu=0).words[0]
    py, c = npu_pair(npu, 7, [stride, Program(npu).emit(name, **ops).words[0]])
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1]
    assert_same(py, c)


def test_loop_versioning_proves_tile_loops_and_declines_what_it_cannot_bound(npu):
    from fastforward.cgen import generate
    source = generate(npu).source
    compute = source[source.index("static int exec_COMPUTE"):source.index("static int exec_MVOUT")]
    assert "__int128" in compute and compute.count("ctx->fault_site = ") > 2     # both versions
    machine = load_machine_text("""
machine: indirect
state:
  idx: {mem: u8, shape: [16]}
  out: {mem: u8, shape: [16]}
queue: {width: 16}
formats:
  F: {fields: {op: [3, 0], n: [15, 8]}}
instructions:
  GATHER:
    format: F
    match: {op: 1}
    semantics: |
      assert n <= 16
      for i in range(n):
          out[idx[i]] = 1
""", "indirect.yaml")
    gather = generate(machine).source
    assert "__int128" not in gather                  # an index read from state: not versioned
