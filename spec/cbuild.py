"""Compile generated C into a shared library, cached by content hash.

The cache lives under `$DCSIM_CACHE/c/<sha256>/` (default `~/.cache/dcsim/c/<sha256>/`);
the hash covers the C source, the compiler command and the compiler's version text, so a
second build of the same machine is a directory lookup. `DCSIM_DUMP=dir` also writes the
generated source there. `CC` overrides the compiler (default `cc`).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from .cache import cache_dir
from .errors import DcsimError

CFLAGS = ("-shared", "-fPIC", "-std=gnu11")
OPT_LEVELS = ("-O2", "-O3")


class CompileError(DcsimError):
    """The C compiler failed (a generator bug, or a broken toolchain)."""


def find_compiler() -> str:
    name = os.environ.get("CC", "cc")
    path = shutil.which(name)
    if path is None:
        raise DcsimError(f"no C compiler found ('{name}' is not on PATH); install gcc or clang, set CC=..., "
                         "or use the Python backend (--backend py)")
    return path


@lru_cache(maxsize=None)
def _compiler_identity(cc: str) -> str:
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def build_key(source: str, cc: str, opt: str = "-O2") -> str:
    h = hashlib.sha256()
    for part in (source, cc, opt, " ".join(CFLAGS), _compiler_identity(cc)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def dump(name: str, text: str):
    """Write a generated artifact to $DCSIM_DUMP (if set), for debugging."""
    where = os.environ.get("DCSIM_DUMP")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / name).write_text(text)


def build_library(source: str, name: str = "sim", opt: str = "-O2") -> tuple[Path, bool]:
    """Path of the compiled library for `source`, and whether it came from the cache."""
    if opt not in OPT_LEVELS:
        raise ValueError(f"optimization level {opt} is not one of {OPT_LEVELS}")
    cc = find_compiler()
    key = build_key(source, cc, opt)
    directory = cache_dir("c") / key
    lib = directory / f"{name}.so"
    if lib.exists():
        return lib, True
    directory.mkdir(parents=True, exist_ok=True)
    src = directory / f"{name}.c"
    src.write_text(source)
    log = directory / "build.log"
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=directory)      # build aside, then rename: atomic
    os.close(fd)
    cmd = [cc, opt, *CFLAGS, "-o", tmp, str(src)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        os.unlink(tmp)
        raise CompileError(f"could not run the C compiler {cc}: {exc}") from None
    log.write_text(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        os.unlink(tmp)
        raise CompileError(f"C compilation of {src} failed (exit {proc.returncode}); see {log}")
    os.replace(tmp, lib)
    return lib, False


_LOADED: dict[str, ctypes.CDLL] = {}


def load_library(source: str, name: str = "sim", opt: str = "-O2") -> ctypes.CDLL:
    """Build (or find in the cache) and load the library for `source`; loaded once per process."""
    dump(f"{name}.c", source)
    key = hashlib.sha256((opt + source).encode()).hexdigest()
    lib = _LOADED.get(key)
    if lib is None:
        path, _ = build_library(source, name, opt)
        lib = _LOADED[key] = ctypes.CDLL(str(path))
    return lib
