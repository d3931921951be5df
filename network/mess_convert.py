"""Convert Mess's published bandwidth–latency curves (`bwlat_<read%>.txt`) to dcsim's CSV.

The Mess benchmark (Esmaili-Dokht et al., MICRO 2024; github.com/bsc-mem) publishes one
file per read/write mix, `bwlat_<R>.txt` with R the share of reads in percent. Each line is
two whitespace-separated numbers: the bandwidth in MB/s and the latency in CPU cycles
(which is why a CPU frequency is needed). Lines are ordered by the benchmark's issue rate,
and measured files hold idle-noise rows and a saturated branch; the CSV keeps every point
(load_curves_csv cleans them, naming the lines it drops).

    python -m network.mess_convert DIR_OR_FILES... --cpu-ghz 2.1 -o curves.csv

The CSV has columns `bandwidth (MB/s)`, `latency (ns)` and `mix` (the read percentage), so
the numbers stay the published ones and the units travel with them; a `kind: mess` model
given the file with `mix: auto` interpolates between the mixes per link.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from spec.errors import Loc

from .errors import NetworkConfigError, NetworkError

__all__ = ["read_bwlat", "convert", "main"]

_NAME = re.compile(r"bwlat_(\d+(?:\.\d+)?)\.txt$")


def read_bwlat(path: Path, cpu_ghz: float) -> tuple[str, list[tuple[float, float]]]:
    """(read percentage, [(MB/s, ns), ...]) of one bwlat file, in file order."""
    m = _NAME.search(path.name)
    if not m:
        raise NetworkError(f"{path}: not a Mess curve file name (bwlat_<read%>.txt)")
    points = []
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split()
        try:
            mbps, cycles = float(fields[0]), float(fields[1])
        except (IndexError, ValueError):
            raise NetworkConfigError(Loc(str(path), i, 1),
                                     f"expected 'bandwidth_MB/s latency_cycles', got {line!r}"
                                     ) from None
        points.append((mbps, cycles / cpu_ghz))
    if not points:
        raise NetworkConfigError(Loc(str(path), 1, 1), "no data lines")
    return m.group(1), points


def convert(sources: list[Path], cpu_ghz: float, out: Path) -> int:
    """Write the CSV; returns the number of curves (mixes) written."""
    if not cpu_ghz > 0:
        raise NetworkError(f"the CPU frequency must be positive, got {cpu_ghz}")
    files = []
    for s in sources:
        files += sorted(s.glob("bwlat_*.txt")) if s.is_dir() else [s]
    if not files:
        raise NetworkError(f"no bwlat_*.txt files in {', '.join(map(str, sources))}")
    curves = sorted((read_bwlat(f, cpu_ghz) for f in files), key=lambda c: float(c[0]))
    with open(out, "w") as f:
        f.write(f"# Mess bandwidth-latency curves from {len(files)} bwlat files; latency "
                f"converted from cycles at {cpu_ghz:g} GHz\n")
        f.write("# (python -m network.mess_convert)\n")
        f.write("bandwidth (MB/s),latency (ns),mix\n")
        for mix, points in curves:
            for mbps, ns in points:
                f.write(f"{mbps:.9g},{ns:.9g},{mix}\n")
    return len(curves)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m network.mess_convert",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("sources", nargs="+", type=Path, help="bwlat_*.txt files or directories")
    p.add_argument("--cpu-ghz", type=float, required=True,
                   help="CPU frequency of the measured machine (latencies are in cycles)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the CSV to write")
    args = p.parse_args(argv)
    try:
        n = convert(args.sources, args.cpu_ghz, args.output)
    except NetworkError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    print(f"{args.output}: {n} curves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
