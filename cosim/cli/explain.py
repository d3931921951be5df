"""`dcsim explain SPEC INSTRUCTION`: one instruction at every level, each with its source line."""
from __future__ import annotations

from .args import add_machine_args, formatted, load_machine_arg
from .output import emit_json, stdout

EPILOG = """\
examples:
  dcsim explain hw/npu.yaml COMPUTE
  dcsim explain hw/rv32i.yaml ADD
  dcsim explain tests/catalogue/dsp.yaml FIR --json
levels, in order: the YAML semantics as written; the typed Spec IR; the generated C function;
the FSMD states the HLS scheduled; the Verilog lines of those states; the correspondence
manifest entries of the state the instruction reads or writes
"""


def add_parser(sub):
    p = formatted(sub, "explain", help="show one instruction at every level, from spec to Verilog", epilog=EPILOG,
                  description="Print one instruction as the YAML semantics, the typed Spec IR, the generated C "
                              "function, the scheduled FSMD states, the generated Verilog and the manifest "
                              "entries of the state it touches, each with the line it comes from.")
    add_machine_args(p)
    p.add_argument("instruction", help="the instruction's name, e.g. COMPUTE or ADD")
    return p


def command(args) -> int:
    from ..explain import explain, format_explain
    levels = explain(load_machine_arg(args), args.instruction)
    if args.json:
        emit_json({"instruction": args.instruction,
                   "levels": [{"title": lv.title, "source": lv.source, "lines": list(lv.lines)} for lv in levels]})
    else:
        stdout.print(format_explain(levels), markup=False, highlight=False, soft_wrap=True)
    return 0
