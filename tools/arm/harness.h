/* Force-included (-include) into the examples built for QEMU: the Cortex-M
 * port's configuration, and printf/puts/putchar on semihosting. */
#ifndef CORO_ARM_HARNESS_H
#define CORO_ARM_HARNESS_H
#include "coro_port.h"
#include <stdio.h>
#include <stdarg.h>
int board_printf(const char *fmt, ...);
int board_vprintf(const char *fmt, va_list ap);
int board_puts(const char *s);
int board_snprintf(char *b, size_t n, const char *fmt, ...);
int board_sprintf(char *b, const char *fmt, ...);
int board_vsnprintf(char *b, size_t n, const char *fmt, va_list ap);
int board_putchar(int c);
void board_exit(int status) __attribute__((noreturn));
#undef putchar
#define printf board_printf
#define vprintf board_vprintf
#define puts board_puts
#define snprintf board_snprintf
#define sprintf board_sprintf
#define vsnprintf board_vsnprintf
#define putchar board_putchar
#endif
