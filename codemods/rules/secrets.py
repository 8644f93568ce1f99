"""FM204 secrets: `secret_requests=[Secret(...)]` becomes `secrets=[flyte.Secret(...)]`, and reading
a secret through `current_context().secrets` becomes reading the environment variable Flyte 2
injects.

Before::

    @task(secret_requests=[Secret(group="user-info", key="token")])
    def call_api() -> str:
        return flytekit.current_context().secrets.get("user-info", "token")

After::

    env = flyte.TaskEnvironment(name="m", secrets=[flyte.Secret(key="token", group="user-info")])

    @env.task
    def call_api() -> str:
        return os.environ["USER_INFO_TOKEN"]

The variable name is the one `flyte.Secret` derives (`GROUP_KEY`, upper-case, dashes as
underscores). Group and key may be literals or module-level string constants; anything else, and
secrets mounted as files, are reported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import call, code, kwarg, list_of, string
from ._args import bind, elements
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM204"
Todo = tuple[str, str]
_SECRET_POSITIONAL = ("group", "key", "group_version", "mount_requirement", "env_var")


def derived_env_var(group: Optional[str], key: str) -> str:
    """The variable `flyte.Secret(key, group)` is exposed as when it names none itself."""
    name = f"{group}_{key}" if group else key
    return name.replace("-", "_").upper()


def env_var_name(group: Optional[str], key: str) -> str:
    """The variable the migrated code reads: the derived one, or, when that is no valid name
    (an ARN group: `arn:aws:secretsmanager:...`), the same with every other character as `_`,
    which the `flyte.Secret` then names with `as_env_var=`."""
    name = derived_env_var(group, key)
    if name.isidentifier():
        return name
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", name)).strip("_").upper() or "SECRET"


def secret_expr(fx: FileContext, node: cst.BaseExpression, todos: list[Todo]) -> Optional[cst.BaseExpression]:
    value = node
    if isinstance(value, cst.Name):
        bound = fx.model.resolve_binding(value)
        if isinstance(bound, cst.Call) and fx.is_sym(bound.func, "Secret"):
            return value  # a module constant, rewritten where it is defined
    if not (isinstance(value, cst.Call) and fx.is_sym(value.func, "Secret")):
        todos.append((CODE, f"secret {code(node)} is not a flytekit Secret(...); pass flyte.Secret(key=..., group=...) instead"))
        return None
    args = bind(value, _SECRET_POSITIONAL)
    if args is None or "key" not in args:
        todos.append((CODE, f"{code(node)} could not be read; write flyte.Secret(key=..., group=...) by hand"))
        return None
    out = [kwarg("key", args["key"])]
    if "group" in args:
        out.append(kwarg("group", args["group"]))
    mount = args.get("mount_requirement")
    if mount is not None:
        sym = fx.sym(mount)
        if sym is not None and sym.rest.endswith("FILE"):
            fx.need("pathlib")
            out.append(kwarg("mount", call("pathlib.Path", [cst.Arg(string("/etc/flyte/secrets"))])))
    if "env_var" in args:
        out.append(kwarg("as_env_var", args["env_var"]))
    else:
        group = fx.model.string_constant(args["group"]) if "group" in args else None
        key = fx.model.string_constant(args["key"])
        if key is not None and ("group" not in args or group is not None) and not derived_env_var(group, key).isidentifier():
            out.append(kwarg("as_env_var", string(env_var_name(group, key))))
    if "group_version" in args:
        todos.append((CODE, f"group_version={code(args['group_version'])} has no flyte.Secret field and was dropped"))
    return call("flyte.Secret", out)


def secrets_expr(fx: FileContext, node: cst.BaseExpression) -> tuple[Optional[cst.BaseExpression], list[Todo]]:
    todos: list[Todo] = []
    items = elements(node)
    if items is None:
        one = secret_expr(fx, node, todos)
        return one, todos
    converted = [secret_expr(fx, it, todos) for it in items]
    if any(c is None for c in converted):
        return None, todos
    return list_of([c for c in converted if c is not None]), todos


class SecretsRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "secrets"
    summary = "secret_requests become flyte.Secret; current_context().secrets.get(...) becomes os.environ[...]"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if fx.is_sym(original_node.func, "Secret"):
            if original_node in fx.scratch.get("keep_calls", ()):
                return updated_node
            todos: list[Todo] = []
            expr = secret_expr(fx, original_node, todos)
            for c, m in todos:
                fx.todo(c, m)
            if expr is None:
                return updated_node
            fx.change(CODE)
            return expr
        func = updated_node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("get", "get_secrets_env_var", "get_secrets_file")):
            return updated_node
        if not _is_secrets_manager(fx, original_node.func.value):  # type: ignore[attr-defined]
            return updated_node
        args = bind(updated_node, ("group", "key", "group_version", "encode_mode"))
        if args is None or "key" not in args:
            fx.todo(CODE, f"{code(original_node)}: read the secret from the environment variable flyte.Secret exposes")
            return _keep_original(fx, original_node)
        group = fx.model.string_constant(args["group"]) if "group" in args else None
        key = fx.model.string_constant(args["key"])
        if key is None or ("group" in args and group is None):
            fx.todo(CODE, f"secret {code(original_node)}: group/key are not constants; read os.environ[\"<GROUP>_<KEY>\"]")
            return _keep_original(fx, original_node)
        if func.attr.value == "get_secrets_file":
            fx.todo(CODE, "secrets mounted as files live under /etc/flyte/secrets in Flyte 2; add mount= to the flyte.Secret and read the file")
            return _keep_original(fx, original_node)
        fx.change(CODE)
        name = string(env_var_name(group, key))
        if func.attr.value == "get_secrets_env_var":
            return name
        fx.need("os")
        return cst.Subscript(value=cst.Attribute(value=cst.Name("os"), attr=cst.Name("environ")), slice=[cst.SubscriptElement(cst.Index(name))])


def _keep_original(fx: FileContext, node: cst.Call) -> cst.Call:
    """Leave the flytekit call as written (its TODO explains it) instead of half-converting it."""

    class _Mark(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            if fx.is_sym(n.func, "current_context"):
                fx.scratch.setdefault("reported", set()).add(n.func)

    node.visit(_Mark())
    return node


def _is_secrets_manager(fx: FileContext, node: cst.BaseExpression) -> bool:
    """`current_context().secrets`, `ctx.secrets` (ctx = current_context()) or a name bound to either."""
    frame = fx.frame
    if isinstance(node, cst.Name):
        return frame is not None and node.value in frame.facts.secret_aliases
    if isinstance(node, cst.Attribute) and node.attr.value == "secrets":
        inner = node.value
        if isinstance(inner, cst.Call) and fx.is_sym(inner.func, "current_context"):
            return True
        if isinstance(inner, cst.Name) and frame is not None and inner.value in frame.facts.ctx_aliases:
            return True
    return False
