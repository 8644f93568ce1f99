"""The Ray executor on a two-node cluster (a head and a worker node on loopback, started by the
session's `ray_cluster` fixture and stopped at its end), with faults done for real: a worker
process killed with SIGKILL mid-action, a driver killed with SIGKILL mid-run, a parent timing out
while its children run on workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .s3_server import list_keys, moto_s3, s3_env

PROGRAMS = Path(__file__).parent / "executor_programs"  # shared with the other executor tests
BUCKET = "flyte-cluster"

# starting the session's two Ray nodes alone takes a minute on a loaded two-core machine
pytestmark = pytest.mark.timeout(900)


def _env(cluster, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "FLYTE_EXECUTOR": "ray", "RAY_ADDRESS": cluster.address, "FLYTE_HOME": str(tmp_path / "home"),
            **extra}


def _run(name: str, env: dict[str, str], tmp_path: Path, *args: str, timeout: float = 600) -> dict:
    proc = subprocess.run([sys.executable, str(PROGRAMS / name), *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=tmp_path)
    (tmp_path / f"{name}.out").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    # Ray forwards the workers' log lines to the driver's stdout, around the program's result
    (result,) = [line.split("@@RESULT@@", 1)[1] for line in proc.stdout.splitlines() if "@@RESULT@@" in line]
    # a line Ray forwards may land right after the result, before print() wrote its newline
    return json.JSONDecoder().raw_decode(result)[0]


@pytest.mark.slow
def test_a_thousand_actions_spread_over_both_nodes(ray_cluster, tmp_path: Path) -> None:
    nodes = ray_cluster.alive_nodes()
    assert len(nodes) == 2
    a100_node = next(n["id"] for n in nodes if "accelerator_type:A100" in n["resources"])
    with moto_s3(BUCKET) as endpoint:
        # SPREAD: place the fan-out across the nodes (Ray's DEFAULT may keep a stream of short
        # tasks on the workers it leased first, all on one node of a busy machine)
        barrier = tmp_path / "barrier"
        barrier.mkdir()
        result = _run("fanout.py", _env(ray_cluster, tmp_path, FLYTE_RAY_SCHEDULING_STRATEGY="SPREAD",
                                        BARRIER=str(barrier), **s3_env(endpoint)),
                      tmp_path, f"s3://{BUCKET}/fanout", "1000")
        keys = list_keys(endpoint, BUCKET, "fanout/")
    out = result["out"]
    assert sum(out["counts"].values()) == 1000
    assert set(out["counts"]) == {n["id"] for n in nodes}, out["counts"]  # both nodes ran some
    # the task that asks for an A100 ran on the node that has one, and its File, written there
    # into the run's S3 raw data path, was read back on the driver's node
    assert out["text"] == f"card from {a100_node}"
    assert out["file"].startswith(f"s3://{BUCKET}/fanout/") and any(k.endswith("/card.txt") for k in keys)
    assert result["driver_node"] != a100_node
    assert result["phases"] == {"SUCCEEDED": 1002}  # main, 1000 `where`, on_a100: every action recorded


def test_a_killed_worker_fails_its_attempt_and_the_retry_runs(ray_cluster, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = _run("worker_kill.py", _env(ray_cluster, tmp_path), tmp_path, str(marks))
    out = result["out"]
    assert out["victim"] == "survived 1" and out["steady"] == [0, 10, 20]
    killed_pid = int((marks / "victim-1").read_text())
    assert not Path(f"/proc/{killed_pid}").exists() or "Z" in Path(f"/proc/{killed_pid}/stat").read_text().split()[2]
    # a lost worker is the platform's failure, not the user's code: Flyte's RuntimeSystemError
    assert out["fragile"].startswith("RuntimeSystemError") or "WorkerLost" in out["fragile"], out["fragile"]
    assert "died before it answered" in out["fragile"] and "fragile" in out["fragile"]
    by_task = {a["task"].rsplit(".", 1)[-1]: a for a in result["actions"]}
    assert (by_task["victim"]["phase"], by_task["victim"]["attempts"]) == ("SUCCEEDED", 2)
    assert by_task["fragile"]["phase"] == "FAILED"
    assert len([a for a in result["actions"] if a["task"].endswith("steady")]) == 3
    assert all(a["phase"] == "SUCCEEDED" for a in result["actions"] if a["task"].endswith("steady"))
    (lost,) = result["attempts"]["victim"]  # the first attempt, recorded with why it failed
    assert ("WorkerLost" in lost or "RuntimeSystemError" in lost) and "victim" in lost and "attempt 1" in lost
    flyte_cli = Path(sys.executable).parent / "flyte"
    shown = subprocess.run([str(flyte_cli), "get", "actions", result["run"]], capture_output=True, text=True,
                           env=_env(ray_cluster, tmp_path), timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    (victim_line,) = [line for line in shown.stdout.splitlines() if "victim" in line]
    assert "x2" in victim_line  # `flyte get actions` shows the two attempts


def test_a_cancelled_or_timed_out_parent_cancels_its_ray_tasks(ray_cluster, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    result = _run("cancel.py", _env(ray_cluster, tmp_path), tmp_path, str(marks))
    out = result["out"]
    assert out["cancelled"] == "cancelled"
    assert out["started"] == 2 and out["stopped"] is True  # both children's workers were stopped
    assert out["outcome"] == "MaxRuntimeExceededError"  # the SDK's TaskTimeoutError
    assert not list(marks.glob("finished-*"))
    phases: dict[str, list[str]] = {}
    for a in result["actions"]:
        phases.setdefault(a["task"].rsplit(".", 1)[-1], []).append(a["phase"])
    assert phases["parent"] == ["ABORTED"] and phases["timed_parent"] == ["TIMED_OUT"]
    assert phases["stuck"] == ["ABORTED"] * 4


def test_a_killed_driver_resumes_with_rerun_recover(ray_cluster, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    with moto_s3(BUCKET) as endpoint:
        raw = f"s3://{BUCKET}/recover"
        env = _env(ray_cluster, tmp_path, MARKS=str(marks), **s3_env(endpoint))
        driver = subprocess.Popen([sys.executable, str(PROGRAMS / "driver_kill.py"), "killed-driver", raw], env=env,
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while not (marks / "hang-0").exists():  # every `done` finished and `hang` runs on a worker
                assert driver.poll() is None, driver.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the run never reached its hanging action"
                time.sleep(0.1)
            driver.send_signal(signal.SIGKILL)
            driver.wait(30)
        finally:
            if driver.poll() is None:
                driver.kill()
                driver.wait()
        assert sorted(p.name for p in marks.iterdir()) == ["done0-0", "done1-0", "done2-0", "done3-0", "hang-0"]
        before = set(list_keys(endpoint, BUCKET, "recover/"))
        assert sorted(k.rsplit("/", 1)[1] for k in before) == [f"done{i}.txt" for i in range(4)]
        (marks / "release").touch()
        flyte_cli = Path(sys.executable).parent / "flyte"
        # `flyte rerun` is told nothing of the raw data path: the run's record keeps it
        proc = subprocess.run([str(flyte_cli), "rerun", "killed-driver", "--recover"], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
        after = set(list_keys(endpoint, BUCKET, "recover/"))
    # no finished action ran again; only the one the kill interrupted
    assert sorted(p.name for p in marks.iterdir() if p.name != "release") == [
        "done0-0", "done1-0", "done2-0", "done3-0", "hang-0", "hang-1"]
    # the recovered run read the first driver's files and wrote its own next to them, in S3
    assert "['done 0', 'done 1', 'done 2', 'done 3', 'released']" in proc.stdout
    (new,) = after - before
    assert new.endswith("/hang.txt")
    assert f"s3://{BUCKET}/{new}" in proc.stdout
    assert not (tmp_path / "home" / "runs" / "killed-driver" / "raw").exists()  # nothing went to the local default


def test_an_async_body_runs_on_the_cluster_and_its_calls_are_recorded(ray_cluster, tmp_path: Path) -> None:
    result = _run("async_bodies.py", _env(ray_cluster, tmp_path), tmp_path)
    out = result["out"]
    assert out["squares"] == [i * i for i in range(6)] and out["double"] == 42 and out["label"] == "6 squares"
    assert out["in_ray_worker"] is True and out["pid"] != out["driver"]
    by_task: dict[str, list[dict]] = {}
    for a in result["actions"]:
        by_task.setdefault(a["task"].rsplit(".", 1)[-1], []).append(a)
    fan_id = by_task["fan"][0]["id"]
    # every call the worker's event loop made is a child of its action, recorded by the driver
    assert len(by_task["square"]) == 6 and {a["parent"] for a in by_task["square"]} == {fan_id}
    assert by_task["double"][0]["parent"] == fan_id
    assert by_task["label"][0]["parent"] == fan_id and by_task["label"][0]["kind"] == "trace"
    assert all(a["phase"] == "SUCCEEDED" for a in result["actions"])
