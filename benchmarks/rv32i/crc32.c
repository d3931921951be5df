/* CRC-32 (bitwise, reflected 0xEDB88320) over a pseudo-random buffer, ROUNDS times:
   about 70 instructions per byte at -O2 on rv32i. */
#include "runtime.h"

#ifndef BYTES
#define BYTES 4096
#endif
#ifndef ROUNDS
#define ROUNDS 3500
#endif
static uint8_t buf[BYTES];

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

int main(void)
{
    uint32_t seed = 1;
    for (int i = 0; i < BYTES; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
    uint32_t crc = 0;
    for (int r = 0; r < ROUNDS; r++)
        crc = crc32(crc, buf, BYTES);
    print_str("crc32=");
    print_hex(crc);
    putchar('\n');
    return 0;
}
