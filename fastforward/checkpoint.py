"""Checkpoint files: a simulator's complete architectural state on disk, for either backend.

Layout (version 1), all integers little-endian:

    magic    8 bytes  b"DCSIMCKP"
    version  u32      1
    hlen     u32      length of the JSON header
    hsha     32 bytes sha256 of the header bytes
    header   hlen bytes of UTF-8 JSON: machine name, spec digest, params, retired, counts,
             halted, exit_code, pending queue (queue machines), `extra` (what the caller
             needs to resume: host environment, workload name ...), and for every state
             element its dtype, shape, offset and size in the payload; payload size and
             payload sha256
    payload  the state arrays, raw, in machine state order

Reading checks, in order: magic, version, header checksum, payload size (truncated file),
payload checksum, then (given a machine) the spec digest. Any failure raises
`CheckpointError` naming the file and what is wrong; nothing is restored from a file that
fails a check. The arrays are the reference's `Snapshot`, so a checkpoint written from the
C backend loads into the Python one and back.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spec import ir
from spec.errors import DcsimError
from spec.types import numpy_dtype_name

from .snapshot import Snapshot

MAGIC = b"DCSIMCKP"
VERSION = 1
PREFIX = struct.Struct("<8sII32s")          # magic, version, header length, header sha256

# The header schema: field -> allowed types (`int` excludes bool, as JSON true is no count).
# A forged or damaged header (its checksum recomputed) is rejected here, naming the field,
# instead of failing later with a KeyError or a numpy error wherever the field is used.
NONE = type(None)
HEADER_FIELDS = {"format": str, "machine": str, "digest": str, "params": dict, "retired": int,
                 "counts": list, "kinds": list, "halted": bool, "exit_code": (int, NONE), "queue": list,
                 "arrays": list, "payload_bytes": int, "payload_sha256": str}
OPTIONAL_FIELDS = {"backend": str, "extra": dict}
ARRAY_FIELDS = {"name": str, "dtype": str, "shape": list, "offset": int, "nbytes": int}
# what fastforward.session (and `dcsim run`) keep in `extra`, read back on --restore
JOB_FIELDS = {"kind": str, "workload": str, "seed": int, "program": str, "defines": dict}
HOST_FIELDS = {"tohost": (int, NONE), "fromhost": (int, NONE), "stdout": str, "stderr": str}
MAX_COUNT = (1 << 63) - 1                   # counters and exit codes are int64 in the compiled model


class CheckpointError(DcsimError):
    """A checkpoint file that cannot be read, or that belongs to another machine."""

    def __init__(self, path, message: str, hint: str | None = None):
        super().__init__(message)
        self.path, self.message, self.hint = str(path), message, hint

    def render(self) -> str:
        text = f"{self.path}: error: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")

    def __str__(self) -> str:
        return self.render()


@dataclass
class Checkpoint:
    """A checkpoint as read from a file: the snapshot plus what was saved with it."""
    path: Path
    snapshot: Snapshot
    params: dict
    extra: dict = field(default_factory=dict)
    backend: str = ""

    @property
    def machine(self) -> str:
        return self.snapshot.machine


def _json_int(code):
    return None if code is None else int(code)


def save(sim, path: str | Path, extra: dict | None = None) -> Path:
    """Write `sim`'s state to `path` (atomically: a temporary file, then a rename)."""
    path = Path(path)
    snap, machine = sim.snapshot(), sim.machine
    arrays, offset, digest = [], 0, hashlib.sha256()
    for s in machine.state:
        a = np.ascontiguousarray(snap.arrays[s.name])
        arrays.append({"name": s.name, "dtype": a.dtype.str, "shape": list(a.shape), "offset": offset,
                       "nbytes": a.nbytes})
        digest.update(memoryview(a).cast("B"))
        offset += a.nbytes
    header = {"format": "dcsim-checkpoint", "machine": machine.name, "digest": machine.digest,
              "params": machine.param, "backend": sim.backend, "retired": int(snap.retired),
              "counts": [int(c) for c in snap.counts], "kinds": [i.name for i in machine.instructions],
              "halted": bool(snap.halted), "exit_code": _json_int(snap.exit_code),
              "queue": [hex(c) for c in snap.queue], "arrays": arrays, "payload_bytes": offset,
              "payload_sha256": digest.hexdigest(), "extra": extra or {}}
    blob = json.dumps(header, sort_keys=True).encode()
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(PREFIX.pack(MAGIC, VERSION, len(blob), hashlib.sha256(blob).digest()))
            f.write(blob)
            for s in machine.state:
                f.write(memoryview(np.ascontiguousarray(snap.arrays[s.name])).cast("B"))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CheckpointError(path, f"cannot write checkpoint: {exc.strerror}") from None
    return path


def read(path: str | Path, machine: ir.Machine | None = None) -> Checkpoint:
    """Read and check a checkpoint; with `machine`, also check that it belongs to it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(path, f"cannot read checkpoint: {exc.strerror}") from None
    header = _header(path, data)
    payload = memoryview(data)[PREFIX.size + header["_hlen"]:]
    if len(payload) != header["payload_bytes"]:
        raise CheckpointError(path, f"truncated or padded checkpoint: {len(payload)} bytes of state where the "
                                    f"header promises {header['payload_bytes']}")
    if hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        raise CheckpointError(path, "corrupted checkpoint: the state does not match its sha256 checksum")
    try:
        arrays = {a["name"]: np.frombuffer(payload, dtype=np.dtype(a["dtype"]), count=int(np.prod(a["shape"])),
                                           offset=a["offset"]).reshape(a["shape"]).copy()
                  for a in header["arrays"]}
        snap = Snapshot(header["machine"], header["digest"], arrays, int(header["retired"]),
                        np.array(header["counts"], dtype=np.int64), bool(header["halted"]), header["exit_code"],
                        tuple(int(c, 16) for c in header["queue"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, f"malformed checkpoint header ({exc})") from None
    ckpt = Checkpoint(path, snap, dict(header["params"]), dict(header.get("extra") or {}), header.get("backend", ""))
    if machine is not None:
        check_machine(ckpt, machine)
    return ckpt


def _header(path: Path, data: bytes) -> dict:
    if len(data) < PREFIX.size:
        raise CheckpointError(path, f"truncated checkpoint: {len(data)} bytes, shorter than its {PREFIX.size}-byte "
                                    "prefix")
    magic, version, hlen, hsha = PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise CheckpointError(path, "not a dcsim checkpoint (bad magic number)",
                              "checkpoints are written by `dcsim run --checkpoint-out` or fastforward.checkpoint.save")
    if version != VERSION:
        raise CheckpointError(path, f"checkpoint format version {version}; this dcsim reads version {VERSION}")
    blob = data[PREFIX.size:PREFIX.size + hlen]
    if len(blob) != hlen:
        raise CheckpointError(path, f"truncated checkpoint: the header needs {hlen} bytes, {len(blob)} are present")
    if hashlib.sha256(blob).digest() != hsha:
        raise CheckpointError(path, "corrupted checkpoint: the header does not match its sha256 checksum")
    try:
        header = json.loads(blob)
    except ValueError as exc:
        raise CheckpointError(path, f"malformed checkpoint header ({exc})") from None
    check_header(path, header)
    header["_hlen"] = hlen
    return header


def _type_ok(value, types) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    return any(type(value) is t if t in (int, bool) else isinstance(value, t) for t in types)


def _type_names(types) -> str:
    names = {int: "an integer", bool: "true/false", str: "a string", dict: "an object", list: "a list",
             NONE: "null"}
    return " or ".join(names[t] for t in (types if isinstance(types, tuple) else (types,)))


def check_fields(path, record, schema: dict, where: str, required: bool = True):
    """`record` is an object whose fields have the types `schema` names (all present if `required`)."""
    if not isinstance(record, dict):
        raise CheckpointError(path, f"malformed checkpoint header: {where} is not an object")
    for name, types in schema.items():
        if name not in record:
            if required:
                raise CheckpointError(path, f"malformed checkpoint header: field '{where}.{name}' is missing")
        elif not _type_ok(record[name], types):
            raise CheckpointError(path, f"malformed checkpoint header: field '{where}.{name}' is "
                                        f"{type(record[name]).__name__}, not {_type_names(types)}")


def _check_value(path, value, types, where: str, lo: int | None = None, hi: int | None = None):
    if not _type_ok(value, types) or (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f" in {lo}..{hi}" if lo is not None else ""
        raise CheckpointError(path, f"malformed checkpoint header: {where} is {value!r}, not "
                                    f"{_type_names(types)}{bounds}")


def _check_items(path, items: list, types, where: str, lo: int | None = None, hi: int | None = None):
    for i, v in enumerate(items):
        _check_value(path, v, types, f"{where}[{i}]", lo, hi)


def check_header(path, header: dict):
    """Every field `read` and its callers use, with its type; array entries self-consistent."""
    check_fields(path, header, HEADER_FIELDS, "header")
    check_fields(path, header, OPTIONAL_FIELDS, "header", required=False)
    for name in ("retired", "payload_bytes"):
        _check_value(path, header[name], int, name, 0, MAX_COUNT)
    if header["exit_code"] is not None:
        _check_value(path, header["exit_code"], int, "exit_code", -MAX_COUNT, MAX_COUNT)
    for name, value in header["params"].items():
        _check_value(path, value, int, f"params.{name}")
    _check_items(path, header["counts"], int, "counts", 0, MAX_COUNT)
    _check_items(path, header["kinds"], str, "kinds")
    _check_items(path, header["queue"], str, "queue")
    for i, c in enumerate(header["queue"]):
        if not re.fullmatch(r"0x[0-9a-f]+", c):
            raise CheckpointError(path, f"malformed checkpoint header: queue[{i}] is {c!r}, not a hex number")
    for i, a in enumerate(header["arrays"]):
        _check_array(path, a, f"arrays[{i}]", header["payload_bytes"])
    extra = header.get("extra") or {}
    if "job" in extra:
        _check_job(path, extra["job"])
    if "host" in extra:
        check_fields(path, extra["host"], HOST_FIELDS, "extra.host", required=False)


def _check_job(path, job):
    """The job record: a workload job names its workload; a seed is a non-negative integer."""
    check_fields(path, job, JOB_FIELDS, "extra.job", required=False)
    if job.get("kind") == "workload":
        check_fields(path, job, {"workload": str}, "extra.job")
    if "seed" in job:
        _check_value(path, job["seed"], int, "extra.job.seed", 0, MAX_COUNT)
    for name, value in (job.get("defines") or {}).items():
        _check_value(path, value, int, f"extra.job.defines.{name}")


def _check_array(path, a, where: str, payload_bytes: int):
    """One state array's entry: an integer dtype, a shape, and bytes inside the payload."""
    check_fields(path, a, ARRAY_FIELDS, where)
    _check_items(path, a["shape"], int, f"{where}.shape", 0, 1 << 40)
    try:
        dtype = np.dtype(a["dtype"])
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "iu":
        raise CheckpointError(path, f"malformed checkpoint header: {where}.dtype {a['dtype']!r} is not an "
                                    "integer dtype")
    size = dtype.itemsize
    for d in a["shape"]:
        size *= d
    if a["nbytes"] != size or not 0 <= a["offset"] <= payload_bytes - size:
        raise CheckpointError(path, f"malformed checkpoint header: {where} ({a['name']}) claims {a['nbytes']} "
                                    f"bytes at offset {a['offset']}; its shape and dtype take {size}, and the "
                                    f"payload has {payload_bytes}")


def check_machine(ckpt: Checkpoint, machine: ir.Machine):
    """A clear error unless `ckpt` was written by this very machine (same spec text and params)."""
    snap = ckpt.snapshot
    if snap.digest == machine.digest:
        _check_layout(ckpt, machine)
        return
    differ = {k: (v, machine.param.get(k)) for k, v in ckpt.params.items() if machine.param.get(k) != v}
    if snap.machine != machine.name:
        what = f"it is a checkpoint of machine '{snap.machine}', not '{machine.name}'"
        hint = None
    elif differ:
        what = "it was written with other machine parameters: " + ", ".join(
            f"{k}={a} (here {b})" for k, (a, b) in sorted(differ.items()))
        flags = " ".join(f"-D {k}={a}" for k, (a, _) in sorted(differ.items()))
        hint = f"load the machine with the same parameters, e.g. {flags}"
    else:
        what = (f"its spec digest {snap.digest[:12]} differs from {Path(machine.path).name}'s {machine.digest[:12]} "
                "(the machine file or its overrides changed)")
        hint = "restore with the machine file and -D overrides the checkpoint was written with"
    raise CheckpointError(ckpt.path, f"cannot load into '{machine.name}': {what}", hint)


def _check_layout(ckpt: Checkpoint, machine: ir.Machine):
    """The state arrays, counters and queue have the machine's names, dtypes and shapes (a
    header that claims the right digest may still be forged): else restoring would fail in
    numpy, or in the compiled model, instead of here."""
    snap, path = ckpt.snapshot, ckpt.path
    names = [s.name for s in machine.state]
    if sorted(snap.arrays) != sorted(names):
        raise CheckpointError(path, f"checkpoint state arrays {', '.join(sorted(snap.arrays))} are not "
                                    f"{machine.name}'s: {', '.join(names)}")
    for s in machine.state:
        a, dtype = snap.arrays[s.name], np.dtype(numpy_dtype_name(s.type))
        shapes = (tuple(s.shape), tuple(s.shape) or (1,))      # a reg is stored as one element
        if a.dtype != dtype or a.shape not in shapes:
            raise CheckpointError(path, f"checkpoint array '{s.name}' is {a.dtype}{list(a.shape)}; "
                                        f"{machine.name} has {dtype}{list(shapes[-1])}")
    if len(snap.counts) != len(machine.instructions):
        raise CheckpointError(path, f"checkpoint has {len(snap.counts)} instruction counters; {machine.name} "
                                    f"has {len(machine.instructions)} instructions")
    if snap.queue and machine.queue is None:
        raise CheckpointError(path, f"checkpoint has queued commands; {machine.name} is a processor (no queue)")
    if machine.queue and any(c >> machine.queue.width for c in snap.queue):
        raise CheckpointError(path, f"checkpoint queue holds a command wider than {machine.name}'s "
                                    f"{machine.queue.width}-bit queue")


def load(sim_or_machine, path: str | Path, backend: str = "py"):
    """Restore a checkpoint into a simulator, or into a new one of `backend` for a machine; returns it."""
    if isinstance(sim_or_machine, ir.Machine):
        from .backends import make_simulator
        sim = make_simulator(sim_or_machine, backend)
    else:
        sim = sim_or_machine
    restore(sim, read(path, sim.machine))
    return sim


def restore(sim, ckpt: Checkpoint):
    check_machine(ckpt, sim.machine)
    sim.restore(ckpt.snapshot)
