/* mlp.c — a multi-layer perceptron on the NPU: int8 layers with ReLU between them, each
 * layer's output the next one's input in shared memory, checked by the host.
 *
 * Compile-time knobs (-D): BATCH (default 64), the layer widths D0..D3 (default
 * 128, 256, 128, 64), SHIFT (default 10), CHECK (1: the host checks every row of every layer;
 * n > 1: every n-th row, whole, as a row depends only on the same row of the layer before).
 * All layers are pushed at once (the NPU orders a layer's loads after the stores of the one
 * before); the host computes the references from its own reference input meanwhile, so a
 * wrong layer is found at that layer; then it waits and compares. Exit code 0, or
 * 1000000 * (layer + 1) + the index of the first wrong output. */
#include "printf.h"
#include "npu_gemm.h"

#ifndef BATCH
#define BATCH 64
#endif
#ifndef D0
#define D0 128
#endif
#ifndef D1
#define D1 256
#endif
#ifndef D2
#define D2 128
#endif
#ifndef D3
#define D3 64
#endif
#ifndef SHIFT
#define SHIFT 10
#endif
#ifndef CHECK
#define CHECK 1
#endif

#define LAYERS 3
static const uint32_t dims[LAYERS + 1] = {D0, D1, D2, D3};
static int8_t W0[D0 * D1], W1[D1 * D2], W2[D2 * D3];
static int8_t X[BATCH * D0], H1[BATCH * D1], H2[BATCH * D2], Y[BATCH * D3];
static int8_t R1[BATCH * D1], R2[BATCH * D2], R3[BATCH * D3];
static uint32_t seed = 2024;

static int8_t next_value(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (int8_t)(seed >> 24);
}

int main(void)
{
    int8_t *weights[LAYERS] = {W0, W1, W2};
    int8_t *outputs[LAYERS] = {H1, H2, Y};
    int8_t *expect[LAYERS] = {R1, R2, R3};
    const int8_t *ref_in[LAYERS] = {X, R1, R2};
    const int8_t *npu_in[LAYERS] = {X, H1, H2};
    for (uint32_t i = 0; i < BATCH * D0; i++)
        X[i] = next_value();
    for (int l = 0; l < LAYERS; l++)
        for (uint32_t i = 0; i < dims[l] * dims[l + 1]; i++)
            weights[l][i] = next_value();
    struct gemm npu[LAYERS], ref[LAYERS];
    for (int l = 0; l < LAYERS; l++) {
        uint32_t relu = l + 1 < LAYERS;         /* ReLU between layers, none after the last */
        npu[l] = (struct gemm){npu_in[l], weights[l], outputs[l], BATCH, dims[l], dims[l + 1], SHIFT, relu};
        ref[l] = (struct gemm){ref_in[l], weights[l], expect[l], BATCH, dims[l], dims[l + 1], SHIFT, relu};
    }
    uint32_t checked = 0;
    for (int l = 0; l < LAYERS; l++) {          /* all layers are pushed at once: the NPU orders them */
        npu_gemm_begin(&npu[l]);
        for (uint32_t b = 0; b < gemm_blocks(&npu[l]); b++)
            npu_gemm_block(&npu[l], b);
    }
    for (int l = 0; l < LAYERS; l++)            /* the host's reference, while the NPU runs */
        for (uint32_t m = 0; m < BATCH; m += CHECK)
            for (uint32_t n = 0; n < dims[l + 1]; n++) {
                expect[l][m * dims[l + 1] + n] = gemm_reference(&ref[l], m, n);
                checked++;
            }
    npu_wait();
    for (int l = 0; l < LAYERS; l++)
        for (uint32_t m = 0; m < BATCH; m += CHECK)
            for (uint32_t n = 0; n < dims[l + 1]; n++) {
                uint32_t i = m * dims[l + 1] + n;
                if (outputs[l][i] != expect[l][i]) {
                    printf("layer %d: out[%u][%u] = %d, expected %d\n", l, m, n, outputs[l][i], expect[l][i]);
                    return 1000000 * (l + 1) + (int)i;
                }
            }
    printf("mlp %u-%u-%u-%u, batch %u, int8 on the NPU: %u outputs checked: ok\n", D0, D1, D2, D3, BATCH, checked);
    return 0;
}
