"""Flyte 1 `ShellTask`s become tasks that run their script with `subprocess`.

Flyte 2 has no local shell task (`flyte.extras.shell` wraps a CLI tool in a container image), so
a `ShellTask` is written out as the Python task it stood for: inputs become typed parameters,
the script is filled in with `str.format` exactly as flytekit did (`{inputs.x}` is the local
path of a file or directory input, an ISO string for a datetime, `str()` of anything else;
`{outputs.y}` is the output's location, itself filled in from the inputs), it runs under the same
shell with `check=True` (flytekit raised on a non-zero exit too), and each output location is
returned as a file or directory.

This runs on the source before the analysis pass and writes *Flyte 1* code
(`@flytekit.task def t(x: FlyteFile) -> FlyteFile`), which the rules then migrate like any
other task (environment, `download_sync()`, `File.from_local_sync`), so a shell task gets
exactly what a hand-written task gets. A `ShellTask(...)` it cannot read (positional
arguments, `**kwargs`, an input named like one of the generated locals, `{ctx...}` in a
template) is left as written, and the catch-all rule reports it.

Before::

    t = ShellTask(
        name="count",
        script="wc -c < {inputs.f} > {outputs.n}",
        inputs=kwtypes(f=FlyteFile),
        output_locs=[OutputLocation(var="n", var_type=FlyteFile, location="n.txt")],
    )

After (then migrated)::

    @flytekit.task
    def t(f: FlyteFile) -> FlyteFile:
        \"\"\"Flyte 1 ShellTask "count": its script, run with subprocess.\"\"\"
        inputs = types.SimpleNamespace(f=f.download())
        outputs = types.SimpleNamespace(n="n.txt")
        script = "wc -c < {inputs.f} > {outputs.n}".format(inputs=inputs, outputs=outputs)
        subprocess.run(script, shell=True, check=True, executable="/bin/sh")
        return FlyteFile(outputs.n)
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from ._analysis._names import DIR_ALIASES, FILE_ALIASES, symbol_for
from ._cst import code, leading_lines, wrap_call

_RESERVED = {"inputs", "outputs", "script", "subprocess", "types", "fh", "flytekit", "typing"}
# ShellTask arguments that shape the generated body; everything else goes to @task(...)
_OWN = {"name", "debug", "script", "script_file", "shell", "inputs", "output_locs"}


def _table(module: cst.Module) -> dict[str, str]:
    """Top-level local name -> qualified name, for flytekit imports."""
    table: dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative and not isinstance(small.names, cst.ImportStar):
                mod = code(small.module)
                for a in small.names:
                    local = a.asname.name.value if a.asname is not None else code(a.name)  # type: ignore[union-attr]
                    table[local] = f"{mod}.{code(a.name)}"
            elif isinstance(small, cst.Import):
                for a in small.names:
                    full = code(a.name)
                    if a.asname is not None:
                        table[a.asname.name.value] = full  # type: ignore[union-attr]
                    else:
                        table[full.split(".")[0]] = full.split(".")[0]
    return table


def _symbol(node: cst.BaseExpression, table: dict[str, str]) -> Optional[str]:
    """The flytekit symbol a Name/Attribute names, through the import table."""
    if isinstance(node, cst.Name):
        qualified = table.get(node.value)
    elif isinstance(node, cst.Attribute):
        parts = code(node).split(".")
        base = table.get(parts[0])
        qualified = ".".join([base, *parts[1:]]) if base else None
    else:
        return None
    sym = symbol_for(qualified) if qualified else None
    return sym.name if sym is not None and not sym.plugin else None


def _kind(annotation: cst.BaseExpression, table: dict[str, str]) -> str:
    """file | dir | datetime | plain, for an input or output type."""
    node = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = _symbol(node, table)
    if name in FILE_ALIASES:
        return "file"
    if name in DIR_ALIASES:
        return "dir"
    text = code(node)
    if text in ("datetime", "datetime.datetime") or table.get(text) == "datetime.datetime":
        return "datetime"
    return "plain"


def _io_pairs(node: cst.BaseExpression, table: dict[str, str]) -> Optional[list[tuple[str, cst.BaseExpression]]]:
    """`kwtypes(a=int)` or `{"a": int}` as (name, type) pairs."""
    if isinstance(node, cst.Call) and _symbol(node.func, table) == "kwtypes":
        if any(a.keyword is None for a in node.args):
            return None
        return [(a.keyword.value, a.value) for a in node.args]  # type: ignore[union-attr]
    if isinstance(node, cst.Dict):
        out = []
        for el in node.elements:
            if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
                return None
            key = el.key.evaluated_value
            if not isinstance(key, str):
                return None
            out.append((key, el.value))
        return out
    return None


def _outputs(node: cst.BaseExpression, table: dict[str, str]) -> Optional[list[tuple[str, cst.BaseExpression, cst.BaseExpression]]]:
    """`[OutputLocation(var=, var_type=, location=)]` as (var, type, location) triples."""
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    out = []
    for el in node.elements:
        value = el.value
        if not isinstance(value, cst.Call) or _symbol(value.func, table) != "OutputLocation":
            return None
        kw = {a.keyword.value: a.value for a in value.args if a.keyword is not None}
        positional = [a.value for a in value.args if a.keyword is None]
        for key, v in zip(("var", "var_type", "location"), positional, strict=False):
            kw.setdefault(key, v)
        if not isinstance(kw.get("var"), cst.SimpleString) or "var_type" not in kw or "location" not in kw:
            return None
        if _kind(kw["var_type"], table) not in ("file", "dir"):
            return None  # flytekit itself refuses other output types
        var = cst.ensure_type(kw["var"], cst.SimpleString).evaluated_value
        if not isinstance(var, str) or not var.isidentifier():
            return None
        out.append((var, kw["var_type"], kw["location"]))
    return out


def _function(target: str, call: cst.Call, table: dict[str, str], width: int) -> Optional[cst.FunctionDef]:
    if any(a.keyword is None for a in call.args):
        return None
    args = {a.keyword.value: a.value for a in call.args}  # type: ignore[union-attr]
    if ("script" in args) == ("script_file" in args) or "name" not in args:
        return None
    inputs = _io_pairs(args["inputs"], table) if "inputs" in args else []
    outputs = _outputs(args["output_locs"], table) if "output_locs" in args else []
    if inputs is None or outputs is None:
        return None
    if any(n in _RESERVED or not n.isidentifier() for n, _ in inputs):
        return None
    templates = [args.get("script")] + [loc for _, _, loc in outputs]
    if any(t is not None and "{ctx" in code(t) for t in templates):
        return None
    params = ", ".join(f"{n}: {code(t)}" for n, t in inputs)
    out_types = [code(t) for _, t, _ in outputs]
    if not outputs:
        returns = "None"
    elif len(outputs) == 1:
        returns = out_types[0]
    else:
        returns = f"typing.Tuple[{', '.join(out_types)}]"
    decorator_args = ", ".join(code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in call.args if a.keyword.value not in _OWN)  # type: ignore[union-attr]
    decorator = f"@flytekit.task({decorator_args})" if decorator_args else "@flytekit.task"
    name = code(args["name"])
    lines = [f'"""Flyte 1 ShellTask {name}: its script, run with subprocess."""']
    values = []
    for n, t in inputs:
        kind = _kind(t, table)
        values.append(f"{n}={n}.download()" if kind in ("file", "dir") else f"{n}={n}.isoformat()" if kind == "datetime" else f"{n}={n}")
    lines.append(f"inputs = types.SimpleNamespace({', '.join(values)})")
    if outputs:
        locs = []
        for var, _, loc in outputs:
            text = code(loc)
            locs.append(f"{var}={text}.format(inputs=inputs)" if "{" in text else f"{var}={text}")
        lines.append(f"outputs = types.SimpleNamespace({', '.join(locs)})")
    else:
        lines.append("outputs = types.SimpleNamespace()")
    if "script" in args:
        lines.append(f"script = {code(args['script'])}.format(inputs=inputs, outputs=outputs)")
    else:
        lines.append(f"with open({code(args['script_file'])}) as fh:")
        lines.append("    script = fh.read().format(inputs=inputs, outputs=outputs)")
    debug = args.get("debug")
    if debug is not None and not (isinstance(debug, cst.Name) and debug.value == "False"):
        lines.append("print(script)" if isinstance(debug, cst.Name) and debug.value == "True" else f"if {code(debug)}:\n        print(script)")
    shell = code(args["shell"]) if "shell" in args else '"/bin/sh"'
    lines.append(f"subprocess.run(script, shell=True, check=True, executable={shell})")
    results = [f"{code(t)}(outputs.{var})" for var, t, _ in outputs]
    if results:
        lines.append(f"return {results[0]}" if len(results) == 1 else f"return {', '.join(results)}")
    body = "\n".join("    " + line for line in lines)
    source = f"{decorator}\ndef {target}({params}) -> {returns}:\n{body}\n"
    fn = cst.ensure_type(cst.parse_statement(source), cst.FunctionDef)
    block = cst.ensure_type(fn.body, cst.IndentedBlock)  # the source above is written with an indented body
    return fn.with_changes(body=block.with_changes(body=[_fit(stmt, width) for stmt in block.body]))


def _fit(stmt: cst.BaseStatement, width: int) -> cst.BaseStatement:
    """A generated `x = call(...)` / `call(...)` line broken at its arguments when too long."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return stmt
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and "\n" not in code(small.value):
        prefix = 4 + len(code(small.targets[0].target)) + 3
        return stmt.with_changes(body=[small.with_changes(value=wrap_call(small.value, width, prefix=prefix))])
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return stmt.with_changes(body=[small.with_changes(value=wrap_call(small.value, width, prefix=4))])
    return stmt


def expand_shell_tasks(module: cst.Module, width: int = 88) -> Optional[cst.Module]:
    """The module with every readable module-level `NAME = ShellTask(...)` written out as a
    flytekit task, and the imports that code needs; None when there was none."""
    from .rules.imports import _place_stdlib, used_names

    table = _table(module)
    if used_names(module) & {"types", "subprocess"} - set(table):
        return None  # a name of the user's own would shadow the modules the new code needs
    body = defs_for_assigned_calls(module, table, "ShellTask",
                                   lambda target, call: _function(target, call, table, width))
    if body is None:
        return None
    plain = {name for name, qualified in table.items() if name == qualified}
    std = sorted({"subprocess", "types", "typing"} - plain if any("typing.Tuple[" in code(s) for s in body if isinstance(s, cst.FunctionDef)) else {"subprocess", "types"} - plain)
    if "flytekit" not in plain:
        import_flytekit(body)
    _place_stdlib(body, std)
    return module.with_changes(body=body)


def defs_for_assigned_calls(module: cst.Module, table: dict[str, str], symbol: str,
                            make: Callable[[str, cst.Call], Optional[cst.FunctionDef]]) -> Optional[list[cst.BaseStatement]]:
    """The module's statements with every module-level `NAME = <symbol>(...)` that `make` can
    write out replaced by its def (set off by two blank lines, its comments kept); None when
    `make` wrote none."""
    body: list[cst.BaseStatement] = []
    changed = False
    for stmt in module.body:
        fn = None
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
            assign = stmt.body[0]
            if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) and isinstance(assign.value, cst.Call):
                if _symbol(assign.value.func, table) == symbol:
                    fn = make(assign.targets[0].target.value, assign.value)
        if fn is None:
            body.append(stmt)
            continue
        changed = True
        leading = list(stmt.leading_lines)
        blanks = next((i for i, line in enumerate(leading) if line.comment is not None), len(leading))
        if body and blanks < 2:  # a def is set off by two blank lines
            leading[:0] = [cst.EmptyLine()] * (2 - blanks)
        body.append(fn.with_changes(leading_lines=leading))
    return body if changed else None


def import_flytekit(body: list[cst.BaseStatement]) -> None:
    """Adds `import flytekit` where the module's flytekit imports begin (taking over the
    blank lines and comments above the first one), or at the top."""
    first = _first_flytekit_import(body)
    line = cst.parse_statement("import flytekit\n")
    if first < len(body):
        line = line.with_changes(leading_lines=leading_lines(body[first]))
        body[first] = body[first].with_changes(leading_lines=[])
    body.insert(first, line)


def _first_flytekit_import(body: list[cst.BaseStatement]) -> int:
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)) and "flytekit" in code(stmt):
            return i
    return 0
