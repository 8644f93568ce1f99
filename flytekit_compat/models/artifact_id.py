"""Artifact identifiers (flyteidl's `core.artifact_id` messages) as plain Python objects.

flytekit builds these as protobuf messages; code written against it calls `HasField(...)` on
them and compares the enum numbers, which these classes support too. A protobuf message of the
same name (from flyteidl, when a program builds one itself) is accepted wherever these are read.
"""

from __future__ import annotations

from typing import Any, Optional

from ._base import Model


class Granularity:
    UNSET = 0
    MINUTE = 1
    HOUR = 2
    DAY = 3
    MONTH = 4

    @classmethod
    def Name(cls, value: int) -> str:
        for name, v in vars(cls).items():
            if name.isupper() and v == value:
                return name
        return str(value)


class Operator:
    MINUS = 0
    PLUS = 1


class _Message(Model):
    def HasField(self, name: str) -> bool:
        if name not in self._fields:
            raise ValueError(f'Protocol message {type(self).__name__} has no field {name}.')
        return getattr(self, "_" + name) is not None

    def WhichOneof(self, group: str) -> Optional[str]:
        for name in self._fields:
            if getattr(self, "_" + name) is not None:
                return name
        return None


class ArtifactKey(_Message):
    _fields = ("project", "domain", "name", "org")


class InputBindingData(_Message):
    """A partition value taken from an input of the task or workflow (`Inputs.x`)."""

    _fields = ("var",)


class RuntimeBinding(_Message):
    """A partition value that the task sets while it runs (`Artifact.create_from`)."""

    _fields = ()


class ArtifactBindingData(_Message):
    _fields = ("partition_key", "bind_to_time_partition", "time_transform")


class TimeTransform(_Message):
    _fields = ("transform", "op")


class LabelValue(_Message):
    """One of: a static string, a time (a datetime), a binding to an input, to the triggering
    artifact, or to the task's run (filled while it runs)."""

    _fields = ("static_value", "time_value", "triggered_binding", "input_binding", "runtime_binding")


class Partitions(_Message):
    _fields = ("value",)
    _defaults = {"value": dict}


class TimePartition(_Message):
    _fields = ("value", "granularity")


class ArtifactID(_Message):
    _fields = ("artifact_key", "version", "partitions", "time_partition")


class ArtifactTag(_Message):
    _fields = ("artifact_key", "value")


class ArtifactQuery(_Message):
    _fields = ("artifact_id", "artifact_tag", "uri", "binding")


def has_field(message: Any, name: str) -> bool:
    """`message.HasField(name)` for these classes and for protobuf messages alike."""
    try:
        return bool(message.HasField(name))
    except (AttributeError, ValueError):
        return getattr(message, name, None) is not None


def time_of(value: Any) -> Any:
    """The datetime in a label value's `time_value` (a protobuf Timestamp is converted)."""
    tv = value.time_value
    return tv.ToDatetime() if hasattr(tv, "ToDatetime") else tv


DYNAMIC_INPUT_BINDING = LabelValue(runtime_binding=RuntimeBinding())

__all__ = ["DYNAMIC_INPUT_BINDING", "ArtifactBindingData", "ArtifactID", "ArtifactKey", "ArtifactQuery", "ArtifactTag",
           "Granularity", "InputBindingData", "LabelValue", "Operator", "Partitions", "RuntimeBinding",
           "TimePartition", "TimeTransform", "has_field", "time_of"]
