"""Instruction semantics: a restricted Python subset, parsed with `ast`, checked and typed.

What is allowed (everything else is an error that names the construct and the
alternative):
  statements   x = e · x: s32 = e · x += e · state[i, j] = e · if/elif/else ·
               for v in range(a, b) (trip count bounded statically) · assert c[, "msg"] ·
               store(mem, addr, nbytes, value) · halt(code) · env_call(kind) · pass
  expressions  integers, params, fields, locals, state reads (reg, regfile[i], mem[i, j]),
               pc, + - * & | ^ << >> ~, comparisons, and/or/not, a if c else b,
               uN(x)/sN(x) (value casts that wrap), sext(x, N)/zext(x, N) (bit extension),
               x[hi:lo]/x[i] (bit slices), cat(a, b, ...), min, max, load(mem, addr, nbytes),
               div(a, b)/rem(a, b) (truncating division, RISC-V's results by zero: spec/intdiv.py)
  limits       an expression nests at most 64 levels deep (exprcheck.MAX_EXPR_DEPTH: `a ^ b ^ c`
               is 3; split deeper ones with locals); constants, folded ones included, stay
               within 8192 bits on the way to a value of at most 64 (exprcheck.MAX_FOLD_BITS)

Width and sign rules (values are exact integers; widths grow so that arithmetic is exact):
  a + b, a - b   common type, one bit wider; u - u is signed
  a * b          width wa + wb
  & | ^ min max  common type
  div, rem       div: both unsigned, a's type, else signed and one bit wider than a; rem: a's type
  << >>          type of the left operand (bits shifted out are lost; >> is arithmetic
                 on signed values); shifting by >= width gives 0 (or -1 for negative >>)
  -a             signed, one bit wider;  ~a same type;  comparisons, and/or/not -> u1
  common type    same signedness: the wider; mixed: signed, wide enough for both
  literals       take the other operand's type when they fit
  assignment     the value wraps to the target's type (a local's type is fixed by its
                 first assignment or annotation)
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from . import ir
from .errors import SpecError
from .exprcheck import (AST_BINARY_OPS, DEPTH_HINT, EXPR_BUILTINS, MAX_EXPR_DEPTH, STATEMENT_BUILTINS, ExprChecker,
                        Lit, annotation_type, check_expression_depth, common_type, operator_text, syntax_name)
from .types import IntType, type_of_constant

MAX_TRIPS = 1 << 20


@dataclass
class Slot:
    name: str
    slot: int
    type: IntType
    kind: str          # 'field' | 'local' | 'loop'


@dataclass
class MachineView:
    """What a semantics block can see of its machine."""
    params: dict
    state: dict        # name -> ir.StateElement
    pc: str | None     # name of the fetch pc register, if a processor
    pc_type: IntType | None


@dataclass
class _Scope:
    names: dict = field(default_factory=dict)      # name -> Slot (locals and loop vars)
    assigned: set = field(default_factory=set)     # locals definitely assigned here
    facts: dict = field(default_factory=dict)      # slot -> proved upper bound (from asserts)

    def child(self) -> "_Scope":
        return _Scope(dict(self.names), set(self.assigned), dict(self.facts))


def check_semantics(text: str, path: str, origin: tuple[int, int], view: MachineView,
                    operands: list[tuple[str, IntType]], fixed: tuple = ()) -> tuple[tuple, int]:
    """Parse and type `text`; returns (body statements, number of slots).
    `fixed` lists (field, value) pairs set by the instruction's match (not operands)."""
    checker = _Checker(path, origin, view)
    checker.fixed = dict(fixed)
    for name, t in operands:
        checker.fields[name] = Slot(name, checker.new_slot(), t, "field")
    try:
        tree = ast.parse(text, filename=path, mode="exec")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        lines = text.splitlines()
        if isinstance(exc, IndentationError) and 1 <= (exc.lineno or 0) <= len(lines):
            # Python points into the indentation; point at the line's first character instead
            # (take the line from `text`: exc.text may come from the file named `path`)
            bad = lines[exc.lineno - 1]
            col = len(bad) - len(bad.lstrip(" \t"))
        loc = checker.loc_at(exc.lineno or 1, col)
        message = re.sub(r"on line (\d+)", lambda m: f"on line {origin[0] + int(m.group(1)) - 1}", exc.msg)
        raise SpecError(loc, f"Python syntax: {message}",
                        "semantics are Python statements; check indentation and colons") from None
    except (RecursionError, MemoryError):      # how Python's parser reports nesting it cannot hold
        raise SpecError(checker.loc_at(1, 0), f"an expression nests too deeply to parse; at most "
                                              f"{MAX_EXPR_DEPTH} levels are supported", DEPTH_HINT) from None
    check_expression_depth(tree, checker)
    body = checker.block(tree.body, _Scope())
    return body, checker.nslots


class _Checker(ExprChecker):
    def __init__(self, path: str, origin: tuple[int, int], view: MachineView):
        self.path, self.origin, self.view = path, origin, view
        self.fields: dict[str, Slot] = {}
        self.nslots = 0
        self.local_types: dict[str, Slot] = {}   # every local ever declared (type fixed once)

    # ------------------------------------------------------------ helpers
    def new_slot(self) -> int:
        self.nslots += 1
        return self.nslots - 1

    # ---------------------------------------------------------- statements
    def block(self, stmts: list[ast.stmt], scope: _Scope) -> tuple:
        out: list = []
        for stmt in stmts:
            lowered = self.stmt(stmt, scope)
            if lowered is not None:
                out.append(lowered)
        return tuple(out)

    def stmt(self, node: ast.stmt, scope: _Scope):
        handler = getattr(self, f"stmt_{type(node).__name__}", None)
        if handler is None:
            self.fail(node, f"'{syntax_name(node)}' is not allowed in semantics",
                      "allowed statements: assignment, +=, if/elif/else, for v in range(...), assert, "
                      "store(...), halt(...), env_call(...), pass")
        return handler(node, scope)

    def stmt_Pass(self, node, scope):
        return None

    def stmt_Expr(self, node: ast.Expr, scope):
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return None       # a docstring-like comment
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in STATEMENT_BUILTINS:
            return getattr(self, f"call_{value.func.id}")(value, scope)
        self.fail(node, "this expression has no effect",
                  "assign its value, or call store(...), halt(...) or env_call(...)")

    def stmt_Assign(self, node: ast.Assign, scope):
        if len(node.targets) != 1 or isinstance(node.targets[0], (ast.Tuple, ast.List)):
            self.fail(node, "only single assignments are allowed", "write one 'target = value' per line")
        value = self.limit(self.expr(node.value, scope), node.value)
        return self.assign(node.targets[0], value, None, scope, node)

    def stmt_AnnAssign(self, node: ast.AnnAssign, scope):
        t = annotation_type(node.annotation)
        if t is None:
            self.fail(node.annotation, f"'{ast.unparse(node.annotation)}' is not a type",
                      "annotate with an integer type such as u32 or s8")
        if node.value is None:
            self.fail(node, "a declaration needs a value", f"write '{ast.unparse(node.target)}: {t} = 0'")
        if not isinstance(node.target, ast.Name):
            self.fail(node.target, "only local variables can be annotated")
        if node.target.id in self.view.state or node.target.id == self.view.pc:
            self.fail(node.target, f"'{node.target.id}' is a state element; its type is declared under 'state'",
                      f"drop the annotation: {node.target.id} = ...")
        value = self.limit(self.expr(node.value, scope), node.value)
        return self.assign(node.target, value, t, scope, node)

    def stmt_AugAssign(self, node: ast.AugAssign, scope):
        op = AST_BINARY_OPS.get(type(node.op))
        if op is None:
            self.fail(node, f"operator '{operator_text(node.op)}=' is not allowed", "use + - * & | ^ << >>")
        current = self.expr(_as_load(node.target), scope)
        rhs = self.expr(node.value, scope)
        value = self.limit(self.binary(op, current, rhs, node), node)
        return self.assign(node.target, value, None, scope, node)

    def assign(self, target: ast.expr, value, annotation: IntType | None, scope: _Scope, node):
        loc = self.loc(target)
        if isinstance(target, ast.Name):
            name = target.id
            if self.view.pc and name == self.view.pc:
                return ir.Jump(self.fit(value, self.view.pc_type, node, "pc"), self.loc(node))
            state = self.view.state.get(name)
            if state is not None:
                if state.kind != "reg":
                    self.fail(target, f"'{name}' is a {state.kind}; assign to one element",
                              f"write {name}[{', '.join('i' * 1 for _ in state.shape)}] = ...")
                return ir.Assign(ir.StateTarget(name, (), state.type, loc),
                                 self.fit(value, state.type, node, name), self.loc(node))
            self.check_writable(target, name, scope)
            slot = self.declare_local(target, name, value, annotation)
            scope.names[name] = slot
            scope.assigned.add(name)
            scope.facts.pop(slot.slot, None)
            return ir.Assign(ir.SlotTarget(name, slot.slot, slot.type, loc),
                             self.fit(value, slot.type, node, name), self.loc(node))
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            state = self.view.state.get(name)
            if state is None and name not in self.fields and name not in self.local_types \
                    and name not in self.view.params and name != self.view.pc:
                self.fail(target.value, f"unknown name '{name}'", self.known_names(scope))
            if state is None or state.kind == "reg":
                self.fail(target, f"cannot assign to bits of '{name}'",
                          "build the whole value with cat(...) or masks and assign it at once")
            indices = self.indices(target, state, scope)
            return ir.Assign(ir.StateTarget(name, indices, state.type, loc),
                             self.fit(value, state.type, node, name), self.loc(node))
        self.fail(target, f"cannot assign to '{ast.unparse(target)}'",
                  "assign to a local name, a reg, or an element such as mem[i, j]")

    def check_writable(self, target: ast.Name, name: str, scope: _Scope):
        if name in self.fields:
            self.fail(target, f"cannot assign to field '{name}'; instruction fields are read-only",
                      f"copy it into a local first: {name}_v: {self.fields[name].type} = {name}")
        if name in self.view.params:
            self.fail(target, f"cannot assign to parameter '{name}'; params are constants",
                      f"use a local instead, e.g. {name.lower()}_v: u32 = {name}")
        slot = scope.names.get(name)
        if slot is not None and slot.kind == "loop":
            self.fail(target, f"cannot assign to loop variable '{name}'", "use another local")
        if name in EXPR_BUILTINS or name in STATEMENT_BUILTINS or annotation_type(ast.Name(name)) is not None:
            self.fail(target, f"'{name}' is a built-in name and cannot be assigned", "choose another name")

    def declare_local(self, target: ast.Name, name: str, value, annotation: IntType | None) -> Slot:
        known = self.local_types.get(name)
        if known is not None:
            if annotation is not None and annotation != known.type:
                self.fail(target, f"'{name}' is already declared as {known.type}",
                          "a local keeps one type; use a new name")
            return known
        if annotation is None and isinstance(value, Lit):
            self.fail(target, f"the type of '{name}' cannot be inferred from a bare constant",
                      f"declare it: {name}: u32 = {value.value}")
        t = annotation if annotation is not None else value.type
        slot = Slot(name, self.new_slot(), t, "local")
        self.local_types[name] = slot
        return slot

    def stmt_If(self, node: ast.If, scope):
        cond = self.sized(self.expr(node.test, scope))
        then_scope, else_scope = scope.child(), scope.child()
        self.assume(node.test, then_scope)
        then = self.block(node.body, then_scope)
        orelse = self.block(node.orelse, else_scope)
        scope.assigned |= then_scope.assigned & else_scope.assigned
        for name in scope.assigned:
            scope.names.setdefault(name, then_scope.names.get(name) or else_scope.names[name])
        # a bound holds after the if only if it holds at the end of both branches
        joined = {s: max(then_scope.facts[s], else_scope.facts[s])
                  for s in then_scope.facts.keys() & else_scope.facts.keys()}
        scope.facts.clear()
        scope.facts.update(joined)
        return ir.If(cond, then, orelse, self.loc(node))

    def stmt_For(self, node: ast.For, scope):
        if node.orelse:
            self.fail(node, "for/else is not allowed", "move the else block after the loop")
        if not isinstance(node.target, ast.Name):
            self.fail(node.target, "the loop variable must be a single name")
        it = node.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"):
            self.fail(it, "loops must iterate over range(...)", "write for v in range(n) or range(a, b)")
        if it.keywords or not 1 <= len(it.args) <= 2:
            self.fail(it, "range takes one or two arguments (no step)", "write range(n) or range(a, b)")
        args = [self.expr(a, scope) for a in it.args]
        start, stop = (Lit(0, self.loc(it)), args[0]) if len(args) == 1 else args
        lo, _ = self.bounds(start, scope)
        _, hi = self.bounds(stop, scope)
        trips = max(0, hi - lo)
        if trips > MAX_TRIPS:
            self.fail(it, f"the trip count of this loop is not statically bounded (up to {trips} iterations)",
                      f"add 'assert {ast.unparse(it.args[-1])} <= LIMIT' before the loop "
                      f"(at most {MAX_TRIPS} iterations) or use a narrower field type")
        name = node.target.id
        self.check_writable(node.target, name, scope)
        if name in self.local_types or name in self.view.state:
            self.fail(node.target, f"loop variable '{name}' reuses the name of a local or state element",
                      "choose a fresh name for the loop variable")
        var_type = type_of_constant(max(lo, hi - 1, 0)) if lo >= 0 else common_type(type_of_constant(lo),
                                                                                    type_of_constant(hi))
        slot = Slot(name, self.new_slot(), var_type, "loop")
        body_scope = scope.child()
        body_scope.names[name] = slot
        body_scope.facts[slot.slot] = hi - 1
        for written in _assigned_names(node.body):   # bounds on locals the body changes do not hold
            local = scope.names.get(written) or self.local_types.get(written)
            if local is not None:
                body_scope.facts.pop(local.slot, None)
                scope.facts.pop(local.slot, None)
        body = self.block(node.body, body_scope)
        for local in body_scope.names.values():      # locals first assigned in the loop stay known
            if local.kind == "local":
                scope.names.setdefault(local.name, local)
        target = ir.SlotTarget(name, slot.slot, var_type, self.loc(node.target))
        return ir.For(target, self.sized(start, var_type), self.sized(stop, var_type), body, trips, self.loc(node))

    def stmt_Assert(self, node: ast.Assert, scope):
        message = ast.unparse(node.test)
        if node.msg is not None:
            if not (isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str)):
                self.fail(node.msg, "an assert message must be a string literal")
            message = node.msg.value
        cond = self.sized(self.expr(node.test, scope))
        self.assume(node.test, scope)
        return ir.Assert(cond, message, self.loc(node))

    def stmt_While(self, node, scope):
        self.fail(node, "while loops are not allowed: every loop needs a static trip bound",
                  "write for v in range(n) with a bounded n, and exit early with if")

    # ------------------------------------------------------- facts & bounds
    def assume(self, test: ast.expr, scope: _Scope):
        """Record upper bounds that `test` proves (x <= C, x < C, joined by 'and')."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            for value in test.values:
                self.assume(value, scope)
            return
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)):
            return
        slot = scope.names.get(test.left.id) or self.fields.get(test.left.id)
        if slot is None:
            return
        try:
            bound = self.expr(test.comparators[0], scope)
        except SpecError:
            return
        if not isinstance(bound, Lit):
            return
        op = type(test.ops[0])
        limit = {ast.LtE: bound.value, ast.Lt: bound.value - 1, ast.Eq: bound.value}.get(op)
        if limit is not None:
            scope.facts[slot.slot] = min(limit, scope.facts.get(slot.slot, limit))

    def bounds(self, e, scope: _Scope) -> tuple[int, int]:
        """An interval that contains every value `e` can take."""
        if isinstance(e, Lit):
            return e.value, e.value
        if isinstance(e, ir.Const):
            return e.value, e.value
        if isinstance(e, ir.SlotRef) and e.slot in scope.facts:
            return e.type.min, min(e.type.max, scope.facts[e.slot])
        if isinstance(e, ir.Binary) and e.op in ("add", "sub", "mul", "min", "max"):
            (alo, ahi), (blo, bhi) = self.bounds(e.a, scope), self.bounds(e.b, scope)
            if e.op == "add":
                return alo + blo, ahi + bhi
            if e.op == "sub":
                return alo - bhi, ahi - blo
            if e.op == "min":
                return min(alo, blo), min(ahi, bhi)
            if e.op == "max":
                return max(alo, blo), max(ahi, bhi)
            products = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
            return min(products), max(products)
        return e.type.min, e.type.max

def _assigned_names(stmts: list) -> set:
    """Names assigned anywhere in `stmts` (nested blocks included)."""
    out = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            out |= {t.id for t in targets if isinstance(t, ast.Name)}
    return out


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(clone, target)
    for sub, orig in zip(ast.walk(clone), ast.walk(target)):
        ast.copy_location(sub, orig)
    return clone
