/* Fibonacci numbers and some arithmetic through libgcc (rv32i has no mul/div). */
#include "runtime.h"

static volatile int n_terms = 25;       /* volatile: keep gcc from folding the whole program */
static volatile int num = -1000000, den = 7;

static unsigned fib(int n)
{
    unsigned a = 0, b = 1;
    while (n-- > 0) {
        unsigned t = a + b;
        a = b;
        b = t;
    }
    return a;
}

int main(void)
{
    puts("fibonacci");
    unsigned sum = 0;
    int n = n_terms;
    for (int i = 0; i < n; i++) {
        unsigned f = fib(i);
        print_uint(f);
        putchar(i == n - 1 ? '\n' : ' ');
        sum += f;
    }
    print_str("sum=");
    print_uint(sum);
    putchar('\n');
    int poly = 0;
    for (int i = -n; i <= n; i++)
        poly += i * i * i - 3 * i * i + 7;
    print_str("poly=");
    print_int(poly);
    putchar('\n');
    print_str("divmod=");
    print_int(num / den);
    putchar(' ');
    print_int(num % den);
    putchar('\n');
    print_str("min=");
    print_int(-2147483647 - 1);
    putchar('\n');
    return (int)(sum % 256);
}
