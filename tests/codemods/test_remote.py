"""FM501: FlyteRemote scripts. The fixture `remote_control_script` holds the main case; these
tests run its script functions (not tasks, so the fixture runner does not call them) on our
runtime, and check the forms that are rewritten differently or kept."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest

from codemods import migrate_source

from ._fixtures import FIXTURES


def _migrate(text: str) -> tuple[str, list]:
    result = migrate_source(textwrap.dedent(text), path="/nowhere/script.py", module_name="script")
    assert result.error is None
    return result.code, result.findings


def test_script_functions_of_the_migrated_fixture_run_and_read_outputs_on_our_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    after = FIXTURES / "remote_control_script" / "after.py"
    name = "remote_control_script"  # the module name the fetched task's environment carries
    spec = importlib.util.spec_from_file_location(name, after)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)  # type: ignore[union-attr]  # runs flyte.init_from_config(...)
    assert module.run_and_wait(3) == 6  # flyte.with_runcontext(name=...).run + wait + url + sync
    assert module.run_registered("v1", 4) == 8  # flyte.remote.Task.get(...) + flyte.run + wait


def test_remote_used_beyond_the_rewritable_calls_is_kept_whole_with_its_todo() -> None:
    out, findings = _migrate(
        """
        from flytekit.configuration import Config
        from flytekit.remote import FlyteRemote

        remote = FlyteRemote(config=Config.auto())
        wf = remote.fetch_workflow(name="wf", version="1")
        executions = remote.client.list_executions_paginated("p", "d")
        """
    )
    assert "remote = FlyteRemote(config=Config.auto())" in out
    assert 'remote.fetch_workflow(name="wf", version="1")' in out  # not half rewritten
    assert "from flytekit.remote import FlyteRemote" in out
    assert any(f.code == "FM900" and "FlyteRemote" in f.message for f in findings)
    assert not any(f.code == "FM501" for f in findings)


def test_endpoint_config_file_and_launch_plan_forms() -> None:
    out, findings = _migrate(
        """
        from flytekit import Config, FlyteRemote

        remote = FlyteRemote(Config.for_endpoint("dns:///flyte.example.com", insecure=True), default_project="p")
        lp = remote.fetch_launch_plan(name="nightly_lp")
        run = remote.fetch_execution(name="abc123")
        print(run.is_done, run.id.name, run.outputs)
        """
    )
    assert 'flyte.init(endpoint="dns:///flyte.example.com", insecure=True, project="p")' in out
    assert 'lp = flyte.remote.Task.get("nightly_lp", auto_version="latest")' in out
    assert 'run = flyte.remote.Run.get("abc123")' in out
    assert "print(run.done(), run.name, run.outputs().named_outputs)" in out
    assert "flytekit" not in out
    assert [f.code for f in findings] == ["FM501"]  # the name of the fetched launch plan

    out, _ = _migrate(
        """
        from flytekit.remote import FlyteRemote

        remote = FlyteRemote.from_config(default_project="p", default_domain="d", config_file_path="~/.flyte/config.yaml")
        remote.execute(remote.fetch_task(name="t", version="v"), inputs={"x": 1}, wait=True)
        """
    )
    assert 'flyte.init_from_config("~/.flyte/config.yaml", project="p", domain="d")' in out
    assert 'flyte.run(flyte.remote.Task.get("t", version="v"), x=1).wait()' in out


def test_helper_kept_for_flytekit_moves_its_imports_in_and_a_second_run_changes_nothing() -> None:
    source = """
        from flytekit.configuration import Config
        from flytekit.remote import FlyteRemote


        def remote_for(endpoint: str):
            return FlyteRemote(Config.for_endpoint(endpoint))
        """
    out, findings = _migrate(source)
    assert "from flytekit" not in out.split("def remote_for")[0]  # the module imports without flytekit
    body = out.split("def remote_for")[1]
    assert "    from flytekit.configuration import Config\n    from flytekit.remote import FlyteRemote\n" in body
    assert "TYPE_CHECKING" not in out and "__future__" not in out  # no annotation names a flytekit type
    assert any(f.code == "FM501" and f.message.startswith("remote_for still needs flytekit (Config, FlyteRemote)") for f in findings)
    again, _ = _migrate(out)
    assert again == out


def test_remote_names_needed_on_import_stay_where_they_are() -> None:
    for source in (
        """
        from flytekit.remote import FlyteRemote

        REMOTE_TYPE = FlyteRemote


        def connect():
            return FlyteRemote.for_sandbox()
        """,
        """
        from flytekit.configuration import Config


        def connect(config=Config.for_sandbox()):
            return config
        """,
    ):
        out, findings = _migrate(source)
        assert out.lstrip().startswith("from flytekit"), out
        assert not any(f.code == "FM501" for f in findings)
