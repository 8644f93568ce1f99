"""`conditional(...)`: branches compiled into one node, decided when the workflow runs.

Calls made between `if_(...)`/`elif_(...)`/`else_()` and their `then(...)` belong to that branch;
only the branch whose condition holds runs. Conditions compare promises and literals and combine
with `&` and `|`; a bare promise or an already-evaluated bool is refused with flytekit's errors.
"""

from __future__ import annotations

from typing import Any, Optional

from ._executor import NodeFailure, execute_nodes
from ._graph import CompileContext, Node, current_compile, promises_in, resolve
from ._interface import Interface
from ._promise import ComparisonExpression, ConjunctionExpression, Promise, PromiseTuple, VoidPromise


class _Case:
    def __init__(self, section: ConditionalSection, expr: Any):
        self.section = section
        self.expr = expr
        self.nodes: list[Node] = []
        self.output: Any = None
        self.fail_message: Optional[str] = None

    def then(self, result: Any) -> Any:
        self.nodes = self.section._ctx.end_capture()
        self.output = result
        return self.section._case_done(self)

    def fail(self, message: str) -> Any:
        self.nodes = self.section._ctx.end_capture()
        self.fail_message = message
        return self.section._case_done(self)


def _check_expr(name: str, method: str, expr: Any) -> None:
    if isinstance(expr, bool):
        raise AssertionError(
            "Logical (and/or/is/not) operations are not supported. Expressions Comparison (<,<=,>,>=,==,!=) or "
            f"Conjunction (&/|) are supported. Received an evaluated expression with val {expr} in {name}.{method}"
        )
    if isinstance(expr, Promise):
        raise AssertionError(
            "Flytekit does not support unary expressions of the form `if_(x) - where x is an input value or output "
            "of a previous node. Use `if_(x.is_true())` or `if_(x.is_false())` instead"
        )
    if not isinstance(expr, (ComparisonExpression, ConjunctionExpression)):
        raise AssertionError(f"{name}.{method} takes a comparison of promises, got {type(expr).__name__}: {expr!r}")


class ConditionalSection:
    """A chain of `if_`/`elif_`/`else_` cases."""

    def __init__(self, name: str):
        ctx = current_compile.get()
        if ctx is None:
            raise AssertionError("Branches can only be invoked within a workflow context!")
        self.name = name
        self._ctx: CompileContext = ctx
        self._cases: list[_Case] = []
        self.complete = False
        ctx.open_conditionals.append(self)

    def _open(self, expr: Any) -> _Case:
        case = _Case(self, expr)
        self._cases.append(case)
        self._ctx.begin_capture()
        return case

    def if_(self, expr: Any) -> _Case:
        if self._cases:
            raise AssertionError(f"{self.name}: if_ may only start a conditional; use elif_ for further cases")
        _check_expr(self.name, "if_", expr)
        return self._open(expr)

    def elif_(self, expr: Any) -> _Case:
        _check_expr(self.name, "elif_", expr)
        return self._open(expr)

    def else_(self) -> _Case:
        return self._open(None)

    def _case_done(self, case: _Case) -> Any:
        if case.expr is not None:
            return self
        self.complete = True
        return self._finish()

    def _finish(self) -> Any:
        shapes = [c.output for c in self._cases if c.fail_message is None]
        template = next((s for s in shapes if s is not None and not isinstance(s, VoidPromise)), None)
        if template is None:
            names: tuple = ()
            types: dict[str, Any] = {}
            tuple_cls = None
        elif isinstance(template, PromiseTuple):
            names = tuple(template._names)  # type: ignore[attr-defined]
            types = {n: p.type for n, p in zip(names, template)}
            tuple_cls = None
        elif isinstance(template, Promise):
            names = (template.var,)
            types = {template.var: template.type}
            tuple_cls = None
        else:
            names = ("o0",)
            types = {"o0": type(template)}
            tuple_cls = None
        entity = _ConditionalEntity(self, names)
        interface = Interface({}, types, tuple_cls)
        node = Node(entity, {"__refs__": entity.external_promises()}, interface, kind="conditional")
        self._ctx.add(node)
        entity.node = node
        if len(names) > 1 and isinstance(template, PromiseTuple):
            from ._promise import NodeOutput

            promises = tuple(Promise(n, NodeOutput(node, n), types[n]) for n in names)
            return PromiseTuple(promises, names, node, template._type_name)
        return node.output_promises()

    def __repr__(self) -> str:
        return f"ConditionalSection({self.name!r})"


class _ConditionalEntity:
    """The node-level behaviour of a finished conditional."""

    def __init__(self, section: ConditionalSection, names: tuple):
        self.name = section.name
        self.cases = section._cases
        self.output_names = names
        self.node: Optional[Node] = None

    def _all_branch_nodes(self) -> list[Node]:
        out: list[Node] = []
        for case in self.cases:
            for n in case.nodes:
                out.append(n)
                if n.kind == "conditional":
                    out.extend(n.entity._all_branch_nodes())
        return out

    def external_promises(self) -> list[Promise]:
        """Promises the branches use from outside: the conditional waits for their nodes."""
        inside = {id(n) for n in self._all_branch_nodes()}
        found: list[Promise] = []
        for case in self.cases:
            if case.expr is not None:
                found.extend(case.expr.promises())
            found.extend(promises_in(case.output))
            for n in case.nodes:
                found.extend(promises_in(n.bindings))
        return [p for p in found if id(p.ref.node) not in inside]

    def _outputs_of(self, case: _Case, results: dict[str, dict[str, Any]]) -> tuple:
        out = case.output
        if out is None or isinstance(out, VoidPromise) or not self.output_names:
            return ()
        if isinstance(out, PromiseTuple):
            return tuple(resolve(p, results) for p in out)
        return (resolve(out, results),)

    def _run_conditional(self, results: dict[str, dict[str, Any]]) -> tuple:
        for case in self.cases:
            if case.expr is None or case.expr.evaluate(lambda v: resolve(v, results)):
                if case.fail_message is not None:
                    execute_nodes(case.nodes, results)
                    raise NodeFailure(ValueError(case.fail_message), self.node.id if self.node else "?")
                execute_nodes(case.nodes, results)
                return self._outputs_of(case, results)
        raise NodeFailure(ValueError(f"No branch of conditional {self.name!r} matched"), self.node.id if self.node else "?")


def conditional(name: str) -> ConditionalSection:
    """Start a conditional in a workflow body: `conditional("c").if_(x > 1).then(a(x=x)).else_().then(b(x=x))`."""
    return ConditionalSection(name)
