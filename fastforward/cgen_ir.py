"""What the C generator's modules share: IR queries (walking a node's subtree, whether an
expression can fault, whether one integer type holds every value of another), C types and
literals, fault sites and the names C reserves."""
from __future__ import annotations

from dataclasses import dataclass

from spec import ir
from spec.errors import Loc
from spec.types import IntType, numpy_dtype_name

C_RESERVED = frozenset("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned
void volatile while ctx op npc main memcpy memcmp""".split())


@dataclass(frozen=True)
class FaultSite:
    """Where the C code can fault; `csim` renders the reference's message from it."""
    kind: str              # 'fetch' | 'illegal' | 'index' | 'assert' | 'load' | 'store'
    instr: str | None
    loc: Loc | None
    detail: tuple = ()     # index: (state, k, dim); assert: (message,); load/store: (mem, n, size)
    signed: bool = False   # how to read the faulting value (index or address)


def ctype(t: IntType) -> str:
    return "int64_t" if t.signed else "uint64_t"


def element_ctype(e: ir.StateElement) -> str:
    return numpy_dtype_name(e.type) + "_t"


def c_int(value: int, signed: bool) -> str:
    if signed:
        return "INT64_MIN" if value == -(1 << 63) else f"INT64_C({value})"
    return f"UINT64_C({value:#x})" if value > 0xFFFF else f"UINT64_C({value})"


def children(node):
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if hasattr(v, "__dataclass_fields__"))
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, (Loc, IntType)):
            yield value


def walk(node):
    """`node` and every IR node under it, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


def may_fault(e) -> bool:
    """True if evaluating `e` can fault (indexed state reads and loads are bounds-checked)."""
    return any(isinstance(n, ir.Load) or (isinstance(n, ir.StateRead) and n.indices) for n in walk(e))


def fits(inner: IntType, outer: IntType) -> bool:
    return outer.contains(inner.min) and outer.contains(inner.max)


def c_division(op: str, a: str, at: IntType, b: str, bt: IntType, t: IntType, temps: tuple[str, str]) -> str:
    """C for div(a, b) / rem(a, b) (spec/intdiv.py): truncating like C's `/` and `%`, with the
    zero divisor tested first. Operands are computed in a type that holds both exactly and
    where the quotient cannot overflow (INT64_MIN / -1 is undefined in C): int64_t or
    uint64_t when they suffice, else __int128. `temps` are two fresh C names."""
    if not at.signed and not bt.signed:   # uint64_t holds both (rem's type is a's: b may be signed)
        work = "uint64_t"
    elif max(at.width + (not at.signed), bt.width + (not bt.signed)) <= 63:
        work = "int64_t"
    else:
        work = "__int128"
    x, y = temps
    zero = c_int(-1 if t.signed else t.mask, t.signed) if op == "div" else x
    result = f"{x} / {y}" if op == "div" else f"{x} % {y}"
    return (f"({{ {work} {x} = ({work})({a}); {work} {y} = ({work})({b}); "
            f"({ctype(t)})({y} == 0 ? ({work}){zero} : {result}); }})")


def state_used(machine: ir.Machine, stmts) -> list[str]:
    """Names of the state elements `stmts` read or write, in the machine's order."""
    names = set()
    for stmt in stmts:
        for n in walk(stmt):
            if isinstance(n, ir.StateRead):
                names.add(n.state)
            elif isinstance(n, ir.StateTarget):
                names.add(n.state)
            elif isinstance(n, (ir.Load, ir.Store)):
                names.add(n.mem)
            elif isinstance(n, ir.PcRead):
                names.add(machine.fetch.pc)
    return [s.name for s in machine.state if s.name in names]


def calls_host(machine: ir.Machine, stmts) -> bool:
    """True if `stmts` may call back into Python (env_call, or a store the watch sees), which
    may read or write any state: such code keeps plain (not `restrict`) state pointers."""
    fetch_mem = machine.fetch.memory if machine.fetch else None
    return any(isinstance(n, ir.EnvCall) or (isinstance(n, ir.Store) and n.mem == fetch_mem)
               for stmt in stmts for n in walk(stmt))
