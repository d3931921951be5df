"""The Python builder API for workloads: `prog.mvin(rows=8, cols=8, row=0, addr=0x100)`.

Each method name is an instruction's name in lower case; keyword arguments are its
operands (fields not fixed by `match`). A bad operand raises ValueError at the call
that wrote it, not at simulation time.
"""
from __future__ import annotations

from spec import ir
from spec.encoding import encode


class Program:
    def __init__(self, machine: ir.Machine):
        self.machine = machine
        self.words: list[int] = []
        self._by_name = {i.name.lower(): i for i in machine.instructions}

    def emit(self, name: str, **operands: int) -> "Program":
        instr = self._by_name.get(name.lower())
        if instr is None:
            raise AttributeError(f"{self.machine.name} has no instruction '{name}' "
                                 f"(it has: {', '.join(sorted(self._by_name))})")
        self.words.append(encode(instr, operands))
        return self

    def __getattr__(self, name: str):
        if name.startswith("_") or name.lower() not in self._by_name:
            raise AttributeError(f"{self.machine.name} has no instruction '{name}'")
        return lambda **operands: self.emit(name, **operands)

    def __len__(self) -> int:
        return len(self.words)
