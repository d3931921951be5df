"""Finding and reading Chakra trace files: per-rank sets (a `{rank}` pattern, a directory,
a glob) and one file's data, protobuf (`.et`, read with Chakra's own decoder) or JSON (one
value, or `chakra_jsonizer`'s back-to-back objects). `network.chakra` turns the data into a job.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from spec.errors import Loc

from .errors import NetworkConfigError, NetworkError


LIST_IDS = 8        # ids an error lists before "and N more"
_RANK_FILE = re.compile(r"(\d+)\.(et|json|et\.gz)$")


def trace_files(path: str | Path, ranks: int | None = None) -> list[tuple[int, Path]] | None:
    """(rank, file) of a per-rank trace set, or None when `path` is one file."""
    text = str(path)
    if "{rank}" in text:
        if ranks:
            return [(r, Path(text.replace("{rank}", str(r)))) for r in range(ranks)]
        glob = Path(text.replace("{rank}", "*"))
        pattern = re.compile(re.escape(glob.name).replace(r"\*", r"(\d+)") + "$")
        found = {}
        for f in glob.parent.glob(glob.name):
            m = pattern.match(f.name)
            if m:
                found[int(m.group(1))] = f
        return _contiguous(found, text)
    p = Path(text)
    if p.is_dir():
        found = _by_rank(sorted(list(p.glob("*.et")) + list(p.glob("*.json"))
                                + list(p.glob("*.et.gz"))), text)
        return _contiguous(found, text)
    if any(c in p.name for c in "*?["):
        return _contiguous(_by_rank(sorted(p.parent.glob(p.name)), text), text)
    return None


def _by_rank(files: list[Path], source: str) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for f in files:
        m = _RANK_FILE.search(f.name)
        if not m:
            continue
        rank = int(m.group(1))
        if rank in found:
            raise NetworkError(f"{source}: two traces for rank {rank}: {found[rank].name} and "
                               f"{f.name}", "keep one trace set per directory")
        found[rank] = f
    return found


def _contiguous(found: dict[int, Path], source: str) -> list[tuple[int, Path]]:
    if not found:
        raise NetworkError(f"{source}: no per-rank trace files found",
                           "name them NAME.<rank>.et or NAME.<rank>.json (as Chakra's tools do)")
    missing = sorted(set(range(max(found) + 1)) - set(found))
    if missing:
        raise NetworkError(f"{source}: the traces of rank(s) {ids_text(missing)} are missing "
                           f"(found {len(found)} files up to rank {max(found)})")
    return sorted(found.items())


def read_trace_file(path: Path) -> Any:
    """A trace file's data: protobuf (.et, Chakra's length-prefixed stream) or JSON."""
    try:
        head = path.read_bytes()[:64]
    except OSError as exc:
        raise NetworkError(f"cannot read Chakra trace {path}: {exc.strerror}") from None
    if head[:2] == b"\x1f\x8b" or (head.lstrip()[:1] not in (b"{", b"[") and head.strip()):
        return _read_protobuf(path)
    return _read_json(path)


def _read_protobuf(path: Path) -> list[dict]:
    """Nodes of a `.et` file, decoded by Chakra's own reader, as protobuf-JSON dicts."""
    try:
        from chakra.schema.protobuf.et_def_pb2 import GlobalMetadata, Node
        from chakra.src.third_party.utils.protolib import decodeMessage, openFileRd
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
    except ImportError:
        raise NetworkError(f"{path}: reading protobuf Chakra traces needs the mlc-chakra "
                           "package", "pip install mlc-chakra (or dcsim[network])") from None
    nodes = []
    stream = openFileRd(str(path))
    try:
        if not decodeMessage(stream, GlobalMetadata()):
            raise NetworkError(f"{path}: not a Chakra protobuf trace (no GlobalMetadata)")
        while True:
            node = Node()
            if not decodeMessage(stream, node):
                break
            nodes.append(MessageToDict(node, preserving_proto_field_name=True))
    except DecodeError as exc:
        raise NetworkError(f"{path}: not a Chakra protobuf trace: after {len(nodes)} nodes, "
                           f"{exc}") from None
    finally:
        stream.close()
    return nodes


def _read_json(path: Path) -> Any:
    """One JSON value, or the jsonizer's back-to-back objects (metadata first, then nodes)."""
    text = path.read_text(errors="replace")
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise NetworkConfigError(Loc(str(path), exc.lineno, exc.colno),
                                     f"not valid JSON: {exc.msg}") from None
        values.append(value)
    if not values:
        raise NetworkConfigError(Loc(str(path), 1, 1), "not valid JSON: the file is empty")
    if len(values) == 1:
        return values[0]
    if not all(isinstance(v, dict) for v in values):
        raise NetworkError(f"{path}: several JSON values one after another must all be "
                           "objects (chakra_jsonizer writes the metadata, then one per node)")
    first = values[0]
    if set(first) <= {"version", "attr"}:          # chakra's GlobalMetadata
        values = values[1:]
    return values


def ids_text(ids, limit: int = LIST_IDS) -> str:
    """At most `limit` ids, comma-separated, then "and N more"."""
    ids = list(ids)
    text = ", ".join(str(i) for i in ids[:limit])
    return text + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
