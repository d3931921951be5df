"""Collectives as DAGs of messages, runnable on any link model.

Each collective becomes a `Workload` whose dependencies say exactly what must have arrived
before a rank may send (the data it forwards, and its own previous send on that channel),
not global barriers between phases. Sizes follow NCCL: `nbytes` is the per-rank buffer, and
algbw = nbytes / time; busbw = algbw × 2(p−1)/p for all-reduce and × (p−1)/p for
reduce-scatter, all-gather and all-to-all, so that it can be compared with link bandwidth.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .errors import NetworkError
from .topology import Topology
from .workload import LinkModel, RunResult, Workload

__all__ = ["Collective", "CollectiveResult", "ring_allreduce", "tree_allreduce",
           "halving_doubling_allreduce", "reduce_scatter", "all_gather", "all_to_all",
           "send_recv", "run_collective", "ring_allreduce_time", "broadcast", "reduce",
           "gather", "scatter", "barrier"]


@dataclass(frozen=True)
class Collective:
    name: str
    ranks: tuple[int, ...]          # endpoint ids, in rank order
    nbytes: float                   # per-rank buffer size
    busbw_factor: float
    workload: Workload


@dataclass(frozen=True)
class CollectiveResult:
    name: str
    model: str
    ranks: int
    nbytes: float
    time: float                     # s
    algbw: float                    # bytes/s
    busbw: float                    # bytes/s
    run: RunResult

    def row(self) -> str:
        return (f"{self.name:<20} {self.model:<7} p={self.ranks:<4} {self.nbytes:>12.0f} B "
                f"{self.time * 1e6:>11.3f} us  algbw {self.algbw / 1e9:8.3f} GB/s  "
                f"busbw {self.busbw / 1e9:8.3f} GB/s")


def run_collective(model: LinkModel, topology: Topology, coll: Collective) -> CollectiveResult:
    run = model.run(topology, coll.workload)
    time = run.makespan
    algbw = coll.nbytes / time if time > 0 else float("inf")
    return CollectiveResult(coll.name, model.name, len(coll.ranks), coll.nbytes, time, algbw,
                            algbw * coll.busbw_factor, run)


def ring_allreduce_time(p: int, nbytes: float, alpha: float, bandwidth: float) -> float:
    """Closed form 2(p−1)α + 2n(p−1)/p·β of ring all-reduce (β = 1/bandwidth)."""
    return 2 * (p - 1) * alpha + 2 * nbytes * (p - 1) / p / bandwidth


def _ranks(ranks: int | Sequence[int], least: int = 1) -> tuple[int, ...]:
    ranks = tuple(range(ranks)) if isinstance(ranks, int) else tuple(int(r) for r in ranks)
    if len(ranks) < least or len(set(ranks)) != len(ranks):
        raise NetworkError(f"a collective needs at least {least} distinct ranks, got {ranks}")
    return ranks


def _ring_steps(w: Workload, ranks: tuple[int, ...], chunk: float, steps: int, tag: str) -> None:
    """`steps` rounds of every rank sending one chunk to its ring successor."""
    p = len(ranks)
    prev: list[int | None] = [None] * p
    for s in range(steps):
        prev = [w.send(ranks[i], ranks[(i + 1) % p], chunk,
                       deps=(prev[(i - 1) % p], prev[i]), tag=f"{tag}{s}") for i in range(p)]


def ring_allreduce(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Reduce-scatter then all-gather around a ring: 2(p−1) steps of nbytes/p."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    _ring_steps(w, ranks, nbytes / len(ranks), 2 * (len(ranks) - 1), "ring")
    return Collective("ring_allreduce", ranks, nbytes, _ar_factor(ranks), w)


def reduce_scatter(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Ring reduce-scatter: p−1 steps of nbytes/p."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    _ring_steps(w, ranks, nbytes / len(ranks), len(ranks) - 1, "rs")
    return Collective("reduce_scatter", ranks, nbytes, _rs_factor(ranks), w)


def all_gather(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Ring all-gather of an nbytes output: p−1 steps of nbytes/p."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    _ring_steps(w, ranks, nbytes / len(ranks), len(ranks) - 1, "ag")
    return Collective("all_gather", ranks, nbytes, _rs_factor(ranks), w)


def all_to_all(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Every rank sends nbytes/p to every other rank, all at once."""
    ranks = _ranks(ranks, 2)
    p = len(ranks)
    w = Workload()
    for i in range(p):
        for k in range(1, p):
            w.send(ranks[i], ranks[(i + k) % p], nbytes / p, tag="a2a")
    return Collective("all_to_all", ranks, nbytes, _rs_factor(ranks), w)


def broadcast(ranks: int | Sequence[int], nbytes: float, chunks: int = 8) -> Collective:
    """NCCL-style pipelined chain from ranks[0] (the root): the buffer in `chunks` pieces,
    each forwarded along ranks[0] → ranks[1] → … as soon as it has arrived, so the time is
    about (p − 2 + chunks) chunk times rather than (p − 1) buffer times."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    _chain(w, ranks, nbytes / chunks, chunks, "bcast")
    return Collective("broadcast", ranks, nbytes, 1.0, w)


def reduce(ranks: int | Sequence[int], nbytes: float, chunks: int = 8) -> Collective:
    """The mirror of `broadcast`: partial sums flow down the chain to ranks[0] (the root)."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    _chain(w, ranks[1:] + ranks[:1], nbytes / chunks, chunks, "reduce")
    return Collective("reduce", ranks, nbytes, 1.0, w)


def _chain(w: Workload, order: tuple[int, ...], size: float, chunks: int, tag: str) -> None:
    """Chunk c leaves position i once it has come in from i−1 and chunk c−1 has left i."""
    hops = [(order[i], order[i + 1]) for i in range(len(order) - 1)]
    prev: list[int | None] = [None] * len(hops)
    for c in range(chunks):
        came: int | None = None
        for h, (a, b) in enumerate(hops):
            came = prev[h] = w.send(a, b, size, deps=(came, prev[h]), tag=f"{tag}{c}")


def gather(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Every rank sends its nbytes/p piece of the nbytes output to ranks[0], all at once."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    for r in ranks[1:]:
        w.send(r, ranks[0], nbytes / len(ranks), tag="gather")
    return Collective("gather", ranks, nbytes, _rs_factor(ranks), w)


def scatter(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """ranks[0] sends each rank its nbytes/p piece of the nbytes input, all at once."""
    ranks = _ranks(ranks, 2)
    w = Workload()
    for r in ranks[1:]:
        w.send(ranks[0], r, nbytes / len(ranks), tag="scatter")
    return Collective("scatter", ranks, nbytes, _rs_factor(ranks), w)


BARRIER_BYTES = 8.0     # a barrier's flag: latency-bound, but not a zero-byte message


def barrier(ranks: int | Sequence[int], nbytes: float = 0.0) -> Collective:
    """Dissemination barrier: ⌈log2 p⌉ rounds, in round k rank i signals rank i + 2^k after
    it has heard from rank i − 2^(k−1). `nbytes` is ignored (Chakra gives 0)."""
    ranks = _ranks(ranks, 2)
    p = len(ranks)
    w = Workload()
    heard: list[int | None] = [None] * p
    distance = 1
    while distance < p:
        step = [w.send(ranks[i], ranks[(i + distance) % p], BARRIER_BYTES,
                       deps=(heard[i],), tag="barrier") for i in range(p)]
        heard = [step[(i - distance) % p] for i in range(p)]
        distance *= 2
    return Collective("barrier", ranks, 0.0, 0.0, w)


def send_recv(src: int, dst: int, nbytes: float) -> Collective:
    w = Workload()
    w.send(src, dst, nbytes, tag="p2p")
    return Collective("send_recv", (src, dst), nbytes, 1.0, w)


def halving_doubling_allreduce(ranks: int | Sequence[int], nbytes: float) -> Collective:
    """Rabenseifner: reduce-scatter by recursive halving, all-gather by recursive doubling."""
    ranks = _ranks(ranks, 2)
    p = len(ranks)
    if p & (p - 1):
        raise NetworkError(f"halving-doubling needs a power-of-two rank count, got {p}",
                           "use ring_allreduce or tree_allreduce for other counts")
    k = p.bit_length() - 1
    w = Workload()
    sent: list[int | None] = [None] * p           # each rank's last send
    recv: list[int | None] = [None] * p           # the last message each rank received
    plan = [(p >> (j + 1), nbytes / (2 << j), "rs") for j in range(k)]
    plan += [(1 << j, nbytes / p * (1 << j), "ag") for j in range(k)]
    for distance, size, tag in plan:
        step = [w.send(ranks[i], ranks[i ^ distance], size, deps=(recv[i], sent[i]), tag=tag)
                for i in range(p)]
        sent = step
        recv = [step[i ^ distance] for i in range(p)]
    return Collective("halving_doubling", ranks, nbytes, _ar_factor(ranks), w)


def tree_allreduce(ranks: int | Sequence[int], nbytes: float, chunks: int = 8) -> Collective:
    """NCCL-style double binary tree: two complementary trees, each reducing then
    broadcasting half of the data, pipelined in `chunks` pieces.

    Tree 1 is a binary heap over the rank order; tree 2 is the same shape over the reversed
    order, so most interior ranks of one tree are leaves of the other.
    """
    ranks = _ranks(ranks, 2)
    if chunks < 1:
        raise NetworkError(f"tree_allreduce needs at least one chunk, got {chunks}")
    w = Workload()
    for order in (ranks, ranks[::-1]):
        _tree(w, order, nbytes / 2 / chunks, chunks)
    return Collective("tree_allreduce", ranks, nbytes, _ar_factor(ranks), w)


def _tree(w: Workload, order: tuple[int, ...], size: float, chunks: int) -> None:
    p = len(order)
    children = [[c for c in (2 * i + 1, 2 * i + 2) if c < p] for i in range(p)]
    up: dict[tuple[int, int], int] = {}           # (position, chunk) -> send to parent
    down: dict[tuple[int, int, int], int] = {}    # (position, child, chunk) -> send to child
    post_order = sorted(range(p), reverse=True)   # children have larger positions
    for c in range(chunks):
        for i in post_order[:-1]:
            deps = [up[(ch, c)] for ch in children[i]] + [up.get((i, c - 1))]
            up[(i, c)] = w.send(order[i], order[(i - 1) // 2], size, deps=deps, tag="up")
    for c in range(chunks):
        for i in range(p):
            got = [up[(ch, c)] for ch in children[i]] if i == 0 else [down[(
                (i - 1) // 2, i, c)]]
            for ch in children[i]:
                down[(i, ch, c)] = w.send(order[i], order[ch], size,
                                          deps=got + [down.get((i, ch, c - 1))], tag="down")


def _ar_factor(ranks: tuple[int, ...]) -> float:
    return 2 * (len(ranks) - 1) / len(ranks)


def _rs_factor(ranks: tuple[int, ...]) -> float:
    return (len(ranks) - 1) / len(ranks)
