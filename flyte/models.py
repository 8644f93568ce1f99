"""Public data models: action ids, phases, the task context (`flyte.ctx()`), task interfaces and the
serialisation context."""

from __future__ import annotations

import enum
import inspect
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Literal, Optional

MAX_INLINE_IO_BYTES = 10 * 1024 * 1024


# The backend's wire numbers for the phases (flyteidl2 common.ActionPhase); 0 is UNSPECIFIED.
_PHASE_WIRE = {
    "queued": 1, "waiting_for_resources": 2, "initializing": 3, "running": 4, "succeeded": 5, "failed": 6,
    "aborted": 7, "timed_out": 8, "paused": 9, "recovered": 10,
}


class ActionPhase(str, enum.Enum):
    """Where an action (or run) is in its life. The values are the SDK's: lower-case strings, so
    `run.phase == "succeeded"` holds. `ActionPhase("SUCCEEDED")` and protobuf names
    (`"ACTION_PHASE_SUCCEEDED"`) are accepted too, for records written in upper case."""

    QUEUED = "queued"
    WAITING_FOR_RESOURCES = "waiting_for_resources"
    INITIALIZING = "initializing"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    TIMED_OUT = "timed_out"
    RECOVERED = "recovered"

    @classmethod
    def _missing_(cls, value: object) -> Optional[ActionPhase]:
        if isinstance(value, str):
            name = value.lower()
            if name.startswith("action_phase_"):
                name = name[len("action_phase_"):]
            for member in cls:
                if member.value == name:
                    return member
        return None

    @property
    def is_terminal(self) -> bool:
        """Succeeded, failed, aborted, timed out or recovered: the action will not change again."""
        return self in _TERMINAL

    def to_protobuf_name(self) -> str:
        return f"ACTION_PHASE_{self.value.upper()}"

    def to_protobuf_value(self) -> int:
        return _PHASE_WIRE[self.value]

    @classmethod
    def from_protobuf(cls, pb_phase: Any) -> ActionPhase:
        """From the backend's enum number (or name)."""
        if isinstance(pb_phase, str):
            return cls(pb_phase)
        if pb_phase == 0:
            raise ValueError("Cannot convert UNSPECIFIED phase to ActionPhase")
        for name, number in _PHASE_WIRE.items():
            if number == pb_phase:
                return cls(name)
        raise ValueError(f"Unknown protobuf action phase: {pb_phase!r}")

    def __str__(self) -> str:
        return self.value


_TERMINAL = frozenset(
    (ActionPhase.SUCCEEDED, ActionPhase.FAILED, ActionPhase.ABORTED, ActionPhase.TIMED_OUT, ActionPhase.RECOVERED)
)


@dataclass(frozen=True)
class ActionID:
    """Identifies one action of a run."""

    name: str
    run_name: Optional[str] = None
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None

    def __repr__(self) -> str:
        return f"ActionID({self.name!r}, run_name={self.run_name!r})"


@dataclass(frozen=True)
class GroupData:
    name: str


@dataclass(frozen=True)
class PathRewrite:
    """Rewrite paths that start with `old_prefix` to start with `new_prefix` when inputs are loaded."""

    old_prefix: str
    new_prefix: str

    def __post_init__(self) -> None:
        if not self.old_prefix or not self.new_prefix:
            raise ValueError("Both old_prefix and new_prefix must be non-empty strings.")
        if self.old_prefix == self.new_prefix:
            raise ValueError("old_prefix and new_prefix must be different.")

    @classmethod
    def from_str(cls, pattern: str) -> PathRewrite:
        """From `"old_prefix->new_prefix"`."""
        parts = pattern.split("->")
        if len(parts) != 2:
            raise ValueError(f"Invalid path rewrite pattern: {pattern}. Expected format 'old_prefix->new_prefix'.")
        return cls(parts[0], parts[1])

    def __repr__(self) -> str:
        return f"{self.old_prefix}->{self.new_prefix}"


@dataclass(frozen=True)
class RawDataPath:
    path: str

    def get_random_remote_path(self, file_name: Optional[str] = None) -> str:
        import os
        import uuid

        return os.path.join(self.path, uuid.uuid4().hex, file_name or uuid.uuid4().hex)


@dataclass(frozen=True)
class CheckpointPaths:
    prev_checkpoint_path: Optional[str]
    checkpoint_path: Optional[str]


class CallCounter:
    """Counts identical calls within one parent, so repeated calls get distinct, stable ids."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def next(self, call_key: str) -> int:
        with self._lock:
            n = self._counts.get(call_key, 0) + 1
            self._counts[call_key] = n
            return n


@dataclass
class TaskContext:
    """What a running task can learn about itself (returned by `flyte.ctx()`)."""

    action: ActionID
    version: str
    raw_data_path: RawDataPath
    output_path: str
    run_base_dir: str
    report: Any = None
    group_data: Optional[GroupData] = None
    checkpoint_paths: Optional[CheckpointPaths] = None
    code_bundle: Any = None
    compiled_image_cache: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    mode: Literal["local", "remote", "hybrid"] = "local"
    interactive_mode: bool = False
    custom_context: dict[str, str] = field(default_factory=dict)
    disable_run_cache: bool = False
    in_driver_literal_conversion: bool = False
    run_start_time: Optional[datetime] = None
    input_path: Optional[str] = None
    task_name: str = ""
    short_name: str = ""
    attempt_number: int = 0
    env_vars: dict[str, str] = field(default_factory=dict)
    # The action of the task that is running: inside `@flyte.trace` functions `action` is the
    # trace's own id while `task_action` stays the enclosing task's. Defaults to `action`.
    task_action: Optional[ActionID] = None
    # Makes this attempt's Checkpoint on first use (creating one costs a temp directory).
    _checkpoint_factory: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.task_action is None:
            self.task_action = self.action

    @property
    def checkpoint(self) -> Any:
        """This attempt's `flyte.Checkpoint` (saves for later attempts, loads an earlier one's), or
        None outside a run."""
        return None if self._checkpoint_factory is None else self._checkpoint_factory()

    def replace(self, **kwargs: Any) -> TaskContext:
        return replace(self, **kwargs)

    def is_in_cluster(self) -> bool:
        return False

    def __bool__(self) -> bool:
        return True


class NullTaskContext:
    """What `flyte.ctx()` returns outside a task: falsy, with no fields."""

    def __bool__(self) -> Literal[False]:  # so that `if flyte.ctx():` narrows to a TaskContext
        return False

    def __repr__(self) -> str:
        return "NullTaskContext()"


NULL_TASK_CONTEXT = NullTaskContext()


def literal_to_enum(literal_type: Any) -> Any:
    """The type the SDK gives a `Literal[...]` parameter: of strings only, an Enum named
    `LiteralEnum` (members upper-cased, values the strings); mixed with other values, `Any`
    (with a warning, as the SDK logs one)."""
    if typing.get_origin(literal_type) is not Literal:
        raise TypeError(f"{literal_type} is not a Literal")
    values = typing.get_args(literal_type)
    if not all(isinstance(v, str) for v in values):
        import logging

        logging.getLogger("flyte").warning(
            "Literal type %s contains non-string values, using Any instead of Enum", literal_type
        )
        return Any
    return enum.Enum("LiteralEnum", {v.upper(): v for v in values})  # type: ignore[misc]


def _as_interface_type(tp: Any) -> Any:
    return literal_to_enum(tp) if typing.get_origin(tp) is Literal else tp


def extract_return_annotation(return_annotation: Any) -> dict[str, Any]:
    """Outputs by name for a return annotation, as the SDK names them: a NamedTuple's fields by
    their names, `tuple[A, B]` (or the bare `(A, B)`) as o0, o1, anything else as o0, nothing
    for None. Literal outputs become `literal_to_enum` types."""
    if isinstance(return_annotation, str):
        raise TypeError("String return annotations are not supported.")
    if return_annotation in (None, type(None), inspect.Signature.empty):
        return {}
    if isinstance(return_annotation, type) and issubclass(return_annotation, tuple) and hasattr(return_annotation, "_fields"):
        return dict(typing.get_type_hints(return_annotation, include_extras=True))
    if typing.get_origin(return_annotation) is tuple:
        args = typing.get_args(return_annotation)
        if len(args) == 1:
            raise TypeError("Tuples should be used to indicate multiple return values, found only one return variable.")
        if Ellipsis in args:
            raise TypeError("Variable length tuples are not supported as return types.")
        return {f"o{i}": _as_interface_type(t) for i, t in enumerate(args)}
    if isinstance(return_annotation, tuple):
        if len(return_annotation) == 1:
            raise TypeError("Please don't use a tuple if you're just returning one thing.")
        return {f"o{i}": t for i, t in enumerate(return_annotation)}
    return {"o0": _as_interface_type(return_annotation)}


class _has_default:
    """Marks an input that has a default whose value is not known here (a remote task's)."""


@dataclass(frozen=True)
class NativeInterface:
    """A task's inputs (`name -> (type, default or inspect.Parameter.empty)`) and outputs
    (`name -> type`, named o0, o1, ...), as the SDK describes them."""

    inputs: dict[str, tuple[Any, Any]]
    outputs: dict[str, Any]
    docstring: Optional[Any] = None
    _remote_defaults: Optional[dict[str, Any]] = field(default=None, repr=False)
    has_default: ClassVar[type] = _has_default

    def has_outputs(self) -> bool:
        return bool(self.outputs)

    def required_inputs(self) -> list[str]:
        return [k for k, (_, default) in self.inputs.items() if default is inspect.Parameter.empty]

    def num_required_inputs(self) -> int:
        return len(self.required_inputs())

    def get_input_types(self) -> dict[str, Any]:
        return {k: t for k, (t, _) in self.inputs.items()}

    @property
    def json_schema(self) -> dict[str, Any]:
        """The inputs as one JSON schema object: each input's schema from its Flyte literal type
        (`flyte._json_schema`; an unannotated input is a string), inputs without a default
        required."""
        from ._json_schema import literal_type_to_json_schema
        from .types import TypeEngine

        properties: dict[str, Any] = {}
        for name, (tp, _) in self.inputs.items():
            if tp is inspect.Parameter.empty:
                properties[name] = {"type": "string"}
            else:
                properties[name] = literal_type_to_json_schema(TypeEngine.to_literal_type(tp))
        return {"type": "object", "properties": properties, "required": self.required_inputs()}

    @classmethod
    def from_types(cls, inputs: dict[str, tuple[Any, Any]], outputs: dict[str, Any],
                   default_inputs: Optional[dict[str, Any]] = None) -> NativeInterface:
        """An interface from types; an input marked `has_default` needs its value in `default_inputs`."""
        for name, (_, default) in inputs.items():
            if default is cls.has_default and (default_inputs is None or name not in default_inputs):
                raise ValueError(f"Input {name} has a default value but no default input provided for remote task.")
        return cls(inputs=inputs, outputs=outputs, _remote_defaults=default_inputs)

    @classmethod
    def from_callable(cls, func: Callable[..., Any]) -> NativeInterface:
        """The interface of a function from its signature and type hints (a `Literal` of strings
        becomes a `LiteralEnum`, as in the SDK)."""
        sig = inspect.signature(func)
        hints = typing.get_type_hints(func, include_extras=True)
        inputs = {}
        for name, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise ValueError(f"Function {func.__name__} cannot have variable positional or keyword arguments.")
            inputs[name] = (_as_interface_type(hints.get(name, p.annotation)), p.default)
        return cls(inputs=inputs, outputs=extract_return_annotation(hints.get("return", sig.return_annotation)))

    def convert_to_kwargs(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Positional arguments by input name, merged with `kwargs`."""
        if len(args) > len(self.inputs):
            raise ValueError(
                f"Too many positional arguments provided, expected inputs {self.inputs.keys()}, args {len(args)}"
            )
        kwargs.update(zip(self.inputs, args))
        if len(kwargs) > len(self.inputs):
            raise ValueError(
                f"Too many keyword arguments provided, expected inputs {self.inputs.keys()}, args {kwargs.keys()}"
            )
        return kwargs

    def __repr__(self) -> str:
        def show(t: Any) -> str:
            if isinstance(t, str):
                return t
            return t.__name__ if isinstance(t, type) and not hasattr(t, "__origin__") else repr(t)

        params = []
        for name, (t, default) in self.inputs.items():
            text = f"{name}: {show(t)}"
            if default is self.has_default:
                text += " = ..."
            elif default is not inspect.Parameter.empty:
                text += f" = {default}"
            params.append(text)
        out = ""
        if self.outputs:
            outs = ", ".join(f"{k}: {show(t)}" for k, t in self.outputs.items())
            out = f" -> ({outs})" if len(self.outputs) > 1 else f" -> {outs}"
        return f"({', '.join(params)}){out}:"


@dataclass
class CodeBundle:
    """Where a deployed task's code comes from: a tarball (`tgz`) or a pickled task (`pkl`)."""

    computed_version: str
    destination: str = "."
    tgz: Optional[str] = None
    pkl: Optional[str] = None
    downloaded_path: Optional[Any] = None
    files: Optional[list[str]] = None

    def __post_init__(self) -> None:
        if self.tgz is None and self.pkl is None:
            raise ValueError("Either tgz or pkl must be set")

    def with_downloaded_path(self, path: Any) -> CodeBundle:
        return replace(self, downloaded_path=path)


@dataclass
class SerializationContext:
    """What serialising a task for a backend needs to know (version, paths, code bundle).
    Locally nothing is serialised; programs and tests build it to inspect tasks."""

    version: str
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None
    code_bundle: Optional[CodeBundle] = None
    input_path: str = "{{.input}}"
    output_path: str = "{{.outputPrefix}}"
    interpreter_path: str = "/opt/venv/bin/python"
    image_cache: Any = None
    root_dir: Optional[Any] = None

    def get_entrypoint_path(self, interpreter_path: Optional[str] = None) -> str:
        """The runtime entrypoint next to the interpreter."""
        import os

        return os.path.join(os.path.dirname(interpreter_path or self.interpreter_path), "runtime.py")
