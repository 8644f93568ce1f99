"""FM102 workflow-to-task: `@workflow` becomes an async `@env.task` whose task calls are awaited,
with calls that do not depend on each other gathered so they still run in parallel.

Before::

    @workflow
    def pipeline(x: int) -> float:
        a = load(x=x)
        b = load(x=x + 1)
        c = combine(a=a, b=b)
        return score(c=c)

After::

    @env.task
    async def pipeline(x: int) -> float:
        a, b = await asyncio.gather(load.aio(x=x), load.aio(x=x + 1))
        c = await combine.aio(a=a, b=b)
        return await score.aio(c=c)

Flyte 1 ran independent nodes of a workflow concurrently; a Flyte 2 driver runs its body in
order, so the rule schedules the awaited calls by their data dependencies (see
`codemods._analysis._dataflow`). Sync tasks are called through `.aio(...)`, which is the only way
to call them from async code; async tasks, workflows (now async tasks) and launch plans are
awaited directly. Keyword arguments are kept, so no call depends on parameter order.
"""

from __future__ import annotations

from ._driver import DriverRule


class WorkflowRule(DriverRule):
    __doc__ = __doc__
    code = "FM102"
    name = "workflow-to-task"
    summary = "@workflow becomes an async @env.task; task calls are awaited and independent calls gathered"
    kind = "workflow"
