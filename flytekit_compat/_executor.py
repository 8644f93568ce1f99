"""Running a compiled graph: every node a child action, independent nodes at the same time.

A node starts as soon as everything it waits for (its data and its `>>` edges) has finished, so
two independent tasks overlap as they would on a Flyte cluster. The failure policy decides what
happens when a node fails: stop everything (the default) or let every node that can still run
finish first. Either way the first failure is what the caller sees.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any, Optional

from ._bridge import original_error
from ._graph import Node, resolve, topological


class WorkflowFailurePolicy(enum.Enum):
    FAIL_IMMEDIATELY = 0
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


class UpstreamFailed(Exception):
    """A node did not run because something it waits for failed."""


class NodeFailure(Exception):
    """Internal: carries the original error and the id of the node that raised it."""

    def __init__(self, error: BaseException, node_id: str):
        super().__init__(str(error))
        self.error = error
        self.node_id = node_id


async def run_node(node: Node, results: dict[str, dict[str, Any]]) -> None:
    if node.kind == "conditional":
        outputs = await node.entity._run_conditional(results)
    else:
        inputs = {k: resolve(v, results) for k, v in node.bindings.items()}
        try:
            outputs = await node.entity._run_node(inputs, node.overrides or None)
        except asyncio.CancelledError:
            raise
        except BaseException as e:
            raise NodeFailure(original_error(e), node.id) from None
    results[node.id] = dict(zip(node.interface.output_names, outputs))


async def execute_nodes(nodes: list[Node], results: dict[str, dict[str, Any]],
                        policy: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY) -> None:
    """Run `nodes` (whose upstream values are in, or will be put in, `results`)."""
    ordered = topological(nodes)
    futures: dict[str, asyncio.Future] = {}
    local = {id(n) for n in ordered}

    async def run(node: Node) -> None:
        for up in node.data_upstream():
            if id(up) in local:
                try:
                    await futures[up.id]
                except (NodeFailure, UpstreamFailed):
                    raise UpstreamFailed(node.id) from None
        await run_node(node, results)

    for node in ordered:
        futures[node.id] = asyncio.ensure_future(run(node))
    if not futures:
        return
    pending = set(futures.values())
    first: Optional[NodeFailure] = None
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for fut in done:
                exc = fut.exception()
                if isinstance(exc, NodeFailure) and first is None:
                    first = exc
                elif exc is not None and not isinstance(exc, (NodeFailure, UpstreamFailed)):
                    first = first or NodeFailure(exc, "?")
            if first is not None and policy == WorkflowFailurePolicy.FAIL_IMMEDIATELY:
                break
    finally:
        for fut in pending:
            fut.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for fut in futures.values():
            if fut.done() and not fut.cancelled():
                fut.exception()
    if first is not None:
        raise first


async def execute_graph(nodes: list[Node], inputs: dict[str, Any], output_bindings: list[Any],
                        policy: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY,
                        start_id: str = "start-node") -> tuple:
    """Run a whole workflow graph; returns the values of its output bindings."""
    results: dict[str, dict[str, Any]] = {start_id: dict(inputs)}
    await execute_nodes(nodes, results, policy)
    return tuple(resolve(b, results) for b in output_bindings)
