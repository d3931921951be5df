"""The documented width/sign rules of the semantics language (spec/semantics.py docstring):
checked on the typed IR of tiny machines, and by running them in the Python reference simulator."""
from __future__ import annotations

import pytest

from fastforward.sim import Simulator
from spec import IntType, MachineFault, SpecError, encode, load_machine_text
from spec import ir

FIELDS = "{op: [7, 0], a: [15, 8], b: [23, 16], sa: {bits: [31, 24], signed: true}, w: [63, 32]}"
STATE = """  r: {reg: u32}
  r8: {reg: u8}
  s8r: {reg: s8}
  s64: {reg: s64}
  ram: {mem: u8, shape: [16]}
"""


def u(n):
    return IntType(False, n)


def s(n):
    return IntType(True, n)


def machine(semantics: str):
    lines = "".join(f"      {line}\n" for line in semantics.strip("\n").splitlines())
    text = (f"machine: t\nstate:\n{STATE}queue: {{width: 64}}\ninstructions:\n  X:\n"
            f"    fields: {FIELDS}\n    semantics: |\n{lines}")
    return load_machine_text(text, "t.yaml")


def body(semantics: str) -> tuple:
    return machine(semantics).instruction("X").body


def value_type(semantics: str) -> IntType:
    """The type of the value of the first statement (an assignment to a fresh local)."""
    stmt = body(semantics)[0]
    assert isinstance(stmt, ir.Assign)
    return stmt.value.type


def run(semantics: str, **operands) -> dict:
    m = machine(semantics)
    sim = Simulator(m)
    sim.push([encode(m.instruction("X"), operands)])
    assert sim.run() == 1
    return {name: int(array.reshape(-1)[0]) for name, array in sim.state.items()}


# ----------------------------------------------------------------- typed IR
@pytest.mark.parametrize("expr, expected", [
    ("a + b", u(9)),                 # common type, one bit wider
    ("w - w", s(33)),                # u - u is signed
    ("sa + sa", s(9)),
    ("a + sa", s(10)),               # mixed: common s9, one wider
    ("u8(sa) * u8(sa)", u(16)),      # widths add
    ("sa * sa", s(16)),
    ("a * sa", s(17)),               # mixed signs: one more bit
    ("a & b", u(8)),
    ("a | sa", s(9)),                # common type of u8 and s8 is s9
    ("min(a, sa)", s(9)),
    ("max(a, b)", u(8)),
    ("a << b", u(8)),                # shifts keep the left type
    ("sa >> a", s(8)),
    ("w << 3", u(32)),
    ("a < sa", u(1)),                # comparisons are u1
    ("a == 3", u(1)),
    ("a and sa", u(1)),
    ("not a", u(1)),
    ("-a", s(9)),                    # negation: signed, one wider
    ("~sa", s(8)),
    ("a + 1", u(9)),                 # the literal adopts u8
    ("sa - 1", s(9)),                # ... and s8
    ("a + 300", u(10)),              # 300 does not fit u8: it is u9, then +1 bit
    ("a if b else sa", s(9)),
    ("sext(a, 16)", s(16)),
    ("zext(sa, 12)", u(12)),
    ("sext(sa, 8)", s(8)),
    ("cat(a, sa, u4(b))", u(20)),
    ("w[31:28]", u(4)),
    ("a[b]", u(1)),
    ("u5(w)", u(5)),
    ("s3(a)", s(3)),
])
def test_width_and_sign_rules(expr, expected):
    assert value_type(f"x = {expr}") == expected


def test_literal_takes_the_other_operands_type():
    add = body("x = a + 1")[0].value
    assert isinstance(add.b, ir.Const) and add.b.type == u(8)
    sub = body("x = 1 - sa")[0].value
    assert isinstance(sub.a, ir.Const) and sub.a.type == s(8)
    cmp = body("x = w > 5")[0].value
    assert cmp.b.type == u(32) and cmp.a.type == u(32)


def test_assignment_inserts_a_cast_to_the_target_type():
    stmt = body("r = a + b")[0]
    assert isinstance(stmt.value, ir.Cast)
    assert stmt.value.type == u(32) and stmt.value.a.type == u(9)
    assert stmt.target.type == u(32)
    same = body("r8 = a")[0]
    assert isinstance(same.value, ir.SlotRef)          # no cast when the types agree


def test_a_local_keeps_the_type_of_its_first_assignment():
    first, second = body("x = a + b\nx = w")
    assert first.target.type == second.target.type == u(9)
    assert isinstance(second.value, ir.Cast)
    annotated = body("y: s16 = a")[0]
    assert annotated.target.type == s(16)


def test_sext_reinterprets_the_bits_before_widening():
    value = body("x = sext(a, 16)")[0].value
    assert isinstance(value, ir.Cast) and value.type == s(16)
    assert isinstance(value.a, ir.Reinterpret) and value.a.type == s(8)


def test_constants_fold_exactly():
    stmt = body("r = (1 << 40) >> 38")[0]          # exact integers while folding: 4
    assert isinstance(stmt.value, ir.Const) and stmt.value.value == 4 and stmt.value.type == u(32)


@pytest.mark.parametrize("semantics, message", [
    ("x = 5", "cannot be inferred from a bare constant"),
    ("r = 1 << a", "left operand of a shift needs a width"),
    ("r = a << sa", "shift amounts must be unsigned"),
    ("r = u32(u64(w) * u64(w))", "needs 128 bits"),
    ("r = u32(a < (1 << 70))", "needs 71 bits"),
    ("r = 1 << 32", "does not fit in u32"),
])
def test_rule_violations_are_errors(semantics, message):
    with pytest.raises(SpecError, match=message):
        machine(semantics)


# ------------------------------------------------------------------ values
def test_assignment_wraps_to_the_target():
    assert run("r8 = a + b", a=200, b=100)["r8"] == 44
    assert run("s8r = a + b", a=100, b=50)["s8r"] == -106
    assert run("r = w + w", w=0xFFFF_FFFF)["r"] == 0xFFFF_FFFE
    assert run("s64 = w - b", w=1, b=2)["s64"] == -1            # u32 - u8 is signed: no wrap
    assert run("r = a - b", a=1, b=2)["r"] == 0xFFFF_FFFF        # -1 wrapped into u32


def test_exact_arithmetic_before_assignment():
    assert run("r = (a + b) >> 1", a=255, b=255)["r"] == 255     # the u9 sum keeps its carry
    assert run("s64 = sa * sa", sa=-128)["s64"] == 16384
    assert run("s64 = a * sa", a=255, sa=-128)["s64"] == -32640


def test_right_shift_is_arithmetic_on_signed_and_logical_on_unsigned():
    assert run("s8r = sa >> 1", sa=-8)["s8r"] == -4
    assert run("r8 = a >> 1", a=0xF0)["r8"] == 0x78
    assert run("r8 = u8(sa) >> 1", sa=-8)["r8"] == 0x7C


def test_left_shift_loses_the_bits_shifted_out():
    assert run("r = a << 4", a=0xAB)["r"] == 0xB0
    assert run("r = u32(a) << 4", a=0xAB)["r"] == 0xAB0


@pytest.mark.parametrize("amount", [8, 9, 64, 200])
def test_shifting_by_the_width_or_more(amount):
    assert run("r = a << b", a=0xFF, b=amount)["r"] == 0
    assert run("r = a >> b", a=0xFF, b=amount)["r"] == 0
    assert run("s8r = sa >> b", sa=-5, b=amount)["s8r"] == -1
    assert run("s8r = sa >> b", sa=5, b=amount)["s8r"] == 0


def test_mixed_sign_comparisons_compare_mathematical_values():
    assert run("r = u32(sa < a)", sa=-1, a=255)["r"] == 1
    assert run("r = u32(sa == a)", sa=-1, a=255)["r"] == 0
    assert run("r = u32(w > sa)", w=0xFFFF_FFFF, sa=-1)["r"] == 1
    assert run("r = u32(sa < 0)", sa=-3)["r"] == 1


def test_casts_wrap_and_extensions_extend():
    assert run("s64 = s8(a)", a=0xFF)["s64"] == -1
    assert run("r = u4(a)", a=0xAB)["r"] == 0xB
    assert run("s64 = sext(a, 16)", a=0x80)["s64"] == -128
    assert run("r = zext(sa, 16)", sa=-1)["r"] == 0xFF
    assert run("r = cat(a, b)", a=0x12, b=0x34)["r"] == 0x1234
    assert run("r = w[15:8]", w=0xABCD)["r"] == 0xAB


def test_out_of_range_read_faults():
    with pytest.raises(MachineFault):
        run("r = ram[a]", a=200)


def test_select_is_lazy():
    assert run("r = ram[a] if a < 16 else 7", a=200)["r"] == 7
    assert run("r = 7 if a >= 16 else ram[a]", a=200)["r"] == 7


def test_and_or_short_circuit():
    assert run("r = u32(a < 16 and ram[a] == 0)", a=200)["r"] == 0
    assert run("r = u32(a >= 16 or ram[a] == 0)", a=200)["r"] == 1
    assert run("r = u32(a < 16 and ram[a] == 0)", a=3)["r"] == 1


def test_an_if_only_runs_the_taken_branch():
    assert run("if a < 16:\n    r = ram[a]\nelse:\n    r = 9", a=200)["r"] == 9
