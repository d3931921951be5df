"""Exo compiler stubs: the generated hardware library imports into Exo, and an Exo-scheduled
GEMM compiles to C that drives the NPU through the functional simulator's C API."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from fastforward.exo import generate_exo_module, write_exo_module
from spec import load_machine, load_machine_text

exo = pytest.importorskip("exo", reason="exo-lang is not installed (pip install 'dcsim[exo]')")

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "tests" / "catalogue"
NPU_PROCS = {
    "CONFIG_LD": ["npu_config_ld"], "CONFIG_ST": ["npu_config_st"],
    "MVIN": ["npu_mvin", "npu_mvin_full"], "MVIN_ACC": ["npu_mvin_acc", "npu_mvin_acc_full"],
    "PRELOAD": ["npu_preload", "npu_preload_full"],
    "COMPUTE": ["npu_compute", "npu_compute_full_accumulate0", "npu_compute_full_accumulate1"],
    "MVOUT": ["npu_mvout", "npu_mvout_full"], "FENCE": ["npu_fence"],
}


def import_generated(machine, tmp_path, **kw):
    path = write_exo_module(machine, tmp_path / f"{machine.name}_exo.py", **kw)
    spec = importlib.util.spec_from_file_location(f"{machine.name}_exo_{tmp_path.name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # Exo reads the procs' source through inspect
    spec.loader.exec_module(module)          # Exo parses and type-checks every proc here
    return module


@pytest.fixture(scope="module")
def npu_lib(tmp_path_factory):
    return import_generated(load_machine(ROOT / "hw" / "npu.yaml"), tmp_path_factory.mktemp("npu"))


def test_npu_library_has_an_instr_per_command(npu_lib):
    assert npu_lib.INSTRS == NPU_PROCS and npu_lib.SKIPPED == {}
    for names in NPU_PROCS.values():
        for name in names:
            p = getattr(npu_lib, name)
            assert isinstance(p, exo.Procedure) and p.is_instr(), name
    assert "dcsim_npu_mvin(8, 8, " in npu_lib.npu_mvin_full.get_instr()
    for cls in ("NPU_SP", "NPU_ACC", "NPU_W"):
        assert issubclass(getattr(npu_lib, cls), exo.Memory)


def test_npu_instr_bodies_follow_the_spec(npu_lib):
    mvin = str(npu_lib.npu_mvin)
    assert "sp: [i8][rows, 8] @ NPU_SP" in mvin and "dram: [i8][rows, cols] @ DRAM" in mvin
    assert "assert rows <= 8" in mvin and "if j < cols:" in mvin
    compute = str(npu_lib.npu_compute_full_accumulate1)
    assert "acc[r, j] += sp[r, k] * w[k, j]" in compute
    assert "NpuConfig.st_shift" in str(npu_lib.npu_mvout)        # the general MVOUT reads its modes


def test_small_npu_parameters_reach_the_library(small_npu, tmp_path):
    lib = import_generated(small_npu, tmp_path)
    assert "[i8][4, 4] @ NPU_SP" in str(lib.npu_mvin_full)


@pytest.mark.parametrize("path", sorted(CATALOGUE.glob("*.yaml")), ids=lambda p: p.stem)
def test_catalogue_machines_import_with_exact_or_opaque_instrs(path, tmp_path):
    machine = load_machine(path)
    lib = import_generated(machine, tmp_path, strict=False)
    assert set(lib.INSTRS) == {i.name for i in machine.instructions} and lib.SKIPPED == {}
    for names in lib.INSTRS.values():
        assert all(getattr(lib, n).is_instr() for n in names)
    for message in lib.OPAQUE.values():                    # why each opaque instr is not exact
        assert re.match(r".*\.yaml:\d+:\d+: error: ", message), message
    assert generate_exo_module(machine) == generate_exo_module(machine, strict=False)   # nothing uncallable


def test_counter_slice_makes_an_opaque_instr_citing_its_column(tmp_path):
    lib = import_generated(load_machine(CATALOGUE / "counter.yaml"), tmp_path)
    assert lib.EXACT == ["counter_add", "counter_set"] and list(lib.OPAQUE) == ["DOUBLE_IF_ODD"]
    reason = lib.OPAQUE["DOUBLE_IF_ODD"]
    assert re.match(r".*counter\.yaml:15:10: error: a bit slice", reason), reason      # `count[0]`
    assert lib.counter_double_if_odd.get_instr() == "dcsim_counter_double_if_odd();"   # n is matched, not an operand


BAD = """\
machine: bad
state:
  r: {reg: u8}
  m: {mem: u8, shape: [4]}
queue: {width: 16}
formats:
  F: {fields: {op: [3, 0], a: [7, 4]}}
instructions:
  OK: {format: F, match: {op: 1}, semantics: "m[a] = 1"}
  SWAP:
    format: F
    match: {op: 2}
    semantics: |
      for i in range(4):
          m[i] = m[i] ^ r
"""


def test_inexpressible_construct_names_path_line_col():
    machine = load_machine_text(BAD, path="bad.yaml")
    text = generate_exo_module(machine)                    # strict: SWAP is opaque, not an error
    assert "INSTRS = {'OK': ['bad_ok'], 'SWAP': ['bad_swap']}" in text
    assert "# OPAQUE SWAP: " in text
    assert "#   bad.yaml:15:18: error: the 'xor' operation has no Exo equivalent (Exo backend, command SWAP)" in text
    assert "@instr('dcsim_bad_swap({a});')\ndef bad_swap(a: index, m: [ui8][4] @ BAD_M):" in text
    assert generate_exo_module(machine, strict=False) == text


def test_generated_text_is_built_from_ir_not_pasted_source(npu_lib):
    source = Path(npu_lib.__file__).read_text()
    assert "edge tiles" not in source and "little-endian" not in source     # comments of npu.yaml


def schedule_gemm(npu):
    """A 16x16x16 int8 GEMM with an int32 bias and int8 output, tiled for an 8x8 NPU."""
    from exo import DRAM, proc
    from exo.stdlib.scheduling import divide_loop, reorder_loops, replace_all, set_memory, simplify, stage_mem
    dcsim_min, dcsim_max = npu.dcsim_min, npu.dcsim_max

    @proc
    def gemm(A: i8[16, 16] @ DRAM, B: i8[16, 16] @ DRAM, D: i32[16, 16] @ DRAM, C: i8[16, 16] @ DRAM):
        for io in seq(0, 2):
            for jo in seq(0, 2):
                res: i32[8, 8] @ DRAM
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        res[i, j] = D[8 * io + i, 8 * jo + j]
                for k in seq(0, 16):
                    for i in seq(0, 8):
                        for j in seq(0, 8):
                            res[i, j] += A[8 * io + i, k] * B[k, 8 * jo + j]
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        C[8 * io + i, 8 * jo + j] = dcsim_min(dcsim_max(res[i, j], -128), 127)

    p = divide_loop(gemm, "k", 8, ["ko", "ki"], perfect=True)
    p = reorder_loops(p, "ki i")
    p = reorder_loops(p, "ki j")
    p = stage_mem(p, p.find_loop("ko").body(), "A[8*io:8*io+8, 8*ko:8*ko+8]", "a_sp")
    p = stage_mem(p, p.find_loop("ko").body(), "B[8*ko:8*ko+8, 8*jo:8*jo+8]", "b_sp")
    p = stage_mem(p, p.find_loop("ko").body()[2:], "b_sp[0:8, 0:8]", "w")
    p = simplify(p)
    for buf, mem in (("res", npu.NPU_ACC), ("a_sp", npu.NPU_SP), ("b_sp", npu.NPU_SP), ("w", npu.NPU_W)):
        p = set_memory(p, buf, mem)
    return replace_all(p, [npu.npu_mvin_acc_full, npu.npu_mvin_full, npu.npu_preload_full,
                           npu.npu_compute_full_accumulate1, npu.npu_mvout_full])


def test_scheduled_gemm_compiles_to_npu_calls(npu_lib):
    gemm = schedule_gemm(npu_lib)
    scheduled = str(gemm)
    for name in ("npu_mvin_acc_full", "npu_mvin_full", "npu_preload_full",
                 "npu_compute_full_accumulate1", "npu_mvout_full"):
        assert f"{name}(" in scheduled
    c, _ = exo.compile_procs_to_strings([gemm], "gemm.h")
    body = c.split("void gemm(", 1)[1].split("/* relying on", 1)[0]
    assert '#include "dcsim_npu.h"' in c
    assert body.count("dcsim_npu_mvin(8, 8, ") == 2            # A and B tiles, inside ko
    for call in ("dcsim_npu_mvin_acc(8, 8, ", "dcsim_npu_preload(8, ", "dcsim_npu_compute(8, 1, ",
                 "dcsim_npu_mvout(8, 8, ", "dcsim_npu_config_ld(", "dcsim_npu_config_st(0, 0, ",
                 "dcsim_npu_sp_alloc(", "dcsim_npu_acc_free("):
        assert call in body, call
    assert "+=" not in body                                     # every multiply-add runs on the NPU
