"""The Ray executor: the same programs, their sync bodies run on a Ray cluster.

The session's Ray cluster (a head and a worker node on loopback, see conftest.py) serves the
module; each program runs in its own interpreter with FLYTE_EXECUTOR=ray and RAY_ADDRESS
pointing at it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flyte import Resources
from flyte._executor._ray_options import cpu_count, gpu_count, memory_bytes, ray_options

from .executor_checks import check_distribute_run

PROGRAMS = Path(__file__).parent / "executor_programs"  # shared with test_process_executor.py

pytestmark = pytest.mark.timeout(900)  # the first test waits for the session's Ray cluster to start


@pytest.fixture(scope="module")
def ray_address(ray_cluster) -> str:
    """The session's two-node cluster (tests/flyte/conftest.py), by its explicit address: never
    "auto", which could find another Ray cluster on this machine."""
    return ray_cluster.address


def run_program(name: str, ray_address: str, tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "FLYTE_EXECUTOR": "ray", "RAY_ADDRESS": ray_address, "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, str(PROGRAMS / name), *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_sync_bodies_run_on_workers_and_every_call_is_recorded(ray_address: str, tmp_path: Path) -> None:
    result = run_program("distribute.py", ray_address, tmp_path)
    check_distribute_run(result, tmp_path / "home")


def test_retries_errors_and_timeouts_on_workers(ray_address: str, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_program("failures.py", ray_address, tmp_path, str(marks))
    out = result["out"]
    assert out["flaky"] == 3  # 1 + the attempt that succeeded (2)
    assert out["catcher"].startswith("caught ValueError on pid ")
    assert int(out["catcher"].rsplit(" ", 1)[1]) != result["driver"]
    assert out["timeout"] == "MaxRuntimeExceededError"
    assert out["timeout_seconds"] < 30  # the 60 s sleep was cancelled, not waited out
    phases = {a["task"].rsplit(".", 1)[-1]: (a["phase"], a["attempts"]) for a in result["actions"]}
    assert phases["flaky"] == ("SUCCEEDED", 2)
    assert phases["broken"][0] == "FAILED"
    assert phases["sleepy"][0] == "TIMED_OUT"


@pytest.mark.parametrize("ending", ["interpreter_exit", "explicit"])
def test_the_process_ends_cleanly_after_a_ray_run(ray_address: str, tmp_path: Path, ending: str) -> None:
    """The executor's mailbox listener stops before Ray shuts down (at exit), or as soon as the
    program shuts Ray down itself (a later run joins Ray again); a listener calling Ray after
    that ends the process with 1."""
    report = tmp_path / "exit-report.json"
    result = run_program("ray_exit.py", ray_address, tmp_path, ending, str(report))  # asserts exit status 0
    assert result["out"] == [0, 2, 4, 6]
    assert result["listeners_during_run"] == 1
    if ending == "explicit":
        assert result["listeners_alive_after_ray_shutdown"] == 0
        assert result["out_again"] == [0, 2, 4, 6]
        assert result["listeners_after_second_run"] == 1
    assert json.loads(report.read_text()) == {"listeners_alive_at_exit": 0}


def test_a_failed_run_resumes_without_rerunning_finished_ray_actions(ray_address: str, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_program("resume.py", ray_address, tmp_path, str(marks))
    assert result["first"] == "RuntimeUserError"
    assert result["out"] == ["s0", "s1", "s2"]
    assert result["executions"] == {"step-0": 1, "step-1": 1, "step-2": 2, "stamp-0": 1, "stamp-1": 1, "stamp-2": 1}


def test_cli_executor_option_runs_on_ray(ray_address: str, tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import os\nimport flyte\nenv = flyte.TaskEnvironment(name='cli_ray')\n"
        "@env.task\ndef where() -> int:\n    print(f'printed on {os.getpid()}')\n    return os.getpid()\n"
        "@env.task\ndef main() -> str:\n    return 'driver' if where() == os.getpid() else 'worker'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "FLYTE_EXECUTOR"}
    env.update(RAY_ADDRESS=ray_address, FLYTE_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-m", "flyte._cli", "run", "--name", "on-ray", "--executor", "ray", str(program),
                           "main"], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'o0="worker"' in proc.stdout
    # what the body printed on the worker came back to be kept with its action
    logs = subprocess.run([sys.executable, "-m", "flyte._cli", "get", "logs", "on-ray", "where"], capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)
    assert logs.returncode == 0 and logs.stdout.startswith("printed on "), logs.stdout + logs.stderr


def test_unknown_executor_is_a_clear_error(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import flyte\nenv = flyte.TaskEnvironment(name='bad_exec')\n"
        "@env.task\ndef main() -> int:\n    return 1\n"
        "flyte.run(main)\n"
    )
    env = {**os.environ, "FLYTE_EXECUTOR": "dask", "FLYTE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode != 0
    assert "FLYTE_EXECUTOR='dask' is not an executor; use one of: local, process, ray" in proc.stderr


def test_resources_become_ray_options() -> None:
    assert ray_options(None) == {}
    assert ray_options(Resources(cpu=2, memory="512Mi")) == {"num_cpus": 2.0, "memory": 512 * 2**20}
    assert ray_options(Resources(cpu=("500m", "1"), memory=("1Gi", "2Gi"), gpu="A100:2")) == {
        "num_cpus": 0.5, "memory": 2**30, "num_gpus": 2.0, "accelerator_type": "A100",
    }
    assert ray_options(Resources(gpu=1)) == {"num_gpus": 1.0}
    assert cpu_count("1.5") == 1.5 and gpu_count("T4") == 1.0 and gpu_count(3) == 3.0
    assert memory_bytes("2G") == 2 * 10**9
    with pytest.raises(ValueError, match="Cannot read memory quantity '2 lots'"):
        memory_bytes("2 lots")


def test_ray_is_imported_only_when_chosen(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import sys, flyte\nenv = flyte.TaskEnvironment(name='no_ray')\n"
        "@env.task\ndef one() -> int:\n    return 1\n"
        "@env.task\nasync def main() -> int:\n    return await one.aio() + 1\n"
        "assert flyte.run(main).outputs()[0] == 2\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FLYTE_EXECUTOR", "RAY_ADDRESS")}
    env["FLYTE_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"
