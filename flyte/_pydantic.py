"""One pydantic `TypeAdapter` per type hint, built on first use and kept (building one costs
milliseconds). The type system (`flyte.types`) and `flyte.remote` both validate values with them;
it lives here, outside both public modules, so that each uses it by a name that is not another
package's private.
"""

from __future__ import annotations

from typing import Any

_adapters: dict[Any, Any] = {}


def adapter(tp: Any) -> Any:
    """A cached pydantic TypeAdapter for `tp` (building one costs milliseconds)."""
    try:
        found = _adapters.get(tp)
    except TypeError:  # unhashable type hint
        found = None
    if found is None:
        from pydantic import ConfigDict, TypeAdapter

        try:
            found = TypeAdapter(tp, config=ConfigDict(arbitrary_types_allowed=True))
        except Exception:  # a pydantic model or dataclass carries its own config
            found = TypeAdapter(tp)
        try:
            _adapters[tp] = found
        except TypeError:
            pass
    return found
