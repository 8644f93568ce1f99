"""The Flyte type system: how Python values become Flyte literals and back.

Values crossing a task boundary are described by `LiteralType`s and carried as `Literal`s, the
`flyteidl2` protobuf messages the SDK uses. `TypeEngine` finds a `TypeTransformer` for each
Python type; register your own for types Flyte does not know (user transformers are used for
task inputs and outputs by this runtime too). Anything without a transformer is pickled
(`FlytePickle`). `Renderable` is what report renderers implement.

The implementation lives in `flyte._types`, which `flyte.io.extend` presents too. This module
imports `flyteidl2`; `import flyte` does not load it.
"""

from .._types import (
    FlytePickle,
    Renderable,
    TypeEngine,
    TypeTransformer,
    TypeTransformerFailedError,
    guess_interface,
    literal_string_repr,
)

__all__ = [
    "FlytePickle",
    "Renderable",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "guess_interface",
    "literal_string_repr",
]
