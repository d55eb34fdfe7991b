import asyncio


async def waiter(name, fut):
    print(f"{name} waiting for the reading")
    value = await fut
    print(f"{name} got {value}")


def on_done(fut):
    print(f"callback: the reading is {fut.result()}")


async def main():
    loop = asyncio.get_running_loop()

    # A future set later by a callback (a driver's completion), awaited by two tasks
    reading = loop.create_future()
    reading.add_done_callback(on_done)
    tasks = [asyncio.create_task(waiter(name, reading)) for name in ("A", "B")]
    loop.call_later(0.1, reading.set_result, 42)
    await asyncio.gather(*tasks)
    print(f"done: {reading.done()}, result: {reading.result()}")
    try:
        reading.set_result(43)
    except asyncio.InvalidStateError:
        print("a second set_result is refused")

    # A reply that never comes: the timeout cancels the future
    reply = loop.create_future()
    try:
        await asyncio.wait_for(reply, timeout=0.05)
    except asyncio.TimeoutError:
        print(f"timed out, reply cancelled: {reply.cancelled()}")


asyncio.run(main())
