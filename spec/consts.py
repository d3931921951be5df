"""Constant integer expressions in machine files (`1 << 20`, `SP_ROWS * DIM`, `0x80000000`).

Parsed with `ast` and folded here; nothing is ever evaluated by Python itself.
"""
from __future__ import annotations

import ast

from .errors import Loc, SpecError

_FOLD = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b, ast.BitXor: lambda a, b: a ^ b,
}
ALLOWED = "integers (42, 0x2A, 0b101, 1_000), parameter names, + - * // % << >> & | ^ and parentheses"


def const_int(text: str, loc: Loc, params: dict[str, int]) -> int:
    """Fold `text` to an int using `params`; errors point at `loc`."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise SpecError(loc, f"'{text}' is not a constant integer expression", f"write {ALLOWED}") from None
    return _fold(tree.body, text, loc, params)


def _fold(node: ast.AST, text: str, loc: Loc, params: dict[str, int]) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        if node.id in params:
            return params[node.id]
        raise SpecError(loc, f"unknown parameter '{node.id}' in '{text}'",
                        f"known parameters: {', '.join(sorted(params)) or 'none'}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        value = _fold(node.operand, text, loc, params)
        return {ast.USub: -value, ast.UAdd: value, ast.Invert: ~value}[type(node.op)]
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        a, b = _fold(node.left, text, loc, params), _fold(node.right, text, loc, params)
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and b == 0:
            raise SpecError(loc, f"division by zero in '{text}'")
        if isinstance(node.op, (ast.LShift, ast.RShift)) and not 0 <= b <= 4096:
            raise SpecError(loc, f"shift amount {b} out of range in '{text}'")
        return _FOLD[type(node.op)](a, b)
    raise SpecError(loc, f"'{text}' is not a constant integer expression", f"write {ALLOWED}")
