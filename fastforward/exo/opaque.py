"""Opaque instrs: a callable `@instr` for a command whose semantics Exo cannot express.

When lowering a command to an exact Exo body fails (lower.py / operands.py raise a
SpecError at the construct: a data-dependent index such as `out[idx[i]]`, a type Exo 1.0
lacks such as a u32 accumulator, a field used both as data and as a loop bound, a bit
slice, a jump, a register file...), the command still gets an instr a kernel can `call`:

  * signature: every operand field, in the spec's declaration order, as an `index`
    argument (the value goes straight into the command word), then every memory the
    command reads or writes as a whole-memory window argument with the memory's shape
    and Exo class (`DRAM` for external memories, the generated Memory class otherwise).
    The element type is the memory's own Exo type, or a stand-in of the same size when
    Exo 1.0 lacks it (s16 -> ui16, u32 -> i32; f64 for 8-byte elements of an internal
    memory, which Exo code never reads), so pointers keep their layout.
  * body: a stand-in, not the semantics: it reads and writes every element of each
    memory argument, so Exo's dependence checks around a `call` stay conservative.
    Registers and register files the command touches are simulator state, not arguments.
  * C template: the command's encoding call `dcsim_<m>_<cmd>(fields...)`, as for exact instrs.
  * a Python comment above the instr says why it is opaque (the SpecError, path:line:col).

A command that cannot even be called -- it touches an external memory whose elements have
no Exo integer type of the same size (8-byte elements: a kernel's tensor of it would hold
the wrong type) -- raises SpecError at that access.
"""
from __future__ import annotations

import numpy as np

from spec import ir
from spec.errors import SpecError
from spec.types import numpy_dtype_name

from . import capi
from .operands import exact_type, safe
from .simplify import walk

__all__ = ["opaque_proc", "standin_type", "touched_state"]


def standin_type(state) -> str | None:
    """An Exo 1.0 element type with the size of the memory's storage elements, or None.

    Integers where Exo has one of that size. An internal memory's pointer is a row number and
    Exo code never reads its elements (its Memory class says can_read() False), so 8-byte
    elements there get f64, a placeholder of the right size; an external memory's elements
    are host data a kernel reads, so they need an integer type."""
    t = state.type
    size = np.dtype(numpy_dtype_name(t)).itemsize
    integer = exact_type(t) or {1: "i8" if t.signed else "ui8", 2: "ui16", 4: "i32"}.get(size)
    return integer or (None if state.external or size != 8 else "f64")


def touched_state(machine: ir.Machine, instr: ir.Instruction) -> dict:
    """State element name -> location of the command's first access to it, in body order."""
    out = {}
    for n in walk(instr.body):
        name = None
        if isinstance(n, (ir.StateRead, ir.StateTarget)):
            name = n.state
        elif isinstance(n, (ir.Load, ir.Store)):
            name = n.mem
        if name is not None and name not in out:
            out[name] = n.loc
    return out


def opaque_proc(facts, instr: ir.Instruction, reason: SpecError) -> tuple[str, str]:
    """(proc name, source) of the opaque instr for `instr`; `reason` is why it is not exact."""
    m = facts.machine
    name = f"{m.name}_{instr.name.lower()}"
    args = [f"{safe(fd.name)}: index" for fd in instr.operands]
    taken = {safe(fd.name) for fd in instr.operands} | {name}
    memories, others, substitutes = [], [], []
    for state_name, loc in touched_state(m, instr).items():
        state = m.state_element(state_name)
        if state.kind != "mem":
            others.append(state.name)
            continue
        elem = standin_type(state)
        if elem is None:
            raise SpecError(loc, f"command {instr.name} cannot be called from Exo: external memory "
                                 f"'{state.name}' holds {state.type} and Exo 1.0 has no integer type of its "
                                 f"element size for the kernel's tensor (Exo backend, command {instr.name})",
                            "Exo 1.0 integers are 1, 2 or 4 bytes (i8, ui8, ui16, i32)")
        if elem != exact_type(state.type):
            substitutes.append(f"{state.name}: {elem} for {state.type}")
        arg = _fresh(safe(state.name), taken)
        mem = "DRAM" if state.external else facts.memory_class[state.name]
        args.append(f"{arg}: [{elem}][{', '.join(str(d) for d in state.shape)}] @ {mem}")
        memories.append((arg, state))
    lines = _why(instr, reason, others, substitutes)
    lines += ["@instr(" + repr(_template(m, instr)) + ")", f"def {name}({', '.join(args)}):"]
    loop_vars = [_fresh(f"i{d}", taken) for d in range(max((len(s.shape) for _, s in memories), default=0))]
    body = []
    for arg, state in memories:
        idx = loop_vars[:len(state.shape)]
        for depth, (var, extent) in enumerate(zip(idx, state.shape)):
            body.append("    " * depth + f"for {var} in seq(0, {extent}):")
        access = f"{arg}[{', '.join(idx)}]"
        body.append("    " * len(idx) + f"{access} = {access}")
    lines.append("    # stand-in, not the semantics: " + ("touches every element of each memory argument" if memories
                                                    else "the command touches no memory"))
    lines += ["    " + b for b in (body or ["pass"])]
    return name, "\n".join(lines)


def _why(instr, reason, others, substitutes) -> list:
    text = reason.render().splitlines()
    out = [f"# OPAQUE {instr.name}: Exo cannot express this command's semantics, so this instr's body is a",
           "# stand-in (replace() cannot use it; kernels `call` it and its template emits the command). Why:"]
    out += ["#   " + t.strip() for t in text]
    if others:
        out.append("# State the command also uses (simulator state, not arguments): " + ", ".join(others))
    if substitutes:
        out.append("# Stand-in element types (same size): " + "; ".join(substitutes))
    return out


def _template(machine, instr) -> str:
    fields = ", ".join("{" + safe(fd.name) + "}" for fd in instr.operands)
    return f"{capi.command(machine, instr)}({fields});"


def _fresh(name, taken) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name
