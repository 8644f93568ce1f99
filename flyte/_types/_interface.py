"""`guess_interface`: a task's NativeInterface from its Flyte (protobuf) interface, with Python
types guessed by the type engine where the original classes are not importable."""

from __future__ import annotations

import inspect
from typing import Any, Iterable, Optional

from flyteidl2.core import interface_pb2

from ..models import NativeInterface


def guess_interface(interface: interface_pb2.TypedInterface,
                    default_inputs: Optional[Iterable[Any]] = None) -> NativeInterface:
    """Inputs with a default in `default_inputs` (NamedParameters) are marked as having one."""
    from ._engine import TypeEngine

    if interface is None:
        return NativeInterface({}, {})
    defaults = {p.name: p.parameter.default for p in (default_inputs or []) if p.parameter.HasField("default")}
    inputs = {name: (tp, NativeInterface.has_default if name in defaults else inspect.Parameter.empty)
              for name, tp in TypeEngine.guess_python_types(interface.inputs.variables).items()}
    outputs = TypeEngine.guess_python_types(interface.outputs.variables)
    return NativeInterface.from_types(inputs, outputs, defaults)
