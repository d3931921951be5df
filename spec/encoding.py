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


# ------------------------------------------------------------------ many words at once
VECTOR_FIELD_BITS = 62      # wider fields are range-checked with Python ints, one value at a time


class EncodeError(ValueError):
    """`encode_many` met an operand that does not fit; `row` is the first offending word
    (the message is the one `encode` gives for that word)."""

    def __init__(self, message: str, row: int):
        super().__init__(message)
        self.row = row


def _split_limbs(word: int, nwords: int) -> list[int]:
    return [(word >> (64 * k)) & MASK64 for k in range(nwords)]


def encode_many(instr: ir.Instruction, operands: dict, nwords: int, count: int | None = None) -> np.ndarray:
    """The words of `count` `instr` commands as (count, nwords) uint64 limbs, least
    significant first (the layout of `command_limbs`): the vectorised `encode`.

    `operands` maps operand names to integer arrays (one value per word) or to single
    integers (the same in every word); a missing operand is 0, as in `encode`. Raises
    `EncodeError` (a ValueError with `encode`'s message for the first bad word) when an
    operand does not fit its field."""
    names = {f.name for f in instr.operands}
    for key in operands:
        if key not in names:
            raise ValueError(f"{instr.name} has no operand '{key}' (operands: {', '.join(sorted(names)) or 'none'})")
    arrays = {k: np.asarray(v) for k, v in operands.items()}
    if count is None:
        sizes = {a.shape[0] for a in arrays.values() if a.ndim}
        if len(sizes) != 1:
            raise ValueError(f"encode_many({instr.name}): give `count` or operand arrays of one length (got {sizes})")
        count = sizes.pop()
    fixed = 0
    for name, value in instr.match:
        fixed = insert(instr.format.field(name), fixed, value)
    out = np.empty((count, nwords), dtype=np.uint64)
    out[:] = np.array(_split_limbs(fixed, nwords), dtype=np.uint64)
    _check_fit(instr, arrays, count)
    for f in instr.operands:
        value = arrays.get(f.name)
        if value is None:
            continue
        if f.type.width > VECTOR_FIELD_BITS or value.dtype.kind not in "iu":
            _insert_slow(f, out, value, count, nwords)
            continue
        bits = (value.astype(np.int64) & f.type.mask).astype(np.uint64) >> np.uint64(f.lsb_zeros)
        for hi, lo in reversed(f.pieces):
            width = hi - lo + 1
            _place(out, bits & np.uint64((1 << width) - 1), hi, lo)
            bits = bits >> np.uint64(width)
    return out


def _check_fit(instr: ir.Instruction, arrays: dict, count: int):
    """Raise `encode`'s error for the first word with an operand that does not fit."""
    bad_rows = []                   # (row, field) of the first bad value of each field
    for f in instr.operands:
        value = arrays.get(f.name)
        if value is None:
            continue
        if f.type.width > VECTOR_FIELD_BITS or value.dtype.kind not in "iu":
            ok = np.array([fits(f, int(v)) for v in np.broadcast_to(value, (count,))], dtype=bool)
        else:
            v = value.astype(np.int64)
            ok = (v >= f.type.min) & (v <= f.type.max) & (v & ((1 << f.lsb_zeros) - 1) == 0)
        if not ok.all():
            bad_rows.append(int(np.argmin(np.broadcast_to(ok, (count,)))))
    if not bad_rows:
        return
    row = min(bad_rows)
    scalars = {k: int(np.broadcast_to(v, (count,))[row]) for k, v in arrays.items()}
    try:
        encode(instr, scalars)
    except ValueError as exc:
        raise EncodeError(str(exc), row) from None
    raise AssertionError("encode_many and encode disagree on which operands fit")   # pragma: no cover


def _place(out: np.ndarray, piece: np.ndarray, hi: int, lo: int):
    """OR `piece` (uint64, already masked to hi - lo + 1 bits) into bits hi..lo of the words."""
    for k in range(lo // 64, hi // 64 + 1):
        shift = lo - 64 * k
        out[:, k] |= piece << np.uint64(shift) if shift >= 0 else piece >> np.uint64(-shift)


def _insert_slow(f: ir.FieldDef, out: np.ndarray, value: np.ndarray, count: int, nwords: int):
    """Fields wider than the vector path handles: Python ints, one word at a time."""
    for row, v in enumerate(np.broadcast_to(value, (count,))):
        limbs = _split_limbs(insert(f, 0, int(v)), nwords)
        for k in range(nwords):
            out[row, k] |= np.uint64(limbs[k])


def words_from_limbs(limbs: np.ndarray) -> list[int]:
    """The inverse of `command_limbs`: Python ints from (n, nwords) uint64 limbs."""
    words = limbs[:, 0].tolist()
    for k in range(1, limbs.shape[1]):
        rows = np.flatnonzero(limbs[:, k])          # few commands use the high limbs (NPU: CONFIGs)
        shift = 64 * k
        for row, high in zip(rows.tolist(), limbs[rows, k].tolist()):
            words[row] |= high << shift
    return words


class LimbWords:
    """A read-only sequence of command words kept as their (n, limbs) uint64 binary: an
    item or a slice becomes Python ints only when read (a queue holding 3.2e6 commands
    that the C model reads from the binary never needs them)."""

    def __init__(self, limbs: np.ndarray):
        self.limbs = limbs

    def __len__(self) -> int:
        return len(self.limbs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return words_from_limbs(self.limbs[index])
        row = self.limbs[index]
        return sum(int(limb) << (64 * k) for k, limb in enumerate(row))

    def __iter__(self):
        return iter(words_from_limbs(self.limbs))
