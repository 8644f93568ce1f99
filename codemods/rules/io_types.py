"""FM401 io-types: `FlyteFile`/`FlyteDirectory`/`StructuredDataset` become `flyte.io.File`/`Dir`/
`DataFrame`, including the calls in task bodies that must change.

Before::

    @task
    def count_lines(f: FlyteFile) -> int:
        with open(f) as fh:
            return len(fh.readlines())

    @task
    def write() -> FlyteFile:
        p = os.path.join(current_context().working_directory, "out.txt")
        ...
        return FlyteFile(p)

    @task
    def total(sd: StructuredDataset) -> int:
        return int(sd.open(pd.DataFrame).all()["x"].sum())

After::

    @env.task
    def count_lines(f: File) -> int:
        with open(f.download_sync()) as fh:
            return len(fh.readlines())

    @env.task
    def write() -> File:
        p = os.path.join(tempfile.mkdtemp(), "out.txt")
        ...
        return File.from_local_sync(p)

    @env.task
    def total(sd: DataFrame) -> int:
        return int(sd.open(pd.DataFrame).all_sync()["x"].sum())

A Flyte 1 file input was a path-like object that downloaded itself when opened; a Flyte 2 `File`
is a reference, so wherever a file or directory parameter is used as a path (`open(f)`,
`os.listdir(d)`, `f.path`, `f.download()`) the code asks for a local copy. In async code the
awaitable forms are used (`await f.download()`, `await File.from_local(p)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._analysis._names import DIR_ALIASES, FILE_ALIASES
from .._cst import call, code, contains, dotted, fresh_name, kwarg
from .._walk import visit
from ._args import bind
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM401"
_TARGET = {"file": "File", "dir": "Dir", "dataframe": "DataFrame"}
# builtins that format rather than read a path: leave their argument alone
_NOT_PATH_USES = {"print", "isinstance", "type", "repr", "id", "hash", "len", "bool"}


def _kind(fx: FileContext, node: cst.CSTNode) -> Optional[str]:
    sym = fx.sym(node)
    if sym is None or sym.rest or sym.plugin:
        return None
    if sym.name in FILE_ALIASES:
        return "file"
    if sym.name in DIR_ALIASES:
        return "dir"
    if sym.name in ("StructuredDataset", "FlyteSchema"):
        return "dataframe"
    return None


# flytekit's storage-format constants are plain strings
_FORMATS = {"PARQUET": "parquet", "CSV": "csv"}


def _format_constant(fx: FileContext, node: cst.CSTNode) -> Optional[str]:
    sym = fx.sym(node)
    if sym is None or sym.rest or sym.plugin:
        return None
    return _FORMATS.get(sym.name)


def _column_spec(fx: FileContext, node: cst.BaseExpression) -> bool:
    """What `Annotated[...]` carried for flytekit's type engine only: a column subset (kwtypes(...)
    or a name bound to it), a storage format (PARQUET), a cache hash (HashMethod(fn))."""
    if isinstance(node, cst.Call):
        return fx.is_sym(node.func, "kwtypes") or fx.is_sym(node.func, "HashMethod")
    if _format_constant(fx, node) is not None or isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.Name) and fx.sym(node) is None:
        binding = fx.model.bindings.get(node.value)
        return binding is not None and isinstance(binding.value, cst.Call) and fx.is_sym(binding.value.func, "kwtypes")
    return False


def convert_type(fx: FileContext, node: cst.BaseExpression) -> cst.BaseExpression:
    """A type expression as this rule writes it (for a type copied from elsewhere, e.g. the field
    of a one-field NamedTuple that becomes a task's return type)."""

    class _Types(cst.CSTTransformer):
        def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
            if _kind(fx, original_node.value) in ("file", "dir"):
                return updated_node.value  # FlyteFile[fmt]: the format is not part of the type
            return updated_node

        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
            kind = _kind(fx, original_node)
            if kind is None:
                return updated_node
            fx.need("flyte.io", _TARGET[kind])
            return cst.Name(_TARGET[kind])

        def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
            kind = _kind(fx, original_node)
            if kind is None:
                return updated_node
            fx.need("flyte.io", _TARGET[kind])
            return cst.Name(_TARGET[kind])

    return node.visit(_Types())  # type: ignore[return-value]


def _foreign_api(fx: FileContext, func: cst.BaseExpression) -> bool:
    """A call into an API that is not flytekit's but takes flytekit values (a plugin's config,
    Union's `ActorEnvironment`)."""
    sym = fx.sym(func)
    if sym is not None:
        return sym.plugin
    name = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
    root = func
    while isinstance(root, cst.Attribute):
        root = root.value
    return name == "ActorEnvironment" or (isinstance(root, cst.Name) and root.value in ("union", "unionai"))


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Collect(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            found.append(n)

    visit(node, _Collect())
    return found


def _is_remote_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        value = str(node.evaluated_value)
        return "://" in value and not value.startswith("file://")
    return False


class IoTypesRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "io-types"
    summary = "FlyteFile/FlyteDirectory/StructuredDataset become flyte.io.File/Dir/DataFrame, with the body calls that must change"

    def visit_Call(self, fx: FileContext, node: cst.Call) -> None:
        if _foreign_api(fx, node.func):
            # a plugin's (or Union's) constructor takes flytekit values as they are: the
            # Resources, Secret, ImageSpec or kwtypes calls inside it are not rewritten
            keep = fx.scratch.setdefault("keep_calls", set())
            for arg in node.args:
                keep.update(_calls_in(arg.value))

    def prepare(self, fx: FileContext) -> None:
        fx.scratch["uses_dataframes"] = any(sym.name in ("StructuredDataset", "FlyteSchema") for sym in fx.model.symbols.values())
        fx.scratch["uses_schemas"] = any(sym.name == "FlyteSchema" for sym in fx.model.symbols.values())

    def _in_async(self, fx: FileContext) -> bool:
        frame = fx.frame
        return frame is not None and frame.is_async_after

    # -- types ------------------------------------------------------------------------------
    def leave_Name(self, fx: FileContext, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        kind = _kind(fx, original_node)
        if kind is None:
            fmt = _format_constant(fx, original_node)
            if fmt is not None:
                fx.change(CODE)
                return cst.SimpleString(f'"{fmt}"')
            return updated_node
        fx.change(CODE)
        fx.need("flyte.io", _TARGET[kind])
        return cst.Name(_TARGET[kind])

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        kind = _kind(fx, original_node)
        if kind is None:
            # f.path on a file/directory parameter: the local copy's path
            frame = fx.frame
            base = original_node.value
            if (
                original_node.attr.value == "path"
                and frame is not None
                and isinstance(base, cst.Name)
                and frame.facts.io_params.get(base.value) in ("file", "dir")
            ):
                fx.change(CODE)
                return self._download(fx, updated_node.value)
            return updated_node
        fx.change(CODE)
        fx.need("flyte.io", _TARGET[kind])
        return cst.Name(_TARGET[kind])

    def leave_Subscript(self, fx: FileContext, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        kind = _kind(fx, original_node.value)
        if kind in ("file", "dir"):
            # FlyteFile[TypeVar("csv")]: the format is metadata, not part of File's type
            fmt = code(original_node.slice[0].slice) if original_node.slice else ""
            fx.todo(CODE, f"the {kind} format {fmt} is not part of flyte.io.{_TARGET[kind]}'s type; pass format=... when creating values if consumers rely on it")
            return updated_node.value
        value = original_node.value
        if isinstance(value, (cst.Name, cst.Attribute)) and (code(value) in ("Annotated", "typing.Annotated", "typing_extensions.Annotated")):
            first = original_node.slice[0].slice if original_node.slice else None
            rest = [s.slice for s in original_node.slice[1:]]
            if (
                isinstance(first, cst.Index)
                and rest
                and all(isinstance(r, cst.Index) and isinstance(r.value, cst.Call) and fx.is_sym(r.value.func, "BatchSize") for r in rest)
            ):
                fx.todo(CODE, f"{code(cst.ensure_type(rest[0], cst.Index).value)} was dropped: Flyte 2 passes the whole list and offloads large values itself")
                fx.change(CODE)
                return updated_node.slice[0].slice.value  # type: ignore[attr-defined]
            if isinstance(first, cst.Index) and rest and _kind(fx, first.value) is None and all(isinstance(r, cst.Index) and _column_spec(fx, r.value) for r in rest):
                # Annotated[pd.DataFrame, cols, PARQUET]: Flyte 2 reads the plain type
                extra = ", ".join(code(r.value) for r in rest)  # type: ignore[attr-defined]
                if any(isinstance(r.value, cst.Call) and fx.is_sym(r.value.func, "HashMethod") for r in rest):  # type: ignore[attr-defined]
                    fx.todo(CODE, f"Annotated[..., {extra}]: Flyte 2 computes cache keys from inputs itself (flyte.io values take hash_method=); the custom hash was dropped")
                else:
                    fx.todo(CODE, f"Annotated[..., {extra}]: Flyte 2 does not narrow columns or formats in a type; select the columns when reading")
                fx.change(CODE)
                return updated_node.slice[0].slice.value  # type: ignore[attr-defined]
            if isinstance(first, cst.Index) and _kind(fx, first.value) == "dataframe":
                extra = ", ".join(code(s.slice) for s in original_node.slice[1:])
                fx.todo(CODE, f"Annotated[StructuredDataset, {extra}]: flyte.io.DataFrame does not narrow columns or formats in its type; select the columns when reading")
                fx.change(CODE)
                fx.need("flyte.io", "DataFrame")
                return cst.Name("DataFrame")
        return updated_node

    # -- body calls ---------------------------------------------------------------------------
    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        kind = _kind(fx, original_node.func)
        if kind is not None:
            return self._construct(fx, kind, original_node, updated_node)
        sym = fx.sym(original_node.func)
        if sym is not None and sym.name in DIR_ALIASES and sym.rest == "listdir" and not sym.plugin:
            return self._listdir(fx, original_node, updated_node)
        if fx.is_sym(original_node.func, "kwtypes") and original_node not in fx.scratch.get("keep_calls", ()) and updated_node.args and all(a.keyword is not None and not a.star for a in updated_node.args):
            # kwtypes(a=int) is an ordered name -> type mapping: a dict says the same in Flyte 2
            fx.change(CODE)
            return cst.Dict([cst.DictElement(cst.SimpleString(f'"{a.keyword.value}"'), a.value) for a in updated_node.args])  # type: ignore[union-attr]
        func = updated_node.func
        frame = fx.frame
        io_params = frame.facts.io_params if frame is not None else {}
        if frame is None and fx.scratch.get("uses_dataframes") and _opened_all(updated_node):
            # `flyte.run(wf).outputs()[0].open(pd.DataFrame).all()` in a `__main__` block: no
            # event loop runs there, and Flyte 2's all() is a coroutine
            fx.change(CODE)
            return updated_node.with_changes(func=func.with_changes(attr=cst.Name("all_sync")))  # type: ignore[attr-defined]
        if not io_params and not (frame is not None and (fx.scratch.get("uses_dataframes") or frame.facts.io_attrs)):
            return updated_node
        # f.download() / f.open(...) / sd.open(pd.DataFrame).all()
        if isinstance(func, cst.Attribute):
            base = original_node.func.value  # type: ignore[attr-defined]
            method = func.attr.value
            if isinstance(base, cst.Name) and base.value in io_params:
                k = io_params[base.value]
                if k in ("file", "dir") and method in ("download", "__fspath__"):
                    fx.change(CODE)
                    return self._download(fx, func.value)
                if k == "file" and method == "open" and not self._in_async(fx):
                    fx.change(CODE)
                    return updated_node.with_changes(func=func.with_changes(attr=cst.Name("open_sync")))
            if method in ("all", "iter") and isinstance(original_node.func.value, cst.Call):  # type: ignore[attr-defined]
                opened_call = original_node.func.value  # type: ignore[attr-defined]
                opened = opened_call.func
                reads_dataframe = isinstance(opened, cst.Attribute) and opened.attr.value == "open" and (
                    (isinstance(opened.value, cst.Name) and io_params.get(opened.value.value) == "dataframe")
                    # `res.frame.open(pd.DataFrame).all()`: a dataset inside a dataclass or model
                    or (fx.scratch.get("uses_dataframes") and len(opened_call.args) == 1 and code(opened_call.args[0].value).endswith("DataFrame"))
                    # `res.schema.open().all()`: a FlyteSchema opened as pandas by default
                    or (fx.scratch.get("uses_schemas") and not opened_call.args)
                )
                if reads_dataframe and not opened_call.args:
                    alias = next((local for local, dotted_name in fx.model.imported.items() if dotted_name == "pandas"), None)
                    if alias is None:
                        fx.todo(CODE, f"{code(opened_call)}: flyte.io.DataFrame.open needs the dataframe type, e.g. open(pandas.DataFrame)")
                        return updated_node
                    inner = updated_node.func.value  # type: ignore[attr-defined]
                    func = func.with_changes(value=inner.with_changes(args=[cst.Arg(dotted(f"{alias}.DataFrame"))]))
                    updated_node = updated_node.with_changes(func=func)
                if reads_dataframe:
                    if method == "iter":
                        fx.todo(CODE, "DataFrame.open(...).iter() is async in Flyte 2: iterate with `async for` inside an async task")
                        return updated_node
                    fx.change(CODE)
                    if self._in_async(fx):
                        return cst.Await(expression=updated_node)
                    return updated_node.with_changes(func=func.with_changes(attr=cst.Name("all_sync")))
        # open(f), os.listdir(d), pd.read_csv(f): these need a local path
        name = func.value if isinstance(func, cst.Name) else None
        if name in _NOT_PATH_USES or fx.callee(updated_node.func) is not None or _kind(fx, original_node.func) is not None:
            return updated_node
        io_attrs = frame.facts.io_attrs if frame is not None else {}
        changed = False
        args = []
        for orig_arg, arg in zip(original_node.args, updated_node.args, strict=False):
            v = orig_arg.value
            nested = (
                isinstance(v, cst.Attribute)
                and isinstance(v.value, cst.Name)
                and io_attrs.get(v.value.value, {}).get(v.attr.value) in ("file", "dir")
            )
            listings, items = _listings(fx)
            listed = (isinstance(v, cst.Subscript) and isinstance(v.value, cst.Name) and v.value.value in listings) or (
                isinstance(v, cst.Name) and v.value in items
            )
            if (nested or listed or (isinstance(v, cst.Name) and io_params.get(v.value) in ("file", "dir"))) and not arg.star:
                args.append(arg.with_changes(value=self._download(fx, arg.value)))
                changed = True
            else:
                args.append(arg)
        if not changed:
            return updated_node
        fx.change(CODE)
        return updated_node.with_changes(args=args)

    # -- values flytekit converted silently ----------------------------------------------------
    def leave_Return(self, fx: FileContext, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        """A task that returns a local path (a string, a `Path`) for a file or directory output:
        flytekit uploaded it silently, Flyte 2 wants a `File`/`Dir`, so the path is wrapped."""
        frame = fx.frame
        if frame is None or frame.entity is None or frame.entity.kind != "task" or updated_node.value is None:
            return updated_node
        slots = _output_kinds(fx, frame.entity.returns)
        if not slots or not any(k in ("file", "dir") for k in slots):
            return updated_node
        value = updated_node.value
        paths = _path_names(frame.node)
        if len(slots) == 1:
            if slots[0] in ("file", "dir") and _is_local_path(value, paths):
                return updated_node.with_changes(value=self._upload(fx, slots[0], value))
            return updated_node
        if not isinstance(value, cst.Tuple) or len(value.elements) != len(slots) or any(isinstance(e, cst.StarredElement) for e in value.elements):
            return updated_node
        elements = list(value.elements)
        changed = False
        for i, (el, kind) in enumerate(zip(elements, slots, strict=True)):
            if kind in ("file", "dir") and _is_local_path(el.value, paths):
                elements[i] = el.with_changes(value=self._upload(fx, kind, el.value))
                changed = True
        return updated_node.with_changes(value=value.with_changes(elements=elements)) if changed else updated_node

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        """An `Iterator[X]` output: flytekit stored what the task yielded as a list and handed
        back a lazy iterator over it; Flyte 2 has no iterator type (it would try to pickle the
        generator). The output becomes `list[X]`, and a generator task collects what it yields."""
        facts = fx.model.functions.get(original_node)
        entity = facts.entity if facts is not None else None
        if entity is None or entity.returns is None or original_node.returns is None:
            return updated_node
        item = _iterator_item(fx, original_node.returns.annotation)
        if item is None:
            return updated_node
        body = updated_node.body
        if entity.kind == "task" and _yields(original_node.body):
            collected = _collect_yields(body, _free_name(original_node, "results"), item)
            if collected is None:
                fx.todo(CODE, f"{code(original_node.returns.annotation)}: Flyte 2 has no iterator outputs; return a list")
                return updated_node
            body = collected
        fx.change(CODE)
        returns = cst.Annotation(cst.Subscript(cst.Name("list"), [cst.SubscriptElement(cst.Index(item))]))
        return updated_node.with_changes(returns=returns, body=body)

    def _listdir(self, fx: FileContext, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`FlyteDirectory.listdir(d)`: the files of `d`, as File references that download when
        read (Flyte 2 lists files, not subdirectories)."""
        if len(original.args) != 1 or original.args[0].keyword is not None or original.args[0].star:
            fx.todo(CODE, f"{code(original)}: list the directory with d.list_files_sync() (await d.list_files() in async code)")
            return updated
        arg = original.args[0].value
        # the directory itself, not the local copy the path-argument rewrite would ask for
        directory = arg if isinstance(arg, cst.Name) else updated.args[0].value
        fx.change(CODE)
        fx.todo(CODE, "FlyteDirectory.listdir listed files and subdirectories; Dir.list_files lists the files only "
                      "(d.walk(recursive=True) reaches the files below)")
        if self._in_async(fx):
            return cst.Await(expression=cst.Call(func=cst.Attribute(value=directory, attr=cst.Name("list_files"))))
        return cst.Call(func=cst.Attribute(value=directory, attr=cst.Name("list_files_sync")))

    def _upload(self, fx: FileContext, kind: str, path: cst.BaseExpression) -> cst.BaseExpression:
        target = _TARGET[kind]
        fx.need("flyte.io", target)
        fx.change(CODE)
        if self._in_async(fx):
            return cst.Await(expression=call(f"{target}.from_local", [cst.Arg(path)]))
        return call(f"{target}.from_local_sync", [cst.Arg(path)])

    def _download(self, fx: FileContext, value: cst.BaseExpression) -> cst.BaseExpression:
        if self._in_async(fx):
            return cst.Await(expression=cst.Call(func=cst.Attribute(value=value, attr=cst.Name("download"))))
        return cst.Call(func=cst.Attribute(value=value, attr=cst.Name("download_sync")))

    def _construct(self, fx: FileContext, kind: str, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        target = _TARGET[kind]
        fx.need("flyte.io", target)
        sym = fx.sym(original.func)
        if kind == "dataframe" and sym is not None and sym.name == "FlyteSchema":
            # FlyteSchema(path): a directory of parquet files, not a dataframe
            schema = bind(updated, ("local_path", "remote_path"))
            if schema is not None and len(schema) == 1 and ("local_path" in schema or "remote_path" in schema):
                fx.change(CODE)
                return call("DataFrame.from_existing_remote", [cst.Arg(next(iter(schema.values()))), kwarg("format", cst.SimpleString('"parquet"'))])
        if kind == "dataframe":
            args = bind(updated, ("dataframe", "uri", "metadata", "file_format"))
            if args is None or ("dataframe" not in args and "uri" not in args):
                fx.todo(CODE, f"{code(original)}: build flyte.io.DataFrame with DataFrame.from_df(df) or DataFrame.from_existing_remote(uri)")
                return updated
            fx.change(CODE)
            if "metadata" in args:
                fx.todo(CODE, f"metadata={code(args['metadata'])}: flyte.io.DataFrame carries no structured-dataset metadata; select columns when reading")
            if "dataframe" in args:
                return call("DataFrame.from_df", [cst.Arg(args["dataframe"])])
            fmt = [kwarg("format", args["file_format"])] if "file_format" in args else []
            return call("DataFrame.from_existing_remote", [cst.Arg(args["uri"]), *fmt])
        remote_key = "remote_directory" if kind == "dir" else "remote_path"
        args = bind(updated, ("path", "downloader", remote_key))
        if args is None or "path" not in args:
            fx.todo(CODE, f"{code(original)}: create flyte.io.{target} with {target}.from_local_sync(path) or {target}.from_existing_remote(uri)")
            return updated
        fx.change(CODE)
        path = args["path"]
        if _is_remote_literal(path):
            return call(f"{target}.from_existing_remote", [cst.Arg(path)])
        extra = []
        destination = args.get(remote_key)
        if destination is not None and not (isinstance(destination, cst.Name) and destination.value in ("None", "False")):
            # flytekit uploaded the value to this destination when the task returned it
            extra.append(cst.Arg(destination, keyword=cst.Name("remote_destination"), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))
        if "downloader" in args:
            fx.todo(CODE, "a custom downloader has no flyte.io counterpart; download in the task instead")
        if "metadata" in args:
            fx.todo(CODE, f"metadata={code(args['metadata'])}: flyte.io.{target} carries no metadata; return it beside the {target.lower()} if consumers need it")
        if fx.frame is None and not extra:
            # evaluated on import (a module constant, a default value): a reference, no upload,
            # which the SDK would refuse before flyte.init()
            return call(target, [kwarg("path", path)])
        if self._in_async(fx):
            return cst.Await(expression=call(f"{target}.from_local", [cst.Arg(path), *extra]))
        return call(f"{target}.from_local_sync", [cst.Arg(path), *extra])


def _listings(fx: FileContext) -> tuple[frozenset[str], frozenset[str]]:
    """(names the current function binds to `FlyteDirectory.listdir(...)`, names its loops and
    comprehensions bind to their items): the items were path-like FlyteFiles, and are File
    references now."""
    frame = fx.frame
    if frame is None:
        return frozenset(), frozenset()
    cache = fx.scratch.setdefault("listings", {})
    found = cache.get(frame.node)
    if found is None:
        calls = set()
        for node in _calls_in(frame.node.body):
            sym = fx.sym(node.func)
            if sym is not None and sym.name in DIR_ALIASES and sym.rest == "listdir":
                calls.add(node)
        found = _bound_listings(frame.node.body, calls) if calls else (frozenset(), frozenset())
        cache[frame.node] = found
    return found


def _bound_listings(body: cst.CSTNode, calls: set) -> tuple[frozenset[str], frozenset[str]]:
    listings: set[str] = set()
    items: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if node.value in calls:
                listings.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

        def _loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
            over = iterable in calls or (isinstance(iterable, cst.Name) and iterable.value in listings)
            if over and isinstance(target, cst.Name):
                items.add(target.value)

        def visit_For(self, node: cst.For) -> None:
            self._loop(node.target, node.iter)

        def visit_CompFor(self, node: cst.CompFor) -> None:
            self._loop(node.target, node.iter)

    visit(body, _V())
    return frozenset(listings), frozenset(items)


def _output_kinds(fx: FileContext, returns: Optional[cst.BaseExpression]) -> list[Optional[str]]:
    """Per output slot: file | dir | dataframe | None; one slot unless `Tuple[...]`."""
    if returns is None:
        return []
    node = returns
    if isinstance(node, cst.Subscript) and code(node.value).split(".")[-1] in ("Tuple", "tuple"):
        out: list[Optional[str]] = []
        for el in node.slice:
            inner = el.slice.value if isinstance(el.slice, cst.Index) else None
            if inner is None:
                return []
            out.append(_kind(fx, inner.value if isinstance(inner, cst.Subscript) else inner))
        return out
    return [_kind(fx, node.value if isinstance(node, cst.Subscript) else node)]


_PATH_CALLS = {"str", "Path", "pathlib.Path", "os.path.join", "os.path.abspath", "os.path.realpath", "os.fspath", "os.path.expanduser"}


def _path_names(fn: cst.FunctionDef) -> set[str]:
    """Local names every assignment of which in `fn` is a local path expression."""
    assigned: dict[str, list[cst.BaseExpression]] = {}

    class _Assigns(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> Optional[bool]:
            return node is fn

        def visit_Assign(self, node: cst.Assign) -> None:
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    assigned.setdefault(t.target.value, []).append(node.value)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name):
                assigned.setdefault(node.target.value, []).append(cst.Name("__unknown__"))

        def visit_For(self, node: cst.For) -> None:
            if isinstance(node.target, cst.Name):
                assigned.setdefault(node.target.value, []).append(cst.Name("__unknown__"))

        def visit_WithItem(self, node: cst.WithItem) -> None:
            if node.asname is not None and isinstance(node.asname.name, cst.Name):
                assigned.setdefault(node.asname.name.value, []).append(cst.Name("__unknown__"))

    visit(fn, _Assigns())
    params = {p.name.value for p in (*fn.params.params, *fn.params.kwonly_params, *fn.params.posonly_params)}
    names: set[str] = set()
    # a name assigned from another path name: iterate to a fixed point
    for _ in range(4):
        grown = {n for n, values in assigned.items() if n not in params and all(_is_local_path(v, names) for v in values)}
        if grown == names:
            break
        names = grown
    return names


def _is_local_path(node: cst.BaseExpression, path_names: set[str]) -> bool:
    """A string/`Path` expression naming a local file: a literal that is not a URI, an f-string,
    `Path(...)`, `os.path.join(...)`, `a / "b"` on a path, or a local name only ever bound to one."""
    if isinstance(node, cst.SimpleString):
        return isinstance(node.evaluated_value, str) and "://" not in node.evaluated_value
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
        return "://" not in code(node)
    if isinstance(node, cst.Name):
        return node.value in path_names
    if isinstance(node, cst.Call):
        return code(node.func) in _PATH_CALLS and bool(node.args) and (code(node.func) != "str" or _is_local_path(node.args[0].value, path_names) or isinstance(node.args[0].value, cst.BinaryOperation))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _is_local_path(node.left, path_names) or (isinstance(node.left, cst.Call) and code(node.left.func) in _PATH_CALLS)
    return False


_ITERATORS = ("Iterator", "Iterable", "Generator")


def _iterator_item(fx: FileContext, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """X of `Iterator[X]` / `typing.Iterator[X]` / `Generator[X, ...]` (not flytekit's JSON
    iterator, a JSON-lines file in Flyte 1)."""
    if not isinstance(node, cst.Subscript) or not node.slice or not isinstance(node.slice[0].slice, cst.Index):
        return None
    name = code(node.value)
    if name.split(".")[-1] not in _ITERATORS or name.split(".")[0] not in ("typing", "collections", *_ITERATORS):
        return None
    if name.split(".")[-1] != "Generator" and len(node.slice) != 1:
        return None
    item = node.slice[0].slice.value
    sym = fx.sym(item)
    if sym is not None and sym.name == "JSON":
        return None
    return item


def _yields(body: cst.BaseSuite) -> bool:
    """Whether the function itself (not a nested def or lambda) yields."""
    return contains(body, (cst.Yield,))


def _free_name(fn: cst.FunctionDef, preferred: str) -> str:
    used: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            used.add(node.value)

    visit(fn, _Names())
    return fresh_name(preferred, used)


def _collect_yields(body: cst.BaseSuite, name: str, item: cst.BaseExpression) -> Optional[cst.BaseSuite]:
    """The body with `yield v` as `name.append(v)`, a bare `return` as `return name`, and the
    list created first and returned last; None when a yield is not a plain statement (`yield
    from`, a yield whose value is read)."""
    if not isinstance(body, cst.IndentedBlock):
        return None
    ok = True

    class _Rewrite(cst.CSTTransformer):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
            value = updated_node.value
            if isinstance(value, cst.Yield) and not isinstance(value.value, cst.From):
                arg = [cst.Arg(value.value)] if value.value is not None else [cst.Arg(cst.Name("None"))]
                return updated_node.with_changes(value=call(f"{name}.append", arg))  # type: ignore[arg-type]
            return updated_node

        def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
            nonlocal ok
            if updated_node.value is not None:
                ok = False
            return updated_node.with_changes(value=cst.Name(name), whitespace_after_return=cst.SimpleWhitespace(" "))

    rewritten = cst.ensure_type(body.visit(_Rewrite()), cst.IndentedBlock)
    if not ok or _yields(rewritten):
        return None
    stmts = list(rewritten.body)
    first = 0
    if stmts and isinstance(stmts[0], cst.SimpleStatementLine) and isinstance(stmts[0].body[0], cst.Expr) and isinstance(stmts[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        first = 1  # after the docstring
    start = cst.parse_statement(f"{name}: list[{code(item)}] = []\n")
    stmts.insert(first, start)
    last = stmts[-1]
    ends_in_return = isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)
    if not ends_in_return:
        stmts.append(cst.parse_statement(f"return {name}\n"))
    return rewritten.with_changes(body=stmts)


def _opened_all(node: cst.Call) -> bool:
    """`<expr>.open(<type>).all()`."""
    func = node.func
    if node.args or not isinstance(func, cst.Attribute) or func.attr.value != "all" or not isinstance(func.value, cst.Call):
        return False
    opened = func.value.func
    return isinstance(opened, cst.Attribute) and opened.attr.value == "open" and len(func.value.args) == 1
