# Injected faults in a nested program (depth 4: try/except/finally, async
# with lock, try/finally, try/except around a timeout scope, inside an outer
# timeout scope): an error, a cancellation and a timeout at each await point
# in turn (the k-th await executed), and the order in which handlers, finally
# blocks and the rest of the program run. tests/test_core_scopes.c
# (scopes::injected_faults_in_a_nested_program) prints the same lines.
# Each await is a 0.1 s sleep; a cancellation or a timeout lands 0.05 s into
# the k-th one; k = 9 is past the last await (no fault).
import asyncio


class E(Exception):
    pass


async def run(kind, k):
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    out = []
    n = 0

    async def point(tag):
        nonlocal n
        n += 1
        out.append(tag)
        await asyncio.sleep(0.1)
        if kind == "error" and n == k:
            raise E

    async def main():
        try:
            async with asyncio.timeout(0.1 * (k - 1) + 0.05 if kind == "timeout" else None):
                await point("A")
                async with lock:
                    try:
                        await point("B")
                        try:
                            async with asyncio.timeout(10):
                                await point("C")
                        except E:
                            out.append("except4")
                            await point("D")
                        await point("E")
                    finally:
                        out.append("finally3")
                        await point("F")
                    await point("G")
                out.append("unlocked" if not lock.locked() else "LOCKED")
                await point("H")
        except E:
            out.append("except1-E")
        except TimeoutError:
            out.append("except1-Timeout")
        finally:
            out.append("finally1")
        await point("I")

    task = asyncio.create_task(main())
    if kind == "cancel":
        loop.call_later(0.1 * (k - 1) + 0.05, task.cancel)
    try:
        await task
        out.append("done")
    except asyncio.CancelledError:
        out.append("cancelled")
    except E:
        out.append("failed-E")
    print(f"{kind} {k}: {' '.join(out)}")


async def main():
    for kind in ("error", "cancel", "timeout"):
        for k in range(1, 10):
            await run(kind, k)


asyncio.run(main())
