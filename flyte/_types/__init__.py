"""The type system's implementation: the engine, its built-in transformers and the DataFrame
engine. Two public modules present it, each with the SDK's names: `flyte.types` (the engine and
the transformer base classes) and `flyte.io.extend` (the DataFrame encoder/decoder registry).
Other packages use the names below (or the two faces), never the modules behind them.

Importing this loads `flyteidl2`; `import flyte` does not import it.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._engine import (
    RestrictedTypeTransformer,
    SimpleTransformer,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
)
from ._interface import guess_interface
from ._pickle import DEFAULT_PICKLE_BYTES_LIMIT, FlytePickle, FlytePickleTransformer
from ._renderer import Renderable
from ._repr import literal_string_repr

if TYPE_CHECKING:
    from ._containers import DictTransformer, ListTransformer, UnionTransformer
    from ._io import DataFrameDecoder, DataFrameEncoder, DataFrameTransformerEngine
    from ._structs import DataclassTransformer, EnumTransformer, ProtobufTransformer, PydanticTransformer

# The built-in transformers and the DataFrame engine load when first asked for (TypeEngine loads
# them on its first conversion anyway), so `import flyte.types` costs what the engine costs.
_LAZY = {
    **{name: "._containers" for name in ("DictTransformer", "ListTransformer", "UnionTransformer")},
    **{name: "._io" for name in ("DataFrameDecoder", "DataFrameEncoder", "DataFrameTransformerEngine")},
    **{name: "._structs" for name in ("DataclassTransformer", "EnumTransformer", "ProtobufTransformer",
                                      "PydanticTransformer")},
}

__getattr__ = lazy_attributes(__name__, _LAZY, globals())

__all__ = [
    "DEFAULT_PICKLE_BYTES_LIMIT",
    "DataFrameDecoder",
    "DataFrameEncoder",
    "DataFrameTransformerEngine",
    "DataclassTransformer",
    "DictTransformer",
    "EnumTransformer",
    "FlytePickle",
    "FlytePickleTransformer",
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
