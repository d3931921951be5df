"""The one table of built-in workloads: name -> (usage form, one-line description).

`dcsim run --help` and `dcsim sample --help` print it, and it is built from the tables
the parsers themselves dispatch on (catalog.BUILDERS / WORKLOAD_HELP for accelerator
command streams, programs.PROGRAM_HELP for RV32I programs), so a workload the parser
accepts cannot be missing from the help, and the help cannot list one it rejects: the
check below fails at import if the tables ever disagree.
"""
from __future__ import annotations

from . import catalog, programs

__all__ = ["WORKLOADS", "workload_lines"]


def _split(text: str) -> tuple[str, str]:
    """'gemm:M,K,N[,relu]  int8 GEMM ...' -> ('gemm:M,K,N[,relu]', 'int8 GEMM ...')."""
    form, _, description = text.partition("  ")
    return form.strip(), " ".join(description.split())


def _table() -> dict[str, tuple[str, str]]:
    if set(catalog.BUILDERS) != set(catalog.WORKLOAD_HELP):
        raise AssertionError("fastforward.workloads.catalog: BUILDERS and WORKLOAD_HELP name "
                             f"different workloads: {sorted(set(catalog.BUILDERS) ^ set(catalog.WORKLOAD_HELP))}")
    table = {name: _split(catalog.WORKLOAD_HELP[name]) for name in catalog.WORKLOAD_HELP}
    table.update({f"prog:{name}": _split(text) for name, text in programs.PROGRAM_HELP.items()})
    return table


WORKLOADS: dict[str, tuple[str, str]] = _table()


def workload_lines() -> str:
    """One line per workload, '  usage: description' (for --help epilogs)."""
    return "\n".join(f"  {form}: {description}" for form, description in WORKLOADS.values())
