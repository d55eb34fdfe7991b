/* coro_port.h (RISC-V) - coro on a RISC-V microcontroller in machine mode
 * (RV32I/E, with or without M/A/C): the machine timer (mtime/mtimecmp, the
 * CLINT of SiFive cores, QEMU's virt and sifive_e, K210, ...) gives the 1 ms
 * tick, WFI is the idle hook.
 *
 * USAGE
 *   Include this header before coro.h, and in exactly one .c file:
 *       #define CORO_IMPLEMENTATION        (coro.h's code)
 *       #define CORO_PORT_IMPLEMENTATION   (this port's code: trap handler, hooks)
 *       #include "coro_port.h"             (pulls in coro.h itself)
 *   Call coro_port_init(mtime_hz) at the start of main: it points mtvec at the
 *   port's trap handler, arms the timer and enables interrupts. The machine
 *   timer belongs to the port. With CORO_PORT_CUSTOM_TRAP the port leaves
 *   mtvec alone: your trap handler calls coro_port_timer_interrupt() on a
 *   machine timer interrupt (mcause = 0x80000007).
 *   Build with -march=rv32imac_zicsr (GCC 12+ wants the Zicsr extension named).
 *
 * HOW IT IS RACE-FREE
 *   The loop calls coro_port_idle() with mstatus.MIE clear, after it found
 *   nothing ready and no coro_loop_wakeup() pending. The port checks the
 *   deadline and executes WFI still masked: WFI wakes when an interrupt enabled
 *   in mie is pending, whatever mstatus.MIE says, so an interrupt that arrived
 *   after the checks makes WFI return at once instead of being lost. Then
 *   `csrsi mstatus, 8; csrci mstatus, 8` lets the pending handler run (an
 *   interrupt is taken at the instruction boundary right after MIE is set),
 *   and the loop looks again. An ISR only has to call coro_loop_wakeup().
 *
 * CONFIGURATION
 *   CORO_TICK_HZ        1000        tick rate; mtime_hz / CORO_TICK_HZ counts per tick
 *   CORO_PORT_MTIME     0x0200BFF8  address of the 64-bit mtime register
 *   CORO_PORT_MTIMECMP  0x02004000  address of hart 0's 64-bit mtimecmp
 *   CORO_PORT_CUSTOM_TRAP           your own trap handler (see USAGE)
 *   CORO_ASSERT / CORO_TRAP         default to coro_port_fault(line): no strings
 *
 * API
 *   void coro_port_init(uint32_t mtime_hz)  start the tick, enable interrupts
 *   void coro_port_timer_interrupt(void)    the tick: advance mtimecmp by one period
 *   uint64_t coro_port_mtime(void)           read mtime (64 bits, consistent halves)
 *   void coro_port_fault(unsigned line)  called on an assertion, a trap (line 0)
 *                                 or an exception in the port's trap handler
 *                                 (line 0); masks interrupts and halts, unless
 *                                 you define CORO_PORT_CUSTOM_FAULT and write your own
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
#ifndef CORO_PORT_MTIME
#define CORO_PORT_MTIME 0x0200BFF8u
#endif
#ifndef CORO_PORT_MTIMECMP
#define CORO_PORT_MTIMECMP 0x02004000u
#endif

/* Clear mstatus.MIE and return the previous mstatus; restore MIE from it. */
static inline unsigned long coro_port__mask(void)
{
    unsigned long m;
    __asm__ __volatile__("csrrci %0, mstatus, 8" : "=r"(m) : : "memory");
    return m;
}

static inline void coro_port__unmask(unsigned long m)
{
    __asm__ __volatile__("csrs mstatus, %0" : : "r"(m & 8u) : "memory");
}

/* Clear mstatus.MIE, restore its previous value (nestable, ISR-safe). The pair
 * opens and closes one block: use them in the same block, in this order. */
#define CORO_CRITICAL_ENTER() { unsigned long coro_port__mstatus = coro_port__mask()
#define CORO_CRITICAL_EXIT() coro_port__unmask(coro_port__mstatus); }

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

#define CORO_PORT__MTIME_LO (*(volatile uint32_t *)(CORO_PORT_MTIME))
#define CORO_PORT__MTIME_HI (*(volatile uint32_t *)(CORO_PORT_MTIME + 4u))
#define CORO_PORT__MTIMECMP_LO (*(volatile uint32_t *)(CORO_PORT_MTIMECMP))
#define CORO_PORT__MTIMECMP_HI (*(volatile uint32_t *)(CORO_PORT_MTIMECMP + 4u))

#ifdef __cplusplus
extern "C" {
#endif
void coro_port_fault(unsigned line);
void coro_port_timer_interrupt(void);
void coro_port__start(uint32_t period);
#ifndef CORO_PORT_CUSTOM_TRAP
void coro_port_trap(void);
#endif
#ifdef __cplusplus
}
#endif

/* mtime's two halves, read so that a carry between them cannot tear it. */
static inline uint64_t coro_port_mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = CORO_PORT__MTIME_HI;
        lo = CORO_PORT__MTIME_LO;
    } while (hi != CORO_PORT__MTIME_HI);
    return (uint64_t)hi << 32 | lo;
}

/* Start the tick: inline, so that a constant rate divides at compile time. */
static inline void coro_port_init(uint32_t mtime_hz)
{
    coro_port__start(mtime_hz / CORO_TICK_HZ);
}

#endif /* CORO_PORT_H */

/* ========================================================================== */
#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"

#ifdef __cplusplus
extern "C" {
#endif

static volatile coro_tick coro_port__ticks;
static uint32_t coro_port__period;
static uint64_t coro_port__next;

/* mtimecmp in halves without a spurious match in between: low to all ones
 * first (no smaller than the old value or the new one), then high, then low. */
static void coro_port__set_cmp(uint64_t t)
{
    CORO_PORT__MTIMECMP_LO = 0xFFFFFFFFu;
    CORO_PORT__MTIMECMP_HI = (uint32_t)(t >> 32);
    CORO_PORT__MTIMECMP_LO = (uint32_t)t;
}

/* The next tick one period after the last one (never from "now": the ticks
 * keep their rate even when an interrupt is taken late). */
void coro_port_timer_interrupt(void)
{
    coro_port__next += coro_port__period;
    coro_port__set_cmp(coro_port__next);
    coro_port__ticks++;
}

#ifndef CORO_PORT_CUSTOM_TRAP
/* Direct-mode mtvec: every trap lands here. The machine timer ticks; any other
 * interrupt or exception is a fault (with CORO_PORT_CUSTOM_TRAP you dispatch). */
__attribute__((interrupt("machine"), aligned(4))) void coro_port_trap(void)
{
    unsigned long cause;
    __asm__ __volatile__("csrr %0, mcause" : "=r"(cause));
    if (cause == ((1ul << (sizeof(long) * 8 - 1)) | 7u))
        coro_port_timer_interrupt();
    else
        coro_port_fault(0);
}
#endif

void coro_port__start(uint32_t period)
{
    coro_port__mask();
    coro_port__period = period;
#ifndef CORO_PORT_CUSTOM_TRAP
    __asm__ __volatile__("csrw mtvec, %0" : : "r"(&coro_port_trap));
#endif
    coro_port__next = coro_port_mtime() + period;
    coro_port__set_cmp(coro_port__next);
    __asm__ __volatile__("csrs mie, %0\n\tcsrsi mstatus, 8" : : "r"(1ul << 7) : "memory"); /* MTIE, MIE */
}

coro_tick coro_port_now(void)
{
#if CORO_TICK_BITS <= 32
    return coro_port__ticks; /* one aligned load: atomic */
#else
    coro_tick t;
    unsigned long m = coro_port__mask();
    t = coro_port__ticks;
    coro_port__unmask(m);
    return t;
#endif
}

/* Entered and left with mstatus.MIE clear (see the header comment). */
void coro_port_idle(coro_loop *loop, int has_deadline, coro_tick deadline)
{
    (void)loop;
    if (has_deadline && (coro_tick)(coro_port__ticks - deadline) <= CORO_MAX_DELAY)
        return; /* the deadline passed after the loop looked: no sleep */
    __asm__ __volatile__("wfi\n\tcsrsi mstatus, 8\n\tcsrci mstatus, 8" ::: "memory");
}

#ifndef CORO_PORT_CUSTOM_FAULT
void coro_port_fault(unsigned line)
{
    (void)line;
    coro_port__mask();
    for (;;) {
    }
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* CORO_PORT_IMPLEMENTATION */
