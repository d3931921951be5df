"""The Python reference: Spec IR compiled to closures.

This module *is* the executable definition of the language's semantics; the C simulator
and the RTL are checked against it. Every expression becomes a function of the frame (a
list holding the instruction's fields, locals and loop variables by slot) returning an
exact Python int; wrapping happens only where the IR says so (Cast, Reinterpret, shl,
assignment casts inserted by the checker).
"""
from __future__ import annotations

from operator import itemgetter
from typing import Callable

import numpy as np

from spec import ir
from spec.errors import MachineFault
from spec.intdiv import DIVISION_OPS, divide
from spec.types import IntType


class Halted(Exception):
    """Raised by halt(code) to end the current instruction."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class ExecContext:
    """What executing code shares with its simulator: jump target and host hooks."""

    def __init__(self):
        self.next_pc = 0
        self.env_call: Callable[[int], None] = refuse_env_call
        self.watches: dict[int, Callable[[int], None]] = {}   # byte index in the fetch memory -> callback


def refuse_env_call(kind: int):
    """The env_call hook while no host environment is attached: raises MachineFault."""
    raise MachineFault(f"env_call({kind}) but no host environment is attached")


def wrapper(t: IntType) -> Callable[[int], int]:
    mask = t.mask
    if not t.signed:
        return lambda v: v & mask
    half = 1 << (t.width - 1)
    return lambda v: ((v + half) & mask) - half


def _fits(inner: IntType, outer: IntType) -> bool:
    return outer.contains(inner.min) and outer.contains(inner.max)


class InstructionCompiler:
    """Compiles one instruction's body against a simulator's state arrays."""

    def __init__(self, machine: ir.Machine, arrays: dict[str, np.ndarray], ctx: ExecContext):
        self.machine, self.ctx = machine, ctx
        self.flat = {name: a.reshape(-1) for name, a in arrays.items()}
        self.instr: ir.Instruction | None = None

    def compile(self, instr: ir.Instruction) -> Callable[[list], None]:
        self.instr = instr
        name = instr.name

        def fault(loc, message: str):       # closures capture this, so it names *their* instruction
            raise MachineFault(f"{name}: {message}", loc)
        self.fault = fault
        return self.block(instr.body)

    # ------------------------------------------------------------ statements
    def block(self, stmts: tuple) -> Callable[[list], None]:
        fns = tuple(self.stmt(s) for s in stmts)
        if len(fns) == 1:
            return fns[0]

        def run_block(f):
            for fn in fns:
                fn(f)
        return run_block

    def stmt(self, s) -> Callable[[list], None]:
        return getattr(self, f"stmt_{type(s).__name__}")(s)

    def stmt_Assign(self, s: ir.Assign):
        value = self.expr(s.value)
        t = s.target
        if isinstance(t, ir.SlotTarget):
            slot = t.slot

            def assign_slot(f):
                f[slot] = value(f)
            return assign_slot
        element = self.machine.state_element(t.state)
        flat = self.flat[t.state]
        index = self.flat_index(element, t.indices, t.loc)
        zero = element.zero_index
        if zero is not None:
            def assign_state_nonzero(f):
                i = index(f)
                v = value(f)
                if i != zero:
                    flat[i] = v
            return assign_state_nonzero

        def assign_state(f):
            flat[index(f)] = value(f)
        return assign_state

    def stmt_If(self, s: ir.If):
        cond, then = self.expr(s.cond), self.block(s.then)
        orelse = self.block(s.orelse) if s.orelse else None
        if orelse is None:
            def run_if(f):
                if cond(f):
                    then(f)
            return run_if

        def run_if_else(f):
            if cond(f):
                then(f)
            else:
                orelse(f)
        return run_if_else

    def stmt_For(self, s: ir.For):
        start, stop, body, slot = self.expr(s.start), self.expr(s.stop), self.block(s.body), s.var.slot

        def run_for(f):
            for v in range(start(f), stop(f)):
                f[slot] = v
                body(f)
        return run_for

    def stmt_Assert(self, s: ir.Assert):
        cond, message, loc = self.expr(s.cond), s.message, s.loc
        fault = self.fault

        def check(f):
            if not cond(f):
                fault(loc, f"assertion failed: {message}")
        return check

    def stmt_Store(self, s: ir.Store):
        flat, n, ctx = self.flat[s.mem], s.nbytes, self.ctx
        addr, value, size = self.expr(s.addr), self.expr(s.value), self.flat[s.mem].size
        name, loc, fault = s.mem, s.loc, self.fault
        watched = s.mem == (self.machine.fetch.memory if self.machine.fetch else None)

        def store(f):
            i = addr(f)
            if i < 0 or i + n > size:
                fault(loc, f"store of {n} bytes at {name}[{i}] is outside 0..{size - 1}")
            v = value(f)
            flat[i:i + n] = np.frombuffer(v.to_bytes(n, "little"), dtype=np.uint8)
            if watched and ctx.watches:
                for w in [w for w in ctx.watches if i <= w < i + n]:
                    ctx.watches[w](w)
        return store

    def stmt_Jump(self, s: ir.Jump):
        target, ctx = self.expr(s.target), self.ctx

        def jump(f):
            ctx.next_pc = target(f)
        return jump

    def stmt_Halt(self, s: ir.Halt):
        code = self.expr(s.code)

        def halt(f):
            raise Halted(code(f))
        return halt

    def stmt_EnvCall(self, s: ir.EnvCall):
        kind, ctx = s.kind, self.ctx

        def env_call(f):
            ctx.env_call(kind)
        return env_call

    # ----------------------------------------------------------- expressions
    def expr(self, e) -> Callable[[list], int]:
        return getattr(self, f"expr_{type(e).__name__}")(e)

    def expr_Const(self, e: ir.Const):
        v = e.value
        return lambda f: v

    def expr_SlotRef(self, e: ir.SlotRef):
        return itemgetter(e.slot)

    def expr_PcRead(self, e: ir.PcRead):
        get = self.flat[self.machine.fetch.pc].item
        return lambda f: get(0)

    def expr_StateRead(self, e: ir.StateRead):
        element = self.machine.state_element(e.state)
        get = self.flat[e.state].item
        if not e.indices:
            return lambda f: get(0)
        index = self.flat_index(element, e.indices, e.loc)
        return lambda f: get(index(f))

    def flat_index(self, element: ir.StateElement, indices: tuple, loc) -> Callable[[list], int]:
        """Row-major flat index with a bounds check per dimension."""
        if not indices:
            return lambda f: 0
        fns = [self.expr(i) for i in indices]
        dims = element.shape
        name, fault = element.name, self.fault

        def bad(i, k):
            fault(loc, f"index {i} is out of range for dimension {k} of {name} (0..{dims[k] - 1})")

        if len(fns) == 1:
            (i0,), (d0,) = fns, dims

            def index1(f):
                i = i0(f)
                if 0 <= i < d0:
                    return i
                bad(i, 0)
            return index1
        if len(fns) == 2:
            (i0, i1), (d0, d1) = fns, dims

            def index2(f):
                a, b = i0(f), i1(f)
                if 0 <= a < d0 and 0 <= b < d1:
                    return a * d1 + b
                bad(a, 0) if not 0 <= a < d0 else bad(b, 1)
            return index2

        def index_n(f):
            flat = 0
            for k, (fn, d) in enumerate(zip(fns, dims)):
                i = fn(f)
                if not 0 <= i < d:
                    bad(i, k)
                flat = flat * d + i
            return flat
        return index_n

    def expr_Load(self, e: ir.Load):
        flat, n, addr, size = self.flat[e.mem], e.nbytes, self.expr(e.addr), self.flat[e.mem].size
        name, loc, fault = e.mem, e.loc, self.fault

        def load(f):
            i = addr(f)
            if i < 0 or i + n > size:
                fault(loc, f"load of {n} bytes at {name}[{i}] is outside 0..{size - 1}")
            return int.from_bytes(flat[i:i + n].tobytes(), "little")
        return load

    def expr_Unary(self, e: ir.Unary):
        a = self.expr(e.a)
        if e.op == "neg":
            return lambda f: -a(f)
        if e.op == "not":
            return lambda f: 0 if a(f) else 1
        if e.type.signed:
            return lambda f: ~a(f)
        mask = e.type.mask
        return lambda f: a(f) ^ mask

    def expr_Binary(self, e: ir.Binary):
        a, b, op = self.expr(e.a), self.expr(e.b), e.op
        if op == "add":
            return lambda f: a(f) + b(f)
        if op == "sub":
            return lambda f: a(f) - b(f)
        if op == "mul":
            return lambda f: a(f) * b(f)
        if op == "and":
            return lambda f: a(f) & b(f)
        if op == "or":
            return lambda f: a(f) | b(f)
        if op == "xor":
            return lambda f: a(f) ^ b(f)
        if op == "min":
            return lambda f: min(a(f), b(f))
        if op == "max":
            return lambda f: max(a(f), b(f))
        if op in DIVISION_OPS:          # truncating, RISC-V's zero-divisor results: spec/intdiv.py
            t = e.type
            return lambda f: divide(op, a(f), b(f), t)
        width = e.type.width
        if op == "shr":
            return lambda f: a(f) >> min(b(f), width)
        wrap = wrapper(e.type)
        return lambda f: wrap(a(f) << min(b(f), width))

    def expr_Compare(self, e: ir.Compare):
        a, b = self.expr(e.a), self.expr(e.b)
        return {
            "eq": lambda f: 1 if a(f) == b(f) else 0, "ne": lambda f: 1 if a(f) != b(f) else 0,
            "lt": lambda f: 1 if a(f) < b(f) else 0, "le": lambda f: 1 if a(f) <= b(f) else 0,
            "gt": lambda f: 1 if a(f) > b(f) else 0, "ge": lambda f: 1 if a(f) >= b(f) else 0,
        }[e.op]

    def expr_Logic(self, e: ir.Logic):
        a, b = self.expr(e.a), self.expr(e.b)
        if e.op == "and":
            return lambda f: 1 if a(f) and b(f) else 0
        return lambda f: 1 if a(f) or b(f) else 0

    def expr_Select(self, e: ir.Select):
        c, a, b = self.expr(e.cond), self.expr(e.a), self.expr(e.b)
        return lambda f: a(f) if c(f) else b(f)

    def expr_Cast(self, e: ir.Cast):
        a = self.expr(e.a)
        if _fits(e.a.type, e.type):
            return a
        wrap = wrapper(e.type)
        return lambda f: wrap(a(f))

    expr_Reinterpret = expr_Cast     # same width: reading the bits with the other sign is a wrap

    def expr_Slice(self, e: ir.Slice):
        a, lo, mask = self.expr(e.a), e.lo, e.type.mask
        return lambda f: (a(f) >> lo) & mask

    def expr_Concat(self, e: ir.Concat):
        parts = tuple((self.expr(p), p.type.width, p.type.mask) for p in e.parts)

        def concat(f):
            v = 0
            for fn, width, mask in parts:
                v = (v << width) | (fn(f) & mask)
            return v
        return concat
