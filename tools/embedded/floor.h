/* The floor both `make size` and `make cycles` compare coro against: a bare
 * continuation is a switch on a saved state, resumed by a call. Two of them
 * called alternately are the cheapest possible cooperative "scheduler". */
#ifndef CORO_TOOLS_FLOOR_H
#define CORO_TOOLS_FLOOR_H
#include <stdint.h>
struct pp { uint16_t lc; uint16_t i; };
static __attribute__((noinline)) uint8_t pingpong(struct pp *p)
{
    switch (p->lc) {
    case 0:
        for (p->i = 0;; p->i++) {
            p->lc = 1;
            return 1;
    case 1:;
        }
    }
    return 0;
}
#endif
