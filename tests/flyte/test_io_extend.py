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
