"""Sampled simulation of a system (host core + NPU) through the sampling target interface
(cosim/system_target.py): every unit measured with a short warm-up equals the full RTL run's
cycles (and their split) exactly, whichever way a sample starts (at an idle point, with the
backlog drained, or from the correspondence point); a sampled run checks every sample and
catches a corrupted injected accelerator state; `dcsim sample SYSTEM --program` in JSON."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings, strategies as st

from cosim import plan as plans
from cosim.campaign import run_campaign
from cosim.executor import make_executor
from cosim.kit import system_kit_command
from cosim.store import SampleStore
from riscv_tools import GCC, run_riscv_gcc
from rtlgen.verilator import find_verilator
from spec.system import load_system

ROOT = Path(__file__).resolve().parent.parent
SOC = ROOT / "hw" / "soc.yaml"
KIT = ROOT / "hw" / "sdk" / "soc"
pytestmark = [pytest.mark.verilator, pytest.mark.riscv_gcc,
              pytest.mark.skipif(find_verilator() is None or GCC is None,
                                 reason="needs Verilator and riscv64-unknown-elf-gcc")]

# small shapes of the bundled programs: a host-heavy GEMM with one WAIT (the drain and the
# fall-back to the correspondence point), an NPU-bound stream with a WAIT per block, and an
# NPU-bound MLP with a WAIT per layer
PROGRAMS = {"gemm": ("gemm.c", ["-DM=16", "-DK=16", "-DN=32"]),
            "stream_gemm": ("stream_gemm.c", ["-DM=16", "-DK=16", "-DN=16", "-DROUNDS=2", "-DLD=512", "-DCHECK=4",
                                              "-DMAXCMD=256"]),
            "stream_mlp": ("stream_mlp.c", ["-DBATCH=16", "-DD0=16", "-DD1=32", "-DD2=16", "-DD3=16", "-DROUNDS=1",
                                            "-DLD=512", "-DCHECK=8", "-DMAXCMD=256"])}


@pytest.fixture(scope="module")
def soc():
    return load_system(SOC)


@pytest.fixture(scope="module")
def elves(soc, tmp_path_factory):
    out = tmp_path_factory.mktemp("soc")
    built = {}
    for name, (source, flags) in PROGRAMS.items():
        info = system_kit_command(soc, [str(KIT / source)], str(out / f"{name}.elf"), relative=False, cflags=flags)
        run_riscv_gcc(info["command"][1:], out)
        built[name] = out / f"{name}.elf"
    return built


@pytest.fixture
def private_truth(tmp_path, monkeypatch):
    from tests.sampling_cache import private_cache
    return private_cache(tmp_path, monkeypatch)


def census(target, unit: int, warmup: int):
    """Every unit, each with `warmup` host instructions of detailed warm-up before it."""
    n = plans.units_in(target.total, unit)
    units = tuple(plans.SampleUnit(i, i * unit, min(unit, target.total - i * unit), min(warmup, i * unit))
                  for i in range(n))
    return plans.SamplePlan("full", target.total, unit, units)


@pytest.mark.parametrize("name,unit,warmup", [("gemm", 4000, 1500), ("stream_gemm", 4000, 1500),
                                               ("stream_mlp", 2000, 100)])
def test_every_unit_measured_from_its_sample_start_equals_the_full_run(soc, elves, private_truth, name, unit, warmup):
    from cosim.system_target import SystemTarget
    target = SystemTarget(soc, elves[name])
    target.prepare(unit)
    truth = target.truth(unit)
    with make_executor("inline", target.base) as executor:
        result = run_campaign(target, census(target, unit, warmup), executor=executor, store=SampleStore(None, {}))
    assert not result.diverged, result.diverged[0]["divergence"]
    samples = result.samples
    assert [s["cycles"] for s in samples] == truth["per_unit"]
    last = len(samples) - 1
    for field in ("host_busy_cycles", "npu_busy_cycles", "npu_only_cycles"):
        got = [s[field] + (s["drain_cycles"] if i == last and field != "host_busy_cycles" else 0)
               for i, s in enumerate(samples)]
        assert got == truth["per_unit_split"][field], field
    assert result.estimate.cycles == truth["cycles"]
    paths = {s["path"] for s in samples}
    assert "idle" in paths
    if name == "gemm":                 # a long burst with the NPU keeping up: its backlog drains in the warm-up
        assert "drain" in paths
    if name != "gemm":
        assert truth["npu_only_cycles"] > 0                             # the host waits for the NPU


def test_units_inside_a_burst_start_from_the_point_when_the_backlog_never_drains(soc, elves):
    """Units that start inside a burst the NPU cannot keep up with: with a short warm-up the
    drained backlog is still there when the unit starts, so the sample is measured again
    from the burst's correspondence point; its cycles and split equal the full run's over
    the same instructions."""
    from cosim.delta import base_key, install_base
    from cosim.system_rtl import SystemRtl
    from cosim.system_sample import measure_system_sample
    from cosim.system_target import SystemTarget
    elf = elves["stream_mlp"]
    target = SystemTarget(soc, elf)
    target.prepare(2000)
    prof = target.profile
    key = base_key(target.base)
    install_base(key, target.base)
    previous, starts = 0, []
    for w in prof.wait_at:                          # 200 instructions into each burst
        first = next(d for d in prof.doorbell_at if d > previous)
        starts.append(first + 200)
        previous = w
    units = [plans.SampleUnit(i, s, 150, 100) for i, s in enumerate(starts)]
    rtl = SystemRtl(soc, sync="burst")
    rtl.begin(elf)
    full = {}
    for mark in sorted({m for u in units for m in (u.start, u.start + u.length)}):
        rtl.advance(mark)
        full[mark] = rtl.counters()
    rtl.end()
    ff = target.start()
    for u in units:
        ff.run(u.detail_start - ff.retired)
        r = measure_system_sample(target.task(u, ff, key))
        assert r["state_ok"], r["divergence"]
        assert r["path"] == "point" and r["backlog"] > 0
        a, b = full[u.start], full[u.start + u.length]
        assert r["cycles"] == b["cycles"] - a["cycles"]
        for field in ("host_busy_cycles", "npu_busy_cycles", "npu_only_cycles"):
            assert r[field] == b[field] - a[field], field


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_task_carries_the_state_at_its_point_and_the_backlog_since(soc, elves, data):
    """Whatever units a plan picks (in order), each task's correspondence point is the latest
    idle point at or before the unit, its state there is the functional model's after that
    many instructions, and its backlog is exactly the commands pushed between it and q."""
    from cosim.delta import apply_delta, base_key
    from cosim.system_sample import correspondence_point, joined_state, split_state
    from cosim.system_target import SystemTarget
    from fastforward.session import prepare_program
    from fastforward.system import SystemSimulator
    target = _profiled(soc, elves["stream_mlp"])
    prof, key = target.profile, base_key(target.base)
    bursts, previous = [], 0                          # units near and inside bursts, where p < q happens
    for w in prof.wait_at:
        bursts.append(next(d for d in prof.doorbell_at if d > previous))
        previous = w
    near = st.builds(lambda b, off: min(max(1, b + off), prof.instructions - 1), st.sampled_from(bursts),
                     st.integers(-300, 600))
    starts = sorted(data.draw(st.sets(st.one_of(near, st.integers(1, prof.instructions - 1)), min_size=1,
                                      max_size=4)))
    warmup = data.draw(st.integers(0, 400))
    drained = 0
    ff = target.start()
    for i, s in enumerate(starts):
        u = plans.SampleUnit(i, s, min(500, prof.instructions - s), min(warmup, s))
        if u.detail_start < ff.retired:
            continue                                  # a plan's units do not overlap their warm-ups
        ff.run(u.detail_start - ff.retired)
        task = target.task(u, ff, key)
        p = correspondence_point(prof.doorbell_at, prof.wait_at, s)
        assert task.point == p and task.retired == u.detail_start
        pushed = [k for k, d in enumerate(prof.doorbell_at) if p < d <= u.detail_start]
        assert (task.point_state is None) == (p >= u.detail_start)
        assert len(task.backlog) == (len(pushed) if p < u.detail_start else 0)
        if pushed and p < u.detail_start:
            assert np.array_equal(task.backlog, prof.commands[pushed[0]:pushed[-1] + 1])
        if task.point_state is not None:
            drained += 1
            sim = SystemSimulator(soc, "c")
            prepare_program(soc.host, sim.host, elves["stream_mlp"])
            sim.run(p)
            at_p = {k: np.empty_like(v) for k, v in target.base.items()}
            apply_delta(at_p, target.base, task.point_state)
            want = joined_state(soc, sim)
            assert all(np.array_equal(at_p[k], want[k]) for k in want)
            assert split_state(soc, at_p)[1].keys() == {k for k in sim.accelerators["npu"].state if k != "dram"}
    assert isinstance(target, SystemTarget)
    note(f"{drained} tasks with a backlog")


_PROFILES: dict = {}


def _profiled(soc, elf):
    from cosim.system_target import SystemTarget
    if elf not in _PROFILES:
        _PROFILES[elf] = SystemTarget(soc, elf)
        _PROFILES[elf].prepare(2000)
    return _PROFILES[elf]


def test_a_corrupted_accelerator_state_is_a_divergence(soc, elves, monkeypatch):
    """Every sample is checked: one scratchpad row flipped in the accelerator state the RTL
    is injected with (not in the functional model's) shows at the unit's end."""
    from cosim.delta import base_key, install_base
    from cosim.system_rtl import SystemRtl
    from cosim.system_sample import measure_system_sample
    from cosim.system_target import SystemTarget
    target = SystemTarget(soc, elves["stream_gemm"])
    target.prepare(2000)
    key = base_key(target.base)
    install_base(key, target.base)
    start = target.profile.wait_at[0] + 10
    unit = plans.SampleUnit(0, start, 2000, 0)
    ff = target.start()
    ff.run(unit.detail_start)
    task = target.task(unit, ff, key)
    good = measure_system_sample(task)
    assert good["state_ok"], good["divergence"]
    inject = SystemRtl.begin_state

    def corrupted(self, host_state, npu_state, *args, **kw):
        sp = npu_state["sp"].copy()
        sp[-1] ^= 0x55                                  # the last row: no command of the program writes it
        return inject(self, host_state, {**npu_state, "sp": sp}, *args, **kw)
    monkeypatch.setattr(SystemRtl, "begin_state", corrupted)
    bad = measure_system_sample(task)
    assert not bad["state_ok"]
    assert any(d.startswith("npu.sp") for d in bad["divergence"]), bad["divergence"]
    assert bad["cycles"] == good["cycles"]              # the data, not the timing, is wrong


def test_dcsim_sample_a_system_program_in_json(soc, elves, private_truth, capsys):
    from cosim.cli.main import main
    code = main(["sample", str(SOC), "--program", str(elves["stream_gemm"]), "--unit", "1000", "--samples", "8",
                 "--truth", "--executor", "inline", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["kind"] == "system" and report["machine"] == "soc" and report["divergences"] == 0
    assert report["samples"] >= 8 and report["items"] == "instructions"
    split, truth = report["split"], report["truth_split"]
    assert set(split) == {"host_busy_cycles", "npu_busy_cycles", "npu_only_cycles", "overlapped_cycles"}
    for name, part in split.items():
        assert part["low"] <= part["estimate"] <= part["high"]
    assert truth["host_busy_cycles"] + truth["npu_only_cycles"] == report["truth_cycles"]
    assert report["ci_low"] <= report["truth_cycles"] <= report["ci_high"]
    assert np.isclose(split["host_busy_cycles"]["estimate"] + split["npu_only_cycles"]["estimate"],
                      report["estimate_cycles"])
