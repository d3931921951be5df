/* printf.h — a small printf for programs built with this kit, on the host environment's
 * write() system call (dcsim.h). Header only, no C library needed.
 *
 * Conversions: %d %i %u %x %X %c %s %p %%, with the flags '-' and '0', a field width
 * (digits or '*'), and the length modifiers l, ll (64-bit) and h/hh (read as int). Output
 * is gathered in a buffer of 256 bytes and written when it fills, at a newline, and at
 * the end of each call, so the order of stdout and stderr lines is kept. */
#ifndef DCSIM_PRINTF_H
#define DCSIM_PRINTF_H

#include <stdarg.h>
#include "dcsim.h"

struct dcsim_out { int fd; unsigned n; int total; char buf[256]; };

static inline void dcsim_flush(struct dcsim_out *o)
{
    if (o->n)
        write(o->fd, o->buf, o->n);
    o->n = 0;
}

static inline void dcsim_putc(struct dcsim_out *o, char c)
{
    o->buf[o->n++] = c;
    o->total++;
    if (o->n == sizeof o->buf || c == '\n')
        dcsim_flush(o);
}

static inline void dcsim_pad(struct dcsim_out *o, int count, char c)
{
    while (count-- > 0)
        dcsim_putc(o, c);
}

/* An unsigned number in base 10 or 16, with sign, width, padding and justification. */
static inline void dcsim_number(struct dcsim_out *o, unsigned long long v, int negative, unsigned base,
                                int upper, int width, int zero, int left)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {                                        /* 64-bit divide: libgcc (-lgcc, as the kit links) */
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + negative;
    if (!left && !zero)
        dcsim_pad(o, width - len, ' ');
    if (negative)
        dcsim_putc(o, '-');
    if (!left && zero)
        dcsim_pad(o, width - len, '0');
    while (n)
        dcsim_putc(o, tmp[--n]);
    if (left)
        dcsim_pad(o, width - len, ' ');
}

static inline int dcsim_vfprintf(int fd, const char *fmt, va_list ap)
{
    struct dcsim_out o;             /* buf is not zeroed: that would need memset */
    o.fd = fd; o.n = 0; o.total = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') { dcsim_putc(&o, *fmt); continue; }
        int left = 0, zero = 0, width = 0, lng = 0;
        for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
            *fmt == '-' ? (left = 1) : (zero = 1);
        if (*fmt == '*') { width = va_arg(ap, int); fmt++; }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'h')
            lng += *fmt++ == 'l';
        switch (*fmt) {
        case 'd': case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            dcsim_number(&o, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0, 10, 0, width, zero, left);
            break;
        }
        case 'u': case 'x': case 'X': {
            unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            dcsim_number(&o, v, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, zero, left);
            break;
        }
        case 'p':
            dcsim_putc(&o, '0'); dcsim_putc(&o, 'x');
            dcsim_number(&o, (unsigned long)va_arg(ap, void *), 0, 16, 0, width, zero, left);
            break;
        case 'c':
            dcsim_putc(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            if (!s) s = "(null)";
            while (s[len]) len++;
            if (!left) dcsim_pad(&o, width - len, ' ');
            while (*s) dcsim_putc(&o, *s++);
            if (left) dcsim_pad(&o, width - len, ' ');
            break;
        }
        case '%':
            dcsim_putc(&o, '%');
            break;
        default:               /* an unknown conversion is printed as written */
            dcsim_putc(&o, '%');
            if (*fmt) dcsim_putc(&o, *fmt); else fmt--;
        }
    }
    dcsim_flush(&o);
    return o.total;
}

static inline int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = dcsim_vfprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

static inline int eprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = dcsim_vfprintf(2, fmt, ap);
    va_end(ap);
    return n;
}

#endif
