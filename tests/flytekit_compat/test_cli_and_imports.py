"""`pyflyte run` and the `flytekit` import paths legacy code uses."""

import importlib
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from flytekit_compat._cli import main

PROGRAM = textwrap.dedent(
    """
    import typing
    from flytekit import task, workflow

    @task
    def t(x: typing.List[int], flag: bool, name: str = "a") -> str:
        return f"{sum(x)} {flag} {name}"

    @workflow
    def wf(x: typing.List[int], flag: bool = False, name: str = "a") -> str:
        return t(x=x, flag=flag, name=name)

    @task
    def boom(x: int) -> int:
        if x >= 0:
            raise ValueError(f"bad {x}")
        return x

    @workflow
    def nothing() -> None:
        t(x=[1], flag=True)

    @task
    def half(r: float) -> float:
        return r / 2
    """
)


@pytest.fixture
def program(tmp_path):
    p = tmp_path / "legacy_prog.py"
    p.write_text(PROGRAM)
    return p


def test_pyflyte_run_workflow_with_json_and_flags(program):
    r = CliRunner().invoke(main, ["run", str(program), "wf", "--x", "[1, 2]", "--flag"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["Running Execution on local.", "3 True a"]
    r = CliRunner().invoke(main, ["run", str(program), "wf", "--x", "[5]", "--no-flag", "--name", "z"])
    assert r.output.splitlines()[-1] == "5 False z"
    r = CliRunner().invoke(main, ["run", str(program), "nothing"])
    assert r.output.splitlines() == ["Running Execution on local."]


def test_pyflyte_float_options_are_parsed(program):
    r = CliRunner().invoke(main, ["run", str(program), "half", "--r", "0.5"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "0.25"


def test_pyflyte_run_task_and_listing(program):
    r = CliRunner().invoke(main, ["run", str(program), "t", "--x", "[1]", "--no_flag"])
    assert r.output.splitlines()[-1] == "1 False a"
    r = CliRunner().invoke(main, ["run", str(program)])
    assert "wf" in r.output and "boom" in r.output


def test_pyflyte_failure_exits_1(program, tmp_path):
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "h"), "FLYTE_SDK_RICH_TRACEBACKS": "0"}
    proc = subprocess.run([sys.executable, "-m", "flytekit_compat._cli_main", "run", str(program), "boom", "--x", "3"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "ValueError" in proc.stderr and "bad 3" in proc.stderr


def test_pyflyte_missing_option(program):
    r = CliRunner().invoke(main, ["run", str(program), "wf"])
    assert r.exit_code != 0 and "--x" in r.output


MODULES = [
    "flytekit", "flytekit.core.task", "flytekit.core.workflow", "flytekit.core.base_task", "flytekit.core.condition",
    "flytekit.core.dynamic_workflow_task", "flytekit.core.launch_plan", "flytekit.core.map_task",
    "flytekit.core.array_node_map_task", "flytekit.core.node_creation", "flytekit.core.resources",
    "flytekit.core.context_manager", "flytekit.core.schedule", "flytekit.core.notification", "flytekit.core.gate",
    "flytekit.core.testing", "flytekit.core.promise", "flytekit.core.python_function_task", "flytekit.core.type_engine",
    "flytekit.core.checkpointer", "flytekit.core.hash", "flytekit.types.file", "flytekit.types.directory",
    "flytekit.types.structured", "flytekit.types.structured.structured_dataset", "flytekit.types.error",
    "flytekit.types.pickle", "flytekit.extras.accelerators", "flytekit.experimental", "flytekit.exceptions.user",
    "flytekit.exceptions.eager", "flytekit.exceptions.system", "flytekit.testing", "flytekit.deck",
    "flytekit.image_spec", "flytekit.configuration",
]


@pytest.mark.parametrize("name", MODULES)
def test_legacy_import_paths(name):
    importlib.import_module(name)


def test_one_class_under_both_names():
    from flytekit.core.task import task as deep_task
    from flytekit.types.file import FlyteFile

    import flytekit
    import flytekit_compat

    assert flytekit is flytekit_compat
    assert deep_task is flytekit.task
    assert FlyteFile is importlib.import_module("flytekit_compat.types.file").FlyteFile
    assert sys.modules["flytekit.types.file"] is sys.modules["flytekit_compat.types.file"]


def test_import_is_light(tmp_path):
    # importing the shim must not drag in pandas, pydantic or the runtime's heavy parts
    code = "import sys, flytekit; print(sorted(m for m in ('pandas', 'pydantic', 'cloudpickle', 'libcst') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def _package(root):
    """A project with a package whose workflow file imports its siblings relatively and absolutely."""
    pkg = root / "proj" / "shop"
    (pkg / "flows").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "flows" / "__init__.py").write_text("")
    (pkg / "pricing.py").write_text("RATE = 3\n")
    (pkg / "flows" / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (pkg / "flows" / "checkout.py").write_text(textwrap.dedent("""
        from flytekit import task, workflow
        from shop.pricing import RATE
        from .helpers import double

        @task
        def price(n: int) -> int:
            return double(n) * RATE

        @task
        def fail(n: int) -> int:
            if n >= 0:
                raise ValueError(f"no {n}")
            return n

        @workflow
        def checkout(n: int) -> int:
            return price(n=n)
    """))
    return root / "proj", pkg / "flows" / "checkout.py"


def test_pyflyte_runs_a_file_inside_a_package(tmp_path):
    project, wf_file = _package(tmp_path)
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "h"), "FLYTE_SDK_RICH_TRACEBACKS": "0",
           "PYTHONPATH": os.getcwd()}
    cli = [sys.executable, "-m", "flytekit_compat._cli_main", "run"]
    # from the project root, with a relative path: the module is shop.flows.checkout
    proc = subprocess.run([*cli, "shop/flows/checkout.py", "checkout", "--n", "2"], cwd=project,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "12"
    # from a directory the file is not under: the project root is found above the package
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([*cli, str(wf_file), "fail", "--n", "1"], cwd=elsewhere,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "Error encountered while executing 'shop.flows.checkout.fail'" in proc.stderr  # flytekit's task name
