/* Recursive quicksort (Hoare partition, median of three) of N pseudo-random ints, ROUNDS
   times over fresh data; prints a checksum of the sorted result. */
#include "runtime.h"

#ifndef N
#define N 20000
#endif
#ifndef ROUNDS
#define ROUNDS 200
#endif
static int data[N];
static uint32_t seed = 12345;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed ^ (seed >> 15);
}

static void quicksort(int *a, int lo, int hi)
{
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int x = a[lo], y = a[mid], z = a[hi];
        int pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j)
                break;
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
        if (j - lo < hi - j - 1) {           /* recurse into the smaller side */
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
}

int main(void)
{
    uint32_t checksum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            data[i] = (int)rnd();
        quicksort(data, 0, N - 1);
        for (int i = 0; i + 1 < N; i++)
            if (data[i] > data[i + 1]) {
                puts("not sorted");
                return 1;
            }
        for (int i = 0; i < N; i += 97)
            checksum = checksum * 31u + (uint32_t)data[i];
    }
    print_str("qsort=");
    print_hex(checksum);
    putchar('\n');
    return 0;
}
