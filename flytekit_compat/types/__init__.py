"""flytekit's data types: files, directories, structured datasets, errors."""


def _register_transformers() -> None:
    """Adds the transformers of these types to flytekit's TypeEngine (called by the engine)."""
    from ._internal_types import register_builtin_transformers
    from .structured.structured_dataset import register_engine

    register_builtin_transformers()
    register_engine()
