"""`dcsim`: build the parser from the subcommand modules, run one, turn errors into messages.

User errors print `path:line:col: error: ...` (or `error: ...`) and exit 2 (3 for a
machine fault); they never show a Python traceback. Every command takes --json for one
JSON object on stdout, also on an error: {"error", "location", "kind"} (see report_error).
"""
from __future__ import annotations

import argparse
import sys

from spec.errors import DcsimError, MachineFault, SpecError

from . import check, cluster, demo, exo, experiment, explain, fit, header, hls, measure, rtl, run, sample, sdk
from .output import emit_json

COMMANDS = (demo, check, run, sample, rtl, hls, explain, sdk, header, exo, cluster, fit, measure, experiment)

EXAMPLES = """\
examples:
  dcsim demo                                         the main job: sampled RTL vs full RTL on an NPU workload
  dcsim check hw/npu.yaml -D DIM=16                  validate a machine file
  dcsim explain hw/npu.yaml COMPUTE                  one instruction at every level, spec to Verilog
  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim run hw/rv32i.yaml --program prog.elf         run an RV32I ELF (or .s / flat .bin)
  dcsim run rv32i --program prog.elf --checkpoint-at 1000000 --checkpoint-out p.ckpt
  dcsim run rv32i --restore p.ckpt                   continue from a checkpoint
  dcsim exo hw/npu.yaml -o npu_exo.py                Exo compiler stubs from the spec
  dcsim header hw/npu.yaml --mmio 0x40000000 -o npu.h   a C header: encoders, push and wait for a host core
  dcsim hls hw/npu.yaml -o build/npu                 Verilog, correspondence manifest and shim
  dcsim hls hw/npu.yaml --fsmd                       the scheduled FSMD: states, transfers, spec lines
  dcsim rtl hw/npu.yaml --workload gemm:64,64,64 --json   the whole workload on the RTL, state checked
  dcsim sdk rv32i                                    linker script, start file and compiler command for C programs
  dcsim sample npu --workload gemm:64,64,64 --truth  sampled RTL with a confidence interval
  dcsim cluster hw/clusters/jobs/dp_switch8.yaml --network mess   a multi-node training step
  dcsim measure gemm --device cpu -o m.csv           time real GEMMs (BLAS/GPU) for dcsim fit --csv
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error under --json also prints the JSON error object."""
    json_errors = False

    def error(self, message):
        if _Parser.json_errors:
            emit_json(error_object(message, None, "error"))
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dcsim", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Model datacenter-scale AI systems from one architecture specification.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub).set_defaults(handler=module.command)
    return parser


def error_object(message: str, location, kind: str) -> dict:
    """What --json prints on stdout for an error: kind is spec (a file's line is at fault),
    fault (the simulated machine faulted) or error (anything else)."""
    return {"error": message, "location": str(location) if location else None, "kind": kind}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    _Parser.json_errors = "--json" in argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except DcsimError as exc:
        return report_error(exc, getattr(args, "json", False))
    except OSError as exc:         # a file the user named that cannot be read or written
        where = f"'{exc.filename}': " if exc.filename else ""
        return report_error(DcsimError(f"{where}{exc.strerror or exc}"), getattr(args, "json", False))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def report_error(exc: DcsimError, as_json: bool) -> int:
    """Print `exc` for a person on stderr (and as one JSON object on stdout with --json);
    the exit status: 3 for a machine fault, else 2."""
    print(exc.render(), file=sys.stderr)
    location = getattr(exc, "loc", None)
    if isinstance(exc, MachineFault):
        kind, status = "fault", 3
    elif isinstance(exc, SpecError) or location is not None:
        kind, status = "spec", 2
    else:
        kind, status = "error", 2
    if as_json:
        emit_json(error_object(getattr(exc, "message", None) or str(exc), location, kind))
    return status
