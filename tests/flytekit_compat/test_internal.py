"""Internals legacy code imports: importable (even constructible), refused when used."""

import pytest


def test_idl_models_import_and_construct_but_refuse_use():
    from flytekit.models import literals
    from flytekit.models.types import LiteralType, OutputReference  # noqa: F401  any model name exists

    strategy = literals.RetryStrategy(3)
    with pytest.raises(NotImplementedError, match=r"flytekit\.models\.literals\.RetryStrategy"):
        _ = strategy.retries
    assert LiteralType.SomeNested.__name__ == "LiteralType.SomeNested"


def test_serializer_functions_raise_naming_themselves():
    from flytekit.tools.translator import get_serializable

    with pytest.raises(NotImplementedError, match="get_serializable"):
        get_serializable({}, None, None)


def test_real_helpers_behind_internal_paths():
    from flytekit.core.tracker import isnested, istestfunction
    from flytekit.core.utils import str2bool

    def inner() -> None: ...

    assert isnested(inner) and istestfunction(inner)
    assert str2bool("T") and not str2bool("no")
