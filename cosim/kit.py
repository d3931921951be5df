"""Software kits: where a processor's kit is and the exact command that compiles a C program
for it (`dcsim sdk`), for a machine file or a system file.

A kit is a folder `hw/sdk/<kit>/` (start file, linker script, a header with the host
environment's system calls, README.md). The linker script does not hard-code the memory:
its ram base and size come from the machine file — the fetch memory's `base` and its size
in bytes, after any `-D` overrides — as the linker symbols `__ram_base` and `__ram_size`
on the compiler command. A system's kit (`system_kit_command`) is its host's, with the ram
ending below the accelerators' registers, `hw/sdk/<system>/` and the generated accelerator
headers on the include path.
"""
from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from spec import ir
from spec.errors import DcsimError

from .paths import hw_dir


@dataclass(frozen=True)
class Toolchain:
    cc: str
    arch: tuple[str, ...]          # target flags
    libs: tuple[str, ...]          # after the sources (libgcc: multiply and divide on rv32i)
    kit: str                       # the kit's folder under hw/sdk/


# The compilers of the bundled kits, by machine name. RV32IM programs use the RV32I kit
# (start file, linker script, host calls): only the compiler's target differs.
TOOLCHAINS = {
    "rv32i": Toolchain("riscv64-unknown-elf-gcc", ("-march=rv32i", "-mabi=ilp32"), ("-lgcc",), "rv32i"),
    "rv32im": Toolchain("riscv64-unknown-elf-gcc", ("-march=rv32im", "-mabi=ilp32"), ("-lgcc",), "rv32i"),
}
# -fno-tree-loop-distribute-patterns: without a C library, gcc must not turn loops into memset/memcpy calls
CFLAGS = ("-O2", "-ffreestanding", "-fno-tree-loop-distribute-patterns", "-nostdlib", "-nostartfiles")


def ram_of(machine: ir.Machine) -> tuple[int, int]:
    """(base address, size in bytes) of a processor's fetch memory."""
    if machine.fetch is None:
        raise DcsimError(f"{machine.name} is an accelerator (it has no fetch memory); a software kit is for "
                         "processors — accelerators take command streams (see docs/workloads.md)")
    mem = next(s for s in machine.state if s.name == machine.fetch.memory)
    return machine.fetch.base, mem.size * ((mem.type.width + 7) // 8)


def kit_dir(machine: ir.Machine) -> Path:
    toolchain = TOOLCHAINS.get(machine.name)
    return hw_dir() / "sdk" / (toolchain.kit if toolchain else machine.name)


def shown(path: Path, relative: bool = True) -> str:
    """`path` relative to the working directory when it lies below it (and `relative`), else absolute."""
    path = path.resolve()
    if not relative:
        return str(path)
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def kit_command(machine: ir.Machine, sources: list[str] | None = None, output: str | None = None,
                relative: bool = True, defines: dict | None = None, ram_size: int | None = None,
                includes: tuple = (), spec: str | None = None, cflags: tuple = ()) -> dict:
    """The kit of `machine` and the compiler command (argv list) for `sources`; kit paths are
    relative to the working directory when below it (`relative`), else absolute. `defines`
    (the -D overrides `machine` was loaded with) go into the `dcsim run` line. A system's
    kit (`system_kit_command`) gives the ram the program may use (`ram_size`), more include
    folders and the system file to run. `cflags` (e.g. -DN=64) go after the kit's own flags."""
    toolchain = TOOLCHAINS.get(machine.name)
    base, size = ram_of(machine)
    size = size if ram_size is None else ram_size
    kit = kit_dir(machine)
    if toolchain is None or not (kit / "link.ld").is_file():
        raise DcsimError(f"no software kit for machine {machine.name} (looked for {kit}/link.ld; "
                         f"kits: {', '.join(sorted(TOOLCHAINS))})")
    sources = list(sources or ["hello.c"])
    output = output or str(Path(sources[0]).with_suffix(".elf"))
    k = shown(kit, relative)
    flags = [*toolchain.arch, *CFLAGS, f"-I{k}", *(f"-I{shown(Path(d), relative)}" for d in includes),
             f"-T{k}/link.ld",
             f"-Wl,--defsym=__ram_base={base:#x},--defsym=__ram_size={size:#x},--no-warn-rwx-segments"]
    argv = [toolchain.cc, *flags, *cflags, f"{k}/crt0.S", *sources, *toolchain.libs, "-o", output]
    return {
        "machine": machine.name,
        "spec": machine.path,
        "kit": k,
        "files": sorted(p.name for p in kit.iterdir() if p.is_file()),
        "ram_base": base,
        "ram_size": size,
        "cc": toolchain.cc,
        "flags": flags,
        "command": argv,
        "command_line": " ".join(shlex.quote(a) for a in argv),
        "run": " ".join(["dcsim", "run", shlex.quote(shown(Path(spec or machine.path)) if spec or machine.path
                                                     else machine.name),
                         *(f"-D {k}={v}" for k, v in (defines or {}).items()),
                         "--program", shlex.quote(output)]),
        "cc_installed": shutil.which(toolchain.cc) is not None,
    }


def system_headers(system) -> Path:
    """The folder holding `<accelerator>.h` for each accelerator of `system` (fastforward/header.py,
    with the system's register and memory map), in the cache keyed by the headers' text."""
    import hashlib

    from fastforward.header import generate_header
    from spec.cache import cache_dir
    texts = {f"{a.name}.h": generate_header(a.machine, prefix=a.name, mmio_base=a.mmio, dram_base=a.dram_base)
             for a in system.accelerators}
    key = hashlib.sha256("\0".join(f"{k}\0{v}" for k, v in sorted(texts.items())).encode()).hexdigest()[:16]
    folder = cache_dir("headers") / key
    for name, text in texts.items():
        if not (folder / name).is_file() or (folder / name).read_text() != text:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}"
            tmp.write_text(text)
            tmp.replace(folder / name)            # atomic: a concurrent compile never reads half a header
    return folder


def system_kit_command(system, sources: list[str] | None = None, output: str | None = None,
                       relative: bool = True, cflags: tuple = ()) -> dict:
    """The host's kit for a system file: the linker keeps the pages of the accelerators'
    registers out of the program's ram (the stack starts below them), and the include path
    gets the system's kit (hw/sdk/<system>) and the generated accelerator headers."""
    base, size = ram_of(system.host)
    top = min(a.mmio & ~0xFFF for a in system.accelerators)
    if top - base < 0x10000:
        raise DcsimError(f"{system.name}: the accelerators' registers start at {top:#x}, leaving the host program "
                         f"{top - base} bytes below them; put them at the top of host memory")
    includes = [d for d in (hw_dir() / "sdk" / system.name,) if d.is_dir()] + [system_headers(system)]
    info = kit_command(system.host, sources, output, relative, ram_size=top - base, includes=tuple(includes),
                       spec=system.path, cflags=tuple(cflags))
    return {"system": system.name, **info, "headers": [str(h) for h in sorted(includes[-1].iterdir())
                                                         if h.suffix == ".h"]}
