/* The Cortex-M harness for the QEMU runs: the port's code, semihosting output
 * and exit status, the small printf of tools/embedded/format.h, the tick
 * started before main. CORO_CPU_HZ is the core
 * clock of the machine (microbit 16 MHz, mps2 25 MHz). */
#define CORO_PORT_IMPLEMENTATION
#define CORO_PORT_CUSTOM_FAULT
#include "coro_port.h"
#include "harness.h"
#include <stdarg.h>

#ifndef CORO_CPU_HZ
#define CORO_CPU_HZ 16000000u
#endif

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static char buf[129];
static unsigned len;

static void flush(void)
{
    if (len) {
        buf[len] = 0;
        semihost(0x04, buf); /* SYS_WRITE0 */
        len = 0;
    }
}

int board_putchar(int c)
{
    buf[len++] = (char)c;
    if (c == '\n' || len == sizeof buf - 1)
        flush();
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

/* Called by tools/arm/startup.c once .bss is zero: paint the free RAM, up to
 * a margin below this frame, for the stack's high-water mark (board_exit). */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void board_init(void)
{
    extern uint32_t __bss_end;
    uint32_t *d;
    for (d = &__bss_end; d < (uint32_t *)__builtin_frame_address(0) - 16; d++)
        *d = 0xA5A5A5A5u;
    coro_port_init(CORO_CPU_HZ);
}

/* With `-semihosting-config ...,arg=fw,arg=stack`: print the stack's peak
 * (bytes below the top of RAM ever written, from board_init's paint). */
static void report_stack(void)
{
    extern uint32_t __bss_end, __stack_top;
    static char cmd[64];
    static uint32_t block[2];
    const uint32_t *p = &__bss_end;
    unsigned i;
    block[0] = (uint32_t)(uintptr_t)cmd;
    block[1] = sizeof cmd;
    if (semihost(0x15, block) != 0) /* SYS_GET_CMDLINE */
        return;
    for (i = 0; cmd[i] && !(cmd[i] == 's' && cmd[i + 1] == 't' && cmd[i + 2] == 'a'); i++) {
    }
    if (!cmd[i])
        return;
    while (p < &__stack_top && *p == 0xA5A5A5A5u)
        p++;
    board_printf("[stack %u]\n", (unsigned)((uintptr_t)&__stack_top - (uintptr_t)p));
}

void board_exit(int status)
{
    static uint32_t block[2];
    report_stack();
    flush();
    block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)status;
    semihost(0x20, block); /* SYS_EXIT_EXTENDED */
    for (;;) {
    }
}

void coro_port_fault(unsigned line)
{
    board_printf("coro fault at line %u\n", line);
    board_exit(254);
}
