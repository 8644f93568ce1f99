"""Every `flyte get` command of the real SDK exists here, with its arguments and options, shown
in `--help`. Those a local store can answer (run, action, io, logs, task, project, config) do each
option or warn about it (issue 7's rule: nothing accepted is silently dropped); the others end
with a message naming the command and why it needs a backend, exit status 1, as the SDK's do
without one.

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
OURS = ("run", "action", "io", "logs", "task", "project", "config")  # what a local store answers
BACKEND = ("secret", "app", "artifact", "code", "condition", "settings", "trigger", "devbox")

# What each SDK option does here: "done" (tested below for what it does), or "warned" (the local
# store cannot tell: a warning on stderr says so, and what is shown instead).
DONE, WARNED = "done", "warned"
MEANING = {
    "run": {"limit": DONE, "in_phase": DONE, "only_mine": DONE, "paused_only": DONE, "task_name": DONE,
            "created_after": DONE, "created_before": DONE, "updated_after": DONE, "updated_before": DONE,
            "task_version": WARNED, "with_label": DONE, "with_label_key": DONE,
            "project": WARNED, "domain": WARNED},
    "action": {"in_phase": DONE, "project": WARNED, "domain": WARNED},
    "io": {"inputs_only": DONE, "outputs_only": DONE, "project": WARNED, "domain": WARNED},
    "logs": {"lines": DONE, "show_ts": DONE, "pretty": DONE, "attempt": DONE, "filter_system": DONE,
             "project": WARNED, "domain": WARNED},
    "task": {"limit": DONE, "entrypoint": DONE, "project": DONE, "domain": DONE},
    "project": {"archived": DONE},
    "config": {},
}
ARGUMENTS = {"run": [], "action": ["r-old"], "io": ["r-old"], "logs": ["r-old"], "task": [], "project": [],
             "config": []}
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


def test_every_sdk_get_command_is_here():
    assert set(SDK) == set(OURS) | set(BACKEND)  # a new SDK command must be placed in one of the two
    for name in SDK:
        _our_command(name)


@pytest.mark.parametrize("name", sorted(SDK))
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
            assert mine.multiple or not sdk["multiple"], (name, param)  # repeatable where the SDK's is
        else:
            assert isinstance(mine, click.Argument), (name, param)
    sdk_arguments = [p for p, sdk in SDK[name].items() if sdk["kind"] == "argument"]
    assert sorted(p.name for p in _our_command(name).params if isinstance(p, click.Argument)) == sorted(sdk_arguments)
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
    code, out, err = cli("-of", "json", "get", "run", "--task-version", "v1", "-p", "flytesnacks", "-d", "development")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["r-new", "r-mid", "r-old"]
    assert "--task-version v1: local runs do not record their task's version" in err
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


FANOUT = '''
import asyncio

import flyte

env = flyte.TaskEnvironment("seen")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def total(n: int = 3) -> int:
    return sum(await asyncio.gather(*(square(i) for i in range(n))))
'''


def _run_program(tmp_path, *args: str) -> None:
    result = CliRunner().invoke(main, ["-of", "json", "run", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture
def ran(tmp_path, monkeypatch):
    """`total` run in the default project, `square` alone in flytesnacks/staging."""
    import flyte._run

    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    for setting in ("project", "domain"):  # as if no flyte.init in this process had set them
        monkeypatch.setattr(flyte._run._config, setting, None)
    (tmp_path / "seen_prog.py").write_text(FANOUT)
    _run_program(tmp_path, str(tmp_path / "seen_prog.py"), "total")
    _run_program(tmp_path, "-p", "flytesnacks", "-d", "staging", str(tmp_path / "seen_prog.py"), "square", "--x", "3")
    return tmp_path


def _json(*args: str) -> object:
    code, out, err = cli("-of", "json", "get", *args)
    assert code == 0, err
    return json.loads(out)


def test_get_task_lists_the_tasks_local_runs_ran(ran):
    tasks = _json("task")
    assert {(t["name"], t["project"], t["domain"], t["entrypoint"]) for t in tasks} == {
        ("seen.total", "default", "development", True), ("seen.square", "default", "development", False),
        ("seen.square", "flytesnacks", "staging", True)}
    assert all(t["version"] == "local" and t["environment_name"] == "seen" for t in tasks)
    assert {t["short_name"] for t in tasks} == {"total", "square"}
    assert [t["name"] for t in _json("task", "--entrypoint", "-p", "default")] == ["seen.total"]
    assert [t["project"] for t in _json("task", "square", "-d", "staging")] == ["flytesnacks"]
    assert len(_json("task", "--limit", "1")) == 1
    assert [(t["name"], t["project"]) for t in _json("task", "seen.total", "local")] == [("seen.total", "default")]
    code, out, err = cli("get", "task", "total", "v7")
    assert code == 0 and "one version, 'local'" in err and "seen.total" in out
    code, _, err = cli("get", "task", "nope", "local")
    assert code == 1 and "Task nope not found" in err
    code, out, _ = cli("-of", "table-simple", "get", "task")
    assert out.splitlines()[1].split() == ["project", "domain", "name", "version", "short_name", "environment_name",
                                           "entrypoint", "runs", "last_run"]


def test_get_project_lists_the_projects_and_domains_runs_were_started_in(ran):
    projects = {p["name"]: p for p in _json("project")}
    assert set(projects) == {"default", "flytesnacks"}
    assert projects["flytesnacks"]["domains"] == ["staging"] and projects["flytesnacks"]["runs"] == 1
    assert projects["default"]["domains"] == ["development"] and projects["default"]["runs"] == 1
    assert all(p["state"] == "PROJECT_STATE_ACTIVE" and p["id"] == p["name"] for p in projects.values())
    assert _json("project", "flytesnacks")["domains"] == ["staging"]
    assert _json("project", "--archived") == []  # nothing local is archived
    code, _, err = cli("get", "project", "elsewhere")
    assert code == 1 and "Project elsewhere not found" in err


def test_get_config_shows_the_resolved_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    config = tmp_path / "config.yaml"
    config.write_text("admin:\n  endpoint: dns:///flyte.example.com\ntask:\n  project: ml\n  domain: staging\n"
                      "image:\n  image_refs:\n    gpu: ghcr.io/o/gpu:1\n")
    code, out, err = cli("-c", str(config), "-of", "json", "get", "config")
    assert code == 0, err
    data = json.loads(out)
    assert data["config_file"] == str(config) and data["endpoint"] == "dns:///flyte.example.com"
    assert (data["project"], data["domain"], data["image_refs"]) == ("ml", "staging", {"gpu": "ghcr.io/o/gpu:1"})
    assert data["local_home"] == str((tmp_path / "home").resolve()) and data["mode"] == "local"
    code, out, _ = cli("-c", str(config), "get", "config")
    assert code == 0 and "dns:///flyte.example.com" in out and "gpu=ghcr.io/o/gpu:1" in out


ARGS = {"code": ["r1"], "condition": ["r1"]}


@pytest.mark.parametrize("name", BACKEND)
def test_what_needs_a_backend_says_so_and_fails(tmp_path, monkeypatch, name):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    code, out, err = cli("get", name, *ARGS.get(name, []))
    assert code == 1 and out == ""
    assert f"flyte get {name} needs a Flyte backend" in err
    assert "Needs a Flyte backend" in " ".join(cli("get", name, "--help")[1].split())


# -- flyte run --------------------------------------------------------------------------------------

SDK_RUN = json.loads((Path(__file__).parent / "data" / "sdk_cli_get.json").read_text())["run"]
# What each of the SDK's `flyte run` options does on a local run: done (tested below or in the
# test named), or warned about on stderr with the reason with_runcontext gives for the same parameter.
RUN_MEANING = {
    "project": DONE, "domain": DONE, "follow": DONE,  # test_run_takes_the_sdks_project_domain_and_follow
    "local": DONE,  # every run is local
    "name": DONE, "env": DONE,  # tests/flyte/test_cli.py
    "raw_data_path": DONE,  # tests/flyte/test_raw_data_remote.py
    "tui": DONE,  # tests/flyte/test_live.py
    "tracked": DONE,  # every local run is recorded in the store
    "label": DONE, "root_dir": DONE,  # below
    "image": WARNED,  # checked and recorded with the run (below), but no image is used
    "copy_style": WARNED, "version": WARNED, "service_account": WARNED, "tracked_strict": WARNED,
    "no_sync_local_sys_paths": WARNED, "run_project": WARNED, "run_domain": WARNED, "debug": WARNED,
    "max_action_concurrency": WARNED, "queue": WARNED,
}
RUN_SAMPLE = {"label": "team=ml", "env": "K=V", "image": "gpu=ghcr.io/o/gpu:1", "root_dir": ".",
              "raw_data_path": "raw"}

SQUARE = '''
import flyte

env = flyte.TaskEnvironment("run_opts")


@env.task
async def square(x: int) -> int:
    return x * x
'''


def _run_command() -> click.Command:
    command = main.get_command(click.Context(main), "run")
    assert command is not None
    return command


def test_every_sdk_run_option_is_taken_with_its_spelling():
    assert set(RUN_MEANING) == set(SDK_RUN)  # a new SDK option must be placed in one of the two
    ours = {p.name: p for p in _run_command().params}
    by_flag = {opt: p for p in ours.values() for opt in p.opts}
    help_text = cli("run", "--help")[1]
    for param, sdk in SDK_RUN.items():
        mine = by_flag.get(max(sdk["opts"], key=len))
        assert mine is not None, f"flyte run {sdk['opts']} is missing"
        assert set(sdk["opts"]) <= set(mine.opts), (param, mine.opts)
        assert getattr(mine, "is_flag", False) == sdk["flag"], param
        assert mine.multiple == sdk["multiple"], param
        assert set(sdk["choices"]) <= set(getattr(mine.type, "choices", sdk["choices"])), param
        assert max(sdk["opts"], key=len) in help_text, param


@pytest.mark.parametrize("param", sorted(RUN_MEANING))
def test_every_sdk_run_option_is_done_or_warned_about(tmp_path, monkeypatch, param):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run_opts_prog.py").write_text(SQUARE)
    sdk = SDK_RUN[param]
    flag = max(sdk["opts"], key=len)
    if sdk["flag"]:
        value = []
    elif sdk["choices"]:
        value = [next(c for c in sdk["choices"] if c != "loaded_modules")]
    else:
        value = [RUN_SAMPLE.get(param, "2" if sdk["type"].startswith("integer") else "x")]
    extra = ["--tracked"] if param == "tracked_strict" else []
    result = CliRunner().invoke(main, ["--no-progress", "run", *extra, flag, *value, "run_opts_prog.py", "square",
                                       "--x", "3"], catch_exceptions=False)
    assert result.exit_code == 0, (param, result.output)
    assert "Outputs: ActionOutputs(o0=9)" in result.stdout
    warned = "⚠" in result.stderr
    assert warned == (RUN_MEANING[param] == WARNED), (param, result.stderr)
    if warned:  # it names the option and says why
        assert f"{flag}" in result.stderr and "has no effect on a local run: " in result.stderr


def test_labels_are_recorded_shown_selected_and_read_through_flyte_remote(tmp_path, monkeypatch):
    import flyte.remote

    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    (tmp_path / "run_opts_prog.py").write_text(SQUARE)
    prog = str(tmp_path / "run_opts_prog.py")
    for name, labels in (("l-ml", ["--label", "team=ml", "--label", "env=prod"]), ("l-web", ["--label", "team=web"]),
                         ("l-none", [])):
        result = CliRunner().invoke(main, ["run", "--name", name, *labels, prog, "square", "--x", "2"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "Labels: team=ml, env=prod" in cli("get", "run", "l-ml")[1]
    assert _json("run", "l-ml")["labels"] == {"team": "ml", "env": "prod"}

    def names(*args: str) -> set[str]:
        return {r["name"] for r in _json("run", *args)}

    assert names("--with-label", "team=ml") == {"l-ml"}
    assert names("--with-label-key", "team") == {"l-ml", "l-web"}
    assert names("--with-label", "team=ml", "--with-label", "env=dev") == set()
    assert names("--with-label-key", "team", "--limit", "1") == {"l-web"}  # the newest that has it
    assert flyte.remote.Run.get("l-ml").labels == {"team": "ml", "env": "prod"}
    assert flyte.remote.Run.get("l-none").labels == {}
    assert {r.name for r in flyte.remote.Run.listall(with_labels={"team": "web"})} == {"l-web"}
    assert {r.name for r in flyte.remote.Run.listall(with_label_keys=["env"])} == {"l-ml"}
    code, _, err = cli("run", "--label", "team", prog, "square", "--x", "2")
    assert code == 2 and "'team' must look like KEY=VALUE" in err


def test_images_are_parsed_as_the_sdk_parses_them_and_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    (tmp_path / "run_opts_prog.py").write_text(SQUARE)
    prog = str(tmp_path / "run_opts_prog.py")
    code, _, err = cli("run", "--name", "img", "--image", "gpu=ghcr.io/o/gpu:1", "--image", "ghcr.io/o/base:2", prog,
                       "square", "--x", "2")
    assert code == 0 and "no container images are built or used for local runs" in err
    assert _json("run", "img")["images"] == {"gpu": "ghcr.io/o/gpu:1", "default": "ghcr.io/o/base:2"}
    for bad in ("gpu=", "=ghcr.io/o/gpu:1"):
        code, _, err = cli("run", "--image", bad, prog, "square", "--x", "2")
        assert code == 2 and "must look like NAME=IMAGE_URI or IMAGE_URI" in err
    code, _, err = cli("run", "--tracked-strict", prog, "square", "--x", "2")
    assert code == 2 and "--tracked-strict requires --tracked" in err


FAILS_ONCE = '''
import os
import flyte

env = flyte.TaskEnvironment("fails_once")


@env.task
async def flaky(x: int) -> int:
    if not os.path.exists(os.environ["FAILED_MARK"]):
        open(os.environ["FAILED_MARK"], "w").close()
        raise ValueError("first run fails")
    return x
'''


def test_a_resumed_run_keeps_its_images_and_labels_unless_given_anew(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FAILED_MARK", str(tmp_path / "failed-once"))
    (tmp_path / "fails_once.py").write_text(FAILS_ONCE)
    prog = str(tmp_path / "fails_once.py")
    code, _, _ = cli("run", "--name", "kept", "--image", "gpu=ghcr.io/o/gpu:1", "--label", "team=ml", prog, "flaky",
                     "--x", "2")
    assert code != 0 and _json("run", "kept")["phase"] == "FAILED"
    code, _, err = cli("run", "--name", "kept", prog, "flaky", "--x", "2")  # resumes the failed run
    assert code == 0, err
    resumed = _json("run", "kept")
    assert resumed["phase"] == "SUCCEEDED"
    assert resumed["images"] == {"gpu": "ghcr.io/o/gpu:1"} and resumed["labels"] == {"team": "ml"}


def test_root_dir_is_where_the_files_modules_import_from(tmp_path, monkeypatch):
    import sys

    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the root joins sys.path for this test only
    monkeypatch.delitem(sys.modules, "helpers_for_root", raising=False)
    (tmp_path / "pkg_root" / "helpers_for_root").mkdir(parents=True)
    (tmp_path / "pkg_root" / "helpers_for_root" / "__init__.py").write_text("FACTOR = 5\n")
    (tmp_path / "pkg_root" / "jobs").mkdir()
    (tmp_path / "pkg_root" / "jobs" / "scaled.py").write_text(
        "import flyte\nfrom helpers_for_root import FACTOR\n\nenv = flyte.TaskEnvironment('rooted')\n\n\n"
        "@env.task\nasync def scaled(x: int) -> int:\n    return x * FACTOR\n")
    code, out, err = cli("-of", "json", "run", "--root-dir", str(tmp_path / "pkg_root"),
                         str(tmp_path / "pkg_root" / "jobs" / "scaled.py"), "scaled", "--x", "2")
    assert code == 0, err
    assert json.loads(out)["outputs"] == {"o0": 10}
    sys.modules.pop("helpers_for_root", None)


def test_get_project_includes_the_configured_project(ran):
    config = ran / "config.yaml"
    config.write_text("task:\n  project: ml\n  domain: prod\n")
    code, out, err = cli("-c", str(config), "-of", "json", "get", "project")
    assert code == 0, err
    projects = {p["name"]: (p["domains"], p["runs"]) for p in json.loads(out)}
    assert projects == {"default": (["development"], 1), "flytesnacks": (["staging"], 1), "ml": (["prod"], 0)}
