"""Mutation fuzzer of everything a user hands dcsim: machine files, programs, checkpoints,
cluster files. Every mutant must be accepted or rejected with a clean error (a `DcsimError`,
printed without a traceback); a traceback or a hang is a bug.

    python benchmarks/fuzz_inputs.py [--mutants 200] [--seed 0] [--kinds spec,program,checkpoint,cluster]

Mutants are made from the bundled files (hw/*.yaml, tests/catalogue/*.yaml, the bundled
RV32I assembly programs, NPU command streams, a checkpoint of each machine, the cluster job
files in hw/clusters/jobs/) by text and byte edits: delete, duplicate or swap lines, replace
a number with a boundary value (0, -1, 2^31, 2^64, a 5000-digit number), replace a name
with another name of the file, insert a tab, a NUL or an invalid UTF-8 byte, truncate.
An accepted machine also goes through the C generator and the HLS (no compile); an
accepted cluster file is simulated. Each mutant gets HANG_SECONDS. Prints per kind:
tried / accepted / clean error / traceback / hang, and the first few bugs with their
mutation, so that each can become a corpus entry. `tests/test_input_fuzz.py` runs a small
budget in the default suite.
"""
from __future__ import annotations

import argparse
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spec.errors import DcsimError  # noqa: E402

HANG_SECONDS = 20
KINDS = ("spec", "program", "checkpoint", "cluster")
BOUNDARY = ["0", "-1", "1", str(2 ** 31), str(2 ** 32 - 1), str(2 ** 64), "-" + str(2 ** 63), "9" * 5000, "0x", "1e9"]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


# ------------------------------------------------------------------ text mutations
def mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """A mutant of `text` and a one-line description of the edit."""
    lines = text.split("\n")
    op = rng.choice(["delete", "duplicate", "swap", "number", "name", "tab", "nul", "bad-utf8", "truncate",
                     "indent"])
    i = rng.randrange(len(lines))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "number":
        numbers = [(k, m) for k, line in enumerate(lines) for m in re.finditer(r"\b\d+\b", line)]
        if numbers:
            i, m = rng.choice(numbers)
            lines[i] = lines[i][:m.start()] + rng.choice(BOUNDARY) + lines[i][m.end():]
    elif op == "name":
        names = sorted(set(re.findall(r"\b[A-Za-z_][A-Za-z_0-9]*\b", text)))
        words = [(k, m) for k, line in enumerate(lines) for m in re.finditer(r"\b[A-Za-z_][A-Za-z_0-9]*\b", line)]
        if words and names:
            i, m = rng.choice(words)
            lines[i] = lines[i][:m.start()] + rng.choice(names) + lines[i][m.end():]
    elif op == "tab":
        line = lines[i]
        k = rng.randrange(len(line) + 1)
        lines[i] = line[:k] + "\t" + line[k:]
    elif op == "nul":
        lines[i] += "\x00"
    elif op == "bad-utf8":
        lines[i] += "\udcff"                        # written back as the byte 0xff (surrogateescape)
    elif op == "truncate":
        lines = lines[:i]
    elif op == "indent":
        lines[i] = " " * rng.choice([1, 3, 8]) + lines[i]
    return "\n".join(lines), f"{op} at line {i + 1}"


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    b = bytearray(data)
    op = rng.choice(["flip", "truncate", "zero", "insert"])
    k = rng.randrange(max(1, len(b)))
    if op == "flip" and b:
        b[k] ^= 1 << rng.randrange(8)
    elif op == "truncate":
        b = b[:k]
    elif op == "zero":
        b[k:k + 16] = bytes(len(b[k:k + 16]))
    else:
        b[k:k] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    return bytes(b), f"{op} at byte {k}"


def write(path: Path, text: str):
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


# ------------------------------------------------------------------ what each kind runs
def spec_sources():
    return sorted(ROOT.glob("hw/*.yaml")) + sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))


def run_spec(path: Path):
    from fastforward.cgen import generate as generate_c
    from hls import schedule_machine, verify
    from rtlgen.verilog import generate as generate_verilog
    from spec import load_machine
    machine = load_machine(path)
    generate_c(machine)
    if machine.fetch is None:
        generate_verilog(verify(schedule_machine(machine)))


def program_sources():
    """Assembly text of the bundled programs (disassembled with labels-free branch offsets)
    and of an NPU command stream (the first commands of a GEMM, disassembled)."""
    from fastforward.workloads import build_workload
    from fastforward.workloads.programs import build_program
    from spec import Assembler, load_machine
    rv = load_machine(ROOT / "hw" / "rv32i.yaml")
    program = build_program(rv, "prog:sort,16,1")
    words = [int.from_bytes(program.image[i:i + 4], "little") for i in range(0, min(len(program.image), 1024), 4)]
    rv_asm = Assembler(rv)
    rv_text = "\n".join(_disassembled(rv_asm, w) for w in words)
    npu = load_machine(ROOT / "hw" / "npu.yaml")
    npu_asm = Assembler(npu)
    npu_text = "\n".join(npu_asm.disassemble(c) for c in build_workload(npu, "gemm:16,16,16").commands[:60])
    return [("rv32i", rv_text), ("npu", npu_text)]


def _disassembled(asm, word: int) -> str:
    try:
        return asm.disassemble(word)
    except DcsimError:                              # data words in the image
        return "addi x0, x0, 0"


def run_program(machine_name: str, path: Path):
    from spec import Assembler, load_machine
    machine = load_machine(ROOT / "hw" / f"{machine_name}.yaml")
    Assembler(machine).assemble(path.read_text(encoding="utf-8", errors="surrogateescape"), str(path))


def run_checkpoint(path: Path):
    from fastforward import checkpoint
    from fastforward.sim import Simulator
    from spec import load_machine
    machine = load_machine(ROOT / "hw" / "npu.yaml", {"DRAM_BYTES": 4096, "SP_ROWS": 64, "ACC_ROWS": 32})
    checkpoint.load(Simulator(machine), path)


def checkpoint_source(folder: Path) -> bytes:
    from fastforward import checkpoint
    from fastforward.sim import Simulator
    from fastforward.workloads import build_workload
    from spec import load_machine
    machine = load_machine(ROOT / "hw" / "npu.yaml", {"DRAM_BYTES": 4096, "SP_ROWS": 64, "ACC_ROWS": 32})
    sim = Simulator(machine)
    build_workload(machine, "gemm:8,8,8").prepare(sim)
    sim.run(5)
    return checkpoint.save(sim, folder / "source.ckpt").read_bytes()


def cluster_sources():
    # not the big ones: dp_hier_4x8 takes ~10-35 s to simulate once (the Mess fixed point to 1e-6),
    # so a mutant that is simply accepted would read as a hang
    return [p for p in sorted((ROOT / "hw" / "clusters" / "jobs").glob("*.yaml"))
            if "16k" not in p.name and "dp_hier" not in p.name]


def run_cluster(path: Path):
    from network import load_cluster, with_ci
    config = load_cluster(path)
    with_ci(config.job, config.network.topology, config.network.model, config.engine)


# ------------------------------------------------------------------ the loop
def attempt(run, *args) -> tuple[str, str]:
    """('accepted' | 'clean' | 'traceback' | 'hang', detail)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        run(*args)
        return "accepted", ""
    except Hang:
        return "hang", f"no answer in {HANG_SECONDS} s"
    except DcsimError as exc:
        return "clean", str(exc).splitlines()[0][:120]
    except RecursionError:
        return "traceback", "RecursionError"
    except Exception as exc:                        # the bugs this fuzzer exists to find
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return "traceback", f"{type(exc).__name__}: {str(exc)[:100]} ({Path(frame.filename).name}:{frame.lineno})"
    finally:
        signal.alarm(0)


def fuzz(kinds, mutants: int, seed: int, log=print) -> dict:
    """Counts per kind and outcome, and the bugs found: {kind: Counter}, [(kind, mutation, detail)]."""
    rng = random.Random(seed)
    counts, bugs = {k: Counter() for k in kinds}, []
    with tempfile.TemporaryDirectory(prefix="dcsim-fuzz-") as tmp:
        folder = Path(tmp)
        jobs = []
        if "spec" in kinds:
            jobs += [("spec", p.read_text(), p.name, run_spec, ()) for p in spec_sources()]
        if "program" in kinds:
            jobs += [("program", text, f"{m}.s", run_program, (m,)) for m, text in program_sources()]
        if "cluster" in kinds:
            jobs += [("cluster", p.read_text(), p.name, run_cluster, ()) for p in cluster_sources()]
        ckpt = checkpoint_source(folder) if "checkpoint" in kinds else None
        for n in range(mutants):
            for kind in kinds:
                if kind == "checkpoint":
                    data, how = mutate_bytes(ckpt, rng) if rng.random() < 0.5 else _header_mutant(ckpt, rng)
                    path = folder / f"m{n}.ckpt"
                    path.write_bytes(data)
                    outcome, detail = attempt(run_checkpoint, path)
                    source = "npu.ckpt"
                else:
                    _, text, source, run, extra = rng.choice([j for j in jobs if j[0] == kind])
                    mutant, how = mutate_text(text, rng)
                    path = folder / f"m{n}-{source}"
                    write(path, mutant)
                    if kind == "cluster":                 # job files name their network and compute files
                        path = _beside(path, source)
                    outcome, detail = attempt(run, *extra, path)
                counts[kind][outcome] += 1
                if outcome in ("traceback", "hang"):
                    bugs.append((kind, f"{source}: {how}", detail))
    return {"counts": counts, "bugs": bugs}


def _beside(path: Path, source: str) -> Path:
    """A mutated cluster job file placed where its relative includes resolve."""
    home = ROOT / "hw" / "clusters" / "jobs" / f".fuzz-{path.name}"
    home.write_bytes(path.read_bytes())
    import atexit
    atexit.register(lambda: home.unlink(missing_ok=True))
    return home


def _header_mutant(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A checkpoint whose JSON header lost a field or got one of another type (the checksums
    are recomputed by nothing: a forged header must still be refused cleanly)."""
    text = data.decode("latin-1")
    keys = re.findall(r'"([a-z_]+)":', text[:4096])
    if not keys:
        return mutate_bytes(data, rng)
    key = rng.choice(keys)
    replacement = rng.choice(['"x"', "null", "[]", "{}", "-1", "1e999"])
    mutated = re.sub(rf'"{key}": ?("[^"]*"|[-0-9.e]+|null|true|false|\[[^\]]*\]|\{{[^}}]*\}})',
                     f'"{key}": {replacement}', text, count=1)
    return mutated.encode("latin-1"), f"header field {key} -> {replacement}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", type=int, default=200, help="mutants per kind (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    t0 = time.perf_counter()
    out = fuzz(tuple(args.kinds.split(",")), args.mutants, args.seed)
    print(f"{'kind':>11} {'tried':>6} {'accepted':>9} {'clean error':>12} {'traceback':>10} {'hang':>5}")
    for kind, c in out["counts"].items():
        print(f"{kind:>11} {sum(c.values()):>6} {c['accepted']:>9} {c['clean']:>12} {c['traceback']:>10} {c['hang']:>5}")
    for kind, how, detail in out["bugs"][:20]:
        print(f"  {kind}: {how}: {detail}")
    print(f"{len(out['bugs'])} bugs in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
