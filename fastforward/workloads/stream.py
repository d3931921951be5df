"""A command stream written in whole arrays: the vectorised form of `fastforward.program.Program`.

A workload generator knows where every command of a GEMM goes before it writes any (the
tiling is regular), so instead of encoding one command object at a time it reserves a
range of stream positions and puts each instruction's commands there as arrays of
operand values. `limbs()` encodes each piece with `spec.encoding.encode_many` and
scatters it to its positions: the (n, limbs) uint64 binary that the C model, the RTL
engine and the strata take. The Python ints (`commands`) are made only when asked.

An operand that does not fit its field raises the ValueError `Program` raises, for the
first such command in stream order, so errors read as they did with `Program`.
"""
from __future__ import annotations

import numpy as np

from spec import ir
from spec.encoding import EncodeError, encode_many, machine_limbs


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of `counts[g]` items: the group and the index within it of every item,
    groups in order (the vector form of `for g: for i in range(counts[g])`)."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(len(group)) - starts[group]


class CommandStream:
    """Commands of one machine, placed by position; `limbs()` encodes them all."""

    def __init__(self, machine: ir.Machine):
        self.machine = machine
        self.nwords = machine_limbs(machine)
        self.length = 0
        self._pieces: list[tuple[ir.Instruction, np.ndarray, dict]] = []
        self._by_name = {i.name.lower(): i for i in machine.instructions}

    def has(self, name: str) -> bool:
        return name.lower() in self._by_name

    def reserve(self, n: int) -> int:
        """Claim the next `n` positions; returns the first."""
        start = self.length
        self.length += int(n)
        return start

    def put(self, name: str, positions, **operands):
        """`name` commands at `positions` (reserved before), operands as arrays or ints.
        No positions, no command: the machine need not have the instruction (a GEMM without
        bias puts no MVIN_ACC)."""
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        if not len(positions):
            return
        instr = self._by_name.get(name.lower())
        if instr is None:
            raise AttributeError(f"{self.machine.name} has no instruction '{name}' "
                                 f"(it has: {', '.join(sorted(self._by_name))})")
        self._pieces.append((instr, positions, operands))

    def append(self, name: str, **operands):
        """One command at the end of the stream (as `Program.emit`)."""
        self.put(name, [self.reserve(1)], **operands)

    def limbs(self) -> np.ndarray:
        """The stream as (length, limbs) uint64; every reserved position must have been put."""
        out = np.empty((self.length, self.nwords), dtype=np.uint64)
        whole = np.dtype((np.void, 8 * self.nwords))      # one command as one item: a scatter of rows
        written = np.zeros(self.length, dtype=np.int8)
        first_bad: tuple[int, str] | None = None
        for instr, positions, operands in self._pieces:
            try:
                words = encode_many(instr, operands, self.nwords, count=len(positions))
            except EncodeError as exc:
                where = int(positions[exc.row])
                if first_bad is None or where < first_bad[0]:
                    first_bad = (where, str(exc))
                continue
            out.view(whole)[positions, 0] = words.view(whole)[:, 0]
            written[positions] += 1
        if first_bad is not None:
            raise ValueError(first_bad[1])
        # the pieces' sizes add up to the length, so a position put twice leaves another unput
        if sum(len(p) for _, p, _ in self._pieces) != self.length or not (written == 1).all():
            raise AssertionError(f"command stream: positions {np.flatnonzero(written != 1)[:5].tolist()} "
                                 "written other than once")
        return out
