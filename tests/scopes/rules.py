# Python's rules for try/except/finally and `async with`, one coroutine;
# tests/test_core_scopes.c (scopes::rules_print_what_cpython_prints) prints
# the same lines. E1, E2 are CORO_ERR_USER and CORO_ERR_USER + 1.
import asyncio


class E1(Exception):
    pass


class E2(Exception):
    pass


async def main():
    loop = asyncio.get_running_loop()
    # 1: the first matching clause runs; an error in it goes out after the finally
    try:
        try:
            await asyncio.sleep(0)
            raise E1
        except E2:
            print("1 not E2")
        except E1:
            print("1 E1 caught")
            raise E2
        except Exception:
            print("1 not reached")
        finally:
            print("1 finally")
    except E2:
        print("1 E2 outside")
    # 2: an await that succeeds in a finally leaves the error in flight
    try:
        try:
            raise E1
        finally:
            await asyncio.sleep(0.1)
            print("2 finally awaited")
    except E1:
        print("2 E1 after finally")
    # 3: a new error in a finally replaces the one in flight
    try:
        try:
            raise E1
        finally:
            raise E2
    except E2:
        print("3 E2 replaced E1")
    # 4: continue and break through a finally; a break in it drops the error
    for i in range(3):
        try:
            if i == 0:
                continue
            raise E1
        finally:
            print("4 finally", i)
            if i == 1:
                break
    print("4 after loop", i)
    # 5: except Exception lets a cancellation through, a bare except catches it
    loop.call_later(0.1, asyncio.current_task().cancel)
    try:
        try:
            await asyncio.sleep(1)
        except Exception:
            print("5 not reached")
    except BaseException as e:
        print("5 caught", type(e).__name__)
    # 6: async with lock releases on an error; a try inside an except clause
    lock = asyncio.Lock()
    try:
        async with lock:
            await asyncio.sleep(0)
            raise E1
    except E1:
        print("6 released", not lock.locked())
        try:
            raise E2
        except E2:
            print("6 nested in the clause")
    # 7: async with semaphore releases on a break
    sem = asyncio.Semaphore(1)
    while True:
        async with sem:
            await asyncio.sleep(0)
            break
    print("7 released", not sem.locked())
    # 8: Timeout.reschedule to a nearer deadline, and to never
    try:
        async with asyncio.timeout(10) as cm:
            cm.reschedule(loop.time() + 0.1)
            await asyncio.sleep(1)
    except TimeoutError:
        print("8 rescheduled expired", cm.expired())
    async with asyncio.timeout(0.1) as cm:
        cm.reschedule(None)
        await asyncio.sleep(0.2)
    print("8 never expired", cm.expired(), cm.when())
    # 9: return goes through the finally
    try:
        print("9 returning")
        return
    finally:
        print("9 finally on return")
    print("not reached")


asyncio.run(main())
