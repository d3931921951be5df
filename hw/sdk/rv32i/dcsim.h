/* dcsim.h — the system calls of the dcsim RV32I host environment, for programs built with
 * this kit (hw/sdk/rv32i). Nothing else is needed: no C library, no extra object file.
 *
 * The functional model (fastforward/riscv.py) and the RTL runs (`dcsim rtl`, `dcsim sample`)
 * service ECALL like a tiny proxy kernel: a7 holds the system call number, a0..a2 the
 * arguments, a0 the result.
 *     a7 = 64  write(fd, buf, len)  fd 1 (stdout) or 2 (stderr); returns len, or -errno
 *     a7 = 93  exit(code)           ends the run; the code is a0 as a signed 32-bit number
 * Any other number returns -38 (ENOSYS). Returning from main() also exits (crt0.S passes
 * main's return value to exit). */
#ifndef DCSIM_H
#define DCSIM_H

#define DCSIM_SYS_WRITE 64
#define DCSIM_SYS_EXIT  93

static inline long dcsim_syscall3(long number, long a, long b, long c)
{
    register long a0 asm("a0") = a;
    register long a1 asm("a1") = b;
    register long a2 asm("a2") = c;
    register long a7 asm("a7") = number;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

/* Write `len` bytes of `buf` to fd 1 (stdout) or 2 (stderr); returns len or a negative errno. */
static inline long write(int fd, const void *buf, __SIZE_TYPE__ len)
{
    return dcsim_syscall3(DCSIM_SYS_WRITE, fd, (long)buf, (long)len);
}

/* End the program with exit code `code` (what `dcsim run` reports and exits with). */
static inline __attribute__((noreturn)) void exit(int code)
{
    dcsim_syscall3(DCSIM_SYS_EXIT, code, 0, 0);
    for (;;)
        ;
}

/* The HTIF word (riscv-tests convention) crt0.S defines: storing (code << 1) | 1 also exits. */
extern volatile unsigned long long tohost;

#endif
