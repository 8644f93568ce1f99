"""FlyteSchema and dataframes crossing task boundaries."""

import pytest
from flytekit.types.schema import FlyteSchema

from flytekit import kwtypes, task, workflow

pd = pytest.importorskip("pandas")


def test_schema_output_feeds_a_dataframe_input_and_annotated_frames_select_columns():
    from typing import Annotated

    @task
    def make() -> FlyteSchema[kwtypes(x=int, y=str)]:
        return pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})

    @task
    def count(df: pd.DataFrame) -> int:
        return len(df)

    @task
    def cols(df: Annotated[pd.DataFrame, kwtypes(x=int)]) -> int:
        return len(df.columns)

    @workflow
    def wf() -> (int, int):
        s = make()
        return count(df=s), cols(df=s)

    assert tuple(wf()) == (2, 1)
    assert FlyteSchema[kwtypes(x=int)].column_names() == ["x"]
