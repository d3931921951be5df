"""`dcsim rtl SPEC --workload W`: the whole workload on the generated RTL (Verilator), its
final architectural state checked against the functional model element by element."""
from __future__ import annotations

import argparse
import time

from spec import ir
from spec.errors import DcsimError, MachineFault

from .args import add_machine_args, load_machine_arg, nonneg_int, positive_int, writable_output
from .output import emit_json, stdout

EPILOG = """\
examples:
  dcsim rtl hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim rtl npu --workload gemm:64,64,64 -D DIM=16 -D DRAM_BYTES=65536
  dcsim rtl npu --workload gemm:32,32,32 --trace g.fst --trace-window 1000:3000
  dcsim rtl hw/rv32i.yaml --program fib.elf --json      (a processor: ELF, flat binary or .s)
  dcsim rtl hw/rv32i.yaml --rtl picorv32 --program fib.elf --json   (your own Verilog: docs/rtl.md)
  dcsim rtl tests/catalogue/vadd.yaml --workload my_workload.yaml   (a workload file: docs/workloads.md)
  dcsim rtl hw/soc.yaml --program gemm.elf --json    (a system: host core + NPU RTL, docs/software.md)
prints cycles, instructions (commands), seconds (RTL run), cycles_per_second,
state_match (the RTL's final state equals the functional model's; else the first difference)
and verified (the RTL's final state holds the workload's expected output; with
'expect: functional-model', state_match); exit 1 unless both hold
a system file: cycles split into host_busy/npu_busy/overlapped/npu_only (host stalled at
WAIT), host instructions, NPU commands by kind, races, exit code, stdout and state_match
over the core's and the NPU's state; exit 1 unless all agree with the functional model
"""


def _window(text: str) -> tuple[int, int]:
    a, sep, b = text.partition(":")
    try:
        lo, hi = int(a), int(b)
        if not sep or lo < 0 or hi <= lo:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a cycle window A:B with 0 <= A < B") from None
    return lo, hi


def add_parser(sub):
    p = sub.add_parser("rtl", help="run a workload on the generated RTL and check it against the functional model",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
                       description="HLS -> Verilog -> Verilator (cached build), then the whole workload on the "
                                   "RTL; its final state is compared with the functional model's.")
    add_machine_args(p)
    p.add_argument("--workload", metavar="NAME[:ARGS]|FILE.yaml|MODULE:FUNCTION",
                   help="queue machines: a built-in workload (e.g. gemm:64,64,64), a workload file (FILE.yaml) or "
                        "a Python generator (module:function, path/gen.py:function[:key=value,...])")
    p.add_argument("--program", metavar="FILE", help="processors: an ELF, flat binary or .s assembly to run; env calls "
                   "(exit, write) and HTIF tohost stores are serviced by the functional model's host, exit "
                   "code and output compared")
    p.add_argument("--max-instructions", type=positive_int, help="processors: stop after this many instructions")
    p.add_argument("--rtl", metavar="NAME|FILE", help="processors: run a hand-written design instead of the "
                   "generated core, through its correspondence file (hw/rtl/NAME.yaml or FILE; docs/rtl.md)")
    p.add_argument("--lockstep", action="store_true", help="processors: compare with the functional model after "
                   "every instruction and name the first one that differs (slow: a debugging aid)")
    p.add_argument("--seed", type=nonneg_int, default=0, help="workload data seed")
    p.add_argument("--backend", help="functional model: c or py (default: c when a C compiler exists)")
    p.add_argument("--watchdog", type=positive_int, default=1 << 40, help="give up after this many cycles")
    p.add_argument("--trace", metavar="FILE.fst", help="write an FST waveform of --trace-window (a separate, "
                   "traced Verilator build; VCD when Verilator's FST writer cannot be built: no lz4.h)")
    p.add_argument("--trace-window", type=_window, metavar="A:B", help="cycles A..B to trace (default 0:10000)")
    p.add_argument("--sync", choices=("every", "burst"), default="every",
                   help="systems: copy the host's memory changes to the accelerator at every doorbell (default) or "
                        "only at the first doorbell after a WAIT (faster; exact if a program writes a burst's "
                        "inputs before its first doorbell)")
    return p


def command(args) -> int:
    from spec.system import is_system_file

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        from .rtl_system import system_command
        return system_command(args, machine_path(args.spec))
    if args.trace:                 # before the Verilator build and the run, not after them
        writable_output(args.trace)
    return rtl_command(load_machine_arg(args), args)


def rtl_command(machine: ir.Machine, args) -> int:
    from cosim.compare import diff_states, states_equal
    from fastforward.backends import make_simulator
    from fastforward.workloads import load_workload
    from rtlgen.engine import RtlEngine

    from .run import backend_of
    if machine.fetch is not None:
        return _program_command(machine, args)
    if getattr(args, "rtl", None):
        raise DcsimError(f"--rtl is for processors; {machine.name} is a queue machine")
    if args.workload is None:
        raise DcsimError(f"{machine.name} is a queue machine: give --workload NAME[:ARGS], FILE.yaml or "
                         "module:function")
    if args.trace_window and not args.trace:
        raise DcsimError("--trace-window A:B needs --trace FILE.fst")
    work = load_workload(machine, args.workload, seed=args.seed)
    sim = make_simulator(machine, backend_of(args))
    work.prepare(sim)
    start = {k: v.copy() for k, v in sim.state.items()}
    model_fault = None
    try:
        sim.run()
    except MachineFault as exc:         # run the RTL too: it names the command and assert from its own fault site
        model_fault = exc
    t0 = time.perf_counter()
    trace = (args.trace, *(args.trace_window or (0, 10_000))) if args.trace else None
    eng = RtlEngine(machine, trace=trace) if trace else RtlEngine(machine)
    build = time.perf_counter() - t0
    eng.inject(start, retired=0)
    eng.push(work.commands)
    t0 = time.perf_counter()
    try:
        cycles = eng.run_until_quiescent(watchdog=args.watchdog)
    except MachineFault as rtl_fault:
        if model_fault is None:
            raise
        said = lambda fault: fault.render().removeprefix("error: machine fault: ")
        agree = ("the functional model faults at the same assert" if rtl_fault.loc == model_fault.loc
                 else f"the functional model: {said(model_fault)}")
        raise MachineFault(f"{said(rtl_fault)}; {agree}") from None
    if model_fault is not None:         # a queue machine's RTL checks no bounds: the model's fault stands
        raise model_fault
    seconds = time.perf_counter() - t0
    final = eng.extract()
    if trace:
        eng.close_trace()
    expected = {k: sim.state[k] for k in final}
    match = states_equal(expected, final)
    diffs = [] if match else diff_states(expected, final)
    if work.has_checks:             # the RTL's own final state against the expected output
        verified, against = bool(work.verify_state({**sim.state, **final})), work.verifier
    else:
        verified = match if work.reference else None
        against = work.verifier if work.reference else None
    info = {"machine": machine.name, "workload": work.name, "cycles": cycles, "instructions": eng.retired,
            "seconds": seconds, "cycles_per_second": cycles / seconds if seconds > 0 else None,
            "state_match": match, "output_correct": bool(work.verify(sim)) if work.has_checks else None,
            "verified": verified, "verified_against": against,
            "first_difference": None if match else {
                "state": diffs[0].state, "index": list(diffs[0].first[0][0]), "reference": diffs[0].first[0][1],
                "rtl": diffs[0].first[0][2], "differing_elements": diffs[0].count},
            "build_seconds": build, "library": str(eng.library_path),
            "trace": {"file": args.trace, "window": list(trace[1:]), "format": eng.trace_format} if trace else None}
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"{work.name} on {machine.name} RTL: {cycles} cycles, {eng.retired} commands, "
                     f"{seconds:.3f} s ({info['cycles_per_second'] or 0:,.0f} cycles/s); state_match={match}",
                     markup=False, highlight=False)
        if verified is not None:
            stdout.print(f"verified against {against}: {'yes' if verified else 'NO'}", markup=False, highlight=False)
        for d in diffs:
            stdout.print(f"  differs: {d.describe()}", markup=False, highlight=False)
    return 0 if match and verified is not False else 1


def _program_command(machine: ir.Machine, args, default_limit: int = 10 ** 9) -> int:
    """A processor: the program on the functional model and on the RTL core; exit code,
    output and the final architectural state must agree. The program file is loaded as by
    `dcsim run` (ELF, flat binary, or `.s` assembled for the machine); both runs stop at
    --max-instructions, by default `default_limit` (about 10 s on the compiled model), so a
    program that never ends is an error instead of a hang."""
    from pathlib import Path

    from cosim.compare import diff_states, states_equal
    from fastforward.backends import make_simulator
    from fastforward.session import prepare_program, program_input
    from rtlgen.engine import RtlEngine

    from .run import backend_of
    from ..rtl_program import run_program_rtl
    if args.program is None:
        raise DcsimError(f"{machine.name} is a processor: give --program FILE (an ELF, flat binary or .s)")
    if args.trace or args.trace_window:
        raise DcsimError("--trace is not supported for processors yet")
    if args.max_instructions is not None and args.max_instructions < 1:
        raise DcsimError(f"--max-instructions must be at least 1, got {args.max_instructions}")
    limit = args.max_instructions or default_limit
    sim = make_simulator(machine, backend_of(args))
    host = prepare_program(machine, sim, Path(args.program)).host
    sim.run(limit)
    if not sim.halted and args.max_instructions is None:
        raise DcsimError(f"{args.program}: the program did not exit within {limit:,} instructions on the "
                         "functional model; give --max-instructions N to compare the first N instructions "
                         "(or to allow a longer run)")
    t0 = time.perf_counter()
    eng = _design_engine(machine, args.rtl) if getattr(args, "rtl", None) else RtlEngine(machine)
    build = time.perf_counter() - t0
    if getattr(args, "lockstep", False):
        return _lockstep_command(machine, eng, args, limit)
    r = run_program_rtl(machine, program_input(machine, Path(args.program)), engine=eng, max_instructions=limit,
                        watchdog=args.watchdog)
    expected = {k: sim.state[k] for k in r.state}
    match = states_equal(expected, r.state)
    diffs = [] if match else diff_states(expected, r.state)
    ref_exit = sim.exit_code if sim.halted else None
    info = {"machine": machine.name, "program": str(args.program), "cycles": r.cycles,
            "instructions": r.instructions, "cpi": r.cpi, "seconds": r.seconds,
            "cycles_per_second": r.cycles / r.seconds if r.seconds > 0 else None,
            "exit_code": r.exit_code, "reference_exit_code": ref_exit, "halted": r.halted,
            "env_calls": r.env_calls, "stdout_match": r.stdout == host.stdout and r.stderr == host.stderr,
            "reference_instructions": sim.retired, "state_match": match,
            "first_difference": None if match else {
                "state": diffs[0].state, "index": list(diffs[0].first[0][0]), "reference": diffs[0].first[0][1],
                "rtl": diffs[0].first[0][2], "differing_elements": diffs[0].count},
            "build_seconds": build, "library": str(eng.library_path),
            **({"rtl": eng.corr.design, "correspondence": eng.corr.path} if getattr(args, "rtl", None) else {})}
    ok = match and r.exit_code == ref_exit and info["stdout_match"] and r.instructions == sim.retired
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"{args.program} on {machine.name} RTL: exit {r.exit_code} (reference {ref_exit}), "
                     f"{r.cycles} cycles, {r.instructions} instructions (CPI {r.cpi:.2f}), {r.seconds:.3f} s "
                     f"({info['cycles_per_second'] or 0:,.0f} cycles/s); state_match={match}",
                     markup=False, highlight=False)
        for d in diffs:
            stdout.print(f"  differs: {d.describe()}", markup=False, highlight=False)
    return 0 if ok else 1


def _design_engine(machine: ir.Machine, rtl: str):
    """A hand-written design through its correspondence file (`--rtl NAME|FILE`), checked
    against its Verilated model before it runs."""
    from rtlgen.byo import ByoEngine, read_correspondence, resolve_rtl
    return ByoEngine(machine, read_correspondence(resolve_rtl(rtl), machine))


def _lockstep_command(machine: ir.Machine, eng, args, limit: int) -> int:
    """`--lockstep`: the first instruction whose effect differs from the functional model's."""
    from pathlib import Path

    from fastforward.backends import make_simulator
    from fastforward.session import prepare_program

    from ..lockstep import lockstep
    from .run import backend_of
    start = make_simulator(machine, backend_of(args))
    host = prepare_program(machine, start, Path(args.program)).host
    state = {k: v.copy() for k, v in start.state.items()}
    out = lockstep(machine, eng, make_simulator(machine, backend_of(args)), state, (host.tohost, host.fromhost), limit)
    d = out["divergence"]
    if args.json:
        emit_json({"machine": machine.name, "program": str(args.program), **out})
    elif d is None:
        stdout.print(f"{args.program}: {out['instructions']} instructions in lockstep, no difference",
                     markup=False, highlight=False, soft_wrap=True)
    else:
        stdout.print(f"{args.program}: first difference at instruction {d['instruction']}, pc {d['pc']:#x} "
                     f"({d['assembly']})", markup=False, highlight=False, soft_wrap=True)
        for line in d["differences"]:
            stdout.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    return 0 if d is None else 1
