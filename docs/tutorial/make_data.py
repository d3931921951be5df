"""Inputs, command stream and expected output of the histo tutorial's workload.

48 segments of 2048 (bin, weight) pairs, each histogrammed on its own into 256 bins, each
histogram scaled by 3/16 (rounded half up) and saturated to int8. The expected output is
computed here with numpy alone, not with dcsim. Run from anywhere: files go beside this script."""
from pathlib import Path

import numpy as np

N, BINS = 16, 256                    # the machine's params: elements per buffer row, bins
SEGMENTS, ELEMS = 48, 2048           # 98,304 (bin, weight) pairs
SCALE, SHIFT = 3, 4                  # out = sat_int8(round(hist * 3 / 16))
CHUNK = 8                            # buffer rows per load / SCATTER: 128 pairs
BINS_AT, WEIGHTS_AT = 0x00000, 0x18800   # DRAM byte addresses of the inputs (other DRAM banks)
OUT_AT = 0x31000                         # ... and of the histograms, 256 bytes per segment
here = Path(__file__).parent

rng = np.random.default_rng(2026)
bins = np.clip(rng.normal(128, 40, (SEGMENTS, ELEMS)).round(), 0, BINS - 1).astype(np.uint8)
weights = rng.integers(-40, 100, (SEGMENTS, ELEMS), dtype=np.int8)
np.save(here / "bins.npy", bins)
np.save(here / "weights.npy", weights)

# the expected output, independently of dcsim
hist = np.zeros((SEGMENTS, BINS), dtype=np.int64)
for s in range(SEGMENTS):
    np.add.at(hist[s], bins[s], weights[s])              # unbuffered: repeated bins add up
scaled = (hist * SCALE + (1 << SHIFT >> 1)) >> SHIFT
out = np.clip(scaled, -128, 127).astype(np.int8)
np.save(here / "histograms.npy", out)
np.save(here / "clamped.npy", np.array([np.count_nonzero(scaled[-1] != out[-1])], dtype=np.uint16))

# the command stream: per segment CLEAR, LOAD_BIN + LOAD_WT + SCATTER through 4 buffers of 8 rows, STORE
lines = []
for s in range(SEGMENTS):
    lines += [f"# segment {s}", "clear"]
    for k in range(ELEMS // (N * CHUNK)):
        row, off = (k % 4) * CHUNK, s * ELEMS + k * N * CHUNK
        lines.append(f"load_bin rows={CHUNK}, row={row}, addr={BINS_AT + off:#x}")
        lines.append(f"load_wt rows={CHUNK}, row={row}, addr={WEIGHTS_AT + off:#x}")
        lines.append(f"scatter rows={CHUNK}, row={row}")
    lines.append(f"store shift={SHIFT}, scale={SCALE}, addr={OUT_AT + s * BINS:#x}")
(here / "histo.s").write_text("\n".join(lines) + "\n")
commands = sum(not line.startswith("#") for line in lines)
print(f"{bins.size} pairs, {commands} commands, {np.count_nonzero(scaled != out)} of {out.size} bins saturated")
