"""`FlyteSchema`: flytekit's deprecated dataframe type (StructuredDataset's predecessor).

A schema holds one dataframe: a task writes it (`s.open().write(df)`, or simply returns a
DataFrame where a FlyteSchema is declared) and the next task reads it (`s.open().all()`).
`FlyteSchema[kwtypes(a=int)]` names the columns.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, Optional


class SchemaOpenMode(enum.Enum):
    READ = "r"
    WRITE = "w"


class SchemaFormat(enum.Enum):
    PARQUET = "parquet"


try:  # dataclasses using mashumaro mixins may hold a schema field; mashumaro then asks it to serialise itself
    from mashumaro.types import SerializableType as _Serializable
except ImportError:  # mashumaro is optional
    _Serializable = object  # type: ignore[assignment,misc]


def _is_dataframe(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "DataFrame" and cls.__module__.split(".")[0] in ("pandas", "polars", "pyarrow")


class FlyteSchema(_Serializable):  # type: ignore[misc,valid-type]
    _columns: dict[str, type] = {}
    _format: SchemaFormat = SchemaFormat.PARQUET

    def __class_getitem__(cls, columns: Any) -> type:
        if columns is None or (isinstance(columns, dict) and not columns):
            return cls
        if not isinstance(columns, dict):
            raise AssertionError(f"FlyteSchema[...] takes an ordered dict of column names to types (kwtypes), got {columns!r}")
        return type(f"FlyteSchema_{'_'.join(columns)}", (cls,), {"_columns": dict(columns), "__module__": cls.__module__})

    @classmethod
    def columns(cls) -> dict[str, type]:
        return dict(cls._columns)

    @classmethod
    def column_names(cls) -> list[str]:
        return list(cls._columns)

    @classmethod
    def format(cls) -> SchemaFormat:
        return cls._format

    def __init__(self, local_path: Optional[str] = None, remote_path: Optional[str] = None,
                 supported_mode: SchemaOpenMode = SchemaOpenMode.WRITE, downloader: Any = None):
        self._local_path = local_path
        self._remote_path = remote_path
        self._supported_mode = supported_mode
        self._dataframe: Any = None

    def _serialize(self) -> dict[str, Any]:
        return {"remote_path": self._remote_path, "local_path": self._local_path}

    @classmethod
    def _deserialize(cls, value: dict[str, Any]) -> FlyteSchema:
        return cls(local_path=value.get("local_path"), remote_path=value.get("remote_path"),
                   supported_mode=SchemaOpenMode.READ)

    @property
    def local_path(self) -> Optional[str]:
        return self._local_path

    @property
    def remote_path(self) -> Optional[str]:
        return self._remote_path

    @property
    def supported_mode(self) -> SchemaOpenMode:
        return self._supported_mode

    def open(self, dataframe_fmt: Any = None, override_mode: Optional[SchemaOpenMode] = None) -> _SchemaHandle:
        mode = override_mode or self._supported_mode
        return _SchemaHandle(self, mode)

    def as_readonly(self) -> FlyteSchema:
        copy = type(self)(self._local_path, self._remote_path, SchemaOpenMode.READ)
        copy._dataframe = self._dataframe
        return copy

    @classmethod
    def _flytekit_coerce(cls, value: Any) -> FlyteSchema:
        # flytekit lets a task return (or a caller pass) a bare DataFrame where a FlyteSchema is declared.
        if isinstance(value, FlyteSchema):
            if type(value) is cls or not cls._columns:
                return value
            out = cls(value._local_path, value._remote_path, SchemaOpenMode.READ)
            out._dataframe = value._dataframe
            return out
        if _is_dataframe(value):
            out = cls(supported_mode=SchemaOpenMode.READ)
            out._dataframe = value
            return out
        raise TypeError(f"Expected a FlyteSchema or a DataFrame, got {type(value)}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FlyteSchema) and (type(self)._columns, self._remote_path, self._local_path) == (
            type(other)._columns, other._remote_path, other._local_path)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(columns={list(self._columns) or None})"


class _SchemaHandle:
    def __init__(self, schema: FlyteSchema, mode: SchemaOpenMode):
        self._schema = schema
        self._mode = mode

    def write(self, *dfs: Any, **kwargs: Any) -> None:
        if self._mode != SchemaOpenMode.WRITE:
            raise AssertionError("This schema was opened for reading; open it with SchemaOpenMode.WRITE to write")
        if len(dfs) != 1:
            raise AssertionError("Write one dataframe at a time")
        self._schema._dataframe = dfs[0]

    def all(self, **kwargs: Any) -> Any:
        df = self._schema._dataframe
        if df is None:
            raise ValueError("This schema holds no data (nothing was written to it)")
        columns = type(self._schema)._columns
        if columns and hasattr(df, "columns"):
            return df[list(columns)]
        return df

    def iter(self, **kwargs: Any) -> Iterator[Any]:
        yield self.all()
