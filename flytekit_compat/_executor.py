"""Running a compiled graph: every node a child action, independent nodes at the same time.

A node starts as soon as everything it waits for (its data and its `>>` edges) has finished, so
two independent tasks overlap as they would on a Flyte cluster. When only one node can run (a
chain), it runs right here in the driver's thread, with no hand-off; when several can, they go
to worker threads. The failure policy decides what happens when a node fails: stop starting new
nodes and fail at once (the default), or let every node that can still run finish first. Either
way the first failure is what the caller sees.
"""

from __future__ import annotations

import collections
import contextvars
import enum
import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Optional

from ._bridge import original_error
from ._graph import Node, resolve, topological


class WorkflowFailurePolicy(enum.Enum):
    FAIL_IMMEDIATELY = 0
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


class NodeFailure(Exception):
    """Internal: carries the original error and the id of the node that raised it."""

    def __init__(self, error: BaseException, node_id: str):
        super().__init__(str(error))
        self.error = error
        self.node_id = node_id


_pool: Optional[ThreadPoolExecutor] = None


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=int(os.environ.get("FLYTEKIT_MAX_PARALLEL_NODES", "64")),
                                   thread_name_prefix="flytekit-node")
    return _pool


os.register_at_fork(after_in_child=lambda: globals().__setitem__("_pool", None))


def run_node(node: Node, results: dict[str, dict[str, Any]]) -> None:
    if node.kind == "conditional":
        outputs = node.entity._run_conditional(results)
    else:
        inputs = {k: resolve(v, results) for k, v in node.bindings.items()}
        try:
            outputs = node.entity._run_node_sync(inputs, node.overrides or None)
        except NodeFailure:
            raise
        except BaseException as e:
            raise NodeFailure(original_error(e), node.id) from None
    results[node.id] = dict(zip(node.interface.output_names, outputs))


def execute_nodes(nodes: list[Node], results: dict[str, dict[str, Any]],
                  policy: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY) -> None:
    """Run `nodes`; values of nodes outside this list must already be in `results`."""
    ordered = topological(nodes)
    local = {id(n) for n in ordered}
    waiting_on: dict[int, set[int]] = {}
    dependents: dict[int, list[Node]] = collections.defaultdict(list)
    for n in ordered:
        ups = {id(u) for u in n.data_upstream() if id(u) in local}
        waiting_on[id(n)] = ups
        for u in ups:
            dependents[u].append(n)
    ready: collections.deque[Node] = collections.deque(n for n in ordered if not waiting_on[id(n)])
    running: dict[Future, Node] = {}
    failure: Optional[NodeFailure] = None
    blocked: set[int] = set()  # downstream of a failure: never started

    def finished(node: Node) -> None:
        for d in dependents[id(node)]:
            deps = waiting_on[id(d)]
            deps.discard(id(node))
            if not deps and id(d) not in blocked:
                ready.append(d)

    def block(node: Node) -> None:
        stack = [node]
        while stack:
            for d in dependents[id(stack.pop())]:
                if id(d) not in blocked:
                    blocked.add(id(d))
                    stack.append(d)

    while ready or running:
        if failure is not None and policy == WorkflowFailurePolicy.FAIL_IMMEDIATELY:
            break  # start nothing new; running nodes finish on their own
        if len(ready) == 1 and not running:
            node = ready.popleft()
            try:
                run_node(node, results)
            except NodeFailure as e:
                failure = failure or e
                block(node)
                continue
            finished(node)
            continue
        while ready:
            node = ready.popleft()
            ctx = contextvars.copy_context()
            running[_workers().submit(ctx.run, run_node, node, results)] = node
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for fut in done:
            node = running.pop(fut)
            exc = fut.exception()
            if exc is None:
                finished(node)
            else:
                if not isinstance(exc, NodeFailure):
                    exc = NodeFailure(exc, node.id)
                failure = failure or exc
                block(node)
    if failure is not None:
        raise failure


def execute_graph(nodes: list[Node], inputs: dict[str, Any], output_bindings: list[Any],
                  policy: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY,
                  start_id: str = "start-node") -> tuple:
    """Run a whole workflow graph; returns the values of its output bindings."""
    results: dict[str, dict[str, Any]] = {start_id: dict(inputs)}
    execute_nodes(nodes, results, policy)
    return tuple(resolve(b, results) for b in output_bindings)
