"""cloudpickle, plus the runtime's own objects that must cross processes by recipe."""

from __future__ import annotations

import io
import types
from typing import Any, Optional

_pickler: Optional[type] = None


def _pickler_class() -> type:
    global _pickler
    if _pickler is None:
        import cloudpickle  # deferred: importing it costs ~10 ms and most runs pass plain data

        class Pickler(cloudpickle.Pickler):
            def reducer_override(self, obj: Any) -> Any:
                if isinstance(obj, types.FunctionType):
                    inner = obj.__dict__.get("__flyte_traced__")
                    if inner is not None:
                        from .._trace import trace

                        return trace, (inner,)
                return super().reducer_override(obj)

        _pickler = Pickler
    return _pickler


def dumps(obj: Any) -> bytes:
    """Pickle `obj` (functions and classes by value where cloudpickle would). A `@flyte.trace`
    function travels as `flyte.trace(original)`: its wrapper closes over context variables."""
    buf = io.BytesIO()
    _pickler_class()(buf, protocol=5).dump(obj)
    return buf.getvalue()
