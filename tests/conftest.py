"""Every test session gets its own metadata store, so tests never touch ~/.flyte."""

import os
import tempfile

import pytest

_HOME = tempfile.mkdtemp(prefix="flyteshift-test-home-")
os.environ["FLYTE_HOME"] = _HOME


@pytest.fixture
def flyte_home(tmp_path, monkeypatch):
    """A fresh, empty store for tests that inspect or count what is recorded."""
    home = tmp_path / "flyte-home"
    monkeypatch.setenv("FLYTE_HOME", str(home))
    return home


@pytest.fixture(params=["sqlite", "memory"])
def any_store(request, tmp_path, monkeypatch):
    """Runs the test once on each `MetadataStore` (FLYTE_STORE): the runtime must not care which."""
    monkeypatch.setenv("FLYTE_STORE", request.param)
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / f"home-{request.param}"))
    return request.param
