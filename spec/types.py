"""Fixed-width integer types of the specification language.

A type is a width in bits and a signedness; values are mathematical integers kept inside
the type's range. The width rules of every operator live in `semantics.py`; this module
only knows how to name, parse and wrap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WIDTH = 64
_TYPE_RE = re.compile(r"^([us])([0-9]+)$")


@dataclass(frozen=True)
class IntType:
    signed: bool
    width: int

    def __str__(self) -> str:
        return f"{'s' if self.signed else 'u'}{self.width}"

    @property
    def min(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1

    def contains(self, value: int) -> bool:
        return self.min <= value <= self.max

    def wrap(self, value: int) -> int:
        """`value` modulo 2**width, read back in this type (two's complement if signed)."""
        value &= self.mask
        if self.signed and value >> (self.width - 1):
            value -= 1 << self.width
        return value


U1 = IntType(False, 1)


def parse_type(text: str) -> IntType | None:
    """'u32' -> IntType(False, 32); None if `text` is not a type name of 1..64 bits."""
    match = _TYPE_RE.match(text)
    if not match:
        return None
    width = int(match.group(2))
    if not 1 <= width <= MAX_WIDTH:
        return None
    return IntType(match.group(1) == "s", width)


def type_of_constant(value: int) -> IntType:
    """The narrowest type that holds `value` exactly."""
    if value >= 0:
        return IntType(False, max(1, value.bit_length()))
    return IntType(True, (~value).bit_length() + 1)


def numpy_dtype_name(t: IntType) -> str:
    """The smallest numpy integer dtype that holds every value of `t`."""
    for bits in (8, 16, 32, 64):
        if t.width <= bits:
            return f"{'int' if t.signed else 'uint'}{bits}"
    raise ValueError(f"{t} is wider than 64 bits")
