#include "runtime.h"

long sys_write(int fd, const void *buf, size_t len)
{
    register long a0 asm("a0") = fd;
    register long a1 asm("a1") = (long)buf;
    register long a2 asm("a2") = (long)len;
    register long a7 asm("a7") = 64;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

int putchar(int c)
{
    char ch = (char)c;
    sys_write(1, &ch, 1);
    return (unsigned char)c;
}

void print_str(const char *s) { sys_write(1, s, strlen(s)); }

int puts(const char *s)
{
    print_str(s);
    putchar('\n');
    return 0;
}

void print_uint(unsigned v)
{
    char buf[12];
    int i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sys_write(1, buf + i, sizeof buf - i);
}

void print_int(int v)
{
    if (v < 0) {
        putchar('-');
        print_uint(0u - (unsigned)v);
    } else {
        print_uint((unsigned)v);
    }
}

void print_hex(unsigned v)
{
    char buf[10];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; i++)
        buf[9 - i] = "0123456789abcdef"[(v >> (4 * i)) & 15];
    sys_write(1, buf, sizeof buf);
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) {
        while (n--)
            *p++ = *q++;
    } else {
        while (n--)
            p[n] = q[n];
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}
