/* Bubble sort of pseudo-random numbers; the exit code is a checksum of the result. */
#include "runtime.h"

#ifndef N
#define N 48
#endif
static int data[N];
static unsigned seed = 12345;

static unsigned rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        data[i] = (int)rnd() - 16384;
    for (int i = 0; i < N - 1; i++) {
        int swapped = 0;
        for (int j = 0; j < N - 1 - i; j++) {
            if (data[j] > data[j + 1]) {
                int t = data[j];
                data[j] = data[j + 1];
                data[j + 1] = t;
                swapped = 1;
            }
        }
        if (!swapped)
            break;
    }
    for (int i = 0; i < N - 1; i++)
        if (data[i] > data[i + 1]) {
            puts("not sorted");
            return 255;
        }
    unsigned checksum = 0;
    for (int i = 0; i < N; i++)
        checksum = checksum * 31u + (unsigned)data[i];
    print_str("sorted:");
    for (int i = 0; i < N; i += 8) {
        putchar(' ');
        print_int(data[i]);
    }
    putchar('\n');
    print_str("checksum=");
    print_hex(checksum);
    putchar('\n');
    return (int)(checksum & 0xff);
}
