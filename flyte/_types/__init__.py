"""The type system's implementation: the engine, its built-in transformers and the DataFrame
engine. Two public modules present it, each with the SDK's names: `flyte.types` (the engine and
the transformer base classes) and `flyte.io.extend` (the DataFrame encoder/decoder registry).
Everything else in the runtime imports the names below, never the modules behind them.

Importing this loads `flyteidl2`; `import flyte` does not import it.
"""

from ._containers import DictTransformer, ListTransformer, UnionTransformer
from ._engine import (
    RestrictedTypeTransformer,
    SimpleTransformer,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
)
from ._interface import guess_interface
from ._io import DataFrameDecoder, DataFrameEncoder, DataFrameTransformerEngine
from ._pickle import FlytePickle
from ._renderer import Renderable
from ._repr import literal_string_repr
from ._structs import DataclassTransformer, EnumTransformer, ProtobufTransformer, PydanticTransformer

__all__ = [
    "DataFrameDecoder",
    "DataFrameEncoder",
    "DataFrameTransformerEngine",
    "DataclassTransformer",
    "DictTransformer",
    "EnumTransformer",
    "FlytePickle",
    "ListTransformer",
    "ProtobufTransformer",
    "PydanticTransformer",
    "Renderable",
    "RestrictedTypeTransformer",
    "SimpleTransformer",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "UnionTransformer",
    "guess_interface",
    "literal_string_repr",
]
