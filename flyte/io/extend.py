"""Extension points for dataframe libraries: register a `DataFrameEncoder`/`DataFrameDecoder`
with `DataFrameTransformerEngine.register` and that library's frames pass between tasks as
`flyte.io.DataFrame` values do. (Importing this loads the type system, `flyte.types`.)"""

from ..types._io import DataFrameDecoder, DataFrameEncoder, DataFrameTransformerEngine

__all__ = ["DataFrameDecoder", "DataFrameEncoder", "DataFrameTransformerEngine"]
