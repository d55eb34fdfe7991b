import asyncio, time
async def run(label, busy_await):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print("--", label)
    try:
        async with asyncio.timeout(0.1):
            try:
                async with asyncio.timeout(0.01):
                    time.sleep(0.2)
                    await busy_await()
                    print("after await")
            except TimeoutError:
                print("inner caught")
            print("sleeping 10")
            await asyncio.sleep(10)
    except TimeoutError:
        print("outer timeout", round(loop.time() - t0, 1))
    except asyncio.CancelledError:
        print("cancelled!")
async def main():
    await run("sleep(0)", lambda: asyncio.sleep(0))
    await run("sleep(0.001)", lambda: asyncio.sleep(0.001))
    await run("sleep(1)", lambda: asyncio.sleep(1))
    fut = None
    async def waitfut():
        f = asyncio.get_running_loop().create_future()
        await f
    await run("future", waitfut)
asyncio.run(main())
