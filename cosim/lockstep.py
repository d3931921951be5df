"""A processor's RTL and its functional model in lockstep, one instruction at a time, to
name the first instruction whose architectural effect differs (`dcsim rtl --lockstep`).

Each step runs the reference over one instruction and the RTL to one more retirement
(servicing host calls on both, as `core_sample.CoreRun` does), then compares the whole
architectural state. Every step extracts the RTL's state, memories included, so this is a
debugging tool of thousands of instructions per second, not a way to run long programs:
run the program (or sample it) first, and lockstep the program that diverged.
"""
from __future__ import annotations

from spec import Assembler, ir
from spec.errors import MachineFault

from .compare import diff_states, states_equal
from .core_sample import CoreRun


def lockstep(machine: ir.Machine, engine, reference, state: dict, host: tuple, limit: int) -> dict:
    """Run `engine` (RtlEngine or ByoEngine) and `reference` (a simulator of `machine`) from
    `state` with a host at `host` = (tohost, fromhost) for at most `limit` instructions.
    Returns {'instructions': steps compared, 'divergence': None or {'instruction': index,
    'pc', 'assembly', 'differences': [...]}}."""
    from fastforward.riscv import Host
    for name, value in state.items():
        reference.state[name][...] = value
    reference_host = Host(reference, *host)
    engine.reset()
    engine.inject(state, retired=0)
    core = CoreRun(machine, engine, {k: v.copy() for k, v in state.items()}, host)
    fetch, asm = machine.fetch, Assembler(machine)
    for index in range(limit):
        pc = int(reference.state[fetch.pc].reshape(-1)[0])
        problems = _step(reference, core, index)
        problems += _differences(reference, core, reference_host)
        if problems:
            return {"instructions": index, "divergence": {"instruction": index, "pc": pc,
                                                          "assembly": _assembly(asm, reference, fetch, pc),
                                                          "differences": problems}}
        if reference.halted:
            return {"instructions": index + 1, "divergence": None}
    return {"instructions": limit, "divergence": None}


def _step(reference, core: CoreRun, index: int) -> list[str]:
    problems = []
    try:
        reference.run(1)
    except MachineFault as exc:
        problems.append(f"the functional model faults: {exc.message}")
    try:
        core.run_to(index + 1)
    except MachineFault as exc:
        problems.append(f"the RTL stops: {exc.message}")
    return problems


def _differences(reference, core: CoreRun, host) -> list[str]:
    got = core.state()
    problems = [] if states_equal(reference.state, got) else [d.describe() for d in diff_states(reference.state, got)]
    if reference.halted != core.halted or (reference.halted and reference.exit_code != core.exit_code):
        problems.append(f"halted: functional model {reference.halted} (exit {reference.exit_code}), "
                        f"RTL {core.halted} (exit {core.exit_code})")
    if host.stdout != core.host.stdout:
        problems.append(f"stdout: expected {host.stdout!r} got {core.host.stdout!r}")
    return problems


def _assembly(asm: Assembler, reference, fetch, pc: int) -> str:
    raw = reference.state[fetch.memory].reshape(-1).view("uint8")
    off = pc - fetch.base
    if not 0 <= off <= len(raw) - fetch.ilen:
        return "(outside memory)"
    return asm.disassemble(int.from_bytes(raw[off:off + fetch.ilen].tobytes(), "little"))
