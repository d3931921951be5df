"""Instruction semantics: a restricted Python subset, parsed with `ast`, checked and typed.

What is allowed (everything else is an error that names the construct and the
alternative):
  statements   x = e · x: s32 = e · x += e · state[i, j] = e · if/elif/else ·
               for v in range(a, b) (trip count bounded statically) · assert c[, "msg"] ·
               store(mem, addr, nbytes, value) · halt(code) · env_call(kind) · pass
  expressions  integers, params, fields, locals, state reads (reg, regfile[i], mem[i, j]),
               pc, + - * & | ^ << >> ~, comparisons, and/or/not, a if c else b,
               uN(x)/sN(x) (value casts that wrap), sext(x, N)/zext(x, N) (bit extension),
               x[hi:lo]/x[i] (bit slices), cat(a, b, ...), min, max, load(mem, addr, nbytes)

Width and sign rules (values are exact integers; widths grow so that arithmetic is exact):
  a + b, a - b   common type, one bit wider; u - u is signed
  a * b          width wa + wb
  & | ^ min max  common type
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
from .errors import Loc, SpecError
from .types import MAX_WIDTH, U1, IntType, parse_type, type_of_constant

MAX_TRIPS = 1 << 20
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.BitAnd: "and", ast.BitOr: "or",
           ast.BitXor: "xor", ast.LShift: "shl", ast.RShift: "shr"}
_CMPOPS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_FOLD_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
             "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
_STATEMENT_BUILTINS = ("store", "halt", "env_call")
_EXPR_BUILTINS = ("sext", "zext", "cat", "min", "max", "load", "range")


@dataclass(frozen=True)
class Lit:
    """An integer whose width is not chosen yet (literals, params, folded constants)."""
    value: int
    loc: Loc


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
    body = checker.block(tree.body, _Scope())
    return body, checker.nslots


class _Checker:
    def __init__(self, path: str, origin: tuple[int, int], view: MachineView):
        self.path, self.origin, self.view = path, origin, view
        self.fields: dict[str, Slot] = {}
        self.nslots = 0
        self.local_types: dict[str, Slot] = {}   # every local ever declared (type fixed once)

    # ------------------------------------------------------------ helpers
    def new_slot(self) -> int:
        self.nslots += 1
        return self.nslots - 1

    def loc_at(self, lineno: int, col_offset: int) -> Loc:
        return Loc(self.path, self.origin[0] + lineno - 1, self.origin[1] + col_offset)

    def loc(self, node: ast.AST) -> Loc:
        return self.loc_at(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def fail(self, node: ast.AST, message: str, hint: str | None = None):
        raise SpecError(self.loc(node), message, hint)

    def sized(self, e, like: IntType | None = None):
        """A typed expression from `e`; a Lit takes `like` if it fits there, else its own width."""
        if isinstance(e, Lit):
            t = like if like is not None and like.contains(e.value) else type_of_constant(e.value)
            if t.width > MAX_WIDTH:
                raise SpecError(e.loc, f"constant {e.value} needs {t.width} bits; at most {MAX_WIDTH} are supported",
                                "use a smaller constant, or compare/mask with a narrower value")
            return ir.Const(e.value, t, e.loc)
        return e

    def limit(self, e, node: ast.AST):
        if not isinstance(e, Lit) and e.type.width > MAX_WIDTH:
            self.fail(node, f"this expression needs {e.type.width} bits; at most {MAX_WIDTH} are supported",
                      "choose a width for an operand with u32(...)/s32(...) (or another uN/sN cast)")
        return e

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
            self.fail(node, f"'{_describe(node)}' is not allowed in semantics",
                      "allowed statements: assignment, +=, if/elif/else, for v in range(...), assert, "
                      "store(...), halt(...), env_call(...), pass")
        return handler(node, scope)

    def stmt_Pass(self, node, scope):
        return None

    def stmt_Expr(self, node: ast.Expr, scope):
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return None       # a docstring-like comment
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _STATEMENT_BUILTINS:
            return getattr(self, f"call_{value.func.id}")(value, scope)
        self.fail(node, "this expression has no effect",
                  "assign its value, or call store(...), halt(...) or env_call(...)")

    def stmt_Assign(self, node: ast.Assign, scope):
        if len(node.targets) != 1 or isinstance(node.targets[0], (ast.Tuple, ast.List)):
            self.fail(node, "only single assignments are allowed", "write one 'target = value' per line")
        value = self.limit(self.expr(node.value, scope), node.value)
        return self.assign(node.targets[0], value, None, scope, node)

    def stmt_AnnAssign(self, node: ast.AnnAssign, scope):
        t = _annotation_type(node.annotation)
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
        op = _BINOPS.get(type(node.op))
        if op is None:
            self.fail(node, f"operator '{_op_text(node.op)}=' is not allowed", "use + - * & | ^ << >>")
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
        if name in _EXPR_BUILTINS or name in _STATEMENT_BUILTINS or _annotation_type(ast.Name(name)) is not None:
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

    def fit(self, value, t: IntType, node, what: str):
        """`value` converted to `t` for an assignment: literals must fit, typed values wrap."""
        if isinstance(value, Lit):
            if not t.contains(value.value):
                raise SpecError(value.loc, f"constant {value.value} does not fit in {t} ('{what}')",
                                f"{t} holds {t.min}..{t.max}; wrap it explicitly with {t}(...) if intended")
            return ir.Const(value.value, t, value.loc)
        if value.type == t:
            return value
        return ir.Cast(value, t, value.loc)

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
        var_type = type_of_constant(max(lo, hi - 1, 0)) if lo >= 0 else _common(type_of_constant(lo),
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

    # --------------------------------------------------------- expressions
    def expr(self, node: ast.expr, scope: _Scope):
        handler = getattr(self, f"expr_{type(node).__name__}", None)
        if handler is None:
            self.fail(node, f"'{_describe(node)}' is not allowed in an expression",
                      "expressions use integers, names, state[i], + - * & | ^ << >> ~, comparisons, "
                      "and/or/not, a if c else b, and the built-ins uN/sN/sext/zext/cat/min/max/load")
        return self.limit(handler(node, scope), node)

    def expr_Constant(self, node: ast.Constant, scope):
        if isinstance(node.value, bool):
            return Lit(int(node.value), self.loc(node))
        if isinstance(node.value, int):
            return Lit(node.value, self.loc(node))
        self.fail(node, f"{type(node.value).__name__} constants are not allowed", "values are integers")

    def expr_Name(self, node: ast.Name, scope):
        name, loc = node.id, self.loc(node)
        slot = scope.names.get(name)
        if slot is not None:
            if slot.kind == "local" and name not in scope.assigned:
                self.fail(node, f"'{name}' may be used before it is assigned",
                          "assign it on every path before this line")
            return ir.SlotRef(name, slot.slot, slot.type, loc)
        if name in self.local_types:
            self.fail(node, f"'{name}' may be used before it is assigned here",
                      "assign it on every path before this line")
        if name in self.fields:
            f = self.fields[name]
            return ir.SlotRef(name, f.slot, f.type, loc)
        if self.view.pc and name == self.view.pc:
            return ir.PcRead(self.view.pc_type, loc)
        state = self.view.state.get(name)
        if state is not None:
            if state.kind != "reg":
                self.fail(node, f"'{name}' is a {state.kind}; read one element",
                          f"write {name}[{', '.join(['i', 'j', 'k'][:len(state.shape)])}]")
            return ir.StateRead(name, (), state.type, loc)
        if name in self.view.params:
            return Lit(self.view.params[name], loc)
        if name in _EXPR_BUILTINS or name in _STATEMENT_BUILTINS or _annotation_type(node) is not None:
            self.fail(node, f"built-in '{name}' must be called", f"write {name}(...)")
        if name in getattr(self, "fixed", {}):
            self.fail(node, f"field '{name}' is fixed to {self.fixed[name]} by 'match', so it is not an operand",
                      f"write the constant {self.fixed[name]}, or drop '{name}' from match")
        self.fail(node, f"unknown name '{name}'", self.known_names(scope))

    def known_names(self, scope: _Scope) -> str:
        groups = [("fields", self.fields), ("state", self.view.state), ("params", self.view.params),
                  ("locals", {n: s for n, s in scope.names.items()})]
        listed = "; ".join(f"{label}: {', '.join(sorted(names))}" for label, names in groups if names)
        return f"names in scope — {listed}" if listed else "no names are in scope"

    def expr_BinOp(self, node: ast.BinOp, scope):
        op = _BINOPS.get(type(node.op))
        if op is None:
            self.fail(node, f"operator '{_op_text(node.op)}' is not part of the language",
                      "use + - * & | ^ << >> (divide by powers of two with >>)")
        return self.binary(op, self.expr(node.left, scope), self.expr(node.right, scope), node)

    def binary(self, op: str, a, b, node):
        loc = self.loc(node)
        if isinstance(a, Lit) and isinstance(b, Lit):
            return Lit(_fold_binary(op, a.value, b.value, node, self), loc)
        if op in ("shl", "shr"):
            if isinstance(a, Lit):
                self.fail(node, "the left operand of a shift needs a width",
                          f"write u32({a.value}) {'<<' if op == 'shl' else '>>'} ... (or another uN/sN)")
            if isinstance(b, Lit) and b.value < 0:
                self.fail(node, "shift amounts must not be negative")
            b = self.sized(b)
            if b.type.signed:
                self.fail(node, "shift amounts must be unsigned", "wrap the amount with uN(...)")
            return ir.Binary(op, a, b, a.type, loc)
        if isinstance(a, Lit):
            a = self.sized(a, b.type)
        if isinstance(b, Lit):
            b = self.sized(b, a.type)
        t = _common(a.type, b.type)
        if op in ("add", "sub"):
            t = IntType(t.signed or op == "sub", t.width + 1)
        elif op == "mul":
            width = a.type.width + b.type.width
            if a.type.signed != b.type.signed:
                width += 1
            t = IntType(a.type.signed or b.type.signed, width)
        return ir.Binary(op, a, b, t, loc)

    def expr_UnaryOp(self, node: ast.UnaryOp, scope):
        a = self.expr(node.operand, scope)
        loc = self.loc(node)
        if isinstance(node.op, ast.UAdd):
            return a
        if isinstance(node.op, ast.Not):
            return Lit(int(not a.value), loc) if isinstance(a, Lit) else ir.Unary("not", a, U1, loc)
        if isinstance(node.op, ast.USub):
            if isinstance(a, Lit):
                return Lit(-a.value, loc)
            return ir.Unary("neg", a, IntType(True, a.type.width + 1), loc)
        if isinstance(a, Lit):
            return Lit(~a.value, loc)
        return ir.Unary("invert", a, a.type, loc)

    def expr_BoolOp(self, node: ast.BoolOp, scope):
        op = "and" if isinstance(node.op, ast.And) else "or"
        values = [self.expr(v, scope) for v in node.values]
        result = values[0]
        for value in values[1:]:
            if isinstance(result, Lit) and isinstance(value, Lit):
                truth = (result.value and value.value) if op == "and" else (result.value or value.value)
                result = Lit(int(bool(truth)), self.loc(node))
            else:
                result = ir.Logic(op, self.sized(result), self.sized(value), U1, self.loc(node))
        return result

    def expr_Compare(self, node: ast.Compare, scope):
        if len(node.ops) != 1:
            self.fail(node, "chained comparisons are not allowed", "write a < b and b < c")
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            self.fail(node, f"'{_op_text(node.ops[0])}' is not a comparison of integers", "use == != < <= > >=")
        a, b = self.expr(node.left, scope), self.expr(node.comparators[0], scope)
        if isinstance(a, Lit) and isinstance(b, Lit):
            return Lit(int(_FOLD_CMP[op](a.value, b.value)), self.loc(node))
        a = self.sized(a, getattr(b, "type", None))
        b = self.sized(b, a.type)
        return ir.Compare(op, a, b, U1, self.loc(node))

    def expr_IfExp(self, node: ast.IfExp, scope):
        cond = self.expr(node.test, scope)
        a, b = self.expr(node.body, scope), self.expr(node.orelse, scope)
        if isinstance(cond, Lit):
            return a if cond.value else b
        if isinstance(a, Lit) and isinstance(b, Lit):
            a, b = self.sized(a), self.sized(b)
        a = self.sized(a, getattr(b, "type", None))
        b = self.sized(b, a.type)
        t = _common(a.type, b.type)
        return ir.Select(cond, self.fit(a, t, node, "a if c else b"), self.fit(b, t, node, "a if c else b"),
                         t, self.loc(node))

    def expr_Subscript(self, node: ast.Subscript, scope):
        base = node.value
        if isinstance(base, ast.Name) and base.id in self.view.state and self.view.state[base.id].kind != "reg":
            state = self.view.state[base.id]
            return ir.StateRead(base.id, self.indices(node, state, scope), state.type, self.loc(node))
        value = self.sized(self.expr(base, scope))
        sl = node.slice
        if isinstance(sl, ast.Slice):
            if sl.step is not None or sl.lower is None or sl.upper is None:
                self.fail(node, "bit slices are written x[hi:lo]", "for example imm[11:5]")
            hi, lo = self.const(sl.lower, scope, "slice bound"), self.const(sl.upper, scope, "slice bound")
            if 0 <= hi < lo < value.type.width:
                self.fail(node, f"bit slice [{hi}:{lo}] is reversed; slices are written x[hi:lo] with hi >= lo",
                          f"write {ast.unparse(base)}[{lo}:{hi}]")
            if not 0 <= lo <= hi < value.type.width:
                self.fail(node, f"bit slice [{hi}:{lo}] is outside the {value.type.width} bits of "
                                f"'{ast.unparse(base)}' ({value.type})",
                          f"use hi >= lo within 0..{value.type.width - 1}")
            return ir.Slice(value, hi, lo, IntType(False, hi - lo + 1), self.loc(node))
        index = self.expr(sl, scope)
        if isinstance(index, Lit):
            if not 0 <= index.value < value.type.width:
                self.fail(node, f"bit {index.value} is outside the {value.type.width} bits of "
                                f"'{ast.unparse(base)}' ({value.type})")
            return ir.Slice(value, index.value, index.value, U1, self.loc(node))
        if index.type.signed:
            self.fail(sl, "bit indices must be unsigned", "wrap the index with uN(...)")
        shifted = ir.Binary("shr", value, index, value.type, self.loc(node))
        return ir.Cast(ir.Reinterpret(shifted, IntType(False, value.type.width), self.loc(node)),
                       U1, self.loc(node))

    def indices(self, node: ast.Subscript, state: ir.StateElement, scope) -> tuple:
        sl = node.slice
        if isinstance(sl, ast.Slice):
            self.fail(node, f"'{state.name}' is indexed one element at a time",
                      f"write {state.name}[i] inside a for loop")
        parts = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
        if len(parts) != len(state.shape):
            self.fail(node, f"'{state.name}' has rank {len(state.shape)} but {len(parts)} "
                            f"{'index was' if len(parts) == 1 else 'indices were'} given",
                      f"write {state.name}[{', '.join(['i', 'j', 'k', 'l'][:len(state.shape)])}]")
        out = []
        for part, dim in zip(parts, state.shape):
            index = self.expr(part, scope)
            if isinstance(index, Lit) and not 0 <= index.value < dim:
                self.fail(part, f"index {index.value} is out of range for '{state.name}' (0..{dim - 1})")
            out.append(self.sized(index))
        return tuple(out)

    def const(self, node: ast.expr, scope, what: str) -> int:
        value = self.expr(node, scope)
        if not isinstance(value, Lit):
            self.fail(node, f"the {what} must be a constant", "use an integer or a parameter")
        return value.value

    # ----------------------------------------------------------- built-ins
    def expr_Call(self, node: ast.Call, scope):
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only built-in functions can be called",
                      "built-ins: uN/sN, sext, zext, cat, min, max, load")
        name = node.func.id
        if node.keywords:
            self.fail(node, f"{name}(...) takes positional arguments only")
        cast = _annotation_type(node.func)
        if cast is not None:
            self.arity(node, 1)
            a = self.expr(node.args[0], scope)
            if isinstance(a, Lit):
                return ir.Const(cast.wrap(a.value), cast, self.loc(node))
            return ir.Cast(a, cast, self.loc(node))
        if name in _STATEMENT_BUILTINS:
            self.fail(node, f"{name}(...) is a statement, not a value", f"call {name}(...) on its own line")
        handler = getattr(self, f"call_{name}", None)
        if handler is None or name == "range":
            self.fail(node, f"unknown function '{name}'", "built-ins: uN/sN, sext, zext, cat, min, max, load")
        return handler(node, scope)

    def arity(self, node: ast.Call, n: int):
        if len(node.args) != n:
            self.fail(node, f"{node.func.id}(...) takes {n} argument{'s' if n != 1 else ''}, "
                            f"got {len(node.args)}")

    def typed_arg(self, node: ast.expr, scope, what: str):
        value = self.expr(node, scope)
        if isinstance(value, Lit):
            self.fail(node, f"{what} needs a value with a width, not a bare constant",
                      f"write u8({value.value}) or another uN/sN cast")
        return value

    def call_sext(self, node, scope):
        return self.extend(node, scope, signed=True)

    def call_zext(self, node, scope):
        return self.extend(node, scope, signed=False)

    def extend(self, node, scope, signed: bool):
        self.arity(node, 2)
        value = self.typed_arg(node.args[0], scope, f"{node.func.id}(...)")
        width = self.const(node.args[1], scope, "target width")
        if not value.type.width <= width <= MAX_WIDTH:
            self.fail(node, f"{node.func.id} to {width} bits from a {value.type.width}-bit value",
                      f"the target width must be between {value.type.width} and {MAX_WIDTH}")
        loc = self.loc(node)
        bits = ir.Reinterpret(value, IntType(signed, value.type.width), loc) \
            if value.type.signed != signed else value
        return ir.Cast(bits, IntType(signed, width), loc) if width != value.type.width else bits

    def call_cat(self, node, scope):
        if not node.args:
            self.fail(node, "cat(...) needs at least one part")
        parts = tuple(self.typed_arg(a, scope, "each part of cat(...)") for a in node.args)
        return ir.Concat(parts, IntType(False, sum(p.type.width for p in parts)), self.loc(node))

    def call_min(self, node, scope):
        return self.minmax(node, scope, "min")

    def call_max(self, node, scope):
        return self.minmax(node, scope, "max")

    def minmax(self, node, scope, op):
        self.arity(node, 2)
        a, b = self.expr(node.args[0], scope), self.expr(node.args[1], scope)
        if isinstance(a, Lit) and isinstance(b, Lit):
            return Lit((min if op == "min" else max)(a.value, b.value), self.loc(node))
        return self.binary(op, a, b, node)

    def byte_memory(self, node: ast.expr) -> ir.StateElement:
        name = node.id if isinstance(node, ast.Name) else None
        state = self.view.state.get(name) if name else None
        if state is None or state.kind != "mem" or len(state.shape) != 1 or state.type.width != 8:
            self.fail(node, f"'{ast.unparse(node)}' is not a one-dimensional byte memory",
                      "load/store take a mem declared with an 8-bit element type and one dimension")
        return state

    def byte_count(self, node, scope) -> int:
        n = self.const(node, scope, "byte count")
        if not 1 <= n <= 8:
            self.fail(node, f"{n} bytes: load/store move 1 to 8 bytes")
        return n

    def call_load(self, node, scope):
        self.arity(node, 3)
        mem = self.byte_memory(node.args[0])
        addr = self.sized(self.expr(node.args[1], scope))
        n = self.byte_count(node.args[2], scope)
        return ir.Load(mem.name, addr, n, IntType(False, 8 * n), self.loc(node))

    def call_store(self, node, scope):
        self.arity(node, 4)
        mem = self.byte_memory(node.args[0])
        addr = self.sized(self.expr(node.args[1], scope))
        n = self.byte_count(node.args[2], scope)
        value = self.expr(node.args[3], scope)
        target = IntType(False, 8 * n)
        if isinstance(value, Lit):
            if not -(1 << (8 * n - 1)) <= value.value <= target.max:
                raise SpecError(value.loc, f"constant {value.value} does not fit in {n} byte{'s' if n > 1 else ''}",
                                f"a {n}-byte store takes {-(1 << (8 * n - 1))}..{target.max}; "
                                f"wrap it explicitly with u{8 * n}(...) if intended")
            value = ir.Const(target.wrap(value.value), target, value.loc)
        return ir.Store(mem.name, addr, n, self.fit(value, target, node, "store value"), self.loc(node))

    def call_halt(self, node, scope):
        self.arity(node, 1)
        return ir.Halt(self.sized(self.expr(node.args[0], scope)), self.loc(node))

    def call_env_call(self, node, scope):
        self.arity(node, 1)
        return ir.EnvCall(self.const(node.args[0], scope, "env_call kind"), self.loc(node))


def _common(a: IntType, b: IntType) -> IntType:
    if a.signed == b.signed:
        return IntType(a.signed, max(a.width, b.width))
    s, u = (a, b) if a.signed else (b, a)
    return IntType(True, max(s.width, u.width + 1))


def _fold_binary(op: str, a: int, b: int, node, checker: _Checker) -> int:
    if op in ("shl", "shr") and not 0 <= b <= 4096:
        checker.fail(node, f"shift amount {b} out of range")
    return {"add": a + b, "sub": a - b, "mul": a * b, "and": a & b, "or": a | b, "xor": a ^ b,
            "shl": a << b if op == "shl" else 0, "shr": a >> b if op == "shr" else 0,
            "min": min(a, b), "max": max(a, b)}[op]


def _assigned_names(stmts: list) -> set:
    """Names assigned anywhere in `stmts` (nested blocks included)."""
    out = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            out |= {t.id for t in targets if isinstance(t, ast.Name)}
    return out


def _annotation_type(node: ast.expr) -> IntType | None:
    return parse_type(node.id) if isinstance(node, ast.Name) else None


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(clone, target)
    for sub, orig in zip(ast.walk(clone), ast.walk(target)):
        ast.copy_location(sub, orig)
    return clone


def _op_text(op: ast.AST) -> str:
    return {ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@",
            ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}.get(type(op), type(op).__name__)


def _describe(node: ast.AST) -> str:
    names = {"FunctionDef": "def", "Return": "return", "Import": "import", "ImportFrom": "import",
             "With": "with", "Try": "try", "Raise": "raise", "Delete": "del", "Global": "global",
             "Nonlocal": "nonlocal", "Lambda": "lambda", "ListComp": "list comprehension",
             "Attribute": "attribute access (a.b)", "List": "list", "Tuple": "tuple", "Dict": "dict",
             "Break": "break", "Continue": "continue", "ClassDef": "class", "JoinedStr": "f-string",
             "AsyncFunctionDef": "async def", "AsyncFor": "async for", "AsyncWith": "async with",
             "Await": "await", "Yield": "yield", "YieldFrom": "yield from", "Match": "match",
             "NamedExpr": "assignment expression (:=)", "Starred": "starred expression (*x)",
             "Set": "set", "SetComp": "set comprehension", "DictComp": "dict comprehension",
             "GeneratorExp": "generator expression", "TryStar": "try"}
    return names.get(type(node).__name__, type(node).__name__)
