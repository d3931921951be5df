"""Assembler and disassembler derived from a machine's encodings.

Syntax of a line:  [label:] [mnemonic operands] [# comment]   and the directive  .word N
Operands follow the format's `syntax` template when it has one, e.g. "{rd:x}, {imm}({rs1:x})"
where `{f:x}` means the operand is written with the prefix x (x5); otherwise operands are
written name=value, separated by commas. A value is an integer or a label: a `pcrel` field
gets label - pc, any other field the label's address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import ir
from .encoding import Decoder, encode, fits
from .errors import Loc, SpecError

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_INT = re.compile(r"^[+-]?(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9_]+)$", re.IGNORECASE)
_LABEL = re.compile(r"^[A-Za-z_.$][\w.$]*$")
MAX_LITERAL_DIGITS = 64                 # significant digits: any 64-bit value has fewer, even in binary


@dataclass(frozen=True)
class Assembled:
    words: tuple            # instruction/command words in order
    origin: int             # address of the first word
    labels: dict            # label -> address
    word_bytes: int

    def to_bytes(self) -> bytes:
        return b"".join(w.to_bytes(self.word_bytes, "little") for w in self.words)


class _Template:
    def __init__(self, fmt: ir.Format):
        self.fmt = fmt
        self.fields: list[tuple[str, str]] = []
        pattern, pos = "", 0
        for m in _PLACEHOLDER.finditer(fmt.syntax):
            pattern += _literal(fmt.syntax[pos:m.start()])
            pattern += rf"(?P<{m.group(1)}>[^,()\s]+)"
            self.fields.append((m.group(1), m.group(2) or ""))
            pos = m.end()
        pattern += _literal(fmt.syntax[pos:])
        self.regex = re.compile(rf"^\s*{pattern}\s*$")

    def render(self, values: dict) -> str:
        return _PLACEHOLDER.sub(lambda m: f"{m.group(2) or ''}{values[m.group(1)]}", self.fmt.syntax)


def _shift(loc: Loc, offset: int) -> Loc:
    return Loc(loc.path, loc.line, loc.col + offset)


def _integer(token: str, loc: Loc) -> int:
    """An integer literal matched by _INT, parsed here rather than by int(..., 0), which
    raises on '0x_' (no digits) and '07' (a leading zero), and refuses more than 4300
    decimal digits (slowly): a literal longer than any 64-bit value is refused first."""
    sign, body = (-1 if token[0] == "-" else 1), token.lstrip("+-")
    base = {"0x": 16, "0b": 2, "0o": 8}.get(body[:2].lower(), 10)
    digits = (body[2:] if base != 10 else body).replace("_", "")
    if not digits:
        raise SpecError(loc, f"'{token}' has no digits", "write 42, -8, 0x2a, 0b101 or 0o17")
    if len(digits.lstrip("0")) > MAX_LITERAL_DIGITS:
        raise SpecError(loc, f"integer '{token[:16]}...' ({len(digits)} digits) does not fit in 64 bits",
                        "operands and .word values are at most 64 bits wide")
    if base == 10 and digits[0] == "0" and digits.strip("0"):     # 07: decimal or C-style octal?
        minus = "-" if sign < 0 else ""
        raise SpecError(loc, f"'{token}' has a leading zero",
                        f"write {minus}{digits.lstrip('0')} (decimal) or {minus}0o{digits.lstrip('0')} (octal)")
    return sign * int(digits, base)


def _literal(text: str) -> str:
    if not text.strip():
        return r"\s*"
    # whitespace is optional around and inside literal text: "{rd:x}, {rs1:x}" matches "x1,x2" and "x1, x2"
    return r"\s*" + r"\s*".join(re.escape(part) for part in re.split(r"\s+", text.strip())) + r"\s*"


class Assembler:
    def __init__(self, machine: ir.Machine):
        self.machine = machine
        self.by_mnemonic = {i.name.lower(): i for i in machine.instructions}
        self.templates = {f.name: _Template(f) for f in self._formats() if f.syntax}
        self.word_bytes = (machine.word_bits + 7) // 8
        self.decoder = Decoder(machine)

    def _formats(self):
        seen = {}
        for i in self.machine.instructions:
            seen.setdefault(i.format.name, i.format)
        return seen.values()

    # ------------------------------------------------------------ assemble
    def assemble(self, text: str, path: str = "<asm>", origin: int | None = None) -> Assembled:
        if origin is None:
            origin = self.machine.fetch.base if self.machine.fetch else 0
        lines = self._split(text, path)
        labels, label_locs, address = {}, {}, origin
        for loc, label, body, label_loc in lines:            # pass 1: addresses of labels
            if label:
                if label in labels:
                    raise SpecError(label_loc, f"label '{label}' is defined twice",
                                    f"'{label}' is first defined at {label_locs[label]}; rename one of them")
                label_locs[label] = label_loc
                labels[label] = address
            if body:
                address += self.word_bytes
        words, address = [], origin
        for loc, _, body, _ in lines:                        # pass 2: encode
            if body:
                words.append(self._line(body, loc, address, labels))
                address += self.word_bytes
        return Assembled(tuple(words), origin, labels, self.word_bytes)

    def _split(self, text: str, path: str) -> list:
        out = []
        for n, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].rstrip()
            col = len(line) - len(line.lstrip()) + 1
            line = line.strip()
            label = None
            m = re.match(r"^([A-Za-z_.$][\w.$]*)\s*:(.*)$", line)
            if m:
                label, line = m.group(1), m.group(2).strip()
                col = raw.index(line) + 1 if line else col
            if label or line:
                label_loc = Loc(path, n, raw.index(label) + 1) if label else None
                out.append((Loc(path, n, col), label, line, label_loc))
        return out

    def _line(self, body: str, loc: Loc, pc: int, labels: dict) -> int:
        # the mnemonic ends at any whitespace (a tab too); offsets stay those of `body`
        head = re.match(r"\S*", body)
        mnemonic, rest = head.group(0), body[head.end():]
        if mnemonic == ".word":
            value = self._value(rest.strip(), loc, labels, None, pc)
            if not 0 <= value < (1 << (8 * self.word_bytes)) and not -(1 << (8 * self.word_bytes - 1)) <= value < 0:
                raise SpecError(loc, f".word value {value} does not fit in {8 * self.word_bytes} bits")
            return value & ((1 << (8 * self.word_bytes)) - 1)
        # names are identifiers, so a dotted mnemonic (GNU as' fence.i) names the instruction FENCE_I
        instr = self.by_mnemonic.get(mnemonic.lower()) or self.by_mnemonic.get(mnemonic.lower().replace(".", "_"))
        if instr is None:
            raise SpecError(loc, f"unknown instruction '{mnemonic}'",
                            f"{self.machine.name} has: {', '.join(sorted(self.by_mnemonic))}")
        ops = rest.strip()
        start = len(body) - len(rest.lstrip())
        operands = self._operands(instr, ops, _shift(loc, start), labels, pc)
        try:
            return encode(instr, operands)
        except ValueError as exc:
            raise SpecError(loc, str(exc)) from None

    def _operands(self, instr: ir.Instruction, text: str, loc: Loc, labels: dict, pc: int) -> dict:
        template = self.templates.get(instr.format.name)
        fields = {f.name: f for f in instr.operands}
        if template is None:
            raw, pos = {}, 0
            for piece in text.split(","):
                pair = piece.strip()
                start = pos + len(piece) - len(piece.lstrip())
                pos += len(piece) + 1
                if not pair:
                    continue
                name, eq, value = pair.partition("=")
                if not eq or name.strip() not in fields:
                    raise SpecError(_shift(loc, start), f"bad operand '{pair}' for {instr.name}",
                                    f"write name=value with names from: {', '.join(fields) or 'none'}")
                if name.strip() in raw:
                    raise SpecError(_shift(loc, start), f"operand {name.strip()} of {instr.name} is given twice",
                                    "write each operand once")
                vstart = start + len(name) + 1 + len(value) - len(value.lstrip())
                raw[name.strip()] = (value.strip(), "", _shift(loc, start), _shift(loc, vstart))
        else:
            m = template.regex.match(text)
            if m is None:
                raise SpecError(loc, f"operands '{text}' do not match {instr.name}'s syntax",
                                f"write: {instr.name.lower()} {instr.format.syntax}")
            raw = {name: (m.group(name), prefix, _shift(loc, m.start(name)), _shift(loc, m.start(name)))
                   for name, prefix in template.fields}
        out = {}
        for name, (token, prefix, at, value_at) in raw.items():
            if name not in fields:
                continue                                       # fixed by 'match'; must be written as is
            if prefix:
                if not token.lower().startswith(prefix.lower()) or not token[len(prefix):].isdigit():
                    raise SpecError(at, f"operand {name} '{token}' should be written {prefix}N")
                token = token[len(prefix):]
            f = fields[name]
            value = self._value(token, value_at, labels, f, pc)
            if not fits(f, value):
                align = f" and a multiple of {1 << f.lsb_zeros}" if f.lsb_zeros else ""
                raise SpecError(at, f"{instr.name}: operand {name}={value} does not fit {f.type}",
                                f"{name} takes {f.type.min}..{f.type.max}{align}")
            out[name] = value
        return out

    def _value(self, token: str, loc: Loc, labels: dict, f: ir.FieldDef | None, pc: int) -> int:
        if _INT.match(token):
            return _integer(token, loc)
        if _LABEL.match(token):
            if token not in labels:
                raise SpecError(loc, f"unknown label '{token}'",
                                f"labels defined: {', '.join(sorted(labels))}" if labels
                                else "define it with 'name:' at the start of a line")
            return labels[token] - pc if f is not None and f.pcrel else labels[token]
        raise SpecError(loc, f"'{token}' is not an integer or a label", "write 42, -8, 0x2a or a label name")

    # ---------------------------------------------------------- disassemble
    def disassemble(self, word: int) -> str:
        d = self.decoder.decode(word)
        if d is None:
            return f".word {word:#x}"
        values = dict(zip((f.name for f in d.instr.operands), d.operands))
        values.update(dict(d.instr.match))
        template = self.templates.get(d.instr.format.name)
        if template is not None:
            return f"{d.instr.name.lower()} {template.render(values)}".rstrip()
        ops = ", ".join(f"{f.name}={v}" for f, v in zip(d.instr.operands, d.operands))
        return f"{d.instr.name.lower()} {ops}".rstrip()
