"""Machine files -> Spec IR.

Top-level keys: machine, extends, params, state, fetch | queue, formats, instructions, hls.
Every value is checked where it is read, and errors point at the offending YAML node.
`extends:` chains are merged into one YAML tree first (spec/extends.py); each node keeps
its own file's location, so the builder reads every semantics block against its own file.
"""
from __future__ import annotations

import hashlib
import keyword
import re
from pathlib import Path

from . import extends, ir
from .consts import const_int
from .encoding import check_decodable
from .errors import DcsimError, Loc, SpecError
from .exprcheck import MAX_FOLD_BITS, type_named
from .semantics import MachineView, check_semantics
from .types import IntType
from .verify import verify_machine
from .yamlsrc import Node, block_origin, mapping_of, parse_yaml

TOP_KEYS = ("machine", "extends", "params", "state", "fetch", "queue", "formats", "instructions", "hls")
STATE_KINDS = ("reg", "regfile", "mem")
MAX_ELEMENTS = 1 << 32                 # per memory: it is allocated in host RAM by every simulator
MAX_FILE_BYTES = 16 << 20              # machine files are short texts; bounds reading a device or a wrong file


def load_machine(path: str | Path, overrides: dict[str, int] | None = None) -> ir.Machine:
    """Read, check and type a machine file. `overrides` replace params (e.g. {'DIM': 16})."""
    path = Path(path)
    return load_machine_text(read_machine_text(path), str(path), overrides)


def read_machine_text(path: Path) -> str:
    """The text of a machine file: a regular file of at most MAX_FILE_BYTES, in UTF-8.

    Reading is bounded (`dcsim check /dev/zero` must not read forever) and a bad byte is
    reported at its line and column like any other error in the file."""
    where = Loc(str(path), 0, 0)
    try:
        if path.exists() and not path.is_file():      # a directory, device or pipe
            raise SpecError(where, "cannot read machine file: it is not a regular file",
                            "give the path of a .yaml machine file (or a bundled name such as npu)")
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecError(where, f"cannot read machine file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(where, f"machine file is larger than {MAX_FILE_BYTES >> 20} MiB",
                        "a machine file is a short YAML text; is this the right file?")
    # newlines as read_text() gave them before (universal newlines): the spec digest hashes the lines
    return decode_utf8(data, str(path)).replace("\r\n", "\n").replace("\r", "\n")


def decode_utf8(data: bytes, path: str) -> str:
    """`data` as UTF-8; an invalid byte is a SpecError at its line:col (col counts characters)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        raise SpecError(Loc(path, line, col), f"byte {data[exc.start]:#04x} is not valid UTF-8",
                        "machine files are UTF-8 text; remove the byte or re-save the file as UTF-8") from None


def load_machine_text(text: str, path: str = "<string>", overrides: dict[str, int] | None = None) -> ir.Machine:
    root, sources = extends.resolve(parse_yaml(text, path), path, text, read_machine_text)
    builder = _Builder(path, sources, dict(overrides or {}))
    machine = builder.machine(root)
    verify_machine(machine)
    return machine


class _Builder:
    def __init__(self, path: str, sources: extends.Sources, overrides: dict[str, int]):
        self.path, self.sources, self.overrides = path, sources, overrides
        self.params: dict[str, int] = {}

    # -------------------------------------------------------------- access
    def expect_map(self, node: Node, what: str) -> dict:
        if not node.is_map:
            raise SpecError(node.loc, f"{what} must be a mapping", f"write {what} as 'key: value' lines")
        return node.value

    def check_keys(self, node: Node, allowed: tuple, what: str, required: tuple = ()):
        mapping_of(node, what, allowed, required)

    def scalar(self, node: Node, what: str) -> str:
        if not node.is_scalar:
            raise SpecError(node.loc, f"{what} must be a single value")
        return node.value

    def integer(self, node: Node, what: str, lo: int | None = None, hi: int | None = None) -> int:
        value = const_int(self.scalar(node, what), node.loc, self.params)
        if value.bit_length() > MAX_FOLD_BITS:     # also keeps it printable (int -> str has a limit)
            raise SpecError(node.loc, f"{what} is a {value.bit_length()}-bit number; at most {MAX_FOLD_BITS} "
                                      "bits are supported", "machine files describe machines of at most 64-bit values")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            raise SpecError(node.loc, f"{what} is {value}, outside {bounds}")
        return value

    def type_name(self, node: Node, what: str) -> IntType:
        t = type_named(self.scalar(node, what))
        if t is None:
            raise SpecError(node.loc, f"'{node.value}' is not an integer type",
                            "types are u1..u64 (unsigned) and s1..s64 (signed), e.g. u8, s32")
        return t

    def flag(self, node: Node, what: str) -> bool:
        text = self.scalar(node, what).lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise SpecError(node.loc, f"{what} must be true or false")

    # ------------------------------------------------------------- machine
    def machine(self, root: Node) -> ir.Machine:
        top = self.expect_map(root, "a machine file")
        if "system" in top:
            raise SpecError(root.key_locs["system"], "this is a system file (a host and its accelerators), not a "
                            "machine file", "dcsim check, run, rtl, sample, sdk, header and exo --kernel take "
                            "system files (docs/software.md)")
        self.check_keys(root, TOP_KEYS, "a machine file", required=("machine", "state", "instructions"))
        name = self.scalar(top["machine"], "machine")
        if not name.isidentifier():
            raise SpecError(top["machine"].loc, f"machine name '{name}' is not an identifier",
                            "use letters, digits and '_', e.g. " + ("".join(c if c.isalnum() else "_" for c in name) or "npu"))
        self.read_params(top.get("params"), root.loc)
        state = self.read_state(top["state"])
        if ("fetch" in top) == ("queue" in top):
            where = root.key_locs["queue"] if "queue" in top else root.loc
            raise SpecError(where, "a machine has exactly one of 'fetch' (a processor) or 'queue' (an accelerator)",
                            "fetch: {pc: pc, memory: ram, base: 0, ilen: 4}  or  queue: {width: 64}")
        fetch = self.read_fetch(top["fetch"], state) if "fetch" in top else None
        queue = self.read_queue(top["queue"]) if "queue" in top else None
        word = fetch.ilen * 8 if fetch else queue.width
        formats = self.read_formats(top.get("formats"), word)
        hls = self.read_hls(top.get("hls"), state, root.loc)
        view = MachineView(dict(self.params), state, fetch.pc if fetch else None,
                           state[fetch.pc].type if fetch else None)
        instructions = self.read_instructions(top["instructions"], formats, view, word, hls)
        check_decodable(instructions)
        digest = hashlib.sha256((self.sources.digest_text() + repr(sorted(self.params.items()))).encode()).hexdigest()
        return ir.Machine(name, self.path, tuple(self.params.items()), tuple(state.values()), fetch, queue,
                          tuple(formats.values()), instructions, hls, digest, top["machine"].loc)

    def read_params(self, node: Node | None, loc: Loc):
        if node is not None:
            for key, value in self.expect_map(node, "params").items():
                if not key.isidentifier() or keyword.iskeyword(key):
                    raise SpecError(node.key_locs[key], f"parameter name '{key}' is not an identifier",
                                    "semantics refer to params by name: use letters, digits and '_' (not a Python keyword)")
                self.params[key] = self.overrides[key] if key in self.overrides else self.integer(value, f"param {key}")
        unknown = sorted(set(self.overrides) - set(self.params))
        if unknown:
            raise DcsimError(f"cannot override unknown parameter '{unknown[0]}' of {self.path}; "
                             f"its params: {', '.join(self.params) or 'none'}")

    def read_state(self, node: Node) -> dict[str, ir.StateElement]:
        out: dict[str, ir.StateElement] = {}
        for name, decl in self.expect_map(node, "state").items():
            loc = node.key_locs[name]
            if not name.isidentifier() or keyword.iskeyword(name) or name in self.params:
                raise SpecError(loc, f"state name '{name}' is not an identifier or clashes with a param")
            self.expect_map(decl, f"state '{name}'")
            self.check_keys(decl, STATE_KINDS + ("shape", "count", "external", "zero"), f"state '{name}'")
            kinds = [k for k in STATE_KINDS if k in decl.value]
            if len(kinds) != 1:
                raise SpecError(decl.loc, f"state '{name}' must declare exactly one of reg, regfile, mem",
                                "e.g. {reg: u32}, {regfile: u32, count: 32}, {mem: s8, shape: [ROWS, DIM]}")
            kind = kinds[0]
            t = self.type_name(decl.value[kind], f"the element type of '{name}'")
            shape = self.read_shape(decl, kind, name)
            external = self.flag(decl.value["external"], "external") if "external" in decl.value else False
            if external and kind != "mem":
                raise SpecError(decl.value["external"].loc, "only a mem can be external")
            zero = None
            if "zero" in decl.value:
                if kind != "regfile":
                    raise SpecError(decl.value["zero"].loc, "'zero' (a hardwired-zero entry) is for regfiles")
                zero = self.integer(decl.value["zero"], "zero", 0, shape[0] - 1)
            out[name] = ir.StateElement(name, kind, t, shape, external, zero, loc)
        if not out:
            raise SpecError(node.loc, "a machine needs at least one state element")
        return out

    def read_shape(self, decl: Node, kind: str, name: str) -> tuple:
        v = decl.value
        if kind == "reg":
            for key in ("shape", "count"):
                if key in v:
                    raise SpecError(v[key].loc, f"a reg has no '{key}'", "use a regfile or a mem")
            return ()
        if kind == "regfile":
            if "count" not in v:
                raise SpecError(decl.loc, f"regfile '{name}' needs 'count'", "e.g. {regfile: u32, count: 32}")
            return (self.integer(v["count"], "count", 1, 1 << 16),)
        if "shape" not in v:
            raise SpecError(decl.loc, f"mem '{name}' needs 'shape'", "e.g. shape: [ROWS, DIM]")
        dims = v["shape"].value if v["shape"].is_list else [v["shape"]]
        if not 1 <= len(dims) <= 4:
            raise SpecError(v["shape"].loc, "a mem has 1 to 4 dimensions")
        shape = tuple(self.integer(d, "a dimension", 1, 1 << 32) for d in dims)
        elements = 1
        for d in shape:
            elements *= d
        if elements > MAX_ELEMENTS:
            raise SpecError(v["shape"].loc, f"mem '{name}' has {elements:,} elements; at most {MAX_ELEMENTS:,} "
                                            "are supported", "simulated memories live in host RAM; shrink the shape")
        return shape

    def read_fetch(self, node: Node, state: dict) -> ir.Fetch:
        v = self.expect_map(node, "fetch")
        self.check_keys(node, ("pc", "memory", "base", "ilen"), "fetch", required=("pc", "memory"))
        pc, mem = self.scalar(v["pc"], "fetch pc"), self.scalar(v["memory"], "fetch memory")
        if pc not in state or state[pc].kind != "reg":
            raise SpecError(v["pc"].loc, f"fetch pc '{pc}' is not a reg in state",
                            "declare it under state, e.g. pc: {reg: u32}, and name it here")
        m = state.get(mem)
        if m is None or m.kind != "mem" or len(m.shape) != 1 or m.type.width != 8:
            raise SpecError(v["memory"].loc, f"fetch memory '{mem}' must be a one-dimensional byte mem in state")
        base = self.integer(v["base"], "fetch base", 0) if "base" in v else 0
        ilen = self.integer(v["ilen"], "fetch ilen", 1, 8) if "ilen" in v else 4
        return ir.Fetch(pc, mem, base, ilen, node.loc)

    def read_queue(self, node: Node) -> ir.Queue:
        v = self.expect_map(node, "queue")
        self.check_keys(node, ("width",), "queue", required=("width",))
        return ir.Queue(self.integer(v["width"], "queue width", 8, 256), node.loc)

    # ------------------------------------------------------------- formats
    def read_formats(self, node: Node | None, word: int) -> dict[str, ir.Format]:
        out: dict[str, ir.Format] = {}
        if node is None:
            return out
        for name, decl in self.expect_map(node, "formats").items():
            self.expect_map(decl, f"format '{name}'")
            self.check_keys(decl, ("fields", "syntax"), f"format '{name}'", required=("fields",))
            syntax = self.scalar(decl.value["syntax"], "syntax") if "syntax" in decl.value else None
            out[name] = self.format(name, decl.value["fields"], word, syntax, node.key_locs[name])
            if syntax is not None:
                self.check_syntax(out[name], decl.value["syntax"])
        return out

    def format(self, name: str, node: Node, word: int, syntax: str | None, loc: Loc) -> ir.Format:
        fields = []
        owner: dict[int, str] = {}
        for fname, spec in self.expect_map(node, f"the fields of '{name}'").items():
            floc = node.key_locs[fname]
            if not fname.isidentifier() or keyword.iskeyword(fname):
                raise SpecError(floc, f"field name '{fname}' is not an identifier")
            f = self.field(fname, spec, floc, word)
            for hi, lo in f.pieces:
                for bit in range(lo, hi + 1):
                    if bit in owner:
                        raise SpecError(spec.loc, f"field '{fname}' overlaps field '{owner[bit]}' at bit {bit}",
                                        "each bit of the word belongs to at most one field of a format")
                    owner[bit] = fname
            fields.append(f)
        return ir.Format(name, word, tuple(fields), syntax, loc)

    def check_syntax(self, fmt: ir.Format, node: Node):
        """Every {placeholder} of an assembler syntax names a field of the format, once."""
        seen = set()
        for m in re.finditer(r"\{(\w+)(?::(\w+))?\}", fmt.syntax):
            name = m.group(1)
            if fmt.field(name) is None or name in seen:
                problem = "is written twice" if name in seen else f"is not a field of format '{fmt.name}'"
                raise SpecError(node.loc, f"syntax placeholder '{{{name}}}' {problem}",
                                f"fields: {', '.join(f.name for f in fmt.fields)}; write each as {{name}} "
                                "or {name:prefix} at most once")
            seen.add(name)

    def field(self, name: str, spec: Node, loc: Loc, word: int) -> ir.FieldDef:
        signed = pcrel = False
        lsb = 0
        pieces_node = spec
        if spec.is_map:
            self.check_keys(spec, ("bits", "lsb", "signed", "pcrel"), f"field '{name}'", required=("bits",))
            pieces_node = spec.value["bits"]
            lsb = self.integer(spec.value["lsb"], "lsb", 0, 32) if "lsb" in spec.value else 0
            signed = self.flag(spec.value["signed"], "signed") if "signed" in spec.value else False
            pcrel = self.flag(spec.value["pcrel"], "pcrel") if "pcrel" in spec.value else False
        hint = "a field is [hi, lo], [bit], or {bits: [[hi, lo], [bit], ...], lsb: N, signed: true}"
        if not pieces_node.is_list or not pieces_node.value:
            raise SpecError(pieces_node.loc, f"field '{name}' needs a bit range", hint)
        groups = pieces_node.value if pieces_node.value[0].is_list else [pieces_node]
        pieces = []
        for group in groups:
            if not group.is_list or len(group.value) not in (1, 2):
                raise SpecError(group.loc, f"bad bit range in field '{name}'", hint)
            bits = [self.integer(b, "a bit position", 0, word - 1) for b in group.value]
            hi, lo = bits[0], bits[-1]
            if hi < lo:
                raise SpecError(group.loc, f"bit range [{hi}, {lo}] of field '{name}' is reversed",
                                "write [hi, lo] with hi >= lo")
            pieces.append((hi, lo))
        f = ir.FieldDef(name, tuple(pieces), lsb, signed, pcrel, loc)
        if f.type.width > 64:
            raise SpecError(loc, f"field '{name}' is {f.type.width} bits; at most 64 are supported")
        return f

    # -------------------------------------------------------- instructions
    def read_instructions(self, node: Node, formats: dict, view: MachineView, word: int,
                          hls: ir.HlsDirectives) -> tuple:
        out = []
        units = {u.name for u in hls.units}
        for index, (name, decl) in enumerate(self.expect_map(node, "instructions").items()):
            loc = node.key_locs[name]
            if not name.isidentifier():
                raise SpecError(loc, f"instruction name '{name}' is not an identifier")
            self.expect_map(decl, f"instruction '{name}'")
            self.check_keys(decl, ("format", "fields", "match", "semantics", "hls"), f"instruction '{name}'",
                            required=("semantics",))
            fmt = self.instruction_format(name, decl, formats, word, loc)
            match = self.read_match(decl, fmt, name)
            fixed = {m[0] for m in match}
            operands = tuple(f for f in fmt.fields if f.name not in fixed)
            for f in operands:
                if f.name in view.state or f.name in view.params:
                    raise SpecError(f.loc, f"field '{f.name}' of {name} has the name of a state element or param",
                                    "rename the field")
            sem = decl.value["semantics"]
            text = self.scalar(sem, "semantics")
            if sem.style == ">" or (sem.style != "|" and ("\n" in text or (sem.end_line or 0) > sem.loc.line)):
                raise SpecError(sem.loc, "semantics on several lines must be a literal block ('|')",
                                "write 'semantics: |' and put the statements on the following lines, indented; "
                                "folded ('>'), quoted and plain scalars join or escape lines, so positions would be lost")
            source = sem.loc.path          # an inherited instruction's semantics are in its parent file
            body, nslots = check_semantics(text, source, block_origin(sem, self.sources.lines_of(source)), view,
                                           [(f.name, f.type) for f in operands], match)
            unit, unroll = self.instruction_hls(decl, name, units, body)
            out.append(ir.Instruction(name, index, fmt, match, operands, body, nslots, unit, unroll, text, loc))
        if not out:
            raise SpecError(node.loc, "a machine needs at least one instruction")
        return tuple(out)

    def instruction_format(self, name, decl, formats, word, loc) -> ir.Format:
        v = decl.value
        if ("format" in v) == ("fields" in v):
            raise SpecError(decl.loc, f"instruction '{name}' needs exactly one of 'format' or 'fields'",
                            "name a shared format, or give its own fields: {opcode: [7, 0], ...}")
        if "fields" in v:
            return self.format(name, v["fields"], word, None, loc)
        fname = self.scalar(v["format"], "format")
        if fname not in formats:
            raise SpecError(v["format"].loc, f"unknown format '{fname}'",
                            f"formats: {', '.join(formats) or 'none declared'}")
        return formats[fname]

    def read_match(self, decl: Node, fmt: ir.Format, name: str) -> tuple:
        if "match" not in decl.value:
            return ()
        node = decl.value["match"]
        out = []
        for fname, value in self.expect_map(node, "match").items():
            f = fmt.field(fname)
            if f is None:
                raise SpecError(node.key_locs[fname], f"'{fname}' is not a field of {name}'s format",
                                f"fields: {', '.join(x.name for x in fmt.fields)}")
            v = self.integer(value, f"match value of {fname}")
            if not f.type.contains(v) or v & ((1 << f.lsb_zeros) - 1):
                align = f", a multiple of {1 << f.lsb_zeros}" if f.lsb_zeros else ""
                raise SpecError(value.loc, f"{v} does not fit field '{fname}' ({f.type})",
                                f"'{fname}' holds {f.type.min}..{f.type.max}{align}")
            out.append((fname, v))
        return tuple(out)

    def instruction_hls(self, decl: Node, name: str, units: set, body: tuple):
        if "hls" not in decl.value:
            return None, ()
        node = decl.value["hls"]
        v = self.expect_map(node, "hls")
        self.check_keys(node, ("unit", "unroll"), f"hls of {name}")
        unit = None
        if "unit" in v:
            unit = self.scalar(v["unit"], "unit")
            if unit not in units:
                raise SpecError(v["unit"].loc, f"unknown unit '{unit}'",
                                f"units declared under hls.units: {', '.join(sorted(units)) or 'none'}")
        unroll = []
        if "unroll" in v:
            loops = _loop_vars(body)
            for var, factor in self.expect_map(v["unroll"], "unroll").items():
                if var not in loops:
                    raise SpecError(v["unroll"].key_locs[var], f"'{var}' is not a loop variable of {name}",
                                    f"loop variables: {', '.join(sorted(loops)) or 'none'}")
                unroll.append((var, self.integer(factor, "unroll factor", 1, 4096)))
        return unit, tuple(unroll)

    # ------------------------------------------------------------------ hls
    def read_hls(self, node: Node | None, state: dict, loc: Loc) -> ir.HlsDirectives:
        if node is None:
            return ir.HlsDirectives((), (), (), loc)
        v = self.expect_map(node, "hls")
        self.check_keys(node, ("units", "banks", "dram"), "hls")
        units = []
        if "units" in v:
            for uname, decl in self.expect_map(v["units"], "hls units").items():
                depth = 4
                if not decl.is_map and not (decl.is_scalar and decl.value in ("", "~", "null")):
                    raise SpecError(decl.loc, f"unit '{uname}' must be a mapping (or empty)",
                                    f"write {uname}: {{queue_depth: 8}} or {uname}: {{}}")
                if decl.is_map:
                    self.check_keys(decl, ("queue_depth",), f"unit '{uname}'")
                    if "queue_depth" in decl.value:
                        depth = self.integer(decl.value["queue_depth"], "queue_depth", 1, 1024)
                units.append(ir.HlsUnit(uname, depth, v["units"].key_locs[uname]))
        banks = []
        if "banks" in v:
            for sname, count in self.expect_map(v["banks"], "hls banks").items():
                if sname not in state or state[sname].kind != "mem":
                    raise SpecError(v["banks"].key_locs[sname], f"'{sname}' is not a mem in state")
                banks.append((sname, self.integer(count, "bank count", 1, 1024)))
        dram = []
        if "dram" in v:
            for key, value in self.expect_map(v["dram"], "hls dram").items():
                dram.append((key, self.integer(value, f"dram {key}", 0)))
        return ir.HlsDirectives(tuple(units), tuple(banks), tuple(dram), node.loc)


def _loop_vars(body: tuple) -> set:
    found = set()
    for stmt in body:
        if isinstance(stmt, ir.For):
            found.add(stmt.var.name)
            found |= _loop_vars(stmt.body)
        elif isinstance(stmt, ir.If):
            found |= _loop_vars(stmt.then) | _loop_vars(stmt.orelse)
    return found
