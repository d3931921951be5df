/* race.c — a deliberate race for tests/test_system_rtl.py: the host writes a byte of the
 * buffer a pushed MVOUT writes, before it waits for the NPU. The functional model (an
 * instantaneous NPU) ends with the host's byte; on RTL the NPU is still busy, and the system
 * reports the race at the byte's address (printed first). */
#include "printf.h"
#include "npu.h"

static volatile int8_t out[NPU_DIM * NPU_DIM];

int main(void)
{
    printf("%x\n", (unsigned)(uintptr_t)&out[3]);
    for (int i = 0; i < NPU_DIM * NPU_DIM; i++)
        out[i] = 0x55;                           /* MVOUT of the empty accumulator writes zeros */
    npu_CONFIG_ST(0, 0, NPU_DIM);
    npu_MVOUT(NPU_DIM, NPU_DIM, 0, npu_addr(out));
    out[3] = 7;                                  /* the race: no npu_wait() before this store */
    npu_wait();
    return 0;
}
