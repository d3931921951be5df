"""Per-machine caches that a machine changed in memory cannot fool.

A machine's `digest` hashes its source text and parameter overrides, so a machine built
from another with `dataclasses.replace` (tests and studies do: one HLS unit instead of
three) keeps its source's digest. Results derived from the machine (its RTL, its compiled
C model, its in-flight window) are therefore cached by digest *and* checked by equality of
the whole IR (~0.1 ms on the NPU): a hit needs the same machine, not just the same file.
"""
from __future__ import annotations

from typing import Callable, Generic, TypeVar

from . import ir

T = TypeVar("T")


class MachineMemo(Generic[T]):
    def __init__(self):
        self._entries: dict[str, tuple[ir.Machine, T]] = {}

    def get(self, machine: ir.Machine, make: Callable[[ir.Machine], T]) -> T:
        """`make(machine)`, computed once per machine (the last one made per digest is kept)."""
        hit = self._entries.get(machine.digest)
        if hit is not None and (hit[0] is machine or hit[0] == machine):
            return hit[1]
        value = make(machine)
        self._entries[machine.digest] = (machine, value)
        return value
