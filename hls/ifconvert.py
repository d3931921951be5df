"""If-conversion: an `if` whose branches fit one cycle becomes guarded transfers and selects.

The scheduler (`schedule._InstrScheduler`) mixes this in. `stmt_If` first tries to convert
an `if` into the open state (both branches scheduled under complementary guards, registers
merged by `select` in program order, a cell both branches write once merged into one write
of a select so that it takes one write port); when the branches do not fit the cycle
(memory ports, a read of what they write) it splits the state and tries again, and only
then makes the `if` a branch, with a note naming the spec line (inside an unrolled loop a
branch serializes the lanes). The result must not depend on how the user wrote it: the
if/else, select and read-into-locals forms of tests/catalogue/ifconv.yaml schedule alike.
"""
from __future__ import annotations

from spec import ir
from spec.types import U1

from . import fsmd
from .exprutil import TRUE_U1, and_expr, not_expr, truth
from .fsmd import RegRef


class NeedSplit(Exception):
    """Raised inside if-conversion when the construct does not fit the open state."""


class IfConversion:
    """The `if` statements of an instruction scheduler (uses its open state, guard, prepare,
    block, start/close/split and note)."""

    def stmt_If(self, s: ir.If):
        if convertible(s):
            if self._try_if_convert(s):
                return
            if not self.no_split and not self.open.empty():
                self.note("port", f"this if does not fit the cycle of the statements before it "
                          f"({self.misfit or 'control flow'}): a new cycle", s.loc)
                self.split(s.loc)
                if self._try_if_convert(s):
                    return
        if self.no_split:
            raise NeedSplit
        why = ("it holds a loop" if not convertible(s) else
               "its branches do not fit one cycle together (memory ports, or a read of what they write)")
        self.note("control", f"this if becomes a branch ({why}): the unrolled copies run one after another", s.loc)
        (cond,) = self.prepare([s.cond], None, s.loc)
        join = self.m.new_id()
        then = self.m.new_id() if s.then else join
        orelse = self.m.new_id() if s.orelse else join
        self.close(fsmd.Branch(truth(cond), then, orelse))
        for sid, stmts in ((then, s.then), (orelse, s.orelse)):
            if stmts:
                self.start(sid, stmts[0].loc)
                self.block(stmts)
                self.close(fsmd.Goto(join))
        self.start(join, s.loc)

    def _try_if_convert(self, s: ir.If) -> bool:
        saved, outer_guard, outer_no_split, ntemps = self.open.copy(), self.guard, self.no_split, self.ntemps
        try:
            self._if_convert(s)
            return True
        except NeedSplit:
            if outer_no_split:
                raise
            self.open, self.ntemps = saved, ntemps
            return False
        finally:
            self.guard, self.no_split = outer_guard, outer_no_split

    def _if_convert(self, s: ir.If):
        self.no_split = True
        (cond,) = self.prepare([s.cond], None, s.loc)
        cond = truth(cond)
        outer = self.guard
        base = dict(self.open.env)
        first = len(self.open.mem_writes)
        self.guard = and_expr(outer, cond)
        self.block(s.then)
        env_then = self.open.env
        middle = len(self.open.mem_writes)
        self.open.env = dict(base)
        self.guard = and_expr(outer, not_expr(cond))
        self.block(s.orelse)
        env_else = self.open.env
        self._merge_branch_writes(first, middle, cond, outer)
        merged = dict(base)
        for reg in [*env_then, *(r for r in env_else if r not in env_then)]:     # in order, never set order
            a, b = env_then.get(reg) or self.env_get_base(reg, base), env_else.get(reg) or self.env_get_base(reg, base)
            merged[reg] = a if a == b else ir.Select(cond, a, b, a.type, s.loc)
        self.open.env = merged

    def _merge_branch_writes(self, first: int, middle: int, cond, outer):
        """One write port per branch pair: a cell the then-branch (writes first..middle) and the
        else-branch (middle..) of an if-converted `if` both write once becomes one write of
        `then_value if cond else else_value` (the guards exclude each other)."""
        writes = self.open.mem_writes
        then, orelse = writes[first:middle], writes[middle:]
        cell = lambda w: (w.mem, fsmd.loc_free(w.index))
        once = lambda ws: {c for c in map(cell, ws) if sum(cell(w) == c for w in ws) == 1}

        def alone(c) -> bool:
            """No other write of the branches may hit the cell (the merged write moves)."""
            mem = self.m.by_rtl[c[0]]
            return all(distinct_cells(fsmd.affine(c[1]), fsmd.affine(cell(w)[1]), mem.size // mem.shape[0])
                       for w in then + orelse if w.mem == c[0] and cell(w) != c)

        common = {c for c in once(then) & once(orelse) if alone(c)}
        if not common:
            return
        by_cell = {cell(w): w for w in orelse if cell(w) in common}
        merged = []
        for w in then:
            e = by_cell.get(cell(w))
            if e is not None:
                if w.guard == and_expr(outer, cond) and e.guard == and_expr(outer, not_expr(cond)):
                    guard = outer if outer is not None else TRUE_U1
                else:
                    guard = ir.Logic("or", w.guard, e.guard, U1, w.loc)
                w = fsmd.MemWrite(w.mem, w.index, ir.Select(cond, w.value, e.value, w.value.type, w.loc), guard, w.loc)
            merged.append(w)
        self.open.mem_writes = writes[:first] + merged + [e for e in orelse if cell(e) not in common]

    def env_get_base(self, reg: str, base: dict):
        r = self.m.registers[reg]
        return base.get(reg) or RegRef(reg, r.type, r.loc)


def distinct_cells(a: tuple, b: tuple, row: int) -> bool:
    """Whether two affine flat indices (terms, offset) provably name different elements: the
    same terms and different offsets, or (a memory with rows of `row` elements) terms that
    are all multiples of the row length and offsets in different columns."""
    if a[0] == b[0]:
        return a[1] != b[1]
    return row > 1 and (a[1] - b[1]) % row != 0 and all(
        isinstance(t, ir.Binary) and t.op == "mul" and isinstance(t.b, ir.Const) and t.b.value % row == 0
        for t in a[0] + b[0])


def convertible(s) -> bool:
    """An if whose branches hold only assignments, asserts, jumps and convertible ifs."""
    if isinstance(s, ir.If):
        return all(convertible(x) for x in (*s.then, *s.orelse))
    return isinstance(s, (ir.Assign, ir.Assert, ir.Jump))
