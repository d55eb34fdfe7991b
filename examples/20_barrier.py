import asyncio


async def worker(name, barrier, delay):
    print(f"{name} preparing")
    await asyncio.sleep(delay)
    print(f"{name} ready, {barrier.n_waiting} waiting at the barrier")
    index = await barrier.wait()
    print(f"{name} passed the barrier (arrival {index})")


async def main():
    barrier = asyncio.Barrier(3)
    await asyncio.gather(
        worker("A", barrier, 0.3),
        worker("B", barrier, 0.1),
        worker("C", barrier, 0.2),
    )
    print(f"waiting: {barrier.n_waiting}, broken: {barrier.broken}")

    # A party that never comes: abort the barrier
    late = asyncio.create_task(worker("D", barrier, 0))
    await asyncio.sleep(0.1)
    await barrier.abort()
    try:
        await late
    except asyncio.BrokenBarrierError:
        print("D: the barrier is broken")
    print(f"broken: {barrier.broken}")


asyncio.run(main())
