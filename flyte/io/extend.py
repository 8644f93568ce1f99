"""Extension points for dataframe libraries: register a `DataFrameEncoder`/`DataFrameDecoder`
with `DataFrameTransformerEngine.register` and that library's frames pass between tasks as
`flyte.io.DataFrame` values do. The classes are the type system's (`flyte._types`, which
`flyte.types` presents too); importing this module loads it."""

from .._types import DataFrameDecoder, DataFrameEncoder, DataFrameTransformerEngine

__all__ = ["DataFrameDecoder", "DataFrameEncoder", "DataFrameTransformerEngine"]
