"""Which types may cross into a sandboxed orchestrator: plain data (numbers, strings, bytes,
None and containers of them) and flyte.io handles (File, Dir, DataFrame), which cross as opaque
references. Anything else (a dataclass, a model object) is refused where the task is defined."""

from __future__ import annotations

import inspect
import typing
from typing import Any, Dict, Mapping

_PLAIN = (int, float, str, bool, bytes, type(None))
_CONTAINERS = (list, dict, tuple, set, frozenset)


def allowed(tp: Any) -> bool:
    from ..io import DataFrame, Dir, File

    if tp is Any or tp is inspect.Parameter.empty or tp in _PLAIN or tp in _CONTAINERS or tp in (File, Dir, DataFrame):
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        return all(allowed(a) for a in typing.get_args(tp))
    if origin in _CONTAINERS:
        return all(allowed(a) for a in typing.get_args(tp) if a is not Ellipsis)
    return False


def check_interface(inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
    """Raise TypeError naming the first input or output whose type cannot cross the boundary."""
    kinds: Dict[str, Mapping[str, Any]] = {"input": inputs, "output": outputs}
    for kind, values in kinds.items():
        for name, tp in values.items():
            if not allowed(tp):
                raise TypeError(
                    f"Sandboxed task {kind} {name!r} has unsupported type {tp!r}: a sandboxed orchestrator takes and "
                    "returns plain data (int, float, str, bool, bytes, None, and list/dict/tuple/set of them) and "
                    "flyte.io File, Dir or DataFrame handles")
