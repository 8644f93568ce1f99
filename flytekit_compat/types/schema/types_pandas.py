"""FlyteSchema"s pandas transformer (import-only)."""

from __future__ import annotations

from ..._internal import internal_classes

_WHY = "type transformer"
(PandasDataFrameTransformer, PandasSchemaReader, PandasSchemaWriter,) = internal_classes(
    __name__, _WHY, "PandasDataFrameTransformer", "PandasSchemaReader", "PandasSchemaWriter"
)

__all__ = ["PandasDataFrameTransformer", "PandasSchemaReader", "PandasSchemaWriter"]
