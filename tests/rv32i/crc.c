/* CRC-32 (bitwise, reflected 0xEDB88320) and some string handling. */
#include "runtime.h"

static const char fox[] = "The quick brown fox jumps over the lazy dog";
static char buf[64];

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void reverse(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

int main(void)
{
    uint32_t a = crc32((const uint8_t *)fox, strlen(fox));
    uint32_t b = crc32((const uint8_t *)"123456789", 9);
    print_str("crc(fox)=");
    print_hex(a);
    putchar('\n');
    print_str("crc(123456789)=");
    print_hex(b);
    putchar('\n');
    memcpy(buf, fox, sizeof fox);
    reverse(buf);
    puts(buf);
    int vowels = 0;
    for (const char *p = fox; *p; p++)
        vowels += *p == 'a' || *p == 'e' || *p == 'i' || *p == 'o' || *p == 'u';
    print_str("vowels=");
    print_int(vowels);
    putchar('\n');
    sys_write(2, "done\n", 5);
    return (a == 0x414FA339u && b == 0xCBF43926u) ? 0 : 1;
}
