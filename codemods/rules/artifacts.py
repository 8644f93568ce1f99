"""FM404 artifacts: Flyte 1 artifacts in output types become plain outputs, with a TODO.

Before::

    Scores = Artifact(name="scores")

    @task
    def score() -> Annotated[int, Scores]:
        return Scores.create_from(42)

After::

    # TODO(flyte-migrate): FM404 Annotated[int, Scores]: ...flyte.artifacts.new(...)...
    @env.task
    def score() -> int:
        return 42

Flyte 2 publishes an artifact from the task body (`flyte.artifacts.new(value,
flyte.artifacts.Metadata(name=...))`), and only for offloaded values (`flyte.io.File`, `Dir`,
`DataFrame`); a type no longer names it. So the artifact leaves the output type, the value that
`create_from` wrapped is returned as it is, and a definition nothing reads any more is removed
(an input that defaulted to `MyArtifact.query()` defaults to None, with a TODO to bind the
artifact when the run starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import code
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM404"
_HOW = "Flyte 2 publishes artifacts from the task body with flyte.artifacts.new(value, flyte.artifacts.Metadata(name=...)), for File/Dir/DataFrame values"


def _artifact_name(fx: FileContext, node: cst.BaseExpression) -> Optional[str]:
    """The module-level name bound to `Artifact(...)` that `node` is (or calls, for partitions)."""
    if isinstance(node, cst.Call):
        if fx.is_sym(node.func, "Artifact"):
            return code(node)
        node = node.func
    if isinstance(node, cst.Name) and fx.sym(node) is None:
        binding = fx.model.bindings.get(node.value)
        if binding is not None and isinstance(binding.value, cst.Call) and fx.is_sym(binding.value.func, "Artifact"):
            return node.value
    return None


class ArtifactsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "artifacts"
    summary = "Annotated[T, SomeArtifact] becomes T and SomeArtifact.create_from(v) becomes v (publish with flyte.artifacts.new)"

    def leave_Subscript(self, fx: FileContext, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        if code(original_node.value) not in ("Annotated", "typing.Annotated", "typing_extensions.Annotated") or len(original_node.slice) < 2:
            return updated_node
        extras = [s.slice for s in original_node.slice[1:]]
        if not all(isinstance(e, cst.Index) for e in extras):
            return updated_node
        names = [_artifact_name(fx, e.value) for e in extras]  # type: ignore[attr-defined]
        if not any(names):
            return updated_node
        fx.change(CODE)
        fx.todo(CODE, f"{code(original_node)}: the artifact left the output type; {_HOW}")
        for n in names:
            if n is not None:
                fx.scratch.setdefault("maybe_dead", set()).add(("", n))
        kept = [s for s, n in zip(updated_node.slice[1:], names, strict=False) if n is None]
        if not kept:
            return updated_node.slice[0].slice.value  # type: ignore[attr-defined]
        return updated_node.with_changes(slice=[updated_node.slice[0], *kept])

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "query" and _artifact_name(fx, func.value):
            # an input defaulting to the latest artifact: Flyte 2 binds artifacts when a run starts
            fx.change(CODE)
            fx.todo(CODE, f"{code(original_node)} was a default input; pass flyte.remote.Artifact.get(\"<name>\", ...) to flyte.run for it")
            fx.scratch.setdefault("maybe_dead", set()).add(("", code(func.value)))
            return cst.Name("None")
        if not (isinstance(func, cst.Attribute) and func.attr.value == "create_from" and _artifact_name(fx, func.value)):
            return updated_node
        if not updated_node.args or updated_node.args[0].keyword is not None or updated_node.args[0].star:
            return updated_node
        fx.change(CODE)
        if len(updated_node.args) > 1:
            fx.todo(CODE, f"{code(func.value)}.create_from(...) partitions ({', '.join(code(a) for a in original_node.args[1:])}) were dropped; pass them to flyte.artifacts.Metadata(partitions=...)")
        return updated_node.args[0].value
