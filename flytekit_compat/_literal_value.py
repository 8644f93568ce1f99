"""`LiteralValue`: a flytekit literal on its way to the next task, carried by Flyte 2's type engine.

When a value crosses a task boundary as the literal its transformer made (see
`_literal_crossing`), the runtime records, caches and replays it like any other task output. It
does so through `flyte.types`, the runtime's own type engine: this module registers a Flyte 2
`TypeTransformer` for `LiteralValue`, so the runtime stores the literal as the serialized
`flyteidl2` Literal it converts to (field for field, as a Flyte backend stores a flytekit literal),
the same way it stores a Flyte 2 program's values of user-registered types. One engine decides how
values cross tasks; nothing is pickled, and a stored output reads back in another process (a
resumed run) without the classes that made it.

Importing this module loads `flyte.types` (and protobuf): it is imported the first time a literal
crosses, or by the runtime when it reads one back, never by `import flytekit`.
"""

from __future__ import annotations

from typing import Any, Optional

from flyteidl2.core import literals_pb2, types_pb2

import flyte.types

from .models import _flyteidl2


class LiteralValue:
    """A literal on its way to the next task."""

    __slots__ = ("literal",)

    def __init__(self, literal: Any):
        self.literal = literal

    def __reduce__(self) -> Any:
        return (LiteralValue, (self.literal,))

    def __flyte_cache_hash__(self) -> Optional[str]:
        """What a downstream cached task is keyed by (the runtime's public cache-hash hook,
        flyte._extension.CACHE_HASH_METHOD): as in flytekit, the literal, with every part that a
        `HashMethod` hashed replaced by that hash."""
        return _literal_key(self.literal)

    def __repr__(self) -> str:
        return f"LiteralValue({self.literal!r})"


def _literal_key(literal: Any) -> str:
    if getattr(literal, "hash", None):
        return f"hash:{literal.hash}"
    if getattr(literal, "collection", None) is not None:
        return "[" + ",".join(_literal_key(item) for item in literal.collection.literals) + "]"
    if getattr(literal, "map", None) is not None:
        return "{" + ",".join(f"{k!r}:{_literal_key(v)}" for k, v in sorted(literal.map.literals.items())) + "}"
    return repr(literal)


class FlytekitLiteralTransformer(flyte.types.TypeTransformer[LiteralValue]):
    """Flyte 2's view of a flytekit literal: the `flyteidl2` Literal it converts to. Its type is
    carried by the literal itself (the receiving task reads it as the type it declares)."""

    def __init__(self) -> None:
        super().__init__("flytekit literal", LiteralValue)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType()

    async def to_literal(self, python_val: LiteralValue, python_type: Any, expected: Any) -> literals_pb2.Literal:
        return _flyteidl2.literal_to_idl2(python_val.literal)

    async def to_python_value(self, lv: literals_pb2.Literal, expected_python_type: Any) -> LiteralValue:
        return LiteralValue(_flyteidl2.literal_from_idl2(lv))


def _register() -> None:
    try:
        flyte.types.TypeEngine.register(FlytekitLiteralTransformer())
    except ValueError:  # already registered (this module imported again under another name)
        pass


_register()

__all__ = ["FlytekitLiteralTransformer", "LiteralValue"]
