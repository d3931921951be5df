/* npu_stream.h — NPU command streams encoded once into memory and pushed from there.
 *
 * npu_gemm.h encodes every command as it pushes it (~140 host instructions a command with
 * its loop and tile arithmetic), which at DIM=8 costs the host more cycles than the NPU
 * takes to run the command. A program that repeats the same work (a layer applied to many
 * batches, a GEMM on fresh inputs in the same buffers) encodes its commands once into an
 * array and pushes them from there: four loads and four stores a command, so the NPU, not
 * the host, sets the pace and the host waits at WAIT.
 *
 * stream_gemm() records the commands of a tiled GEMM with explicit row strides (lda, ldb,
 * ldc: rows further apart than a DRAM row make every MVIN row a row miss) in output blocks
 * of up to bm x bn tiles; stream_push() pushes a recorded range. */
#ifndef NPU_STREAM_H
#define NPU_STREAM_H

#include <stdint.h>
#include "npu.h"

#define S_DIM NPU_DIM

struct stream {
    uint32_t (*cmd)[NPU_CMD_WORDS];     /* room for `cap` commands */
    uint32_t n, cap;
    uint32_t ld_stride;                 /* the load stride the recorded commands leave set (0: none yet) */
};

struct sgemm {
    const int8_t *a, *b;
    int8_t *c;
    uint32_t rows, depth, cols;         /* M, K, N */
    uint32_t lda, ldb, ldc;             /* bytes between rows of A, B and C */
    uint32_t shift, relu;
    uint32_t bm, bn;                    /* tiles per output block along M and N */
};

static inline uint32_t *stream_next(struct stream *s)
{
    if (s->n >= s->cap)
        return 0;
    return s->cmd[s->n++];
}

/* Record CONFIG_LD(stride) unless the load stride is already set to it (a stream replayed
 * from its start must then begin with a CONFIG_LD: stream_gemm_block records one for block 0). */
static inline int stream_config_ld(struct stream *s, uint32_t stride)
{
    uint32_t *w;
    if (s->ld_stride == stride)
        return 0;
    if (!(w = stream_next(s)))
        return -1;
    npu_encode_CONFIG_LD(w, stride);
    s->ld_stride = stride;
    return 0;
}

static inline uint32_t s_tiles(uint32_t n) { return (n + S_DIM - 1) / S_DIM; }
static inline uint32_t s_edge(uint32_t n, uint32_t t) { return n - t * S_DIM < S_DIM ? n - t * S_DIM : S_DIM; }

static inline uint32_t sgemm_blocks(const struct sgemm *g)
{
    return ((s_tiles(g->rows) + g->bm - 1) / g->bm) * ((s_tiles(g->cols) + g->bn - 1) / g->bn);
}

/* Record block b of g (its loads, computes and stores) and return 0, or -1 if s is full. The
 * scratchpad and accumulator halves alternate as in npu_gemm.h. */
static inline int stream_gemm_block(struct stream *s, const struct sgemm *g, uint32_t b)
{
    uint32_t mblocks = (s_tiles(g->rows) + g->bm - 1) / g->bm;
    uint32_t mt0 = (b % mblocks) * g->bm, nt0 = (b / mblocks) * g->bn;
    uint32_t mts = s_tiles(g->rows) - mt0 < g->bm ? s_tiles(g->rows) - mt0 : g->bm;
    uint32_t nts = s_tiles(g->cols) - nt0 < g->bn ? s_tiles(g->cols) - nt0 : g->bn;
    uint32_t acc = (b % 2) * (NPU_ACC_ROWS / 2), half = NPU_SP_ROWS / 2, *w;
    if (b == 0) {
        if (!(w = stream_next(s))) return -1;
        npu_encode_CONFIG_ST(w, g->shift, g->relu, g->ldc);
        s->ld_stride = 0;
    }
    for (uint32_t kt = 0; kt < s_tiles(g->depth); kt++) {
        uint32_t sp = ((b * s_tiles(g->depth) + kt) % 2) * half, kn = s_edge(g->depth, kt);
        if (stream_config_ld(s, g->lda) < 0) return -1;
        for (uint32_t i = 0; i < mts; i++) {
            if (!(w = stream_next(s))) return -1;
            npu_encode_MVIN(w, s_edge(g->rows, mt0 + i), kn, sp + i * S_DIM,
                            npu_addr(g->a + (mt0 + i) * S_DIM * g->lda + kt * S_DIM));
        }
        if (stream_config_ld(s, g->ldb) < 0) return -1;
        for (uint32_t j = 0; j < nts; j++) {
            if (!(w = stream_next(s))) return -1;
            npu_encode_MVIN(w, kn, s_edge(g->cols, nt0 + j), sp + (mts + j) * S_DIM,
                            npu_addr(g->b + kt * S_DIM * g->ldb + (nt0 + j) * S_DIM));
        }
        for (uint32_t j = 0; j < nts; j++) {
            if (!(w = stream_next(s))) return -1;
            npu_encode_PRELOAD(w, kn, sp + (mts + j) * S_DIM);
            for (uint32_t i = 0; i < mts; i++) {
                if (!(w = stream_next(s))) return -1;
                npu_encode_COMPUTE(w, s_edge(g->rows, mt0 + i), kt > 0, sp + i * S_DIM, acc + (i * nts + j) * S_DIM);
            }
        }
    }
    for (uint32_t i = 0; i < mts; i++)
        for (uint32_t j = 0; j < nts; j++) {
            if (!(w = stream_next(s))) return -1;
            npu_encode_MVOUT(w, s_edge(g->rows, mt0 + i), s_edge(g->cols, nt0 + j), acc + (i * nts + j) * S_DIM,
                             npu_addr(g->c + (mt0 + i) * S_DIM * g->ldc + (nt0 + j) * S_DIM));
        }
    return 0;
}

/* Push recorded commands [from, to): four loads and four stores each, the last store rings. */
static inline void stream_push(const struct stream *s, uint32_t from, uint32_t to)
{
    volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)NPU_REG_CMD(0);
    NPU_BARRIER();
    for (uint32_t i = from; i < to; i++) {
        const uint32_t *w = s->cmd[i];
        reg[0] = w[0];
        reg[1] = w[1];
        reg[2] = w[2];
        reg[3] = w[3];
    }
}

/* The host's reference of output (m, n), as the NPU computes it. */
static inline int8_t sgemm_reference(const struct sgemm *g, uint32_t m, uint32_t n)
{
    int32_t acc = 0;
    for (uint32_t k = 0; k < g->depth; k++)
        acc += (int32_t)g->a[m * g->lda + k] * (int32_t)g->b[k * g->ldb + n];
    int64_t v = acc;
    if (g->shift > 0)
        v = (v + ((int64_t)1 << (g->shift - 1))) >> g->shift;
    if (g->relu && v < 0)
        v = 0;
    return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

#endif
