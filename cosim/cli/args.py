"""Argument helpers every subcommand that takes a machine file shares."""
from __future__ import annotations

import argparse

from spec import ir


def parse_define(text: str) -> tuple[str, int]:
    """`-D NAME=VALUE` -> (NAME, VALUE); VALUE in any base Python's int() reads with prefix."""
    name, eq, value = text.partition("=")
    try:
        if not eq or not name.isidentifier():
            raise ValueError
        return name, int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=INTEGER (e.g. -D DIM=16)") from None


def add_machine_args(p: argparse.ArgumentParser):
    """The machine file (or bundled name), its -D parameter overrides and --json."""
    p.add_argument("spec", help="machine file (e.g. hw/npu.yaml) or a bundled machine name (npu, rv32i)")
    p.add_argument("-D", dest="defines", action="append", type=parse_define, default=[], metavar="NAME=VALUE",
                   help="override a machine parameter, e.g. -D DIM=16 (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def load_machine_arg(args, defines: dict | None = None) -> ir.Machine:
    """The machine `args.spec` names, with `args.defines` (or `defines`) applied."""
    from spec import load_machine

    from ..paths import machine_path
    return load_machine(machine_path(args.spec), dict(args.defines) if defines is None else defines)


def formatted(sub, name: str, **kw) -> argparse.ArgumentParser:
    """A subcommand parser whose description and epilog keep their line breaks."""
    return sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
