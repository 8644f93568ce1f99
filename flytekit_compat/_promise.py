"""Promises: what task calls return while a workflow body is compiled.

A promise stands for one output of a node (optionally a path into it: `p.attr`, `p[0]`). It can be
passed to other calls, put in lists and dicts, compared (for `conditional`) and ordered with `>>`;
everything else a Python value supports (arithmetic, truth tests, iteration) is refused with
flytekit's errors, because the value does not exist until the workflow runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._graph import Node

_UNARY = (
    "Flytekit does not support Unary expressions or performing truth value testing, This is a limitation in python. "
    "For Logical `and\\or` use `&\\|` (bitwise) instead"
)


class NodeOutput:
    """Where a promised value comes from: a node's output variable, and a path into it."""

    __slots__ = ("attr_path", "node", "var")

    def __init__(self, node: Node, var: str, attr_path: tuple[Any, ...] = ()):
        self.node = node
        self.var = var
        self.attr_path = attr_path

    @property
    def node_id(self) -> str:
        return self.node.id

    def __repr__(self) -> str:
        return f"Node({self.node.id}):{self.var}{''.join(f'[{a!r}]' for a in self.attr_path)}"


class Promise:
    """One output of a node, not yet computed."""

    def __init__(self, var: str, val: NodeOutput, type: Any = None):
        self._var = var
        self._ref = val
        self._type = type

    # -- what it refers to ---------------------------------------------------------------------

    @property
    def var(self) -> str:
        return self._var

    @property
    def ref(self) -> NodeOutput:
        return self._ref

    @property
    def val(self) -> NodeOutput:
        return self._ref

    @property
    def is_ready(self) -> bool:
        return False

    @property
    def attr_path(self) -> tuple[Any, ...]:
        return self._ref.attr_path

    @property
    def type(self) -> Any:
        return self._type

    def _with_path(self, step: Any, tp: Any = None) -> Promise:
        return Promise(self._var, NodeOutput(self._ref.node, self._ref.var, (*self._ref.attr_path, step)), tp)

    def __getattr__(self, name: str) -> Promise:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._with_path(name, _attr_type(self._type, name))

    def __getitem__(self, key: Any) -> Promise:
        return self._with_path(key, _item_type(self._type, key))

    # -- refused operations --------------------------------------------------------------------

    def __bool__(self) -> bool:
        raise ValueError(_UNARY)

    def __iter__(self) -> Any:
        raise ValueError(
            f"Promise objects are not iterable - can't range() over a promise. But you can use [index] or the "
            f"alpha version of @eager workflows (promise {self})"
        )

    def __len__(self) -> int:
        raise TypeError("object of type 'Promise' has no len(): its value does not exist until the workflow runs")

    # -- comparisons build expressions for `conditional` ---------------------------------------

    def __eq__(self, other: Any) -> ComparisonExpression:  # type: ignore[override]
        return ComparisonExpression(self, "==", other)

    def __ne__(self, other: Any) -> ComparisonExpression:  # type: ignore[override]
        return ComparisonExpression(self, "!=", other)

    def __lt__(self, other: Any) -> ComparisonExpression:
        return ComparisonExpression(self, "<", other)

    def __le__(self, other: Any) -> ComparisonExpression:
        return ComparisonExpression(self, "<=", other)

    def __gt__(self, other: Any) -> ComparisonExpression:
        return ComparisonExpression(self, ">", other)

    def __ge__(self, other: Any) -> ComparisonExpression:
        return ComparisonExpression(self, ">=", other)

    __hash__ = object.__hash__

    def is_true(self) -> ComparisonExpression:
        return ComparisonExpression(self, "==", True)

    def is_false(self) -> ComparisonExpression:
        return ComparisonExpression(self, "==", False)

    def is_none(self) -> ComparisonExpression:
        return ComparisonExpression(self, "is_none", None)

    # -- node-level operations -----------------------------------------------------------------

    def __rshift__(self, other: Any) -> Any:
        node_of(other).depends_on(self._ref.node)
        return other

    def runs_before(self, other: Any) -> None:
        node_of(other).depends_on(self._ref.node)

    def with_overrides(self, *args: Any, **kwargs: Any) -> Promise:
        self._ref.node.with_overrides(*args, **kwargs)
        return self

    def __repr__(self) -> str:
        path = "".join(f"[{a!r}]" if not isinstance(a, str) else f".{a}" for a in self._ref.attr_path)
        return f"Promise(node:{self._ref.node.id}.{self._var}{path})"

    __str__ = __repr__


def _attr_type(tp: Any, name: str) -> Any:
    try:
        import typing

        return typing.get_type_hints(tp).get(name) if isinstance(tp, type) else None
    except Exception:
        return None


def _item_type(tp: Any, key: Any) -> Any:
    import typing

    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


class VoidPromise:
    """What a call to an entity with no outputs returns; it can still be ordered with `>>`."""

    def __init__(self, node: Node):
        self._node = node

    @property
    def ref(self) -> Node:
        return self._node

    def __rshift__(self, other: Any) -> Any:
        node_of(other).depends_on(self._node)
        return other

    def runs_before(self, other: Any) -> None:
        node_of(other).depends_on(self._node)

    def with_overrides(self, *args: Any, **kwargs: Any) -> VoidPromise:
        self._node.with_overrides(*args, **kwargs)
        return self

    def __bool__(self) -> bool:
        raise ValueError(_UNARY)

    def __repr__(self) -> str:
        return f"VoidPromise(node:{self._node.id})"


class PromiseTuple(tuple):
    """The promises of a multi-output node: unpackable, and addressable by output name."""

    _names: tuple[str, ...]
    _node: Node
    _type_name: str

    def __new__(cls, promises: tuple[Promise, ...], names: tuple[str, ...], node: Node, type_name: str = "DefaultNamedTupleOutput"):
        obj = super().__new__(cls, promises)
        obj._names = names
        obj._node = node
        obj._type_name = type_name
        return obj

    def __getattr__(self, name: str) -> Promise:
        names = object.__getattribute__(self, "_names")
        if name in names:
            return self[names.index(name)]
        raise AttributeError(name)

    @property
    def ref(self) -> Node:
        return self._node

    def __rshift__(self, other: Any) -> Any:
        node_of(other).depends_on(self._node)
        return other

    def runs_before(self, other: Any) -> None:
        node_of(other).depends_on(self._node)

    def with_overrides(self, *args: Any, **kwargs: Any) -> PromiseTuple:
        self._node.with_overrides(*args, **kwargs)  # type: ignore[attr-defined]
        return self

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={p!r}" for n, p in zip(self._names, self))  # type: ignore[attr-defined]
        return f"{self._type_name}({inner})"  # type: ignore[attr-defined]


def node_of(obj: Any) -> Node:
    from ._graph import Node

    if isinstance(obj, Node):
        return obj
    if isinstance(obj, Promise):
        return obj.ref.node
    if isinstance(obj, (VoidPromise, PromiseTuple)):
        return obj.ref
    raise TypeError(f"`>>` orders workflow nodes; {type(obj).__name__} is not one")


# -- conditions -------------------------------------------------------------------------------------

_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "is_none": lambda a, b: a is None,
}


class _Expression:
    """A condition of a `conditional` branch: combinable with `&`/`|`, never with Python's
    `and`/`or` (which would ask for its truth value at compile time)."""

    _kind = ""  # how flytekit's error message names the expression

    def __init__(self, lhs: Any, op: str, rhs: Any):
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def __and__(self, other: Any) -> ConjunctionExpression:
        return ConjunctionExpression(self, "and", _expr(other))

    def __or__(self, other: Any) -> ConjunctionExpression:
        return ConjunctionExpression(self, "or", _expr(other))

    def __bool__(self) -> bool:
        raise ValueError(
            "Cannot perform truth value testing, This is a limitation in python. For Logical `and\\or` use `&\\|` "
            f"(bitwise) instead. Expr {self._kind}"
        )


class ComparisonExpression(_Expression):
    """`lhs op rhs` over promises and literals, decided when the workflow runs."""

    _kind = "Comp"

    def promises(self) -> list:
        return [v for v in (self.lhs, self.rhs) if isinstance(v, Promise)]

    def evaluate(self, resolve: Callable[[Any], Any]) -> bool:
        return bool(_OPS[self.op](resolve(self.lhs), resolve(self.rhs)))

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


class ConjunctionExpression(_Expression):
    """`a & b`, `a | b` of conditions."""

    _kind = "Conj"

    def promises(self) -> list:
        return self.lhs.promises() + self.rhs.promises()

    def evaluate(self, resolve: Callable[[Any], Any]) -> bool:
        left = self.lhs.evaluate(resolve)
        if self.op == "and":
            return left and self.rhs.evaluate(resolve)
        return left or self.rhs.evaluate(resolve)

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


def _expr(value: Any) -> Any:
    if isinstance(value, (ComparisonExpression, ConjunctionExpression)):
        return value
    raise ValueError(f"Only comparisons of promises can be combined with & and |, got {value!r}")


from collections.abc import Callable  # noqa: E402  (used in annotations above)
