/* Integer matrix multiply C = A * B (N x N, int32, wrapping), ROUNDS times with A changing;
   rv32i has no multiply instruction, so the products are libgcc's __mulsi3 calls (rv32im:
   mul). Prints a checksum of C. */
#include "runtime.h"

#ifndef N
#define N 64
#endif
#ifndef ROUNDS
#define ROUNDS 60
#endif
static int A[N][N], B[N][N], C[N][N];

int main(void)
{
    uint32_t seed = 7, checksum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            seed = seed * 1103515245u + 12345u;
            A[i][j] = (int)(seed >> 20) - 2048;
            seed = seed * 1103515245u + 12345u;
            B[i][j] = (int)(seed >> 20) - 2048;
        }
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int s = 0;
                for (int k = 0; k < N; k++)
                    s += A[i][k] * B[k][j];
                C[i][j] = s;
            }
        for (int i = 0; i < N; i++) {
            A[i][r % N] ^= C[i][(r * 7) % N];
            checksum = checksum * 31u + (uint32_t)C[i][i];
        }
    }
    print_str("matmul=");
    print_hex(checksum);
    putchar('\n');
    return 0;
}
