"""`dcsim sdk`: where a processor's software kit is and how to compile a C program for it.

A kit is a folder `hw/sdk/<machine>/` (start file, linker script, a header with the host
environment's system calls, README.md). The linker script does not hard-code the memory:
its ram base and size come from the machine file — the fetch memory's `base` and its size
in bytes, after any `-D` overrides — as the linker symbols `__ram_base` and `__ram_size`
on the compiler command this prints. So `dcsim sdk rv32i -D MEM_BYTES=65536` gives the
command for a 64 KiB ram.
"""
from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from spec import ir
from spec.errors import DcsimError

from ..paths import hw_dir
from .args import add_machine_args, formatted, load_machine_arg
from .output import emit_json, stdout


@dataclass(frozen=True)
class Toolchain:
    cc: str
    arch: tuple[str, ...]          # target flags
    libs: tuple[str, ...]          # after the sources (libgcc: multiply and divide on rv32i)


# The compilers of the bundled kits, by machine name (the kit folder has the same name).
TOOLCHAINS = {
    "rv32i": Toolchain("riscv64-unknown-elf-gcc", ("-march=rv32i", "-mabi=ilp32"), ("-lgcc",)),
}
# -fno-tree-loop-distribute-patterns: without a C library, gcc must not turn loops into memset/memcpy calls
CFLAGS = ("-O2", "-ffreestanding", "-fno-tree-loop-distribute-patterns", "-nostdlib", "-nostartfiles")

EXAMPLES = """\
examples:
  dcsim sdk rv32i                                  the kit's folder and the compiler command
  dcsim sdk rv32i -D MEM_BYTES=65536 --json        ... for a 64 KiB ram, as one JSON object
  dcsim sdk hw/rv32i.yaml --source main.c --source util.c -o prog.elf
"""


def add_parser(sub):
    p = formatted(sub, "sdk", help="the software kit of a processor: folder and compiler command",
                  epilog=EXAMPLES,
                  description="Print the folder of a processor's software kit (hw/sdk/MACHINE: start file, "
                              "linker script, dcsim.h with write()/exit(), README.md) and the exact compiler "
                              "command for it, with the ram base and size of the machine file (after -D).")
    add_machine_args(p)
    p.add_argument("--source", action="append", metavar="FILE.c", help="C (or assembly) source to put in the "
                   "command (repeatable; default hello.c)")
    p.add_argument("-o", "--output", metavar="FILE.elf", help="program file to write (default: the first "
                   "source with .elf)")
    return p


def ram_of(machine: ir.Machine) -> tuple[int, int]:
    """(base address, size in bytes) of a processor's fetch memory."""
    if machine.fetch is None:
        raise DcsimError(f"{machine.name} is an accelerator (it has no fetch memory); a software kit is for "
                         "processors — accelerators take command streams (see docs/workloads.md)")
    mem = next(s for s in machine.state if s.name == machine.fetch.memory)
    return machine.fetch.base, mem.size * ((mem.type.width + 7) // 8)


def kit_dir(machine: ir.Machine) -> Path:
    return hw_dir() / "sdk" / machine.name


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
                relative: bool = True, defines: dict | None = None) -> dict:
    """The kit of `machine` and the compiler command (argv list) for `sources`; kit paths are
    relative to the working directory when below it (`relative`), else absolute. `defines`
    (the -D overrides `machine` was loaded with) go into the `dcsim run` line."""
    toolchain = TOOLCHAINS.get(machine.name)
    base, size = ram_of(machine)
    kit = kit_dir(machine)
    if toolchain is None or not (kit / "link.ld").is_file():
        raise DcsimError(f"no software kit for machine {machine.name} (looked for {kit}/link.ld; "
                         f"kits: {', '.join(sorted(TOOLCHAINS))})")
    sources = list(sources or ["hello.c"])
    output = output or str(Path(sources[0]).with_suffix(".elf"))
    k = shown(kit, relative)
    flags = [*toolchain.arch, *CFLAGS, f"-I{k}", f"-T{k}/link.ld",
             f"-Wl,--defsym=__ram_base={base:#x},--defsym=__ram_size={size:#x},--no-warn-rwx-segments"]
    argv = [toolchain.cc, *flags, f"{k}/crt0.S", *sources, *toolchain.libs, "-o", output]
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
        "run": " ".join(["dcsim", "run", shlex.quote(shown(Path(machine.path)) if machine.path else machine.name),
                         *(f"-D {k}={v}" for k, v in (defines or {}).items()),
                         "--program", shlex.quote(output)]),
        "cc_installed": shutil.which(toolchain.cc) is not None,
    }


def command(args) -> int:
    info = kit_command(load_machine_arg(args), args.source, args.output, defines=dict(args.defines))
    if args.json:
        emit_json({"ok": True, **info})
        return 0
    stdout.print(f"kit: {info['kit']}  ({', '.join(info['files'])})", markup=False, highlight=False)
    stdout.print(f"ram: {info['ram_base']:#x}, {info['ram_size']} bytes", markup=False, highlight=False)
    stdout.print(f"compile: {info['command_line']}", markup=False, highlight=False, soft_wrap=True)
    stdout.print(f"run: {info['run']}", markup=False, highlight=False, soft_wrap=True)
    if not info["cc_installed"]:
        stdout.print(f"note: {info['cc']} is not on PATH (Debian: apt-get install gcc-riscv64-unknown-elf "
                     "picolibc-riscv64-unknown-elf)", markup=False, highlight=False)
    return 0
