/* Force-included (-include) into the examples built for simavr: the AVR port,
 * and the formats in flash: printf("x=%d\n", x) becomes printf_P(PSTR("x=%d\n"),
 * x, 0) (the trailing 0 makes the one-argument case valid C99; printf ignores
 * extra arguments). The format must be a string literal. stdout is USART0
 * (tools/avr/harness.c). */
#ifndef CORO_AVR_HARNESS_H
#define CORO_AVR_HARNESS_H
#include "coro_port.h"
#include <stdio.h>
#include <avr/pgmspace.h>
#define printf(...) HARNESS__PRINTF(__VA_ARGS__, 0)
#define HARNESS__PRINTF(fmt, ...) printf_P(PSTR(fmt), __VA_ARGS__)
#define puts(s) puts_P(PSTR(s))
#define sprintf(buf, ...) HARNESS__SPRINTF(buf, __VA_ARGS__, 0)
#define HARNESS__SPRINTF(buf, fmt, ...) sprintf_P(buf, PSTR(fmt), __VA_ARGS__)
#define snprintf(buf, n, ...) HARNESS__SNPRINTF(buf, n, __VA_ARGS__, 0)
#define HARNESS__SNPRINTF(buf, n, fmt, ...) snprintf_P(buf, n, PSTR(fmt), __VA_ARGS__)
#endif
