/* stream_gemm.c — an NPU-bound GEMM: commands encoded once, pushed from memory, rows far apart.
 *
 *   dcsim sdk hw/soc.yaml --source hw/sdk/soc/stream_gemm.c -o stream_gemm.elf
 *
 * C[M,N] = A[M,K] @ B[K,N] (int8) with A's and B's rows LD bytes apart (default 2048, a DRAM
 * row: every row an MVIN reads opens a new row, so the NPU's loads run at the miss latency).
 * The commands of every output block are encoded once (npu_stream.h); then ROUNDS times the
 * host pushes each block (four loads and four stores a command) and waits for it, so the
 * NPU's work dominates and the host spends most cycles stalled at WAIT. At the end the host
 * checks every CHECK-th row and column of C against its own reference.
 * Knobs (-D): M, K, N (default 64, 64, 128), LD, BM/BN (tiles per block, default 1: loads outweigh computes),
 * ROUNDS (default 8), CHECK (default 8). Exit code 0, or 1 + the index of the first wrong output. */
#include "printf.h"
#include "npu_stream.h"

#ifndef M
#define M 64
#endif
#ifndef K
#define K 64
#endif
#ifndef N
#define N 128
#endif
#ifndef LD
#define LD 2048
#endif
#ifndef BM
#define BM 1
#endif
#ifndef BN
#define BN 1
#endif
#ifndef ROUNDS
#define ROUNDS 8
#endif
#ifndef CHECK
#define CHECK 8
#endif
#ifndef MAXCMD
#define MAXCMD 8192    /* room for the recorded commands */
#endif

static int8_t A[M * LD] __attribute__((aligned(64))), B[K * LD] __attribute__((aligned(64))), C[M * N];
static uint32_t cmds[MAXCMD][NPU_CMD_WORDS], first[MAXCMD / 4];
static uint32_t seed = 777;

static int8_t next_value(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (int8_t)(seed >> 24);
}

int main(void)
{
    for (uint32_t m = 0; m < M; m++)
        for (uint32_t k = 0; k < K; k++)
            A[m * LD + k] = next_value();
    for (uint32_t k = 0; k < K; k++)
        for (uint32_t n = 0; n < N; n++)
            B[k * LD + n] = next_value();
    struct sgemm g = {A, B, C, M, K, N, LD, LD, N, 10, 0, BM, BN};
    struct stream s = {cmds, 0, MAXCMD, 0};
    uint32_t blocks = sgemm_blocks(&g);
    for (uint32_t b = 0; b < blocks; b++) {
        first[b] = s.n;
        if (stream_gemm_block(&s, &g, b) < 0) {
            printf("stream_gemm: more than %u commands\n", MAXCMD);
            return 2;
        }
    }
    first[blocks] = s.n;
    for (uint32_t r = 0; r < ROUNDS; r++)
        for (uint32_t b = 0; b < blocks; b++) {
            stream_push(&s, first[b], first[b + 1]);
            npu_wait();
        }
    uint32_t checked = 0;
    for (uint32_t m = 0; m < M; m += CHECK)
        for (uint32_t n = 0; n < N; n += CHECK, checked++)
            if (C[m * N + n] != sgemm_reference(&g, m, n)) {
                printf("C[%u][%u] = %d, expected %d\n", m, n, C[m * N + n], sgemm_reference(&g, m, n));
                return 1 + (int)(m * N + n);
            }
    printf("stream_gemm %ux%ux%u (rows %u bytes apart), %u commands x %u rounds: %u outputs checked: ok\n",
           M, K, N, LD, s.n, ROUNDS, checked);
    return 0;
}
