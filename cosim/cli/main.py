"""`dcsim`: build the parser from the subcommand modules, run one, turn errors into messages.

User errors print `path:line:col: error: ...` (or `error: ...`) and exit non-zero; they
never show a Python traceback. Every command takes --json for one JSON object on stdout.
"""
from __future__ import annotations

import argparse
import sys

from spec.errors import DcsimError, MachineFault, SpecError

from . import check, cluster, demo, exo, experiment, explain, fit, hls, rtl, run, sample

COMMANDS = (demo, check, run, sample, rtl, hls, explain, exo, cluster, fit, experiment)

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
  dcsim hls hw/npu.yaml -o build/npu                 Verilog, correspondence manifest and shim
  dcsim hls hw/npu.yaml --fsmd                       the scheduled FSMD: states, transfers, spec lines
  dcsim rtl hw/npu.yaml --workload gemm:64,64,64 --json   the whole workload on the RTL, state checked
  dcsim sample npu --workload gemm:64,64,64 --truth  sampled RTL with a confidence interval
  dcsim cluster hw/clusters/jobs/dp_switch8.yaml --network mess   a multi-node training step
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcsim", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Model datacenter-scale AI systems from one architecture specification.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub).set_defaults(handler=module.command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
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
