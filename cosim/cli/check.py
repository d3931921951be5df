"""`dcsim check`: validate a machine file and summarise it."""
from __future__ import annotations

from rich.table import Table

from spec import ir
from spec.printer import format_machine

from .args import add_machine_args, formatted, load_machine_arg
from .output import emit_json, stdout


def add_parser(sub):
    p = formatted(sub, "check", help="validate a machine file",
                  description="Parse and type-check a machine file; print its state and instructions.",
                  epilog="example:\n  dcsim check hw/npu.yaml -D DIM=16 --json")
    add_machine_args(p)
    p.add_argument("--ir", action="store_true", help="print the typed Spec IR (every expression with its type)")
    return p


def command(args) -> int:
    from spec.system import is_system_file

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        return show_system(machine_path(args.spec), args)
    show(load_machine_arg(args), args.json, args.ir)
    return 0


def show_system(path, args) -> int:
    """A system file: its parts checked (each as `dcsim check` checks a machine) and how they attach."""
    from spec.system import load_system
    system = load_system(path, dict(args.defines))
    info = {"system": system.name, "path": system.path, "digest": system.digest, "host": describe(system.host),
            "accelerators": [{"name": a.name, "mmio": a.mmio, "doorbell": a.doorbell, "status": a.status,
                              "wait": a.wait, "memory": a.memory, "window": a.dram_base,
                              "machine": describe(a.machine)} for a in system.accelerators]}
    if args.json:
        emit_json({"ok": True, **info})
        return 0
    stdout.print(f"[bold]{system.name}[/]: OK — host {system.host.name} ({len(system.host.instructions)} "
                 f"instructions), {len(system.accelerators)} accelerator(s)")
    for a in system.accelerators:
        window = (f"; {a.name}.{a.memory} is host memory from {a.window:#x}" if a.memory else "")
        stdout.print(f"  {a.name} ({a.machine.name}, {len(a.machine.instructions)} commands): registers at "
                     f"{a.mmio:#x} (doorbell {a.doorbell:#x}, STATUS {a.status:#x}, WAIT {a.wait:#x}){window}",
                     markup=False, highlight=False)
    return 0


def describe(machine: ir.Machine) -> dict:
    return {
        "machine": machine.name,
        "path": machine.path,
        "digest": machine.digest,
        "kind": "processor" if machine.fetch else "accelerator",
        "word_bits": machine.word_bits,
        "params": dict(machine.params),
        "state": [{"name": s.name, "kind": s.kind, "type": str(s.type), "shape": list(s.shape),
                   "external": s.external} for s in machine.state],
        "instructions": [{"name": i.name, "format": i.format.name,
                          "operands": {f.name: str(f.type) for f in i.operands}, "unit": i.unit}
                         for i in machine.instructions],
    }


def show(machine: ir.Machine, as_json: bool, with_ir: bool = False):
    info = describe(machine)
    if as_json:
        emit_json({"ok": True, **info, **({"ir": format_machine(machine)} if with_ir else {})})
        return
    if with_ir:
        stdout.print(format_machine(machine), markup=False, highlight=False)
        return
    stdout.print(f"[bold green]ok[/] {machine.path}: machine [bold]{machine.name}[/] "
                 f"({info['kind']}, {info['word_bits']}-bit words, {len(machine.instructions)} instructions)")
    if machine.params:
        stdout.print("params: " + ", ".join(f"{k}={v}" for k, v in machine.params))
    state = Table("state", "kind", "type", "shape", "bytes", title="architectural state")
    for s in machine.state:
        state.add_row(s.name + (" (external)" if s.external else ""), s.kind, str(s.type),
                      "×".join(map(str, s.shape)) or "-", f"{s.size * ((s.type.width + 7) // 8):,}")
    stdout.print(state)
    instrs = Table("instruction", "format", "operands", "unit", title="instructions")
    for i in machine.instructions:
        instrs.add_row(i.name, i.format.name, ", ".join(f"{f.name}:{f.type}" for f in i.operands), i.unit or "-")
    stdout.print(instrs)
