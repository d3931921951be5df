/* exo_gemm.c — the Exo-scheduled GEMM from `dcsim exo`, compiled for the host core, checked
 * by the host against its own reference.
 *
 *   dcsim exo hw/soc.yaml --kernel gemm:128,128,128 -o exo/     (Exo compiles the kernel; see exo/BUILD.txt)
 *   <the compile command in exo/BUILD.txt>                      (this file + the kernel + the runtime)
 *   dcsim run hw/soc.yaml --program exo_gemm.elf
 *
 * The kernel computes C[M,N] = sat8(A[M,K] @ B[K,N] + D[M,N]) (int8 A, B, C; int32 D); its
 * name and sizes come from the generated exo_kernel.h. The kernel pushes every command
 * through the bare-metal Exo runtime (fastforward/exo/target.py) and returns; the host
 * waits for the NPU, then recomputes every output. Exit code 0, 1 + the index of the first
 * wrong output, or 1 + M * N if the runtime reported an error (a field out of range, a
 * pointer outside the NPU's window, out of rows).
 *
 * -D EXO_ELIDE=1: the runtime drops config commands that set the value a register already
 * holds (as `KernelLibrary.run(..., elide=True)` does on the simulator). */
#include "printf.h"
#include "npu.h"
#include "exo_kernel.h"

#define M EXO_GEMM_M
#define K EXO_GEMM_K
#define N EXO_GEMM_N

static int8_t A[M * K], B[K * N], C[M * N];
static int32_t D[M * N];
static uint64_t exo_ctxt[64];              /* Exo's `void *ctxt` (configuration state): zeroed */
static uint32_t seed = 12345;

static uint32_t next_random(void)
{
    seed = seed * 1664525u + 1013904223u;  /* Numerical Recipes' LCG */
    return seed;
}

static int8_t reference(uint32_t m, uint32_t n)
{
    int32_t sum = D[m * N + n];
    for (uint32_t k = 0; k < K; k++)
        sum += (int32_t)A[m * K + k] * (int32_t)B[k * N + n];
    return (int8_t)(sum < -128 ? -128 : sum > 127 ? 127 : sum);
}

int main(void)
{
    /* small operands (-8..7) and bias (-64..63): the kernel does not shift, so with full-range
     * int8 nearly every output would saturate; these give a mix of saturated and exact ones */
    for (uint32_t i = 0; i < M * K; i++)
        A[i] = (int8_t)((int32_t)(next_random() >> 28) - 8);
    for (uint32_t i = 0; i < K * N; i++)
        B[i] = (int8_t)((int32_t)(next_random() >> 28) - 8);
    for (uint32_t i = 0; i < M * N; i++)
        D[i] = (int32_t)(next_random() >> 25) - 64;
    for (uint32_t i = 0; i < M * N; i++)
        C[i] = 0x5a;                                    /* an output the NPU never wrote shows */
#ifdef EXO_ELIDE
    EXO_RT_CONFIGURE(1, EXO_ELIDE);                     /* next-fit rows, config elision on or off */
#endif
    EXO_GEMM(exo_ctxt, A, B, D, C);
    npu_wait();
    if (EXO_RT_STATUS()) {
        printf("exo runtime: %s\n", EXO_RT_ERROR());
        return 1 + M * N;
    }
    for (uint32_t m = 0; m < M; m++)
        for (uint32_t n = 0; n < N; n++) {
            int8_t want = reference(m, n);
            if (C[m * N + n] != want) {
                printf("C[%u][%u] = %d, expected %d\n", m, n, C[m * N + n], want);
                return 1 + (int)(m * N + n);
            }
        }
    printf("%s (%s) %ux%ux%u int8 on the NPU: %lld commands (%lld elided), %u outputs checked: ok\n",
           EXO_GEMM_NAME, EXO_GEMM_SCHEDULE, M, K, N, (long long)EXO_RT_COUNT(), (long long)EXO_RT_ELIDED(), M * N);
    return 0;
}
