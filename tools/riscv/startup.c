/* Minimal RISC-V machine-mode startup for the QEMU runs: _start sets the stack
 * and a fault trap vector, then the C reset copies .data, zeroes .bss, paints
 * the free RAM, calls board_init and exits with main's status. */
#include <stdint.h>

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;
extern int main(void);
void board_init(void);
void board_exit(int status) __attribute__((noreturn));
void riscv_reset(void) __attribute__((noreturn));
void riscv_fault(void);

__asm__(".section .text.start, \"ax\"\n"
        ".global _start\n"
        "_start:\n"
        "    la sp, __stack_top\n"
        "    la t0, riscv_fault\n"
        "    csrw mtvec, t0\n"
        "    j riscv_reset\n");

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void riscv_reset(void)
{
    uint32_t *s = &__data_load, *d = &__data_start;
    while (d < &__data_end)
        *d++ = *s++;
    for (d = &__bss_start; d < &__bss_end; d++)
        *d = 0;
    for (; d < (uint32_t *)__builtin_frame_address(0) - 16; d++)
        *d = 0xA5A5A5A5u;
    board_init();
    board_exit(main());
}

/* Until the port installs its own vector: any trap is a fault, status 255. */
__attribute__((interrupt("machine"), aligned(4))) void riscv_fault(void)
{
    board_exit(255);
}
