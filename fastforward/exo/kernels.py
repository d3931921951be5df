"""Exo-scheduled kernels for the NPU's generated library (used by tests and benchmarks).

`gemm(lib, M, K, N)`: C[M,N] = sat8(A[M,K] @ B[K,N] + D[M,N]) with int8 A, B, C and int32
D, written as a plain Exo loop nest and scheduled onto the NPU with divide_loop, stage_mem,
set_memory and replace -- the schedule the issue asks for. `DIM`-sized tiles; M, K, N must
be multiples of DIM (the full-tile instrs).

Two schedules:
  * "output-stationary" (the test's): for each DIM x DIM output tile, load its bias into
    the accumulator, walk K one tile at a time (MVIN B tile, PRELOAD, MVIN A tile, COMPUTE),
    MVOUT. B tiles are reloaded for every output tile.
  * "weight-stationary": per (N tile, K tile) the B tile is loaded and preloaded once and
    every A row tile computes against it, accumulating into a DIM-wide column block of the
    accumulator (M rows, so M <= ACC_ROWS): the hand-tiled workload's loop order.
"""
from __future__ import annotations

SCHEDULES = ("output-stationary", "weight-stationary")


def _plain_gemm(lib):
    from exo import DRAM, proc
    dcsim_min, dcsim_max = lib.dcsim_min, lib.dcsim_max       # noqa: F841 (Exo resolves them here)

    @proc
    def gemm(M: size, K: size, N: size, A: i8[M, K] @ DRAM, B: i8[K, N] @ DRAM, D: i32[M, N] @ DRAM,
             C: i8[M, N] @ DRAM):
        assert M % 8 == 0
        assert K % 8 == 0
        assert N % 8 == 0
        for io in seq(0, M / 8):
            for jo in seq(0, N / 8):
                res: i32[8, 8] @ DRAM
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        res[i, j] = D[8 * io + i, 8 * jo + j]
                for k in seq(0, K):
                    for i in seq(0, 8):
                        for j in seq(0, 8):
                            res[i, j] += A[8 * io + i, k] * B[k, 8 * jo + j]
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        C[8 * io + i, 8 * jo + j] = dcsim_min(dcsim_max(res[i, j], -128), 127)

    return gemm


def _plain_gemm_ws(lib):
    from exo import DRAM, proc
    dcsim_min, dcsim_max = lib.dcsim_min, lib.dcsim_max       # noqa: F841

    @proc
    def gemm(M: size, K: size, N: size, A: i8[M, K] @ DRAM, B: i8[K, N] @ DRAM, D: i32[M, N] @ DRAM,
             C: i8[M, N] @ DRAM):
        assert M % 8 == 0
        assert K % 8 == 0
        assert N % 8 == 0
        for jo in seq(0, N / 8):
            res: i32[M, 8] @ DRAM
            for io in seq(0, M / 8):
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        res[8 * io + i, j] = D[8 * io + i, 8 * jo + j]
            for ko in seq(0, K / 8):
                for io in seq(0, M / 8):
                    for i in seq(0, 8):
                        for j in seq(0, 8):
                            for ki in seq(0, 8):
                                res[8 * io + i, j] += A[8 * io + i, 8 * ko + ki] * B[8 * ko + ki, 8 * jo + j]
            for io in seq(0, M / 8):
                for i in seq(0, 8):
                    for j in seq(0, 8):
                        C[8 * io + i, 8 * jo + j] = dcsim_min(dcsim_max(res[8 * io + i, j], -128), 127)

    return gemm


def gemm(lib, M: int, K: int, N: int, schedule: str = "output-stationary"):
    """The scheduled Exo proc `gemm_<schedule>_<M>x<K>x<N>` (sizes fixed by partial_eval)."""
    from exo.stdlib.scheduling import rename
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}")
    for what, v in (("M", M), ("K", K), ("N", N)):
        if v <= 0 or v % 8:
            raise ValueError(f"{what}={v}: the full-tile schedule needs a positive multiple of 8")
    p = _output_stationary(lib, M, K, N) if schedule == SCHEDULES[0] else _weight_stationary(lib, M, K, N)
    return rename(p, f"gemm_{schedule.split('-')[0]}_{M}x{K}x{N}")


def _output_stationary(lib, M, K, N):
    from exo.stdlib.scheduling import (divide_loop, reorder_loops, replace_all, set_memory, simplify,
                                       stage_mem)
    p = _plain_gemm(lib).partial_eval(M, K, N)
    p = divide_loop(p, "k", 8, ["ko", "ki"], perfect=True)
    p = reorder_loops(p, "ki i")
    p = reorder_loops(p, "ki j")
    p = stage_mem(p, p.find_loop("ko").body(), "A[8*io:8*io+8, 8*ko:8*ko+8]", "a_sp")
    p = stage_mem(p, p.find_loop("ko").body(), "B[8*ko:8*ko+8, 8*jo:8*jo+8]", "b_sp")
    p = stage_mem(p, p.find_loop("ko").body()[2:], "b_sp[0:8, 0:8]", "w")
    p = simplify(p)
    for buf, mem in (("res", lib.NPU_ACC), ("a_sp", lib.NPU_SP), ("b_sp", lib.NPU_SP), ("w", lib.NPU_W)):
        p = set_memory(p, buf, mem)
    return replace_all(p, [lib.npu_mvin_acc_full, lib.npu_mvin_full, lib.npu_preload_full,
                           lib.npu_compute_full_accumulate1, lib.npu_mvout_full])


def _weight_stationary(lib, M, K, N):
    from exo.stdlib.scheduling import replace_all, set_memory, simplify, stage_mem
    p = _plain_gemm_ws(lib).partial_eval(M, K, N)
    ko = p.find_loop("ko")
    p = stage_mem(p, ko.body(), "B[8*ko:8*ko+8, 8*jo:8*jo+8]", "b_sp")
    p = stage_mem(p, p.find_loop("ko").body()[2:], "b_sp[0:8, 0:8]", "w")
    p = stage_mem(p, p.find_loop("io #1").body(), "A[8*io:8*io+8, 8*ko:8*ko+8]", "a_sp")
    p = simplify(p)
    for buf, mem in (("res", lib.NPU_ACC), ("a_sp", lib.NPU_SP), ("b_sp", lib.NPU_SP), ("w", lib.NPU_W)):
        p = set_memory(p, buf, mem)
    return replace_all(p, [lib.npu_mvin_acc_full, lib.npu_mvin_full, lib.npu_preload_full,
                           lib.npu_compute_full_accumulate1, lib.npu_mvout_full])
