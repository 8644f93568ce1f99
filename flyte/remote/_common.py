"""What remote objects share: phases, the backend-only error, inputs/outputs, dict/JSON views."""

from __future__ import annotations

import abc
import datetime
import json
from collections import UserDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..errors import InitializationError
from ..models import ActionPhase

NO_BACKEND = ("Client has not been initialized. Call flyte.init() with a valid endpoint/api-key before using this "
              "function or Call flyte.init_from_config() with a valid path to the config file")


def needs_backend(what: str) -> InitializationError:
    """The SDK's error for a client call without a backend (its code too), naming what needed one."""
    return InitializationError("ClientNotInitializedError", "user",
                               f"{NO_BACKEND}. {what} needs a Flyte backend; this runtime answers runs, actions and "
                               "tasks from its local store.")


def when(ts: Optional[float]) -> Optional[datetime.datetime]:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc) if ts is not None else None


def phase_names(in_phase: Optional[Tuple[Any, ...]]) -> Optional[List[str]]:
    """Phases given as ActionPhase, strings or protobuf numbers, as the store records them."""
    if not in_phase:
        return None
    out = []
    for p in in_phase:
        phase = ActionPhase.from_protobuf(p) if isinstance(p, int) else ActionPhase(p)
        out.append(phase.name)
    return out


@dataclass
class TimeFilter:
    """A time window for `listall` (either bound may be open)."""

    after: Optional[datetime.datetime] = None
    before: Optional[datetime.datetime] = None


class ToJSONMixin:
    """`to_dict()` / `to_json()` of a remote object's public fields."""

    def to_dict(self) -> Dict[str, Any]:
        raise NotImplementedError

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str, indent=2)


class ActionInputs(UserDict, ToJSONMixin):
    """An action's (or run's) inputs by name: a dict."""

    def __init__(self, pb2: Any, data: Optional[Dict[str, Any]]):
        super().__init__(data or {})
        self.pb2 = pb2

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.data)

    def __repr__(self) -> str:
        return f"ActionInputs({dict(self.data)!r})"


class _OutputsMeta(abc.ABCMeta):
    pass


class ActionOutputs(tuple, ToJSONMixin, metaclass=_OutputsMeta):
    """An action's (or run's) outputs: a tuple (`o[0]`, unpacking) whose values are also
    attributes and `named_outputs` by output name (`o0`, `o1`, ... unless the task named them).
    What `flyte.run(...).outputs()` returns is one too."""

    pb2: Any
    _fields: List[str]

    def __new__(cls, pb2: Any, data: Sequence[Any], fields: Optional[Sequence[str]] = None) -> ActionOutputs:
        obj = super().__new__(cls, data)
        obj.pb2 = pb2
        obj._fields = list(fields) if fields else [f"o{i}" for i in range(len(obj))]
        for name, value in zip(obj._fields, obj):
            setattr(obj, name, value)
        return obj

    @property
    def named_outputs(self) -> Dict[str, Any]:
        return dict(zip(self._fields, self))

    def to_dict(self) -> Dict[str, Any]:
        return self.named_outputs

    def __repr__(self) -> str:
        from .._run import outputs_repr

        return outputs_repr(self._fields, self)


def _register_run_outputs() -> None:
    from .._run import ActionOutputs as RunOutputs

    ActionOutputs.register(RunOutputs)


_register_run_outputs()


def typed(values: Dict[str, Any], types: Dict[str, type],
          deserializers: Optional[Dict[type, Callable[[Any], Any]]] = None) -> Dict[str, Any]:
    """`values` converted to `types` by name: a deserializer given for the type wins, a value
    already of the type is kept, anything else is validated into the type (dicts into
    dataclasses or pydantic models, ...)."""
    out = {}
    for name, tp in types.items():
        if name not in values:
            raise KeyError(f"No value named {name!r}; there are {sorted(values)}")
        value = values[name]
        convert = (deserializers or {}).get(tp)
        if convert is not None:
            out[name] = convert(value)
        elif isinstance(tp, type) and isinstance(value, tp):
            out[name] = value
        else:
            from .._pydantic import adapter

            out[name] = adapter(tp).validate_python(value)
    return out


async def to_literals(values: Dict[str, Any], types: Dict[str, Any]) -> Dict[str, Any]:
    """Values as the SDK's literals (flyteidl2), through `flyte.types.TypeEngine`; a value whose
    declared type is unknown is described by its own class."""
    from ..types import TypeEngine

    out = {}
    for name, value in values.items():
        tp = types.get(name) or type(value)
        out[name] = await TypeEngine.to_literal(value, tp, TypeEngine.to_literal_type(tp))
    return out
