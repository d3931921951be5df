"""Expressions of the semantics language: typing by the width rules, and the built-ins.

`ExprChecker` is the expression half of the semantics checker (`semantics._Checker` adds
statements and scopes); the rules it implements are tabled in `semantics.py`'s docstring.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from . import ir
from .errors import Loc, SpecError
from .intdiv import divide, division_type
from .types import MAX_WIDTH, U1, IntType, parse_type, type_of_constant


AST_BINARY_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.BitAnd: "and", ast.BitOr: "or",
                  ast.BitXor: "xor", ast.LShift: "shl", ast.RShift: "shr"}
_CMPOPS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_FOLD_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
             "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
STATEMENT_BUILTINS = ("store", "halt", "env_call")
# How deeply expressions may nest (the longest chain of expression nodes in one statement's
# AST: `a ^ b ^ c` is 3). Every backend walks expressions recursively: the C generator
# overflows Python's stack at about 250 levels, the checker and the HLS later (measured on
# Python 3.11 with the default recursion limit); 64 leaves a margin of ~4x for deeper call
# stacks and statements nested up to Python's limit of 100, and is far above what the bundled
# machines use (7, in hw/npu.yaml). Checked before typing, so no backend sees a deeper one.
MAX_EXPR_DEPTH = 64
DEPTH_HINT = ("split it with local variables, e.g. 't: u32 = a ^ b ^ c' then 'r = t ^ d ^ e' "
              "(every assignment starts a new expression)")
EXPR_BUILTINS = ("sext", "zext", "cat", "min", "max", "div", "rem", "load", "range")


@dataclass(frozen=True)
class Lit:
    """An integer whose width is not chosen yet (literals, params, folded constants)."""
    value: int
    loc: Loc


class ExprChecker:
    """Types expressions; subclasses provide `view`, `fields`, `local_types` and scopes."""

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


    # --------------------------------------------------------- expressions
    def expr(self, node: ast.expr, scope):
        handler = getattr(self, f"expr_{type(node).__name__}", None)
        if handler is None:
            self.fail(node, f"'{syntax_name(node)}' is not allowed in an expression",
                      "expressions use integers, names, state[i], + - * & | ^ << >> ~, comparisons, "
                      "and/or/not, a if c else b, and the built-ins uN/sN/sext/zext/cat/min/max/div/rem/load")
        return self.limit(handler(node, scope), node)

    def expr_Constant(self, node: ast.Constant, scope):
        if isinstance(node.value, bool):
            return Lit(int(node.value), self.loc(node))
        if isinstance(node.value, int):
            if node.value.bit_length() > MAX_FOLD_BITS:      # 0xfff... thousands of digits long
                self.fail(node, f"this constant has {node.value.bit_length()} bits; at most {MAX_WIDTH} are "
                                "supported", "write a value of at most 64 bits")
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
        if name in EXPR_BUILTINS or name in STATEMENT_BUILTINS or annotation_type(node) is not None:
            self.fail(node, f"built-in '{name}' must be called", f"write {name}(...)")
        if name in getattr(self, "fixed", {}):
            self.fail(node, f"field '{name}' is fixed to {self.fixed[name]} by 'match', so it is not an operand",
                      f"write the constant {self.fixed[name]}, or drop '{name}' from match")
        self.fail(node, f"unknown name '{name}'", self.known_names(scope))

    def known_names(self, scope) -> str:
        groups = [("fields", self.fields), ("state", self.view.state), ("params", self.view.params),
                  ("locals", {n: s for n, s in scope.names.items()})]
        listed = "; ".join(f"{label}: {', '.join(sorted(names))}" for label, names in groups if names)
        return f"names in scope — {listed}" if listed else "no names are in scope"

    def expr_BinOp(self, node: ast.BinOp, scope):
        op = AST_BINARY_OPS.get(type(node.op))
        if op is None:
            self.fail(node, f"operator '{operator_text(node.op)}' is not part of the language",
                      "use + - * & | ^ << >>; divide with div(a, b) and rem(a, b) (they truncate), "
                      "or by powers of two with >>")
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
        t = common_type(a.type, b.type)
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
            self.fail(node, f"'{operator_text(node.ops[0])}' is not a comparison of integers", "use == != < <= > >=")
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
        t = common_type(a.type, b.type)
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
                      "built-ins: uN/sN, sext, zext, cat, min, max, div, rem, load")
        name = node.func.id
        if node.keywords:
            self.fail(node, f"{name}(...) takes positional arguments only")
        cast = annotation_type(node.func)
        if cast is not None:
            self.arity(node, 1)
            a = self.expr(node.args[0], scope)
            if isinstance(a, Lit):
                return ir.Const(cast.wrap(a.value), cast, self.loc(node))
            return ir.Cast(a, cast, self.loc(node))
        if name in STATEMENT_BUILTINS:
            self.fail(node, f"{name}(...) is a statement, not a value", f"call {name}(...) on its own line")
        handler = getattr(self, f"call_{name}", None)
        if handler is None or name == "range":
            self.fail(node, f"unknown function '{name}'", "built-ins: uN/sN, sext, zext, cat, min, max, div, rem, load")
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

    def call_div(self, node, scope):
        return self.division(node, scope, "div")

    def call_rem(self, node, scope):
        return self.division(node, scope, "rem")

    def division(self, node, scope, op):
        """div(a, b) / rem(a, b): truncating, with RISC-V's results for a zero divisor (spec/intdiv.py)."""
        self.arity(node, 2)
        a, b = self.expr(node.args[0], scope), self.expr(node.args[1], scope)
        if isinstance(a, Lit) and isinstance(b, Lit):
            if b.value == 0:
                self.fail(node, f"{op}(...) of constants divides by zero",
                          "a constant divisor must not be 0 (the value would depend on a type)")
            return Lit(divide(op, a.value, b.value, IntType(True, 1)), self.loc(node))
        if isinstance(a, Lit):
            a = self.sized(a, b.type)
        if isinstance(b, Lit):
            b = self.sized(b, a.type)
        return ir.Binary(op, a, b, division_type(op, a.type, b.type), self.loc(node))

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


def expression_depth(node: ast.AST) -> tuple[int, ast.AST | None]:
    """The deepest expression below `node`: (its depth, its outermost node). Iterative, so
    that measuring an expression of any depth cannot itself overflow the stack."""
    deepest, where = 0, None
    stack = [(node, 0, None)]
    while stack:
        n, depth, root = stack.pop()
        if isinstance(n, ast.expr):
            depth, root = depth + 1, root or n
            if depth > deepest:
                deepest, where = depth, root
        else:
            depth, root = 0, None                  # a statement starts new expressions
        stack.extend((child, depth, root) for child in ast.iter_child_nodes(n))
    return deepest, where


def check_expression_depth(tree: ast.AST, checker: "ExprChecker"):
    """A SpecError at the outermost node of an expression nested deeper than MAX_EXPR_DEPTH."""
    depth, where = expression_depth(tree)
    if depth > MAX_EXPR_DEPTH:
        checker.fail(where, f"this expression nests {depth} levels deep; at most {MAX_EXPR_DEPTH} are supported",
                     DEPTH_HINT)


def common_type(a: IntType, b: IntType) -> IntType:
    """The common type of two operands: same signedness, the wider; mixed, signed and wide enough for both."""
    if a.signed == b.signed:
        return IntType(a.signed, max(a.width, b.width))
    s, u = (a, b) if a.signed else (b, a)
    return IntType(True, max(s.width, u.width + 1))


_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
         "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
         "shl": lambda a, b: a << b, "shr": lambda a, b: a >> b, "min": min, "max": max}
# Constants (literals, params, folded sub-expressions) may pass through wider values on the
# way to a <= 64-bit one, up to this size: it bounds the folding work ((x * x) nested doubles
# at every level) and keeps every constant printable in a message (int -> str stops at 4300
# decimal digits, about 14000 bits).
MAX_FOLD_BITS = 8192


def _fold_binary(op: str, a: int, b: int, node, checker: "ExprChecker") -> int:
    if op in ("shl", "shr") and not 0 <= b <= 4096:
        checker.fail(node, f"shift amount {b} out of range")
    la, lb = a.bit_length(), b.bit_length()
    bits = la + lb if op == "mul" else la + b if op == "shl" else max(la, lb) + 1
    if bits > MAX_FOLD_BITS:                       # refused before computing it
        checker.fail(node, f"this constant expression exceeds {MAX_FOLD_BITS} bits",
                     f"constants are at most {MAX_WIDTH} bits in the end; write the value directly")
    return _FOLD[op](a, b)


def annotation_type(node: ast.expr) -> IntType | None:
    """The integer type a name like `u8` or `s32` denotes, or None (also for anything but a name)."""
    return type_named(node.id) if isinstance(node, ast.Name) else None


def type_named(text: str) -> IntType | None:
    """`parse_type` for any name a user wrote: a name longer than any type name is none
    (parse_type would convert its digits to an int, refused past 4300 digits)."""
    return parse_type(text) if len(text) <= 8 else None


def operator_text(op: ast.AST) -> str:
    """How error messages show a Python operator outside the language ('/', 'is', ...)."""
    return {ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@",
            ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}.get(type(op), type(op).__name__)


def syntax_name(node: ast.AST) -> str:
    """How error messages name a Python construct outside the language ('def', 'lambda', ...)."""
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
