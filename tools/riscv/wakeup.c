/* No lost wake-up in the RISC-V port (make riscv). The machine timer is used
 * here as the "external" interrupt, with the port's own tick off
 * (CORO_PORT_CUSTOM_TRAP): after answering edge k the task arms edge k+1 at
 * k mod 1999 mtime counts ahead, then waits on an interrupt-safe flag, so the
 * edges land on every instruction of the way back to sleep: the task parking,
 * the loop finding nothing ready, the idle hook's check, the WFI. Run under
 * -icount shift=7 (128 ns per instruction: one mtime count, 100 ns, is less
 * than an instruction). Nothing else ever interrupts, so a wake-up lost
 * between "nothing ready" and WFI hangs the run (caught by timeout); every
 * edge answered prints the worst delay. */
#define CORO_MAX_TASKS 1
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#define CORO_PORT_CUSTOM_TRAP
#include "coro_port.h"
#include "coro_sync.h"

#ifndef EDGES
#define EDGES 4000u
#endif

void board_init(void);
void board_exit(int status) __attribute__((noreturn));
void wake_trap(void);

static coro_loop loop;
static coro_flag edge = CORO_FLAG_INIT;
static uint64_t edge_at;
static uint32_t answered, worst;

static void put_s(const char *s)
{
    while (*s) {
        while (!(*(volatile uint8_t *)0x10000005u & 0x20u)) {
        }
        *(volatile uint8_t *)0x10000000u = (uint8_t)*s++;
    }
}

static void put_u32(uint32_t v)
{
    char b[12], *p = b + 11;
    *p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_s(p);
}

void board_init(void) {}
void board_exit(int status)
{
    *(volatile uint32_t *)0x100000u = status ? (uint32_t)status << 16 | 0x3333u : 0x5555u;
    for (;;) {
    }
}

/* The edge: note when, disarm the timer, wake the loop. */
__attribute__((interrupt("machine"), aligned(4))) void wake_trap(void)
{
    unsigned long cause;
    __asm__ __volatile__("csrr %0, mcause" : "=r"(cause));
    if (cause != 0x80000007ul)
        board_exit(255);
    edge_at = coro_port_mtime();
    coro_port__set_cmp(~0ull);
    coro_flag_set(&loop, &edge);
}

struct answer { coro_frame co; };
static CORO_FN(answer, struct answer, self)
{
    CORO_BEGIN(self);
    while (answered < EDGES) {
        coro_port__set_cmp(coro_port_mtime() + answered % 1999u);
        CORO_FLAG_WAIT(self, &edge);
        if ((uint32_t)(coro_port_mtime() - edge_at) > worst)
            worst = (uint32_t)(coro_port_mtime() - edge_at);
        answered++;
    }
    CORO_END(self);
}

int main(void)
{
    static struct answer a;
    coro_port__set_cmp(~0ull);
    __asm__ __volatile__("csrw mtvec, %0" : : "r"(&wake_trap));
    __asm__ __volatile__("csrs mie, %0\n\tcsrsi mstatus, 8" : : "r"(1ul << 7) : "memory");
    coro_loop_init(&loop);
    coro_loop_run_until_complete(&loop, answer, &a);
    put_s("wakeup: ");
    put_u32(answered);
    put_s(" timer edges swept over the way back to sleep, each answered within ");
    put_u32(worst);
    put_s(" mtime counts (no lost wake-up)\n");
    return 0;
}
