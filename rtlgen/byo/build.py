"""Verilate a user's design once, read its symbol table, and build the generated harness.

Two cached steps under `$DCSIM_CACHE/rtl/` (content-keyed, like `rtlgen.verilator.build`):

1. `verilate(corr)`: Verilator with `--public-flat-rw` (every signal of the design readable
   and writable from C++, so no wrapper or annotation in the user's Verilog is needed),
   the file's parameters (-G) and defines (-D). The Verilated root class header is the
   design's symbol table: every signal's C++ name, width and array depth, exactly as the
   harness will touch them (`symbols`).
2. `build(corr, harness)`: the Verilated C++ and the harness compiled into `model.so`.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import verilator as vl
from .correspondence import Correspondence

RECIPE = 1                        # bump when these steps change
FLAGS = vl.VERILATE_FLAGS + ("--public-flat-rw",)


@dataclass(frozen=True)
class Symbol:
    cname: str                    # the member of Vtop___024root (or of Vtop, for a port)
    width: int
    depth: int | None             # elements of an unpacked array, None for a scalar
    port: str | None              # 'in' | 'out' | None


def verilog_text(corr: Correspondence) -> str:
    return corr.verilog_text()


def _verilate_args(corr: Correspondence) -> list[str]:
    args = [f"-G{name}={_param(value)}" for name, value, _ in corr.parameters]
    return args + [f"-D{name}" for name, _ in corr.defines]


def _param(value: int) -> str:
    return str(value) if value < (1 << 31) else f"32'h{value:x}" if value < (1 << 32) else f"64'h{value:x}"


def _key(*parts) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()


def verilate(corr: Correspondence, verilog: str) -> tuple[Path, dict[str, Symbol]]:
    """The Verilated C++ of the design (cached folder) and its symbol table."""
    v = vl.require_verilator()
    args = _verilate_args(corr)
    key = _key(RECIPE, v.version, " ".join(FLAGS), " ".join(args), corr.top, verilog)
    final = vl.cache_root() / f"byo-v-{key[:40]}"
    if not (final / "symbols.json").exists():
        root = vl.cache_root()
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="byo-v-", dir=root))
        (tmp / "design.v").write_text(verilog)
        log = tmp / "build.log"
        try:
            vl.run_logged([v.executable, *FLAGS, *args, "--prefix", "Vtop", "--top-module", corr.top,
                     "--Mdir", tmp / "obj", tmp / "design.v"], log, f"verilator on {corr.verilog.name}",
                    env=v.env, cwd=tmp)
        except vl.RtlBuildError as exc:
            failed = root / f"failed-{key[:16]}"
            shutil.rmtree(failed, ignore_errors=True)
            tmp.rename(failed)
            raise vl.RtlBuildError(str(exc).split(" (log:")[0], failed / "build.log") from None
        table = parse_symbols((tmp / "obj" / "Vtop___024root.h").read_text())
        (tmp / "symbols.json").write_text(json.dumps({k: vars(s) for k, s in table.items()}))
        vl.publish(tmp, final)
    raw = json.loads((final / "symbols.json").read_text())
    return final / "obj", {k: Symbol(**s) for k, s in raw.items()}


_PORT = re.compile(r"VL_(IN|OUT|INOUT)(8|16|64|W)?\(&?(\w+),(\d+),(\d+)")
_MEMBER = re.compile(r"^\s*(?:VlUnpacked<)?(CData|SData|IData|QData|VlWide<\d+>)/\*(\d+):(\d+)\*/"
                     r"(?:,\s*(\d+)>)?\s+(\w+);")


def parse_symbols(header: str) -> dict[str, Symbol]:
    """Symbols of a Verilated root header, by their Verilog path ('clk', 'top.sub.reg').
    Ports appear twice (as the port and as the top module's net): the port wins."""
    table: dict[str, Symbol] = {}
    for line in header.splitlines():
        m = _MEMBER.match(line)
        if m and not m.group(5).startswith("__"):
            vpath = m.group(5).replace("__DOT__", ".")
            table.setdefault(vpath, Symbol(m.group(5), int(m.group(2)) - int(m.group(3)) + 1,
                                           int(m.group(4)) if m.group(4) else None, None))
            continue
        p = _PORT.search(line)
        if p:
            direction = {"IN": "in", "OUT": "out", "INOUT": "inout"}[p.group(1)]
            table[p.group(3)] = Symbol(p.group(3), int(p.group(4)) - int(p.group(5)) + 1, None, direction)
    return table


def build(corr: Correspondence, verilog: str, harness: str) -> Path:
    """`model.so` of the Verilated design and the harness (cached by content)."""
    v = vl.require_verilator()
    obj_dir, _ = verilate(corr, verilog)
    key = _key(RECIPE, obj_dir.parent.name, " ".join(vl.CXX_FLAGS), harness)
    final = vl.cache_root() / f"byo-{key[:40]}"
    lib = final / "model.so"
    if lib.exists():
        return lib
    tmp = Path(tempfile.mkdtemp(prefix="byo-", dir=vl.cache_root()))
    log = tmp / "build.log"
    obj = tmp / "obj"
    shutil.copytree(obj_dir, obj)
    (tmp / "harness.cpp").write_text(harness)
    try:
        sources = sorted(obj.glob("Vtop*.cpp")) + [tmp / "harness.cpp"]
        vl.compile_all([(s, s.with_suffix(".o")) for s in sources], [obj, v.include, v.include / "vltstd"], log)
        vl.run_logged([vl.cxx_compiler(), "-shared", "-fPIC", "-o", tmp / "model.so", *(s.with_suffix(".o") for s in sources),
                 *vl.runtime_objects(v), "-pthread"], log, "linking model.so")
    except vl.RtlBuildError as exc:
        failed = vl.cache_root() / f"failed-{key[:16]}"
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        raise vl.RtlBuildError(str(exc).split(" (log:")[0], failed / "build.log") from None
    for o in obj.glob("*.o"):
        o.unlink()
    vl.publish(tmp, final)
    return lib
