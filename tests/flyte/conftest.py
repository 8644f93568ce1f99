"""Fixtures shared by tests/flyte: one Ray cluster (head + worker node on loopback) per session."""

import pytest


@pytest.fixture(scope="session")
def ray_cluster():
    """A two-node Ray cluster on loopback, started once for the session and always stopped."""
    pytest.importorskip("ray")
    from .ray_cluster import ray_cluster as start
    from .s3_server import KEYS

    # the nodes' workers reach the session's S3 server through these (each test names the endpoint)
    with start(worker_node=True, env=KEYS) as cluster:
        yield cluster
