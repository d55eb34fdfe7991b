# Issue 12's "done when" program: in ONE coroutine, try/except inside a retry
# loop, `async with lock` followed by more code, a timeout scope inside a
# finally, three nested timeout scopes. Times print in tenths of a second.
# tests/test_core_scopes.c (scopes::done_when_program) prints the same lines.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    def now():
        return round((loop.time() - t0) * 10)

    lock = asyncio.Lock()
    for attempt in range(1, 5):
        try:
            await asyncio.sleep(0.1)
            if attempt < 3:
                raise ConnectionError
            print(f"attempt {attempt} ok at {now()}")
            break
        except ConnectionError:
            print(f"attempt {attempt} failed at {now()}, retry")
            continue
        finally:
            print(f"attempt {attempt} done")
    async with lock:
        print("locked", lock.locked())
        await asyncio.sleep(0.1)
    print("unlocked", lock.locked(), "at", now())
    try:
        try:
            async with asyncio.timeout(0.2):
                await asyncio.sleep(10)
        finally:
            print("cleanup starts at", now())
            try:
                async with asyncio.timeout(0.1):
                    await asyncio.sleep(10)
            except TimeoutError:
                print("cleanup timed out at", now())
            print("cleanup done")
    except TimeoutError:
        print("outer TimeoutError at", now())
    try:
        async with asyncio.timeout(3):
            try:
                async with asyncio.timeout(2):
                    try:
                        async with asyncio.timeout(0.1):
                            await asyncio.sleep(10)
                    except TimeoutError:
                        print("innermost timeout at", now())
                    await asyncio.sleep(10)
            except TimeoutError:
                print("middle timeout at", now())
            await asyncio.sleep(10)
    except TimeoutError:
        print("outer timeout at", now())
    print("end at", now())


asyncio.run(main())
