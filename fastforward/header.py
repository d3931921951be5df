"""A C header per accelerator: one encoder and one push function per command, the register map.

A host core drives a queue machine through memory-mapped registers (the attachment contract
the system file and the system simulator share):

* the command registers at host address MMIO: W = ceil(queue width / 32) words, word k
  holding command bits [32k+31 : 32k] (the order of `spec.encoding.command_limbs`); a store
  to word W-1 pushes the command, so a push stores words 0..W-2 and then word W-1;
* STATUS at MMIO + 4W (a load gives the commands pushed and not yet finished);
* WAIT at MMIO + 4W + 4 (a store to it completes once the accelerator is idle; a timing
  model holds the store until then, so waiting is one instruction in every model);
* the accelerator's external memory is a window of host memory: accelerator address `a` is
  host address DRAM_BASE + a.

The encoders pack fields exactly as `spec.encoding.insert` does, including for values that do
not fit: a value is taken modulo 2**width of its field (low `lsb` bits dropped), as the
hardware's field would see it. `PREFIX_FIELD_CHECK(ok, instr, field)` is called with the
range check of every argument and does nothing unless the user defines it first (e.g. as
`assert(ok)`). Only validated Spec IR goes into the text; every name is checked to be a C
identifier that collides with nothing else in the header.
"""
from __future__ import annotations

import re
from pathlib import Path

from spec import ir
from spec.encoding import insert
from spec.errors import DcsimError, SpecError

WORD = 32
ADDRESS_MAX = (1 << 32) - 1            # the host is a 32-bit core
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float for
    goto if inline int long register restrict return short signed sizeof static struct switch typedef union
    unsigned void volatile while _Bool _Complex _Imaginary""".split())


def generate_header(machine: ir.Machine, *, prefix: str | None = None, mmio_base: int | None = None,
                    dram_base: int | None = None) -> str:
    """The C99 header text for queue machine `machine`. Without `mmio_base` (`dram_base`) the
    push/wait (address) functions are compiled only if the user defines PREFIX_MMIO_BASE
    (PREFIX_DRAM_BASE) before including it; the encoders are always there."""
    _require_queue_machine(machine)
    h = _Names(machine, prefix)
    nwords = -(-machine.queue.width // WORD)
    check_address("MMIO base", mmio_base, 4 * nwords + 8)
    check_address("DRAM base", dram_base)
    parts = [_preamble(machine, h, nwords), _params(machine, h),
             _registers(h, machine.queue.width, nwords, mmio_base, dram_base), _field_check(h),
             "/* ---- encoders: fill w[] with one command ---- */"]
    parts += [_encoder(instr, h, nwords) for instr in machine.instructions]
    parts += [_host_side(machine, h, nwords), f"#endif /* {h.guard} */"]
    return "\n\n".join(parts) + "\n"


def check_address(what: str, value: int | None, span: int = 1):
    """A DcsimError unless `value` is None or a 32-bit host address; a register block (`span`
    bytes over 1) must be word aligned and end below 2**32."""
    if value is None:
        return
    if not 0 <= value <= ADDRESS_MAX - span + 1:
        raise DcsimError(f"the {what} {value:#x} is not a 32-bit host address"
                         + (f" with room for its {span} bytes of registers" if span > 1 else ""))
    if span > 1 and value % 4:
        raise DcsimError(f"the {what} {value:#x} is not word aligned (a multiple of 4)")


def _require_queue_machine(machine: ir.Machine):
    if machine.queue is None:
        raise DcsimError(f"{machine.name} is a processor (it fetches its own instructions); a header is for "
                         "accelerators, queue machines whose commands a host pushes (e.g. hw/npu.yaml)")


class _Names:
    """The C names of one header: PREFIX_ for macros, prefix_ for functions; every one unique."""

    def __init__(self, machine: ir.Machine, prefix: str | None):
        prefix = machine.name if prefix is None else prefix
        if not _IDENT.match(prefix):
            raise DcsimError(f"prefix '{prefix}' is not a C identifier (letters, digits, _; not starting "
                             "with a digit)")
        self.fn, self.macro = prefix.lower(), prefix.upper()
        self.guard = f"DCSIM_{self.macro}_H"
        self._taken: dict[str, str] = {}
        for what in ("CMD_BITS", "CMD_WORDS", "MMIO_BASE", "DRAM_BASE", "REG_CMD", "REG_STATUS", "REG_WAIT",
                     "BARRIER", "FIELD_CHECK"):
            self.claim(self.m(what), "a register macro of the header")
        for what in ("push", "pending", "wait", "addr"):
            self.claim(self.f(what), "a host function of the header")
        for instr in machine.instructions:
            if not _IDENT.match(instr.name):
                raise SpecError(instr.loc, f"instruction name '{instr.name}' is not a C identifier")
            self.claim(self.f(f"encode_{instr.name}"), f"the encoder of {instr.name}")
            self.claim(self.f(instr.name), f"the push function of {instr.name}")

    def m(self, name: str) -> str:
        return f"{self.macro}_{name}"

    def f(self, name: str) -> str:
        return f"{self.fn}_{name}"

    def claim(self, name: str, what: str):
        if name in self._taken:
            raise DcsimError(f"the header would define '{name}' twice: as {self._taken[name]} and as {what}; "
                             "rename one in the machine file or pick another --prefix")
        self._taken[name] = what


def c_param(name: str) -> str:
    """A field's argument name: the field name, with a '_' after a C keyword or the array `w`."""
    return f"{name}_" if name in C_KEYWORDS or name == "w" else name


# ------------------------------------------------------------------ the top

def _preamble(machine: ir.Machine, h: _Names, nwords: int) -> str:
    external = [s.name for s in machine.state if s.external]
    window = (f"the external memory ({', '.join(external)}) is a window of host memory:\n"
              f" * accelerator address a is host address {h.m('DRAM_BASE')} + a") if external else \
        "the accelerator has no external memory"
    return f"""\
/* {h.fn}.h: the host's interface to accelerator '{machine.name}' ({Path(machine.path).name}, {machine.digest[:12]}).
 * Generated by dcsim fastforward/header.py (`dcsim header`). Do not edit.
 *
 * {h.f('encode_NAME')}(w, fields...) fills w[{h.m('CMD_WORDS')}] with one {machine.queue.width}-bit command,
 * word k holding command bits [32k+31 : 32k]; {h.f('NAME')}(fields...) encodes and pushes it.
 * Arguments are the command's free fields in its format's order; fixed (match) fields are
 * not arguments. A value that does not fit its field is taken modulo 2^width of the field
 * (its low `lsb` bits dropped), as the accelerator would read it: define
 * {h.m('FIELD_CHECK')}(ok, instr, field) before including this header (e.g. as assert(ok))
 * to check every argument instead.
 *
 * Registers at {h.m('MMIO_BASE')}: command words 0..{nwords - 1} (a store to word {nwords - 1} pushes the command,
 * so a push stores the other words first), STATUS (commands pushed and not finished) and
 * WAIT (a store to it completes once the accelerator is idle: a timing model holds it until then);
 * {window}.
 * Without {h.m('MMIO_BASE')} ({h.m('DRAM_BASE')}) defined, only the encoders (and macros) are
 * compiled: define them before including this header to get the push and wait
 * (address) functions.
 */
#ifndef {h.guard}
#define {h.guard}

#include <stdint.h>"""


def c_int(value: int) -> str:
    """An integer constant C reads with the same value on a 32- and a 64-bit target."""
    if -(1 << 31) <= value < 0:
        return f"({value})"
    if value < 0:
        return f"({value}LL)"
    if value <= 0x7FFFFFFF:
        return str(value)
    return f"{value:#x}u" if value <= ADDRESS_MAX else f"{value:#x}ULL"


def _params(machine: ir.Machine, h: _Names) -> str:
    lines = ["/* machine parameters (after -D overrides) */"]
    for name, value in machine.params:
        if not _IDENT.match(name):
            raise DcsimError(f"parameter name '{name}' is not a C identifier")
        h.claim(h.m(name), f"machine parameter {name}")
        if -(1 << 63) <= value < 1 << 64:
            lines.append(f"#define {h.m(name)} {c_int(value)}")
        else:                                  # no C integer constant holds it
            lines.append(f"/* {h.m(name)} = {value:#x} needs more than 64 bits: not defined */")
    return "\n".join(lines)


def _registers(h: _Names, width: int, nwords: int, mmio_base: int | None, dram_base: int | None) -> str:
    lines = ["/* the command words and the register map */"]
    for name, value in (("MMIO_BASE", mmio_base), ("DRAM_BASE", dram_base)):
        if value is not None:
            lines.append(f"#define {h.m(name)} {value:#010x}u")
    base = h.m("MMIO_BASE")
    lines += [f"#define {h.m('CMD_BITS')} {width}",
              f"#define {h.m('CMD_WORDS')} {nwords}",
              f"#define {h.m('REG_CMD')}(k) ({base} + 4u * (uint32_t)(k))",
              f"#define {h.m('REG_STATUS')} ({base} + {4 * nwords}u)",
              f"#define {h.m('REG_WAIT')} ({base} + {4 * nwords + 4}u)"]
    return "\n".join(lines)


def _field_check(h: _Names) -> str:
    name = h.m("FIELD_CHECK")
    return f"""\
#ifndef {name}
#define {name}(ok, instr, field) ((void)0)
#endif"""


# ------------------------------------------------------------- the encoders

def _arg_type(f: ir.FieldDef) -> tuple[str, int]:
    """(C type, bits) of a field's argument: 32 bits unless the field is wider."""
    bits = WORD if f.type.width <= WORD else 64
    return f"{'int' if f.signed else 'uint'}{bits}_t", bits


def free_fields(instr: ir.Instruction) -> list:
    """The fields an encoder takes as arguments: the format's fields that `match` does not fix."""
    fixed = {name for name, _ in instr.match}
    return [f for f in instr.format.fields if f.name not in fixed]


def _signature(instr: ir.Instruction) -> list[str]:
    return [f"{_arg_type(f)[0]} {c_param(f.name)}" for f in free_fields(instr)]


def _pieces(f: ir.FieldDef):
    """(word, shift in the word, first bit of the field's value, bits) per part of `f` inside one
    command word: the field's pieces, least significant first, cut at word boundaries."""
    bit = f.lsb_zeros
    for hi, lo in reversed(f.pieces):
        for k in range(lo // WORD, hi // WORD + 1):
            first, last = max(lo, WORD * k), min(hi, WORD * k + WORD - 1)
            yield k, first - WORD * k, bit + first - lo, last - first + 1
        bit += hi - lo + 1


def _term(f: ir.FieldDef, shift: int, bit: int, width: int) -> str:
    """The C expression for `width` bits of field `f`'s value from `bit`, placed at `shift`."""
    ctype, bits = _arg_type(f)
    x = c_param(f.name)
    if f.signed:
        x = f"(uint{bits}_t){x}"                 # two's complement, modulo 2^bits: defined in C
    if bit:
        x = f"({x} >> {bit})"
    if bits > WORD:
        x = f"(uint32_t){x}"
    if width < WORD:
        x = f"({x} & {(1 << width) - 1:#x}u)"
    return f"({x} << {shift})" if shift else x


def _range_check(f: ir.FieldDef) -> str | None:
    """The C condition that the argument fits its field (None if its type already guarantees it)."""
    _, bits = _arg_type(f)
    x, t = c_param(f.name), f.type
    suffix = "LL" if bits > WORD else ""
    conds = []
    if t.width < bits:
        if f.signed:
            conds += [f"{x} >= {t.min}{suffix}", f"{x} <= {t.max}{suffix}"]
        else:
            conds.append(f"{x} <= {t.max:#x}u{suffix}")
    if f.lsb_zeros:
        conds.append(f"(({'uint64_t' if bits > WORD else 'uint32_t'}){x} & {(1 << f.lsb_zeros) - 1:#x}u) == 0u")
    return " && ".join(conds) or None


def _describe(f: ir.FieldDef) -> str:
    bits = "".join(f"[{hi}:{lo}]" if hi != lo else f"[{hi}]" for hi, lo in f.pieces)
    return f"{f.name} {f.type} {bits}" + (f" lsb {f.lsb_zeros}" if f.lsb_zeros else "")


def _comment(instr: ir.Instruction) -> str:
    fields = ", ".join(_describe(f) for f in free_fields(instr)) or "no free fields"
    fixed = ", ".join(f"{name}={value}" for name, value in instr.match) or "none"
    return (f"/* {instr.name} (format {instr.format.name}, {Path(instr.loc.path).name}:{instr.loc.line}): "
            f"{fields}; fixed {fixed} */")


def _encoder(instr: ir.Instruction, h: _Names, nwords: int) -> str:
    fixed = 0
    for name, value in instr.match:
        fixed = insert(instr.format.field(name), fixed, value)
    terms: list[list[str]] = [[f"{(fixed >> (WORD * k)) & 0xFFFFFFFF:#010x}u"] if (fixed >> (WORD * k)) &
                              0xFFFFFFFF else [] for k in range(nwords)]
    checks = []
    for f in free_fields(instr):
        for k, shift, bit, width in _pieces(f):
            terms[k].append(_term(f, shift, bit, width))
        cond = _range_check(f)
        if cond:
            checks.append(f'    {h.m("FIELD_CHECK")}({cond}, "{instr.name}", "{f.name}");')
    body = [f"    w[{k}] = {' | '.join(t) or '0u'};" for k, t in enumerate(terms)]
    args = ", ".join([f"uint32_t w[{h.m('CMD_WORDS')}]", *_signature(instr)])
    return "\n".join([_comment(instr), f"static inline void {h.f('encode_' + instr.name)}({args})", "{",
                      *checks, *body, "}"])


# ------------------------------------------------------------- the host side

def _host_side(machine: ir.Machine, h: _Names, nwords: int) -> str:
    base = h.m("MMIO_BASE")
    reg = f"(volatile uint32_t *)(uintptr_t){h.m('REG_CMD')}(0)"
    stores = [f"    cmd[{k}] = w[{k}];" for k in range(nwords - 1)]
    stores.append(f"    cmd[{nwords - 1}] = w[{nwords - 1}];      /* the last word pushes the command */")
    parts = [f"""\
/* ---- the host side: push, wait, addresses ---- */
#ifdef {base}
/* No memory access moves across a push or a wait (a compiler barrier): the accelerator reads
 * what the host stored before the push, the host reads what the accelerator stored before
 * the wait. Volatile alone orders only the register accesses among themselves. */
#define {h.m('BARRIER')}() __asm__ __volatile__("" ::: "memory")

/* Push the command in w[]: words 0..{nwords - 1}, the last one last (volatile keeps the order). */
static inline void {h.f('push')}(const uint32_t w[{h.m('CMD_WORDS')}])
{{
    volatile uint32_t *cmd = {reg};
    {h.m('BARRIER')}();
{chr(10).join(stores)}
}}

/* Commands pushed and not yet finished. */
static inline uint32_t {h.f('pending')}(void)
{{
    return *(volatile uint32_t *)(uintptr_t){h.m('REG_STATUS')};
}}

/* Until the accelerator is idle: a store to WAIT completes then (one instruction in every model). */
static inline void {h.f('wait')}(void)
{{
    {h.m('BARRIER')}();
    *(volatile uint32_t *)(uintptr_t){h.m('REG_WAIT')} = 0u;
    {h.m('BARRIER')}();
}}"""]
    for instr in machine.instructions:
        params = _signature(instr)
        args = ", ".join(["w", *(c_param(f.name) for f in free_fields(instr))])
        parts.append(f"""\
/* {instr.name}: encode and push */
static inline void {h.f(instr.name)}({', '.join(params) or 'void'})
{{
    uint32_t w[{h.m('CMD_WORDS')}];
    {h.f('encode_' + instr.name)}({args});
    {h.f('push')}(w);
}}""")
    parts.append(f"#endif /* {base} */")
    dram = h.m("DRAM_BASE")
    parts.append(f"""\
#ifdef {dram}
/* The accelerator address of host memory at p (which must lie in the window at {dram}). */
static inline uint32_t {h.f('addr')}(const volatile void *p)
{{
    return (uint32_t)((uintptr_t)p - (uintptr_t){dram});
}}
#endif /* {dram} */""")
    return "\n\n".join(parts)
