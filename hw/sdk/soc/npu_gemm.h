/* npu_gemm.h — a tiled int8 GEMM on the NPU, driven by the host through the generated npu.h.
 *
 *   C[M,N] = sat8(relu?(round_shift(A[M,K] @ B[K,N], shift)))   (A, B, C int8, row-major)
 *
 * The output is cut into blocks of up to BLOCK_M x BLOCK_N tiles (DIM x DIM each), the
 * accumulator into two halves (block b uses half b % 2), the scratchpad into two halves
 * (K step s uses half s % 2): the NPU's load unit fills one half while its execute unit
 * works on the other, and the store unit drains one accumulator half while the next
 * block accumulates in the other. Edge tiles (M, K or N not multiples of DIM) use the
 * commands' row and column counts, which zero the rest of a tile.
 *
 * npu_gemm_block() pushes one block's commands and returns at once: the host can work
 * while the NPU computes, then npu_wait() before it reads the block's output. */
#ifndef NPU_GEMM_H
#define NPU_GEMM_H

#include <stdint.h>
#include "npu.h"

#define DIM NPU_DIM
#define SP_HALF (NPU_SP_ROWS / 2)
#define ACC_HALF (NPU_ACC_ROWS / 2)
#ifndef BLOCK_M
#define BLOCK_M 8                       /* tiles per block along M ... */
#endif
#ifndef BLOCK_N
#define BLOCK_N 8                       /* ... and along N: BLOCK_M * BLOCK_N * DIM <= ACC_HALF */
#endif
#if BLOCK_M * BLOCK_N * DIM > ACC_HALF || (BLOCK_M + BLOCK_N) * DIM > SP_HALF
#error "a block of BLOCK_M x BLOCK_N tiles does not fit half of the accumulator or scratchpad"
#endif

struct gemm {
    const int8_t *a, *b;
    int8_t *c;
    uint32_t rows, depth, cols;        /* M, K, N */
    uint32_t shift, relu;
};

static inline uint32_t tiles(uint32_t n) { return (n + DIM - 1) / DIM; }
static inline uint32_t edge(uint32_t n, uint32_t t) { return n - t * DIM < DIM ? n - t * DIM : DIM; }

/* Number of output blocks of g and the tile ranges of block b. */
static inline uint32_t gemm_blocks(const struct gemm *g)
{
    return ((tiles(g->rows) + BLOCK_M - 1) / BLOCK_M) * ((tiles(g->cols) + BLOCK_N - 1) / BLOCK_N);
}

static inline void gemm_block_tiles(const struct gemm *g, uint32_t b, uint32_t *mt0, uint32_t *mts,
                                    uint32_t *nt0, uint32_t *nts)
{
    uint32_t mblocks = (tiles(g->rows) + BLOCK_M - 1) / BLOCK_M;
    *mt0 = (b % mblocks) * BLOCK_M;
    *nt0 = (b / mblocks) * BLOCK_N;
    *mts = tiles(g->rows) - *mt0 < BLOCK_M ? tiles(g->rows) - *mt0 : BLOCK_M;
    *nts = tiles(g->cols) - *nt0 < BLOCK_N ? tiles(g->cols) - *nt0 : BLOCK_N;
}

/* Set the store unit's stride, shift and ReLU for g (once per GEMM). */
static inline void npu_gemm_begin(const struct gemm *g)
{
    npu_CONFIG_ST(g->shift, g->relu, g->cols);
}

/* Push the commands of output block b: every K step's loads and computes, then the stores. */
static inline void npu_gemm_block(const struct gemm *g, uint32_t b)
{
    uint32_t mt0, mts, nt0, nts;
    gemm_block_tiles(g, b, &mt0, &mts, &nt0, &nts);
    uint32_t acc = (b % 2) * ACC_HALF;
    for (uint32_t kt = 0; kt < tiles(g->depth); kt++) {
        uint32_t sp = ((b * tiles(g->depth) + kt) % 2) * SP_HALF, kn = edge(g->depth, kt);
        npu_CONFIG_LD(g->depth);
        for (uint32_t i = 0; i < mts; i++)
            npu_MVIN(edge(g->rows, mt0 + i), kn, sp + i * DIM,
                     npu_addr(g->a + (mt0 + i) * DIM * g->depth + kt * DIM));
        npu_CONFIG_LD(g->cols);
        for (uint32_t j = 0; j < nts; j++)
            npu_MVIN(kn, edge(g->cols, nt0 + j), sp + (mts + j) * DIM,
                     npu_addr(g->b + kt * DIM * g->cols + (nt0 + j) * DIM));
        for (uint32_t j = 0; j < nts; j++) {
            npu_PRELOAD(kn, sp + (mts + j) * DIM);
            for (uint32_t i = 0; i < mts; i++)
                npu_COMPUTE(edge(g->rows, mt0 + i), kt > 0, sp + i * DIM, acc + (i * nts + j) * DIM);
        }
    }
    for (uint32_t i = 0; i < mts; i++)
        for (uint32_t j = 0; j < nts; j++)
            npu_MVOUT(edge(g->rows, mt0 + i), edge(g->cols, nt0 + j), acc + (i * nts + j) * DIM,
                      npu_addr(g->c + (mt0 + i) * DIM * g->cols + (nt0 + j) * DIM));
}

/* The host's reference of one output element, as the NPU computes it. */
static inline int8_t gemm_reference(const struct gemm *g, uint32_t m, uint32_t n)
{
    int32_t s = 0;
    for (uint32_t k = 0; k < g->depth; k++)
        s += (int32_t)g->a[m * g->depth + k] * (int32_t)g->b[k * g->cols + n];
    int64_t v = s;
    if (g->shift > 0)
        v = (v + ((int64_t)1 << (g->shift - 1))) >> g->shift;
    if (g->relu && v < 0)
        v = 0;
    return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

#endif
