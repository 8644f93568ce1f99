"""`create_node`: a call whose node (rather than its outputs) you want, e.g. to order it with `>>`."""

from __future__ import annotations

import collections
from typing import Any

from ._graph import current_compile
from ._promise import Promise, PromiseTuple, VoidPromise


def create_node(entity: Any, *args: Any, **kwargs: Any) -> Any:
    """Inside a workflow: the Node (with `.o0`, `.outputs`, `>>`). Elsewhere: the call's outputs
    as a namedtuple, as flytekit gives when running locally."""
    names = list(entity.python_interface.outputs) if hasattr(entity, "python_interface") else []
    if "outputs" in names:
        from .exceptions.user import FlyteAssertion

        # A node's `.outputs` is the mapping of all its outputs; an output of that name would hide it.
        raise FlyteAssertion(f"Cannot use create_node on {getattr(entity, 'name', entity)!r}: it has an output named "
                             "'outputs', which is reserved")
    if current_compile.get() is not None:
        result = entity(*args, **kwargs)
        if isinstance(result, Promise):
            return result.ref.node
        if isinstance(result, (VoidPromise, PromiseTuple)):
            return result.ref
        raise TypeError(f"create_node takes a task, workflow or launch plan, got {type(entity).__name__}")
    result = entity(*args, **kwargs)
    names = list(entity.python_interface.outputs)
    if not names:
        return None
    values = tuple(result) if len(names) > 1 else (result,)
    return collections.namedtuple("Output", names)(*values)  # type: ignore[misc]
