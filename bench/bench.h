/* bench.h - timing and output helpers shared by the C benchmark programs.
 * Every program prints key=value lines; the driver (bench/run.py) parses them.
 * Times are process CPU time (CLOCK_PROCESS_CPUTIME_ID): the machine is shared,
 * and for the timer benchmarks the time spent asleep waiting for deadlines is
 * not the scheduler's cost. */
#ifndef BENCH_H
#define BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline unsigned long bench_arg(int argc, char **argv, int i, unsigned long def)
{
    return argc > i ? strtoul(argv[i], NULL, 10) : def;
}

/* xorshift32: the same pseudo-random delays for every implementation. */
static inline uint32_t bench_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Timer benchmark delays: 1..10 ms, from a per-timer seed. */
#define BENCH_DELAY_MS(s) (1u + bench_rand(s) % 10u)
#define BENCH_SEED(i) (2654435761u * (uint32_t)((i) + 1u))

static inline void bench_report(const char *bench, const char *impl, unsigned long long ops, uint64_t ns)
{
    printf("bench=%s\nimpl=%s\nops=%llu\ncpu_ns=%llu\nns_per_op=%.3f\n", bench, impl, ops,
           (unsigned long long)ns, ops ? (double)ns / (double)ops : 0.0);
}
#endif
