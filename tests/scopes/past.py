# timeout_at a deadline in the past expires at the first await, even sleep(0);
# timeout(None) never expires (test_core_scopes.c, defect 4).
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(loop.time() - 5) as cm:
            print("in")
            await asyncio.sleep(0)
            print("not reached")
    except TimeoutError:
        print("past deadline timeout, expired", cm.expired())
    async with asyncio.timeout(None) as cm:
        await asyncio.sleep(1)
    print("timeout(None): when", cm.when(), "expired", cm.expired())

asyncio.run(main())
