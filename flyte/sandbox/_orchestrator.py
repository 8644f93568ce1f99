"""Sandboxed orchestrators: tasks whose body is orchestration logic run in the Monty sandbox
(`SandboxedTaskTemplate`, from a function; `CodeTaskTemplate` / `orchestrator_from_str`, from a
code string; `orchestrate_local`, one-shot). See `_monty` for what runs here and what does not.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from .._context import current_frame
from .._interface import TaskInterface
from .._task import AsyncFunctionTaskTemplate, TaskTemplate
from ._config import SandboxedConfig
from ._monty import require_monty
from ._types import check_interface


def prepared_source(source: str) -> str:
    """The code as the sandbox runs it: dedented (code strings are often indented triple-quoted
    blocks) and stripped; empty code is `None`."""
    return textwrap.dedent(source).strip() or "None"


def _check_source(source: str, what: str) -> None:
    """A syntax error is the user's, found where the orchestrator is defined."""
    try:
        ast.parse(prepared_source(source))
    except SyntaxError as e:
        raise SyntaxError(f"{what}: the sandboxed code does not parse: {e.msg} (line {e.lineno})") from None


def tasks_by_name(tasks: Optional[List[Any]]) -> Dict[str, Any]:
    """The functions an orchestrator may call, by the name its code calls them by (a task's
    function name, a callable's `__name__`)."""
    out: Dict[str, Any] = {}
    for t in tasks or []:
        if isinstance(t, TaskTemplate):
            name = getattr(getattr(t, "func", None), "__name__", None) or t.short_name
        elif callable(t):
            name = getattr(t, "__name__", None)
            if not name:
                raise TypeError(f"A sandbox function needs a __name__ to be called by; got {t!r}")
        else:
            raise TypeError(f"Expected a callable or TaskTemplate, got {type(t)}")
        if name in out:
            raise ValueError(f"Duplicate task name '{name}'")
        out[name] = t
    return out


def _enter_sandbox(task: SandboxedTaskTemplate, user_func: Callable[..., Any]) -> Callable[..., Any]:
    """The body the runtime calls: the orchestration runs in the sandbox, never as plain Python.
    It carries the user function's name, module and source (cache versions hash that source)."""

    async def run_in_sandbox(*args: Any, **kwargs: Any) -> Any:
        return await task.execute(*args, **kwargs)

    return functools.update_wrapper(run_in_sandbox, user_func)


async def _as_awaitable(func: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    result = func(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


@dataclass(kw_only=True)
class SandboxedTaskTemplate(AsyncFunctionTaskTemplate):
    """A task whose function body runs in the Monty sandbox. Its interface is checked when it
    is defined (plain data and flyte.io handles only); `forward()` runs the function as plain
    Python, for debugging."""

    task_type: str = "sandboxed-python"
    plugin_config: Optional[SandboxedConfig] = None

    def __post_init__(self) -> None:
        user_func = self.func
        if not isinstance(self.interface, TaskInterface) and callable(user_func):
            self.interface = TaskInterface(user_func)  # e.g. a flyte.models.NativeInterface: the function's own
        super().__post_init__()
        if self.plugin_config is None:
            self.plugin_config = SandboxedConfig()
        if self.plugin_config.type_check:
            check_interface({k: tp for k, (tp, _) in self.interface.inputs.items()}, dict(self.interface.outputs))
        self._orchestrator = user_func
        # Read by the SDK's own examples: what the sandbox receives and whether it calls out.
        self._input_names: List[str] = list(self.interface.inputs)
        self._source_code = ""
        self._has_external_refs = False
        self.func = _enter_sandbox(self, user_func)
        self._call_as_synchronous = False

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        require_monty(f"Sandboxed task {self.name!r}")

    # Outside a run a task is a plain function call (as every task is, in the SDK too); inside
    # one, the call is an action whose body enters the sandbox.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_frame.get() is None:
            return self.forward(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        if current_frame.get() is None:
            return _as_awaitable(self.forward, args, kwargs)
        return super().aio(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The function as plain Python: no sandbox, no action (for local debugging)."""
        return self._orchestrator(*args, **kwargs)


@dataclass(kw_only=True)
class CodeTaskTemplate(SandboxedTaskTemplate):
    """A sandboxed task from a code string (`orchestrator_from_str`): the code's last
    expression is the output; `_user_functions` are what it may call."""

    _user_source: str = field(default="", repr=False)
    _user_input_names: List[str] = field(default_factory=list, repr=False)
    _user_functions: Dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_source(self._user_source, f"Sandboxed task {self.name!r}")
        self._user_source = prepared_source(self._user_source)
        self._source_code = self._user_source
        self._input_names = list(self._user_input_names)
        self._has_external_refs = bool(self._user_functions)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "CodeTaskTemplate does not support forward(): there is no Python function to call; run it with "
            "flyte.run() (through the sandbox)")


def _typed_stub(name: str, inputs: Dict[str, type], output: Any, module: str) -> Callable[..., Any]:
    """A function with the declared signature, for the task's interface; never called."""

    def orchestrator(**kwargs: Any) -> Any:
        raise AssertionError("a code orchestrator's body runs in the sandbox")

    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=tp) for k, tp in inputs.items()]
    ret = inspect.Signature.empty if output is type(None) else output
    orchestrator.__signature__ = inspect.Signature(params, return_annotation=ret)  # type: ignore[attr-defined]
    orchestrator.__annotations__ = {**inputs, **({} if ret is inspect.Signature.empty else {"return": ret})}
    orchestrator.__name__ = name.replace("-", "_").replace(".", "_")
    orchestrator.__qualname__ = f"<sandboxed code {name}>"
    orchestrator.__module__ = module
    return orchestrator


def orchestrator_from_str(source: str, *, inputs: Dict[str, type], output: type = type(None),
                          tasks: Optional[List[Any]] = None, name: str = "sandboxed-code", timeout_ms: int = 30_000,
                          cache: Any = "disable", retries: int = 0, image: Optional[Any] = None) -> CodeTaskTemplate:
    """A sandboxed task from a code string: `inputs` are its variables, its last expression is
    its output, and `tasks` the functions it may call. Hand it to `flyte.run` like any task.
    The source, names and interface are checked here."""
    functions = tasks_by_name(tasks)
    caller = sys._getframe(1).f_globals.get("__name__", "__main__")
    stub = _typed_stub(name, dict(inputs), output, caller)
    if image is None:
        from .._image import Image

        image = Image.from_debian_base().with_pip_packages("flyte[sandbox]")
    return CodeTaskTemplate(
        name=name, interface=TaskInterface(stub), func=stub, plugin_config=SandboxedConfig(timeout_ms=timeout_ms),
        image=image, cache=cache, retries=retries, _user_source=source, _user_input_names=list(inputs),
        _user_functions=functions,
    )


async def orchestrate_local(source: str, *, inputs: Dict[str, Any], tasks: Optional[List[Any]] = None,
                            timeout_ms: int = 30_000) -> Any:
    """Run a code string once in the sandbox with these input values; its last expression's
    value is returned. No task, no action."""
    tasks_by_name(tasks)
    _check_source(source, "flyte.sandbox.orchestrate_local")
    require_monty("flyte.sandbox.orchestrate_local")


ORCHESTRATOR_SYNTAX_PROMPT = """\
Rules for code that runs in the Flyte orchestration sandbox (the Monty interpreter):
- The code is a subset of Python. The functions you may use are given to you by name; call them
  directly and without `await`.
- Only a few pure-Python standard modules can be imported (math, json, re, datetime, collections,
  itertools, functools); no third-party packages, and no os, sys, time or random.
- There is no clock: `datetime.now()` and `date.today()` fail. Take dates as inputs.
- No generator functions (`yield`); generator expressions inside calls are fine.
- No files, network or environment: everything the code needs comes in as inputs or from the
  functions it calls.
- The value of the last expression is the result.
"""
