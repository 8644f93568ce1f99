"""flyte.io.extend: a dataframe library's frames cross task boundaries through the encoder and
decoder a plugin registers, and the engine it registers with is the type system's own (the one
flyte.types.TypeEngine converts with)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from flyteidl2.core import literals_pb2, types_pb2

import flyte
import flyte.io
from flyte.io.extend import DataFrameDecoder, DataFrameEncoder, DataFrameTransformerEngine
from flyte.types import TypeEngine

ROWS_FORMAT = "rows-json"
SEEN: list[str] = []


class Rows:
    """A toy frame library: a list of records."""

    def __init__(self, records: list[dict]):
        self.records = records


class RowsToJson(DataFrameEncoder):
    # async, as the SDK declares it and as plugins written for the SDK are
    async def encode(self, dataframe: flyte.io.DataFrame, structured_dataset_type: types_pb2.StructuredDatasetType
                     ) -> literals_pb2.StructuredDataset:
        await asyncio.sleep(0)
        SEEN.append("encode")
        target = Path(flyte.storage.get_random_local_directory())
        (target / "rows.json").write_text(json.dumps(dataframe.val.records))
        return literals_pb2.StructuredDataset(uri=str(target), metadata=literals_pb2.StructuredDatasetMetadata(
            structured_dataset_type=types_pb2.StructuredDatasetType(format=ROWS_FORMAT)))


class JsonToRows(DataFrameDecoder):
    async def decode(self, flyte_value: literals_pb2.StructuredDataset,
                     current_task_metadata: literals_pb2.StructuredDatasetMetadata) -> Rows:
        SEEN.append("decode")
        return Rows(json.loads((Path(flyte_value.uri) / "rows.json").read_text()))


class SyncRows(Rows):
    pass


class SyncRowsToJson(DataFrameEncoder):
    def encode(self, dataframe, structured_dataset_type):  # a plain method is accepted as well
        target = Path(flyte.storage.get_random_local_directory())
        (target / "rows.json").write_text(json.dumps(dataframe.val.records))
        return literals_pb2.StructuredDataset(uri=str(target))


class JsonToSyncRows(DataFrameDecoder):
    def decode(self, flyte_value, current_task_metadata):
        return SyncRows(json.loads((Path(flyte_value.uri) / "rows.json").read_text()))


DataFrameTransformerEngine.register(RowsToJson(Rows, None, ROWS_FORMAT))
DataFrameTransformerEngine.register(JsonToRows(Rows, None, ROWS_FORMAT))
DataFrameTransformerEngine.register(SyncRowsToJson(SyncRows))
DataFrameTransformerEngine.register(JsonToSyncRows(SyncRows))

env = flyte.TaskEnvironment(name="io_extend")


@env.task
async def make_rows(n: int) -> Rows:
    return Rows([{"i": i, "sq": i * i} for i in range(n)])


@env.task
async def total(rows: Rows) -> int:
    return sum(r["sq"] for r in rows.records)


@env.task
async def pipeline(n: int) -> int:
    return await total(await make_rows(n))


def test_flyte_types_and_flyte_io_extend_present_one_engine():
    engine = TypeEngine.get_transformer(flyte.io.DataFrame)
    assert isinstance(engine, DataFrameTransformerEngine)
    # registering a handler routes its frame type to that engine
    assert isinstance(TypeEngine.get_transformer(Rows), DataFrameTransformerEngine)
    assert DataFrameTransformerEngine.get_encoder(Rows, "file", ROWS_FORMAT).python_type is Rows


def test_an_async_encoder_and_decoder_carry_a_frame_through_the_type_engine():
    async def roundtrip():
        lit = await TypeEngine.to_literal(Rows([{"a": 1}]), Rows, TypeEngine.to_literal_type(Rows))
        return lit, await TypeEngine.to_python_value(lit, Rows)

    lit, back = asyncio.run(roundtrip())
    assert lit.scalar.structured_dataset.metadata.structured_dataset_type.format == ROWS_FORMAT
    assert isinstance(back, Rows) and back.records == [{"a": 1}]


def test_a_plain_method_encoder_and_decoder_work_too():
    async def roundtrip():
        lit = await TypeEngine.to_literal(SyncRows([{"b": 2}]), SyncRows, TypeEngine.to_literal_type(SyncRows))
        return await TypeEngine.to_python_value(lit, SyncRows)

    back = asyncio.run(roundtrip())
    assert isinstance(back, SyncRows) and back.records == [{"b": 2}]


def test_a_registered_frame_type_passes_between_tasks_through_its_handlers():
    SEEN.clear()
    flyte.init()
    assert flyte.run(pipeline, 4).outputs()[0] == 0 + 1 + 4 + 9
    assert "encode" in SEEN and "decode" in SEEN


# -- a frame wrapped in flyte.io.DataFrame.from_df goes through its type's encoder and decoder ---------

COLS_FORMAT = "cols-json"


class Cols:
    """Another toy frame library, whose encoder writes where it is asked (the DataFrame's uri) or,
    given none, into the task's raw data path, as the SDK's own encoders do."""

    def __init__(self, columns: dict[str, list]):
        self.columns = columns


class ColsToJson(DataFrameEncoder):
    async def encode(self, dataframe, structured_dataset_type):
        target = Path(dataframe.uri or flyte.ctx().raw_data_path.get_random_remote_path())
        target.mkdir(parents=True, exist_ok=True)
        (target / "columns.json").write_text(json.dumps(dataframe.val.columns))
        return literals_pb2.StructuredDataset(uri=str(target))


class JsonToCols(DataFrameDecoder):
    async def decode(self, flyte_value, current_task_metadata):
        return Cols(json.loads((Path(flyte_value.uri) / "columns.json").read_text()))


DataFrameTransformerEngine.register(ColsToJson(Cols, None, COLS_FORMAT))
DataFrameTransformerEngine.register(JsonToCols(Cols, None, COLS_FORMAT))


class Unregistered:
    pass


@env.task
async def wrap_cols() -> flyte.io.DataFrame:
    return flyte.io.DataFrame.from_df(Cols({"x": [1, 2, 3]}))


@env.task
async def read_as_frame(df: flyte.io.DataFrame) -> dict:
    """What a program that reads the stored format sees, and what the decoder gives."""
    cols = await df.open(Cols).all()
    return {"format": df.format, "files": sorted(p.name for p in Path(df.uri).iterdir()),
            "on_disk": json.loads((Path(df.uri) / "columns.json").read_text()), "decoded": cols.columns,
            "in_run": df.uri.startswith(flyte.ctx().run_base_dir)}


@env.task
async def read_as_cols(cols: Cols) -> dict:
    return cols.columns


@env.task
async def wrap_pandas() -> flyte.io.DataFrame:
    import pandas as pd

    return flyte.io.DataFrame.from_df(pd.DataFrame({"a": [1, 2, 3]}))


@env.task
async def read_parquet_dir(df: flyte.io.DataFrame) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq

    return {"format": df.format, "files": sorted(p.name for p in Path(df.uri).iterdir()),
            "pyarrow_sum": sum(pq.read_table(Path(df.uri) / "00000").column("a").to_pylist()),
            "opened_sum": int((await df.open(pd.DataFrame).all())["a"].sum())}


@env.task
async def wrap_unregistered() -> flyte.io.DataFrame:
    return flyte.io.DataFrame.from_df(Unregistered())


@env.task
async def all_without_open(df: flyte.io.DataFrame) -> str:
    return repr(await df.all())


@env.task
async def wrapped_pipeline() -> list:
    df = await wrap_cols()
    return [await read_as_frame(df), await read_as_cols(df), await read_parquet_dir(await wrap_pandas())]


def test_a_wrapped_frame_is_written_by_its_encoder_and_read_by_its_decoder():
    flyte.init()
    as_frame, as_cols, pandas_dir = flyte.run(wrapped_pipeline).outputs()[0]
    # the encoder's own files, in its own format, inside the run's storage
    assert as_frame == {"format": COLS_FORMAT, "files": ["columns.json"], "on_disk": {"x": [1, 2, 3]},
                        "decoded": {"x": [1, 2, 3]}, "in_run": True}
    # a parameter of the frame's own type gets the decoder's value
    assert as_cols == {"x": [1, 2, 3]}
    # a pandas frame is a directory holding Parquet part 00000, as the SDK writes it
    assert pandas_dir == {"format": "parquet", "files": ["00000"], "pyarrow_sum": 6, "opened_sum": 6}


def test_a_wrapped_frame_given_a_uri_is_written_there(tmp_path):
    flyte.init()
    target = tmp_path / "my-frame"

    @env.task
    async def to_uri() -> flyte.io.DataFrame:
        return flyte.io.DataFrame.from_df(Cols({"y": [7]}), uri=str(target))

    out = flyte.run(to_uri).outputs()[0]
    assert out.uri == str(target) and out.format == COLS_FORMAT
    assert json.loads((target / "columns.json").read_text()) == {"y": [7]}


def test_a_frame_type_without_an_encoder_is_refused_with_the_sdk_message():
    flyte.init()
    try:
        flyte.run(wrap_unregistered)
    except Exception as e:
        assert f"Failed to find a handler for {Unregistered}, protocol [file], fmt ['']" in str(e)
    else:
        raise AssertionError("an unregistered frame type was accepted")


def test_reading_a_frame_without_choosing_its_type_is_refused_with_the_sdk_message():
    flyte.init()
    try:
        flyte.run(all_without_open, flyte.io.DataFrame.from_df(Cols({"z": [0]})))
    except Exception as e:
        assert "No dataframe type set. Use open() to set the local dataframe type you want to use." in str(e)
    else:
        raise AssertionError("all() without open() returned a value")
