"""The `dcsim` command line: one tool, subcommands.

User errors print `path:line:col: error: ...` (or `error: ...`) and exit non-zero; they
never show a Python traceback. Every command takes --json for one JSON object on stdout.
"""
from __future__ import annotations

import argparse
import sys

from spec.errors import DcsimError, MachineFault, SpecError

EXAMPLES = """\
examples:
  dcsim demo                                         the main job on bundled defaults
  dcsim check hw/npu.yaml -D DIM=16                  validate a machine file
  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim run hw/rv32i.yaml --program prog.elf         run an RV32I ELF (or .s / flat .bin)
  dcsim exo hw/npu.yaml -o npu_exo.py                Exo compiler stubs from the spec
"""


def _define(text: str) -> tuple[str, int]:
    name, eq, value = text.partition("=")
    try:
        if not eq or not name.isidentifier():
            raise ValueError
        return name, int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=INTEGER (e.g. -D DIM=16)") from None


def _add_machine_args(p: argparse.ArgumentParser):
    p.add_argument("spec", help="machine file (e.g. hw/npu.yaml) or a bundled machine name (npu, rv32i)")
    p.add_argument("-D", dest="defines", action="append", type=_define, default=[], metavar="NAME=VALUE",
                   help="override a machine parameter, e.g. -D DIM=16 (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcsim", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Model datacenter-scale AI systems from one architecture specification.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="validate a machine file",
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           description="Parse and type-check a machine file; print its state and instructions.",
                           epilog="example:\n  dcsim check hw/npu.yaml -D DIM=16 --json")
    _add_machine_args(check)
    check.add_argument("--ir", action="store_true", help="print the typed Spec IR (every expression with its type)")

    run = sub.add_parser("run", help="run a workload or program on the functional model",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Run a built-in workload (accelerators) or a program (processors: ELF, "
                                     "flat binary, or .s assembly; accelerators: .s command list).",
                         epilog="examples:\n  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json\n"
                                "  dcsim run hw/npu.yaml --workload mlp:16,64,64,32 -D DIM=16\n"
                                "  dcsim run hw/rv32i.yaml --program hello.elf --max-instructions 1000000\n"
                                "workloads: gemm:M,K,N (int8 GEMM, bias, int8 output) · mlp:B,D0,D1,... "
                                "(GEMM+bias+ReLU layers)")
    _add_machine_args(run)
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--workload", metavar="NAME[:ARGS]", help="built-in workload, e.g. gemm:64,64,64")
    what.add_argument("--program", metavar="FILE", help="program file to load and run")
    run.add_argument("--backend", default="py", help="functional model backend: py (reference) or c")
    run.add_argument("--max-instructions", type=int, metavar="N", help="stop after N instructions")
    run.add_argument("--seed", type=int, default=0, help="random seed of workload inputs (default 0)")

    demo = sub.add_parser("demo", help="the main job on bundled defaults",
                          description="Run a bundled NPU MLP on the functional model and verify it against numpy.",
                          epilog="example:\n  dcsim demo --json", formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--workload", help="override the demo workload (default mlp:16,64,64,32)")
    demo.add_argument("--backend", default="py", help="functional model backend: py or c")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    exo = sub.add_parser("exo", help="generate an Exo hardware library (compiler stubs) from a machine file",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Write a Python module for exo-lang 1.0: an @instr proc per command, Memory "
                                     "classes for the machine's memories and a @config class for its registers.",
                         epilog="example:\n  dcsim exo hw/npu.yaml -o npu_exo.py\n"
                                "commands Exo cannot express are errors (path:line:col); --lenient skips them")
    _add_machine_args(exo)
    exo.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the module")
    exo.add_argument("--lenient", action="store_true", help="skip inexpressible commands instead of failing")
    return parser


def exo_command(machine, args) -> int:
    from fastforward.exo import write_exo_module

    from .output import emit_json, stdout
    path = write_exo_module(machine, args.output, strict=not args.lenient)
    info = {"machine": machine.name, "output": str(path), "lines": len(path.read_text().splitlines())}
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"wrote {info['output']}: Exo library for {machine.name}, {info['lines']} lines")
    return 0


def dispatch(args) -> int:
    from spec import load_machine

    from .paths import machine_path
    if args.command == "demo":
        from .cmd_demo import demo_command
        return demo_command(args)
    machine = load_machine(machine_path(args.spec), dict(args.defines))
    if args.command == "exo":
        return exo_command(machine, args)
    if args.command == "check":
        from .cmd_check import show
        show(machine, args.json, args.ir)
        return 0
    from .cmd_run import run_command
    return run_command(machine, args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return dispatch(args)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except MachineFault as exc:
        print(exc.render(), file=sys.stderr)
        return 3
    except DcsimError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
