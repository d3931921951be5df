"""Integer division of the semantics language: `div(a, b)` and `rem(a, b)`.

Python's `//` and `%` round toward minus infinity, C's `/` and `%` and Verilog's toward
zero, and all three leave a zero divisor undefined or raising. The language therefore has
no division operator but two built-ins with one meaning for every backend (the Python
reference, the generated C, the RTL), the one RISC-V's M extension chose:

  div(a, b)   the quotient rounded toward zero; div(a, 0) is all ones of the result type
              (-1 if it is signed, its maximum if unsigned)
  rem(a, b)   a - b * div(a, b): the sign of a, |rem| < |b|; rem(a, 0) is a

Result types keep the value exact (no overflow, as for the other operators):
  div   both unsigned: a's type; otherwise signed, one bit wider than a (div(s32 -2**31, -1)
        is 2**31, an s33)
  rem   a's type (|rem| <= |a| and it has a's sign)
This module is the executable definition; every backend is checked against it.
"""
from __future__ import annotations

from .types import IntType

DIVISION_OPS = ("div", "rem")


def division_type(op: str, a: IntType, b: IntType) -> IntType:
    """The result type of div(a, b) / rem(a, b) for operands of types a and b."""
    if op == "rem":
        return a
    if not a.signed and not b.signed:
        return a
    return IntType(True, a.width + 1)


def divide(op: str, a: int, b: int, result: IntType) -> int:
    """div(a, b) or rem(a, b) of mathematical values; `result` is the type of the outcome
    (it only matters for div by zero, whose value is all ones of that type)."""
    if b == 0:
        if op == "div":
            return -1 if result.signed else result.mask
        return a
    quotient = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        quotient = -quotient
    return quotient if op == "div" else a - b * quotient
