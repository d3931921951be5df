"""Spec IR as text: every expression with its inferred type, for review and golden tests.

`dcsim check --ir` prints this; the format is stable so tests compare it with golden files.
"""
from __future__ import annotations

from . import ir

_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^", "shl": "<<", "shr": ">>",
           "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def format_machine(machine: ir.Machine) -> str:
    lines = [f"machine {machine.name}  params {dict(machine.params)}"]
    for s in machine.state:
        shape = "[" + ", ".join(map(str, s.shape)) + "]" if s.shape else ""
        extra = " external" if s.external else ""
        extra += f" zero={s.zero_index}" if s.zero_index is not None else ""
        lines.append(f"  {s.kind} {s.name}: {s.type}{shape}{extra}")
    for instr in machine.instructions:
        lines.append("")
        lines.extend(format_instruction(instr))
    return "\n".join(lines) + "\n"


def format_instruction(instr: ir.Instruction) -> list[str]:
    return [text for _, text in instruction_lines(instr)]


def instruction_lines(instr: ir.Instruction) -> list[tuple]:
    """One instruction as (loc, text) pairs: the text `format_instruction` prints, each line
    with the spec position of the statement it prints (None for `else:` and `pass` lines)."""
    match = ", ".join(f"{k}={v}" for k, v in instr.match)
    operands = ", ".join(f"{f.name}: {f.type}" for f in instr.operands)
    head = f"instruction {instr.name} format {instr.format.name} match ({match}) operands ({operands})"
    if instr.unit:
        head += f" unit {instr.unit}"
    if instr.unroll:
        head += " unroll (" + ", ".join(f"{v}={n}" for v, n in instr.unroll) + ")"
    return [(instr.loc, head)] + _block(instr.body, 1)


def _block(stmts: tuple, depth: int) -> list[tuple]:
    out = []
    pad = "  " * depth
    for s in stmts:
        if isinstance(s, ir.Assign):
            out.append((s.loc, f"{pad}{_target(s.target)} = {expr(s.value)}"))
        elif isinstance(s, ir.If):
            out.append((s.loc, f"{pad}if {expr(s.cond)}:"))
            out.extend(_block(s.then, depth + 1) or [(None, f"{pad}  pass")])
            if s.orelse:
                out.append((None, f"{pad}else:"))
                out.extend(_block(s.orelse, depth + 1))
        elif isinstance(s, ir.For):
            out.append((s.loc, f"{pad}for {s.var.name}: {s.var.type} in range({expr(s.start)}, {expr(s.stop)})"
                               f"  # at most {s.max_trips} trips"))
            out.extend(_block(s.body, depth + 1) or [(None, f"{pad}  pass")])
        elif isinstance(s, ir.Assert):
            out.append((s.loc, f"{pad}assert {expr(s.cond)}, {s.message!r}"))
        elif isinstance(s, ir.Store):
            out.append((s.loc, f"{pad}store({s.mem}, {expr(s.addr)}, {s.nbytes}, {expr(s.value)})"))
        elif isinstance(s, ir.Jump):
            out.append((s.loc, f"{pad}jump {expr(s.target)}"))
        elif isinstance(s, ir.Halt):
            out.append((s.loc, f"{pad}halt {expr(s.code)}"))
        else:
            out.append((s.loc, f"{pad}env_call {s.kind}"))
    return out


def _target(t) -> str:
    if isinstance(t, ir.SlotTarget):
        return f"{t.name}@{t.slot}: {t.type}"
    index = "[" + ", ".join(expr(i) for i in t.indices) + "]" if t.indices else ""
    return f"{t.state}{index}: {t.type}"


def expr(e, custom=None) -> str:
    """One expression, fully parenthesised, each node annotated with its type.

    `custom(node)` may return the text of a node (or None for the default): how a printer
    of a lower level (the FSMD's) spells its own leaves and names shared sub-expressions
    while keeping this level's operator spelling."""
    if custom is not None:
        text = custom(e)
        if text is not None:
            return text
    sub = expr if custom is None else (lambda x: expr(x, custom))
    t = str(e.type)
    if isinstance(e, ir.Const):
        return f"{e.value}:{t}"
    if isinstance(e, ir.SlotRef):
        return f"{e.name}:{t}"
    if isinstance(e, ir.PcRead):
        return f"pc:{t}"
    if isinstance(e, ir.StateRead):
        index = "[" + ", ".join(sub(i) for i in e.indices) + "]" if e.indices else ""
        return f"{e.state}{index}:{t}"
    if isinstance(e, ir.Load):
        return f"load({e.mem}, {sub(e.addr)}, {e.nbytes}):{t}"
    if isinstance(e, ir.Unary):
        return f"({ {'neg': '-', 'invert': '~', 'not': 'not '}[e.op]}{sub(e.a)}):{t}"
    if isinstance(e, (ir.Binary, ir.Compare)):
        op = _SYMBOL.get(e.op, e.op)
        if e.op in ("min", "max", "div", "rem"):
            return f"{e.op}({sub(e.a)}, {sub(e.b)}):{t}"
        return f"({sub(e.a)} {op} {sub(e.b)}):{t}"
    if isinstance(e, ir.Logic):
        return f"({sub(e.a)} {e.op} {sub(e.b)}):{t}"
    if isinstance(e, ir.Select):
        return f"({sub(e.a)} if {sub(e.cond)} else {sub(e.b)}):{t}"
    if isinstance(e, ir.Cast):
        return f"{t}({sub(e.a)})"
    if isinstance(e, ir.Reinterpret):
        return f"bits_as_{t}({sub(e.a)})"
    if isinstance(e, ir.Slice):
        return f"{sub(e.a)}[{e.hi}:{e.lo}]"
    if isinstance(e, ir.Concat):
        return "cat(" + ", ".join(sub(p) for p in e.parts) + f"):{t}"
    raise TypeError(f"unknown expression {type(e).__name__}")
