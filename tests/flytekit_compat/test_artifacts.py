"""Artifacts: outputs annotated with an Artifact are recorded in the local artifact store, and
queries used as input defaults are answered from it (what a backend's artifact service does)."""

import datetime
import os
import subprocess
import sys
import textwrap

import pytest
from flytekit.core.artifact import Artifact, Inputs
from flytekit.exceptions.user import FlyteValidationException
from typing_extensions import Annotated

from flytekit import task, workflow
from flytekit_compat._artifact_store import ArtifactNotFound, ArtifactStore

Scores = Artifact(name="scores", partition_keys=["region"], time_partitioned=True)
Model = Artifact(name="model")


@task
def score(region: str, day: datetime.datetime, n: int) -> Annotated[int, Scores(region=Inputs.region, time_partition=Inputs.day)]:
    return n * 10


@task
def score_at_runtime(n: int) -> Annotated[int, Scores]:
    return Scores.create_from(n, region="moon", time_partition=datetime.datetime(2030, 1, 1))


@task
def plus_one(x: int = Scores.query(region="eu", time_partition=datetime.datetime(2024, 5, 6))) -> int:
    return x + 1


@workflow
def uses_default() -> int:
    return plus_one()


@workflow
def wf_with_query(x: int = Scores.query(region="moon", time_partition=datetime.datetime(2030, 1, 1))) -> int:
    return plus_one(x=x)


def test_outputs_are_recorded_and_queries_answered(flyte_home):
    assert score(region="eu", day=datetime.datetime(2024, 5, 6, 9), n=4) == 40
    assert plus_one() == 41  # the task's own default query, at a top-level call
    assert uses_default() == 41  # ... and as a node of a workflow, resolved when the node runs
    # a newer artifact of the same partitions (same day, other hour) wins
    score(region="eu", day=datetime.datetime(2024, 5, 6, 18), n=5)
    assert uses_default() == 51
    # another region's artifact does not answer the query
    score(region="us", day=datetime.datetime(2024, 5, 6), n=9)
    assert plus_one() == 51


def test_partition_values_set_while_the_task_runs(flyte_home):
    assert score_at_runtime(n=7) == 7
    assert wf_with_query() == 8
    assert wf_with_query(x=100) == 101  # a given input is used as it is


def test_a_query_with_no_match_names_what_is_missing(flyte_home):
    with pytest.raises(ArtifactNotFound, match="No artifact 'scores' with region=eu for time 2024-05-06"):
        plus_one()


def test_an_unpartitioned_artifact_and_the_store_api(flyte_home):
    @task
    def train(size: int) -> Annotated[str, Model]:
        return f"weights-{size}"

    train(size=3)
    train(size=5)
    assert Model.query().resolve() == "weights-5"
    version, value = ArtifactStore.default().find("model")
    assert value == "weights-5" and "train/o0" in version


def test_bindings_are_checked_when_the_task_is_defined():
    with pytest.raises(FlyteValidationException, match="bound to input missing which does not exist"):

        @task
        def bad(region: str) -> Annotated[int, Scores(region=Inputs.region, time_partition=Inputs.missing)]:
            return 1

    with pytest.raises(FlyteValidationException, match="dynamically is not allowed for workflows"):

        @workflow
        def bad_wf(region: str) -> Annotated[int, Scores(region=Inputs.region)]:
            return score(region=region, day=datetime.datetime(2024, 1, 1), n=1)


def test_artifacts_outlive_the_process_that_made_them(flyte_home):
    script = textwrap.dedent("""
        import datetime
        from typing_extensions import Annotated
        from flytekit import task
        from flytekit.core.artifact import Artifact, Inputs

        Scores = Artifact(name="scores", partition_keys=["region"], time_partitioned=True)

        @task
        def score(region: str, day: datetime.datetime) -> Annotated[int, Scores(region=Inputs.region, time_partition=Inputs.day)]:
            return 123

        score(region="eu", day=datetime.datetime(2024, 5, 6))
    """)
    env = {**os.environ, "FLYTE_HOME": str(flyte_home), "PYTHONPATH": os.getcwd()}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=os.getcwd())
    assert plus_one() == 124


def test_a_corrupt_store_is_reported_with_its_path(flyte_home):
    flyte_home.mkdir(parents=True, exist_ok=True)
    (flyte_home / "flytekit-artifacts.db").write_bytes(b"not a database" * 100)
    ArtifactStore._instances.clear()
    with pytest.raises(Exception, match="not a database"):
        ArtifactStore.default()
    ArtifactStore._instances.clear()
