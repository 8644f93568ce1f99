"""Shim tests: a fresh store per test, and the launch-plan registry cleared between tests."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_store(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "flyte-home"))
    from flytekit_compat._launch_plan import LaunchPlan

    saved = dict(LaunchPlan._registry)
    yield
    LaunchPlan._registry.clear()
    LaunchPlan._registry.update(saved)


def store_actions():
    """Every action of every run in the current store, oldest first."""
    from flyte._store import open_store

    store = open_store()
    out = []
    for run in store.list_runs(1000):
        out.extend(a._asdict() for a in store.list_actions(run.name).actions)
    return sorted(out, key=lambda a: a["start_time"])
