"""Artifacts: named, partitioned outputs that later runs can look up.

`Artifact(name=..., partition_keys=[...], time_partitioned=...)` names a kind of output;
`Annotated[T, MyArtifact(region=Inputs.region, time_partition=Inputs.dt)]` on a task's output
says that each value it returns is an artifact of that kind, with partition values that are
fixed strings, inputs of the task, or set while it runs with `MyArtifact.create_from(value,
region="x")`. `MyArtifact.query(region="x")` used as an input's default picks, when the
workflow or launch plan runs without that input, the latest such artifact.

On a Flyte backend the artifact service records and answers these; here the shim records every
artifact output in a local store under `$FLYTE_HOME` (see `flytekit_compat/_artifact_store.py`)
and resolves queries against it.
"""

from __future__ import annotations

import contextvars
import datetime
import typing
from datetime import timedelta
from typing import Any, Optional, Union

from ..models import artifact_id as art_id
from ..models.artifact_id import DYNAMIC_INPUT_BINDING, Granularity, has_field, time_of
from ..models.artifact_id import Operator as Op

TIME_PARTITION_KWARG = "time_partition"
MAX_PARTITIONS = 10

O = typing.TypeVar("O")  # noqa: E741


def _is_input_binding(v: Any) -> bool:
    return type(v).__name__ == "InputBindingData" and hasattr(v, "var")


class InputsBase:
    """`Inputs.x`: a partition value bound to the input `x` of the task or workflow."""

    def __getattr__(self, name: str) -> art_id.InputBindingData:
        if name.startswith("__"):
            raise AttributeError(name)
        return art_id.InputBindingData(var=name)


Inputs = InputsBase()


class TimePartition:
    """A time partition's value (a time, or a binding), with an optional offset and a granularity."""

    def __init__(self, value: Any, op: Optional[int] = None, other: Optional[timedelta] = None,
                 granularity: int = Granularity.DAY):
        if isinstance(value, str):
            raise ValueError(f"value to a time partition shouldn't be a str {value}")
        if isinstance(value, datetime.datetime):
            value = art_id.LabelValue(time_value=value)
        elif _is_input_binding(value):
            value = art_id.LabelValue(input_binding=value)
        self.value = value
        self.op = op
        self.other = other
        self.reference_artifact: Optional[Artifact] = None
        self.granularity = granularity

    def __rich_repr__(self) -> typing.Iterator[tuple[str, Any]]:
        if self.value is not None and hasattr(self.value, "HasField"):
            if has_field(self.value, "time_value"):
                yield "Time Partition", str(time_of(self.value))
            elif has_field(self.value, "input_binding"):
                yield "Time Partition (bound to)", self.value.input_binding.var
            else:
                yield "Time Partition", "unspecified"
        else:
            yield "Time Partition", "unspecified"

    def _repr_html_(self) -> str:
        return "".join(str(x) for x in self.__rich_repr__())

    def _shifted(self, op: int, other: timedelta) -> TimePartition:
        tp = TimePartition(self.value, op=op, other=other, granularity=self.granularity)
        tp.reference_artifact = self.reference_artifact
        return tp

    def __add__(self, other: timedelta) -> TimePartition:
        return self._shifted(Op.PLUS, other)

    def __sub__(self, other: timedelta) -> TimePartition:
        return self._shifted(Op.MINUS, other)

    def to_flyte_idl(self, **kwargs: Any) -> Optional[art_id.TimePartition]:
        return Serializer.time_partition_to_idl(self, **kwargs)


class Partition:
    def __init__(self, value: Any, name: str):
        self.name = name
        self.value = value
        self.reference_artifact: Optional[Artifact] = None

    def __rich_repr__(self) -> typing.Iterator[tuple[str, Any]]:
        yield self.name, self.value

    def _repr_html_(self) -> str:
        return "".join(f"{k}: {v}" for k, v in self.__rich_repr__())


class Partitions:
    """Partition values by key (static strings, input bindings, or Partition objects)."""

    def __init__(self, partitions: Optional[typing.Mapping[str, Any]]):
        self._partitions: dict[str, Partition] = {}
        for k, v in (partitions or {}).items():
            if isinstance(v, Partition):
                self._partitions[k] = v
            elif _is_input_binding(v):
                self._partitions[k] = Partition(art_id.LabelValue(input_binding=v), name=k)
            else:
                self._partitions[k] = Partition(art_id.LabelValue(static_value=v), name=k)
        self.reference_artifact: Optional[Artifact] = None

    def __rich_repr__(self) -> typing.Iterator[Any]:
        if self.partitions:
            yield "Partitions", ", ".join(str(next(p.__rich_repr__())) for p in self.partitions.values())
        else:
            yield ""

    def _repr_html_(self) -> str:
        return ", ".join(str(x) for x in self.__rich_repr__())

    @property
    def partitions(self) -> dict[str, Partition]:
        return self._partitions

    def set_reference_artifact(self, artifact: Artifact) -> None:
        self.reference_artifact = artifact
        for p in self._partitions.values():
            p.reference_artifact = artifact

    def __getattr__(self, item: str) -> Partition:
        if item in ("partitions", "_partitions") or item.startswith("__"):
            raise AttributeError(item)
        if item in self._partitions:
            return self._partitions[item]
        raise AttributeError(f"Partition {item} not found in {self}")

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def to_flyte_idl(self, **kwargs: Any) -> Optional[art_id.Partitions]:
        return Serializer.partitions_to_idl(self, **kwargs)


class ArtifactIDSpecification:
    """How a task output becomes an artifact: the artifact, with its partition values bound."""

    def __init__(self, a: Artifact):
        self.artifact = a
        self.partitions: Optional[Partitions] = None
        self.time_partition: Optional[TimePartition] = None

    def __call__(self, *args: Any, **kwargs: Any) -> ArtifactIDSpecification:
        return self.bind_partitions(*args, **kwargs)

    def bind_partitions(self, *args: Any, **kwargs: Any) -> ArtifactIDSpecification:
        if args:
            raise ValueError("Cannot set partition values by position")
        granularity = self.artifact.time_partition_granularity or Granularity.DAY
        if TIME_PARTITION_KWARG in kwargs:
            if not self.artifact.time_partitioned:
                raise ValueError("Cannot bind time partition to non-time partitioned artifact")
            p = kwargs.pop(TIME_PARTITION_KWARG)
            if isinstance(p, datetime.datetime):
                self.time_partition = TimePartition(value=art_id.LabelValue(time_value=p), granularity=granularity)
            elif _is_input_binding(p):
                self.time_partition = TimePartition(value=art_id.LabelValue(input_binding=p), granularity=granularity)
            else:
                raise ValueError(f"Time partition needs to be input binding data or static string, not {p}")
        elif self.artifact.time_partitioned and self.time_partition is None:
            self.time_partition = TimePartition(value=DYNAMIC_INPUT_BINDING)
        if self.artifact.partition_keys:
            p_obj = self.partitions or Partitions(None)
            for k, v in kwargs.items():
                if k not in self.artifact.partition_keys:
                    raise ValueError(f"Partition key {k} not found in {self.artifact.partition_keys}")
                if _is_input_binding(v):
                    p_obj.partitions[k] = Partition(art_id.LabelValue(input_binding=v), name=k)
                elif isinstance(v, str):
                    p_obj.partitions[k] = Partition(art_id.LabelValue(static_value=v), name=k)
                else:
                    raise ValueError(f"Partition key {k} needs to be input binding data or static string, not {v}")
            for k in self.artifact.partition_keys:
                if k not in p_obj.partitions:
                    p_obj.partitions[k] = Partition(value=DYNAMIC_INPUT_BINDING, name=k)
            self.partitions = p_obj
        return self

    def to_partial_artifact_id(self) -> art_id.ArtifactID:
        base = self.artifact.to_id_idl()
        partitions = Serializer.partitions_to_idl(self.partitions)
        tp = None
        if self.artifact.time_partitioned:
            if not self.time_partition:
                raise ValueError(f"Artifact {base.artifact_key} requires a time partition, but it hasn't been bound.")
            tp = self.time_partition.to_flyte_idl()
        if self.artifact.partition_keys:
            required = len(self.artifact.partition_keys)
            fulfilled = len(partitions.value) if partitions else 0
            if required != fulfilled:
                raise ValueError(f"Artifact {base.artifact_key} requires {required} partitions, but only {fulfilled} "
                                 "are bound.")
        return art_id.ArtifactID(artifact_key=base.artifact_key, partitions=partitions, time_partition=tp,
                                 version=base.version)

    def __repr__(self) -> str:
        return (f"ArtifactIDSpecification({self.artifact.name}, {self.artifact.partition_keys}, "
                f"TP: {self.artifact.time_partitioned})")


class ArtifactQuery:
    """A lookup of the latest artifact of a kind, optionally narrowed by partition and time."""

    def __init__(self, artifact: Artifact, name: str, project: Optional[str] = None, domain: Optional[str] = None,
                 time_partition: Optional[TimePartition] = None, partitions: Optional[Partitions] = None,
                 tag: Optional[str] = None):
        if not name:
            raise ValueError("Cannot create query without name")
        self.artifact = artifact
        bindings: list[Artifact] = []
        if time_partition and time_partition.reference_artifact and time_partition.reference_artifact is not artifact:
            bindings.append(time_partition.reference_artifact)
        if partitions and partitions.partitions:
            for p in partitions.partitions.values():
                if p.reference_artifact and p.reference_artifact is not artifact:
                    bindings.append(p.reference_artifact)
        self.name = name
        self.project = project
        self.domain = domain
        self.time_partition = time_partition
        self.partitions = partitions
        self.tag = tag
        if len({id(b) for b in bindings}) > 1:
            raise ValueError(f"Multiple bindings found in query {self}")
        self.binding: Optional[Artifact] = bindings[0] if bindings else None

    @property
    def bound(self) -> bool:
        if self.artifact.time_partitioned and not (self.time_partition and self.time_partition.value):
            return False
        if self.artifact.partition_keys:
            wanted = set(self.artifact.partition_keys)
            have = set()
            if self.partitions and self.partitions.partitions:
                have = {k for k, p in self.partitions.partitions.items() if p.value}
            if wanted != have:
                return False
        return True

    def to_flyte_idl(self, **kwargs: Any) -> art_id.ArtifactQuery:
        return Serializer.artifact_query_to_idl(self, **kwargs)

    def get_time_partition_str(self, **kwargs: Any) -> str:
        if not self.time_partition or self.time_partition.value is None:
            return ""
        value = self.time_partition.value
        if has_field(value, "time_value"):
            return f" Time partition: {time_of(value)}"
        if has_field(value, "input_binding"):
            var = value.input_binding.var
            if var not in kwargs:
                raise ValueError(f"Time partition input binding {var} not found in kwargs")
            return f" Time partition from input<{var}>,"
        return ""

    def get_partition_str(self, **kwargs: Any) -> str:
        if not (self.partitions and self.partitions.partitions):
            return ""
        out = " Partitions: "
        for k, p in self.partitions.partitions.items():
            if p.value is not None and has_field(p.value, "static_value"):
                out += f"{k}={p.value.static_value}, "
            elif p.value is not None and has_field(p.value, "input_binding"):
                var = p.value.input_binding.var
                if var not in kwargs:
                    raise ValueError(f"Partition input binding {var} not found in kwargs")
                out += f"{k} from input<{var}>, "
        return out.rstrip("\n\r, ")

    def get_str(self, **kwargs: Any) -> str:
        return f"'{self.artifact.name}'...{self.get_time_partition_str(**kwargs)}{self.get_partition_str(**kwargs)}"

    def __str__(self) -> str:
        return f"Artifact Query: on {self.artifact.name}"

    def resolve(self, inputs: Optional[dict[str, Any]] = None) -> Any:
        """The value of the latest matching artifact in the local store (inputs fill `Inputs.x`
        bindings); LookupError naming the query when there is none."""
        from .._artifact_store import ArtifactStore

        return ArtifactStore.default().resolve(self, inputs or {})


class Artifact:
    """A named kind of output, optionally partitioned by keys and/or by time."""

    def __init__(self, project: Optional[str] = None, domain: Optional[str] = None, name: Optional[str] = None,
                 version: Optional[str] = None, time_partitioned: bool = False,
                 time_partition: Optional[TimePartition] = None, time_partition_granularity: Optional[int] = None,
                 partition_keys: Optional[list[str]] = None, partitions: Optional[Union[Partitions, dict[str, str]]] = None):
        if not name:
            raise ValueError("Can't instantiate an Artifact without a name.")
        self.project = project
        self.domain = domain
        self.name = name
        self.version = version
        self.time_partitioned = time_partitioned
        self._time_partition: Optional[TimePartition] = None
        if time_partition:
            self._time_partition = time_partition
            time_partition.reference_artifact = self
        self.partition_keys = partition_keys
        self._partitions: Optional[Partitions] = None
        self.time_partition_granularity = time_partition_granularity
        if partitions:
            if isinstance(partitions, dict):
                self._partitions = Partitions(partitions)
                self.partition_keys = list(partitions)
            elif isinstance(partitions, Partitions):
                if not partitions.partitions:
                    raise ValueError("Partitions must be non-empty")
                self._partitions = partitions
                self.partition_keys = list(partitions.partitions)
            else:
                raise ValueError(f"Partitions must be a dict or Partitions object, not {type(partitions)}")
            self._partitions.set_reference_artifact(self)
        elif partition_keys:
            self._partitions = Partitions({k: Partition(None, name=k) for k in partition_keys})
            self._partitions.set_reference_artifact(self)
        if self.partition_keys and len(self.partition_keys) > MAX_PARTITIONS:
            raise ValueError("There is a hard limit of 10 partition keys per artifact currently.")

    def __call__(self, *args: Any, **kwargs: Any) -> ArtifactIDSpecification:
        return ArtifactIDSpecification(self).bind_partitions(*args, **kwargs)

    @property
    def partitions(self) -> Optional[Partitions]:
        return self._partitions

    @property
    def time_partition(self) -> TimePartition:
        if not self.time_partitioned:
            raise ValueError(f"Artifact {self.name} is not time partitioned")
        if self._time_partition is None:
            self._time_partition = TimePartition(None, granularity=self.time_partition_granularity or Granularity.DAY)
            self._time_partition.reference_artifact = self
        return self._time_partition

    def __str__(self) -> str:
        tp = f"  time partition={self.time_partition}\n" if self.time_partitioned else ""
        return (f"Artifact: project={self.project}, domain={self.domain}, name={self.name}, version={self.version}\n"
                f"  name={self.name}\n  partitions={self.partitions}\n{tp}")

    __repr__ = __str__

    def create_from(self, o: O, card: Any = None, *args: Any, **kwargs: Any) -> O:
        """Inside a task: `o` (returned by the task) becomes this artifact with these partition
        values (and `time_partition=`); the value itself is returned unchanged."""
        tracker = _OUTPUT_METADATA.get()
        if tracker is not None:
            tp = kwargs.pop(TIME_PARTITION_KWARG, None)
            tracker[id(o)] = OutputMetadata(self, time_partition=tp,
                                            dynamic_partitions={k: str(v) for k, v in kwargs.items()} or None,
                                            additional_items=[a for a in (card, *args) if a is not None] or None)
            _KEEP_ALIVE.get().append(o)  # the id stays this object's while the task runs
        return o

    def query(self, project: Optional[str] = None, domain: Optional[str] = None, time_partition: Any = None,
              partitions: Optional[Union[dict[str, str], Partitions]] = None, **kwargs: Any) -> ArtifactQuery:
        if self.partition_keys:
            reserved = {"project", "domain", "time_partition", "partitions", "tag"}
            if reserved & set(self.partition_keys):
                raise ValueError(f"There are conflicting partition key names {reserved ^ set(self.partition_keys)}, "
                                 "please rename use a partitions object")
        if partitions and kwargs:
            raise ValueError("Please either specify kwargs or a partitions object not both")
        p_obj: Optional[Partitions] = None
        if kwargs:
            p_obj = Partitions(kwargs)
            p_obj.reference_artifact = self
        if partitions and isinstance(partitions, dict):
            p_obj = Partitions(partitions)
            p_obj.reference_artifact = self
        elif isinstance(partitions, Partitions):
            p_obj = partitions
        tp = None
        if time_partition is not None:
            if isinstance(time_partition, TimePartition):
                tp = TimePartition(time_partition.value, op=time_partition.op, other=time_partition.other,
                                   granularity=self.time_partition_granularity or Granularity.DAY)
                tp.reference_artifact = time_partition.reference_artifact
            else:
                tp = TimePartition(time_partition)
                tp.reference_artifact = self
        tp = tp or (self.time_partition if self.time_partitioned else None)
        return ArtifactQuery(artifact=self, name=self.name, project=project or self.project or None,
                             domain=domain or self.domain or None, time_partition=tp, partitions=p_obj or self.partitions)

    @property
    def concrete_artifact_id(self) -> art_id.ArtifactID:
        if self.name is None or self.project is None or self.domain is None or self.version is None:
            raise ValueError("Cannot create artifact id without name, project, domain, version")
        return self.to_id_idl()

    def embed_as_query(self, partition: Optional[str] = None, bind_to_time_partition: Optional[bool] = None,
                       expr: Optional[str] = None, op: Optional[int] = None) -> art_id.ArtifactQuery:
        t = art_id.TimeTransform(transform=expr, op=op) if expr and (partition or bind_to_time_partition) else None
        return art_id.ArtifactQuery(binding=art_id.ArtifactBindingData(
            partition_key=partition, bind_to_time_partition=bind_to_time_partition, time_transform=t))

    def to_id_idl(self) -> art_id.ArtifactID:
        partitions = Serializer.partitions_to_idl(self.partitions)
        tp = Serializer.time_partition_to_idl(self.time_partition) if self.time_partitioned else None
        return art_id.ArtifactID(artifact_key=art_id.ArtifactKey(project=self.project, domain=self.domain,
                                                                 name=self.name),
                                 version=self.version, partitions=partitions, time_partition=tp)


class OutputMetadata:
    """What `create_from` attached to an output value."""

    def __init__(self, artifact: Artifact, time_partition: Optional[datetime.datetime] = None,
                 dynamic_partitions: Optional[dict[str, str]] = None, additional_items: Optional[list[Any]] = None):
        self.artifact = artifact
        self.time_partition = time_partition
        self.dynamic_partitions = dynamic_partitions
        self.additional_items = additional_items


# While a task body runs: id(output value) -> its OutputMetadata (and the values, kept alive).
_OUTPUT_METADATA: contextvars.ContextVar[Optional[dict[int, OutputMetadata]]] = contextvars.ContextVar(
    "flytekit_output_metadata", default=None)
_KEEP_ALIVE: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("flytekit_output_metadata_values")


class ArtifactSerializationHandler(typing.Protocol):
    def partitions_to_idl(self, p: Optional[Partitions], **kwargs: Any) -> Optional[art_id.Partitions]: ...

    def time_partition_to_idl(self, tp: Optional[TimePartition], **kwargs: Any) -> Optional[art_id.TimePartition]: ...

    def artifact_query_to_idl(self, aq: ArtifactQuery, **kwargs: Any) -> art_id.ArtifactQuery: ...


class DefaultArtifactSerializationHandler:
    def partitions_to_idl(self, p: Optional[Partitions], **kwargs: Any) -> Optional[art_id.Partitions]:
        if p and p.partitions:
            return art_id.Partitions(value={k: (v.value if v.value is not None else art_id.LabelValue(static_value=""))
                                            for k, v in p.partitions.items()})
        return None

    def time_partition_to_idl(self, tp: Optional[TimePartition], **kwargs: Any) -> Optional[art_id.TimePartition]:
        return art_id.TimePartition(value=tp.value, granularity=tp.granularity) if tp else None

    def artifact_query_to_idl(self, aq: ArtifactQuery, **kwargs: Any) -> art_id.ArtifactQuery:
        key = art_id.ArtifactKey(name=aq.name, project=aq.project, domain=aq.domain)
        return art_id.ArtifactQuery(artifact_id=art_id.ArtifactID(
            artifact_key=key, partitions=self.partitions_to_idl(aq.partitions),
            time_partition=self.time_partition_to_idl(aq.time_partition)))


class Serializer:
    serializer: Any = DefaultArtifactSerializationHandler()

    @classmethod
    def register_serializer(cls, serializer: Any) -> None:
        cls.serializer = serializer

    @classmethod
    def partitions_to_idl(cls, p: Optional[Partitions], **kwargs: Any) -> Optional[art_id.Partitions]:
        return cls.serializer.partitions_to_idl(p, **kwargs)

    @classmethod
    def time_partition_to_idl(cls, tp: Optional[TimePartition], **kwargs: Any) -> Optional[art_id.TimePartition]:
        return cls.serializer.time_partition_to_idl(tp, **kwargs)

    @classmethod
    def artifact_query_to_idl(cls, aq: ArtifactQuery, **kwargs: Any) -> art_id.ArtifactQuery:
        return cls.serializer.artifact_query_to_idl(aq, **kwargs)


__all__ = ["Artifact", "ArtifactIDSpecification", "ArtifactQuery", "DefaultArtifactSerializationHandler",
           "Granularity", "Inputs", "InputsBase", "OutputMetadata", "Partition", "Partitions", "Serializer",
           "TIME_PARTITION_KWARG", "TimePartition"]
