import asyncio


async def fetch(name, delay, fail=False):
    print(f"{name}: start")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"{name}: cancelled")
        raise
    if fail:
        print(f"{name}: failed")
        raise ValueError(name)
    print(f"{name}: done")


async def main():
    # Every child is awaited at the end of the block
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fetch("A", 0.2))
        tg.create_task(fetch("B", 0.1))
        print("both created")
    print("group 1 done")

    # The first failure cancels the other children and the body's await;
    # every error is reported once all children have ended
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fetch("C", 0.5))
            tg.create_task(fetch("D", 0.1, fail=True))
            tg.create_task(fetch("E", 0.1, fail=True))
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("body: cancelled")
                raise
    except* ValueError as eg:
        print(f"{len(eg.exceptions)} errors, first: {eg.exceptions[0]}")

    # Cancelling the parent (here a timeout) cancels the children too
    try:
        async with asyncio.timeout(0.3):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fetch("F", 1))
                tg.create_task(fetch("G", 2))
    except TimeoutError:
        print("timed out")


asyncio.run(main())
