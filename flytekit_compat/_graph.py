"""The graph a workflow body compiles into: nodes, their input bindings and their edges.

While a body compiles, a `CompileContext` is current; every entity call adds a `Node` to it and
returns promises for the node's outputs. Argument binding follows flytekit, including its errors.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Optional, get_args

from ._promise import NodeOutput, Promise, PromiseTuple, VoidPromise
from ._typecheck import TypeTransformerFailedError, _Mismatch, castable, convert
from .exceptions.user import FlyteAssertion, FlyteValidationException

if TYPE_CHECKING:
    from ._interface import Interface

_EMPTY = object()


class Node:
    """One call in a compiled graph: an entity, its input bindings and what it must wait for."""

    def __init__(self, entity: Any, bindings: dict[str, Any], interface: Interface, kind: str = "entity"):
        self.id = ""
        self.entity = entity
        self.bindings = bindings
        self.interface = interface
        self.kind = kind
        self.upstream: list[Node] = []
        self.overrides: dict[str, Any] = {}
        self.name: Optional[str] = None
        self._outputs: Any = None

    # -- edges ---------------------------------------------------------------------------------

    def depends_on(self, other: Node) -> None:
        if other is not self and other not in self.upstream:
            self.upstream.append(other)

    def __rshift__(self, other: Any) -> Any:
        from ._promise import node_of

        node_of(other).depends_on(self)
        return other

    def runs_before(self, other: Any) -> None:
        from ._promise import node_of

        node_of(other).depends_on(self)

    @property
    def upstream_nodes(self) -> list[Node]:
        return list(self.upstream)

    @property
    def upstream_node_ids(self) -> list[str]:
        return [n.id for n in self.data_upstream()]

    def data_upstream(self) -> list[Node]:
        """Every node this one waits for: data dependencies and explicit `>>` edges."""
        found: list[Node] = list(self.upstream)
        for p in promises_in(self.bindings):
            n = p.ref.node
            if n.kind != "start" and n not in found:
                found.append(n)
        return found

    # -- overrides -----------------------------------------------------------------------------

    def with_overrides(self, *args: Any, **kwargs: Any) -> Node:
        from ._overrides import validate_overrides

        validate_overrides(kwargs)
        if kwargs.get("node_name"):
            self.name = kwargs["node_name"]
        if kwargs.get("name"):
            self.name = kwargs["name"]
        self.overrides.update({k: v for k, v in kwargs.items() if v is not None})
        return self

    # -- outputs -------------------------------------------------------------------------------

    def output_promises(self) -> Any:
        if self._outputs is None:
            names = self.interface.output_names
            types = self.interface.outputs
            if not names:
                self._outputs = VoidPromise(self)
            elif len(names) == 1 and self.interface.output_tuple is None:
                self._outputs = Promise(names[0], NodeOutput(self, names[0]), types[names[0]])
            else:
                promises = tuple(Promise(n, NodeOutput(self, n), types[n]) for n in names)
                type_name = self.interface.output_tuple.__name__ if self.interface.output_tuple else "DefaultNamedTupleOutput"
                self._outputs = PromiseTuple(promises, names, self, type_name)
        return self._outputs

    @property
    def outputs(self) -> dict[str, Promise]:
        out = self.output_promises()
        if isinstance(out, VoidPromise):
            return {}
        if isinstance(out, Promise):
            return {out.var: out}
        return dict(zip(self.interface.output_names, out))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        outs = self.outputs
        if name in outs:
            return outs[name]
        raise AttributeError(f"Node {self.id} has no output {name!r}")

    def __repr__(self) -> str:
        return f"Node({self.id}: {getattr(self.entity, 'name', self.kind)})"


class StartNode(Node):
    """The workflow's own inputs, as if they were the outputs of a node."""

    def __init__(self, interface: Interface):
        super().__init__(None, {}, interface, kind="start")
        self.id = "start-node"


class CompileContext:
    """Collects the nodes a workflow (or dynamic) body creates."""

    def __init__(self, owner_name: str):
        self.owner_name = owner_name
        self.nodes: list[Node] = []
        self._ids = itertools.count()
        self._capture: list[list[Node]] = []  # innermost conditional branch being compiled
        self.open_conditionals: list[Any] = []

    def add(self, node: Node) -> None:
        node.id = f"n{next(self._ids)}"
        (self._capture[-1] if self._capture else self.nodes).append(node)

    def begin_capture(self) -> list[Node]:
        branch: list[Node] = []
        self._capture.append(branch)
        return branch

    def end_capture(self) -> list[Node]:
        return self._capture.pop()

    @property
    def capturing(self) -> bool:
        return bool(self._capture)


current_compile: ContextVar[Optional[CompileContext]] = ContextVar("flytekit_compile", default=None)


def promises_in(value: Any) -> list[Promise]:
    """Every promise inside a binding value (lists, tuples and dicts are searched)."""
    out: list[Promise] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Promise):
            out.append(v)
        elif isinstance(v, PromiseTuple):
            out.extend(v)
        elif isinstance(v, (list, tuple, set)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
            stack.extend(k for k in v if isinstance(k, Promise))
    return out


def resolve(value: Any, results: dict[str, dict[str, Any]]) -> Any:
    """A binding with every promise replaced by the value it stands for."""
    if isinstance(value, Promise):
        ref = value.ref
        try:
            v = results[ref.node.id][ref.var]
        except KeyError:
            raise RuntimeError(f"{value!r} has no value: node {ref.node.id} did not produce output {ref.var!r}") from None
        for step in ref.attr_path:
            if isinstance(v, (dict, list, tuple)) and not (isinstance(step, str) and hasattr(type(v), step) and not isinstance(v, dict)):
                v = v[step]
            else:
                v = getattr(v, step)
        return v
    if isinstance(value, PromiseTuple):
        return tuple(resolve(p, results) for p in value)
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, results) for v in value)
    if isinstance(value, dict):
        return {resolve(k, results): resolve(v, results) for k, v in value.items()}
    if isinstance(value, DeferredArtifactQuery):
        return value.resolve({})
    return value


class DeferredArtifactQuery:
    """An input's default that is an artifact query: resolved against the local artifact store
    when the node (or the call) runs, not when the workflow compiles."""

    def __init__(self, default: Any, input_name: str):
        self.query = default.query() if type(default).__name__ == "Artifact" else default
        self.input_name = input_name

    def resolve(self, inputs: dict[str, Any]) -> Any:
        return self.query.resolve(inputs)

    def __repr__(self) -> str:
        return f"<default of {self.input_name}: {self.query}>"


def bind_arguments(entity_name: str, interface: Interface, args: tuple, kwargs: dict, *, allow_missing: bool = False) -> dict[str, Any]:
    """Map positional and keyword arguments to input names with flytekit's rules and errors."""
    names = list(interface.inputs_with_defaults)
    if len(args) > len(names):
        raise AssertionError(
            f"Received more arguments than expected in function '{entity_name}'. Expected {len(names)} but got {len(args)}"
        )
    bound = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in interface.inputs_with_defaults:
            raise AssertionError(f"Received unexpected keyword argument '{k}' in function '{entity_name}'")
        if k in bound:
            raise AssertionError(f"Got multiple values for argument '{k}' in function '{entity_name}'")
        bound[k] = v
    return bound


def _missing_arguments(function: str, names: list[str]) -> str:
    """Python's own words for a call that lacks arguments, which is what flytekit's users see."""
    quoted = [f"'{n}'" for n in names]
    listed = quoted[0] if len(quoted) == 1 else (
        f"{quoted[0]} and {quoted[1]}" if len(quoted) == 2 else ", ".join(quoted[:-1]) + f", and {quoted[-1]}")
    plural = "argument" if len(names) == 1 else "arguments"
    return f"{function}() missing {len(names)} required positional {plural}: {listed}"


def fill_defaults(entity_name: str, interface: Interface, bound: dict[str, Any], *, compiling: bool,
                  kind: str = "workflow", function_name: Optional[str] = None) -> dict[str, Any]:
    """The inputs of a call with defaults filled in. A call that lacks a required input fails as
    in flytekit: at compile time with FlyteAssertion; when run, with Python's TypeError naming every
    missing input (for a task, wrapped as the failure of executing it)."""
    out = {}
    missing = []
    for name, (tp, default) in interface.inputs_with_defaults.items():
        if name in bound:
            out[name] = bound[name]
        elif default is not _EMPTY and default is not _inspect_empty():
            if type(default).__name__ in ("ArtifactQuery", "Artifact") and hasattr(default, "to_flyte_idl"):
                default = DeferredArtifactQuery(default, name)
                if not compiling:
                    default = default.resolve(bound)
            out[name] = default
        elif _is_optional(tp):
            out[name] = None
        else:
            if compiling:
                raise FlyteAssertion(f"Input {name} of type {tp} was not specified for function {entity_name}")
            missing.append(name)
    if missing:
        message = _missing_arguments(function_name or entity_name.rsplit(".", 1)[-1], missing)
        if kind == "task":
            message = f"Error encountered while executing '{entity_name}':\n  {message}"
        raise TypeError(message)
    return out


def _inspect_empty() -> Any:
    import inspect

    return inspect.Parameter.empty


def _is_optional(tp: Any) -> bool:
    import typing

    return typing.get_origin(tp) is typing.Union and type(None) in typing.get_args(tp)


class BindingTypeError(FlyteValidationException, TypeError):
    """A promise bound where its declared type cannot go: a compile-time validation error that is
    also a TypeError (flytekit raises TypeError for some of these when the value is converted)."""


def check_binding(entity_name: str, name: str, value: Any, expected: Any) -> Any:
    """Compile-time check of one binding: constants must fit, promises must be castable."""
    if isinstance(value, Promise):
        upstream = value.type
        if value.attr_path and _is_optional(upstream) and not _is_optional(expected):
            # An optional field read through an attribute path is checked when it resolves (None fails
            # there, naming the input), as flytekit and a backend resolve attribute paths at run time.
            upstream = next(a for a in get_args(upstream) if a is not type(None))
        if not castable(upstream, expected):
            raise BindingTypeError(
                f"Failed to bind input '{name}' of '{entity_name}': Expected type '{expected}' does not match "
                f"upstream type '{value.type}'"
            )
        return value
    if promises_in(value) or isinstance(value, DeferredArtifactQuery):
        return value  # a container with promises, or a query: checked when it is resolved
    try:
        return convert(value, expected)
    except _Mismatch as m:
        raise TypeTransformerFailedError(f"Failed to Bind variable '{name}' for function '{entity_name}':\n  {m}") from None
    except (AttributeError, KeyError, ValueError, TypeError) as e:
        # flytekit keeps the converter's own error type, with the binding named in its message
        try:
            wrapped = type(e)(f"Failed to Bind variable '{name}' for function '{entity_name}':\n {e}")
        except Exception:
            raise e from None
        raise wrapped from None


def add_call_node(entity: Any, interface: Interface, args: tuple, kwargs: dict, ctx: CompileContext, kind: str = "entity",
                  prepare: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None) -> Any:
    """Compile one call of `entity` inside a workflow body; returns its output promises."""
    name = getattr(entity, "name", repr(entity))
    bound = bind_arguments(name, interface, args, kwargs)
    if prepare is not None:
        bound = prepare(bound)
    bound = fill_defaults(name, interface, bound, compiling=True)
    bindings = {k: check_binding(name, k, v, interface.inputs.get(k)) for k, v in bound.items()}
    node = Node(entity, bindings, interface, kind)
    ctx.add(node)
    return node.output_promises()


def topological(nodes: list[Node]) -> list[Node]:
    """Nodes ordered so that each comes after everything it waits for (ties keep creation order)."""
    order: list[Node] = []
    seen: set[int] = set()
    index = {id(n): n for n in nodes}

    def visit(n: Node, path: tuple[int, ...] = ()) -> None:
        if id(n) in seen:
            return
        if id(n) in path:
            raise FlyteValidationException(f"Cycle detected in workflow graph at node {n.id}")
        for up in n.data_upstream():
            if id(up) in index:
                visit(up, (*path, id(n)))
        seen.add(id(n))
        order.append(n)

    for n in nodes:
        visit(n)
    return order
