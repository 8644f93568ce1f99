"""Internals legacy code imports: importable (even constructible), refused when used."""

import pytest


def test_workflow_idl_models_import_and_construct_but_refuse_use():
    from flytekit.models.core import workflow

    node = workflow.Node("n0", None, [], [], [])
    with pytest.raises(NotImplementedError, match=r"flytekit\.models\.core\.workflow\.Node"):
        _ = node.id
    assert workflow.WorkflowTemplate.SomeNested.__name__ == "WorkflowTemplate.SomeNested"


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
