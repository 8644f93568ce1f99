"""The SDK's `flyte.types._type_engine` names, for programs that import transformers from there.

The SDK keeps its built-in transformers in this private module and its own example programs
import them from it (`from flyte.types._type_engine import PydanticTransformer`). Ours live in
`_engine`, `_structs` and `_containers`; this module only gives them the SDK's address, so those
programs run unchanged. New code should use `flyte.types.TypeEngine.get_transformer(T)`.
"""

from ._containers import DictTransformer, ListTransformer, UnionTransformer
from ._engine import (
    RestrictedTypeTransformer,
    SimpleTransformer,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
)
from ._structs import DataclassTransformer, EnumTransformer, ProtobufTransformer, PydanticTransformer

__all__ = [
    "DataclassTransformer",
    "DictTransformer",
    "EnumTransformer",
    "ListTransformer",
    "ProtobufTransformer",
    "PydanticTransformer",
    "RestrictedTypeTransformer",
    "SimpleTransformer",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "UnionTransformer",
]
