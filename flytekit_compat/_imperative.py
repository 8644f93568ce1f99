"""The imperative workflow API: `Workflow(name)`, then add inputs, entities and outputs."""

from __future__ import annotations

import inspect
from typing import Any, Optional

from ._executor import WorkflowFailurePolicy
from ._graph import CompileContext, Node, StartNode, check_binding, current_compile
from ._interface import Interface
from ._promise import NodeOutput, Promise
from ._workflow import WorkflowBase, WorkflowMetadata, WorkflowMetadataDefaults


class ImperativeWorkflow(WorkflowBase):
    def __init__(self, name: str, failure_policy: Optional[WorkflowFailurePolicy] = None, interruptible: bool = False):
        module = name.rsplit(".", 1)[0] if "." in name else "__main__"
        super().__init__(name, Interface({}, {}), WorkflowMetadata(failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY),
                         WorkflowMetadataDefaults(interruptible), module)
        self._ctx = CompileContext(name)
        self._start = StartNode(self._interface)
        self._nodes = self._ctx.nodes
        self._inputs: dict[str, Promise] = {}

    @property
    def inputs(self) -> dict[str, Promise]:
        return dict(self._inputs)

    def add_workflow_input(self, input_name: str, python_type: type[Any]) -> Promise:
        if input_name in self._inputs:
            raise AssertionError(f"Input {input_name} already exists")
        self._interface.inputs_with_defaults[input_name] = (python_type, inspect.Parameter.empty)
        p = Promise(input_name, NodeOutput(self._start, input_name), python_type)  # type: ignore[arg-type]
        self._inputs[input_name] = p
        self._template = None
        return p

    def add_entity(self, entity: Any, **kwargs: Any) -> Node:
        token = current_compile.set(self._ctx)
        try:
            result = entity(**kwargs)
        finally:
            current_compile.reset(token)
        del result  # the node is what the imperative API hands back
        return self._ctx.nodes[-1]

    add_task = add_entity
    add_subwf = add_entity
    add_launch_plan = add_entity

    def add_workflow_output(self, output_name: str, p: Any, python_type: Optional[type[Any]] = None) -> None:
        if output_name in self._interface.outputs:
            raise AssertionError(f"Output {output_name} already exists in workflow {self.name}")
        tp = python_type if python_type is not None else (p.type if isinstance(p, Promise) else type(p))
        self._interface.outputs[output_name] = tp
        self._output_bindings.append(check_binding(self.name, output_name, p, tp))

    def add_on_failure_handler(self, entity: Any) -> None:
        self.on_failure = entity

    def ready(self) -> bool:
        return bool(self._ctx.nodes)

    def compile(self, **kwargs: Any) -> None:
        return None
