"""Max-min fair sharing (progressive filling) and bandwidth–latency curves."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from network import (CSV_COLUMNS, Curve, MessModel, NetworkConfigError, fit_curve,
                     load_curves_csv, max_min_rates, save_curve_csv)


@st.composite
def sharing(draw):
    flows, links = draw(st.integers(1, 12)), draw(st.integers(1, 8))
    a = draw(arrays(bool, (flows, links)))
    for f in range(flows):                       # every flow crosses at least one link
        if not a[f].any():
            a[f, draw(st.integers(0, links - 1))] = True
    cap = draw(arrays(float, links, elements=st.floats(0.1, 1000.0)))
    return a, cap


@settings(max_examples=200, deadline=None)
@given(sharing())
def test_max_min_rates_are_feasible_and_every_flow_is_bottlenecked(case):
    a, cap = case
    rates = max_min_rates(a, cap)
    assert np.all(rates > 0)
    load = rates @ a
    assert np.all(load <= cap * (1 + 1e-9))                       # no link over capacity
    full = load >= cap * (1 - 1e-9)
    biggest = (a * rates[:, None]).max(axis=0)                     # largest rate on each link
    for f in range(len(rates)):     # each flow has a bottleneck: a full link where no flow
        on = a[f] & full            # gets more than it does
        assert np.any(on & (rates[f] >= biggest * (1 - 1e-9))), (f, rates)


def test_max_min_textbook_example():
    # links of capacity 1 and 2; flow 0 on both, flow 1 on link 0, flows 2 and 3 on link 1
    a = np.array([[1, 1], [1, 0], [0, 1], [0, 1]], dtype=bool)
    assert max_min_rates(a, np.array([1.0, 2.0])) == pytest.approx([0.5, 0.5, 0.75, 0.75])


def test_curve_csv_round_trip_and_scaling(tmp_path):
    curve = Curve(np.array([0.1, 0.5, 0.9]), np.array([1e9, 5e9, 9e9]),
                  np.array([1e-6, 1.5e-6, 3e-6]), "read")
    path = tmp_path / "c.csv"
    save_curve_csv(curve, path, comment="made in a test")
    back = load_curves_csv(path)["read"]
    assert back.capacity == pytest.approx(1e10)
    assert back.excess(np.array([0.1, 0.5, 0.9])) == pytest.approx([0, 0.5e-6, 2e-6])
    assert back.excess(np.array([0.5]), 2e10) == pytest.approx([0.25e-6])  # faster link


def test_curve_family_picks_the_mix(tmp_path):
    path = tmp_path / "family.csv"
    path.write_text(",".join(CSV_COLUMNS) + ",mix\n0.1,1e9,1e-6,read\n0.9,9e9,2e-6,read\n"
                    "0.1,1e9,1e-6,write\n0.9,9e9,5e-6,write\n")
    family = load_curves_csv(path)
    assert MessModel(family, mix="write").curve.latency[-1] == 5e-6
    with pytest.raises(Exception, match="no curve for traffic mix 'copy'"):
        MessModel(family, mix="copy")


@pytest.mark.parametrize("text,where,fragment", [
    ("load,latency\n0.1,1\n", ":1:1:", "column 'latency' has no unit"),
    ("load,latency (us)\n0.1,1\n", ":1:1:", "missing column(s) bandwidth"),
    ("bandwidth (GB/s),latency (fortnights)\n1,1\n", ":1:1:", "unknown latency unit"),
    ("# c\n" + ",".join(CSV_COLUMNS) + "\n0.1,1e9,1e-6\n0.5,fast,1e-6\n", ":4:1:",
     "expected numbers"),
    # a repeated load is dropped (with a warning naming line 3), leaving one point
    (",".join(CSV_COLUMNS) + "\n0.5,1e9,1e-6\n0.5,2e9,1e-6\n", ":2:1:", "at least two points"),
    (",".join(CSV_COLUMNS) + "\n", ":1:1:", "no data rows"),
])
def test_bad_curve_files_blame_the_line(tmp_path, text, where, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(NetworkConfigError) as info:
        load_curves_csv(path)
    assert where in info.value.render() and fragment in info.value.render()


def test_fitted_curve_rises_with_load_like_a_queue():
    curve = fit_curve(25e9, 1e-6, 2e-7, loads=(0.1, 0.5, 0.9), packets=3000, seed=3)
    packet_time = 4096 / 25e9
    assert curve.latency[0] == pytest.approx(2e-6 + 2e-7 + 2 * packet_time, rel=0.02)
    queueing = curve.excess(curve.load, 25e9) / packet_time
    assert queueing[1] < queueing[2]
    # M/D/1 at 0.9 waits ρ/(2(1−ρ)) = 4.5 packet times; the switch port is near that
    assert 2.5 < queueing[2] < 7
