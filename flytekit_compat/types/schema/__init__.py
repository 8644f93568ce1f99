"""`flytekit.types.schema`: the deprecated `FlyteSchema` dataframe type."""

from ._schema import FlyteSchema, SchemaFormat, SchemaOpenMode

__all__ = ["FlyteSchema", "SchemaFormat", "SchemaOpenMode"]
