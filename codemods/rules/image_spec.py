"""FM201 image-spec: `ImageSpec(...)` becomes a `flyte.Image` builder chain.

Before::

    image = ImageSpec(
        name="train",
        registry="ghcr.io/acme",
        python_version="3.11",
        packages=["pandas==2.2.2", "scikit-learn"],
        apt_packages=["git"],
        env={"MODE": "prod"},
    )
    gpu_image = image.with_packages(["torch"])

After::

    image = (
        flyte.Image.from_debian_base(name="train", registry="ghcr.io/acme", python_version=(3, 11))
        .with_apt_packages("git")
        .with_pip_packages("pandas==2.2.2", "scikit-learn")
        .with_env_vars({"MODE": "prod"})
    )
    gpu_image = image.with_pip_packages("torch")

`base_image=` starts from `flyte.Image.from_base(...)`. Flyte 2 images install `flyte`
themselves, so `flytekit` is dropped from the packages; `flytekitplugins-*` packages, conda,
CUDA, builders and other options with no builder method are reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .._cst import call, code, kwarg, multiline_args, open_paren_newline, tuple_of
from ._args import bind, elements
from ._base import Rule

if TYPE_CHECKING:
    from .._context import FileContext

CODE = "FM201"
Todo = tuple[str, str]
_KNOWN = {
    "name", "python_version", "registry", "packages", "apt_packages", "env", "commands", "requirements",
    "base_image", "platform", "pip_index", "pip_extra_index_url", "pip_extra_args",
}


def _python_version(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    if isinstance(node, cst.SimpleString):
        parts = str(node.evaluated_value).split(".")
        if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]):
            return tuple_of([cst.Integer(parts[0]), cst.Integer(parts[1])])
    if isinstance(node, cst.Float):
        major, _, minor = node.value.partition(".")
        return tuple_of([cst.Integer(major), cst.Integer(minor)])
    return None


def _is_flytekit_package(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        name = str(node.evaluated_value).strip()
        base = name.split("[")[0]
        for sep in ("==", ">=", "<=", "~=", ">", "<", "!="):
            base = base.split(sep)[0]
        base = base.strip().lower()
        if base == "flytekit":
            return "flytekit"
        if base.startswith("flytekitplugins"):
            return "plugin"
    return None


def _spread(fx: FileContext, node: cst.BaseExpression, what: str, todos: list[Todo]) -> list[cst.Arg]:
    """The items of a package list as positional arguments (`*name` for a variable)."""
    items = elements(node)
    if items is None:
        if isinstance(node, cst.SimpleString):
            items = [node]
        else:
            return [cst.Arg(node, star="*")]
    out = []
    for it in items:
        kind = _is_flytekit_package(it)
        if kind == "flytekit":
            todos.append((CODE, "flytekit was removed from the image packages: Flyte 2 images install flyte themselves"))
            continue
        if kind == "plugin":
            todos.append((CODE, f"{code(it)} is a Flyte 1 plugin; install the matching flyteplugins-* package for Flyte 2"))
        out.append(cst.Arg(it))
    return out


# ImageSpec fields that become layers (`with_*` steps) on the image
_LAYERS = {"packages", "apt_packages", "requirements", "env", "commands", "pip_index", "pip_extra_index_url", "source_root", "copy"}


def _image_binding(fx: FileContext, node: cst.BaseExpression) -> bool:
    """Whether `node` names a module-level image (an ImageSpec, or a builder chain on one)."""
    if not isinstance(node, cst.Name):
        return False
    binding = fx.model.bindings.get(node.value)
    value = binding.value if binding is not None else None
    while isinstance(value, cst.Call):
        if fx.is_sym(value.func, "ImageSpec"):
            return True
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value.startswith("with_"):
            value = func.value
            if isinstance(value, cst.Name):
                return _image_binding(fx, value)
            continue
        return False
    return False


def image_expr(fx: FileContext, node: cst.Call) -> tuple[Optional[cst.BaseExpression], list[Todo]]:
    """The `flyte.Image` chain for a flytekit `ImageSpec(...)` call."""
    todos: list[Todo] = []
    args = bind(node, ())
    if args is None:
        todos.append((CODE, f"{code(node)} uses *args/**kwargs; write the flyte.Image chain by hand"))
        return None, todos
    for key in sorted(set(args) - _KNOWN):
        todos.append((CODE, f"ImageSpec {key}={code(args[key])} has no flyte.Image builder method; configure it by hand"))
    clone: list[cst.Arg] = []
    if "base_image" in args:
        image_ref = _image_binding(fx, args["base_image"])
        base: cst.BaseExpression = args["base_image"] if image_ref else call("flyte.Image.from_base", [cst.Arg(args["base_image"])])
        clone = [kwarg(k, args[k]) for k in ("name", "registry") if k in args]
        if "name" not in args and not image_ref and set(args) & _LAYERS:
            # the SDK adds layers only to a named image; "flytekit" is the name ImageSpec gave it
            clone.insert(0, kwarg("name", cst.SimpleString('"flytekit"')))
        if "python_version" in args:
            pv = _python_version(args["python_version"])
            if pv is not None:
                clone.append(kwarg("python_version", pv))
        if "platform" in args:
            plat = args["platform"]
            clone.append(kwarg("platform", tuple_of([plat]) if isinstance(plat, cst.SimpleString) else plat))
        if clone and (image_ref or set(args) & _LAYERS):
            # a clone is sealed unless it says otherwise, and the layers below are added to it
            clone.append(kwarg("extendable", cst.Name("True")))
    else:
        head: list[cst.Arg] = [kwarg(k, args[k]) for k in ("name", "registry") if k in args]
        if "python_version" in args:
            pv = _python_version(args["python_version"])
            if pv is None:
                todos.append((CODE, f"python_version={code(args['python_version'])} is not a literal; pass python_version=(major, minor)"))
            else:
                head.append(kwarg("python_version", pv))
        if "platform" in args:
            plat = args["platform"]
            head.append(kwarg("platform", tuple_of([plat]) if isinstance(plat, cst.SimpleString) else plat))
        base = call("flyte.Image.from_debian_base", head)
    steps: list[tuple[str, list[cst.Arg]]] = []
    if "base_image" in args and clone:
        steps.append(("clone", clone))
    if "apt_packages" in args:
        steps.append(("with_apt_packages", _spread(fx, args["apt_packages"], "apt", todos)))
    if "packages" in args:
        pip = _spread(fx, args["packages"], "pip", todos)
        if "pip_index" in args:
            pip.append(kwarg("index_url", args["pip_index"]))
        if "pip_extra_index_url" in args:
            pip.append(kwarg("extra_index_urls", args["pip_extra_index_url"]))
        if "pip_extra_args" in args:
            pip.append(kwarg("extra_args", args["pip_extra_args"]))
        if any(a.keyword is None for a in pip):
            steps.append(("with_pip_packages", pip))
    if "requirements" in args:
        steps.append(("with_requirements", [cst.Arg(args["requirements"])]))
    if "env" in args:
        steps.append(("with_env_vars", [cst.Arg(args["env"])]))
    if "commands" in args:
        cmds = args["commands"]
        steps.append(("with_commands", [cst.Arg(cmds if elements(cmds) is not None or not isinstance(cmds, cst.SimpleString) else cst.List([cst.Element(cmds)]))]))
    return _chain(base, steps, fx.line_length), todos


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    from .._cst import normalize_commas

    return normalize_commas(args)


def _chain(base: cst.BaseExpression, steps: list[tuple[str, list[cst.Arg]]], width: int = 88) -> cst.BaseExpression:
    """`base.step1(...).step2(...)`, one step per line inside parentheses when there are several
    or when one line would not fit `width` (with room for the name it is assigned to)."""
    if not steps:
        return base
    node: cst.BaseExpression = base
    one_line = code(base) + "".join(f".{m}({code(cst.Call(func=cst.Name('f'), args=_commas(a)))[2:-1]})" for m, a in steps)
    multiline = len(steps) > 1 or len(one_line) + 20 > width
    for i, (method, args) in enumerate(steps):
        call_args = _commas(args)
        wrap = multiline and len(f"    .{method}({code(cst.Call(func=cst.Name('f'), args=call_args))[2:-1]})") > width
        dot = cst.Dot(
            whitespace_before=cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("    ")
            )
            if multiline and not (i == 0 and isinstance(base, cst.Name))  # `other.clone(...)` reads as one step
            else cst.SimpleWhitespace(""),
        )
        step = cst.Attribute(value=node, attr=cst.Name(method), dot=dot)
        if wrap:  # one argument per line
            node = cst.Call(func=step, args=multiline_args(args, level=2), whitespace_before_args=open_paren_newline("        "))
        else:
            node = cst.Call(func=step, args=call_args)
    if multiline:
        node = node.with_changes(
            lpar=[cst.LeftParen(whitespace_after=cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("    ")))],
            rpar=[cst.RightParen(whitespace_before=cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("")))],
        )
    return node


def _is_image_name(fx: FileContext, node: cst.BaseExpression) -> bool:
    value = fx.model.resolve_binding(node)
    return isinstance(value, cst.Call) and fx.is_sym(value.func, "ImageSpec")


class ImageSpecRule(Rule):
    __doc__ = __doc__
    code = CODE
    name = "image-spec"
    summary = "ImageSpec becomes a flyte.Image builder chain (from_debian_base/from_base + with_* layers)"

    def leave_Call(self, fx: FileContext, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if fx.is_sym(original_node.func, "ImageSpec"):
            if original_node in fx.scratch.get("keep_calls", ()):
                return updated_node
            expr, todos = image_expr(fx, original_node)
            for c, m in todos:
                fx.todo(c, m)
            if expr is None:
                return updated_node
            fx.change(CODE)
            return expr
        func = original_node.func
        if isinstance(func, cst.Attribute) and _is_image_name(fx, func.value):
            method = func.attr.value
            if method in ("with_packages", "with_apt_packages"):
                todos = []
                spread = _spread(fx, updated_node.args[0].value, "pip", todos) if updated_node.args else []
                for c, m in todos:
                    fx.todo(c, m)
                fx.change(CODE)
                new = "with_pip_packages" if method == "with_packages" else "with_apt_packages"
                return updated_node.with_changes(func=updated_node.func.with_changes(attr=cst.Name(new)), args=_commas(spread))  # type: ignore[attr-defined]
            if method == "is_container":
                fx.todo(CODE, "ImageSpec.is_container() has no Flyte 2 counterpart: import task-only packages inside the task, or guard on flyte.ctx()")
        return updated_node

