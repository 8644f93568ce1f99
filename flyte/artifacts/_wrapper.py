"""`new(value, metadata)`: an output marked as an artifact, still behaving as the value."""

from __future__ import annotations

import copy
from typing import Any, Optional, Protocol, TypeVar, runtime_checkable

from ._metadata import Metadata

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@runtime_checkable
class Artifact(Protocol[T_co]):
    """Anything that can declare itself an artifact: it answers `get_artifact_metadata()` with a
    `Metadata`, or None to publish nothing."""

    def get_artifact_metadata(self) -> Optional[Metadata]: ...


_OWN = ("_obj", "_flyte_metadata", "get_artifact_metadata", "__call__", "__repr__", "__str__", "__bool__", "__len__",
        "__iter__", "__getitem__", "__setitem__", "__contains__", "__reduce_ex__", "__reduce__")


class ArtifactWrapper:
    """The value with its metadata; attribute access, `isinstance` and the usual protocols go to
    the value. Pickled (crossing to another task), it is the bare value: metadata describes one
    task's output, not the values derived from it."""

    __slots__ = ("_flyte_metadata", "_obj")

    def __init__(self, obj: Any, metadata: Metadata) -> None:
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_flyte_metadata", metadata)

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":
            return type(object.__getattribute__(self, "_obj"))
        if name in _OWN:
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "_obj"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._obj, name, value)

    def __delattr__(self, name: str) -> None:
        if name in ("_obj", "_flyte_metadata"):
            raise AttributeError(f"Cannot delete {name}")
        delattr(self._obj, name)

    def get_artifact_metadata(self) -> Metadata:
        """A copy of the metadata (never None for a wrapper)."""
        return copy.deepcopy(self._flyte_metadata)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self._obj.__reduce_ex__(protocol)

    def __reduce__(self) -> Any:
        return self._obj.__reduce__()

    def __str__(self) -> str:
        return str(self._obj)

    def __repr__(self) -> str:
        return f"Artifact[{type(self._obj).__name__}]({self._obj})"

    def __bool__(self) -> bool:
        return bool(self._obj)

    def __len__(self) -> int:
        return len(self._obj)

    def __iter__(self) -> Any:
        return iter(self._obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._obj(*args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return self._obj[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._obj[key] = value

    def __contains__(self, item: Any) -> bool:
        return item in self._obj


def unwrap(value: Any) -> Any:
    """The value inside an artifact wrapper (anything else as it is)."""
    return object.__getattribute__(value, "_obj") if type(value) is ArtifactWrapper else value


def declared_metadata(obj: Any) -> Optional[Metadata]:
    """The metadata a value declares through the protocol, or None (classes never do)."""
    if isinstance(obj, type) or not isinstance(obj, Artifact):
        return None
    getter = getattr(obj, "get_artifact_metadata", None)
    return getter() if callable(getter) else None


def ensure_artifactable(obj: Any) -> None:
    """Only offloaded assets are artifacts: flyte.io File, Dir, DataFrame, or a value that
    declares itself one (`get_artifact_metadata`)."""
    from ..io import DataFrame, Dir, File

    if isinstance(obj, (File, Dir, DataFrame)):
        return
    if not isinstance(obj, type) and isinstance(obj, Artifact):
        return
    raise TypeError(f"values of type {type(obj).__name__!r} cannot be artifacts; artifacts are offloaded assets: "
                    "flyte.io.File, flyte.io.Dir, or flyte.io.DataFrame (wrap a raw dataframe with DataFrame.from_df())")


def new(obj: T, metadata: Metadata) -> T:
    """`obj` marked as an artifact described by `metadata`, behaving exactly as `obj`.
    Return it from a task (as a top-level output): the run records it as published."""
    ensure_artifactable(obj)
    wrapper = ArtifactWrapper(obj, metadata)
    from ._local import pending_output

    pending_output(obj, metadata)
    return wrapper  # type: ignore[return-value]
