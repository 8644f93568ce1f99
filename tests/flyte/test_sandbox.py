"""flyte.sandbox: orchestrators are defined and checked as in the SDK but never run unsandboxed;
code sandboxes generate a script that does what code mode promises, and run as container tasks
(locally with docker), saying what is missing when they cannot."""

from __future__ import annotations

import dataclasses
import datetime
import subprocess
import sys

import pytest

import flyte
import flyte.sandbox as sandbox
from flyte.extras import ContainerTask
from flyte.io import File
from flyte.models import NativeInterface
from flyte.sandbox._code import auto_io_script

env = flyte.TaskEnvironment("sandbox_tests")


@env.task
async def add(x: int, y: int) -> int:
    return x + y


def _needs_monty(e: pytest.ExceptionInfo) -> bool:
    text = str(e.value)
    return "pydantic-monty" in text or "Monty sandbox" in text


# -- orchestrators -------------------------------------------------------------------------------


def test_a_code_orchestrator_is_a_task_with_the_declared_interface():
    pipeline = sandbox.orchestrator_from_str("add(x, y) * 2", inputs={"x": int, "y": int}, output=int, tasks=[add],
                                             name="doubled-sum", timeout_ms=500)
    assert isinstance(pipeline, sandbox.CodeTaskTemplate) and isinstance(pipeline, sandbox.SandboxedTaskTemplate)
    assert pipeline.task_type == "sandboxed-python" and pipeline.name == "doubled-sum"
    assert list(pipeline.interface.inputs) == ["x", "y"]
    assert list(pipeline.interface.outputs.values()) == [int]
    assert pipeline.plugin_config == sandbox.SandboxedConfig(timeout_ms=500)
    assert pipeline._user_functions == {"add": add}
    assert pipeline._input_names == ["x", "y"] and pipeline._has_external_refs  # what the SDK's examples read
    with pytest.raises(NotImplementedError, match="forward"):
        pipeline.forward(x=1, y=2)


def test_running_an_orchestrator_without_the_sandbox_fails_and_says_what_it_needs():
    pipeline = sandbox.orchestrator_from_str("add(x, y)", inputs={"x": int, "y": int}, output=int, tasks=[add])
    with pytest.raises(Exception) as e:  # a task's error, as the run reports it
        flyte.run(pipeline, x=1, y=2)
    assert _needs_monty(e)
    with pytest.raises((ImportError, NotImplementedError)) as e:
        import asyncio

        asyncio.run(sandbox.orchestrate_local("add(x, y)", inputs={"x": 1, "y": 2}, tasks=[add]))
    assert _needs_monty(e)


def test_orchestrator_definitions_are_checked_where_they_are_written():
    with pytest.raises(ValueError, match="Duplicate task name 'add'"):
        sandbox.orchestrator_from_str("add(1, 2)", inputs={}, tasks=[add, add])
    with pytest.raises(TypeError, match="callable or TaskTemplate"):
        sandbox.orchestrator_from_str("1", inputs={}, tasks=[42])
    with pytest.raises(SyntaxError, match="does not parse"):
        sandbox.orchestrator_from_str("add(x,", inputs={"x": int})

    @dataclasses.dataclass
    class Point:
        x: int

    with pytest.raises(TypeError, match="input 'p' has unsupported type"):
        sandbox.orchestrator_from_str("p", inputs={"p": Point})


RAN_UNSANDBOXED: list[int] = []


def route(x: int, ys: list[int]) -> int:
    RAN_UNSANDBOXED.append(x)
    return x + sum(ys)


def test_a_function_orchestrator_never_runs_as_plain_python_except_through_forward():
    task = sandbox.SandboxedTaskTemplate(name="sandbox_tests.route", interface=NativeInterface.from_callable(route),
                                         func=route)
    assert task.forward(1, [2, 3]) == 6 and RAN_UNSANDBOXED == [1]
    with pytest.raises(Exception) as e:
        flyte.run(task, x=5, ys=[1])
    assert _needs_monty(e) and RAN_UNSANDBOXED == [1]  # the body did not run outside the sandbox


# -- code sandboxes ------------------------------------------------------------------------------


def test_create_checks_its_arguments_and_keeps_them():
    with pytest.raises(ValueError, match="mutually exclusive"):
        sandbox.create(code="x = 1", command=["echo"])
    with pytest.raises(TypeError, match="Unsupported input type for 'x'"):
        sandbox.create(name="sb", code="pass", inputs={"x": list})
    with pytest.raises(TypeError, match="Unsupported output type for 'r'"):
        sandbox.create(name="sb", code="pass", outputs={"r": dict})
    sb = sandbox.create(name="sb", code="pass", packages=["numpy"], image_config=sandbox.ImageConfig(python_version=(3, 11)))
    assert (sb.auto_io, sb.cache, sb.retries, sb.inputs, sb.outputs, sb.command) == (True, "auto", 0, {}, {}, None)
    assert sb.image_spec().name.startswith("sandbox-")
    assert sandbox.create(packages=["a", "b"]).image_spec().name == sandbox.create(packages=["b", "a"]).image_spec().name
    assert sandbox.create(packages=["a"]).image_spec().name != sandbox.create(packages=["b"]).image_spec().name


def test_code_mode_script_turns_flags_into_variables_and_variables_into_outputs(tmp_path):
    data = tmp_path / "numbers.txt"
    data.write_text("1\n2\n3\n")
    code = (
        "total = sum(int(v) for v in open(numbers).read().split()) * scale\n"
        "later = start + step\n"
        "report = 'report.txt'\n"
        "open(report, 'w').write(f'{total} {verbose}')\n"
        "ok = verbose\n"
    )
    inputs = {"numbers": File, "scale": float, "start": datetime.datetime, "step": datetime.timedelta, "verbose": bool}
    outputs = {"total": float, "later": datetime.datetime, "report": File, "ok": bool}
    out = tmp_path / "outputs"
    script = tmp_path / "script.py"
    script.write_text(auto_io_script(code, inputs, outputs, outputs_dir=str(out)))
    proc = subprocess.run([sys.executable, str(script), f"--numbers={data}", "--scale=1.5",
                           "--start=2024-01-01 00:00:00", "--step=1 day, 2:00:00", "--verbose=true"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "total").read_text() == "9.0"
    assert (out / "later").read_text() == "2024-01-02T02:00:00"
    assert (out / "report").read_text() == "9.0 True"
    assert (out / "ok").read_text() == "true"


def test_a_code_mode_script_that_does_not_assign_an_output_fails_naming_it(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(auto_io_script("x = 1", {}, {"missing": int}, outputs_dir=str(tmp_path / "out")))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert proc.returncode != 0 and "'missing'" in proc.stderr


def test_a_sandbox_runs_as_a_container_task_with_its_script_and_flags():
    sb = sandbox.create(name="stats", code="m = x * 2", inputs={"x": int, "f": File}, outputs={"m": int})
    task = sb.container_task("python:3.12-slim")
    assert isinstance(task, ContainerTask) and task.name == "stats"
    assert list(task.interface.inputs) == ["x", "f", "_script"]
    assert task.render_command(x=3, f=File(path="/tmp/f"), _script=File(path="/tmp/s")) == [
        "python", "/var/inputs/_script", "--x=3", "--f=/var/inputs/f"]
    cmd = sandbox.create(name="c", command=["pytest", "-q"], outputs={"exit_code": str}).container_task("img")
    assert cmd.render_command() == ["pytest", "-q"]


def test_running_without_docker_or_an_image_builder_says_which(tmp_path, monkeypatch):
    sb = sandbox.create(name="needs-docker", code="y = x + 1", inputs={"x": int}, outputs={"y": int})
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker command
    with pytest.raises(Exception, match="docker command is not installed"):
        sb.run(image="python:3.12-slim", x=1)
    # no image given: flyte.build names the packages' image without building it (assumed to
    # exist, as the SDK assumes when it cannot look it up), and running it needs docker too
    with pytest.raises(Exception, match=r"runs the image 'sandbox-[0-9a-f]+:[0-9a-f]+' with docker"):
        sb.run(x=1)


@env.sandbox.orchestrator
def leaderboard(scores: list[int]) -> dict[str, int]:
    return {"total": sum(scores), "best": max(scores)}


@env.sandbox.orchestrator(timeout_ms=250, name="scaled")
def scaled_sum(x: int, y: int, k: int) -> int:
    return (x + y) * k


def test_environment_orchestrators_are_tasks_of_the_environment_and_plain_calls_outside_a_run():
    assert isinstance(leaderboard, sandbox.SandboxedTaskTemplate)
    assert env.tasks["sandbox_tests.leaderboard"] is leaderboard and leaderboard.parent_env_name == "sandbox_tests"
    assert scaled_sum.name == "scaled" and scaled_sum.plugin_config.timeout_ms == 250  # a given name is kept
    assert leaderboard([1, 2, 3]) == {"total": 6, "best": 3}  # outside a run, as every task: the function
    assert scaled_sum(3, 4, 10) == 70
    with pytest.raises(Exception) as e:
        flyte.run(leaderboard, scores=[1, 2])
    assert _needs_monty(e)


def test_code_strings_are_dedented_as_the_sdk_does():
    body = """
        acc = 0
        for v in values:
            acc = acc + v
        acc
    """
    task = env.sandbox.orchestrator(body, inputs={"values": list[int]}, output=int, name="summer")
    assert task.name == "summer" and task._user_source.startswith("acc = 0")
    assert sandbox.orchestrator_from_str("   ", inputs={})._user_source == "None"


def test_a_sandbox_never_runs_its_code_on_this_machine_instead_of_a_container(tmp_path, monkeypatch):
    sb = sandbox.create(name="isolated", code="y = x + 1", inputs={"x": int}, outputs={"y": int})
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "host")  # host mode is for container tasks, not sandboxes
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Exception, match="docker command is not installed"):
        sb.run(image="python:3.12-slim", x=1)


# -- as_task: the deployable task, its script stored and made the default -------------------------


def test_as_task_stores_the_script_and_makes_it_the_default_of_the_script_input(tmp_path):
    sb = sandbox.create(name="doubler", code="y = x * 2", inputs={"x": int}, outputs={"y": int})
    task = sb.as_task(image="python:3.12-slim")
    assert isinstance(task, ContainerTask) and isinstance(task.interface, NativeInterface)
    assert task.interface.required_inputs() == ["x"]  # the script is not asked of the caller
    script_type, script = task.interface.inputs["_script"]
    assert script_type is File and isinstance(script, File)
    assert task.interface.outputs == {"y": int}  # the declared name, not o0
    assert task.parent_env is None
    # the stored script is the generated one: run it here as the container would
    local = tmp_path / "script.py"
    script.download_sync(str(local))
    out = tmp_path / "out"
    text = local.read_text().replace("'/var/outputs'", repr(str(out)))
    local.write_text(text)
    subprocess.run([sys.executable, str(local), "--x=21"], check=True)
    assert (out / "y").read_text() == "42"
    # the same code gives the same script, named by its hash
    again = sb.as_task(image="python:3.12-slim").interface.inputs["_script"][1]
    assert again.hash == script.hash and again.path == script.path


def test_as_task_verbatim_and_command_modes():
    raw = "import sys; print(sys.argv)"
    verbatim = sandbox.create(name="raw", code=raw, auto_io=False).as_task(image="img")
    script = verbatim.interface.inputs["_script"][1]
    with open(script.download_sync()) as f:
        assert f.read() == raw  # verbatim: the code as given
    cmd = sandbox.create(name="cmd", command=["echo", "hi"]).as_task(image="img")
    assert "_script" not in cmd.interface.inputs


def test_a_container_task_honours_an_interface_given_as_the_sdk_gives_it(monkeypatch):
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "host")
    task = ContainerTask(name="echoer", image="alpine", command=["sh", "-c", "echo {{.inputs.word}} > /var/outputs/out"],
                         inputs={"word": str}, outputs={"out": str})
    with pytest.raises(ValueError, match="word"):
        flyte.run(task)  # no default yet
    task.interface = NativeInterface({"word": (str, "hello")}, {"out": str})
    assert task.interface.required_inputs() == []
    assert flyte.run(task).outputs()[0].strip() == "hello"
    assert flyte.run(task, word="bye").outputs()[0].strip() == "bye"
    with pytest.raises(ValueError, match="declared inputs"):
        task.interface = NativeInterface({"other": (str, "x")}, {"out": str})
