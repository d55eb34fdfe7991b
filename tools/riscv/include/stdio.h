/* The little of <stdio.h> the examples use, for the freestanding RISC-V build
 * (no C library is installed): tools/riscv/harness.c prints on the UART. */
#ifndef CORO_RISCV_STDIO_H
#define CORO_RISCV_STDIO_H
#include <stdarg.h>
#include <stddef.h>
int board_printf(const char *fmt, ...);
int board_vprintf(const char *fmt, va_list ap);
int board_puts(const char *s);
int board_snprintf(char *b, size_t n, const char *fmt, ...);
int board_sprintf(char *b, const char *fmt, ...);
int board_vsnprintf(char *b, size_t n, const char *fmt, va_list ap);
int board_putchar(int c);
#define printf board_printf
#define vprintf board_vprintf
#define puts board_puts
#define snprintf board_snprintf
#define sprintf board_sprintf
#define vsnprintf board_vsnprintf
#define putchar board_putchar
#endif
