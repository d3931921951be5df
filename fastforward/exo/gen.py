"""Assemble the Exo hardware library module of a machine (see the package docstring)."""
from __future__ import annotations

import os
from pathlib import Path

from spec import ir
from spec.errors import SpecError

from . import capi
from .lower import Lowering, MachineFacts, Variant, config_type, safe
from .opaque import opaque_proc
from .simplify import walk


def generate_exo_module(machine: ir.Machine, *, strict: bool = True) -> str:
    """Python source of an Exo 1.0 library for `machine`.

    Every command gets an instr: an exact one (its body is the command's semantics, usable by
    `replace`) when Exo can express it, otherwise an opaque one (opaque.py: the right signature,
    a stand-in body, a comment saying which construct at which path:line:col). Only a command
    that cannot even be called (opaque.py says when) is an error: strict raises its SpecError,
    strict=False leaves it out and lists it in the module's SKIPPED.
    """
    facts = machine_facts(machine)
    procs, index, opaque, skipped = [], {}, {}, {}
    for instr in machine.instructions:
        try:
            defs = instr_procs(facts, instr)
        except SpecError as why:
            try:
                defs = [opaque_proc(facts, instr, why)]
            except SpecError as err:
                if strict:
                    raise
                skipped[instr.name] = err.render()
                continue
            opaque[instr.name] = why.render()
        index[instr.name] = [name for name, _ in defs]
        procs += [text for _, text in defs]
    parts = [_header(machine, index, opaque, skipped), _PRELUDE.format(shl=capi.extern(machine, "shl"))]
    parts += [_memory_class(machine, facts, s) for s in machine.state if s.kind == "mem" and not s.external]
    parts.append(_config_class(machine, facts))
    parts += procs
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def write_exo_module(machine: ir.Machine, path, *, strict: bool = True) -> Path:
    """Write the library to `path` (and to $DCSIM_DUMP/ if set); returns the path."""
    text = generate_exo_module(machine, strict=strict)
    path = Path(path)
    path.write_text(text)
    dump = os.environ.get("DCSIM_DUMP")
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        (Path(dump) / f"{machine.name}_exo.py").write_text(text)
    return path


# ------------------------------------------------------------------ machine facts


def machine_facts(machine: ir.Machine) -> MachineFacts:
    regs = {s.name for s in machine.state if s.kind == "reg"}
    external = {s.name for s in machine.state if s.kind == "mem" and s.external}
    stride_regs = set()
    for instr in machine.instructions:
        for n in walk(instr.body):
            addr = _external_address(n, external)
            if addr is not None:
                stride_regs |= {x.state for x in walk(addr) if isinstance(x, ir.StateRead) and x.state in regs}
    return MachineFacts(machine, _camel(machine.name) + "Config",
                        {s.name: f"{machine.name}_{s.name}".upper() for s in machine.state
                         if s.kind == "mem" and not s.external},
                        stride_regs, _config_commands(machine, regs))


def _external_address(n, external):
    if isinstance(n, (ir.StateRead, ir.StateTarget)) and n.state in external:
        return n.indices
    if isinstance(n, (ir.Load, ir.Store)) and n.mem in external:
        return n.addr
    return None


def _config_commands(machine, regs) -> dict:
    """Commands that only copy operand fields (or constants) into registers."""
    out = {}
    for instr in machine.instructions:
        writes = []
        for s in instr.body:
            v = s.value if isinstance(s, ir.Assign) else None
            while isinstance(v, (ir.Cast, ir.Reinterpret)):
                v = v.a
            if not (isinstance(s, ir.Assign) and isinstance(s.target, ir.StateTarget)
                    and s.target.state in regs and isinstance(v, (ir.SlotRef, ir.Const))):
                writes = None
                break
            writes.append((s.target.state, v.name if isinstance(v, ir.SlotRef) else v.value))
        if writes:
            out[instr.name] = tuple(writes)
    return out


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


# ----------------------------------------------------------------------- variants


def instr_procs(facts: MachineFacts, instr: ir.Instruction) -> list[tuple[str, str]]:
    """[(proc name, source)] for the general instr and its full-tile variants."""
    base = f"{facts.machine.name}_{instr.name.lower()}"
    general = Variant("", {}, {})
    out = [(base, _define(facts, instr, general, base))]
    sizes = _asserted_bounds(instr)
    if not sizes:
        return out
    probe = Lowering(facts, instr, general)
    modes = [f for f, k in probe.field_kinds().items() if k == "bool"]
    assumed = {r: 0 for r in _mode_registers(instr) if facts.reg_writer(r)}
    for values in _bool_choices(modes):
        fixed = dict(sizes, **values)
        suffix = "_full" + "".join(f"_{f}{v}" for f, v in values.items())
        variant = Variant(suffix, fixed, dict(assumed))
        name = base + suffix
        out.append((name, _define(facts, instr, variant, name)))
    return out


def _define(facts, instr, variant, name) -> str:
    lowering = Lowering(facts, instr, variant)
    fusions = _fusions(facts, lowering, variant)
    if variant.assumed and not all(any(r == reg for _, ws in fusions for r, _ in ws) for reg in variant.assumed):
        variant = Variant(variant.suffix, variant.fixed, {})          # cannot establish the assumption
        lowering = Lowering(facts, instr, variant)
        fusions = _fusions(facts, lowering, variant)
    lines, template = lowering.emit(name, fusions)
    return f"@instr({template!r})\n" + "\n".join(lines)


def _fusions(facts, lowering, variant) -> list:
    """Config commands to issue inside the template: [(C function, [(register, value)])] in field order."""
    derivable = {}
    lowering.name_windows()
    for w in lowering.windows.values():
        for d, (_, coef) in enumerate(w.dims):
            if isinstance(coef, str):
                derivable[coef] = (w, d)
    needed = set(derivable) | set(variant.assumed)
    out = []
    for cmd, writes in facts.config_cmds.items():
        regs = {r for r, _ in writes}
        if not regs & needed or not regs <= needed:
            continue
        instr = facts.machine.instruction(cmd)
        args = []
        for fd in instr.operands:
            reg = next((r for r, src in writes if src == fd.name), None)
            value = 0 if reg is None else derivable.get(reg, variant.assumed.get(reg, 0))
            args.append((reg, value))
        out.append((capi.command(facts.machine, instr), args))
    return out


def _asserted_bounds(instr) -> dict:
    """Operand fields with an assert 'f <= K' (K constant): their full-tile value is K."""
    fields = {fd.name for fd in instr.operands}
    out = {}
    for n in walk(instr.body):
        if (isinstance(n, ir.Compare) and n.op == "le" and isinstance(n.a, ir.SlotRef)
                and n.a.name in fields and isinstance(n.b, ir.Const)):
            out[n.a.name] = n.b.value
    return out


def _mode_registers(instr) -> list:
    """Registers read in the conditions of ifs and selects: the command's modes."""
    out = []
    for n in walk(instr.body):
        cond = n.cond if isinstance(n, (ir.If, ir.Select)) else None
        if cond is not None:
            out += [x.state for x in walk(cond) if isinstance(x, ir.StateRead) and not x.indices]
    return list(dict.fromkeys(out))


def _bool_choices(modes):
    choices = [{}]
    for f in modes:
        choices = [dict(c, **{f: v}) for c in choices for v in (0, 1)]
    return choices


# ------------------------------------------------------------------------- module


def _header(machine, index, opaque, skipped) -> str:
    exact = [n for cmd, names in index.items() if cmd not in opaque for n in names]
    stubs = [n for cmd, names in index.items() if cmd in opaque for n in names]
    return f'''"""Exo hardware library for the '{machine.name}' machine, generated by dcsim. Do not edit.

Source: {Path(machine.path).name!r}, digest {machine.digest[:16]}. Regenerate with
fastforward.exo.write_exo_module. Every @instr's C template pushes its command into the
functional simulator ({capi.header(machine)}); kernels `call` any of them.

Exact instrs (the body is the command's semantics in Exo; usable by replace()):
{_wrap(exact)}
Opaque instrs (Exo cannot express the semantics: the body is a stand-in with the right
signature, so replace() cannot use them; the comment above each says why, see OPAQUE):
{_wrap(stubs)}
Commands without an instr (they cannot be called from Exo, see SKIPPED):
{_wrap(list(skipped))}
"""
from __future__ import annotations

from exo import DRAM, Memory, config, instr
from exo.core.extern import Extern
from exo.core.memory import MemGenError, generate_offset
from exo.libs.externs import select

MACHINE = {machine.name!r}
C_HEADER = {capi.header(machine)!r}
INSTRS = {index!r}
EXACT = {exact!r}
OPAQUE = {opaque!r}
SKIPPED = {skipped!r}'''


def _wrap(names) -> str:
    """Identifiers as indented docstring lines (names only: no user text reaches the docstring)."""
    if not names:
        return "    (none)"
    lines, line = [], "   "
    for n in names:
        if len(line) + len(n) + 1 > 92:
            lines.append(line)
            line = "   "
        line += " " + n
    return "\n".join(lines + [line])


_PRELUDE = '''class _DcsimBinary(Extern):
    """An integer operation Exo's expression language lacks (shifts, min, max)."""

    _C = {{"dcsim_shl": "(a << b)", "dcsim_shr": "(a >> b)", "dcsim_min": "(a < b ? a : b)",
          "dcsim_max": "(a > b ? a : b)"}}

    def typecheck(self, args):
        if len(args) != 2:
            raise TypeError(f"{{self.name()}} takes 2 arguments")
        return args[0].type

    def globl(self, prim_type):
        body = self._C[self.name()]
        return (f"static inline {{prim_type}} {{self.name()}}_{{prim_type}}({{prim_type}} a, {{prim_type}} b) "
                f"{{{{ return {{body}}; }}}}\\n")

    def interpret(self, args):
        a, b = args
        return {{"dcsim_shl": lambda: a << b, "dcsim_shr": lambda: a >> b, "dcsim_min": lambda: min(a, b),
                "dcsim_max": lambda: max(a, b)}}[self.name()]()

    def compile(self, args, prim_type):
        return f"{{self.name()}}_{{prim_type}}(({{prim_type}}){{args[0]}}, ({{prim_type}}){{args[1]}})"


dcsim_shl = _DcsimBinary("dcsim_shl")
dcsim_shr = _DcsimBinary("dcsim_shr")
dcsim_min = _DcsimBinary("dcsim_min")
dcsim_max = _DcsimBinary("dcsim_max")'''


def _memory_class(machine, facts, state) -> str:
    cls = facts.memory_class[state.name]
    row = 1
    for d in state.shape[1:]:
        row *= d
    check = ""
    if len(state.shape) > 1:
        check = (f"        if str(shape[-1]) != {str(state.shape[-1])!r}:\n"
                 f"            raise MemGenError(f\"{{srcinfo}}: a {cls} buffer's rows hold exactly "
                 f"{state.shape[-1]} elements, got {{shape[-1]}}\")\n")
    return f'''class {cls}(Memory):
    """{machine.name}.{state.name}: {state.type}{list(state.shape)}; a pointer into it is a row number."""

    @classmethod
    def global_(cls):
        return '#include "{capi.header(machine)}"'

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        if len(shape) == 0:
            raise MemGenError(f"{{srcinfo}}: {cls} holds tensors, not scalars")
{check}        rows = " * ".join(f"({{s}})" for s in shape[:{-1 if len(state.shape) > 1 else len(state.shape)}]) or "1"
        return f"{{prim_type}} *{{new_name}} = ({{prim_type}} *){capi.alloc(machine, state.name)}({{rows}});"

    @classmethod
    def free(cls, new_name, prim_type, shape, srcinfo):
        return "" if len(shape) == 0 else f"{capi.free(machine, state.name)}({{new_name}});"

    @classmethod
    def can_read(cls):
        return False

    @classmethod
    def window(cls, basetyp, baseptr, indices, strides, srcinfo):
        offset = generate_offset(indices, strides)
        ptype = basetyp.basetype().ctype()
        return f"*({{ptype}} *)((uintptr_t)({{baseptr}}) + ({{offset}}) / {row})"'''


def _config_class(machine, facts) -> str:
    lines = ["@config", f"class {facts.config_class}:"]
    for s in machine.state:
        if s.kind != "reg":
            continue
        t = "stride" if s.name in facts.stride_regs else config_type(s.type)
        if t is None:
            lines.append(f"    # {safe(s.name)}: {s.type} has no Exo 1.0 type")
        else:
            lines.append(f"    {safe(s.name)}: {t}")
    if not any(":" in line and not line.lstrip().startswith("#") for line in lines[2:]):
        lines.append("    unused_: i8")
    return "\n".join(lines)
