/* coro_port.h (RISC-V) - coro on a RISC-V microcontroller in machine mode
 * (RV32I/E, with or without M/A/C): the machine timer (a CLINT-style 64-bit
 * mtime/mtimecmp: SiFive cores, QEMU virt and sifive_e, K210) is the 1 ms
 * tick, WFI the sleep. The contract and the race-freedom argument:
 * ports/README.md. Build with -march=rv32imac_zicsr (GCC 12+).
 *
 * Include it before coro.h (it includes coro.h); in one .c file define
 * CORO_IMPLEMENTATION and CORO_PORT_IMPLEMENTATION first. Call
 * coro_port_init(mtime_hz) at the start of main: it points mtvec at
 * coro_port_trap, arms the timer and enables interrupts. With
 * CORO_PORT_CUSTOM_TRAP mtvec is yours: call coro_port_timer_interrupt() on a
 * machine timer interrupt (mcause 0x80000007). CORO_PORT_MTIME (0x0200BFF8)
 * and CORO_PORT_MTIMECMP (0x02004000, hart 0) move the timer; CORO_TICK_HZ
 * (1000). coro_port_fault(line) (also any other trap, line 0) masks
 * interrupts and halts unless CORO_PORT_CUSTOM_FAULT says you wrote your own.
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
#ifndef CORO_PORT_MTIME
#define CORO_PORT_MTIME 0x0200BFF8u
#endif
#ifndef CORO_PORT_MTIMECMP
#define CORO_PORT_MTIMECMP 0x02004000u
#endif
#define CORO_PORT__MTIME_LO (*(volatile uint32_t *)(CORO_PORT_MTIME))
#define CORO_PORT__MTIME_HI (*(volatile uint32_t *)(CORO_PORT_MTIME + 4u))
#define CORO_PORT__MTIMECMP_LO (*(volatile uint32_t *)(CORO_PORT_MTIMECMP))
#define CORO_PORT__MTIMECMP_HI (*(volatile uint32_t *)(CORO_PORT_MTIMECMP + 4u))

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
#define CORO_CRITICAL_ENTER() { unsigned long coro_port__mstatus = coro_port__mask()
#define CORO_CRITICAL_EXIT() coro_port__unmask(coro_port__mstatus); }

#ifdef __cplusplus
extern "C" {
#endif
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

/* Inline, so that a constant rate divides at compile time. */
static inline void coro_port_init(uint32_t cpu_hz)
{
    coro_port__start(cpu_hz / CORO_TICK_HZ);
}
#endif /* CORO_PORT_H */

#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"
#ifdef __cplusplus
extern "C" {
#endif
static uint32_t coro_port__period;
static uint64_t coro_port__next;

/* No spurious match between the halves: low to all ones, high, then low. */
static void coro_port__set_cmp(uint64_t t)
{
    CORO_PORT__MTIMECMP_LO = 0xFFFFFFFFu;
    CORO_PORT__MTIMECMP_HI = (uint32_t)(t >> 32);
    CORO_PORT__MTIMECMP_LO = (uint32_t)t;
}

/* One period after the last tick, never from "now": the rate holds when an
 * interrupt is taken late. */
void coro_port_timer_interrupt(void)
{
    coro_port__next += coro_port__period;
    coro_port__set_cmp(coro_port__next);
    coro_port_ticks++;
}

#ifndef CORO_PORT_CUSTOM_TRAP
/* Direct-mode mtvec: the machine timer ticks, anything else is a fault. */
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

/* WFI wakes when an interrupt enabled in mie is pending, whatever
 * mstatus.MIE says; then `csrsi; csrci` lets its handler run. */
void coro_port_sleep(int has_deadline, coro_tick deadline)
{
    (void)has_deadline; /* the next tick ends the sleep */
    (void)deadline;
    __asm__ __volatile__("wfi\n\tcsrsi mstatus, 8\n\tcsrci mstatus, 8" ::: "memory");
}
#ifdef __cplusplus
}
#endif
#endif /* CORO_PORT_IMPLEMENTATION */
