"""Run an experiment by name: each module's `run(out, quick, machine, log)` returns a Report."""
from __future__ import annotations

import importlib
from pathlib import Path

NAMES = ("sampling", "network", "abstraction", "software")
MODULES = {"sampling": "sampling", "network": "network_fidelity", "abstraction": "abstraction",
           "software": "software"}


def run_experiment(name: str, out, *, quick: bool = False, spec: str = "npu", log=None) -> dict:
    """Run study `name` into folder `out`; `log(message)` hears what it is doing."""
    from spec import load_machine

    from ..paths import machine_path
    module = importlib.import_module(f"{__package__}.{MODULES[name]}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log = log or (lambda msg: None)
    report = module.run(out, quick, load_machine(machine_path(spec)), log)
    report.results.setdefault("quick", quick)
    return report.write(out)
