"""Exo stubs beyond GEMM-shaped machines: every command gets an instr a kernel can `call`.

Commands whose semantics Exo cannot express become opaque instrs (right signature, stand-in
body, a comment naming the construct at path:line:col); for every machine the generated
module imports into Exo, and a tiny Exo proc calling each opaque instr compiles to C that
contains the command's encoding call."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from fastforward.exo import generate_exo_module, write_exo_module
from spec import SpecError, load_machine, load_machine_text

exo = pytest.importorskip("exo", reason="exo-lang is not installed (pip install 'dcsim[exo]')")

from spec.system import is_system_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MACHINES = [p for p in sorted((ROOT / "hw").glob("*.yaml")) + sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))
            + sorted((ROOT / "tests" / "exo_cases").glob("*.yaml")) if not is_system_file(p)]   # not hw/soc.yaml
GATHER = ROOT / "tests" / "exo_cases" / "gather.yaml"
ARG = re.compile(r"(\w+): (?:index|\[(\w+)\]\[([\d, ]+)\] @ (\w+))")


def import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module              # Exo reads the procs' source through inspect
    spec.loader.exec_module(module)         # Exo parses and type-checks every proc here
    return module


def import_generated(machine, tmp_path, **kw):
    path = write_exo_module(machine, tmp_path / f"{machine.name}_exo.py", **kw)
    return import_file(path, f"{machine.name}_exo_{tmp_path.name}")


def signature(lib, proc_name) -> list:
    """[(arg, None) for an index | (arg, (elem type, shape text, memory class))] from the generated def."""
    source = Path(lib.__file__).read_text()
    line = re.search(rf"^def {proc_name}\((.*)\):$", source, re.M).group(1)
    return [(m.group(1), m.group(2) and (m.group(2), m.group(3), m.group(4))) for m in ARG.finditer(line)]


def callers_source(lib, procs) -> str:
    """A module with one tiny Exo proc per instr in `procs`: allocate its internal memories, take
    its DRAM tensors as arguments, call it with zero fields."""
    out = ["from __future__ import annotations", "", "from exo import DRAM, proc", f"from {lib.__name__} import *", ""]
    for name in procs:
        params, allocs, call = [], [], []
        for arg, tensor in signature(lib, name):
            if tensor is None:
                call.append("0")
                continue
            elem, shape, mem = tensor
            if mem == "DRAM":
                params.append(f"{arg}: {elem}[{shape}] @ DRAM")
            else:
                allocs.append(f"    {arg}: {elem}[{shape}] @ {mem}")
            call.append(arg)
        out += ["@proc", f"def call_{name}({', '.join(params)}):", *allocs,
                f"    {name}({', '.join(call)})", ""]
    return "\n".join(out)


def compile_callers(lib, procs, tmp_path) -> str:
    path = tmp_path / f"callers_{lib.MACHINE}.py"
    path.write_text(callers_source(lib, procs))
    callers = import_file(path, f"callers_{lib.MACHINE}_{tmp_path.name}")
    c, _ = exo.compile_procs_to_strings([getattr(callers, f"call_{n}") for n in procs], "callers.h")
    return c.replace("(0)", "0")             # Exo parenthesizes index arguments in templates


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_command_has_a_callable_instr(path, tmp_path):
    machine = load_machine(path)
    lib = import_generated(machine, tmp_path)                 # strict: nothing here is uncallable
    assert lib.SKIPPED == {}
    assert set(lib.INSTRS) == {i.name for i in machine.instructions}
    opaque_procs = [n for cmd in lib.OPAQUE for n in lib.INSTRS[cmd]]
    assert sorted(lib.EXACT + opaque_procs) == sorted(n for ns in lib.INSTRS.values() for n in ns)
    for names in lib.INSTRS.values():
        assert all(isinstance(getattr(lib, n), exo.Procedure) and getattr(lib, n).is_instr() for n in names)
    source = Path(lib.__file__).read_text()
    doc = lib.__doc__
    for cmd, reason in lib.OPAQUE.items():
        assert re.match(r"\S+\.yaml:\d+:\d+: error: ", reason), reason
        assert lib.INSTRS[cmd] == [f"{machine.name}_{cmd.lower()}"]         # no full-tile variants
        name = lib.INSTRS[cmd][0]
        comment = (rf"^# OPAQUE {cmd}: .*\n(?:#.*\n)*?#   {re.escape(reason.splitlines()[0])}\n(?:#.*\n)*"
                   rf"@instr\('dcsim_{machine.name}_{cmd.lower()}\(.*\)\ndef {name}\(")
        assert re.search(comment, source, re.M), cmd
        assert name in doc.split("Opaque instrs")[1].split("Commands without")[0]
    for name in lib.EXACT:
        assert name in doc.split("Exact instrs")[1].split("Opaque instrs")[0]
    if opaque_procs:
        c = compile_callers(lib, opaque_procs, tmp_path)
        for cmd in lib.OPAQUE:
            instr = machine.instruction(cmd)
            want = f"dcsim_{machine.name}_{cmd.lower()}({', '.join('0' for _ in instr.operands)});"
            assert want in c.split(f"void call_{lib.INSTRS[cmd][0]}(", 1)[1], want


def test_gather_machine_opaque_and_exact(tmp_path):
    machine = load_machine(GATHER)
    lib = import_generated(machine, tmp_path)
    assert lib.EXACT == ["gather_set", "gather_copy", "gather_copy_full"]
    reasons = {cmd: r.splitlines()[0] for cmd, r in lib.OPAQUE.items()}
    assert reasons["GATHER"].endswith("gather.yaml:31:24: error: this index is not an affine function of operands "
                                      "and loop variables (Exo backend, command GATHER)")     # src[idx[i] & ...]
    assert reasons["ACCUM"].endswith("gather.yaml:38:11: error: Exo 1.0 has no element type for u32 memory "
                                     "'total' (Exo backend, command ACCUM)")                  # total[0] = ...
    assert re.search(r"gather.yaml:45:29: error: field 'n' is used both as data \(here\) and to control "
                     r"loops/conditions \(line 44, col 22\)", reasons["SCALE"])               # src[i] * n
    assert signature(lib, "gather_gather") == [("n", None), ("out", ("i8", "16", "GATHER_OUT")),
                                               ("src", ("i8", "16", "GATHER_SRC")),
                                               ("idx", ("ui8", "16", "GATHER_IDX"))]
    assert ("total", ("i32", "4", "GATHER_TOTAL")) in signature(lib, "gather_accum")   # u32 -> same-size i32
    assert lib.gather_gather.get_instr() == "dcsim_gather_gather({n});"
    assert reasons["LOOKUP"].endswith("gather.yaml:53:28: error: this term of an address into 'dram' is not "
                                      "'loop variable x stride' (Exo backend, command LOOKUP)")   # dram[idx[i]]
    assert ("dram", ("ui8", "256", "DRAM")) in signature(lib, "gather_lookup")      # external: a DRAM window
    assert "out[i] = src[i]" in str(lib.gather_copy_full)                  # still the semantics
    c = compile_callers(lib, ["gather_gather", "gather_accum", "gather_scale", "gather_lookup"], tmp_path)
    assert '#include "dcsim_gather.h"' in c
    assert "void call_gather_lookup( void *ctxt, uint8_t* dram )" in c       # not const: the stand-in writes it
    for call in ("dcsim_gather_gather(0);", "dcsim_gather_accum(0);", "dcsim_gather_scale(0);",
                 "dcsim_gather_lookup(0);", "dcsim_gather_out_alloc(", "dcsim_gather_total_free("):
        assert call in c, call


def test_exact_instr_still_replaces_next_to_opaque_calls(tmp_path):
    lib = import_generated(load_machine(GATHER), tmp_path)
    path = tmp_path / "kernel.py"
    path.write_text(f"""from exo import proc
from exo.stdlib.scheduling import replace
from {lib.__name__} import *


@proc
def kernel():
    src: i8[16] @ GATHER_SRC
    idx: ui8[16] @ GATHER_IDX
    out: i8[16] @ GATHER_OUT
    total: i32[4] @ GATHER_TOTAL
    gather_gather(16, out, src, idx)
    for i in seq(0, 16):
        out[i] = src[i]
    gather_accum(16, total, out)


kernel = replace(kernel, "for i in _: _", gather_copy_full)
""")
    kernel = import_file(path, f"kernel_{tmp_path.name}").kernel
    c, _ = exo.compile_procs_to_strings([kernel], "kernel.h")
    body = c.split("void kernel(", 1)[1]
    calls = re.findall(r"dcsim_gather_(\w+)\(", body)
    assert [x for x in calls if x in ("gather", "copy", "accum")] == ["gather", "copy", "accum"]
    assert "dcsim_gather_copy(16);" in body                  # COPY addresses whole memories: no base fields


WIDE = """\
machine: wide
state:
  m: {mem: s8, shape: [4]}
  big: {mem: u64, shape: [4], external: true}
queue: {width: 16}
formats:
  F: {fields: {op: [3, 0], a: [5, 4]}}
instructions:
  OK: {format: F, match: {op: 1}, semantics: "m[a] = 1"}
  BIG:
    format: F
    match: {op: 2}
    semantics: |
      m[a] = 2
      big[a] = 7
"""


def test_a_command_that_cannot_be_called_names_path_line_col(tmp_path):
    machine = load_machine_text(WIDE, path="wide.yaml")
    with pytest.raises(SpecError) as err:
        generate_exo_module(machine)
    text = err.value.render()
    assert text.startswith("wide.yaml:15:7: error: command BIG cannot be called from Exo: external memory 'big' "
                           "holds u64"), text
    lib = import_generated(machine, tmp_path, strict=False)
    assert lib.INSTRS == {"OK": ["wide_ok"]} and lib.EXACT == ["wide_ok"]
    assert list(lib.SKIPPED) == ["BIG"] and lib.SKIPPED["BIG"].startswith("wide.yaml:15:7: error: ")
    assert "BIG" in lib.__doc__.split("Commands without")[1]


def test_cli_lenient_help_names_opaque_instrs():
    from cosim.cli.exo import add_parser
    import argparse
    sub = argparse.ArgumentParser().add_subparsers()
    text = add_parser(sub).format_help()
    assert "opaque" in text and "exact" in text


@pytest.mark.cc
def test_opaque_calls_run_on_the_functional_model(tmp_path):
    """The C an opaque call compiles to drives the simulator like any command: GATHER's data-dependent
    indices, ACCUM's u32 accumulator, SCALE's field-as-data and LOOKUP's DRAM table all take effect."""
    import numpy as np

    from fastforward.csim import CSimulator
    from fastforward.exo.host import DramArena, KernelLibrary, import_library

    machine = load_machine(GATHER)
    lib = import_library(machine, tmp_path / "lib")
    path = tmp_path / "kernel.py"
    path.write_text(f"""from __future__ import annotations

from exo import DRAM, proc
from {lib.__name__} import *


@proc
def opaque_kernel(dram: ui8[256] @ DRAM):
    src: i8[16] @ GATHER_SRC
    idx: ui8[16] @ GATHER_IDX
    out: i8[16] @ GATHER_OUT
    total: i32[4] @ GATHER_TOTAL
    gather_gather(16, out, src, idx)
    gather_accum(16, total, out)
    gather_scale(3, out, src)
    gather_lookup(2, out, dram, idx)
""")
    kernel = import_file(path, f"opaque_kernel_{tmp_path.name}").opaque_kernel
    kernels = KernelLibrary(machine, [kernel], name="opaque")
    sim = CSimulator(machine)
    rng = np.random.default_rng(5)
    src = rng.integers(-128, 128, 16).astype(np.int8)
    idx = rng.integers(0, 256, 16).astype(np.uint8)
    sim.state["src"][:] = src
    sim.state["idx"][:] = idx
    table = DramArena(sim).tensor((256,), np.uint8, rng.integers(0, 256, 256))
    commands = kernels.run(sim, "opaque_kernel", table)
    assert len(commands) == 4 and sim.retired == 4
    gathered = src[idx & 15]
    assert int(sim.state["total"][0]) == int(gathered.astype(np.int64).astype(np.uint32).sum() % 2**32)
    want = gathered.copy()
    want[:3] = (src[:3].astype(np.int64) * 3).astype(np.int8)
    want[:2] = table[idx[:2]].astype(np.int8)
    np.testing.assert_array_equal(sim.state["out"], want)
    assert int(sim.state["count"]) == 3
