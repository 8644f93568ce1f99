import asyncio

import flyte

env = flyte.TaskEnvironment(name="my_env")

# The guide's snippet shares process_item with the semaphore example; this one fails for odd
# items so the error-handling branch is exercised.
@env.task
async def process_item(item: int) -> str:
    if item % 2:
        raise ValueError(f"odd item {item}")
    return f"processed_{item}"

@env.task
async def main_with_error_handling(
    items: list[int],
    max_concurrent: int = 5
) -> list[str]:
    semaphore = asyncio.Semaphore(max_concurrent)

    async def process_with_limit(item: int) -> str:
        async with semaphore:
            return await process_item(item)

    tasks = [process_with_limit(item) for item in items]
    results = await asyncio.gather(*tasks, return_exceptions=True)

    processed = []
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            print(f"Item {items[i]} failed: {result}")
            processed.append(f"Failed: {items[i]}")
        else:
            processed.append(result)
    return processed
