/* The RISC-V harness for the QEMU runs (-M virt -bios none): the port's code,
 * stdout on the virt machine's ns16550 UART (0x10000000), the exit status
 * through its SiFive test device (0x100000: QEMU exits with it), the small
 * printf of tools/embedded/format.h, the tick started before main (link
 * tools/riscv/libc.c too: the few <string.h> functions). CORO_MTIME_HZ is
 * the machine timer's rate (virt: 10 MHz). */
#define CORO_PORT_IMPLEMENTATION
#define CORO_PORT_CUSTOM_FAULT
#include "coro_port.h"
#include <stdio.h>

#ifndef CORO_MTIME_HZ
#define CORO_MTIME_HZ 10000000u
#endif

#define UART_THR (*(volatile uint8_t *)0x10000000u)
#define UART_LSR (*(volatile uint8_t *)0x10000005u)
#define TEST_DEV (*(volatile uint32_t *)0x00100000u)

int board_putchar(int c)
{
    while (!(UART_LSR & 0x20u)) { /* transmit holding register empty */
    }
    UART_THR = (uint8_t)c;
    return (unsigned char)c;
}

int board_puts(const char *s)
{
    while (*s)
        board_putchar(*s++);
    board_putchar('\n');
    return 1;
}

#include "../embedded/format.h"

void board_init(void);
void board_exit(int status) __attribute__((noreturn));

void board_init(void)
{
    coro_port_init(CORO_MTIME_HZ);
}

/* 0x5555: pass (status 0); (status << 16) | 0x3333: fail with that status. */
void board_exit(int status)
{
    coro_port__mask();
    TEST_DEV = status == 0 ? 0x5555u : ((uint32_t)status & 0xFFFFu) << 16 | 0x3333u;
    for (;;) {
    }
}

void coro_port_fault(unsigned line)
{
    board_printf("coro fault at line %u\n", line);
    board_exit(254);
}
