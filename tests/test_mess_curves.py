"""Mess done right (issue 19, item 3): the fixed point itself, unit-free curves, cleaned
real curves, per-link read/write mix, and Mess's bwlat_*.txt files.

Curves are synthesized at test time (a queue-like latency rise, a saturated branch, idle
noise rows), in the layouts Mess publishes; no measured data is copied here.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network import FlowModel, MessModel, Workload, load_cluster, load_curves_csv, simulate, switch
from network.errors import NetworkWarning
from network.mess_convert import convert

ROOT = Path(__file__).resolve().parent.parent
BW = 50e9
MTU = 4096.0


def points(peak: float = BW, unloaded: float = 1.5e-6, n: int = 12):
    """(bandwidth B/s, latency s) of an M/M/1-like rising branch up to 95 % of `peak`."""
    u = np.linspace(0.05, 0.95, n)
    return [(float(b), float(t)) for b, t in zip(u * peak, unloaded + 0.2e-6 * u / (1 - u))]


def write_csv(path: Path, pts, bw_unit: str, bw_scale: float, lat_unit: str,
              lat_scale: float, mix: str = "") -> Path:
    lines = [f"bandwidth ({bw_unit}),latency ({lat_unit})" + (",mix" if mix else "")]
    lines += [f"{b / bw_scale!r},{t / lat_scale!r}" + (f",{mix}" if mix else "")
              for b, t in pts]
    path.write_text("\n".join(lines) + "\n")
    return path


def loaded_run(model):
    """Probes into a switch port carrying 80 % paced background load."""
    topo = switch(3, BW, 200e-9, 100e-9)
    w = Workload()
    period = 65536 / (0.8 * BW)
    for i in range(int(100e-6 / period)):
        w.send(1, 0, 65536, start=i * period)
    for i in range(40):
        w.send(2, 0, MTU, start=2.3e-6 * i + 1e-7)
    return model.run(topo, w)


# ------------------------------------------------------------------ units
@pytest.mark.parametrize("bw_unit,bw_scale,lat_unit,lat_scale", [
    ("GB/s", 1e9, "ns", 1e-9), ("MB/s", 1e6, "us", 1e-6), ("Gbps", 1e9 / 8, "ms", 1e-3)])
def test_a_unit_change_in_the_csv_does_not_change_results(tmp_path, bw_unit, bw_scale,
                                                          lat_unit, lat_scale):
    pts = points()
    base = load_curves_csv(write_csv(tmp_path / "si.csv", pts, "B/s", 1.0, "s", 1.0))[""]
    other = load_curves_csv(write_csv(tmp_path / "o.csv", pts, bw_unit, bw_scale,
                                      lat_unit, lat_scale))[""]
    np.testing.assert_allclose(other.latency, base.latency, rtol=1e-12)
    assert other.capacity == pytest.approx(base.capacity, rel=1e-12)
    a, b = loaded_run(MessModel(base, mtu=MTU)), loaded_run(MessModel(other, mtu=MTU))
    np.testing.assert_allclose(b.finish, a.finish, rtol=1e-9)
    assert a.latency.mean() > 1.05 * loaded_run(FlowModel(MTU)).latency.mean()   # an effect


def test_the_old_column_names_still_read(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("offered_load_fraction,bandwidth_bytes_per_s,latency_s\n"
                    "0.1,5e9,1e-6\n0.5,2.5e10,1.2e-6\n0.9,4.5e10,3e-6\n")
    curve = load_curves_csv(path)[""]
    assert curve.capacity == pytest.approx(5e10) and curve.unloaded_latency == 1e-6


# ------------------------------------------------------------------ cleaning
def test_measured_noise_and_the_saturated_branch_are_cleaned_with_named_lines(tmp_path):
    pts = points()
    rising = [f"{b / 1e9!r},{t / 1e-9!r}" for b, t in pts]
    peak = pts[-1][0] / 1e9
    saturated = [f"{peak * 0.9!r},{pts[-1][1] / 1e-9 + 500!r}",       # line 15
                 f"{peak * 0.8!r},{pts[-1][1] / 1e-9 + 900!r}"]       # line 16
    lines = ["bandwidth (GB/s),latency (ns)", "-0.5,1400", "0,1450"]   # lines 1-3
    lines += rising[:6] + [f"{pts[2][0] / 1e9!r},1600"] + rising[6:] + saturated
    path = tmp_path / "measured.csv"
    path.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        curve = load_curves_csv(path)[""]
    text = " | ".join(str(w.message) for w in caught if issubclass(w.category, NetworkWarning))
    assert "dropped line(s) 2, 3: bandwidth, latency or load ≤ 0" in text
    assert "dropped line(s) 10: off the curve's branch" in text
    # the rising branch by bandwidth, then the saturated branch beyond load 1, in order
    assert np.all(np.diff(curve.load) > 0)
    assert np.sum(curve.load > 1) == 2 and np.all(np.diff(curve.latency[curve.load > 1]) > 0)
    assert curve.unloaded_latency == pytest.approx(pts[0][1])


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(14))))
def test_row_order_does_not_matter(order):
    """Any order of the measured rows (Mess files run from high to low bandwidth) gives
    the same curve: the branches are rebuilt, never interleaved."""
    pts = points() + [(0.9 * 0.95 * BW, 4e-6), (0.7 * 0.95 * BW, 6e-6)]
    from network.curves import curve_from_points
    rows = [(i + 2, float("nan"), *pts[i]) for i in order]
    ref = curve_from_points([(i + 2, float("nan"), *p) for i, p in enumerate(pts)])
    got = curve_from_points(rows)
    np.testing.assert_array_equal(got.load, ref.load)
    np.testing.assert_array_equal(got.latency, ref.latency)


# ------------------------------------------------------------------ the fixed point
def test_the_fixed_point_is_reached_to_1e_6_and_reported(tmp_path):
    curve = load_curves_csv(write_csv(tmp_path / "c.csv", points(), "GB/s", 1e9, "ns",
                                      1e-9))[""]
    model = MessModel(curve, mtu=MTU)
    run = loaded_run(model)
    assert run.residual <= 1e-6 and run.iterations > 1
    # a stop after one relaxed step (the old loop) is far from it; the fixed point is not
    tighter = loaded_run(MessModel(curve, mtu=MTU, tol=1e-9))
    assert run.finish.max() == pytest.approx(tighter.finish.max(), rel=1e-5)
    with pytest.warns(NetworkWarning, match="no fixed point to 1e-06 after 1 iterations"):
        first = loaded_run(MessModel(curve, mtu=MTU, relax=0.5, max_iterations=1))
    assert first.latency.mean() < run.latency.mean()


def test_a_bundled_mess_job_converges_to_1e_6():
    config = load_cluster(ROOT / "hw" / "clusters" / "jobs" / "tp_hier_4x8.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NetworkWarning)       # no unconverged run
        r = simulate(config.job, config.network.topology, config.network.model, config.engine)
    stats = config.network.model.stats
    assert stats["runs"] >= 1 and stats["unconverged"] == 0 and stats["residual"] <= 1e-6
    assert any(n.startswith("mess: fixed point to") for n in r.notes)


# ------------------------------------------------------------------ read/write mix
def two_mixes(tmp_path: Path) -> Path:
    """A read-only curve and a 50 % curve with twice the queueing excess."""
    pts = points()
    lines = ["bandwidth (GB/s),latency (ns),mix"]
    lines += [f"{b / 1e9!r},{t / 1e-9!r},100" for b, t in pts]
    lines += [f"{b / 1e9!r},{(1.5e-6 + 2 * (t - 1.5e-6)) / 1e-9!r},50" for b, t in pts]
    path = tmp_path / "mixes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_way_traffic_uses_the_read_curve_and_two_way_traffic_interpolates(tmp_path):
    family = load_curves_csv(two_mixes(tmp_path))
    auto = MessModel(family, mtu=MTU)
    assert auto.family is not None
    one_way = loaded_run(auto)
    only_read = loaded_run(MessModel(family["100"], mtu=MTU))
    np.testing.assert_allclose(one_way.finish, only_read.finish, rtol=1e-9)
    # the same load, with as many bytes flowing back: the link's share drops to 50 %
    topo = switch(3, BW, 200e-9, 100e-9)

    def both_ways(model):
        w = Workload()
        period = 65536 / (0.4 * BW)
        for i in range(int(100e-6 / period)):
            w.send(1, 0, 65536, start=i * period)
            w.send(0, 1, 65536, start=i * period)
        probes = [w.send(2, 0, MTU, start=2.3e-6 * i + 1e-7) for i in range(40)]
        return float(model.run(topo, w).latency[probes].mean())
    mixed = both_ways(MessModel(family, mtu=MTU))
    lo, hi = both_ways(MessModel(family["100"], mtu=MTU)), both_ways(MessModel(family["50"],
                                                                               mtu=MTU))
    assert lo < mixed <= hi * (1 + 1e-9)


# ------------------------------------------------------------------ Mess's bwlat files
def test_bwlat_files_convert_and_load(tmp_path):
    """Files in Mess's layout (MB/s and CPU cycles, high bandwidth first, a saturated tail
    and an idle-noise row), converted and read back in seconds and bytes/s."""
    ghz = 2.0
    for read, scale in ((100, 1.0), (50, 1.3)):
        pts = points(peak=40e9)
        rows = [f"{b / 1e6:.3f}\t{t * 1e9 * ghz * scale:.1f}" for b, t in reversed(pts)]
        rows.insert(0, f"{0.8 * 0.95 * 40e9 / 1e6:.3f}\t{12000 * scale:.1f}")   # saturated
        rows.append("-3.2\t2900.0")                                          # idle noise
        (tmp_path / f"bwlat_{read}.txt").write_text("\n".join(rows) + "\n")
    out = tmp_path / "curves.csv"
    assert convert([tmp_path], ghz, out) == 2
    with pytest.warns(NetworkWarning, match=r"dropped line\(s\) \d+: bandwidth, latency"):
        family = load_curves_csv(out)
    assert sorted(family) == ["100", "50"]
    c = family["100"]
    assert c.unloaded_latency == pytest.approx(points(peak=40e9)[0][1], rel=1e-3)
    assert c.capacity == pytest.approx(0.95 * 40e9, rel=1e-6)
    assert np.sum(c.load > 1) == 1 and c.latency[-1] == pytest.approx(6e-6, rel=1e-3)
    assert MessModel(family, mtu=MTU).family is not None
