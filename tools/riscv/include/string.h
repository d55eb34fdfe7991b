/* The little of <string.h> the examples and headers use, for the freestanding
 * RISC-V build: tools/riscv/harness.c implements it (GCC also calls memcpy and
 * memset for struct copies and clears). */
#ifndef CORO_RISCV_STRING_H
#define CORO_RISCV_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif
