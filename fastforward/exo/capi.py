"""The functional simulator's C API as the Exo templates call it: every name in one place.

runtime.py generates these in C for a machine (host.py builds and runs kernels with
them); the Exo library only emits calls. One function per command pushes that command
with its operand fields in the spec's declaration order. Helpers turn Exo window pointers back into command fields:
an external memory's host pointer into a byte address of the simulated memory, and an
internal memory's fake pointer (a row number, as Gemmini's Exo library does for its
scratchpad) into a row index.
"""
from __future__ import annotations


def prefix(machine) -> str:
    return f"dcsim_{machine.name}"


def header(machine) -> str:
    return f"{prefix(machine)}.h"


def command(machine, instr) -> str:
    """`dcsim_npu_mvin(rows, cols, row, addr)`: push one command, operands in field order."""
    return f"{prefix(machine)}_{instr.name.lower()}"


def address(machine, mem: str) -> str:
    """`dcsim_npu_dram_addr(const void *p)`: host pointer into external memory -> element address."""
    return f"{prefix(machine)}_{mem}_addr"


def row(machine, mem: str) -> str:
    """`dcsim_npu_sp_row(const void *p)`: fake pointer of an internal memory -> row index."""
    return f"{prefix(machine)}_{mem}_row"


def alloc(machine, mem: str) -> str:
    """`void *dcsim_npu_sp_alloc(uint32_t rows)`: reserve rows; returns a fake pointer (the row)."""
    return f"{prefix(machine)}_{mem}_alloc"


def free(machine, mem: str) -> str:
    """`void dcsim_npu_sp_free(void *p)`."""
    return f"{prefix(machine)}_{mem}_free"


def extern(machine, op: str) -> str:
    """Helpers for operations Exo's expression language lacks: shl, shr, min, max."""
    return f"dcsim_{op}"
