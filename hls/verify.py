"""The FSMD verifier: structural rules every scheduled machine must satisfy.

Run after scheduling in tests (and by `build_fsmd(..., verify=True)`). A violation is a bug
in the HLS, not in the user's machine file, so it raises `FsmdError` (an AssertionError).
"""
from __future__ import annotations

from spec import ir
from spec.types import U1

from . import fsmd
from .fsmd import MemRead, RegRef

MAX_DATAPATH_WIDTH = 130        # spec values are <= 64 bits; index and compare helpers add a little


class FsmdError(AssertionError):
    pass


def verify(m: fsmd.Fsmd) -> fsmd.Fsmd:
    _require(all(s.id == i + 1 for i, s in enumerate(m.states)), "state ids are not 1..N in order")
    regs = {r.name: r for r in m.registers}
    mems = {x.name: x for x in m.memories}
    _require(len(regs) == len(m.registers) and len(mems) == len(m.memories), "duplicate register/memory names")
    _require(not set(regs) & set(mems), "a register and a memory share a name")
    for s in m.states:
        _verify_state(s, regs, mems, len(m.states))
    for sch in m.schedules:
        _require(1 <= sch.entry <= len(m.states), f"{sch.instruction}: entry {sch.entry} out of range")
        for latch in sch.fields:
            _require(regs.get(latch.reg) is not None and regs[latch.reg].type == latch.field.type,
                     f"{sch.instruction}: field register {latch.reg} missing or mistyped")
    _verify_reachable(m)
    _verify_units(m, regs, mems)
    _require(m.fifo_depth >= 2 and m.fifo_depth & (m.fifo_depth - 1) == 0, "FIFO depth is not a power of two")
    return m


def _require(ok: bool, message: str):
    if not ok:
        raise FsmdError(message)


def _verify_state(s: fsmd.State, regs: dict, mems: dict, n: int):
    where = f"state {s.id} ({s.instruction}, {s.loc})"
    targets = [w.reg for w in s.writes]
    _require(len(targets) == len(set(targets)), f"{where}: a register is written twice")
    for w in s.writes:
        _require(w.reg in regs, f"{where}: write to unknown register {w.reg}")
        _require(w.value.type == regs[w.reg].type, f"{where}: {w.reg} is {regs[w.reg].type}, value is {w.value.type}")
    reads: dict[str, set] = {}
    for root in fsmd.state_exprs(s):
        for node in fsmd.walk(root):
            _verify_node(node, where, regs, mems, reads)
    for mem, indices in reads.items():
        _require(_port_accesses(mems[mem], indices) <= mems[mem].read_ports,
                 f"{where}: {len(indices)} reads of {mem} exceed its read ports")
    written: dict[str, set] = {}
    for w in s.mem_writes:
        _require(w.mem in mems, f"{where}: write to unknown memory {w.mem}")
        mem = mems[w.mem]
        _require(w.value.type == mem.type, f"{where}: {w.mem} holds {mem.type}, value is {w.value.type}")
        _require(w.index.type == ir.IntType(False, mem.index_width), f"{where}: bad index type for {w.mem}")
        _require(w.guard.type == U1, f"{where}: write guard is not u1")
        written.setdefault(w.mem, set()).add(fsmd.loc_free(w.index))
    for mem, indices in written.items():
        _require(_port_accesses(mems[mem], indices) <= mems[mem].write_ports,
                 f"{where}: {len(indices)} writes of {mem} exceed its write ports")
    for c in s.checks:
        _require(c.cond.type == U1, f"{where}: check condition is not u1")
    nxt = s.next
    targets = {fsmd.Goto: lambda t: (t.target,), fsmd.Branch: lambda t: (t.then, t.orelse), fsmd.Retire: lambda t: ()}
    _require(type(nxt) in targets, f"{where}: bad transition {nxt!r}")
    for t in targets[type(nxt)](nxt):
        _require(1 <= t <= n, f"{where}: transition to unknown state {t}")
    if isinstance(nxt, fsmd.Branch):
        _require(nxt.cond.type == U1, f"{where}: branch condition is not u1")


def _port_accesses(mem: fsmd.Memory, indices: set) -> int:
    """How many port accesses reading (writing) `indices` of `mem` in one state takes:
    one per element, per row or burst (a wide port: the index without its constant
    offset), none for a completely partitioned memory."""
    if mem.port == "full":
        return 0
    if mem.port == "element":
        return len(indices)
    return len({fsmd.affine(i)[0] for i in indices})


def _verify_node(node, where: str, regs: dict, mems: dict, reads: dict):
    _require(isinstance(node, (RegRef, MemRead, *fsmd.OPERATOR_NODES)),
             f"{where}: {type(node).__name__} is not an FSMD datapath node")
    _require(1 <= node.type.width <= MAX_DATAPATH_WIDTH, f"{where}: width {node.type.width} out of range")
    if isinstance(node, RegRef):
        _require(node.name in regs and regs[node.name].type == node.type, f"{where}: bad register read {node.name}")
    if isinstance(node, MemRead):
        _require(node.mem in mems and mems[node.mem].type == node.type, f"{where}: bad memory read {node.mem}")
        _require(node.index.type == ir.IntType(False, mems[node.mem].index_width), f"{where}: bad index for {node.mem}")
        reads.setdefault(node.mem, set()).add(fsmd.loc_free(node.index))


def _verify_reachable(m: fsmd.Fsmd):
    seen: set[int] = set()
    stack = [sch.entry for sch in m.schedules]
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        nxt = m.state(sid).next
        stack.extend({fsmd.Goto: lambda t: (t.target,), fsmd.Branch: lambda t: (t.then, t.orelse)}
                     .get(type(nxt), lambda t: ())(nxt))
    _require(len(seen) == len(m.states), f"unreachable states: {sorted(set(range(1, len(m.states) + 1)) - seen)}")


def _verify_units(m: fsmd.Fsmd, regs: dict, mems: dict):
    names = [u.name for u in m.units]
    _require(len(names) == len(set(names)), "duplicate unit names")
    members = [i for u in m.units for i in u.instructions]
    _require(sorted(members) == sorted(s.instruction for s in m.schedules),
             "every instruction belongs to exactly one unit")
    for u in m.units:
        _require(u.queue_depth >= 2 and u.queue_depth & (u.queue_depth - 1) == 0,
                 f"unit {u.name}: queue depth is not a power of two")
        for i in u.instructions:
            _require(m.unit_of(i) == u.name, f"{i}: unit mismatch")
    shapes = {x.state: x.shape for x in m.memories}
    for sch in m.schedules:
        keys = [(a.state, a.write) for a in sch.footprint]
        _require(len(keys) == len(set(keys)), f"{sch.instruction}: footprint lists a state twice")
        for a in sch.footprint:
            where = f"{sch.instruction}: footprint of {a.state}"
            if a.state not in shapes:
                _require(a.lo is None and a.hi is None and f"s_{a.state}" in regs, f"{where}: bad register access")
                continue
            for bound in (a.lo, a.hi):
                _require(bound is not None and bound.type == fsmd.bound_type(shapes[a.state][0]),
                         f"{where}: bound missing or mistyped")
                for node in fsmd.walk(bound):
                    _require(isinstance(node, (fsmd.CmdField, *fsmd.OPERATOR_NODES)),
                             f"{where}: {type(node).__name__} in a dispatch-time bound")
