"""`dcsim exo SPEC -o FILE`: the machine's Exo hardware library (compiler stubs)."""
from __future__ import annotations

from .args import add_machine_args, formatted, load_machine_arg, output_error, writable_output
from .output import emit_json, stdout


def add_parser(sub):
    p = formatted(sub, "exo", help="generate an Exo hardware library (compiler stubs) from a machine file",
                  description="Write a Python module for exo-lang 1.0: an @instr proc per command, Memory "
                              "classes for the machine's memories and a @config class for its registers. "
                              "An instr is exact when its body is the command's semantics (usable by "
                              "replace); a command Exo cannot express (data-dependent index, a type Exo "
                              "lacks, ...) gets an opaque instr: the right signature and C template, a "
                              "stand-in body and a comment naming the construct (path:line:col). Kernels "
                              "can call both; the module docstring lists which is which.",
                  epilog="example:\n  dcsim exo hw/npu.yaml -o npu_exo.py\n"
                         "a command that cannot even be called from Exo is an error (path:line:col); "
                         "--lenient skips it")
    add_machine_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the module")
    p.add_argument("--lenient", action="store_true",
                   help="skip commands that cannot be called from Exo instead of failing "
                        "(opaque instrs are generated either way)")
    return p


def command(args) -> int:
    from fastforward.exo import write_exo_module
    writable_output(args.output)          # before the machine is loaded and compiled
    machine = load_machine_arg(args)
    try:
        path = write_exo_module(machine, args.output, strict=not args.lenient)
    except OSError as exc:
        raise output_error(exc.filename or args.output, exc) from None
    info = {"machine": machine.name, "output": str(path), "lines": len(path.read_text().splitlines())}
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"wrote {info['output']}: Exo library for {machine.name}, {info['lines']} lines")
    return 0
