"""The SDK's `flyte.types._type_engine` names, for programs that import transformers from there.

The SDK keeps its built-in transformers in this private module and its own example programs
import them from it (`from flyte.types._type_engine import PydanticTransformer`). Ours live in
the private `flyte._types`; this module only gives them the SDK's address, so those
programs run unchanged. New code should use `flyte.types.TypeEngine.get_transformer(T)`.
"""

from .._types import (
    DataclassTransformer,
    DictTransformer,
    EnumTransformer,
    ListTransformer,
    ProtobufTransformer,
    PydanticTransformer,
    RestrictedTypeTransformer,
    SimpleTransformer,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
    UnionTransformer,
)

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
