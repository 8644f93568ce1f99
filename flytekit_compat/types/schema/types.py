"""`flytekit.types.schema.types` (import path kept for legacy code)."""

from ..._internal import internal_classes
from ._schema import FlyteSchema, SchemaFormat, SchemaOpenMode

(FlyteSchemaTransformer,) = internal_classes(__name__, "type transformer", "FlyteSchemaTransformer")

__all__ = ["FlyteSchema", "FlyteSchemaTransformer", "SchemaFormat", "SchemaOpenMode"]
