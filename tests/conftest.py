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


@pytest.fixture(scope="session")
def ray_cluster():
    """A two-node Ray cluster on loopback (a head and a worker node, see tests/flyte/ray_cluster.py),
    started once for the session by the first test that asks for it, and always stopped."""
    pytest.importorskip("ray")
    from tests.flyte.ray_cluster import ray_cluster as start
    from tests.flyte.s3_server import KEYS

    # the nodes' workers reach a test's S3 server through these (each test names the endpoint)
    with start(worker_node=True, env=KEYS) as cluster:
        yield cluster
