"""HLS (Spec IR -> FSMD) and RTL text generation: fast, pure Python, no Verilator."""
import dataclasses
import json
from pathlib import Path

import pytest

from hls import FsmdError, schedule_machine, verify
from hls import fsmd
from rtlgen.manifest import build_manifest
from rtlgen.shim import generate_shim
from rtlgen.verilog import generate, module_name
from spec import SpecError, ir, load_machine, load_machine_text

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096}


def machines():
    return [(p.stem, load_machine(p)) for p in CATALOGUE] + [("npu", load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU))]


@pytest.fixture(scope="module", params=[name for name, _ in machines()])
def machine(request):
    return dict(machines())[request.param]


def test_schedule_verifies(machine):
    m = verify(schedule_machine(machine))
    assert {s.instruction for s in m.states} == {i.name for i in machine.instructions}
    assert len(m.schedules) == len(machine.instructions)


def _port_uses(mem: fsmd.Memory, indices: set) -> int:
    """Port accesses: elements, or rows/bursts (index minus its constant offset) for a wide port."""
    if mem.port == "full":
        return 0
    indices = {fsmd.loc_free(i) for i in indices}          # one element however often it is spelled
    return len(indices) if mem.port == "element" else len({fsmd.affine(i)[0] for i in indices})


def test_every_state_respects_memory_ports(machine):
    m = schedule_machine(machine)
    mems = {x.name: x for x in m.memories}
    for s in m.states:
        reads: dict = {}
        for root in fsmd.state_exprs(s):
            for node in fsmd.walk(root):
                if isinstance(node, fsmd.MemRead):
                    reads.setdefault(node.mem, set()).add(node.index)
        assert all(_port_uses(mems[k], v) <= mems[k].read_ports for k, v in reads.items()), s
        written: dict = {}
        for w in s.mem_writes:
            written.setdefault(w.mem, set()).add(w.index)
        assert all(_port_uses(mems[k], v) <= mems[k].write_ports for k, v in written.items()), s


def test_reads_beyond_the_ports_are_latched_into_a_temporary():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "dsp.yaml"))
    temps = [r for r in m.registers if r.kind == "temp"]
    assert temps, "a statement reading one single-ported memory twice latches one read first"


def test_unrolled_vadd_reads_two_rows_and_writes_one_per_cycle():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "vadd.yaml"))
    vec = m.memory("s_vec")
    assert (vec.port, vec.lanes, vec.read_ports) == ("wide", 8, 2)       # two source rows per cycle
    assert len([s for s in m.states if s.instruction == "VADD"]) == 2


def test_npu_unroll_gives_a_row_per_cycle_datapath():
    """COMPUTE's j, k unrolled: one state per row reads a whole sp row and all of w (a
    register array) and writes a whole acc row; MVIN / PRELOAD move a row per cycle."""
    m = schedule_machine(machines()[-1][1])
    dim = 4
    assert {x.state: x.port for x in m.memories} == {"sp": "wide", "acc": "wide", "w": "full", "dram": "wide"}
    assert m.memory("s_sp").bank_rows == dim                   # a DIM x DIM tile per bank block
    for name, mem, n in (("COMPUTE", "s_acc", dim), ("MVIN", "s_sp", dim), ("PRELOAD", "s_w", dim)):
        body = [s for s in m.states if s.instruction == name and s.mem_writes]
        assert len(body) == 1 and isinstance(body[0].next, fsmd.Branch) and body[0].next.then == body[0].id
        assert len({w.index for w in body[0].mem_writes if w.mem == mem}) == n
    (compute,) = [s for s in m.states if s.instruction == "COMPUTE" and s.mem_writes]
    reads = {n for root in fsmd.state_exprs(compute) for n in fsmd.walk(root) if isinstance(n, fsmd.MemRead)}
    assert len({n.index for n in reads if n.mem == "s_w"}) == dim * dim
    assert len({n.index for n in reads if n.mem == "s_sp"}) == dim


def test_unroll_with_a_dynamic_trip_count_guards_each_copy():
    m = schedule_machine(machines()[-1][1])
    (row,) = [s for s in m.states if s.instruction == "MVOUT" and s.mem_writes]
    assert len(row.mem_writes) == 4 and all(not isinstance(w.guard, ir.Const) for w in row.mem_writes[1:])


def test_loop_runs_one_iteration_per_state_when_the_body_fits():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "dsp.yaml"))
    loops = [s for s in m.states if isinstance(s.next, fsmd.Branch) and s.next.then == s.id]
    assert loops, "the FIR tap loop should be a single self-looping state"


def test_verifier_rejects_two_reads_of_one_port():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "dsp.yaml"))
    s = m.states[0]
    mem = m.memories[0]
    from spec import ir
    idx = lambda k: ir.Const(k, ir.IntType(False, mem.index_width), s.loc)
    a, b = fsmd.MemRead(mem.name, idx(0), mem.type, s.loc), fsmd.MemRead(mem.name, idx(1), mem.type, s.loc)
    bad = dataclasses.replace(s, checks=(fsmd.Check(ir.Compare("eq", a, b, ir.IntType(False, 1), s.loc), "x", s.loc),))
    with pytest.raises(FsmdError, match="exceed its read ports"):
        verify(dataclasses.replace(m, states=(bad, *m.states[1:])))


def test_verifier_rejects_dangling_transition():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "counter.yaml"))
    bad = dataclasses.replace(m.states[0], next=fsmd.Goto(99))
    with pytest.raises(FsmdError, match="unknown state 99"):
        verify(dataclasses.replace(m, states=(bad, *m.states[1:])))


def test_verifier_rejects_mistyped_register_write():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "counter.yaml"))
    s = next(s for s in m.states if s.writes)
    w = s.writes[0]
    from spec import ir
    wrong = dataclasses.replace(w, value=ir.Const(0, ir.IntType(False, 3), w.loc))
    bad = dataclasses.replace(s, writes=(wrong,))
    with pytest.raises(FsmdError, match="value is u3"):
        verify(dataclasses.replace(m, states=tuple(bad if x is s else x for x in m.states)))


_QUEUE_MACHINE = """\
machine: q
state:
  r: {reg: u8}
queue: {width: 16}
formats:
  F: {fields: {op: [3, 0], v: [11, 4]}}
instructions:
  A: {format: F, match: {op: 1}, semantics: "r = v"}
  B:
    format: F
    match: {op: 2}
    semantics: |
      r = v
      %s
"""


@pytest.mark.parametrize("stmt,what", [("halt(1)", "halt(...)"), ("env_call(3)", "env_call(...)")])
def test_unsupported_statements_are_rejected_at_their_line(stmt, what):
    machine = load_machine_text(_QUEUE_MACHINE % stmt, "q.yaml")
    with pytest.raises(SpecError) as err:
        schedule_machine(machine)
    assert f"'{what}'" in str(err.value)
    assert str(err.value).startswith("q.yaml:14:7:")                 # the statement's own line


def test_fetch_machines_schedule_into_a_core():
    machine = load_machine(ROOT / "hw" / "rv32i.yaml")       # processors: see tests/test_rtl_rv32i.py
    m = verify(schedule_machine(machine))
    assert m.fetch is not None and m.fetch.memory == "s_ram" and [u.name for u in m.units] == ["main"]


def test_verilog_declares_public_state_and_the_command_port(machine):
    m = schedule_machine(machine)
    text = generate(m)
    assert f"module {module_name(m)} (" in text
    for s in machine.state:
        assert f"s_{s.name}" in text and "/*verilator public*/" in text
    assert f"input  wire [{machine.queue.width - 1}:0] cmd_data" in text
    assert text.count("always @(posedge clk)") == 2


def test_manifest_maps_every_state_element(machine):
    m = schedule_machine(machine)
    manifest = json.loads(json.dumps(build_manifest(machine, m)))
    by_name = {e["name"]: e for e in manifest["state"]}
    assert set(by_name) == {s.name for s in machine.state}
    for s in machine.state:
        e = by_name[s.name]
        assert (e["width"], e["signed"], tuple(e["shape"])) == (s.type.width, s.type.signed, s.shape)
        assert e["rtl"] == f"{module_name(m)}.s_{s.name}"
        assert e["layout"]["form"] == ("register" if s.kind == "reg" else "array")
    assert manifest["quiescence"]["signal"] == "idle"
    shim = generate_shim(manifest)
    assert "dcsim_inject" in shim and "dcsim_extract" in shim


def _npu_schedules():
    return {s.instruction: s for s in schedule_machine(machines()[-1][1]).schedules}


def test_units_and_barrier_come_from_the_hls_directives():
    m = schedule_machine(machines()[-1][1])
    assert [u.name for u in m.units] == ["load", "execute", "store", "main"]
    assert {u.name: u.queue_depth for u in m.units}["load"] == 8
    sch = _npu_schedules()
    assert sch["FENCE"].barrier and sch["FENCE"].footprint == ()
    assert (sch["MVIN"].unit, sch["COMPUTE"].unit, sch["MVOUT"].unit) == ("load", "execute", "store")
    assert all(s.unit == "main" and not s.barrier for s in schedule_machine(load_machine(CATALOGUE[0])).schedules)


def test_footprints_are_row_ranges_derived_from_the_semantics():
    sch = _npu_schedules()
    fp = {(a.state, a.write): a for a in sch["COMPUTE"].footprint}
    assert set(fp) == {("sp", False), ("acc", False), ("acc", True), ("w", False)}
    assert fp[("sp", False)].exact and fp[("acc", True)].exact
    fields = {n.field.name for b in (fp[("sp", False)].lo, fp[("sp", False)].hi) for n in fsmd.walk(b)
              if isinstance(n, fsmd.CmdField)}
    assert fields == {"a_row", "rows"}
    mvin = {(a.state, a.write): a for a in sch["MVIN"].footprint}
    assert mvin[("sp", True)].exact and not mvin[("dram", False)].exact      # the stride is state
    assert mvin[("ld_stride", False)].lo is None                             # registers are whole


def test_bank_counts_must_interleave_rows():
    text = (ROOT / "hw" / "npu.yaml").read_text().replace("banks: {sp: 4, acc: 2}", "banks: {sp: 3, acc: 2}")
    with pytest.raises(SpecError, match="power-of-two bank count"):
        schedule_machine(load_machine_text(text, "npu.yaml", SMALL_NPU))


@pytest.mark.parametrize("name", [name for name, _ in machines()])
def test_generated_verilog_matches_its_golden_file(name, golden):
    """The generated Verilog of every catalogue machine (and the small NPU), reviewed as
    text; `pytest --update-golden` rewrites tests/golden/<name>.v after a deliberate change."""
    text = generate(schedule_machine(dict(machines())[name]))
    golden(f"{name}.v", text.replace(str(ROOT) + "/", ""))
