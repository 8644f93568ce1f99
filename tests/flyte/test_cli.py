"""`flyte run` with options generated from type hints, and `flyte get` over the store."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from flyte._cli import main

PROGRAM = textwrap.dedent(
    '''
    import dataclasses
    import enum
    import flyte

    env = flyte.TaskEnvironment("cli")

    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"

    @dataclasses.dataclass
    class Point:
        x: int
        y: float

    @env.task
    async def say(name: str, times: int = 2, loud: bool = False) -> str:
        """Say hi."""
        text = " ".join([f"hi {name}"] * times)
        return text.upper() if loud else text

    @env.task
    async def shapes(points: list[Point], weights: dict[str, float], color: Color = Color.RED) -> str:
        return f"{sum(p.x for p in points)} {sum(weights.values())} {color.value}"

    @env.task
    def boom(x: int) -> int:
        raise ValueError(f"bad {x}")

    @env.task
    async def parent(n: int) -> int:
        return sum([await child(i) for i in range(n)])

    @env.task
    async def child(i: int) -> int:
        return i
    '''
)


@pytest.fixture
def program(tmp_path, monkeypatch):
    path = tmp_path / "cli_prog.py"
    path.write_text(PROGRAM)
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    return path


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_with_generated_options(program):
    r = invoke("run", "--local", str(program), "say", "--name", "bob", "--times", "3")
    assert r.exit_code == 0, r.output
    assert 'ActionOutputs(o0="hi bob hi bob hi bob")' in r.output  # the SDK prints strings in double quotes
    r = invoke("run", str(program), "say", "--name", "x", "--loud")
    assert "HI X HI X" in r.output


def test_json_options_for_structured_types(program):
    r = invoke("run", str(program), "shapes", "--points", '[{"x": 1, "y": 2.0}, {"x": 5, "y": 1}]',
               "--weights", '{"a": 0.5, "b": 1.5}', "--color", "blue")
    assert r.exit_code == 0, r.output
    assert 'o0="6 2.0 blue"' in r.output


def test_task_help_lists_options(program):
    r = invoke("run", str(program), "say", "--help")
    assert r.exit_code == 0
    assert "--name" in r.output and "--times" in r.output and "--loud / --no-loud" in r.output


def test_missing_required_option_and_bad_json(program):
    r = invoke("run", str(program), "say")
    assert r.exit_code == 2 and "--name" in r.output
    r = invoke("run", str(program), "shapes", "--points", "[oops", "--weights", "{}")
    assert r.exit_code == 2 and "not valid JSON" in r.output


def test_listing_tasks_and_unknown_task(program):
    r = invoke("run", str(program))
    assert r.exit_code == 0 and "cli.say" in r.output and "cli.parent" in r.output
    r = invoke("run", str(program), "nope")
    assert r.exit_code == 1 and "no task named 'nope'" in r.output


def test_get_commands_show_the_recorded_run(program):
    r = invoke("run", "--name", "cli-run-1", str(program), "parent", "--n", "3")
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["-of", "json", "get", "runs"])
    runs = json.loads(r.output)
    assert runs[0]["name"] == "cli-run-1" and runs[0]["phase"] == "SUCCEEDED"
    r = invoke("get", "actions", "cli-run-1")
    assert r.output.count("child") == 3 and "parent" in r.output
    r = invoke("get", "io", "cli-run-1", "a0")
    assert "inputs: {'n': 3}" in r.output and "outputs: 3" in r.output
    r = invoke("get", "run", "cli-run-1")
    assert "SUCCEEDED" in r.output


def test_failure_exits_1_with_the_error(program, tmp_path):
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "home2")}
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", str(program), "boom", "--x", "3"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "Execution failed" in proc.stderr and "ValueError" in proc.stderr and "bad 3" in proc.stderr


def test_env_option_reaches_tasks(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    path = tmp_path / "env_prog.py"
    path.write_text(textwrap.dedent(
        """
        import os, flyte
        env = flyte.TaskEnvironment("envcli")

        @env.task
        def read() -> str:
            return os.environ.get("GREETING", "unset")
        """
    ))
    r = invoke("run", "-e", "GREETING=hello", str(path), "read")
    assert 'o0="hello"' in r.output
    r = invoke("run", "-e", "broken", str(path), "read")
    assert r.exit_code != 0
