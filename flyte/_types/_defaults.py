"""The built-in transformers, registered on the engine's first use."""

from __future__ import annotations

import sys
import types
import typing
from typing import Any


def register_defaults(engine: Any) -> None:
    from . import _scalars
    from ._containers import DictTransformer, ListTransformer, UnionTransformer
    from ._io import register_io
    from ._pickle import FlytePickleTransformer
    from ._structs import (
        DataclassTransformer,
        EnumTransformer,
        NamedTupleTransformer,
        ProtobufTransformer,
        PydanticTransformer,
        TupleTransformer,
        TypedDictTransformer,
    )

    for transformer in _scalars.ALL:
        engine.register(transformer)
    engine.register(_scalars.NoneTransformer, [None])
    engine.register(ListTransformer())
    union: UnionTransformer = UnionTransformer()
    engine.register(union, [types.UnionType] if sys.version_info >= (3, 10) and types.UnionType is not typing.Union
                    else [])
    engine.register(DictTransformer())
    engine._ENUM_TRANSFORMER = EnumTransformer()
    engine.register(engine._ENUM_TRANSFORMER)
    engine.register(ProtobufTransformer())
    try:
        engine.register(PydanticTransformer())
    except ImportError:  # pydantic is optional; models are then pickled
        pass
    engine._PICKLE_TRANSFORMER = FlytePickleTransformer()
    engine.register(engine._PICKLE_TRANSFORMER)
    register_io(engine)
    engine._DATACLASS_TRANSFORMER = DataclassTransformer()
    engine._TUPLE_TRANSFORMER = TupleTransformer()
    engine._NAMEDTUPLE_TRANSFORMER = NamedTupleTransformer()
    engine._TYPEDDICT_TRANSFORMER = TypedDictTransformer()
