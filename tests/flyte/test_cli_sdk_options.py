"""Every option the real SDK's `flyte get run|action|io|logs` takes is taken here too, shown in
`--help`, and either done or warned about (issue 7's rule: nothing accepted is silently dropped).

tests/flyte/data/sdk_cli_get.json was recorded from the real SDK by scripts/dump_sdk_cli_get.py.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from flyte._cli import main
from flyte._run import current_store
from flyte._store import ActionRecord, RunRecord

SDK = json.loads((Path(__file__).parent / "data" / "sdk_cli_get.json").read_text())["get"]
OURS = ("run", "action", "io", "logs")  # the SDK's `get` commands that mean something for a local store

# What each SDK option does here: "done" (tested below for what it does), or "warned" (the local
# store cannot tell: a warning on stderr says so, and what is shown instead).
DONE, WARNED = "done", "warned"
MEANING = {
    "run": {"limit": DONE, "in_phase": DONE, "only_mine": DONE, "paused_only": DONE, "task_name": DONE,
            "created_after": DONE, "created_before": DONE, "updated_after": DONE, "updated_before": DONE,
            "task_version": WARNED, "with_label": WARNED, "with_label_key": WARNED,
            "project": WARNED, "domain": WARNED},
    "action": {"in_phase": DONE, "project": WARNED, "domain": WARNED},
    "io": {"inputs_only": DONE, "outputs_only": DONE, "project": WARNED, "domain": WARNED},
    "logs": {"lines": DONE, "show_ts": DONE, "pretty": DONE, "attempt": DONE, "filter_system": DONE,
             "project": WARNED, "domain": WARNED},
}
ARGUMENTS = {"run": [], "action": ["r-old"], "io": ["r-old"], "logs": ["r-old"]}
SAMPLE = {"integer": "1", "datetime": "now - 1 day", "text": "x"}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _record_run(name: str, task: str, start: float, end: float) -> None:
    store = current_store()
    store.run_started(RunRecord(name, task, "SUCCEEDED", start, end, None, None, None, None, None, None, None, None))
    store.action_finished(ActionRecord(name, "a0", None, task, "t", None, "task", "SUCCEEDED", 1, start, end, None,
                                       None, None, None, None))


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """Three runs at known times: r-old (started a day ago, ended an hour ago), r-mid (two hours
    ago, for a minute) and r-new (started a minute ago, for a second)."""
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    now = time.time()
    _record_run("r-old", "m.slow", now - 86400, now - 3600)
    _record_run("r-mid", "m.fast", now - 7200, now - 7140)
    _record_run("r-new", "m.fast", now - 60, now - 59)
    return now


def _our_command(name: str) -> click.Command:
    ctx = click.Context(main)
    group = main.get_command(ctx, "get")
    command = group.get_command(click.Context(group, parent=ctx), name)
    assert command is not None, f"flyte get {name} is missing"
    return command


@pytest.mark.parametrize("name", OURS)
def test_every_sdk_option_is_taken_with_its_spelling_and_shown_in_help(name):
    ours = {p.name: p for p in _our_command(name).params}
    for param, sdk in SDK[name].items():
        assert param in ours, f"flyte get {name}: the SDK's {sdk['opts']} is missing"
        mine = ours[param]
        if sdk["kind"] == "option":
            assert set(sdk["opts"]) <= set(mine.opts), (name, param, mine.opts)
            assert getattr(mine, "is_flag", False) == sdk["flag"], (name, param)
            assert not getattr(mine, "hidden", False), f"flyte get {name} {sdk['opts']} is hidden"
            assert set(sdk["choices"]) <= set(getattr(mine.type, "choices", sdk["choices"])), (name, param)
    help_text = cli("get", name, "--help")[1]
    for sdk in SDK[name].values():
        if sdk["kind"] == "option":
            assert max(sdk["opts"], key=len) in help_text, (name, sdk["opts"])


@pytest.mark.parametrize("name", OURS)
def test_every_sdk_option_is_done_or_warned_about(runs, name):
    meaning = MEANING[name]
    sdk_options = {p for p, sdk in SDK[name].items() if sdk["kind"] == "option"}
    assert set(meaning) == sdk_options  # a new SDK option must be placed in one of the two
    for param, what in meaning.items():
        sdk = SDK[name][param]
        flag = max(sdk["opts"], key=len)
        value = [] if sdk["flag"] else [sdk["choices"][0] if sdk["choices"] else
                                        "k=v" if param == "with_label" else SAMPLE[sdk["type"]]]
        code, out, err = cli("get", name, *ARGUMENTS[name], flag, *value)
        assert code == 0, (name, flag, out, err)
        warned = "⚠" in err
        assert warned == (what == WARNED), (name, flag, err)


def test_created_and_updated_bounds_select_runs(runs):
    now = runs

    def names(*args: str) -> list[str]:
        code, out, err = cli("-of", "json", "get", "run", *args)
        assert code == 0, err
        return [r["name"] for r in json.loads(out)]

    def iso(t: float) -> str:
        return datetime.fromtimestamp(t, timezone.utc).isoformat()

    assert names() == ["r-new", "r-mid", "r-old"]
    assert names("--created-after", "now - 3 hours") == ["r-new", "r-mid"]
    assert names("--created-after", "now - PT5M") == ["r-new"]
    assert names("--created-before", iso(now - 3600)) == ["r-mid", "r-old"]
    # updated: when a run last changed (its end), not when it started
    assert names("--updated-after", "now - 90 minutes") == ["r-new", "r-old"]
    assert names("--updated-before", "now - 90 minutes") == ["r-mid"]
    assert names("--updated-after", "now - 90 minutes", "--limit", "1") == ["r-new"]
    assert names("--updated-after", "now - 90 minutes", "--created-before", "now - 1 hour") == ["r-old"]
    # a naive time is UTC, as the SDK's help says
    assert names("--created-after", datetime.fromtimestamp(now - 300, timezone.utc).replace(tzinfo=None)
                 .isoformat()) == ["r-new"]
    assert names("--only-mine") == ["r-new", "r-mid", "r-old"]  # every local run is the user's
    assert names("--paused-only") == []  # nothing local is recorded as paused
    assert names("--in-phase", "initializing") == []  # a local action never is
    assert names("--task-name", "m.fast", "--created-after", "now - 1 hour") == ["r-new"]


def test_bad_times_and_labels_are_refused_with_the_reason(runs):
    code, _, err = cli("get", "run", "--created-after", "yesterday")
    assert code == 2 and "'yesterday' is not a date or time" in err
    code, _, err = cli("get", "run", "--updated-before", "now - 3 fortnights")
    assert code == 2 and "'3 fortnights' is not a duration" in err
    code, _, err = cli("get", "run", "--with-label", "team")
    assert code == 2 and "'team' is not KEY=VALUE" in err


def test_what_cannot_be_told_locally_is_warned_about_and_not_filtered(runs):
    code, out, err = cli("-of", "json", "get", "run", "--with-label", "team=ml", "--task-version", "v1",
                         "-p", "flytesnacks", "-d", "development")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["r-new", "r-mid", "r-old"]
    assert "--task-version v1: local runs do not record their task's version" in err
    assert "local runs keep no labels" in err
    assert "--project and --domain choose a backend's project and domain" in err


def test_list_options_with_one_named_thing_are_warned_about(runs):
    code, out, err = cli("get", "run", "r-old", "--limit", "3", "--created-after", "now")
    assert code == 0 and "r-old" in out
    assert "--limit, --created-after narrow the list of runs; with NAME there is one" in err
    code, out, err = cli("get", "actions", "r-old", "a0", "--in-phase", "failed")
    assert code == 0 and "--in-phase narrows the list of actions; with ACTION_NAME there is one" in err
    assert cli("get", "run", "r-old")[2] == ""  # nothing to say without them


WHERE = '''
import flyte

env = flyte.TaskEnvironment("where_cli")


@env.task
async def where() -> str:
    action = flyte.ctx().action
    return f"{action.project}/{action.domain}"
'''


def test_run_takes_the_sdks_project_domain_and_follow(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    (tmp_path / "where_prog.py").write_text(WHERE)
    result = CliRunner().invoke(main, ["-of", "json", "run", "-p", "flytesnacks", "-d", "staging", "--follow",
                                       str(tmp_path / "where_prog.py"), "where"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outputs"] == {"o0": "flytesnacks/staging"}
    help_text = cli("run", "--help")[1]
    assert all(flag in help_text for flag in ("--project", "--domain", "--follow"))
