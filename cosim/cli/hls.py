"""`dcsim hls SPEC -o DIR`: write the generated Verilog, correspondence manifest and C++ shim."""
from __future__ import annotations

import argparse
from pathlib import Path

from spec import ir
from spec.errors import DcsimError

from .args import add_machine_args, load_machine_arg, output_error
from .output import emit_json, stdout

EPILOG = """\
example:
  dcsim hls hw/npu.yaml -D DIM=16 -o build/npu16
  dcsim hls hw/rv32i.yaml --fsmd                 print the FSMD the Verilog is generated from
  dcsim hls hw/npu.yaml --report                 latency, loops, operators, ports and warnings per instruction
writes DIR/<top>.v (lint-clean Verilog-2005), DIR/<top>.manifest.json (where every state
element lives, banking, quiescence) and DIR/<top>_shim.cpp (the C ABI around the Verilated model)
"""


def add_parser(sub):
    p = sub.add_parser("hls", help="write Verilog, correspondence manifest and shim for a machine",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
                       description="Schedule the machine's instructions into units (HLS), and write the "
                                   "Verilog, the correspondence manifest and the native shim.")
    add_machine_args(p)
    p.add_argument("-o", "--output", metavar="DIR", help="directory to write into")
    p.add_argument("--fsmd", action="store_true", help="print the scheduled FSMD (units, memories, registers, and "
                   "per instruction its states: parallel transfers, memory writes, checks, transitions, each with "
                   "the spec line it came from) instead of, or besides, writing files")
    p.add_argument("--report", action="store_true", help="print the HLS report: per instruction its latency in "
                   "cycles (a formula in loop trip counts), loop initiation intervals, multipliers, adders and "
                   "memory ports per cycle; per unit its resources and banks; warnings naming the spec line where "
                   "control flow or a memory port serializes an unrolled loop (with --json: under \"report\")")
    return p


def command(args) -> int:
    if args.output and Path(args.output).exists() and not Path(args.output).is_dir():
        raise DcsimError(f"cannot write into '{args.output}': it is a file, and -o names a directory")
    machine = load_machine_arg(args)
    if not args.output and not args.fsmd and not args.report:
        raise DcsimError("dcsim hls needs -o DIR (where to write the Verilog, manifest and shim), --fsmd, "
                         "--report, or several")
    info = write_artifacts(machine, args) if args.output else {"machine": machine.name}
    if args.fsmd:
        from hls import schedule_machine
        from hls.printer import format_fsmd
        info["fsmd"] = format_fsmd(schedule_machine(machine))
    if args.report:
        from hls import schedule_machine
        from hls.report import report
        info["report"] = report(schedule_machine(machine))
    if args.json:
        emit_json(info)
        return 0
    if args.fsmd:
        stdout.print(info["fsmd"], markup=False, highlight=False, soft_wrap=True)
    if args.report:
        from hls.report import format_report
        stdout.print(format_report(info["report"]), markup=False, highlight=False, soft_wrap=True)
    if args.output:
        stdout.print(f"wrote {', '.join(info['files'])}: {info['states']} FSM states, "
                     f"units {', '.join(u['name'] for u in info['units'])}", markup=False, highlight=False)
    return 0


def write_artifacts(machine: ir.Machine, args) -> dict:
    """Write the artifacts to args.output; what was written."""
    from hls import schedule_machine
    from rtlgen.engine import generate_artifacts
    art = generate_artifacts(machine)
    out = Path(args.output)
    try:
        art.write(out)
    except OSError as exc:          # a parent that is a file, no permission, disk full
        raise output_error(exc.filename or out, exc) from None
    m = schedule_machine(machine)
    files = [str(out / f"{art.top}{suffix}") for suffix in (".v", ".manifest.json", "_shim.cpp")]
    info = {"machine": machine.name, "top": art.top, "files": files,
            "verilog_lines": len(art.verilog.splitlines()), "states": len(m.states),
            "units": [{"name": u.name, "queue_depth": u.queue_depth, "instructions": list(u.instructions)}
                      for u in m.units],
            "memories": [{"state": x.state, "port": x.port, "lanes": x.lanes, "read_ports": x.read_ports,
                          "banks": x.banks, "bank_rows": x.bank_rows} for x in m.memories]}
    return info
