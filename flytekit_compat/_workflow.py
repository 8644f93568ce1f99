"""`@workflow`: a body compiled once into a graph, run as a flyte action whose nodes are children.

Compilation is lazy (first call, or first look at `.nodes`) and happens once, as on a Flyte
backend: the body runs with promises, builds the graph and its output bindings, and raises
flytekit's compile errors. Every call then runs the graph, with independent nodes in parallel.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from . import _bridge
from ._entity import Entity, name_module
from ._executor import NodeFailure, WorkflowFailurePolicy, execute_graph
from ._graph import CompileContext, StartNode, check_binding, current_compile, promises_in
from ._interface import Interface, extract
from ._literal_crossing import check_graph_outputs
from ._promise import NodeOutput, Promise, PromiseTuple, VoidPromise
from .exceptions.user import FlyteValidationException, FlyteValueException


@dataclass
class WorkflowMetadata:
    on_failure: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY

    def __post_init__(self) -> None:
        if not isinstance(self.on_failure, WorkflowFailurePolicy):
            raise FlyteValidationException(f"Failure policy {self.on_failure} not acceptable")


@dataclass
class WorkflowMetadataDefaults:
    interruptible: bool = False

    def __post_init__(self) -> None:
        if self.interruptible is not True and self.interruptible is not False:
            raise FlyteValidationException(f"Interruptible must be boolean, {self.interruptible} invalid")


class WorkflowBase(Entity):
    """A compiled graph with inputs and outputs; subclasses say how the graph is built."""

    _kind = "workflow"

    def __init__(self, name: str, interface: Interface, metadata: WorkflowMetadata,
                 default_metadata: WorkflowMetadataDefaults, module: str, on_failure: Any = None, docs: Any = None):
        self.name = name
        self._interface = interface
        self.workflow_metadata = metadata
        self.workflow_metadata_defaults = default_metadata
        self._module = module
        self.on_failure = on_failure
        self.docs = docs
        self._nodes: Optional[list[Any]] = None
        self._output_bindings: list[Any] = []
        self._start: Optional[StartNode] = None
        self._template: Any = None

    @property
    def short_name(self) -> str:
        return self.name.split(".")[-1]

    @property
    def failure_policy(self) -> WorkflowFailurePolicy:
        return self.workflow_metadata.on_failure

    @property
    def nodes(self) -> list[Any]:
        self.compile()
        return list(self._nodes or [])

    @property
    def output_bindings(self) -> list[Any]:
        self.compile()
        return list(self._output_bindings)

    def compile(self, **kwargs: Any) -> None:
        raise NotImplementedError

    # -- execution ------------------------------------------------------------------------------------

    def _drive(self, **kwargs: Any) -> Any:
        self.compile()
        try:
            values = execute_graph(self._nodes or [], kwargs, self._output_bindings, self.failure_policy,
                                   start_id=self._start.id if self._start else "start-node")
        except NodeFailure as failure:
            if self.on_failure is not None:
                self._run_failure_handler(kwargs, failure)
            raise failure.error from None
        outputs = self._interface.outputs
        if not outputs:
            return None
        checked = check_graph_outputs(self.name, outputs, tuple(values))
        if len(checked) == 1 and self._interface.output_tuple is None:
            return checked[0]
        return checked

    def _run_failure_handler(self, inputs: dict[str, Any], failure: NodeFailure) -> None:
        from .types.error import FlyteError

        handler = self.on_failure
        wanted = handler.python_interface.inputs
        args = {k: v for k, v in inputs.items() if k in wanted}
        if "err" in wanted:
            args["err"] = FlyteError(message=str(failure.error), failed_node_id=failure.node_id)
        try:
            handler._run_node_sync(args)
        except Exception:
            pass  # the workflow's own failure is what the caller sees

    def _flyte_template(self) -> Any:
        if self._template is None:
            env = _bridge.env_for_module(self._module)
            fn_name = self.name.split(".")[-1]
            body = _bridge.make_body(self._drive, fn_name, tuple(self._interface.inputs), False, self._module, fn_name)
            self._template = env.task(body, short_name=fn_name)
        return self._template

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_compile.get() is None:
            self.compile()  # compile errors surface at the first call, before anything runs
        return super().__call__(*args, **kwargs)

    # -- output binding (shared by the decorator and the imperative API) ------------------------------

    def _bind_outputs(self, result: Any) -> list[Any]:
        names = self._interface.output_names
        types = self._interface.outputs
        from ._condition import ConditionalSection

        if isinstance(result, ConditionalSection):
            raise FlyteValidationException(
                f"Failed to bind output of workflow {self.name!r}: the conditional {result.name!r} is incomplete "
                "(every conditional needs an else_())"
            )
        if not names:
            if result is None or isinstance(result, VoidPromise):
                return []
            raise FlyteValueException(result, f"Interface has 0 outputs but workflow {self.name!r} returned a value")
        if isinstance(result, PromiseTuple) and (len(names) > 1 or self._interface.output_tuple is not None):
            items = list(result)
        elif len(names) == 1 and self._interface.output_tuple is None:
            if isinstance(result, PromiseTuple):
                if len(result) != 1:
                    raise AssertionError(f"The Workflow specification indicates only one return value, received {len(result)}")
                items = [result[0]]
            else:
                items = [result]
        elif isinstance(result, tuple):
            items = list(result)
        elif len(names) > 1:  # a workflow's outputs are bound at compile time: only a tuple names several
            raise AssertionError("The Workflow specification indicates multiple return values, received only one")
        else:
            items = [result]
        if len(items) != len(names):
            if len(names) == 1:
                raise AssertionError(f"The Workflow specification indicates only one return value, received {len(items)}")
            raise ValueError(f"Length mismatch {len(names)} vs {len(items)}")
        bindings = []
        for name, item in zip(names, items):
            if isinstance(item, VoidPromise):
                raise FlyteValidationException(f"Output {name!r} of workflow {self.name!r} is bound to a node with no outputs")
            bindings.append(check_binding(self.name, name, item, types[name]))
        return bindings


class PythonFunctionWorkflow(WorkflowBase):
    """A workflow written as a decorated function."""

    def __init__(self, workflow_function: Callable[..., Any], metadata: WorkflowMetadata,
                 default_metadata: WorkflowMetadataDefaults, docstring: Any = None, on_failure: Any = None,
                 docs: Any = None, pickle_untyped: bool = False, default_options: Any = None):
        module = getattr(workflow_function, "__module__", "__main__") or "__main__"
        interface = extract(workflow_function, allow_untyped=pickle_untyped, allow_partial_artifacts=False)
        super().__init__(f"{name_module(workflow_function)}.{workflow_function.__name__}", interface, metadata, default_metadata, module,
                         on_failure=on_failure, docs=docs)
        self._workflow_function = workflow_function
        self.default_options = default_options
        functools.update_wrapper(self, workflow_function)  # type: ignore[arg-type]

    @property
    def function(self) -> Callable[..., Any]:
        return self._workflow_function

    def compile(self, **kwargs: Any) -> None:
        if self._nodes is not None:
            return
        ctx = CompileContext(self.name)
        start = StartNode(self._interface)
        inputs = {n: Promise(n, NodeOutput(start, n), tp) for n, tp in self._interface.inputs.items()}
        token = current_compile.set(ctx)
        try:
            result = self._workflow_function(**inputs)
        finally:
            current_compile.reset(token)
        if inspect.iscoroutine(result):
            result.close()
            raise FlyteValidationException(
                f"Workflow {self.name!r} returned a coroutine: workflows are not async (use @eager for async code)"
            )
        for section in ctx.open_conditionals:
            if not section.complete:
                raise FlyteValidationException(
                    f"The conditional {section.name!r} in workflow {self.name!r} has no else_(): every conditional "
                    "must end with .else_().then(...) or .else_().fail(...)"
                )
        bindings = self._bind_outputs(result)
        self._start, self._nodes, self._output_bindings = start, ctx.nodes, bindings
        if self.on_failure is not None:
            self._check_failure_handler()

    def _check_failure_handler(self) -> None:
        from .exceptions.user import FlyteFailureNodeInputMismatchException

        handler_inputs = self.on_failure.python_interface.inputs_with_defaults
        ours = self._interface.inputs
        for name, (_tp, default) in handler_inputs.items():
            if name == "err":
                continue
            if name not in ours and default is inspect.Parameter.empty:
                raise FlyteFailureNodeInputMismatchException(self.on_failure, self)


def workflow(
    _workflow_function: Optional[Callable[..., Any]] = None,
    failure_policy: Optional[WorkflowFailurePolicy] = None,
    interruptible: bool = False,
    on_failure: Any = None,
    docs: Any = None,
    pickle_untyped: bool = False,
    default_options: Any = None,
) -> Any:
    """Make a function a workflow: its body is compiled into a graph of task calls."""

    def wrapper(fn: Callable[..., Any]) -> PythonFunctionWorkflow:
        metadata = WorkflowMetadata(on_failure=failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY)
        defaults = WorkflowMetadataDefaults(interruptible)
        return PythonFunctionWorkflow(fn, metadata, defaults, on_failure=on_failure, docs=docs,
                                      pickle_untyped=pickle_untyped, default_options=default_options)

    if _workflow_function is not None:
        return wrapper(_workflow_function)
    return wrapper


def get_promise(binding: Any, outputs_cache: dict[Any, Any]) -> Any:
    """The value a binding stands for: a node output looked up in `outputs_cache` (by node, then
    output name), a literal scalar, or a collection or map of bindings. Anything that is not a
    BindingData model is returned as it is."""
    from ._promise import NodeOutput, Promise
    from .models.literals import BindingData, Literal, LiteralCollection, LiteralMap

    if not isinstance(binding, BindingData):
        return binding
    if binding.promise is not None:
        ref = binding.promise
        if isinstance(ref, Promise):
            ref = ref.ref
        if not isinstance(ref, NodeOutput):
            raise FlyteValidationException(f"Binding data Promises have to be of the NodeOutput type {type(ref)} found")
        return outputs_cache[ref.node][ref.var]
    if binding.scalar is not None:
        return Literal(scalar=binding.scalar)
    if binding.collection is not None:
        return Literal(collection=LiteralCollection([get_promise(b, outputs_cache) for b in binding.collection.bindings]))
    if binding.map is not None:
        return Literal(map=LiteralMap({k: get_promise(b, outputs_cache) for k, b in binding.map.bindings.items()}))
    raise FlyteValidationException("Binding type unrecognized.")


__all__ = [
    "PythonFunctionWorkflow",
    "WorkflowBase",
    "WorkflowFailurePolicy",
    "WorkflowMetadata",
    "WorkflowMetadataDefaults",
    "promises_in",
    "workflow",
]
