"""FM405 type-extensions: custom `StructuredDatasetEncoder`/`Decoder`s become Flyte 2's
`flyte.io.extend.DataFrameEncoder`/`DataFrameDecoder` (registered with `DataFrameTransformerEngine`),
custom `TypeTransformer`s become `flyte.types.TypeTransformer`s (registered with `flyte.types.TypeEngine`).

Flyte 2 keeps flytekit's design (a handler per python type, storage protocol and format; a
transformer per python type), with three differences the rule writes out: `encode`/`decode` and
`to_literal`/`to_python_value` are coroutines, they take no
`FlyteContext` (the data moves with `flyte.storage`/`flyte.io`, see FM402's `file_access`
mapping), and the literals they build are flyteidl2 protobufs (`literals_pb2.StructuredDataset`,
`literals_pb2.Literal`/`Scalar`/`Blob`, `types_pb2.StructuredDatasetType`/`LiteralType`/`BlobType`:
the same fields as flytekit's models). The value an encoder receives is a `flyte.io.DataFrame`, whose
python object is `.val` (flytekit's `.dataframe`). `register_csv_handlers()` goes away: Flyte 2
registers its CSV handlers with pandas'.

Before::

    class NumpyEncoder(StructuredDatasetEncoder):
        def encode(self, ctx: FlyteContext, structured_dataset: StructuredDataset,
                   structured_dataset_type: StructuredDatasetType) -> literals.StructuredDataset:
            arr = structured_dataset.dataframe
            ...
            return literals.StructuredDataset(uri=path, metadata=StructuredDatasetMetadata(
                structured_dataset_type=StructuredDatasetType(format=PARQUET)))

    StructuredDatasetTransformerEngine.register(NumpyEncoder(np.ndarray, None, PARQUET))

After::

    class NumpyEncoder(DataFrameEncoder):
        async def encode(self, structured_dataset: DataFrame,
                         structured_dataset_type: types_pb2.StructuredDatasetType) -> literals_pb2.StructuredDataset:
            arr = structured_dataset.val
            ...
            return literals_pb2.StructuredDataset(uri=path, metadata=literals_pb2.StructuredDatasetMetadata(
                structured_dataset_type=types_pb2.StructuredDatasetType(format="parquet")))

    DataFrameTransformerEngine.register(NumpyEncoder(np.ndarray, None, "parquet"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import libcst as cst

from .._walk import visit
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM405"
# flytekit name -> (module to import from, name imported, expression written)
_TARGETS = {
    "StructuredDatasetEncoder": ("flyte.io.extend", "DataFrameEncoder", "DataFrameEncoder"),
    "StructuredDatasetDecoder": ("flyte.io.extend", "DataFrameDecoder", "DataFrameDecoder"),
    "StructuredDatasetTransformerEngine": ("flyte.io.extend", "DataFrameTransformerEngine", "DataFrameTransformerEngine"),
    "StructuredDatasetType": ("flyteidl2.core", "types_pb2", "types_pb2.StructuredDatasetType"),
    "StructuredDatasetMetadata": ("flyteidl2.core", "literals_pb2", "literals_pb2.StructuredDatasetMetadata"),
    "LiteralStructuredDataset": ("flyteidl2.core", "literals_pb2", "literals_pb2.StructuredDataset"),
    "TypeTransformer": ("flyte.types", "TypeTransformer", "TypeTransformer"),
    "TypeEngine": ("flyte.types", "TypeEngine", "TypeEngine"),
    "Literal": ("flyteidl2.core", "literals_pb2", "literals_pb2.Literal"),
    "Scalar": ("flyteidl2.core", "literals_pb2", "literals_pb2.Scalar"),
    "Blob": ("flyteidl2.core", "literals_pb2", "literals_pb2.Blob"),
    "BlobMetadata": ("flyteidl2.core", "literals_pb2", "literals_pb2.BlobMetadata"),
    "BlobType": ("flyteidl2.core", "types_pb2", "types_pb2.BlobType"),
    "LiteralType": ("flyteidl2.core", "types_pb2", "types_pb2.LiteralType"),
}


def _expr(dotted: str) -> cst.BaseExpression:
    head, *rest = dotted.split(".")
    node: cst.BaseExpression = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


class TypeExtensionsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "type-extensions"
    summary = "StructuredDatasetEncoder/Decoder and TypeTransformer subclasses become flyte.io.extend / flyte.types ones (async, no ctx, flyteidl2 literals)"

    def _replace(self, fx: FileContext, original: Union[cst.Name, cst.Attribute], updated: cst.BaseExpression) -> cst.BaseExpression:
        sym = fx.sym(original)
        if sym is None or sym.plugin or sym.name not in _TARGETS:
            return updated
        if sym.rest:
            # `StructuredDatasetTransformerEngine.register`: its head was rewritten; a new node
            # carries no flytekit symbol, so the catch-all rule does not report it
            return updated.with_changes()
        module, name, written = _TARGETS[sym.name]
        fx.need(module, name)
        fx.change(CODE)
        return _expr(written)

    def leave_Name(self, fx: FileContext, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._replace(fx, original_node, updated_node)

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return self._replace(fx, original_node, updated_node)

    def leave_SimpleStatementLine(
        self, fx: FileContext, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        small = original_node.body[0] if len(original_node.body) == 1 else None
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and fx.is_sym(small.value.func, "register_csv_handlers"):
            fx.change(CODE)  # Flyte 2 registers pandas' CSV handlers itself
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        if facts is None or not facts.becomes_async:
            return updated_node
        params = list(updated_node.params.params)
        originals = list(original_node.params.params)
        # the FlyteContext parameter: its uses were rewritten (FM402); it goes once nothing reads it
        ctx = [i for i, p in enumerate(originals) if p.name.value in facts.ctx_aliases]
        reads = _names_read(updated_node.body)
        for i in reversed(ctx):
            if originals[i].name.value in reads:
                fx.todo(CODE, f"`{originals[i].name.value}` (a FlyteContext) is still used; Flyte 2 handlers get no context: use flyte.ctx() and flyte.storage")
                return updated_node
            del params[i]
        body = updated_node.body
        if original_node.name.value == "encode":
            # the value handed to encode is a flyte.io.DataFrame: flytekit's `.dataframe` is `.val`
            values = [p.name.value for p in params if p.name.value != "self"][:1]
            if values:
                body = body.visit(_RenameAttr(values[0], "dataframe", "val"))  # type: ignore[assignment]
        fx.change(CODE)
        return updated_node.with_changes(
            asynchronous=cst.Asynchronous(),
            params=updated_node.params.with_changes(params=params),
            body=body,
        )


class _RenameAttr(cst.CSTTransformer):
    def __init__(self, base: str, old: str, new: str) -> None:
        super().__init__()
        self.base, self.old, self.new = base, old, new

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if isinstance(updated_node.value, cst.Name) and updated_node.value.value == self.base and updated_node.attr.value == self.old:
            return updated_node.with_changes(attr=cst.Name(self.new))
        return updated_node


def _names_read(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _Find(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            visit(n.value, self)
            return False  # `x.ctx` reads x, not ctx

    visit(node, _Find())
    return found

