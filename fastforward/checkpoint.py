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
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spec import ir
from spec.errors import DcsimError

from .snapshot import Snapshot

MAGIC = b"DCSIMCKP"
VERSION = 1
PREFIX = struct.Struct("<8sII32s")          # magic, version, header length, header sha256


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
    header["_hlen"] = hlen
    return header


def check_machine(ckpt: Checkpoint, machine: ir.Machine):
    """A clear error unless `ckpt` was written by this very machine (same spec text and params)."""
    snap = ckpt.snapshot
    if snap.digest == machine.digest:
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
