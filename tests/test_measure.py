"""dcsim measure gemm: the timing harness (on CPU and on a stub torch), back ends, bad input, CSV -> fit."""
import json
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim import fit as F
from cosim import measure_worker as W
from cosim.cli import main
from cosim.measure import CSV_COLUMNS, check_device, load_measure_sweep
from cosim.measure_timing import MeasureError, NumpyBackend, TorchBackend, summarize, time_gemm


# ------------------------------------------------------------------ the harness
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-7, 1.0), min_size=1, max_size=30), st.integers(1, 50))
def test_summary_orders_and_counts(times, inner):
    t = summarize(times, inner)
    assert t.best <= t.median <= t.worst and t.repeats == len(times) and t.inner == inner
    assert 0 <= t.outliers <= len(times) // 2            # beyond median + 3 MAD: never half the repeats
    assert t.wall == t.median                            # no wall list: the clock is wall time


def test_a_slow_repeat_is_an_outlier_not_the_value():
    base = [1.0e-3, 1.01e-3, 0.99e-3, 1.02e-3, 0.98e-3, 1.0e-3]
    t = summarize(base + [5e-3])
    assert t.outliers == 1 and t.worst == 5e-3 and t.median == pytest.approx(1.0e-3)
    with pytest.raises(MeasureError, match="no positive"):
        summarize([0.0, 1.0])


class FakeBackend:
    """A GEMM that 'takes' a known time per call: the harness's arithmetic, without a clock."""
    def __init__(self, per_call):
        self.per_call, self.calls = per_call, 0

    def prepare(self, m, k, n, dtype):
        def run():
            self.calls += 1
        return run

    def time_calls(self, run, inner):
        for _ in range(inner):
            run()
        return self.per_call * inner, 2 * self.per_call * inner    # wall twice the CPU time: descheduled


@pytest.mark.parametrize("per_call", [1e-7, 1e-5, 1e-2])
def test_inner_calls_make_a_repeat_long_enough(per_call):
    b = FakeBackend(per_call)
    t = time_gemm(b, 8, 8, 8, "float32", repeats=5, warmup=2, min_repeat_s=2e-4)
    assert t.median == pytest.approx(per_call) and t.wall == pytest.approx(2 * per_call)
    assert t.inner * t.wall >= 2e-4 * 0.999 or t.inner == 1     # calibrated on wall time
    assert b.calls == 2 + 2 + 5 * t.inner                 # warm-up, calibration, repeats


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8"])
def test_numpy_backend_computes_the_gemm(dtype):
    b = NumpyBackend(seed=1)
    run = b.prepare(5, 7, 3, dtype)
    out = run()
    cells = {c.cell_contents.shape: c.cell_contents for c in run.__closure__ if isinstance(c.cell_contents, np.ndarray)}
    a, bm = cells[(5, 7)], cells[(7, 3)]                 # the operands the closure multiplies
    want = a.astype(np.int64) @ bm.astype(np.int64) if dtype == "int8" else a.astype(np.float64) @ bm
    assert out.dtype == (np.int32 if dtype == "int8" else dtype)
    assert np.allclose(out, want, rtol=1e-5, atol=1e-4)
    t = time_gemm(b, 16, 16, 16, dtype, repeats=3, warmup=1, min_repeat_s=1e-5)
    assert t.median > 0 and t.wall > 0


def test_numpy_backend_refuses_a_dtype_it_lacks():
    with pytest.raises(MeasureError, match="no GEMM for dtype 'bfloat16'.*float32"):
        NumpyBackend().prepare(4, 4, 4, "bfloat16")


# ------------------------------------------------------------------ the GPU path, without a GPU
class StubTensorLib:
    """Mimics the torch calls TorchBackend uses, on numpy arrays; events read a fake clock."""
    __version__ = "0.stub"
    float32, float16, bfloat16 = "f32", "f16", "bf16"

    def __init__(self, gpus=1, ms_per_matmul=0.5):
        self.now_ms, self.ms, self.log = 0.0, ms_per_matmul, []
        lib = self

        class Event:
            def __init__(self, enable_timing=False):
                assert enable_timing, "CUDA events must be created with enable_timing=True"
                self.t = None

            def record(self):
                lib.log.append("record")
                self.t = lib.now_ms

            def synchronize(self):
                lib.log.append("sync")

            def elapsed_time(self, other):
                assert self.t is not None and other.t is not None, "elapsed_time before record()"
                return other.t - self.t

        self.cuda = types.SimpleNamespace(
            is_available=lambda: gpus > 0, device_count=lambda: gpus, Event=Event,
            mem_get_info=lambda dev: (8 << 30, 16 << 30), get_device_name=lambda dev: "Stub GPU",
            synchronize=lambda: None)
        self.version = types.SimpleNamespace(cuda="12.stub")

    def randn(self, *shape, device=None, dtype=None):
        assert device is not None and dtype in ("f32", "f16", "bf16")
        return np.ones(shape, dtype=np.float32)

    def matmul(self, a, b):
        self.now_ms += self.ms
        self.log.append("matmul")
        return a @ b


def test_cuda_path_times_with_events_after_warmup():
    lib = StubTensorLib(ms_per_matmul=0.5)
    backend = W.open_backend("cuda:0", torch=lib)
    t = time_gemm(backend, 64, 32, 16, "float16", repeats=5, warmup=3)
    assert t.median == pytest.approx(0.5e-3) and t.outliers == 0 and t.inner == 1
    first_timed = lib.log.index("record")
    assert lib.log[:first_timed].count("matmul") == 0      # warm-up calls are timed too, by events
    assert lib.log[-3:] == ["matmul", "record", "sync"]    # the end event is waited for before reading
    info = backend.describe()
    assert info["device_name"] == "Stub GPU" and info["clock"] == "cuda-events"


def test_torch_on_cpu_tensors_uses_the_host_clock():
    backend = TorchBackend(StubTensorLib(), "cpu")
    t = time_gemm(backend, 32, 32, 32, "float32", repeats=3, warmup=1, min_repeat_s=1e-5)
    assert t.median > 0 and backend.free_bytes() is None


def test_worker_protocol_with_a_stub_gpu():
    out = []
    job = {"device": "cuda", "shapes": [[64, 64, 64, "float32", "train"], [8, 8, 8, "float16", "holdout"]],
           "repeats": 3, "warmup": 1}
    W.measure(job, out.append, backend=W.open_backend("cuda", torch=StubTensorLib()))
    assert "info" in out[0] and [o["point"]["split"] for o in out[1:]] == ["train", "holdout"]
    big = dict(job, shapes=[[200_000, 200_000, 200_000, "float32", "train"]])
    out.clear()
    W.measure(big, out.append, backend=W.open_backend("cuda", torch=StubTensorLib()))
    assert out == [{"error": out[0]["error"]}] and "drop the shape" in out[0]["error"]


def test_absent_gpu_and_absent_torch_are_clear_errors(monkeypatch):
    with pytest.raises(MeasureError, match="no CUDA device"):
        W.open_backend("cuda", torch=StubTensorLib(gpus=0))
    with pytest.raises(MeasureError, match="cuda:0 .. cuda:1"):
        W.open_backend("cuda:2", torch=StubTensorLib(gpus=2))
    monkeypatch.setitem(sys.modules, "torch", None)         # import torch -> ImportError
    with pytest.raises(MeasureError, match="PyTorch, which is not installed.*--device cpu"):
        W.open_backend("cuda")
    with pytest.raises(MeasureError, match="has no GEMM dtype 'int8'"):
        TorchBackend(StubTensorLib(), "cuda").check_dtype("int8")


# ------------------------------------------------------------------ bad input on the command line
@pytest.mark.parametrize("argv, message", [
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--dtype", "bfloat16"], "no GEMM for dtype 'bfloat16'"),
    (["--device", "cuda", "--dtype", "int8"], "int8 GEMMs are measured on the CPU"),
    (["--shape", "300000,300000,300000"], "drop the shape"),
    (["--sweep", "nosuch"], "no sweep 'nosuch'"),
])
def test_bad_input_exits_2_naming_the_fix(argv, message, tmp_path, capsys):
    assert main(["measure", "gemm", *argv, "-o", str(tmp_path / "m.csv")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.csv").exists()


def test_cuda_without_torch_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    assert main(["measure", "gemm", "--device", "cuda", "--dtype", "float16", "-o", str(tmp_path / "m.csv")]) == 2
    assert "needs PyTorch, which is not installed" in capsys.readouterr().err


def test_csv_with_missing_columns_or_mixed_dtypes(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("# a comment\nM,K,seconds\n1,2,3\n")
    with pytest.raises(F.FitError, match=r"missing column\(s\) N"):
        F.read_csv(bad)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("M,K,N,dtype,seconds\n" + "\n".join(f"{m},8,8,{d},{m * 1e-6}" for m in range(1, 9)
                                                          for d in ("float32", "int8")) + "\n")
    with pytest.raises(F.FitError, match="several dtypes.*--dtype float32"):
        F.read_csv(mixed)
    points, _ = F.read_csv(mixed, dtype="int8")
    assert len(points) == 8
    with pytest.raises(F.FitError, match="no rows of dtype 'float64'"):
        F.read_csv(mixed, dtype="float64")
    bad.write_text("# header\n# more\nM,K,N,seconds\n1,2,3,4\n1,2,x,4\n")
    with pytest.raises(F.FitError, match=r"bad.csv:5: bad row"):    # the file's own line number
        F.read_csv(bad)


# ------------------------------------------------------------------ end to end: measure -> CSV -> fit
def test_measure_then_fit_from_the_cli(tmp_path, capsys):
    csv_path, curve = tmp_path / "m.csv", tmp_path / "c.json"
    assert main(["measure", "gemm", "--device", "cpu", "--sweep", "quick", "-o", str(csv_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    sweep = load_measure_sweep("quick")
    assert info["shapes"] == len(sweep.shapes) and info["threads"] == 1
    text = csv_path.read_text()
    for key in ("# command: dcsim measure gemm", "# device: cpu", "# library: numpy", "# threads: 1",
                "# clock:", "# outliers:", "# timer: thread CPU time"):
        assert key in text, key
    header = next(l for l in text.splitlines() if not l.startswith("#"))
    assert tuple(header.split(",")) == CSV_COLUMNS
    rows = [dict(zip(CSV_COLUMNS, l.split(","))) for l in text.splitlines()[text.splitlines().index(header) + 1:]]
    for r in rows:
        assert float(r["best_s"]) <= float(r["seconds"]) <= float(r["worst_s"])
        gf = 2 * int(r["M"]) * int(r["K"]) * int(r["N"]) / float(r["seconds"]) / 1e9
        assert float(r["gflops"]) == pytest.approx(gf, rel=0.01)
    assert {r["split"] for r in rows} == {"train", "holdout"}
    assert main(["fit", "npu", "--csv", str(csv_path), "-o", str(curve), "--json"]) == 0
    fitted = json.loads(capsys.readouterr().out)
    assert fitted["holdout"]["shapes"] == sum(r["split"] == "holdout" for r in rows)
    assert set(fitted["forms"]) == {"tiles", "cache"} and fitted["form"] in fitted["forms"]
    assert F.load_curve(curve).unit == "seconds"


def test_check_device_accepts_what_it_offers():
    check_device("cpu", ["float32", "float64", "int8"])
    with pytest.raises(MeasureError):
        check_device("cuda:x", ["float32"])


def test_bundled_measurements_fit_with_held_out_error():
    """The bundled CPU measurements: the chosen form is not worse on held-out shapes than the other."""
    points, unit = F.read_csv("hw/curves/measured/cpu_float32.csv")
    curve = F.select(points, 8, unit)
    forms = curve.report["forms"]
    assert unit == "seconds" and curve.report["holdout"]["shapes"] >= 40
    assert forms[curve.form]["holdout"]["mape"] <= min(f["holdout"]["mape"] for f in forms.values()) + 0.02
    assert curve.report["holdout"]["mape"] < 0.25


# ------------------------------------------------------------------ the abstraction study's real-hardware arm
def test_real_hardware_arm_without_rtl(tmp_path):
    """The measured curve, direct CPU timing, per-kernel columns, discussion and figure, on
    made-up RTL numbers (the RTL arms are tested in test_experiments)."""
    from cosim.experiments import abstraction as A
    from cosim.nodemodel import CurveModel, npu_kernel
    curve = A.measured_curve(8)
    assert curve.unit == "seconds" and set(curve.report["forms"]) == {"tiles", "cache"}
    kernels = [("small GEMM", npu_kernel("gemm:8,8,8")), ("aligned GEMM", npu_kernel("gemm:64,64,64")),
               ("bank-conflict layout", npu_kernel("bankconflict:64,64,64")),
               ("layer chain (MLP)", npu_kernel("mlp:16,32,64,32"))]
    models = {A.CPU_CURVE: CurveModel(curve), A.CPU_DIRECT: A._DirectCPU([k for _, k in kernels], 8)}
    rows = []
    for cls, k in kernels:
        row = {"class": cls, "kernel": k.name, "truth_cycles": 1000.0 * len(k.name), "sampled_cycles": 1.0,
               "sampled_ci": None, "sampled_error": 0.0, "curve_error": 0.05, "flagged": False}
        A._cpu_columns(row, k, models)
        rows.append(row)
    # bankconflict is the same GEMM as the aligned one on the CPU: one timing, one value
    assert rows[1]["cpu_direct_s"] == rows[2]["cpu_direct_s"] > rows[0]["cpu_direct_s"] > 0
    assert rows[3]["cpu_direct_s"] == pytest.approx(sum(models[A.CPU_DIRECT].seconds[s]
                                                        for s in [(16, 32, 64), (16, 64, 32)]))
    jobs = {"data-parallel training": {"full RTL": {"step_s": 2.0}, A.CPU_DIRECT: {"step_s": 1.0}}}
    info = models[A.CPU_DIRECT].info
    assert info["passes"] == 2 and 0 <= info["pass_spread_median"] <= info["pass_spread_max"]
    text = A._real_hardware_discussion(rows, jobs, curve, info)
    assert "bankconflict:64,64,64 and gemm:64,64,64 are the same GEMM" in text and "2.00×" in text
    (name, _, draw, size), = A.figures(rows)
    from network.plot import load_pyplot
    plt = load_pyplot()
    fig = plt.figure(figsize=size)
    draw(fig)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "measured-CPU curve vs CPU timed directly" in labels
    fig.savefig(tmp_path / name)
    plt.close(fig)
