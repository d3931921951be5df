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
  dcsim demo                                         the main job: sampled RTL vs full RTL on an NPU workload
  dcsim check hw/npu.yaml -D DIM=16                  validate a machine file
  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim run hw/rv32i.yaml --program prog.elf         run an RV32I ELF (or .s / flat .bin)
  dcsim run rv32i --program prog.elf --checkpoint-at 1000000 --checkpoint-out p.ckpt
  dcsim run rv32i --restore p.ckpt                   continue from a checkpoint
  dcsim exo hw/npu.yaml -o npu_exo.py                Exo compiler stubs from the spec
  dcsim hls hw/npu.yaml -o build/npu                 Verilog, correspondence manifest and shim
  dcsim rtl hw/npu.yaml --workload gemm:64,64,64 --json   the whole workload on the RTL, state checked
  dcsim cluster hw/clusters/jobs/dp_switch8.yaml --network mess   a multi-node training step
"""


RUN_EXAMPLES = """\
examples:
  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim run hw/npu.yaml --workload mlp:16,64,64,32 -D DIM=16 --backend py
  dcsim run hw/rv32i.yaml --program hello.elf --max-instructions 1000000
  dcsim run npu --workload gemm:256,256,256 --checkpoint-at 5000 --checkpoint-out g.ckpt
  dcsim run npu --restore g.ckpt --json                 resume; verified with the recorded workload
  dcsim run rv32i --program sort.elf --signature-interval 1000000 --signature-bbv 1024 --signature-out s.npz
workloads: gemm:M,K,N (int8 GEMM, bias, int8 output) · mlp:B,D0,D1,... (GEMM+bias+ReLU layers)
backend: c when a C compiler exists (cc, or $CC), else py with a notice on stderr
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
                                     "flat binary, or .s assembly; accelerators: .s command list), or continue "
                                     "from a checkpoint. Instruction indices (--max-instructions, "
                                     "--checkpoint-at) count from the start of the program, also after --restore.",
                         epilog=RUN_EXAMPLES)
    _add_machine_args(run)
    what = run.add_mutually_exclusive_group()
    what.add_argument("--workload", metavar="NAME[:ARGS]", help="built-in workload, e.g. gemm:64,64,64; with "
                      "--restore: the checkpoint's workload, to verify the result (default: the one it recorded)")
    what.add_argument("--program", metavar="FILE", help="program file to load and run")
    run.add_argument("--restore", metavar="CHECKPOINT", help="continue from a checkpoint file (its machine, state, "
                     "pending commands and host output; -D overrides default to the ones it was written with)")
    run.add_argument("--backend", choices=("py", "c"), help="functional model backend: c (compiled; the default "
                     "when a C compiler exists) or py (the Python reference)")
    run.add_argument("--max-instructions", type=int, metavar="N", help="stop when N instructions have retired")
    run.add_argument("--seed", type=int, default=0, help="random seed of workload inputs (default 0)")
    run.add_argument("--checkpoint-at", type=int, metavar="N", help="when N instructions have retired, write a "
                     "checkpoint and carry on (add --max-instructions N to stop there)")
    run.add_argument("--checkpoint-out", metavar="FILE", help="where --checkpoint-at writes the checkpoint")
    run.add_argument("--signature-interval", type=int, metavar="K", help="record a signature (instructions of "
                     "each kind) every K instructions")
    run.add_argument("--signature-bbv", type=int, default=0, metavar="B", help="processors: add a basic-block "
                     "vector of B buckets (a power of two, e.g. 1024) to each signature (default 0: off)")
    run.add_argument("--signature-out", metavar="FILE", help="where signatures go: .json, or else numpy .npz")

    demo = sub.add_parser("demo", help="the main job on bundled defaults",
                          description="Sampled RTL co-simulation of a bundled NPU workload with the full RTL run "
                                      "as ground truth: estimate, 99.7% interval, error and speedup.",
                          epilog="example:\n  dcsim demo --json", formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--workload", help="override the demo workload (default long)")
    demo.add_argument("--backend", default="c", help="functional model backend: c (default) or py")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    from .cmd_sample import add_parser as add_sample_parser
    add_sample_parser(sub)

    exo = sub.add_parser("exo", help="generate an Exo hardware library (compiler stubs) from a machine file",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Write a Python module for exo-lang 1.0: an @instr proc per command, Memory "
                                     "classes for the machine's memories and a @config class for its registers.",
                         epilog="example:\n  dcsim exo hw/npu.yaml -o npu_exo.py\n"
                                "commands Exo cannot express are errors (path:line:col); --lenient skips them")
    _add_machine_args(exo)
    exo.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the module")
    exo.add_argument("--lenient", action="store_true", help="skip inexpressible commands instead of failing")
    from .cmd_cluster import add_parser as add_cluster_parser
    add_cluster_parser(sub)
    from .cmd_fit import add_parser as add_fit_parser
    add_fit_parser(sub)
    from .cmd_experiment import add_parser as add_experiment_parser
    add_experiment_parser(sub)
    from .cmd_hls import add_parser as add_hls_parser
    add_hls_parser(sub, _add_machine_args)
    from .cmd_rtl import add_parser as add_rtl_parser
    add_rtl_parser(sub, _add_machine_args)
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


def _checkpoint_defines(path, args) -> dict:
    """The -D overrides a checkpoint was written with, if it is a checkpoint of this machine."""
    from spec import load_machine

    from fastforward.checkpoint import read
    args.checkpoint = read(args.restore)
    defines = (args.checkpoint.extra.get("job") or {}).get("defines") or {}
    if not defines or load_machine(path).name != args.checkpoint.machine:
        return {}
    args.defines = list(defines.items())
    return defines


def dispatch(args) -> int:
    from spec import load_machine

    from .paths import machine_path
    if args.command == "demo":
        from .cmd_demo import demo_command
        return demo_command(args)
    if args.command == "cluster":
        from .cmd_cluster import cluster_command
        return cluster_command(args)
    if args.command == "fit":
        from .cmd_fit import fit_command
        return fit_command(args)
    if args.command == "experiment":
        from .cmd_experiment import experiment_command
        return experiment_command(args)
    defines = dict(args.defines)
    if args.command == "run" and args.restore and not defines:
        defines = _checkpoint_defines(machine_path(args.spec), args)
    machine = load_machine(machine_path(args.spec), defines)
    if args.command == "sample":
        from .cmd_sample import sample_command
        return sample_command(machine, args)
    if args.command == "exo":
        return exo_command(machine, args)
    if args.command == "hls":
        from .cmd_hls import hls_command
        return hls_command(machine, args)
    if args.command == "rtl":
        from .cmd_rtl import rtl_command
        return rtl_command(machine, args)
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
