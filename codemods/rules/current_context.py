"""FM402 current-context: `current_context()` attributes become their Flyte 2 sources.

Before::

    ctx = flytekit.current_context()
    out = os.path.join(ctx.working_directory, "out.csv")
    run = flytekit.current_context().execution_id.name

After::

    out = os.path.join(tempfile.mkdtemp(), "out.csv")
    run = flyte.ctx().action.run_name

| flytekit | Flyte 2 |
|---|---|
| `.working_directory` | `tempfile.mkdtemp()` (a fresh scratch directory, as Flyte 1 gave each task) |
| `.execution_id.name` / `.project` / `.domain` | `flyte.ctx().action.run_name` / `.project` / `.domain` |
| `.execution_date` | `flyte.ctx().run_start_time` |
| `.raw_output_prefix` | `flyte.ctx().raw_data_path.path` |
| `.logging` | `flyte.logger` (the SDK's logger for user code) |
| `FlyteContext(Manager).current_context().file_access.get_data(remote, local, is_multipart)`, `download(_directory)` | `File`/`Dir.from_existing_remote(remote).download_sync(local)` (`await ...download(local)` in async code) |
| `.file_access.put_data(local, remote, is_multipart)`, `upload(_directory)` | `File`/`Dir.from_local_sync(local, remote).path` |
| `.file_access.get_random_remote_directory()` / `get_random_remote_path(name)` | `flyte.ctx().raw_data_path.get_random_remote_path(name)` |
| `.file_access.get_random_local_directory()` / `get_random_local_path(name)` | `str(flyte.storage.get_random_local_directory())` / `..._path(name)` |
| `.secrets` | see FM204; `.default_deck` see FM403 |

Other attributes (`checkpoint`, plugin attributes such as `spark_session`, ...) have no direct
target and are reported. `ctx = current_context()` is removed when nothing reads `ctx` any more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .._cst import call, code
from ._args import bind
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM402"
_SIMPLE = {
    "execution_date": "flyte.ctx().run_start_time",
    "raw_output_prefix": "flyte.ctx().raw_data_path.path",
}
_EXECUTION_ID = {"name": "flyte.ctx().action.run_name", "project": "flyte.ctx().action.project", "domain": "flyte.ctx().action.domain"}
_ELSEWHERE = {"secrets", "default_deck"}  # converted by FM204 / FM403
# FlyteContext.file_access methods this rule converts, with their parameters in order
_FILE_ACCESS: dict[str, tuple[str, ...]] = {
    "get_random_remote_directory": (),
    "get_random_remote_path": ("file_path_or_file_name",),
    "get_random_local_directory": (),
    "get_random_local_path": ("file_path_or_file_name",),
    "get_data": ("remote_path", "local_path", "is_multipart"),
    "download": ("remote_path", "local_path"),
    "download_directory": ("remote_path", "local_path"),
    "put_data": ("local_path", "remote_path", "is_multipart"),
    "upload": ("local_path", "remote_path"),
    "upload_directory": ("local_path", "remote_path"),
}


def _is_context(fx: FileContext, node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call) and fx.is_sym(node.func, "current_context") and not node.args:
        return True
    frame = fx.frame
    return isinstance(node, cst.Name) and frame is not None and node.value in frame.facts.ctx_aliases


def _flyte_expr(path: str) -> cst.BaseExpression:
    # "flyte.ctx().action.run_name" without a parser round trip
    head, _, rest = path.partition("().")
    node: cst.BaseExpression = call(head)
    for part in rest.split("."):
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


class CurrentContextRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "current-context"
    summary = "current_context() attributes become flyte.ctx(), tempfile or os.environ equivalents"

    def visit_Attribute(self, fx: FileContext, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "execution_id":
            fx.scratch.setdefault("execution_id_parts", set()).add(node.value)

    def visit_Expr(self, fx: FileContext, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            fx.scratch.setdefault("statement_calls", set()).add(node.value)

    def visit_Call(self, fx: FileContext, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "file_access"
            and func.attr.value in _FILE_ACCESS
            and _is_context(fx, func.value.value)
        ):
            # ctx.file_access.get_data(...): the whole call is converted in leave_Call
            fx.scratch.setdefault("file_access", set()).add(func.value)

    def leave_Attribute(self, fx: FileContext, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        attr = original_node.attr.value
        base = original_node.value
        # current_context().execution_id.name
        if isinstance(base, cst.Attribute) and base.attr.value == "execution_id" and _is_context(fx, base.value):
            target = _EXECUTION_ID.get(attr)
            if target is None:
                fx.todo(CODE, f"{code(original_node)} has no Flyte 2 counterpart; flyte.ctx().action holds run_name, project and domain")
                if isinstance(base.value, cst.Call):
                    fx.scratch.setdefault("reported", set()).add(base.value.func)
                return original_node
            fx.change(CODE)
            fx.need("flyte")
            return _flyte_expr(target)
        if not _is_context(fx, base):
            return updated_node
        if attr in _ELSEWHERE or original_node in fx.scratch.get("file_access", ()):
            return updated_node
        if attr == "execution_id":
            if original_node in fx.scratch.get("execution_id_parts", ()):
                return updated_node  # `.execution_id.name` and friends: converted one level up
            fx.change(CODE)
            fx.todo(CODE, "current_context().execution_id was an identifier (project, domain, name); this is the run's name only")
            return _flyte_expr(_EXECUTION_ID["name"])
        if attr == "working_directory":
            fx.change(CODE)
            fx.need("tempfile")
            frame = fx.frame
            if frame is not None:
                frame.facts.working_dir_uses += 1
                if frame.facts.working_dir_uses == 2:
                    fx.todo(CODE, "each tempfile.mkdtemp() is a new directory, while current_context().working_directory was one per task; keep one in a variable if the code relies on that")
            return call("tempfile.mkdtemp")
        if attr == "logging":
            fx.change(CODE)
            fx.need("flyte")
            return cst.Attribute(value=cst.Name("flyte"), attr=cst.Name("logger"))
        target = _SIMPLE.get(attr)
        if target is None:
            fx.todo(CODE, f"current_context().{attr} has no Flyte 2 counterpart; see flyte.ctx() for what a task can read about itself")
            # keep the flytekit expression: it still says what the code meant, and this TODO covers it
            if isinstance(base, cst.Call):
                fx.scratch.setdefault("reported", set()).add(base.func)
                fx.applied[CODE] -= 1  # the inner current_context() -> flyte.ctx() is undone
            return updated_node.with_changes(value=base)
        fx.change(CODE)
        return _flyte_expr(target)

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.value in fx.scratch.get("file_access", ()):
            return self._file_access(fx, func.attr.value, original_node, updated_node)
        # a bare current_context() that survives (assigned, passed on): flyte.ctx() is the object
        if fx.is_sym(original_node.func, "current_context") and not original_node.args:
            if original_node in fx.scratch.get("keep_calls", ()):
                return updated_node
            fx.change(CODE)
            return call("flyte.ctx")
        return updated_node

    def _file_access(self, fx: FileContext, method: str, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`ctx.file_access.<method>(...)`: Flyte 2 moves data with flyte.io objects and flyte.storage."""
        names = _FILE_ACCESS[method]
        args = bind(updated, names)
        frame = fx.frame
        in_async = frame is not None and frame.is_async_after
        if args is None or any(n not in args for n in names if n in ("remote_path", "local_path")):
            fx.todo(CODE, f"{code(original)}: move the data with flyte.io.File/Dir (from_local, download) or flyte.storage")
            return updated
        fx.need("flyte")
        if method in ("get_random_remote_directory", "get_random_remote_path"):
            fx.change(CODE)
            name = [cst.Arg(args["file_path_or_file_name"])] if "file_path_or_file_name" in args else []
            return call(cst.Attribute(value=_flyte_expr("flyte.ctx().raw_data_path"), attr=cst.Name("get_random_remote_path")), name)
        if method in ("get_random_local_directory", "get_random_local_path"):
            fx.change(CODE)
            name = [cst.Arg(args["file_path_or_file_name"])] if "file_path_or_file_name" in args else []
            return call("str", [cst.Arg(call(f"flyte.storage.{method}", name))])
        if method in ("download_directory", "upload_directory"):
            directory: object = True
        else:
            multipart = args.get("is_multipart")
            directory = False if multipart is None else {"True": True, "False": False}.get(code(multipart))
        if directory is None:
            fx.todo(CODE, f"{code(original)}: is_multipart is not a literal; use flyte.io.Dir for a directory, flyte.io.File for a file")
            return updated
        target = "Dir" if directory else "File"
        fx.need("flyte.io", target)
        fx.change(CODE)
        if method in ("get_data", "download", "download_directory"):
            ref = call(f"{target}.from_existing_remote", [cst.Arg(args["remote_path"])])
            if in_async:
                return cst.Await(expression=call(cst.Attribute(value=ref, attr=cst.Name("download")), [cst.Arg(args["local_path"])]))
            return call(cst.Attribute(value=ref, attr=cst.Name("download_sync")), [cst.Arg(args["local_path"])])
        # put_data / upload / upload_directory: flytekit returned where the data went
        upload_args = [cst.Arg(args["local_path"]), cst.Arg(args["remote_path"])]
        made: cst.BaseExpression = (
            cst.Await(expression=call(f"{target}.from_local", upload_args)) if in_async else call(f"{target}.from_local_sync", upload_args)
        )
        if original in fx.scratch.get("statement_calls", ()):
            return made  # the result is not read
        return cst.Attribute(value=made.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if in_async else made, attr=cst.Name("path"))

    def leave_FunctionDef(self, fx: FileContext, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        facts = fx.model.functions.get(original_node)
        if facts is not None and (facts.ctx_aliases or facts.secret_aliases):
            # `ctx = current_context()` goes away once nothing reads `ctx` (decided at the end)
            dead = fx.scratch.setdefault("maybe_dead", set())
            dead.update((original_node.name.value, alias) for alias in facts.ctx_aliases | facts.secret_aliases)
        return updated_node
