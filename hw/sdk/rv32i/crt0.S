/* Start-up code for RV32I programs built with this kit (hw/sdk/rv32i) on dcsim machines.
 * Sets gp and sp (sp = top of ram, __stack_top from link.ld), zeroes .bss, calls main(),
 * and passes its return value to the host with the exit system call (a7 = 93). */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  li      a0, 0
    li      a1, 0
    call    main
    li      a7, 93          /* exit(a0) */
    ecall
3:  j       3b              /* not reached */

/* HTIF words (riscv-tests convention): the simulator watches stores to tohost. */
    .section .tohost, "aw", @progbits
    .balign 8
    .globl tohost
tohost: .dword 0
    .globl fromhost
fromhost: .dword 0
