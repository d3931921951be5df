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
operands (what each operand becomes), lower (Exo text), simplify (variant folding),
opaque (callable stand-ins for commands Exo cannot express).
Exact and opaque instrs: a command is *exact* when the above lowers its semantics to Exo
(the body is usable by `replace`). A command using a construct Exo cannot express -- a
data-dependent index (`out[idx[i]]`), a type Exo 1.0 lacks (u32 or s16 memories, u32
registers read as data), a field used both as data and as a loop bound, bit slices, cat,
bitwise logic, register files, jumps, halts, loop variables used as data -- becomes an
*opaque* instr (opaque.py): every operand field an `index` argument, every memory it
touches a whole-memory window argument of the right class and shape (a same-size stand-in
element type where Exo lacks the real one), a stand-in body that touches those memories,
the same C template, and a comment giving the SpecError (path:line:col) that kept it from
being exact. The generated module's docstring lists which instrs are exact and which are
opaque (EXACT, OPAQUE). Only a command that cannot be called at all (it touches an external
memory with 8-byte elements) is a SpecError in strict mode; strict=False (`--lenient`)
lists it in SKIPPED.
"""
from .gen import generate_exo_module, write_exo_module

__all__ = ["generate_exo_module", "write_exo_module"]
