"""Bit encodings: field extraction and insertion, and the decode table.

A field's value is its bit pieces concatenated most-significant first, followed by
`lsb_zeros` zero bits, read as signed if the field is signed (RISC-V immediates).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ir
from .errors import SpecError


MASK64 = (1 << 64) - 1


def limbs_for(width: int) -> int:
    """64-bit limbs that hold one command or instruction word of `width` bits (at least one)."""
    return max(1, -(-width // 64))


def machine_limbs(machine: ir.Machine) -> int:
    """64-bit limbs per command of a queue machine (1 for a fetch machine's instruction words)."""
    return limbs_for(machine.queue.width) if machine.queue is not None else 1


def command_limbs(words: list, nwords: int) -> np.ndarray:
    """(len(words), nwords) uint64: each command split into 64-bit limbs, least significant
    first: the binary form of a command stream that the C model, the RTL engine and the strata
    share. One C-level pass per limb (608k two-limb commands in ~40 ms, against ~0.3 s for
    a Python loop assigning numpy elements)."""
    n = len(words)
    out = np.empty((n, nwords), dtype=np.uint64)
    for k in range(nwords):
        shift = 64 * k
        out[:, k] = np.fromiter((w >> shift & MASK64 for w in words) if k else (w & MASK64 for w in words),
                                dtype=np.uint64, count=n)
    return out


def extract(f: ir.FieldDef, word: int) -> int:
    value = 0
    for hi, lo in f.pieces:
        width = hi - lo + 1
        value = (value << width) | ((word >> lo) & ((1 << width) - 1))
    value <<= f.lsb_zeros
    return f.type.wrap(value)


def insert(f: ir.FieldDef, word: int, value: int) -> int:
    """`word` with field `f` set to `value` (which must fit the field exactly)."""
    bits = value & f.type.mask
    bits >>= f.lsb_zeros
    for hi, lo in reversed(f.pieces):
        width = hi - lo + 1
        mask = (1 << width) - 1
        word = (word & ~(mask << lo)) | ((bits & mask) << lo)
        bits >>= width
    return word


def fits(f: ir.FieldDef, value: int) -> bool:
    return f.type.contains(value) and value & ((1 << f.lsb_zeros) - 1) == 0


def match_mask(instr: ir.Instruction) -> tuple[int, int]:
    """(mask, value): a word encodes `instr` iff word & mask == value."""
    mask = value = 0
    for name, fixed in instr.match:
        f = instr.format.field(name)
        mask = insert(f, mask, f.type.mask if not f.signed else -1)
        value = insert(f, value, fixed)
    return mask, value


def check_decodable(instructions: tuple):
    """Every instruction must be distinguishable from every other by its fixed fields."""
    seen: dict[tuple, ir.Instruction] = {}
    for instr in instructions:
        if not instr.match and len(instructions) > 1:
            raise SpecError(instr.loc, f"instruction '{instr.name}' has no 'match' fields, so it cannot be decoded",
                            "give it fixed field values, e.g. match: {opcode: 3}")
        key = match_mask(instr)
        if key in seen:
            raise SpecError(instr.loc, f"'{instr.name}' has the same encoding as '{seen[key].name}'",
                            "change a match value so the two differ")
        seen[key] = instr


@dataclass(frozen=True)
class Decoded:
    instr: ir.Instruction
    operands: tuple          # operand values in slot order


class Decoder:
    """Decodes words; more specific encodings (more fixed bits) win."""

    def __init__(self, machine: ir.Machine):
        entries = [(match_mask(i), i) for i in machine.instructions]
        entries.sort(key=lambda e: -bin(e[0][0]).count("1"))
        self.entries = entries

    def decode(self, word: int) -> Decoded | None:
        for (mask, value), instr in self.entries:
            if word & mask == value:
                return Decoded(instr, tuple(extract(f, word) for f in instr.operands))
        return None


def encode(instr: ir.Instruction, operands: dict[str, int]) -> int:
    """The word for `instr` with `operands`; raises ValueError naming a bad or missing operand."""
    word = 0
    for name, fixed in instr.match:
        word = insert(instr.format.field(name), word, fixed)
    names = {f.name for f in instr.operands}
    for key in operands:
        if key not in names:
            raise ValueError(f"{instr.name} has no operand '{key}' (operands: {', '.join(sorted(names)) or 'none'})")
    for f in instr.operands:
        value = operands.get(f.name, 0)
        if not fits(f, value):
            align = f" and a multiple of {1 << f.lsb_zeros}" if f.lsb_zeros else ""
            raise ValueError(f"{instr.name}: operand {f.name}={value} does not fit {f.type} "
                             f"({f.type.min}..{f.type.max}{align})")
        word = insert(f, word, value)
    return word
