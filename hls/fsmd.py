"""FSMD IR: a machine's instructions as one scheduled finite-state machine with a datapath.

The level between the Spec IR and Verilog text. A `Fsmd` holds registers (instruction
fields, locals, loop counters, temporaries and `reg` state elements), memories (the spec's
`mem`/`regfile` state, with their bank count and ports) and, per instruction, a
`Schedule`: the states it walks through. A `State` is one clock cycle: a set of parallel
register transfers, memory writes and assertion checks, then a transition.

Datapath expressions reuse the Spec IR's operator nodes (`Const`, `Unary`, `Binary`,
`Compare`, `Logic`, `Select`, `Cast`, `Reinterpret`, `Slice`, `Concat`) with the same
exact-integer semantics; their leaves are `RegRef` (a register's value at the start of
the state) and `MemRead` (a read port of a memory at a flat row-major index). Everything a
state computes depends only on values at the start of the state, so the state is a set of
parallel transfers, exactly what an FSMD cycle does in hardware.

A processor (`Fsmd.fetch`) has no command FIFO: its one unit fetches the instruction word
from memory at pc, decodes it with the schedules' match masks and commits the next pc when
the instruction retires (rtlgen/core.py).

State ids are global: `Fsmd.states[i].id == i`; id 0 is reserved for IDLE (dispatch)
by the code generator and never appears in `states`.

Decoupling. Every schedule belongs to a `Unit` (from the spec's `hls.unit` directives; a
machine without them has one unit, `main`). Each unit has its own command queue and its
own FSM over the states of its instructions; all units run concurrently. A dispatcher moves
commands from the command FIFO to the units' queues in program order. A command's hazard
`footprint` (what state it reads and writes: row ranges of memories as `Access` bounds over
`CmdField` leaves, whole registers) is computed at dispatch and kept with it while it is in
flight; a command waits in the FIFO while an in-flight command of another unit conflicts
(RAW, WAR, WAW). A `barrier` instruction (no unit in a machine that has units, e.g. FENCE)
dispatches only when every unit is drained.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from spec import ir
from spec.errors import Loc
from spec.types import IntType


@dataclass(frozen=True)
class RegRef:
    """The value of register `name` at the start of the current state."""
    name: str
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class MemRead:
    """One read-port access: element `index` (flat, row-major, unsigned) of memory `mem`."""
    mem: str
    index: "Expr"
    type: IntType
    loc: Loc


@dataclass(frozen=True)
class CmdField:
    """Operand `field` of the command at the head of the command FIFO (dispatch-time logic)."""
    field: ir.FieldDef
    type: IntType
    loc: Loc


Expr = Union[ir.Const, RegRef, MemRead, CmdField, ir.Unary, ir.Binary, ir.Compare, ir.Logic, ir.Select,
             ir.Cast, ir.Reinterpret, ir.Slice, ir.Concat]
OPERATOR_NODES = (ir.Const, ir.Unary, ir.Binary, ir.Compare, ir.Logic, ir.Select, ir.Cast,
                  ir.Reinterpret, ir.Slice, ir.Concat)


@dataclass(frozen=True)
class Register:
    name: str
    type: IntType
    kind: str              # 'field' | 'local' | 'loop' | 'temp' | 'state'
    loc: Loc


@dataclass(frozen=True)
class Memory:
    """A spec memory as an SRAM: `size` elements, `banks` banks, ports per cycle.

    `port` is how wide one port access is, chosen by the HLS from the unroll directives:
    'element' (one element), 'wide' (a whole row of a 2-D memory, the lanes of the row
    partitioned over `lanes` SRAMs; for a 1-D memory such as DRAM, a burst of consecutive
    elements from one base address) or 'full' (completely partitioned into registers: any
    elements every cycle). A state reads at most `read_ports` distinct elements/rows/bursts
    and writes at most `write_ports`. Banks interleave blocks of `bank_rows` rows
    (bank = (row // bank_rows) mod banks); units touching one bank in a cycle conflict."""
    name: str
    state: str             # the spec state element it holds
    type: IntType
    shape: tuple
    size: int
    index_width: int
    banks: int
    read_ports: int
    write_ports: int
    loc: Loc
    port: str = "element"  # 'element' | 'wide' | 'full'
    lanes: int = 1         # elements one port access covers ('wide' 2-D: the row length)
    bank_rows: int = 1     # rows per bank block


@dataclass(frozen=True)
class RegWrite:
    reg: str
    value: Expr
    loc: Loc


@dataclass(frozen=True)
class MemWrite:
    mem: str
    index: Expr
    value: Expr
    guard: Expr            # u1; the write happens only when it is nonzero
    loc: Loc


@dataclass(frozen=True)
class Check:
    """A spec assert: if `cond` is zero the machine faults (sticky, until reset)."""
    cond: Expr
    message: str
    loc: Loc


@dataclass(frozen=True)
class Goto:
    target: int


@dataclass(frozen=True)
class Branch:
    cond: Expr             # u1, over start-of-state values
    then: int
    orelse: int


@dataclass(frozen=True)
class Retire:
    """The instruction is done: count it and go back to dispatch (a fetch machine: commit the
    next pc and fetch). Fetch machines only: `halt` (an exit code expression) stops the core
    after this instruction; `env_call` (a kind) stops it with an environment call pending,
    which the host services before the core resumes."""
    halt: "Expr | None" = None
    env_call: int | None = None


Transition = Union[Goto, Branch, Retire]


@dataclass(frozen=True)
class State:
    id: int
    instruction: str
    writes: tuple          # of RegWrite, at most one per register
    mem_writes: tuple      # of MemWrite
    checks: tuple          # of Check
    next: Transition
    loc: Loc               # the spec statement that opened this state


@dataclass(frozen=True)
class FieldLatch:
    """At dispatch, register `reg` takes operand `field` of the command word."""
    reg: str
    field: ir.FieldDef


@dataclass(frozen=True)
class Access:
    """One part of a hazard footprint: the instruction reads (or writes) state `state`.

    For a memory, rows `lo..hi` (inclusive) of its first dimension: expressions over
    `CmdField`s and constants of type `Fsmd.bound_type(state)`, clamped to [-1, rows];
    `exact` is False when the index form was not recognised and the bounds are the whole
    memory. For a register, `lo` and `hi` are None (registers are tracked whole)."""
    state: str
    write: bool
    lo: Expr | None
    hi: Expr | None
    exact: bool
    loc: Loc


@dataclass(frozen=True)
class Schedule:
    instruction: str
    opcode_index: int
    match: tuple           # (mask, value) over the command word
    fields: tuple          # of FieldLatch
    entry: int             # first state id
    loc: Loc
    unit: str = "main"     # the functional unit that executes it
    barrier: bool = False  # dispatches only when every unit is drained (FENCE)
    footprint: tuple = ()  # of Access, at most one per (state, write)


@dataclass(frozen=True)
class Unit:
    """A functional unit: an in-order FSM with a command queue of `queue_depth` entries."""
    name: str
    queue_depth: int       # a power of two >= 2
    instructions: tuple    # names, in decode priority order
    loc: Loc


@dataclass(frozen=True)
class DramTiming:
    """Timing of an external memory behind a request/response port (one port per unit).

    Bytes move in bursts of `bytes_per_cycle` (one burst per cycle on the shared channel,
    the bandwidth limit). A burst the port does not hold costs `t_hit` cycles when its
    DRAM row (`row_bytes`) is open in its bank (bank = row mod `banks`), else `t_miss`.
    `outstanding` is how many requests a port keeps in flight: 1 (a demand waits for its
    own burst), or a power of two up to 16, a stream prefetcher with that many request slots
    (`rtlgen.verilog`'s DRAM ports say how it predicts)."""
    mem: str
    row_bytes: int
    t_hit: int
    t_miss: int
    bytes_per_cycle: int
    banks: int
    loc: Loc
    outstanding: int = 1


@dataclass(frozen=True)
class FetchPort:
    """A processor's instruction fetch: at an instruction boundary the core reads `ilen`
    consecutive elements of byte memory `memory` (one word-wide port) at `pc - base`, decodes
    the word with the schedules' match masks and starts the instruction. Register `pc` is the
    pc; `npc` (when live) carries the next pc between an instruction's states."""
    pc: str
    npc: str
    memory: str
    base: int
    ilen: int
    loc: Loc


@dataclass(frozen=True)
class Note:
    """Why the scheduler spent more cycles than the spec's structure asks for, at spec line
    `loc` of `instruction`: `kind` 'control' (an `if` inside an unrolled loop became a branch,
    so the unrolled copies run one after another) or 'port' (a memory's ports ran out: reads
    latched into temporaries in earlier cycles, or the state split). `hls.report` lists them."""
    instruction: str
    kind: str
    message: str
    loc: Loc


@dataclass(frozen=True)
class Fsmd:
    machine: str
    digest: str
    path: str
    command_width: int
    fifo_depth: int
    registers: tuple       # of Register
    memories: tuple        # of Memory
    schedules: tuple       # of Schedule, in decode priority order (most fixed bits first)
    states: tuple          # of State; states[i].id == i + 1
    loc: Loc
    units: tuple = ()      # of Unit; every schedule's unit is one of them
    dram: tuple = ()       # of DramTiming (external memories with a timing model)
    fetch: FetchPort | None = None   # a processor: instructions come from memory, not a queue
    notes: tuple = ()      # of Note: where unrolled loops were serialized, and why

    def register(self, name: str) -> Register:
        return next(r for r in self.registers if r.name == name)

    def memory(self, name: str) -> Memory:
        return next(m for m in self.memories if m.name == name)

    def state(self, sid: int) -> State:
        return self.states[sid - 1]

    def schedule(self, instruction: str) -> Schedule:
        return next(s for s in self.schedules if s.instruction == instruction)

    def unit_of(self, instruction: str) -> str:
        return self.schedule(instruction).unit


def bound_type(rows: int) -> IntType:
    """The type of footprint bounds of a memory with `rows` rows: holds -1 .. rows."""
    return IntType(True, rows.bit_length() + 1)


def affine(e) -> tuple:
    """(terms, offset): `e` as a sum of opaque terms plus a constant, looking through `add`
    and casts (casts are taken as modular, which is what a flat memory index is). Two
    indices with equal terms and different offsets name different elements."""
    if isinstance(e, ir.Const):
        return (), e.value
    if isinstance(e, ir.Binary) and e.op == "add":
        (ta, ca), (tb, cb) = affine(e.a), affine(e.b)
        return ta + tb, ca + cb
    if isinstance(e, ir.Cast):
        return affine(e.a)
    return (e,), 0


_NO_LOC = Loc("", 0, 0)
_LEAF_FIELDS = ("loc",)


def loc_free(e):
    """`e` with every source position blanked: two expressions that compute the same value
    from the same operands compare (and hash) equal however, and wherever, the spec wrote
    them. Port keys, written cells and read-after-write checks compare indices this way, so
    `a[o, j]` written twice in a statement (or a write in each branch of an if) is one access."""
    if isinstance(e, tuple):
        return tuple(loc_free(x) for x in e)
    if not isinstance(e, (RegRef, MemRead, CmdField, *OPERATOR_NODES)):
        return e
    changes = {f: loc_free(getattr(e, f)) for f in e.__dataclass_fields__ if f not in _LEAF_FIELDS}
    return type(e)(**changes, loc=_NO_LOC)


def children(e) -> tuple:
    """The sub-expressions of a datapath expression."""
    if isinstance(e, (ir.Const, RegRef, CmdField)):
        return ()
    if isinstance(e, MemRead):
        return (e.index,)
    if isinstance(e, (ir.Unary, ir.Cast, ir.Reinterpret, ir.Slice)):
        return (e.a,)
    if isinstance(e, (ir.Binary, ir.Compare, ir.Logic)):
        return (e.a, e.b)
    if isinstance(e, ir.Select):
        return (e.cond, e.a, e.b)
    if isinstance(e, ir.Concat):
        return e.parts
    raise TypeError(f"not an FSMD expression: {type(e).__name__}")


def walk(e):
    """Every node of `e`, parents before children (shared subtrees may repeat)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def state_exprs(s: State):
    """Every root expression a state evaluates."""
    for w in s.writes:
        yield w.value
    for m in s.mem_writes:
        yield from (m.index, m.value, m.guard)
    for c in s.checks:
        yield c.cond
    if isinstance(s.next, Branch):
        yield s.next.cond
    if isinstance(s.next, Retire) and s.next.halt is not None:
        yield s.next.halt
