"""The Spec IR verifier: invariants every pass and backend may rely on.

The checker builds IR that satisfies these by construction; the verifier re-checks them
(tests run it on every machine) so that a bug in the checker cannot reach a backend.
"""
from __future__ import annotations

from . import ir
from .intdiv import DIVISION_OPS, division_type
from .types import MAX_WIDTH, U1


class VerifyError(AssertionError):
    pass


def verify_machine(machine: ir.Machine):
    names = [s.name for s in machine.state]
    _require(len(set(names)) == len(names), "duplicate state names")
    for instr in machine.instructions:
        _require(machine.instructions[instr.opcode_index] is instr, f"{instr.name}: opcode index")
        _require(len(instr.operands) <= instr.nslots, f"{instr.name}: slots")
        for stmt in instr.body:
            _stmt(stmt, machine, instr)


def _require(cond: bool, what: str):
    if not cond:
        raise VerifyError(what)


def _stmt(s, m: ir.Machine, instr: ir.Instruction):
    if isinstance(s, ir.Assign):
        _expr(s.value, m, instr)
        _require(s.value.type == s.target.type, f"{s.loc}: assignment type mismatch")
        if isinstance(s.target, ir.StateTarget):
            _state_access(s.target, m, instr)
        else:
            _require(0 <= s.target.slot < instr.nslots, f"{s.loc}: slot out of range")
    elif isinstance(s, ir.If):
        _expr(s.cond, m, instr)
        for sub in s.then + s.orelse:
            _stmt(sub, m, instr)
    elif isinstance(s, ir.For):
        _expr(s.start, m, instr)
        _expr(s.stop, m, instr)
        _require(s.max_trips >= 0, f"{s.loc}: trip bound")
        for sub in s.body:
            _stmt(sub, m, instr)
    elif isinstance(s, (ir.Assert, ir.Halt, ir.Jump)):
        _expr(getattr(s, "cond", None) or getattr(s, "code", None) or s.target, m, instr)
    elif isinstance(s, ir.Store):
        _expr(s.addr, m, instr)
        _expr(s.value, m, instr)
        _require(s.value.type.width == 8 * s.nbytes, f"{s.loc}: store width")
    elif isinstance(s, ir.EnvCall):
        pass
    else:
        raise VerifyError(f"unknown statement {type(s).__name__}")


def _state_access(node, m: ir.Machine, instr):
    element = m.state_element(node.state)
    _require(len(node.indices) == len(element.shape), f"{node.loc}: rank of {node.state}")
    _require(node.type == element.type, f"{node.loc}: type of {node.state}")
    for index in node.indices:
        _expr(index, m, instr)


def _expr(e, m: ir.Machine, instr):
    _require(1 <= e.type.width <= MAX_WIDTH, f"{e.loc}: width {e.type.width}")
    if isinstance(e, ir.Const):
        _require(e.type.contains(e.value), f"{e.loc}: constant out of range")
    elif isinstance(e, ir.SlotRef):
        _require(0 <= e.slot < instr.nslots, f"{e.loc}: slot")
    elif isinstance(e, ir.StateRead):
        _state_access(e, m, instr)
    elif isinstance(e, ir.Load):
        _expr(e.addr, m, instr)
        _require(e.type.width == 8 * e.nbytes, f"{e.loc}: load width")
    elif isinstance(e, (ir.Unary, ir.Cast, ir.Reinterpret, ir.Slice)):
        _expr(e.a, m, instr)
        if isinstance(e, ir.Reinterpret):
            _require(e.type.width == e.a.type.width, f"{e.loc}: reinterpret width")
    elif isinstance(e, (ir.Binary, ir.Compare, ir.Logic)):
        _expr(e.a, m, instr)
        _expr(e.b, m, instr)
        if isinstance(e, (ir.Compare, ir.Logic)):
            _require(e.type == U1, f"{e.loc}: truth values are u1")
        if isinstance(e, ir.Binary) and e.op in DIVISION_OPS:
            _require(e.type == division_type(e.op, e.a.type, e.b.type), f"{e.loc}: {e.op} type")
    elif isinstance(e, ir.Select):
        for sub in (e.cond, e.a, e.b):
            _expr(sub, m, instr)
        _require(e.a.type == e.type == e.b.type, f"{e.loc}: select arms")
    elif isinstance(e, ir.Concat):
        for part in e.parts:
            _expr(part, m, instr)
        _require(e.type.width == sum(p.type.width for p in e.parts), f"{e.loc}: concat width")
    elif not isinstance(e, ir.PcRead):
        raise VerifyError(f"unknown expression {type(e).__name__}")
