"""Checks of a correspondence file against the Verilated design, before anything runs:
every named signal exists (a misspelling names the closest real signal), has the width its
role needs, inputs the harness drives are input ports, and every mapping can hold the
spec's values (a register too narrow for the state element, an array too short for the
mapped indices, a slice outside its signal are errors)."""
from __future__ import annotations

import difflib
import re

from spec import ir
from spec.errors import SpecError

from .build import Symbol
from .correspondence import Correspondence, Signal


def check_parameters(corr: Correspondence, verilog: str):
    """Every parameter the file sets is declared by the top module (before Verilator, which
    would only warn). Of a design of several files, only the top module's text is searched:
    another module's parameter of the same name is not the top's."""
    top = re.search(rf"\bmodule\s+{re.escape(corr.top)}\b.*?\bendmodule\b", verilog, re.S)
    text = top.group(0) if top else verilog
    for name, _, loc in corr.parameters:
        if not re.search(rf"\bparameter\b[^;,)]*?\b{re.escape(name)}\b", text):
            raise SpecError(loc, f"the Verilog declares no parameter '{name}'",
                            f"parameters are those of module {corr.top} in {corr.verilog.name}")


def resolve(corr: Correspondence, table: dict[str, Symbol], sig: Signal) -> Symbol:
    """The symbol a signal names: a port of the top, else a signal inside it."""
    sym = table.get(sig.name) if "." not in sig.name else None
    sym = sym or table.get(f"{corr.top}.{sig.name}")
    if sym is None:
        names = [k.removeprefix(f"{corr.top}.") for k in table]
        close = difflib.get_close_matches(sig.name, names, n=1)
        raise SpecError(sig.loc, f"no signal '{sig.name}' in {corr.top} ({corr.verilog.name})",
                        f"did you mean '{close[0]}'?" if close else "name a port or a signal of the top module "
                        "(INSTANCE.NAME inside instances)")
    if sig.bits is not None and sig.bits[0] >= sym.width:
        raise SpecError(sig.loc, f"bit {sig.bits[0]} is outside '{sig.name}' ({sym.width} bits)")
    return sym


def width(sig: Signal, sym: Symbol) -> int:
    return sym.width if sig.bits is None else sig.bits[0] - sig.bits[1] + 1


def check(corr: Correspondence, machine: ir.Machine, table: dict[str, Symbol]) -> dict[str, Symbol]:
    """Check the file against the design's symbol table; returns the symbol of each signal by name."""
    syms = {}
    for sig in corr.signals():
        sym = resolve(corr, table, sig)
        if sym.width > 64:
            raise SpecError(sig.loc, f"'{sig.name}' is {sym.width} bits wide; the harness handles signals of "
                            "at most 64 bits")
        syms[sig.name] = sym
    one_bit = [(corr.clock, "the clock"), (corr.reset, "the reset")]
    for b in corr.buses:
        one_bit += [(b.valid, "bus valid"), (b.ready, "bus ready")]
        one_bit += [(b.instr, "bus instr")] if b.instr else []
        one_bit += [(b.write, "bus write")] if b.write else []
    one_bit += [(corr.trap.signal, "the trap signal")] if corr.trap else []
    for sig, what in one_bit:
        _scalar(sig, syms[sig.name], what)
        if width(sig, syms[sig.name]) != 1:
            raise SpecError(sig.loc, f"{what} '{sig.text}' must be 1 bit, it is {width(sig, syms[sig.name])}")
    driven = [(corr.clock, "the clock"), (corr.reset, "the reset"), *((s, "a tied input") for s, _ in corr.tie)]
    for b in corr.buses:
        driven += [(b.ready, "bus ready"), (b.rdata, "bus rdata")]
    for sig, what in driven:
        if syms[sig.name].port != "in" or sig.bits is not None:
            raise SpecError(sig.loc, f"{what} '{sig.name}' is driven by the harness: it must be a whole input "
                            f"port of {corr.top}")
    for sig, value in (*corr.tie, *corr.quiescent, *corr.retire):
        _scalar(sig, syms[sig.name], f"'{sig.name}'")
        if value >> width(sig, syms[sig.name]):
            raise SpecError(sig.loc, f"{value:#x} does not fit '{sig.text}' ({width(sig, syms[sig.name])} bits)")
    for b in corr.buses:
        _check_bus(b, machine, syms)
    for m in corr.state:
        _check_mapping(m, machine, syms)
    return syms


def _scalar(sig: Signal, sym: Symbol, what: str):
    if sym.depth is not None:
        raise SpecError(sig.loc, f"{what} '{sig.name}' is an array of {sym.depth}; name one signal")


def _check_bus(b, machine: ir.Machine, syms: dict):
    for sig in (b.addr, b.wdata, b.wstrb, b.rdata):
        if sig is not None:
            _scalar(sig, syms[sig.name], "a bus signal")
    data = width(b.rdata, syms[b.rdata.name])
    if data % 8 or data not in (8, 16, 32, 64):
        raise SpecError(b.rdata.loc, f"bus rdata is {data} bits: the bus model serves 8, 16, 32 or 64-bit words")
    if b.wdata is None:
        pass
    elif width(b.wdata, syms[b.wdata.name]) != data:
        raise SpecError(b.wdata.loc, f"bus wdata is {width(b.wdata, syms[b.wdata.name])} bits, rdata {data}")
    elif width(b.wstrb, syms[b.wstrb.name]) != data // 8:
        raise SpecError(b.wstrb.loc, f"bus wstrb must have one bit per byte of the {data}-bit word "
                        f"({data // 8}), it has {width(b.wstrb, syms[b.wstrb.name])}")
    mem = next(s for s in machine.state if s.name == b.memory)
    top_address = machine.fetch.base + mem.size - 1
    if top_address >> width(b.addr, syms[b.addr.name]):
        raise SpecError(b.addr.loc, f"bus addr ({width(b.addr, syms[b.addr.name])} bits) cannot address "
                        f"{b.memory}, which ends at {top_address:#x}")


def _check_mapping(m, machine: ir.Machine, syms: dict):
    s = next(x for x in machine.state if x.name == m.state)
    if m.form in ("derived", "outside"):
        return
    for sig in (m.signal, *m.also):
        sym = syms[sig.name]
        if m.form == "register":
            _scalar(sig, sym, f"the register of '{s.name}'")
        elif sym.depth is None:
            raise SpecError(sig.loc, f"'{sig.name}' is not a Verilog array; '{s.name}' needs one "
                            f"(or map a register with signal:)")
        held = width(sig, sym) * m.parts
        if held < s.type.width:
            parts = f" x {m.parts} parts" if m.parts > 1 else ""
            raise SpecError(sig.loc, f"'{sig.text}' is {width(sig, sym)} bits wide{parts}: it cannot hold "
                            f"'{s.name}' ({s.type.width} bits)",
                            f"give parts: {-(-s.type.width // width(sig, sym))} (entries per element)"
                            if m.form == "array" else "map it to a signal at least as wide as the spec's type")
        if m.form == "array":
            lo, hi = (m.first + m.offset) * m.parts, (m.last + m.offset + 1) * m.parts - 1
            if lo < 0 or hi >= sym.depth:
                raise SpecError(sig.loc, f"{s.name}[{m.first}..{m.last}] maps to elements {lo}..{hi} of "
                                f"'{sig.name}', which has {sym.depth}", "check indices, offset and parts")
