"""`dcsim rtl SYSTEM.yaml --program P.elf`: the host core's RTL and the accelerator's RTL
stepped together (cosim/system_rtl.py), checked against the functional system model."""
from __future__ import annotations

import time
from pathlib import Path

from spec.errors import DcsimError

from .output import emit_json, stdout

UNSUPPORTED = (("workload", "--workload (a system runs a host program: --program FILE)"), ("rtl", "--rtl"),
               ("lockstep", "--lockstep"), ("trace", "--trace"), ("trace_window", "--trace-window"))


def system_command(args, path: Path) -> int:
    from spec.system import load_system

    from ..system_rtl import SystemRtl, reference_run, report
    from .run import backend_of
    for attr, flag in UNSUPPORTED:
        if getattr(args, attr, None):
            raise DcsimError(f"{flag} is not supported for a system file; give --program FILE")
    if not args.program:
        raise DcsimError(f"say what the host runs: dcsim rtl {args.spec} --program FILE (an ELF; see dcsim sdk "
                         f"{args.spec})")
    system = load_system(path, dict(args.defines))
    limit = args.max_instructions or 10 ** 9
    sim, ref_host = reference_run(system, args.program, limit, backend_of(args) or "c")
    if not sim.halted and args.max_instructions is None:
        raise DcsimError(f"{args.program}: the program did not exit within {limit:,} instructions on the functional "
                         "model; give --max-instructions N to compare the first N instructions")
    t0 = time.perf_counter()
    rtl = SystemRtl(system, sync=args.sync)
    build = time.perf_counter() - t0
    r = rtl.run(Path(args.program), limit, args.watchdog)
    info = report(system, args.program, r, sim, ref_host) | {"sync": args.sync, "build_seconds": build}
    ok = (info["state_match"] and info["stdout_match"] and r.exit_code == info["reference_exit_code"]
          and r.instructions == sim.retired and info["accelerator"]["counts_match"] and not r.races)
    if args.json:
        emit_json(info)
        return 0 if ok else 1
    say = lambda text: stdout.print(text, markup=False, highlight=False, soft_wrap=True)
    if info["stdout"]:
        say(info["stdout"].rstrip("\n"))
    say(f"{args.program} on {system.name} RTL: exit {r.exit_code} (reference {info['reference_exit_code']}), "
        f"{r.cycles:,} cycles, {r.instructions:,} host instructions, {r.seconds:.2f} s; state_match={info['state_match']}")
    say(f"  host busy {r.host_cycles:,}, {info['accelerator']['name']} busy {r.npu_busy_cycles:,}, overlapped "
        f"{r.overlapped_cycles:,}, host stalled at WAIT {r.stall_cycles:,} cycles")
    say("  commands: " + ", ".join(f"{k} {v:,}" for k, v in r.commands.items()))
    if r.races:
        say(f"  RACE: {r.races} bytes written by both the host and the busy accelerator, first at {info['first_race']}")
    for d in info["differences"]:
        say(f"  differs: {d['part']}.{d['state']}{d['index']}: reference {d['reference']}, RTL {d['rtl']} "
            f"({d['differing_elements']} elements)")
    return 0 if ok else 1
