/* coro_port.h (template) - the skeleton of a new port: copy this directory,
 * fill in the TODOs, and keep everything else. The contract is in
 * ports/README.md; coro.h does every shared part (the deadline re-check
 * before sleeping, the fault mapping, the tick counter and coro_port_now).
 * tests/port_template.c compiles this template on the host and runs it with
 * its stubs (make port-template, part of make test).
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H
#include <stdint.h>

#define CORO_PORT 1                /* coro.h maps assert/trap/misuse to coro_port_fault */
#define CORO_PORT_TICKS 32         /* TODO: bits one load reads atomically (8 on AVR); or
                                    * remove it and define coro_port_now() yourself */
#define CORO_CLOCK CORO_CLOCK_USER
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif

/* Mask the interrupts, restore the previous state: nestable, ISR-safe. The
 * pair may open and close one block (as here). */
static inline unsigned coro_port__mask(void)
{
    return 0; /* TODO: read the interrupt-enable state, then disable interrupts */
}
static inline void coro_port__unmask(unsigned state)
{
    (void)state; /* TODO: restore the interrupt-enable state */
}
#define CORO_CRITICAL_ENTER() { unsigned coro_port__state = coro_port__mask()
#define CORO_CRITICAL_EXIT() coro_port__unmask(coro_port__state); }
/* Optional: how the default coro_port_fault stops (else CORO_CRITICAL_ENTER
 * and spin). TODO: disable interrupts, loop forever (or reset). */
/* #define CORO_PORT_HALT() do { disable_irq(); for (;;) {} } while (0) */

/* Start the tick (cpu_hz / CORO_TICK_HZ clocks per tick) and enable
 * interrupts. Inline, so that a constant cpu_hz divides at compile time. */
static inline void coro_port_init(uint32_t cpu_hz)
{
    uint32_t period = cpu_hz / CORO_TICK_HZ;
    (void)period; /* TODO: program the timer with period, enable its interrupt */
}

#ifdef __cplusplus
extern "C"
#endif
void coro_port_tick_isr(void);
#endif /* CORO_PORT_H */

#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"
#ifdef __cplusplus
extern "C" {
#endif
/* The tick interrupt: TODO: put it in the vector table, acknowledge the timer. */
void coro_port_tick_isr(void)
{
    coro_port_ticks++;
}

/* Called with interrupts masked once the loop saw nothing ready, no wakeup
 * pending and the deadline (if has_deadline) not yet passed: sleep until an
 * interrupt is pending (one that arrived since the loop looked included),
 * let it run, return with interrupts masked. A periodic tick ends the sleep
 * by itself; a tickless port programs a wake-up at the deadline. */
void coro_port_sleep(int has_deadline, coro_tick deadline)
{
    (void)has_deadline;
    (void)deadline;
#ifdef CORO_PORT_TEMPLATE_WAIT
    CORO_PORT_TEMPLATE_WAIT(); /* the host test: the interrupt comes at once */
#endif
    /* TODO: wait for an interrupt with interrupts masked (WFI; AVR: sei+sleep),
     * then unmask and mask again so that its handler runs */
}
#ifdef __cplusplus
}
#endif
#endif /* CORO_PORT_IMPLEMENTATION */
