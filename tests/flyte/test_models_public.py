"""flyte.models' public classes with the SDK's values and behaviour: ActionPhase, NativeInterface
(what `task.interface` answers), SerializationContext, CodeBundle, PathRewrite, TaskContext."""

import inspect
from pathlib import Path
from typing import Optional

import pytest

import flyte
from flyte.models import (
    ActionID,
    ActionPhase,
    CodeBundle,
    NativeInterface,
    PathRewrite,
    RawDataPath,
    SerializationContext,
    TaskContext,
)

env = flyte.TaskEnvironment("models")


@env.task
async def scored(x: int, weight: float = 0.5, tag: Optional[str] = None) -> tuple[str, int]:
    return tag or "", x


@env.task
async def nothing_back(x: int) -> None:
    return None


def test_action_phase_values_are_the_sdks_and_compare_as_strings():
    assert [p.value for p in ActionPhase] == [
        "queued", "waiting_for_resources", "initializing", "running", "paused", "succeeded", "failed", "aborted",
        "timed_out", "recovered",
    ]
    assert ActionPhase.SUCCEEDED == "succeeded" and ActionPhase("SUCCEEDED") is ActionPhase.SUCCEEDED
    assert ActionPhase.RECOVERED.is_terminal and not ActionPhase.PAUSED.is_terminal
    assert ActionPhase.TIMED_OUT.to_protobuf_name() == "ACTION_PHASE_TIMED_OUT"
    assert [p.to_protobuf_value() for p in ActionPhase] == [1, 2, 3, 4, 9, 5, 6, 7, 8, 10]
    assert all(ActionPhase.from_protobuf(p.to_protobuf_value()) is p for p in ActionPhase)
    with pytest.raises(ValueError, match="UNSPECIFIED"):
        ActionPhase.from_protobuf(0)


def test_a_finished_run_reports_the_sdk_phase():
    run = flyte.run(nothing_back, x=1)
    assert run.phase == "succeeded" and run.phase is ActionPhase.SUCCEEDED


def test_task_interface_answers_as_native_interface():
    iface = scored.interface
    assert iface.inputs == {"x": (int, inspect.Parameter.empty), "weight": (float, 0.5), "tag": (Optional[str], None)}
    assert iface.outputs == {"o0": str, "o1": int} and iface.has_outputs()
    assert iface.num_required_inputs() == 1 and iface.required_inputs() == ["x"]
    assert iface.convert_to_kwargs(1, 0.1) == {"x": 1, "weight": 0.1}
    assert repr(iface) == "(x: int, weight: float = 0.5, tag: typing.Optional[str] = None) -> (o0: str, o1: int):"
    assert not nothing_back.interface.has_outputs()


def test_native_interface_from_callable_and_from_types():
    def f(a: int, b: str = "x") -> list[int]:
        return []

    ni = NativeInterface.from_callable(f)
    assert ni.inputs == {"a": (int, inspect.Parameter.empty), "b": (str, "x")} and ni.outputs == {"o0": list[int]}
    with pytest.raises(ValueError, match="variable positional"):
        NativeInterface.from_callable(lambda *args: None)
    remote = NativeInterface.from_types({"y": (int, NativeInterface.has_default)}, {}, {"y": 10})
    assert remote.num_required_inputs() == 0 and repr(remote) == "(y: int = ...):"
    with pytest.raises(ValueError, match="no default input provided"):
        NativeInterface.from_types({"y": (int, NativeInterface.has_default)}, {})
    with pytest.raises(ValueError, match="Too many positional"):
        ni.convert_to_kwargs(1, 2, 3)


def test_serialization_context_and_code_bundle():
    ctx = SerializationContext(version="v1", project="p", root_dir=Path.cwd())
    assert ctx.input_path == "{{.input}}" and ctx.output_path == "{{.outputPrefix}}"
    assert ctx.get_entrypoint_path() == "/opt/venv/bin/runtime.py"
    assert ctx.get_entrypoint_path("/usr/bin/python3") == "/usr/bin/runtime.py"
    bundle = CodeBundle(computed_version="abc", tgz="s3://b/code.tgz")
    assert bundle.with_downloaded_path(Path("/tmp/x")).downloaded_path == Path("/tmp/x") and bundle.downloaded_path is None
    with pytest.raises(ValueError, match="Either tgz or pkl"):
        CodeBundle(computed_version="abc")


def test_path_rewrite():
    assert repr(PathRewrite.from_str("s3://old->/tmp/new")) == "s3://old->/tmp/new"
    for bad in ("s3://old:/tmp/new", "nothing"):
        with pytest.raises(ValueError, match="Expected format 'old_prefix->new_prefix'"):
            PathRewrite.from_str(bad)
    with pytest.raises(ValueError, match="must be different"):
        PathRewrite("a", "a")


def test_task_action_is_the_running_task_even_inside_a_trace():
    tc = TaskContext(action=ActionID("a"), version="v", raw_data_path=RawDataPath("x"), output_path="o", run_base_dir="b")
    assert tc.task_action == ActionID("a") and tc.replace(action=ActionID("t")).task_action == ActionID("a")

    @flyte.trace
    async def inner() -> tuple[str, str]:
        c = flyte.ctx()
        return c.action.name, c.task_action.name

    @env.task
    async def outer() -> tuple[str, str, str]:
        mine = flyte.ctx().action.name
        return (mine, *await inner())

    task_id, trace_id, trace_task = flyte.run(outer).outputs()
    assert trace_id != task_id and trace_task == task_id


def test_interface_helpers_name_outputs_and_turn_string_literals_into_enums():
    import enum
    from typing import Any, Literal, NamedTuple

    from flyte.models import extract_return_annotation, literal_to_enum

    Level = literal_to_enum(Literal["low", "high"])
    assert issubclass(Level, enum.Enum) and Level.__name__ == "LiteralEnum" and Level["LOW"].value == "low"
    assert literal_to_enum(Literal["a", 1]) is Any
    with pytest.raises(TypeError, match="is not a Literal"):
        literal_to_enum(int)

    class Scores(NamedTuple):
        best: float
        worst: float

    assert extract_return_annotation(Scores) == {"best": float, "worst": float}
    assert extract_return_annotation((int, str)) == {"o0": int, "o1": str}
    assert extract_return_annotation(None) == {}
    with pytest.raises(TypeError, match="Variable length tuples"):
        extract_return_annotation(tuple[int, ...])

    @env.task
    async def rate(level: Literal["low", "high"]) -> Scores:
        return Scores(1.0, 0.0)

    assert repr(rate.interface) == "(level: LiteralEnum) -> (best: float, worst: float):"
    assert flyte.run(rate, level="low").outputs()[0] == 1.0  # the runtime still takes the plain string
