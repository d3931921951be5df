"""`dcsim sample` on a processor (a fetch machine): sampled co-simulation of a program.

`cmd_sample.sample_command` hands fetch machines to `sample_core_command`. The flow is the
accelerator's (plan, one or two passes to a target error, estimate, optional ground truth)
and the report has the same keys; what differs is in `core_campaign` (the program is
profiled first: instruction count, per-unit signatures for the strata, verification) and
`core_sample` (a sample runs the core at instruction boundaries and services the
program's env calls).

Defaults for a core (measured on the bundled programs, benchmarks/bench_sampling_core.py):
- unit U = CORE_DEFAULT_UNIT = 1000 instructions. A sample's fixed cost (restore, inject,
  extract and compare 4 MiB of ram: ~0.4 ms) is about the RTL time of 1000 instructions,
  and longer units average out the alternation inside loops (lower per-unit CV).
- warm-up W = 0 (`core_sample.DEFAULT_WARMUP`): the generated multi-cycle core keeps no
  timing state between instructions, so an injected unit takes exactly the full run's
  cycles (checked by measuring every unit of a program against the full run).
- no look-ahead: the core retires in order and never runs ahead of the unit.
"""
from __future__ import annotations

import argparse
import time

from spec import ir
from spec.errors import DcsimError

from ..campaign import make_executor, parse_executor, prebuild, warm_up_workers
from .sample import (DEFAULT_STRATA, DEFAULT_TARGET_ERROR, _display, _pass_summary, _report, executor_spec,
                         finish, second_pass)
from ..core_campaign import core_plan, profile, run_core_campaign
from ..core_sample import DEFAULT_WARMUP, core_full_rtl
from ..store import SampleStore

CORE_DEFAULT_UNIT = 1000


def sample_core_command(machine: ir.Machine, args) -> int:
    from fastforward.workloads.programs import build_program, program_from_file
    parse_executor(executor_spec(args))                 # a bad --executor fails before any work
    if getattr(args, "program", None):
        program = program_from_file(machine, args.program)
    else:
        program = build_program(machine, args.workload, seed=args.seed)
    return finish(sample_program(machine, program, args), args)


def resolve_core_defaults(args) -> argparse.Namespace:
    """A copy of `args` with a core's defaults filled in (see the module docstring)."""
    args = argparse.Namespace(**vars(args))
    if getattr(args, "lookahead", None):
        raise DcsimError("--lookahead is for queue machines: a core retires its instructions in order and "
                         "never runs ahead of the unit, so a sample has nothing to look ahead to")
    args.lookahead = 0
    for name, default in (("unit", CORE_DEFAULT_UNIT), ("warmup", DEFAULT_WARMUP), ("strata", DEFAULT_STRATA),
                          ("interval", None), ("samples", None), ("target_error", None)):
        if getattr(args, name, None) is None:
            setattr(args, name, default)
    if args.target_error is None and not args.interval and not args.samples:
        args.target_error = DEFAULT_TARGET_ERROR
    if not args.target_error:
        args.target_error = None
    if args.warmup < 0 or args.unit <= 0:
        raise DcsimError(f"--unit must be positive and --warmup non-negative (got {args.unit}, {args.warmup})")
    return args


def identity(machine: ir.Machine, program, args) -> dict:
    """What a resumable store's samples belong to (a store of another campaign is refused)."""
    from ..truth import design_hash
    return {"machine": machine.name, "digest": machine.digest, "design": design_hash(machine),
            "workload": program.name, "program": program.digest, "seed": args.seed, "unit": args.unit,
            "warmup": args.warmup, "backend": args.backend, "kind": "core"}


def sample_program(machine: ir.Machine, program, args) -> dict:
    """Profile, one or two sampled passes, then the truth if asked: the report dict (the
    accelerator report's keys, plus the program's instructions, exit code and profile time)."""
    args = resolve_core_defaults(args)
    show = not args.json
    with SampleStore(args.store, identity(machine, program, args)) as store:
        build_seconds = prebuild(machine, args.backend)
        t0 = time.perf_counter()                    # the sampled run: profile, plan, fast-forward, samples
        prof = profile(machine, program, args.unit, args.backend)
        if prof.verified is False:
            raise DcsimError(f"{program.name} did not run correctly on the functional model (exit code "
                             f"{prof.exit_code}, expected {program.expected_exit}); nothing to sample")
        with make_executor(executor_spec(args), prof.base) as executor:
            warm_up_workers(executor, machine, args.backend)
            first = core_plan(prof, args)
            result = _pass(machine, program, prof, first, executor, store, args, show,
                           "pass 1" if args.target_error else "")
            passes = [_pass_summary(result)]
            if args.target_error:
                second, passes[0]["needed_samples"] = second_pass(
                    result, args.target_error, lambda **kw: core_plan(prof, args, **kw))
                if second is not None:
                    result = _pass(machine, program, prof, second, executor, store, args, show, "pass 2")
                    passes.append(_pass_summary(result))
        seconds = time.perf_counter() - t0
        executor_info = {"kind": executor.kind, "workers": executor.workers}
    result.verified = prof.verified
    report = _report(machine, program, args, result, seconds, passes, executor_info)
    report.update({"build_seconds": round(build_seconds, 3), "instructions": prof.instructions,
                   "exit_code": prof.exit_code, "profile_seconds": round(prof.seconds, 3),
                   "env_calls_sampled": sum(s.get("env_calls", 0) for s in result.samples)})
    report["functional_seconds"] = round(result.functional_seconds + prof.seconds, 3)
    if args.truth:
        report.update(_truth(machine, program, args, result, seconds, show, prof.instructions))
    return report


def _pass(machine, program, prof, plan, executor, store, args, show: bool, label: str):
    with _display(show) as bar:
        task = bar.add_task(label or "sampling", total=len(plan.samples), ff="", est="")
        bar.update(task, completed=sum(u.index in store.done for u in plan.samples))

        def on_progress(p):
            bar.update(task, completed=p.done, ff=f"ff {p.position:,}/{p.total:,}")

        return run_core_campaign(machine, program, plan, executor=executor, store=store, base=prof.base,
                                 backend=args.backend, confidence=args.confidence, on_progress=on_progress)


def _truth(machine, program, args, result, seconds: float, show: bool, instructions: int) -> dict:
    with _display(show) as bar:
        task = bar.add_task("full RTL", total=instructions, ff="", est="")
        truth = core_full_rtl(machine, program, args.unit, use_cache=not args.no_truth_cache,
                              progress=lambda n: bar.update(task, completed=n), limit=instructions)
    if (truth["instructions"], truth["exit_code"], truth["output_ok"]) != (instructions, program.expected_exit, True):
        raise DcsimError(f"the full RTL run of {program.name} ended after {truth['instructions']} instructions "
                         f"with exit code {truth['exit_code']} (output {'as' if truth['output_ok'] else 'not as'} "
                         f"expected); the functional model ran {instructions} and exited {program.expected_exit}")
    cycles, est = truth["cycles"], result.estimate
    return {"truth_cycles": cycles, "error": (est.cycles - cycles) / cycles,
            "within_interval": est.low <= cycles <= est.high, "truth_seconds": round(truth["seconds"], 3),
            "truth_cached": truth["cached"], "speedup": truth["seconds"] / max(seconds, 1e-9),
            "truth_per_unit": truth["per_unit"]}
