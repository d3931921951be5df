"""Compiler stubs: an Exo (exo-lang 1.0) hardware library generated from the Spec IR.

What the generated module holds, and how spec constructs map onto Exo:
  * one `Memory` subclass per internal memory (npu.sp -> NPU_SP, ...). A pointer into it
    is a row number disguised as a pointer (Gemmini's Exo library does the same), so
    alloc/free/window templates call the simulator's row allocator.
  * one `@config` class (NpuConfig) with a field per register: `stride` for registers
    that scale a loop variable in an external-memory address (ld_stride), otherwise the
    Exo integer type that holds the register (st_shift: ui8).
  * per command an `@instr` proc `<machine>_<command>` whose body is the semantics in Exo,
    and, for commands with asserted operand bounds (`rows <= DIM`), full-tile variants
    `<...>_full[_<flag><0|1>]`: sizes fixed at their bound, 1-bit mode fields split,
    mode registers (read in conditions) assumed 0. Folding those facts leaves the plain
    loop nest a scheduled kernel can be `replace`d with.
Operands (the judgement calls):
  * a field added to an internal memory's first index (`sp[row + r, j]`) becomes that
    memory's window argument `sp: [i8][rows, DIM] @ NPU_SP`; the C template recovers the
    row from the window pointer. A memory indexed without a field (`w[k, j]`) is a
    whole-memory argument.
  * a field added to an external-memory address (`dram[addr + r * ld_stride + j]`)
    becomes a DRAM tensor window `[i8][rows, cols]`: each other address term
    `loop var x (constant | stride register)` is one dimension, the `j x element size`
    term is the contiguous innermost one. Element types come from the access:
    `s8(dram[..])` -> i8, `s32(load(dram, .., 4))` -> i32, a store -> its value's sign.
    The template passes the host pointer through `dcsim_<m>_<mem>_addr()`.
  * a stride register is established inside the template when a config command sets
    only registers the instr can derive (CONFIG_LD from the window's stride, CONFIG_ST
    with the full variant's assumed shift = relu = 0), as Gemmini's `ld_i8` does;
    otherwise the body asserts `stride(win, d) == Config.reg` (1-byte elements only).
  * fields bounding loops or windows are `size`, 1-bit fields used only as conditions
    are `bool`, fields copied into stride registers are `stride`, data fields are scalars.
  * data: + - * directly; shifts, min and max through small Externs (dcsim_shl, ...);
    data-dependent ifs and conditional values are predicated with Exo's `select`;
    value casts are implicit at Exo assignments (bodies specify, the C calls execute).
    Locals without an exact Exo type (s48) are `R`.
Running kernels: runtime.py generates the C behind the templates (command encoding from
the formats, recording, execution on the compiled functional simulator, row allocators);
host.py compiles Exo output + runtime into one cached library, places the kernel's DRAM
tensors inside the simulator's memory (DramArena) and returns the command stream, which
replays on the RTL. kernels.py holds scheduled GEMMs. The modules: gen (assembly),
operands (what each operand becomes), lower (Exo text), simplify (variant folding).
Inexpressible constructs (bit slices, cat, bitwise logic, jumps, halts, loop variables
used as data, 16-bit signed memories...) raise SpecError at their path:line:col.
"""
from .gen import generate_exo_module, write_exo_module

__all__ = ["generate_exo_module", "write_exo_module"]
