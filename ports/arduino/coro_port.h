/* coro_port.h (Arduino, AVR boards) - coro in an Arduino sketch: millis() is
 * the clock, idle sleep mode the sleep. The contract and the race-freedom
 * argument: ports/README.md.
 *
 * Nothing to do: coro.h selects this port when ARDUINO is defined on an AVR
 * board (define CORO_NO_PORT to bring your own). In one file of the sketch
 * define CORO_IMPLEMENTATION before #include <coro.h>; spawn the tasks in
 * setup() and call coro_loop_run_forever() from loop(). The port only reads
 * millis() (the core's Timer0 overflow, 1.024 ms at 16 MHz, which also ends
 * every sleep): delay(), micros() and analogWrite() keep working, and
 * coro_port_init(cpu_hz) does nothing (the core's init() started Timer0).
 * CORO_TICK_HZ is 1000 (a millis() millisecond), CORO_TICK_BITS 16 or 32.
 * coro_port_fault(line) masks interrupts and halts unless
 * CORO_PORT_CUSTOM_FAULT says you wrote your own.
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H
#include <Arduino.h>
#include <avr/io.h>
#include <avr/interrupt.h>
#include <stdint.h>

#define CORO_PORT 1
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
#define CORO_CRITICAL_ENTER() { uint8_t coro_port__sreg = SREG; cli()
#define CORO_CRITICAL_EXIT() SREG = coro_port__sreg; }
#define CORO_PORT_HALT() do { cli(); for (;;) {} } while (0) /* default fault: mask, stop */

static inline void coro_port_init(uint32_t cpu_hz) { (void)cpu_hz; }
#endif /* CORO_PORT_H */

#if (defined(CORO_PORT_IMPLEMENTATION) || defined(CORO_IMPLEMENTATION)) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#ifndef CORO_PORT_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION /* coro.h's shared half of the port too */
#endif
#include "../../coro.h"
#include <avr/sleep.h>
#ifdef __cplusplus
extern "C" {
#endif
coro_tick coro_port_now(void)
{
    return (coro_tick)millis(); /* millis() reads its counter with interrupts masked */
}

/* SEI takes effect after the next instruction: an interrupt that came after
 * the loop's last look is taken once SLEEP has begun, and ends it. */
void coro_port_sleep(int has_deadline, coro_tick deadline)
{
    (void)has_deadline; /* the next Timer0 overflow ends the sleep */
    (void)deadline;
    set_sleep_mode(SLEEP_MODE_IDLE); /* timers, UART and pin interrupts keep running */
    sleep_enable();
    __asm__ __volatile__("sei\n\tsleep" ::: "memory"); /* atomic pair */
    sleep_disable();
    cli();
}
#ifdef __cplusplus
}
#endif
#endif /* CORO_PORT_IMPLEMENTATION || CORO_IMPLEMENTATION */
