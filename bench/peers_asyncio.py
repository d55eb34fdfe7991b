#!/usr/bin/env python3
"""CPython asyncio peers of the coro benchmarks, same workloads, same output.

usage: peers_asyncio.py switch ITERS | timers N ROUNDS | spawn ITERS |
       gather K REPS | wait K REPS | queue ITEMS | lock K ROUNDS |
       semaphore K ROUNDS | memory N
Prints key=value lines like the C programs (process CPU time)."""
import asyncio
import sys
import time


def report(bench, ops, ns, **extra):
    print(f"bench={bench}\nimpl=asyncio\nops={ops}\ncpu_ns={ns}\nns_per_op={ns / ops:.3f}")
    for k, v in extra.items():
        print(f"{k}={v}")
    print(f"python={sys.version.split()[0]}")


def xorshift(s):
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s


async def pinger(n):
    for _ in range(n):
        await asyncio.sleep(0)


async def switch(iters):
    t0 = time.process_time_ns()
    await asyncio.gather(pinger(iters), pinger(iters))
    report("switch", 2 * iters, time.process_time_ns() - t0)


async def sleeper(i, rounds):
    s = (2654435761 * (i + 1)) & 0xFFFFFFFF
    for _ in range(rounds):
        s = xorshift(s)
        await asyncio.sleep((1 + s % 10) / 1000)


async def timers(n, rounds):
    t0 = time.process_time_ns()
    await asyncio.gather(*[sleeper(i, rounds) for i in range(n)])
    report("timers", n * rounds, time.process_time_ns() - t0, n=n, rounds=rounds)


async def short():
    return None


SPAWN_BATCH = 100  # as spawn_coro: spawn a batch, let it run, repeat


async def spawn(iters):
    batches = max(1, iters // SPAWN_BATCH)
    create = asyncio.create_task
    t0 = time.process_time_ns()
    for _ in range(batches):
        for _ in range(SPAWN_BATCH):
            create(short())
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    report("spawn", batches * SPAWN_BATCH, time.process_time_ns() - t0)


async def gather_bench(kind, k, reps):
    create = asyncio.create_task
    t0 = time.process_time_ns()
    for _ in range(reps):
        tasks = [create(short()) for _ in range(k)]
        if kind == "gather":
            await asyncio.gather(*tasks)
        else:
            await asyncio.wait(tasks)
    report(kind, k * reps, time.process_time_ns() - t0, k=k)


async def queue(items, cap=16):
    q = asyncio.Queue(cap)
    total = 0

    async def producer():
        for i in range(items):
            await q.put(i)

    async def consumer():
        nonlocal total
        for _ in range(items):
            total += await q.get()
            q.task_done()

    t0 = time.process_time_ns()
    await asyncio.gather(producer(), consumer())
    report("queue", items, time.process_time_ns() - t0, capacity=cap)
    assert total == items * (items - 1) // 2


async def contend(kind, k, rounds):
    lock = asyncio.Lock() if kind == "lock" else asyncio.Semaphore(1)

    async def contender():
        for _ in range(rounds):
            async with lock:
                await asyncio.sleep(0)

    t0 = time.process_time_ns()
    await asyncio.gather(*[contender() for _ in range(k)])
    report(kind, k * rounds, time.process_time_ns() - t0, k=k)


async def parked(ev):
    await ev.wait()


async def memory(n):
    import tracemalloc
    ev = asyncio.Event()
    await asyncio.sleep(0)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tasks = [asyncio.create_task(parked(ev)) for _ in range(n)]
    await asyncio.sleep(0)  # every task runs to its await and parks
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    ev.set()
    await asyncio.gather(*tasks)
    print(f"bench=memory\nimpl=asyncio\nn={n}\nbytes_per_task={used / n:.0f}\npython={sys.version.split()[0]}")


def main():
    what = sys.argv[1]
    a = [int(x) for x in sys.argv[2:]]
    if what == "switch":
        asyncio.run(switch(a[0]))
    elif what == "timers":
        asyncio.run(timers(a[0], a[1]))
    elif what == "spawn":
        asyncio.run(spawn(a[0]))
    elif what in ("gather", "wait"):
        asyncio.run(gather_bench(what, a[0], a[1]))
    elif what == "queue":
        asyncio.run(queue(a[0]))
    elif what in ("lock", "semaphore"):
        asyncio.run(contend(what, a[0], a[1]))
    elif what == "memory":
        asyncio.run(memory(a[0]))
    else:
        sys.exit(f"unknown benchmark {what}")


if __name__ == "__main__":
    main()
