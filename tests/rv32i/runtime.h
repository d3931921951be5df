/* A tiny freestanding runtime for RV32I programs: output through the write system call. */
#ifndef DCSIM_RUNTIME_H
#define DCSIM_RUNTIME_H

typedef unsigned int size_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned char uint8_t;

long sys_write(int fd, const void *buf, size_t len);
int putchar(int c);
int puts(const char *s);             /* the string and a newline */
void print_str(const char *s);       /* the string only */
void print_int(int v);               /* signed decimal */
void print_uint(unsigned v);
void print_hex(unsigned v);          /* 0x%08x */
size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

extern volatile unsigned long long tohost;
#endif
