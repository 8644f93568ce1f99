"""SQLite3Task: a query against a SQLite file (plain or archived), its inputs templated in,
its rows handed on as a schema that a DataFrame input reads."""

from __future__ import annotations

import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task
from flytekit.types.schema import FlyteSchema

from flytekit import kwtypes, task, workflow


@pytest.fixture
def planets_db(tmp_path: Path) -> Path:
    db = tmp_path / "planets.db"
    with sqlite3.connect(db) as con:
        con.execute("create table planets (name text, moons integer)")
        con.executemany("insert into planets values (?, ?)", [("Mercury", 0), ("Earth", 1), ("Mars", 2), ("Jupiter", 95)])
    return db


def test_query_with_templated_input_returns_rows(planets_db: Path) -> None:
    few = SQLite3Task(
        "few_moons",
        query_template="select name from planets where moons <= {{ .inputs.most }} order by name",
        inputs=kwtypes(most=int),
        output_schema_type=FlyteSchema[kwtypes(name=str)],
        task_config=SQLite3Config(uri=str(planets_db)),
    )
    assert few.output_columns == ["name"]
    frame = few(most=1).open().all()
    assert list(frame["name"]) == ["Earth", "Mercury"]


def test_archived_database_feeds_a_dataframe_task(planets_db: Path, tmp_path: Path) -> None:
    archive = tmp_path / "planets.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(planets_db, "planets.db")
    everything = SQLite3Task("all_planets", query_template="select * from planets",
                             task_config=SQLite3Config(uri=str(archive), compressed=True))
    assert everything.output_columns is None

    @task
    def total_moons(df: pd.DataFrame) -> int:
        return int(df["moons"].sum())

    @workflow
    def wf() -> int:
        return total_moons(df=everything())

    assert wf() == 98


def test_an_archive_holding_more_than_the_database_is_refused(planets_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(planets_db, folder / "a.db")
    shutil.copy(planets_db, folder / "b.db")
    archive = shutil.make_archive(str(tmp_path / "two"), "zip", folder)
    bad = SQLite3Task("bad", query_template="select 1", task_config=SQLite3Config(uri=archive, compressed=True))
    with pytest.raises(RuntimeError, match=r"exactly one file.*\['a.db', 'b.db'\]"):
        bad()


def test_a_missing_database_and_a_missing_config_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs task_config"):
        SQLite3Task("no_db", query_template="select 1")
    gone = SQLite3Task("gone", query_template="select 1", task_config=SQLite3Config(uri=str(tmp_path / "nope.db")))
    with pytest.raises(Exception, match=r"nope\.db"):
        gone()
    assert not os.path.exists(tmp_path / "nope.db")


module_level_query = SQLite3Task("named_elsewhere", query_template="select 1",
                                 task_config=SQLite3Config(uri="unused.db"))


def test_lhs_is_the_variable_the_task_is_assigned_to() -> None:
    assert module_level_query.lhs == "module_level_query"
