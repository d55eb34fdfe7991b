/* coro_port.h (Cortex-M) - coro on any Cortex-M (M0/M0+/M3/M4/M7): SysTick is
 * the 1 ms tick, WFI the sleep. The contract and the race-freedom argument:
 * ports/README.md.
 *
 * Include it before coro.h (it includes coro.h); in one .c file define
 * CORO_IMPLEMENTATION and CORO_PORT_IMPLEMENTATION first. Put SysTick_Handler
 * in the vector table (CMSIS name) and call coro_port_init(core_clock_hz) at
 * the start of main. SysTick belongs to the port. CORO_TICK_HZ (1000):
 * core_clock_hz/CORO_TICK_HZ <= 2^24. coro_port_fault(line) masks interrupts
 * and halts unless CORO_PORT_CUSTOM_FAULT says you wrote your own.
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H
#include <stdint.h>

#define CORO_PORT 1
#define CORO_PORT_TICKS 32 /* coro.h counts the ticks; one load reads 32 bits */
#define CORO_CLOCK CORO_CLOCK_USER
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif

static inline uint32_t coro_port__mask(void)
{
    uint32_t m;
    __asm__ __volatile__("mrs %0, primask\n\tcpsid i" : "=r"(m) : : "memory");
    return m;
}
static inline void coro_port__unmask(uint32_t m)
{
    __asm__ __volatile__("msr primask, %0" : : "r"(m) : "memory");
}
#define CORO_CRITICAL_ENTER() { uint32_t coro_port__primask = coro_port__mask()
#define CORO_CRITICAL_EXIT() coro_port__unmask(coro_port__primask); }
#define CORO_PORT_HALT() do { __asm__ __volatile__("cpsid i" ::: "memory"); for (;;) {} } while (0)

/* Inline, so that a constant clock divides at compile time (an M0 has no
 * divide instruction: __udivsi3 would cost 266 bytes). */
static inline void coro_port_init(uint32_t cpu_hz)
{
    *(volatile uint32_t *)0xE000E010u = 0;                          /* SYST_CSR: off */
    *(volatile uint32_t *)0xE000E014u = cpu_hz / CORO_TICK_HZ - 1u; /* SYST_RVR */
    *(volatile uint32_t *)0xE000E018u = 0;                          /* SYST_CVR */
    *(volatile uint32_t *)0xE000E010u = 7u; /* core clock, interrupt, enable */
}

#ifdef __cplusplus
extern "C"
#endif
void SysTick_Handler(void);
#endif /* CORO_PORT_H */

#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"

void SysTick_Handler(void)
{
    coro_port_ticks++;
}

/* WFI wakes on a pending interrupt even while PRIMASK masks it; then
 * `cpsie i; isb; cpsid i` lets its handler run. */
void coro_port_sleep(int has_deadline, coro_tick deadline)
{
    (void)has_deadline; /* the next tick ends the sleep */
    (void)deadline;
    __asm__ __volatile__("dsb\n\twfi\n\tcpsie i\n\tisb\n\tcpsid i" ::: "memory");
}
#endif /* CORO_PORT_IMPLEMENTATION */
