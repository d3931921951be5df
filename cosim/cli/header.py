"""`dcsim header SPEC [-o FILE]`: the C header a host program drives an accelerator with."""
from __future__ import annotations

import argparse

from spec import ir
from spec.errors import DcsimError

from .args import add_machine_args, formatted, load_machine_arg, output_error, writable_output
from .output import emit_json, stdout

EXAMPLES = """\
examples:
  dcsim header hw/npu.yaml -o npu.h                                  encoders only; define NPU_MMIO_BASE to push
  dcsim header npu --mmio 0x40000000 --dram-base 0x80000000 -o npu.h   with the register map fixed
  dcsim header tests/catalogue/histo.yaml --prefix hg                  to stdout, names hg_... and HG_...
  dcsim header hw/soc.yaml -o npu.h                                  a system file: its accelerator, attached
  dcsim header hw/soc.yaml --accelerator npu -o npu.h                ... naming it when the system has several
"""


def address(text: str) -> int:
    """An argparse type: a 32-bit host address (0x..., decimal, 0o..., 0b...)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an address (e.g. 0x40000000)") from None
    if not 0 <= value < 1 << 32:
        raise argparse.ArgumentTypeError(f"{text} is not a 32-bit address (0 .. 0xffffffff)")
    return value


def add_parser(sub):
    p = formatted(sub, "header", help="generate the C header a host program drives an accelerator with",
                  epilog=EXAMPLES,
                  description="Write a C99 header for a queue machine: per command an inline encoder "
                              "(PREFIX_encode_NAME: fields -> command words, exactly as spec/encoding.py) "
                              "and a push function (PREFIX_NAME), the machine's parameters, the register map "
                              "(command words, STATUS, WAIT) and PREFIX_push / _pending / _wait / _addr. "
                              "Without --mmio (--dram-base) the push (address) functions are compiled only "
                              "when the program defines PREFIX_MMIO_BASE (PREFIX_DRAM_BASE). See "
                              "docs/software.md.")
    add_machine_args(p)
    p.add_argument("-o", "--output", metavar="FILE", help="where to write the header (default: stdout)")
    p.add_argument("--prefix", help="prefix of the C names (default: the machine's name)")
    p.add_argument("--mmio", type=address, metavar="ADDR", help="host address of the command registers")
    p.add_argument("--dram-base", type=address, metavar="ADDR",
                   help="host address of accelerator address 0 of its external memory")
    p.add_argument("--accelerator", metavar="NAME", help="with a system file: which accelerator (default: "
                   "its only one); the system gives the prefix and both addresses")
    return p


def header_for(machine: ir.Machine, mmio_base: int | None, dram_base: int | None, prefix: str | None) -> str:
    """The header of `machine` attached at `mmio_base`/`dram_base`: the one place a system file
    (which names the machine and both addresses) will come in as well as a machine file."""
    from fastforward.header import generate_header
    return generate_header(machine, prefix=prefix, mmio_base=mmio_base, dram_base=dram_base)


def system_accelerator(args) -> tuple:
    """(machine, mmio base, dram base, prefix) of the accelerator `--accelerator` names in a system file."""
    from spec.system import load_system

    from ..paths import machine_path
    if args.mmio is not None or args.dram_base is not None:
        raise DcsimError("a system file fixes the addresses: drop --mmio/--dram-base (or give the machine file)")
    a = load_system(machine_path(args.spec), dict(args.defines)).choose(args.accelerator)
    return a.machine, a.mmio, a.dram_base, args.prefix or a.name


def command(args) -> int:
    if args.output:
        writable_output(args.output)
    # A machine file gives the machine and the options the addresses; a system file names the
    # accelerator and where it is attached.
    from spec.system import is_system_file

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        machine, mmio_base, dram_base, prefix = system_accelerator(args)
    else:
        if args.accelerator:
            raise DcsimError("--accelerator NAME goes with a system file (e.g. hw/soc.yaml)")
        machine, mmio_base, dram_base, prefix = load_machine_arg(args), args.mmio, args.dram_base, args.prefix
    text = header_for(machine, mmio_base, dram_base, prefix)
    if args.output:
        try:
            with open(args.output, "w") as out:
                out.write(text)
        except OSError as exc:
            raise output_error(args.output, exc) from None
    info = {"machine": machine.name, "output": args.output, "lines": len(text.splitlines())}
    if args.json:
        emit_json(info if args.output else {**info, "header": text})
    elif args.output:
        stdout.print(f"wrote {args.output}: C header for {machine.name}, {info['lines']} lines",
                     markup=False, highlight=False)
    else:
        print(text, end="")
    return 0
