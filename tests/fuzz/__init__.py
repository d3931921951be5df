"""Random-machine differential fuzzing (in the spirit of XLS's fuzzer).

`machines.py` generates a small random queue machine (YAML text) from a seed, and random
command streams for it; `runner.py` runs each (machine, stream) through the Python
reference, the compiled C model, the HLS -> Verilog -> Verilator engine and the Exo
library generator, and reports the first difference; `minimize.py` shrinks a failing case
(commands first, then instructions and statements) and writes it as a reproducer;
`regressions/` holds minimized reproducers that `tests/test_fuzz.py` replays.

Budgets (tests/test_fuzz.py; `benchmarks/fuzz_backends.py` prints the same counts;
measured on the 2-core dev machine):
  quick (default suite)  40 machines x 20 streams of 1..12 commands, Python vs C compared
                         after every command: 800 streams, ~5,200 commands generated of
                         which ~3,200 run (a stream stops at its first fault; ~35% of the
                         streams fault), and 10 machines' Exo libraries imported: 5 s with
                         an empty build cache. Marked `verilator`: 2 machines x 5 streams
                         through Verilator (2 builds, 45 commands): 18 s cold, 1-8 s warm.
  slow (`-m slow`)       300 machines x 20 streams Python vs C (6,000 streams, ~24,900
                         commands run), 40 Exo imports, 20 machines x 5 streams through
                         Verilator (17 built, 3 fail to build on a known Verilog bug; ~460
                         commands): 116 s with cold Verilator builds, 23 s warm.
A difference whose signature matches an xfail reproducer in regressions/ (a known bug not
fixed yet) is counted as known instead of failing the budget.
"""
