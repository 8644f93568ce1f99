"""What every executor that runs bodies away from the driver must show for the same program."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def check_distribute_run(result: dict[str, Any], home: Path) -> None:
    """`executor_programs/distribute.py`'s run, as run_program reads it back: the values computed
    on workers, the environment and context they saw, and every call recorded by the driver
    under the action that made it."""
    out = result["out"]
    assert out["sum"] == sum(i * i for i in range(5)) + 1
    assert out["traced"] == 50
    assert out["stage"] == "ray-test"  # the environment's env_vars reach the worker
    assert out["team"] == "ml"  # so does the caller's custom context
    assert out["run"] == result["run"]
    assert out["pid"] != out["driver"]
    assert out["driver"] not in out["pids"] and len(out["pids"]) >= 1
    by_task: dict[str, list[dict]] = {}
    for a in result["actions"]:
        by_task.setdefault(a["task"].rsplit(".", 1)[-1], []).append(a)
    assert len(by_task["square"]) == 6 and len(by_task["pid_of"]) == 4 and len(by_task["scaled"]) == 1
    total_id = by_task["total"][0]["id"]
    # calls made on a worker are children of the worker's action, recorded by the driver
    assert {a["parent"] for a in by_task["square"]} == {total_id}
    assert by_task["scaled"][0]["parent"] == total_id and by_task["scaled"][0]["kind"] == "trace"
    assert all(a["phase"] == "SUCCEEDED" for a in result["actions"])
    report = home / "runs" / result["run"] / total_id / "report.html"
    assert "5 squares" in report.read_text()


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped by init does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
