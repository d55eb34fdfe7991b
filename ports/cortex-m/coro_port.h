/* coro_port.h (Cortex-M) - coro on any Cortex-M (M0/M0+/M3/M4/M7): SysTick is
 * the 1 ms clock, WFI is the idle hook.
 *
 * USAGE
 *   Include this header before coro.h, and in exactly one .c file:
 *       #define CORO_IMPLEMENTATION        (coro.h's code)
 *       #define CORO_PORT_IMPLEMENTATION   (this port's code: SysTick_Handler, hooks)
 *       #include "coro_port.h"             (pulls in coro.h itself)
 *   Put SysTick_Handler in your vector table (CMSIS name) and call
 *   coro_port_init(core_clock_hz) at the start of main. SysTick belongs to the port.
 *
 * HOW IT IS RACE-FREE
 *   The loop calls coro_port_idle() with PRIMASK set, after it found nothing
 *   ready and no coro_loop_wakeup() pending. The port checks the deadline and
 *   executes WFI still masked: WFI wakes on any pending interrupt even while
 *   PRIMASK masks it, so an interrupt that arrived after the checks makes WFI
 *   return at once instead of being lost. Then `cpsie i; isb; cpsid i` lets the
 *   pending handler run, and the loop looks again. An ISR only has to call
 *   coro_loop_wakeup().
 *
 * CONFIGURATION
 *   CORO_TICK_HZ       1000   SysTick rate; core_clock_hz/CORO_TICK_HZ <= 2^24
 *   CORO_ASSERT / CORO_TRAP   default to coro_port_fault(line): no strings
 *   CORO_ON_FAIL(code, file, line, text)   defaults to coro_port_fault(line)
 *
 * API
 *   void coro_port_init(uint32_t core_clock_hz)  start SysTick (interrupts stay
 *                                 as they are: enabled after reset)
 *   void SysTick_Handler(void)    the tick; put it in the vector table
 *   void coro_port_fault(unsigned line)  called on an assertion or a trap;
 *                                 masks interrupts and halts, unless you define
 *                                 CORO_PORT_CUSTOM_FAULT and write your own
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H

#include <stdint.h>

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

/* Set PRIMASK, restore its previous value (nestable, ISR-safe). The pair opens
 * and closes one block: use them in the same block, in this order. */
#define CORO_CRITICAL_ENTER() { uint32_t coro_port__primask = coro_port__mask()
#define CORO_CRITICAL_EXIT() coro_port__unmask(coro_port__primask); }

#ifndef CORO_ASSERT
#ifdef NDEBUG
#define CORO_ASSERT(c) ((void)0)
#else
#define CORO_ASSERT(c) ((c) ? (void)0 : coro_port_fault(__LINE__))
#endif
#endif
#ifndef CORO_TRAP
#define CORO_TRAP() coro_port_fault(0)
#endif
/* A misuse trap (an await in your own switch, a direct call, a finished
 * frame resumed, files that disagree on the knobs): the line of the
 * offending CORO_BEGIN or call; file and text are NULL (no strings). */
#ifndef CORO_ON_FAIL
#define CORO_ON_FAIL(code, file, line, text) ((void)(code), (void)(file), (void)(text), coro_port_fault(line))
#endif

#define CORO_PORT__SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define CORO_PORT__SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define CORO_PORT__SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* Start SysTick: inline, so that a constant clock divides at compile time
 * (an M0 has no divide instruction: __udivsi3 would cost 266 bytes). */
static inline void coro_port_init(uint32_t core_clock_hz)
{
    CORO_PORT__SYST_CSR = 0;
    CORO_PORT__SYST_RVR = core_clock_hz / CORO_TICK_HZ - 1u;
    CORO_PORT__SYST_CVR = 0;
    CORO_PORT__SYST_CSR = 7u; /* core clock, interrupt, enable */
}

#ifdef __cplusplus
extern "C" {
#endif
void coro_port_fault(unsigned line);
void SysTick_Handler(void);
#ifdef __cplusplus
}
#endif

#endif /* CORO_PORT_H */

/* ========================================================================== */
#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"

static volatile coro_tick coro_port__ticks;

void SysTick_Handler(void)
{
    coro_port__ticks++;
}

coro_tick coro_port_now(void)
{
#if CORO_TICK_BITS <= 32
    return coro_port__ticks; /* one aligned load: atomic */
#else
    coro_tick t;
    uint32_t m = coro_port__mask();
    t = coro_port__ticks;
    coro_port__unmask(m);
    return t;
#endif
}

/* Entered and left with PRIMASK set (see the header comment). */
void coro_port_idle(coro_loop *loop, int has_deadline, coro_tick deadline)
{
    (void)loop;
    if (has_deadline && (coro_tick)(coro_port__ticks - deadline) <= CORO_MAX_DELAY)
        return; /* the deadline passed after the loop looked: no sleep */
    __asm__ __volatile__("dsb\n\twfi\n\tcpsie i\n\tisb\n\tcpsid i" ::: "memory");
}

#ifndef CORO_PORT_CUSTOM_FAULT
void coro_port_fault(unsigned line)
{
    (void)line;
    __asm__ __volatile__("cpsid i" ::: "memory");
    for (;;) {
    }
}
#endif

#endif /* CORO_PORT_IMPLEMENTATION */
