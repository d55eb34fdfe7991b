/* coro_port.h (Arduino, AVR boards) - coro in an Arduino sketch: millis() is
 * the clock, the CPU sleeps in idle mode between the core's interrupts.
 *
 * USAGE
 *   Nothing to do: coro.h selects this port by itself when ARDUINO is defined
 *   on an AVR board (Uno, Nano, Mega, Leonardo, ...). In the sketch:
 *       #define CORO_IMPLEMENTATION        (in one file only: coro's code and this port's)
 *       #include <coro.h>
 *   Spawn the tasks in setup() and call coro_loop_run_forever() from loop().
 *   No init call: the core's init() already runs Timer0, which this port only
 *   reads through millis(); it never touches Timer0 (delay(), millis(),
 *   micros() and analogWrite() on pins 5 and 6 keep working). Define
 *   CORO_NO_PORT before coro.h to bring your own port instead.
 *
 * HOW IT IS RACE-FREE
 *   The loop calls coro_port_idle() with interrupts masked, after it found
 *   nothing ready and no coro_loop_wakeup() pending. With interrupts masked
 *   the port compares millis() with the deadline; then `sei; sleep`: SEI takes
 *   effect only after the next instruction, so an interrupt that arrived after
 *   the check wakes the CPU at once. The core's Timer0 overflow interrupt (the
 *   one that advances millis(), every 1.024 ms at 16 MHz) ends every sleep, so
 *   the loop looks at the clock about once a millisecond; the core's Serial
 *   interrupts end it too. An ISR of yours only has to call
 *   coro_loop_wakeup() (or coro_flag_set, coro_ring_put).
 *
 * CONFIGURATION
 *   CORO_TICK_HZ   1000 (fixed: a tick is one millis() millisecond)
 *   CORO_TICK_BITS 16 or 32 (millis() is 32 bits wide)
 *   CORO_ASSERT / CORO_TRAP   default to coro_port_fault(line): no strings
 *
 * API
 *   void coro_port_fault(unsigned line)  called on an assertion or a trap;
 *                                 masks interrupts and halts, unless you define
 *                                 CORO_PORT_CUSTOM_FAULT and write your own
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H

#include <Arduino.h>
#include <avr/io.h>
#include <avr/interrupt.h>
#include <stdint.h>

#define CORO_CLOCK CORO_CLOCK_USER
#if defined(CORO_TICK_HZ) && CORO_TICK_HZ != 1000
#error "coro_port (Arduino): the tick is millis(): CORO_TICK_HZ must be 1000"
#endif
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif
#if defined(CORO_TICK_BITS) && CORO_TICK_BITS > 32
#error "coro_port (Arduino): millis() wraps at 32 bits: CORO_TICK_BITS must be 16 or 32"
#endif
/* Mask interrupts, restore the previous state (nestable, ISR-safe). The pair
 * opens and closes one block: use them in the same block, in this order. */
#define CORO_CRITICAL_ENTER() { uint8_t coro_port__sreg = SREG; cli()
#define CORO_CRITICAL_EXIT() SREG = coro_port__sreg; }

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

#ifdef __cplusplus
extern "C" {
#endif
void coro_port_fault(unsigned line);
#ifdef __cplusplus
}
#endif

#endif /* CORO_PORT_H */

/* ========================================================================== */
#if (defined(CORO_PORT_IMPLEMENTATION) || defined(CORO_IMPLEMENTATION)) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "../../coro.h"
#include <avr/sleep.h>

#ifdef __cplusplus
extern "C" {
#endif

coro_tick coro_port_now(void)
{
    return (coro_tick)millis(); /* millis() reads its counter with interrupts masked */
}

/* Entered and left with interrupts masked (see the header comment). */
void coro_port_idle(coro_loop *loop, int has_deadline, coro_tick deadline)
{
    (void)loop;
    if (has_deadline && (coro_tick)((coro_tick)millis() - deadline) <= CORO_MAX_DELAY)
        return; /* the deadline passed after the loop looked: no sleep */
    set_sleep_mode(SLEEP_MODE_IDLE); /* timers, UART and pin interrupts keep running */
    sleep_enable();
    __asm__ __volatile__("sei\n\tsleep" ::: "memory"); /* atomic pair */
    sleep_disable();
    cli();
}

#ifndef CORO_PORT_CUSTOM_FAULT
void coro_port_fault(unsigned line)
{
    (void)line;
    cli();
    for (;;) {
    }
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* CORO_PORT_IMPLEMENTATION || CORO_IMPLEMENTATION */
