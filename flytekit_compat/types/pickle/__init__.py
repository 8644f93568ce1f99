"""`flytekit.types.pickle`: values of types flytekit does not know, carried as pickle files."""

from __future__ import annotations

import os
from typing import Any, Generic, TypeVar

import cloudpickle

T = TypeVar("T")


class FlytePickle(Generic[T]):
    """Marker type (`FlytePickle[MyClass]`): the value is cloudpickled into a file."""

    @classmethod
    def python_type(cls) -> Any:
        return cls

    @classmethod
    def _write(cls, ctx: Any, value: Any) -> str:
        """Pickles `value` into a new file of the local raw-data store; its path."""
        path = ctx.file_access.get_random_remote_path("pickle.pkl")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            cloudpickle.dump(value, f)
        os.replace(tmp, path)
        return path

    @classmethod
    def _read(cls, ctx: Any, uri: str) -> Any:
        local = uri
        if "://" in uri and not uri.startswith("file://"):
            local = ctx.file_access.get_random_local_path(uri)
            ctx.file_access.get_data(uri, local)
        with open(local[len("file://"):] if local.startswith("file://") else local, "rb") as f:
            return cloudpickle.load(f)

    @classmethod
    async def to_pickle(cls, ctx: Any, python_val: Any) -> str:
        return cls._write(ctx, python_val)

    @classmethod
    async def from_pickle(cls, uri: str) -> Any:
        from ...core.context_manager import FlyteContextManager

        return cls._read(FlyteContextManager.current_context(), uri)


__all__ = ["FlytePickle"]
