"""Every fixture pair: the migration of before.py is exactly after.py, migrating again changes
nothing, the reported TODOs are the expected ones, and after.py runs on our runtime with the
result the Flyte 1 program gave."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from codemods import migrate_source

from ._fixtures import Case, decode, load_cases, normalize

CASES = load_cases()
IDS = [c.name for c in CASES]


def _migrate(case: Case, text: str):
    # the module name decides the environment names; give every fixture its own
    return migrate_source(text, path=str(case.before), module_name=case.name)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_migration_matches_after(case: Case) -> None:
    result = _migrate(case, case.before.read_text())
    assert result.error is None
    expected = case.after.read_text()
    assert result.code == expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_run_changes_nothing(case: Case) -> None:
    after = case.after.read_text()
    again = _migrate(case, after)
    assert again.error is None
    assert again.code == after
    assert again.status in ("unchanged", "skipped")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reported_todos(case: Case) -> None:
    result = _migrate(case, case.before.read_text())
    got = sorted((f.code, f.message) for f in result.findings)
    assert len(got) == len(case.todos), got
    for (code, text), (got_code, got_message) in zip(sorted(case.todos), got, strict=True):
        assert (code, True) == (got_code, text in got_message), (got_code, got_message)
    lines = result.code.splitlines()
    for finding in result.findings:
        assert f"# TODO(flyte-migrate): {finding.code} {finding.message}" in lines[finding.line - 1]


def _load(case: Case):
    name = f"_fm_after_{case.name}"
    spec = importlib.util.spec_from_file_location(name, case.after)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", [c for c in CASES if c.runs], ids=[c.name for c in CASES if c.runs])
def test_after_runs_on_our_runtime(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    import flyte

    if case.sdk_only:
        pytest.skip(f"runs on the real SDK only: {case.sdk_only}")

    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(case.dir)
    module = _load(case)
    flyte.init()
    for run in case.runs:
        task = getattr(module, run["entry"])
        if "raises" in run:
            with pytest.raises(Exception) as info:
                flyte.run(task, **decode(run.get("inputs", {})))
            err = info.value
            assert getattr(err, "code", type(err).__name__) == run["raises"] or type(err).__name__ == run["raises"]
            continue
        outputs = flyte.run(task, **decode(run.get("inputs", {}))).outputs()
        value = outputs[0] if len(outputs) == 1 else tuple(outputs)
        assert normalize(value) == normalize(run["expected"]), run
    assert os.environ.get("FLYTE_HOME")
