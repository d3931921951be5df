"""The Exo-scheduled GEMM compiled for the host core (fastforward/exo/target.py, `dcsim exo
SYSTEM --kernel`, hw/sdk/soc/exo_gemm.c): the program checks its own output and exits 0 on
both functional backends, which end in the same system state, and the commands it pushes
through the MMIO registers are exactly those the simulator-side Exo runtime (runtime.py,
host.KernelLibrary) produces for the same kernel on the same addresses. The bare-metal
runtime's checks and error messages match the simulator runtime's."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from cosim.cli import main as dcsim
from cosim.cli.exo import build_kernel_kit
from cosim.kit import system_kit_command
from fastforward.csim import CSimulator
from fastforward.exo import capi, kernels
from fastforward.exo.host import ExoRuntimeError, KernelLibrary, import_library
from fastforward.exo.target import generate_target_runtime
from fastforward.session import prepare_program
from fastforward.system import SystemSimulator
from riscv_tools import GCC, run_riscv_gcc
from spec.encoding import words_from_limbs
from spec.system import load_system

ROOT = Path(__file__).resolve().parent.parent
SOC = ROOT / "hw" / "soc.yaml"
WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]   # Exo's kernels ignore `ctxt`
# (name, kernel, -D flags): output-stationary with 3 K steps; weight-stationary with elision
KERNELS = {"os": ("gemm:16,24,32", {}), "ws": ("gemm:24,16,8,weight", {"EXO_ELIDE": 1})}


@pytest.fixture(scope="module")
def soc():
    return load_system(SOC)


class _RecordOnly:
    """Stands in for the NPU: keeps the commands pushed, executes none (arbitrary operands
    would fault the functional model)."""

    retired = 0

    def __init__(self):
        self.commands: list[int] = []

    def push(self, commands):
        self.commands.extend(int(c) for c in commands)

    def push_limbs(self, binary):
        self.push(words_from_limbs(binary))

    def run(self, n=None):
        return 0


def run_soc(soc, elf: Path, backend: str, execute: bool = True):
    """Run `elf` on the system; returns (sim, job, the NPU commands the host pushed). With
    `execute` False the NPU only records them."""
    sim = SystemSimulator(soc, backend)
    if execute:
        sim.record()
    else:
        sim.accelerators["npu"] = _RecordOnly()
    job = prepare_program(soc.host, sim.host, elf)
    sim.run()
    if not execute:
        return sim, job, sim.accelerators["npu"].commands
    recorded = sim.recording["npu"]
    return sim, job, words_from_limbs(np.concatenate(recorded)) if recorded else []


def symbols(elf: Path, *names) -> dict[str, int]:
    with open(elf, "rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        return {n: table.get_symbol_by_name(n)[0]["st_value"] for n in names}


@pytest.fixture(scope="module")
def kits(tmp_path_factory):
    """What `dcsim exo hw/soc.yaml --kernel ...` writes, per kernel, compiled with the command
    it prints (plus -D flags and warnings as errors)."""
    if GCC is None:
        pytest.fail("riscv64-unknown-elf-gcc is not installed (.ci/run installs it)")
    out = {}
    for name, (kernel, defines) in KERNELS.items():
        folder = tmp_path_factory.mktemp(f"exo_{name}")
        info = build_kernel_kit(str(SOC), kernel, str(folder / "kit"))
        argv = info["command"]
        elf = folder / "exo_gemm.elf"
        run_riscv_gcc([*argv[1:-2], *(f"-D{k}={v}" for k, v in defines.items()), *WARNINGS, "-o", str(elf)],
                      Path.cwd())                 # the command's paths are relative to where it was made
        out[name] = {**info, "elf": elf, "defines": defines}
    return out


@pytest.fixture(scope="module")
def exo_lib(soc, tmp_path_factory):
    return import_library(soc.accelerator("npu").machine, tmp_path_factory.mktemp("npu_exo"))


# ------------------------------------------------------------------ the kernel runs
@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.parametrize("name", list(KERNELS))
def test_the_exo_gemm_runs_on_the_host_and_pushes_what_the_simulator_runtime_pushes(soc, kits, exo_lib, name):
    kit = kits[name]
    M, K, N = kit["sizes"]
    results = {}
    for backend in ("c", "py"):
        sim, job, pushed = run_soc(soc, kit["elf"], backend)
        assert sim.halted and sim.exit_code == 0, job.host.stdout
        assert b": ok" in job.host.stdout and kit["kernel"].encode() in job.host.stdout
        results[backend] = (sim, pushed)
    (c_sim, c_pushed), (py_sim, py_pushed) = results["c"], results["py"]
    assert c_sim.snapshot().equals(py_sim.snapshot())
    assert c_sim.command_counts() == py_sim.command_counts() and c_pushed == py_pushed

    # the host's tensors, read back from the final memory: C is sat8(A @ B + D) (numpy's word)
    at = {k: v - soc.host.fetch.base for k, v in symbols(kit["elf"], "A", "B", "C", "D").items()}
    ram = c_sim.ram
    A = ram[at["A"]:at["A"] + M * K].view(np.int8).reshape(M, K)
    B = ram[at["B"]:at["B"] + K * N].view(np.int8).reshape(K, N)
    D = ram[at["D"]:at["D"] + 4 * M * N].view("<i4").reshape(M, N)
    C = ram[at["C"]:at["C"] + M * N].view(np.int8).reshape(M, N)
    want = np.clip(A.astype(np.int64) @ B.astype(np.int64) + D, -128, 127)
    assert np.array_equal(C, want) and np.unique(want).size > 50       # not all saturated
    assert (want == 127).any() or (want == -128).any()                  # some saturated

    # the simulator-side runtime, the same kernel, tensors at the same NPU addresses
    machine = soc.accelerator("npu").machine
    schedule = "weight-stationary" if name == "ws" else "output-stationary"
    lib = KernelLibrary(machine, [kernels.gemm(exo_lib, M, K, N, schedule)], name=f"soc_{name}")
    ref = CSimulator(machine)
    dram = ref.state["dram"]
    views = {}
    for key, arr in (("A", A), ("B", B), ("D", D), ("C", np.zeros_like(C))):
        views[key] = dram[at[key]:at[key] + arr.nbytes].view(arr.dtype).reshape(arr.shape)
        views[key][...] = arr
    stream = lib.run(ref, kit["kernel"], views["A"], views["B"], views["D"], views["C"],
                     elide=bool(kit["defines"].get("EXO_ELIDE")))
    assert c_pushed == stream
    assert np.array_equal(views["C"], C)
    if kit["defines"].get("EXO_ELIDE"):
        assert lib.elided > 0 and f"({lib.elided} elided)".encode() in job.host.stdout


@pytest.mark.riscv_gcc
@pytest.mark.cc
def test_the_kit_folder_holds_the_kernel_the_runtime_and_the_compile_command(kits, tmp_path, capsys):
    assert dcsim(["exo", str(SOC), "--kernel", "gemm:16,24,32", "-o", str(tmp_path / "kit"), "--json"]) == 0
    kit = json.loads(capsys.readouterr().out)
    assert kit["command"] == [a.replace(kits["os"]["directory"], str(tmp_path / "kit")) for a in kits["os"]["command"]]
    folder = Path(kit["directory"])
    assert kit["kernel"] == "gemm_output_16x24x32" and kit["schedule"] == "output-stationary"
    assert {"BUILD.txt", "dcsim_npu.h", "dcsim_npu_rt.c", "exo_kernel.h", "gemm_output_16x24x32.c"} <= set(kit["files"])
    assert all((folder / f).is_file() for f in kit["files"])
    build = (folder / "BUILD.txt").read_text()
    assert kit["command_line"] in build and "dcsim sdk" in build and "dcsim run" in build
    kernel_c = (folder / "gemm_output_16x24x32.c").read_text()
    assert "\n#include <stdio.h>" not in kernel_c and "dcsim_npu_mvin(" in kernel_c
    assert "#define EXO_GEMM_M 16" in (folder / "exo_kernel.h").read_text()


@pytest.mark.slow
@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.parametrize("schedule", ["output", "weight"])
def test_the_default_128_cube_gemm_on_the_host(soc, tmp_path, schedule):
    """The issue's size, both schedules, config elision on: exits 0 on the compiled backend."""
    info = build_kernel_kit(str(SOC), f"gemm:128,128,128,{schedule}", str(tmp_path / "kit"))
    elf = tmp_path / "exo_gemm.elf"
    run_riscv_gcc([*info["command"][1:-2], "-DEXO_ELIDE=1", *WARNINGS, "-o", str(elf)], Path.cwd())
    sim, job, pushed = run_soc(soc, elf, "c")
    assert sim.exit_code == 0 and b"16384 outputs checked: ok" in job.host.stdout, job.host.stdout
    counts = sim.command_counts()["npu"]
    assert counts["COMPUTE"] == 16 ** 3 and counts["CONFIG_ST"] == 1 and len(pushed) == sum(counts.values())


# ----------------------------------------------------- the runtime, called directly
def api_program(calls: list[tuple[str, list]]) -> str:
    """A C program making `calls` (runtime function, integer arguments) that prints the
    runtime's error and exits with its status."""
    body = []
    for fn, args in calls:
        if fn.endswith("_free"):
            body.append(f"    {fn}((void *)(uintptr_t){args[0]});")
        else:
            body.append(f"    {fn}({', '.join(f'(int64_t){a}LL' for a in args)});")
    return "\n".join([
        '#include "printf.h"', '#include "dcsim_npu.h"', "int main(void)", "{", *body,
        '    printf("count=%lld error=%s\\n", (long long)dcsim_npu_rt_count(), dcsim_npu_rt_error());',
        "    return dcsim_npu_rt_status();", "}", ""])


def run_api_program(soc, kit, tmp_path, calls, name="api", execute=True):
    (tmp_path / f"{name}.c").write_text(api_program(calls))
    folder = Path(kit["directory"])
    info = system_kit_command(soc, [str(tmp_path / f"{name}.c"), str(folder / "dcsim_npu_rt.c")],
                              str(tmp_path / f"{name}.elf"), relative=False, cflags=[f"-I{folder}", *WARNINGS])
    argv = info["command"]
    run_riscv_gcc(argv[1:], tmp_path)
    sim, job, pushed = run_soc(soc, Path(argv[-1]), "c", execute)
    return sim, job.host.stdout.decode(), pushed


MISUSES = {
    "field": [("dcsim_npu_fence", []), ("dcsim_npu_mvin", [300, 8, 0, 0]), ("dcsim_npu_fence", [])],
    "negative": [("dcsim_npu_mvin", [8, 8, -5, 0])],
    "free": [("dcsim_npu_sp_alloc", [8]), ("dcsim_npu_sp_alloc", [16]), ("dcsim_npu_sp_free", [3])],
    "rows": [("dcsim_npu_w_alloc", [8]), ("dcsim_npu_w_alloc", [8])],
    "zero": [("dcsim_npu_acc_alloc", [0])],
}


@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.parametrize("case", list(MISUSES))
def test_misuse_stops_the_bare_metal_runtime_with_the_simulator_runtimes_message(soc, kits, tmp_path, case):
    calls = MISUSES[case]
    hosted = KernelLibrary(soc.accelerator("npu").machine)
    with pytest.raises(ExoRuntimeError) as info:
        hosted.calls(lambda: [hosted.api(fn)(*args) for fn, args in calls])
    message = str(info.value).split(": ", 1)[1]          # "calls: <the runtime's error>"
    sim, out, pushed = run_api_program(soc, kits["os"], tmp_path, calls)
    assert sim.exit_code == 1
    assert out.strip() == f"count={len(hosted.recorded())} error={message}"
    assert pushed == hosted.recorded()


@pytest.mark.riscv_gcc
@pytest.mark.cc
def test_every_command_encodes_like_the_simulator_runtime_at_its_field_limits(soc, kits, tmp_path):
    """Each command with its operands at their minimum, maximum and random values, pushed by
    the host through npu.h's encoders, equals the simulator runtime's encoding (recorded
    only: arbitrary operands would fault the NPU)."""
    machine = soc.accelerator("npu").machine
    rng = np.random.default_rng(7)
    calls = []
    for instr in machine.instructions:
        for pick in ("min", "max", "random", "random"):
            args = []
            for fd in instr.operands:
                t = fd.type
                v = {"min": t.min, "max": t.max}.get(pick)
                if v is None:
                    v = int(rng.integers(t.min, t.max, endpoint=True))
                args.append(v & ~((1 << fd.lsb_zeros) - 1) if v >= 0 else -((-v) & ~((1 << fd.lsb_zeros) - 1)))
            calls.append((capi.command(machine, instr), args))
    sim, out, pushed = run_api_program(soc, kits["os"], tmp_path, calls, "encode", execute=False)
    hosted = KernelLibrary(machine)
    want = hosted.calls(lambda: [hosted.api(fn)(*args) for fn, args in calls])
    assert sim.exit_code == 0, out
    assert pushed == want and len(want) == 4 * len(machine.instructions)


def test_the_bare_metal_runtime_calls_no_c_library(soc):
    text = generate_target_runtime(soc.accelerator("npu"))
    for libc in ("stdio.h", "stdlib.h", "string.h", "malloc(", "realloc(", "memcpy(", "memmove(", "memset(",
                 "printf("):
        assert libc not in text.replace("vsnprintf", "").replace("__attribute__((format(printf", ""), libc


# ------------------------------------------------------------------ bad requests
@pytest.mark.parametrize("argv, message", [
    (["--kernel", "gemm:12,16,16"], "M=12; the full-tile schedule needs a positive multiple of 8"),
    (["--kernel", "gemm:16,16"], "give three sizes"),
    (["--kernel", "gemm:16,16,x"], "must be integers"),
    (["--kernel", "gemm:16,16,16,diagonal"], "schedule 'diagonal' is not one of"),
    (["--kernel", "conv:3,3"], "the kernels are gemm"),
    (["--kernel", "gemm", "--accelerator", "gpu"], "no accelerator 'gpu'"),
    ([], "name the kernel to compile for its host with --kernel"),
])
def test_bad_kernel_requests_exit_2_with_the_reason(argv, message, tmp_path, capsys):
    assert dcsim(["exo", str(SOC), *argv, "-o", str(tmp_path / "kit")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "kit").exists()


def test_a_kernel_needs_a_system_file(tmp_path, capsys):
    assert dcsim(["exo", str(ROOT / "hw" / "npu.yaml"), "--kernel", "gemm:8,8,8", "-o", str(tmp_path / "k")]) == 2
    assert "--kernel compiles for the host core of a system file" in capsys.readouterr().err
