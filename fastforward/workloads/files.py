"""Workloads from files and from Python: any queue machine's command stream, its inputs and
its expected output, as `dcsim run|rtl|sample --workload` take them.

`--workload` accepts three kinds of text (`load_workload`):
- a workload file, `NAME.yaml` (`workload_from_file`; the format is in docs/workloads.md):

      machine: vadd                       # optional: refused for another machine
      description: two vectors added      # optional
      commands: |                         # or {file: cmds.s} or {binary: cmds.bin}
        vsplat dst=0, imm=5
        vadd dst=2, a=0, b=1, sat=1
      preload:                            # whole elements or regions, from .npy (.bin: byte memories)
        - {state: vec, at: [1, 0], file: b.npy}
      expect:                             # regions compared after the run, or: expect: functional-model
        - {state: vec, at: [2, 0], file: sum.npy}

  read with `spec.yamlsrc.parse_yaml`, so every error is `path:line:col` (exit 2);
- a Python generator, `module:function` or `path/to/gen.py:function`, optionally followed by
  `:key=value,...` keyword arguments (integers, else strings): `function(machine, **kwargs)`
  returns a `Workload` (`seed=` is passed when the function takes it);
- anything else is a built-in name (`catalog.build_workload`).

`write_workload` (`Workload.to_file`) writes any workload as a file that reads back with
the same commands, inputs and expected output.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
import traceback
from pathlib import Path

import numpy as np

from spec import Assembler, Decoder, SpecError, ir
from spec.errors import Loc
from spec.loader import decode_utf8
from spec.types import numpy_dtype_name
from spec.yamlsrc import Node, block_origin, parse_yaml

from .base import FUNCTIONAL_MODEL, Workload, WorkloadError

__all__ = ["KEYS", "load_workload", "workload_from_file", "workload_from_module", "workload_kind",
           "write_workload"]

KEYS = ("machine", "name", "description", "commands", "preload", "expect")
REGION_KEYS = ("state", "at", "file")
_INT = re.compile(r"^[+-]?(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*)$", re.IGNORECASE)
_MODULE = re.compile(r"^(?P<module>[^:]+\.py|[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)(?::(?P<kwargs>.*))?$")
MAX_FILE_BYTES = 1 << 32


# ------------------------------------------------------------------ dispatch
def workload_kind(text: str) -> str:
    """'file' (a .yaml/.yml path), 'module' (module:function) or 'builtin'."""
    from .catalog import BUILDERS
    stripped = text.strip()
    if stripped.lower().endswith((".yaml", ".yml")):
        return "file"
    head = stripped.partition(":")[0].strip().lower()
    if head in BUILDERS or head == "prog":
        return "builtin"
    return "module" if _MODULE.match(stripped) else "builtin"


def load_workload(machine: ir.Machine, text: str, seed: int = 0) -> Workload:
    """The workload `--workload TEXT` names for `machine`: a file, a generator or a built-in."""
    kind = workload_kind(text)
    if kind == "file":
        return workload_from_file(text.strip(), machine)
    if kind == "module":
        return workload_from_module(machine, text.strip(), seed)
    from .catalog import build_workload
    return build_workload(machine, text, seed=seed)


# ------------------------------------------------------------------ reading files
def workload_from_file(path, machine: ir.Machine) -> Workload:
    """Read a workload file for `machine`; every error is a SpecError at its line:col."""
    path = Path(path)
    if not path.is_file():
        raise WorkloadError(f"workload file '{path}' " + ("is a directory" if path.is_dir() else "does not exist"))
    text = decode_utf8(path.read_bytes(), str(path))
    return _Reader(path, text, machine).read()


def _byte_memory(element: ir.StateElement) -> bool:
    """A DRAM-like memory: 1-D, unsigned 8-bit; regions of it are byte addresses and bytes."""
    return element.kind == "mem" and len(element.shape) == 1 and not element.type.signed and element.type.width == 8


def _main_memory(machine: ir.Machine) -> str:
    names = [s.name for s in machine.state if _byte_memory(s)]
    return "dram" if "dram" in names or not names else names[0]


class _Reader:
    def __init__(self, path: Path, text: str, machine: ir.Machine):
        self.path, self.text, self.machine = path, text, machine
        self.lines = text.splitlines()
        self.memory = _main_memory(machine)

    def error(self, node_or_loc, message: str, hint: str | None = None) -> SpecError:
        loc = node_or_loc.loc if isinstance(node_or_loc, Node) else node_or_loc
        return SpecError(loc, message, hint)

    def read(self) -> Workload:
        root = parse_yaml(self.text, str(self.path))
        if not root.is_map:
            raise self.error(root, "a workload file is a mapping with keys " + ", ".join(KEYS),
                             "start with 'commands:' (see docs/workloads.md)")
        self.keys(root, KEYS, "workload file")
        m = root.value
        if "machine" in m:
            name = self.scalar(m["machine"], "machine")
            if name != self.machine.name:
                raise self.error(m["machine"], f"this workload is for machine '{name}', not '{self.machine.name}'",
                                 f"run it on {name}, or change 'machine:' to {self.machine.name}")
        if self.machine.queue is None:
            raise self.error(root, f"{self.machine.name} is a processor: workload files are command streams for "
                                   "queue machines", "run a program on it with --program FILE")
        if "commands" not in m:
            raise self.error(root, "the workload file has no 'commands'",
                             "add commands: | (assembly), commands: {file: cmds.s} or commands: {binary: cmds.bin}")
        commands = self.commands(m["commands"])
        inputs, loads = [], []
        for state, index, data, byte in self.regions(m.get("preload"), "preload"):
            if byte and state == self.memory and index:
                inputs.append((index[0], data.reshape(-1).view(np.uint8)))
            else:
                loads.append((state, index, data.reshape(-1).view(np.uint8) if byte else data))
        expected, checks, reference = None, [], None
        node = m.get("expect")
        if node is not None and node.is_scalar and node.value.strip() == FUNCTIONAL_MODEL:
            reference = FUNCTIONAL_MODEL
        else:
            for state, index, data, byte in self.regions(node, "expect"):
                if byte and state == self.memory and index and expected is None:
                    expected = (index[0], data)
                else:
                    checks.append((state, index, data.reshape(-1).view(np.uint8) if byte else data))
        name = self.scalar(m["name"], "name") if "name" in m else self.path.stem
        description = self.scalar(m["description"], "description") if "description" in m \
            else f"workload file {self.path}"
        verifier = FUNCTIONAL_MODEL if reference else f"the expect of {self.path.name}"
        return Workload(name, commands, description, {}, inputs, expected, self.memory, loads, checks,
                        reference, verifier, str(self.path))

    # ------------------------------------------------------------ pieces
    def keys(self, node: Node, allowed, what: str):
        for key in node.value:
            if key not in allowed:
                raise self.error(node.key_locs[key], f"unknown key '{key}' in the {what}",
                                 f"a {what} has: {', '.join(allowed)}")

    def scalar(self, node: Node, what: str) -> str:
        if not node.is_scalar:
            raise self.error(node, f"'{what}' must be a single value, not a " + ("list" if node.is_list else "mapping"))
        return node.value.strip()

    def integer(self, node: Node, what: str) -> int:
        token = self.scalar(node, what)
        if not _INT.match(token):
            raise self.error(node, f"{what} '{token}' is not an integer", "write 42, 0x100, 0b101 or 0o17")
        body = token.lstrip("+-").replace("_", "")
        value = int(body, 0) if body[:2].lower() in ("0x", "0b", "0o") else int(body, 10)
        return -value if token.startswith("-") else value

    def file(self, node: Node, what: str) -> Path:
        name = self.scalar(node, what)
        if not name:
            raise self.error(node, f"'{what}' names no file")
        p = Path(name) if Path(name).is_absolute() else self.path.parent / name
        if not p.is_file():
            raise self.error(node, f"file '{name}' " + ("is a directory" if p.is_dir() else "does not exist")
                             + f" (looked for {p})", "paths are relative to the workload file's folder")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise self.error(node, f"file '{name}' is larger than {MAX_FILE_BYTES >> 30} GiB")
        return p

    # ------------------------------------------------------------ commands
    def commands(self, node: Node) -> list[int]:
        if node.is_scalar:
            words = self.inline(node)
        elif node.is_map:
            self.keys(node, ("file", "binary"), "commands mapping")
            if len(node.value) != 1:
                raise self.error(node, "commands: give exactly one of 'file' (assembly) or 'binary' (command words)",
                                 "commands: {file: cmds.s} or commands: {binary: cmds.bin}")
            key, value = next(iter(node.value.items()))
            p = self.file(value, key)
            if key == "file":
                text = decode_utf8(p.read_bytes(), str(p))
                words = list(Assembler(self.machine).assemble(text, str(p)).words)
            else:
                words = self.binary(value, p)
        else:
            raise self.error(node, "commands must be assembly text (a | block) or {file: ...} / {binary: ...}")
        if not words:
            raise self.error(node, "the workload has no commands", "write at least one command")
        return words

    def inline(self, node: Node) -> list[int]:
        if node.style == ">" or (node.style not in ("|",) and node.end_line and node.end_line != node.loc.line):
            raise self.error(node, "write commands of several lines as a literal block: 'commands: |'",
                             "a folded or plain scalar joins the lines into one")
        line0, col0 = block_origin(node, self.lines)
        try:
            return list(Assembler(self.machine).assemble(node.value, str(self.path)).words)
        except SpecError as exc:
            loc = Loc(str(self.path), line0 + exc.loc.line - 1, col0 - 1 + exc.loc.col)
            raise SpecError(loc, exc.message, exc.hint) from None

    def binary(self, node: Node, p: Path) -> list[int]:
        width = self.machine.queue.width
        size = (width + 7) // 8
        data = p.read_bytes()
        if len(data) % size:
            raise self.error(node, f"'{p.name}' has {len(data)} bytes, not a multiple of the {size}-byte command "
                                   f"width ({width} bits)", f"{self.machine.name}'s commands are {size} bytes each, "
                                                            "little-endian")
        if size in (1, 2, 4, 8):
            words = np.frombuffer(data, dtype=f"<u{size}").tolist()
        else:
            words = [int.from_bytes(data[i:i + size], "little") for i in range(0, len(data), size)]
        decoder, bad = Decoder(self.machine), {}
        for w in set(words):
            if w >> width or decoder.decode(w) is None:
                bad[w] = True
        if bad:
            i = next(i for i, w in enumerate(words) if w in bad)
            why = f"wider than {width} bits" if words[i] >> width else "not a command"
            raise self.error(node, f"'{p.name}': command {i} (byte offset {i * size}) is 0x{words[i]:x}: {why} of "
                                   f"{self.machine.name}", f"{len(bad)} distinct words do not decode; is the file "
                                                           "for another machine, or big-endian?")
        return words

    # ------------------------------------------------------------ regions
    def regions(self, node: Node | None, what: str):
        """(state, index, array, byte memory?) of each entry of a preload/expect list."""
        if node is None:
            return
        if not node.is_list:
            hint = ("a list of {state: NAME, at: INDEX, file: x.npy} entries" +
                    (", or 'expect: functional-model'" if what == "expect" else ""))
            raise self.error(node, f"'{what}' must be a list of regions", hint)
        for item in node.value:
            if not item.is_map:
                raise self.error(item, f"each {what} entry is a mapping {{state: NAME, at: INDEX, file: FILE}}")
            self.keys(item, REGION_KEYS, f"{what} entry")
            for key in ("state", "file"):
                if key not in item.value:
                    raise self.error(item, f"the {what} entry has no '{key}'",
                                     "write {state: NAME, file: FILE} or {state: NAME, at: INDEX, file: FILE}")
            yield self.region(item, what)

    def region(self, item: Node, what: str):
        v = item.value
        name = self.scalar(v["state"], "state")
        states = {s.name: s for s in self.machine.state}
        if name not in states:
            raise self.error(v["state"], f"unknown state '{name}'",
                             f"{self.machine.name} has: {', '.join(states)}")
        el = states[name]
        byte = _byte_memory(el)
        path = self.file(v["file"], "file")
        data = self.data(v["file"], path, el, byte)
        dtype = np.dtype(numpy_dtype_name(el.type))
        kind = f"{el.type} (numpy {dtype}) of shape {tuple(el.shape)}"
        if "at" not in v:
            if byte and path.suffix == ".bin":
                data = data.reshape(el.shape) if data.size == el.size else data
            if data.dtype != dtype or data.shape != tuple(el.shape):
                raise self.error(v["file"], f"'{path.name}' holds {data.dtype} of shape {data.shape}, but state "
                                            f"'{name}' is {kind}",
                                 "a whole element must match exactly (dcsim run --dump-state writes such files); "
                                 "give 'at' to load a part of it")
            index = ()
        else:
            index = self.index(v["at"], el)
            if byte:
                if data.dtype.itemsize != 1:
                    raise self.error(v["file"], f"'{path.name}' holds {data.dtype}; the byte memory '{name}' takes "
                                                "bytes", "save it as uint8 or int8 (a.view(np.uint8)), or as .bin")
            elif data.dtype != dtype:
                raise self.error(v["file"], f"'{path.name}' holds {data.dtype}, but state '{name}' is {kind}",
                                 f"save it with dtype {dtype}")
            shape = data.shape if not byte else (data.size,)
            if len(shape) != len(el.shape):
                raise self.error(v["file"], f"'{path.name}' has {len(shape)} dimensions {shape}; state '{name}' has "
                                            f"{len(el.shape)} {tuple(el.shape)}",
                                 "a region has as many dimensions as its state (reshape the array)")
            for d, (start, n, limit) in enumerate(zip(index, shape, el.shape)):
                if start + n > limit:
                    span = f"{start}..{start + n - 1}" if n else f"{start}"
                    raise self.error(v["at"], f"region out of range: {'bytes' if byte else f'axis {d}'} {span} of "
                                              f"'{name}', which has {limit}" + (" bytes" if byte else ""),
                                     f"'{name}' is {kind}")
        self.values(v["file"], path, data if not byte else data.reshape(-1).view(np.uint8), el)
        return name, index, data, byte

    def index(self, node: Node, el: ir.StateElement) -> tuple:
        if not el.shape:
            raise self.error(node, f"state '{el.name}' is a register: give no 'at'",
                             "write {state: NAME, file: x.npy} with a 0-dimensional array")
        items = node.value if node.is_list else [node]
        if len(items) != len(el.shape):
            raise self.error(node, f"'at' gives {len(items)} indices; state '{el.name}' has {len(el.shape)} "
                                   f"dimensions {tuple(el.shape)}",
                             "write at: INDEX for a 1-D state, at: [i, j] for a 2-D one")
        out = []
        for item, limit in zip(items, el.shape):
            value = self.integer(item, "index")
            if not 0 <= value < limit:
                raise self.error(item, f"index {value} out of range: '{el.name}' has {limit} along this axis",
                                 f"indices are 0..{limit - 1}")
            out.append(value)
        return tuple(out)

    def data(self, node: Node, path: Path, el: ir.StateElement, byte: bool) -> np.ndarray:
        if path.suffix == ".bin":
            if not byte:
                raise self.error(node, f"'{path.name}': raw .bin files are for byte memories; state '{el.name}' is "
                                       f"{el.type}", "save the data with numpy.save as .npy")
            return np.frombuffer(path.read_bytes(), dtype=np.uint8).copy()
        if path.suffix != ".npy":
            raise self.error(node, f"'{path.name}': data files are .npy (numpy.save)" +
                             (" or .bin (raw bytes)" if byte else ""), "convert it with numpy.save")
        try:
            data = np.load(path, allow_pickle=False)
        except Exception as exc:              # numpy raises ValueError, OSError, EOFError... for bad files
            raise self.error(node, f"'{path.name}' is not a readable .npy array: {exc}") from None
        if not isinstance(data, np.ndarray) or data.dtype.kind not in "iub":
            raise self.error(node, f"'{path.name}' holds {getattr(data, 'dtype', type(data).__name__)}, not integers",
                             "state elements are integers: save an integer array")
        return data

    def values(self, node: Node, path: Path, data: np.ndarray, el: ir.StateElement):
        t = el.type
        if data.size and (int(data.min()) < t.min or int(data.max()) > t.max):
            bad = data[(data < t.min) | (data > t.max)].reshape(-1)[0]
            raise self.error(node, f"'{path.name}' holds {int(bad)}, out of range for state '{el.name}' of type {t}",
                             f"{t} takes {t.min}..{t.max}")
        if el.zero_index is not None and el.kind == "regfile" and data.shape == tuple(el.shape) \
                and data[el.zero_index] != 0:
            raise self.error(node, f"'{path.name}' sets entry {el.zero_index} of '{el.name}', which is hardwired to "
                                   "zero", f"write 0 at index {el.zero_index}")


# ------------------------------------------------------------------ writing files
def write_workload(workload: Workload, folder, machine: ir.Machine) -> Path:
    """`workload` as folder/workload.yaml with commands.bin and one data file per region."""
    if machine.queue is None:
        raise WorkloadError(f"{machine.name} is a processor: only command streams are written as workload files")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    size = (machine.queue.width + 7) // 8
    limbs = workload.limbs(-(-size // 8)).astype("<u8")        # each command's bytes, little-endian
    (folder / "commands.bin").write_bytes(limbs.view(np.uint8).reshape(len(limbs), -1)[:, :size].tobytes())
    lines = [f"# {workload.name}: written by dcsim (Workload.to_file); see docs/workloads.md",
             f"machine: {machine.name}", f"name: {_quote(workload.name)}",
             f"description: {_quote(workload.description)}", "commands: {binary: commands.bin}"]
    preload = [(workload.memory, (addr,), data, "bin") for addr, data in workload.inputs]
    preload += [(name, index, data, "npy") for name, index, data in workload.loads]
    if preload:
        lines.append("preload:")
        for i, entry in enumerate(preload):
            lines.append(_entry(folder, f"preload{i}", *entry))
    if workload.reference == FUNCTIONAL_MODEL:
        lines.append(f"expect: {FUNCTIONAL_MODEL}")
    else:
        expect = [(workload.memory, (workload.expected[0],), workload.expected[1], "npy")] if workload.expected else []
        expect += [(name, index, data, "npy") for name, index, data in workload.checks]
        if expect:
            lines.append("expect:")
            for i, entry in enumerate(expect):
                lines.append(_entry(folder, f"expect{i}", *entry))
    path = folder / "workload.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _entry(folder: Path, stem: str, state: str, index: tuple, data: np.ndarray, kind: str) -> str:
    if kind == "bin":
        (folder / f"{stem}.bin").write_bytes(np.ascontiguousarray(data, dtype=np.uint8).tobytes())
    else:
        np.save(folder / f"{stem}.npy", np.ascontiguousarray(data))
    at = "" if not index else f", at: {hex(index[0])}" if len(index) == 1 else f", at: [{', '.join(map(str, index))}]"
    return f"  - {{state: {state}{at}, file: {stem}.{kind}}}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ------------------------------------------------------------------ Python generators
def workload_from_module(machine: ir.Machine, text: str, seed: int = 0) -> Workload:
    """`module:function[:key=value,...]` or `path/gen.py:function[...]`: the Workload that
    `function(machine, **kwargs)` returns (imported with importlib; nothing is evaluated)."""
    m = _MODULE.match(text)
    if m is None:
        raise WorkloadError(f"'{text}' is not module:function or path/to/gen.py:function")
    module = _import(m.group("module"), text)
    fname = m.group("function")
    function = getattr(module, fname, None)
    if not callable(function):
        raise WorkloadError(f"{text}: {m.group('module')} has no function '{fname}'"
                            + (f" ('{fname}' is a {type(function).__name__})" if function is not None else ""))
    kwargs = _kwargs(m.group("kwargs"), text)
    try:
        params = inspect.signature(function).parameters
        if "seed" not in kwargs and ("seed" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())):
            kwargs["seed"] = seed
    except (TypeError, ValueError):
        pass
    try:
        workload = function(machine, **kwargs)
    except WorkloadError:
        raise
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise WorkloadError(f"{text}: {fname}() raised {type(exc).__name__}: {exc} "
                            f"(at {frame.filename}:{frame.lineno})") from exc
    if not isinstance(workload, Workload):
        raise WorkloadError(f"{text}: {fname}() returned {type(workload).__name__}, not a "
                            "fastforward.workloads.Workload")
    check_workload(machine, workload, text)
    if workload.source is None:
        workload.source = text
    return workload


def _import(name: str, text: str):
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_file():
            raise WorkloadError(f"{text}: generator file '{name}' does not exist")
        key = f"dcsim_workload_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(key, None)
            raise WorkloadError(f"{text}: importing {name} failed: {type(exc).__name__}: {exc}") from exc
        return module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise WorkloadError(f"{text}: no module named '{name}' on the Python path (give its file instead, "
                                f"path/to/{name.rsplit('.', 1)[-1]}.py:function, or add its folder to PYTHONPATH; "
                                "built-in names: dcsim run --help)") from None
        raise WorkloadError(f"{text}: importing {name} failed: {exc}") from exc
    except Exception as exc:
        raise WorkloadError(f"{text}: importing {name} failed: {type(exc).__name__}: {exc}") from exc


def _kwargs(text: str | None, whole: str) -> dict:
    out: dict = {}
    if not text:
        return out
    for piece in text.split(","):
        key, eq, value = piece.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key.isidentifier():
            raise WorkloadError(f"{whole}: '{piece}' is not key=value (arguments after the function: "
                                "module:function:key=value,key=value)")
        out[key] = int(value.replace("_", ""), 0) if _INT.match(value) else value
    return out


def check_workload(machine: ir.Machine, workload: Workload, what: str) -> None:
    """A generated workload fits the machine: commands of its width, regions inside its state."""
    width = machine.queue.width if machine.queue else machine.word_bits
    if not workload.commands:
        raise WorkloadError(f"{what}: the workload has no commands")
    bad = next((c for c in workload.commands if not isinstance(c, (int, np.integer)) or c < 0 or int(c) >> width),
               None)
    if bad is not None:
        raise WorkloadError(f"{what}: command {bad!r} is not a {width}-bit command word of {machine.name}")
    states = {s.name: s for s in machine.state}
    regions = [(workload.memory, (a,), d) for a, d in workload.inputs]
    if workload.expected is not None:
        flat = np.ascontiguousarray(workload.expected[1]).reshape(-1).view(np.uint8)
        regions.append((workload.memory, (workload.expected[0],), flat))
    regions += [(n, i, d) for n, i, d in list(workload.loads) + list(workload.checks)]
    for name, index, data in regions:
        if name not in states:
            raise WorkloadError(f"{what}: unknown state '{name}' ({machine.name} has: {', '.join(states)})")
        shape = tuple(states[name].shape)
        size = data.shape if index else shape
        if index and (len(index) != len(shape) or len(data.shape) != len(shape)
                      or any(i < 0 or i + n > lim for i, n, lim in zip(index, data.shape, shape))):
            raise WorkloadError(f"{what}: region {index} of shape {data.shape} does not fit state '{name}' {shape}")
        if not index and tuple(data.shape) != shape:
            raise WorkloadError(f"{what}: whole '{name}' given as shape {size}, the state is {shape}")
