"""`dcsim sdk`: where a processor's software kit is and how to compile a C program for it.

A kit is a folder `hw/sdk/<machine>/` (start file, linker script, a header with the host
environment's system calls, README.md). The linker script does not hard-code the memory:
its ram base and size come from the machine file — the fetch memory's `base` and its size
in bytes, after any `-D` overrides — as the linker symbols `__ram_base` and `__ram_size`
on the compiler command this prints. So `dcsim sdk rv32i -D MEM_BYTES=65536` gives the
command for a 64 KiB ram.
"""
from __future__ import annotations

from ..kit import kit_command, system_kit_command
from .args import add_machine_args, formatted, load_machine_arg
from .output import emit_json, stdout


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


def command(args) -> int:
    from spec.system import is_system_file, load_system

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        info = system_kit_command(load_system(machine_path(args.spec), dict(args.defines)), args.source,
                                  args.output)
        return show(info, args.json)
    return show(kit_command(load_machine_arg(args), args.source, args.output, defines=dict(args.defines)), args.json)


def show(info: dict, json: bool) -> int:
    if json:
        emit_json({"ok": True, **info})
        return 0
    stdout.print(f"kit: {info['kit']}  ({', '.join(info['files'])})", markup=False, highlight=False)
    stdout.print(f"ram: {info['ram_base']:#x}, {info['ram_size']} bytes", markup=False, highlight=False)
    for header in info.get("headers", ()):
        stdout.print(f"header: {header}", markup=False, highlight=False)
    stdout.print(f"compile: {info['command_line']}", markup=False, highlight=False, soft_wrap=True)
    stdout.print(f"run: {info['run']}", markup=False, highlight=False, soft_wrap=True)
    if not info["cc_installed"]:
        stdout.print(f"note: {info['cc']} is not on PATH (Debian: apt-get install gcc-riscv64-unknown-elf "
                     "picolibc-riscv64-unknown-elf)", markup=False, highlight=False)
    return 0
