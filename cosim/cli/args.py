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


def _integer(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (a count of samples, strata, instructions...)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (1 or more), got {value}")
    return value


def nonneg_int(text: str) -> int:
    """An argparse type: an integer >= 0 (a seed, an instruction index...)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (0 or more), got {value}")
    return value


def writable_output(path) -> None:
    """Raise a DcsimError naming `path` if its folder is missing, a file, or not writable, or
    `path` is a folder: the writers further down would fail with a bare OSError traceback."""
    import os
    from pathlib import Path

    from spec.errors import DcsimError
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise DcsimError(f"cannot write '{path}': it is a directory")
    if not parent.is_dir():
        raise DcsimError(f"cannot write '{path}': " + (f"'{parent}' is not a directory" if parent.exists()
                                                      else f"the directory '{parent}' does not exist"))
    if not os.access(parent, os.W_OK):
        raise DcsimError(f"cannot write '{path}': the directory '{parent}' is not writable")


def output_error(path, exc: OSError):
    """A DcsimError for an OSError met while writing `path` (the cases writable_output cannot see)."""
    from spec.errors import DcsimError
    return DcsimError(f"cannot write '{path}': {exc.strerror or exc}")


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
