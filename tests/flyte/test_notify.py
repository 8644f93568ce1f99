"""flyte.notify: notifications are validated as in the SDK and, locally, delivered to the console
and the run's notifications.jsonl instead of being e-mailed or posted."""

import json
from pathlib import Path

import pytest

import flyte
import flyte.errors
import flyte.notify as notify
from flyte.models import ActionPhase

env = flyte.TaskEnvironment("notify_tests")


@env.task
async def ok(x: int) -> int:
    return x + 1


@env.task
async def broken(x: int) -> int:
    raise ValueError(f"bad input {x}")


def _log(run_name: str, home: Path) -> list[dict]:
    path = home / "runs" / run_name / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_validation_and_defaults():
    email = notify.Email(on_phase=ActionPhase.FAILED, recipients=["a@example.com"], cc=["b@example.com"])
    assert email.on_phase == (ActionPhase.FAILED,) and email.recipients == ("a@example.com",)
    assert email.cc == ("b@example.com",) and "{{.Run.Name}}" in email.subject
    assert "{{.Phase}}" in notify.Slack(on_phase="succeeded", webhook_url="https://h").message
    assert notify.Webhook(on_phase=ActionPhase.ABORTED, url="https://h").body["phase"] == "{{.Phase}}"
    with pytest.raises(ValueError, match="At least one recipient"):
        notify.Email(on_phase=ActionPhase.FAILED, recipients=())
    with pytest.raises(ValueError, match="At least one phase"):
        notify.Teams(on_phase=(), webhook_url="https://h")
    with pytest.raises(ValueError, match="RUNNING is not supported"):
        notify.Slack(on_phase=ActionPhase.RUNNING, webhook_url="https://h")
    with pytest.raises(ValueError, match="webhook_url is required"):
        notify.Slack(on_phase=ActionPhase.FAILED, webhook_url="")
    with pytest.raises(ValueError, match="must not be empty"):
        notify.NamedRule("")
    with pytest.raises(AttributeError):
        email.subject = "changed"  # frozen


def test_wrong_objects_are_refused_before_anything_runs(flyte_home):
    with pytest.raises(TypeError, match="notifications must be"):
        flyte.with_runcontext(notifications="ops@example.com")
    with pytest.raises(TypeError, match="Trigger 'nightly'"):
        flyte.Trigger(name="nightly", automation=flyte.Cron("0 0 * * *"), notifications=["ops@example.com"])
    trig = flyte.Trigger(name="nightly", automation=flyte.Cron("0 0 * * *"),
                         notifications=notify.NamedRule("on-call"))
    assert trig.notifications == notify.NamedRule("on-call")


def test_success_delivers_only_the_matching_notifications(flyte_home, capsys):
    run = flyte.with_runcontext(name="notify-ok", project="proj", domain="dev", notifications=(
        notify.Slack(on_phase=ActionPhase.SUCCEEDED, webhook_url="https://hooks.example/x",
                     message="{{.Run.Name}} in {{.Run.Project}}/{{.Run.Domain}}: {{.Phase}}"),
        notify.Email(on_phase=ActionPhase.FAILED, recipients=("oncall@example.com",)),
    )).run(ok, 1)
    assert run.outputs()[0] == 2
    log = _log("notify-ok", flyte_home)
    assert [(r["channel"], r["message"]) for r in log] == [("slack", "notify-ok in proj/dev: succeeded")]
    assert "notify-ok in proj/dev: succeeded" in capsys.readouterr().err


def test_failure_carries_the_error(flyte_home, capsys):
    with pytest.raises(flyte.errors.RuntimeUserError):
        flyte.with_runcontext(name="notify-bad", notifications=notify.Email(
            on_phase=(ActionPhase.FAILED, ActionPhase.TIMED_OUT), recipients=("oncall@example.com",),
            subject="{task.name} failed")).run(broken, 7)
    (record,) = _log("notify-bad", flyte_home)
    assert record["subject"] == "notify_tests.broken failed"
    assert "bad input 7" in record["message"] and record["to"] == ["oncall@example.com"]
    assert "bad input 7" in capsys.readouterr().err


def test_an_unwritable_log_is_reported_not_raised(tmp_path, caplog):
    """Delivery must never change a run's outcome: a log that cannot be written is a warning."""
    from flyte._notify import deliver

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the run directory should be")
    out = deliver((notify.Webhook(on_phase=ActionPhase.SUCCEEDED, url="https://h"),), run_name="r", task_name="t",
                  phase=ActionPhase.SUCCEEDED, error=None, project="p", domain="d", run_dir=blocker / "run")
    assert out and json.loads(out[0]["message"])["run"] == "r"
    assert blocker.read_text().startswith("a file")
    assert "could not write" in caplog.text
