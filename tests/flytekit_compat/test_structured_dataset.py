"""StructuredDataset: written by an encoder, read by a decoder (built-in or the user's), with the
declared columns and format, and printed as flytekit prints it."""

import json
import os
import typing

import pandas as pd
from flytekit.models import literals
from flytekit.models.literals import StructuredDatasetMetadata
from flytekit.types.structured import CSV, StructuredDataset
from flytekit.types.structured.structured_dataset import (
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)
from typing_extensions import Annotated

from flytekit import kwtypes, task, workflow

Full = Annotated[StructuredDataset, kwtypes(name=str, age=int)]
AgeOnly = Annotated[StructuredDataset, kwtypes(age=int)]


@task
def people() -> Full:
    return StructuredDataset(dataframe=pd.DataFrame({"name": ["a", "b"], "age": [1, 2]}))


@task
def ages(sd: AgeOnly) -> int:
    df = sd.open(pd.DataFrame).all()
    assert list(df.columns) == ["age"]  # the decoder kept only the declared column
    return int(df["age"].sum())


@workflow
def sum_ages() -> int:
    return ages(sd=people())


def test_columns_declared_by_the_reader_are_the_ones_it_gets():
    assert sum_ages() == 3


def test_printed_as_flytekit_prints_it():
    local = StructuredDataset(dataframe=pd.DataFrame({"x": [1]}))
    assert repr(local) == "StructuredDataset(uri=None, file_format='')"  # made locally: no uri yet
    out = people()
    assert repr(out) == "StructuredDataset(uri=None, file_format='parquet')"
    # where the encoder wrote it is the literal's uri: a directory of parquet files, kept in the
    # run's raw-data directory under $FLYTE_HOME (it lasts as long as the run's record)
    assert os.path.isdir(out.literal.uri) and os.listdir(out.literal.uri) == ["00000"]
    assert out.literal.uri.startswith(os.path.join(os.environ["FLYTE_HOME"], "runs"))
    assert out.open(pd.DataFrame).all().to_dict("list") == {"name": ["a", "b"], "age": [1, 2]}


@task
def as_csv(df: pd.DataFrame) -> Annotated[StructuredDataset, CSV]:
    return StructuredDataset(dataframe=df)


@task
def make_frame() -> pd.DataFrame:
    return pd.DataFrame({"v": [3, 4]})


@task
def total(df: pd.DataFrame) -> int:
    return int(df["v"].sum())


@workflow
def csv_round_trip() -> int:
    return total(df=as_csv(df=make_frame()))


def test_csv_format_and_frames_on_either_side():
    sd = as_csv(df=pd.DataFrame({"v": [1]}))
    assert sd.file_format == "csv" and os.listdir(sd.literal.uri) == [".csv"]
    assert csv_round_trip() == 7  # a dataset output read as a pandas input


class Ledger:
    """A user's dataframe-like type, with its own storage format."""

    def __init__(self, rows: typing.List[dict]):
        self.rows = rows


CALLS: list[str] = []


class LedgerEncoder(StructuredDatasetEncoder):
    def __init__(self):
        super().__init__(Ledger, None, "ledger-json")

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        CALLS.append("encode")
        path = ctx.file_access.get_random_remote_directory()
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "rows.json"), "w") as f:
            json.dump(structured_dataset.dataframe.rows, f)
        return literals.StructuredDataset(uri=path, metadata=StructuredDatasetMetadata(structured_dataset_type))


class LedgerDecoder(StructuredDatasetDecoder):
    def __init__(self):
        super().__init__(Ledger, None, "ledger-json")

    def decode(self, ctx, flyte_value, current_task_metadata):
        CALLS.append("decode")
        with open(os.path.join(flyte_value.uri, "rows.json")) as f:
            return Ledger([*json.load(f), {"read": True}])


StructuredDatasetTransformerEngine.register(LedgerEncoder())
StructuredDatasetTransformerEngine.register(LedgerDecoder())


@task
def ledger() -> Annotated[StructuredDataset, "ledger-json"]:
    return StructuredDataset(dataframe=Ledger([{"x": 1}]))


@task
def count_rows(sd: StructuredDataset) -> int:
    return len(sd.open(Ledger).all().rows)


@workflow
def ledger_wf() -> int:
    return count_rows(sd=ledger())


def test_a_users_encoder_and_decoder_carry_the_data():
    CALLS.clear()
    assert ledger_wf() == 2  # one row written, and the decoder's marker row
    assert CALLS == ["encode", "decode"]
    sd = ledger()
    assert sd.file_format == "ledger-json"


def test_without_pyarrow_parquet_says_what_to_install_and_csv_still_works(tmp_path):
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import sys
        sys.modules["pyarrow"] = None  # as if pyarrow were not installed
        import pandas as pd
        from typing_extensions import Annotated
        from flytekit import task
        from flytekit.types.structured import CSV, StructuredDataset

        @task
        def as_parquet() -> StructuredDataset:
            return StructuredDataset(dataframe=pd.DataFrame({"a": [1]}))

        @task
        def as_csv() -> Annotated[StructuredDataset, CSV]:
            return StructuredDataset(dataframe=pd.DataFrame({"a": [1]}))

        print(as_csv().open(pd.DataFrame).all().to_dict("list"))
        try:
            as_parquet()
        except ImportError as e:
            print("ImportError:", e)
    """)
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "h"), "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "{'a': [1]}"
    assert "needs pyarrow: pip install pyarrow" in lines[-1]
