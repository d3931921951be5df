/* Ends through the HTIF tohost word instead of the exit system call. */
#include "runtime.h"

int main(void)
{
    puts("exit via tohost");
    tohost = (42 << 1) | 1;
    for (;;)
        ;
}
