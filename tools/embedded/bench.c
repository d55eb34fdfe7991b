/* Cycle benchmarks on the real ports (tools/embedded/cycles.sh runs them).
 * Built with -DBENCH_SWITCH, -DBENCH_SLEEP or -DBENCH_FLOOR; each measures a
 * run of N and of 2N operations, so setup and teardown cancel out in the
 * difference. AVR: GPIOR2 stamps, the runner prints exact cycles (and awake
 * cycles) since the previous stamp. Cortex-M: SysTick counts the core clock,
 * which under QEMU -icount shift=0 advances 1 ns per instruction. RISC-V:
 * mtime (10 MHz on QEMU virt), also under -icount shift=0.
 *   SWITCH  two tasks CORO_YIELD to each other through the loop
 *   SLEEP   one task CORO_SLEEP(1) on the 1 ms tick: the awake cycles of a
 *           sleep + idle + tick interrupt + wake (AVR only)
 *   LOCK    one task: CORO_LOCK on a free lock + coro_lock_release
 *   QUEUE   producer CORO_QUEUE_PUT -> consumer CORO_QUEUE_GET through a
 *           one-slot queue: each item is one hand-off, both tasks switching
 *   FLOOR   two bare switch-continuations called alternately (no scheduler) */
#define CORO_MAX_TASKS 2
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"
#if defined(BENCH_LOCK)
#include "coro_sync.h"
#elif defined(BENCH_QUEUE)
#include "coro_queue.h"
#endif

#define N 1000u

#if defined(__AVR__)
#define STAMP(id) (GPIOR2 = (id))
#define TICK_OFF() (TIMSK0 = 0)
#define DONE() (GPIOR1 = 0)
#elif defined(__riscv)
/* QEMU virt under -icount shift=0: mtime counts at 10 MHz, so one count is
 * 100 instructions. Output on the UART, exit through the SiFive test device. */
void board_init(void);
void board_exit(int status) __attribute__((noreturn));
static volatile uint32_t marks[3];
#define STAMP(id) (marks[id] = CORO_PORT__MTIME_LO)
#define TICK_OFF() __asm__ __volatile__("csrc mie, %0" : : "r"(1ul << 7)) /* MTIE */
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
/* "ticks N 2N" : mtime counts up */
#define DONE() (put_s("ticks "), put_u32(marks[1] - marks[0]), put_s(" "), put_u32(marks[2] - marks[1]), put_s("\n"), \
                board_exit(0))
#else
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
void board_init(void);
void board_exit(int status) __attribute__((noreturn));
static volatile uint32_t marks[3];
#define STAMP(id) (marks[id] = SYST_CVR)
/* SysTick free-running over 2^24 core clocks, no interrupt */
#define TICK_OFF() (SYST_CSR = 0, SYST_RVR = 0xFFFFFFu, SYST_CVR = 0, SYST_CSR = 5u)
static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
static void put_u32(uint32_t v)
{
    char b[12], *p = b + 11;
    *p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    semihost(0x04, p);
}
void board_init(void) {}
void board_exit(int status)
{
    static uint32_t block[2];
    block[0] = 0x20026u;
    block[1] = (uint32_t)status;
    semihost(0x20, block);
    for (;;) {
    }
}
/* "ticks N 2N" : SysTick counts down */
#define DONE() (semihost(0x04, "ticks "), put_u32((marks[0] - marks[1]) & 0xFFFFFFu), semihost(0x04, " "), \
                put_u32((marks[1] - marks[2]) & 0xFFFFFFu), semihost(0x04, "\n"), board_exit(0))
#endif

static coro_loop loop;

#if defined(BENCH_SWITCH)
struct yielder { coro_frame co; uint16_t i, n; };
static CORO_FN(yielder, struct yielder, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++)
        CORO_YIELD(self);
    CORO_END(self);
}
static struct yielder ya, yb;
static void run(uint16_t n)
{
    ya.n = yb.n = n;
    coro_spawn(&loop, NULL, yielder, &ya);
    coro_spawn(&loop, NULL, yielder, &yb);
    coro_loop_run_forever(&loop);
}
#elif defined(BENCH_SLEEP)
struct sleeper { coro_frame co; uint16_t i, n; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++)
        CORO_SLEEP(self, 1);
    CORO_END(self);
}
static struct sleeper sa;
static void run(uint16_t n)
{
    sa.n = n;
    coro_spawn(&loop, NULL, sleeper, &sa);
    coro_loop_run_forever(&loop);
}
#elif defined(BENCH_LOCK)
static coro_lock lock = CORO_LOCK_INIT;
struct locker { coro_frame co; uint16_t i, n; };
static CORO_FN(locker, struct locker, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        CORO_LOCK(self, &lock);
        coro_lock_release(&lock);
    }
    CORO_END(self);
}
static struct locker la;
static void run(uint16_t n)
{
    la.n = n;
    coro_spawn(&loop, NULL, locker, &la);
    coro_loop_run_forever(&loop);
}
#elif defined(BENCH_QUEUE)
static uint8_t qbuf[1];
static coro_queue q = CORO_QUEUE_INIT(CORO_QUEUE_FIFO, qbuf, 1, 1, NULL);
struct mover { coro_frame co; uint16_t i, n; uint8_t v; uint8_t put; };
static CORO_FN(mover, struct mover, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        if (self->put)
            CORO_QUEUE_PUT(self, &q, &self->v);
        else
            CORO_QUEUE_GET(self, &q, &self->v);
    }
    CORO_END(self);
}
static struct mover mp, mc;
static void run(uint16_t n)
{
    mp.n = mc.n = n;
    mp.put = 1;
    coro_spawn(&loop, NULL, mover, &mc); /* the getter waits first */
    coro_spawn(&loop, NULL, mover, &mp);
    coro_loop_run_forever(&loop);
}
#elif defined(BENCH_FLOOR)
#include "floor.h"
static struct pp pa, pb;
static void run(uint16_t n)
{
    uint16_t i;
    for (i = 0; i < n; i++) {
        pingpong(&pa);
        pingpong(&pb);
    }
}
#else
#error "define BENCH_SWITCH, BENCH_SLEEP, BENCH_LOCK, BENCH_QUEUE or BENCH_FLOOR"
#endif

int main(void)
{
    coro_port_init(16000000u);
    coro_loop_init(&loop);
#if !defined(BENCH_SLEEP)
    TICK_OFF(); /* no tick interrupt inside the measurement */
#endif
    run(1); /* warm up: first spawn, first iteration */
    STAMP(0);
    run(N);
    STAMP(1);
    run(2 * N);
    STAMP(2);
    DONE();
    for (;;) {
    }
}
