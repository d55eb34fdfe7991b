/* Minimal Cortex-M startup for the QEMU runs and `make size`: vector table,
 * reset handler (copy .data, zero .bss, board init, exit(main())), faults
 * exit with 255. The examples' harness paints the free RAM for the stack's
 * high-water mark in its board_init (tools/arm/harness.c): a firmware's
 * startup, the one `make size` measures, does not. */
#include <stdint.h>

typedef void (*handler_t)(void);
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;
extern int main(void);
void board_init(void);
void board_exit(int status) __attribute__((noreturn));
void SysTick_Handler(void);
void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void);

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void Reset_Handler(void)
{
    uint32_t *s = &__data_load, *d = &__data_start;
    while (d < &__data_end)
        *d++ = *s++;
    for (d = &__bss_start; d < &__bss_end; d++)
        *d = 0;
    board_init();
    board_exit(main());
}

void Fault_Handler(void)
{
    board_exit(255);
}

__attribute__((section(".vectors"), used)) static const struct {
    void *sp;
    handler_t h[15];
} vectors = {
    &__stack_top,
    { Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
      0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, SysTick_Handler }
};
