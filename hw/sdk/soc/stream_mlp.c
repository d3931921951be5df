/* stream_mlp.c — an NPU-bound MLP over many batches: layer commands encoded once, a WAIT per layer.
 *
 *   dcsim sdk hw/soc.yaml --source hw/sdk/soc/stream_mlp.c -o stream_mlp.elf
 *
 * Three int8 layers D0 -> D1 -> D2 -> D3 (ReLU between them) on batches of BATCH rows, every
 * activation and weight row LD bytes apart (default 2048: one DRAM row each, so the NPU's loads
 * run at the miss latency), output blocks of 2 x 2 tiles. The commands of each layer are
 * encoded once (npu_stream.h). For each of ROUNDS batches the host writes a fresh input batch,
 * pushes each layer's commands from memory and waits for it (the next layer reads its output),
 * so the host is stalled at WAIT most of the time. At the end it checks rows 0, CHECK, 2*CHECK,
 * ... of every layer of the last batch against its own reference (a row depends only on the
 * same row of the layer before). Knobs (-D): BATCH (64), D0..D3 (64, 128, 64, 64), LD, ROUNDS (10),
 * CHECK (64). Exit code 0, or 1000000 * (layer + 1) + the index of the first wrong output. */
#include "printf.h"
#include "npu_stream.h"

#ifndef BATCH
#define BATCH 64
#endif
#ifndef D0
#define D0 64
#endif
#ifndef D1
#define D1 128
#endif
#ifndef D2
#define D2 64
#endif
#ifndef D3
#define D3 64
#endif
#ifndef LD
#define LD 2048
#endif
#ifndef ROUNDS
#define ROUNDS 10
#endif
#ifndef CHECK
#define CHECK 64
#endif
#define LAYERS 3
#ifndef MAXCMD
#define MAXCMD 16384   /* room for the recorded commands */
#endif
#define MAXDIM 128

static const uint32_t dims[LAYERS + 1] = {D0, D1, D2, D3};
static int8_t X[BATCH * LD] __attribute__((aligned(64))), H1[BATCH * LD], H2[BATCH * LD], Y[BATCH * LD];
static int8_t W0[D0 * LD], W1[D1 * LD], W2[D2 * LD];
static uint32_t cmds[MAXCMD][NPU_CMD_WORDS];
static uint32_t seed = 4242;

static int8_t next_value(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (int8_t)(seed >> 24);
}

int main(void)
{
    int8_t *in[LAYERS] = {X, H1, H2}, *out[LAYERS] = {H1, H2, Y}, *w[LAYERS] = {W0, W1, W2};
    for (int l = 0; l < LAYERS; l++)
        for (uint32_t k = 0; k < dims[l]; k++)
            for (uint32_t n = 0; n < dims[l + 1]; n++)
                w[l][k * LD + n] = next_value();
    struct sgemm g[LAYERS];
    struct stream s = {cmds, 0, MAXCMD, 0};
    uint32_t first[LAYERS + 1];
    for (int l = 0; l < LAYERS; l++) {
        g[l] = (struct sgemm){in[l], w[l], out[l], BATCH, dims[l], dims[l + 1], LD, LD, LD, 10, l + 1 < LAYERS, 2, 2};
        first[l] = s.n;
        for (uint32_t b = 0; b < sgemm_blocks(&g[l]); b++)
            if (stream_gemm_block(&s, &g[l], b) < 0) {
                printf("stream_mlp: more than %u commands\n", MAXCMD);
                return 2;
            }
    }
    first[LAYERS] = s.n;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (uint32_t m = 0; m < BATCH; m++)          /* a fresh batch: the host's share of the work */
            for (uint32_t k = 0; k < D0; k++)
                X[m * LD + k] = next_value();
        for (int l = 0; l < LAYERS; l++) {
            stream_push(&s, first[l], first[l + 1]);
            npu_wait();                                 /* layer l + 1 reads layer l's output */
        }
    }
    uint32_t checked = 0;
    for (int l = 0; l < LAYERS; l++)
        for (uint32_t m = 0; m < BATCH; m += CHECK)
            for (uint32_t n = 0; n < dims[l + 1]; n++, checked++) {
                int8_t want = sgemm_reference(&g[l], m, n);
                if (out[l][m * LD + n] != want) {
                    printf("layer %d: out[%u][%u] = %d, expected %d\n", l, m, n, out[l][m * LD + n], want);
                    return 1000000 * (l + 1) + (int)(m * dims[l + 1] + n);
                }
            }
    printf("stream_mlp %u-%u-%u-%u, batch %u (rows %u bytes apart), %u commands x %u batches: %u outputs "
           "checked: ok\n", D0, D1, D2, D3, BATCH, LD, s.n, ROUNDS, checked);
    return 0;
}
