/* gemm.c — an int8 GEMM on the NPU, checked by the host against its own reference.
 *
 *   dcsim sdk hw/soc.yaml --source hw/sdk/soc/gemm.c -o gemm.elf   (the compile command)
 *   dcsim run hw/soc.yaml --program gemm.elf
 *
 * Compile-time knobs (-D): M, K, N (default 128 each), SHIFT (MVOUT's rounding shift,
 * default 10), CHECK (1: the host recomputes every output; n > 1: every n-th row and
 * column, so the NPU's work dominates). The host computes the reference of block b while
 * the NPU computes it, then waits, pushes block b+1 and compares block b while the NPU
 * works on b+1. Exit code 0, or 1 + the index of the first wrong output. */
#include "printf.h"
#include "npu_gemm.h"

#ifndef M
#define M 128
#endif
#ifndef K
#define K 128
#endif
#ifndef N
#define N 128
#endif
#ifndef SHIFT
#define SHIFT 10
#endif
#ifndef CHECK
#define CHECK 1
#endif

static int8_t A[M * K], B[K * N], C[M * N], R[M * N];
static uint32_t seed = 12345;

static int8_t next_value(void)
{
    seed = seed * 1664525u + 1013904223u;      /* Numerical Recipes' LCG: the top byte as int8 */
    return (int8_t)(seed >> 24);
}

/* Reference of block b's checked outputs into R; returns how many. */
static uint32_t reference(const struct gemm *g, uint32_t b)
{
    uint32_t mt0, mts, nt0, nts, n = 0;
    gemm_block_tiles(g, b, &mt0, &mts, &nt0, &nts);
    for (uint32_t m = mt0 * DIM; m < M && m < (mt0 + mts) * DIM; m++)
        for (uint32_t c = nt0 * DIM; c < N && c < (nt0 + nts) * DIM; c++)
            if (m % CHECK == 0 && c % CHECK == 0) {
                R[m * N + c] = gemm_reference(g, m, c);
                n++;
            }
    return n;
}

/* Index of the first checked output of block b that differs, or -1. */
static int compare(const struct gemm *g, uint32_t b)
{
    uint32_t mt0, mts, nt0, nts;
    gemm_block_tiles(g, b, &mt0, &mts, &nt0, &nts);
    for (uint32_t m = mt0 * DIM; m < M && m < (mt0 + mts) * DIM; m++)
        for (uint32_t c = nt0 * DIM; c < N && c < (nt0 + nts) * DIM; c++)
            if (m % CHECK == 0 && c % CHECK == 0 && C[m * N + c] != R[m * N + c]) {
                printf("C[%u][%u] = %d, expected %d\n", m, c, C[m * N + c], R[m * N + c]);
                return (int)(m * N + c);
            }
    return -1;
}

int main(void)
{
    for (uint32_t i = 0; i < M * K; i++)
        A[i] = next_value();
    for (uint32_t i = 0; i < K * N; i++)
        B[i] = next_value();
    for (uint32_t i = 0; i < M * N; i++)
        C[i] = 0x5a;                            /* an output the NPU never wrote shows */
    struct gemm g = {A, B, C, M, K, N, SHIFT, 0};
    uint32_t blocks = gemm_blocks(&g), checked = 0;
    npu_gemm_begin(&g);
    npu_gemm_block(&g, 0);
    for (uint32_t b = 0; b < blocks; b++) {
        checked += reference(&g, b);            /* overlaps the NPU's work on block b */
        npu_wait();
        if (b + 1 < blocks)
            npu_gemm_block(&g, b + 1);
        int bad = compare(&g, b);               /* overlaps the NPU's work on block b + 1 */
        if (bad >= 0)
            return 1 + bad;
    }
    printf("gemm %ux%ux%u int8 on the NPU: %u blocks, %u outputs checked: ok\n", M, K, N, blocks, checked);
    return 0;
}
