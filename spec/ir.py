"""Spec IR: a validated machine description.

Frozen dataclasses, every node with its source `Loc`. Expressions carry their inferred
`IntType`; the checker (`semantics.py`) inserts explicit `Cast`s so that an assignment's
value always has its target's type. Backends (the Python reference, the C generator,
the HLS) consume this IR and nothing else.

Locals, loop variables and instruction fields share one numbered slot space per
instruction: fields take slots 0..len(fields)-1, so an interpreter can run a body over a
flat frame.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .errors import Loc
from .types import IntType

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Const:
    value: int
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class SlotRef:
    """Read of an instruction field, a local, or a loop variable."""
    name: str
    slot: int
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class StateRead:
    """Read of a state element; `indices` has the element's rank (0 for a reg)."""
    state: str
    indices: tuple
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class PcRead:
    """The address of the instruction being executed (fetch machines)."""
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Load:
    """`nbytes` consecutive elements of a 1-D u8 memory from `addr`, little-endian, unsigned."""
    mem: str
    addr: "Expr"
    nbytes: int
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Unary:
    op: str            # 'neg' | 'invert' | 'not'
    a: "Expr"
    type: IntType
    loc: Loc


BINARY_OPS = ("add", "sub", "mul", "and", "or", "xor", "shl", "shr", "min", "max", "div", "rem")
COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge")


@dataclass(frozen=True)
class Binary:
    op: str            # one of BINARY_OPS; add/sub/mul never overflow `type` (widths grow)
    a: "Expr"
    b: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Compare:
    """Compares the mathematical values of a and b, whatever their signedness; u1."""
    op: str
    a: "Expr"
    b: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Logic:
    """Short-circuit 'and' / 'or' of two truth values (nonzero is true); u1."""
    op: str
    a: "Expr"
    b: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Select:
    """`a if cond else b`; only the chosen side is evaluated."""
    cond: "Expr"
    a: "Expr"
    b: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Cast:
    """The value of `a` modulo 2**type.width, read in `type` (value-preserving when it fits)."""
    a: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Reinterpret:
    """The bits of `a` read with another signedness at the same width (sext/zext core)."""
    a: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Slice:
    """Bits hi..lo of `a`'s two's-complement pattern; unsigned, hi-lo+1 bits."""
    a: "Expr"
    hi: int
    lo: int
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Concat:
    """Bit concatenation, most significant part first; unsigned."""
    parts: tuple
    type: IntType
    loc: Loc


Expr = Union[Const, SlotRef, StateRead, PcRead, Load, Unary, Binary, Compare, Logic,
             Select, Cast, Reinterpret, Slice, Concat]

# ----------------------------------------------------------------- statements


@dataclass(frozen=True)
class SlotTarget:
    name: str
    slot: int
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class StateTarget:
    state: str
    indices: tuple
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class Assign:
    target: Union[SlotTarget, StateTarget]
    value: Expr        # value.type == target.type (the checker casts)
    loc: Loc


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple
    orelse: tuple
    loc: Loc


@dataclass(frozen=True)
class For:
    """`for var in range(start, stop)`; body runs at most `max_trips` times (proved statically)."""
    var: SlotTarget
    start: Expr
    stop: Expr
    body: tuple
    max_trips: int
    loc: Loc


@dataclass(frozen=True)
class Assert:
    cond: Expr
    message: str
    loc: Loc


@dataclass(frozen=True)
class Store:
    """Write `value`'s low 8*nbytes bits little-endian into a 1-D u8 memory at `addr`."""
    mem: str
    addr: Expr
    nbytes: int
    value: Expr
    loc: Loc


@dataclass(frozen=True)
class Jump:
    """Set the next pc (fetch machines); without a Jump the next pc is pc + instruction bytes."""
    target: Expr
    loc: Loc


@dataclass(frozen=True)
class Halt:
    """Stop the machine with an exit code."""
    code: Expr
    loc: Loc


@dataclass(frozen=True)
class EnvCall:
    """Ask the host environment for a service (syscalls, semihosting); `kind` is constant."""
    kind: int
    loc: Loc


Stmt = Union[Assign, If, For, Assert, Store, Jump, Halt, EnvCall]

# -------------------------------------------------------------- machine level


@dataclass(frozen=True)
class StateElement:
    name: str
    kind: str                      # 'reg' | 'regfile' | 'mem'
    type: IntType
    shape: tuple                   # () for a reg; (count,) for a regfile
    external: bool
    zero_index: int | None         # regfile entry hardwired to zero (RISC-V x0)
    loc: Loc

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True)
class FieldDef:
    """An instruction operand: bit pieces (hi, lo) concatenated msb-first, then `lsb_zeros` zeros."""
    name: str
    pieces: tuple
    lsb_zeros: int
    signed: bool
    pcrel: bool                    # assembler: a label operand becomes label - pc
    loc: Loc

    @property
    def type(self) -> IntType:
        width = sum(hi - lo + 1 for hi, lo in self.pieces) + self.lsb_zeros
        return IntType(self.signed, width)


@dataclass(frozen=True)
class Format:
    name: str
    width: int
    fields: tuple                  # of FieldDef, in declaration order
    syntax: str | None             # assembler template, e.g. "{rd:x}, {rs1:x}, {imm}"
    loc: Loc

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Instruction:
    name: str
    opcode_index: int              # position in Machine.instructions (counters use it)
    format: Format
    match: tuple                   # ((field name, value), ...): fixed fields that select it
    operands: tuple                # FieldDefs that are not fixed: slots 0..n-1, in order
    body: tuple                    # of Stmt
    nslots: int
    unit: str | None               # hls: functional unit
    unroll: tuple                  # hls: ((loop var, factor), ...)
    source: str                    # the semantics text, for comments in generated code
    loc: Loc


@dataclass(frozen=True)
class Fetch:
    """A processor: instructions are fetched from `memory` at `pc`, `ilen` bytes each."""
    pc: str
    memory: str
    base: int                      # address of memory element 0
    ilen: int
    loc: Loc


@dataclass(frozen=True)
class Queue:
    """An accelerator: a host pushes `width`-bit commands."""
    width: int
    loc: Loc


@dataclass(frozen=True)
class HlsUnit:
    name: str
    queue_depth: int
    loc: Loc


@dataclass(frozen=True)
class HlsDirectives:
    units: tuple                   # of HlsUnit
    banks: tuple                   # ((state name, bank count), ...)
    dram: tuple                    # ((timing parameter, value), ...)
    loc: Loc


@dataclass(frozen=True)
class Machine:
    name: str
    path: str
    params: tuple                  # ((name, value), ...) after overrides
    state: tuple                   # of StateElement
    fetch: Fetch | None
    queue: Queue | None
    formats: tuple
    instructions: tuple
    hls: HlsDirectives
    digest: str                    # sha256 of the source text and the overrides
    loc: Loc
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._index.update({("state", s.name): s for s in self.state})
        self._index.update({("instr", i.name): i for i in self.instructions})

    def state_element(self, name: str) -> StateElement:
        return self._index[("state", name)]

    def instruction(self, name: str) -> Instruction:
        return self._index[("instr", name)]

    def has_instruction(self, name: str) -> bool:
        return ("instr", name) in self._index

    @property
    def param(self) -> dict:
        return dict(self.params)

    @property
    def word_bits(self) -> int:
        return self.fetch.ilen * 8 if self.fetch else self.queue.width
