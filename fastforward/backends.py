"""Choosing a functional-simulator backend by name."""
from __future__ import annotations

from spec import ir
from spec.errors import DcsimError

BACKENDS = ("py", "c", "native")


def default_backend() -> tuple[str, str | None]:
    """'c' when a C compiler is present, else 'py' with a one-line notice saying why."""
    from spec.cbuild import find_compiler
    try:
        find_compiler()
    except DcsimError as exc:
        return "py", f"notice: using the Python backend: {str(exc).split(';')[0]}"
    return "c", None


def make_simulator(machine: ir.Machine, backend: str = "py", shared: dict | None = None):
    """A simulator for `machine`: 'py' is the Python reference, 'c' the compiled simulator,
    'native' the compiled simulator running the program translated to C (fetch machines;
    fastforward/native.py).
    `shared` names state arrays the simulator uses instead of its own (`new_state`)."""
    if backend == "py":
        from .sim import Simulator
        return Simulator(machine, shared)
    if backend == "c":
        try:
            from .csim import CSimulator
        except ImportError:
            raise DcsimError("the C backend is not available in this build; use --backend py") from None
        return CSimulator(machine, shared)
    if backend == "native":
        from .native import NativeSimulator
        return NativeSimulator(machine, shared)
    raise DcsimError(f"unknown backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
