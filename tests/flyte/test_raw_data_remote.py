"""raw_data_path on an fsspec URL: File, Dir, DataFrame and large values live in the object store.

Against a real S3 API (moto's server mode, its own process on 127.0.0.1) through s3fs; nothing
in fsspec is mocked. Whatever the run wrote must be readable from the bucket alone: the local
files it came from are deleted, and nothing lands in the run's local data directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import flyte
from flyte import storage
from flyte.io import DataFrame, Dir, File

from .s3_server import list_keys, moto_s3, s3_env

pytest.importorskip("s3fs")
pd = pytest.importorskip("pandas")

BUCKET = "flyte-raw"
BIG = bytes(range(256)) * 2000  # 512 kB: over the store's inline limit, so it is offloaded


@pytest.fixture(scope="module")
def s3():
    with moto_s3(BUCKET) as endpoint:
        yield endpoint


@pytest.fixture
def s3_configured(s3, flyte_home, monkeypatch):
    for k, v in s3_env(s3).items():
        monkeypatch.setenv(k, v)
    flyte.init(storage=storage.S3(endpoint=s3, access_key_id="testing", secret_access_key="testing",
                                  region="us-east-1"))
    yield s3
    flyte.init()  # back to no configured storage and no raw data path


env = flyte.TaskEnvironment(name="raw_data_s3")


@env.task
async def produce(n: int) -> tuple[File, Dir, DataFrame, bytes]:
    tmp = Path(tempfile.mkdtemp())
    try:
        (tmp / "a.txt").write_text("hello bucket")
        f = await File.from_local(tmp / "a.txt")
        tree = tmp / "tree"
        (tree / "sub").mkdir(parents=True)
        (tree / "x.txt").write_text("x")
        (tree / "sub" / "y.txt").write_text("y")
        d = await Dir.from_local(tree)
    finally:
        shutil.rmtree(tmp)  # the values must not depend on these files any more
    return f, d, DataFrame.from_df(pd.DataFrame({"a": list(range(n))})), BIG


@env.task
async def consume(f: File, d: Dir, df: DataFrame, big: bytes) -> dict:
    async with f.open("rb") as fh:
        text = (await fh.read()).decode()
    names = sorted(x.path.rsplit("/", 1)[-1] for x in d.walk_sync())
    local_tree = Path(await d.download())
    frame = await df.open(pd.DataFrame).all()
    written = File.new_remote("out.txt")
    with written.open_sync("wb") as fh:
        fh.write(b"written by consume")
    return {"text": text, "names": names, "downloaded": (local_tree / "sub" / "y.txt").read_text(),
            "total": int(frame["a"].sum()), "big": big == BIG, "written": written.path,
            "paths": [f.path, d.path, df.uri]}


@env.task
async def main(n: int) -> dict:
    f, d, df, big = await produce(n)
    return await consume(f, d, df, big)


def test_values_cross_actions_through_the_bucket(s3_configured, flyte_home):
    prefix = "runs/one"
    run = flyte.with_runcontext(raw_data_path=f"s3://{BUCKET}/{prefix}").run(main, n=10)
    out = run.outputs()[0]
    assert out["text"] == "hello bucket" and out["names"] == ["x.txt", "y.txt"] and out["downloaded"] == "y"
    assert out["total"] == 45 and out["big"] is True
    assert all(p.startswith(f"s3://{BUCKET}/{prefix}/data/") for p in out["paths"]), out["paths"]
    assert out["written"].startswith(f"s3://{BUCKET}/{prefix}/") and out["written"].endswith("/out.txt")
    keys = list_keys(s3_configured, BUCKET, prefix)
    assert any(k.endswith("/a.txt") for k in keys)
    assert any(k.endswith("/tree/sub/y.txt") for k in keys)
    assert any("/data/frames/" in k for k in keys)
    assert any(k.startswith(f"{prefix}/blobs/") for k in keys)  # the 512 kB value
    # Nothing went to the local disk: no run data directory, no local blob.
    run_dir = flyte_home / "runs" / run.name
    assert not (run_dir / "data").exists()
    assert not [p for p in (flyte_home / "blobs").rglob("*") if p.is_file()]
    # The recorded outputs of `produce` (a large value among them) decode from the bucket alone.
    from flyte._run import current_store
    from flyte._serde import Codec

    store = current_store()
    rows = [a for a in store.list_actions(run.name).actions if a.task.endswith("produce")]
    assert len(rows) == 1 and len(rows[0].outputs) < 10_000  # the big value is a reference in the row
    values = Codec(blob_loader=store.load_blob).unpack(rows[0].outputs)
    assert isinstance(values[0], File) and values[3] == BIG, values


def test_a_missing_object_is_a_clear_error(s3_configured):
    f = File.from_existing_remote(f"s3://{BUCKET}/nowhere/missing.txt")
    assert not f.exists_sync()
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        with f.open_sync("rb") as fh:
            fh.read()


def test_config_file_and_cli_choose_the_raw_data_path(s3, tmp_path):
    """`local.raw_data_path` in the config file (flyte.init_from_config), and `flyte run
    --raw-data-path`, in fresh interpreters configured only by the environment (s3fs's own
    AWS_* variables), as on a machine of a cluster."""
    program = tmp_path / "prog.py"
    program.write_text(
        "import sys, flyte\n"
        "from flyte.io import File\n"
        "env = flyte.TaskEnvironment(name='cfg')\n"
        "@env.task\n"
        "def make() -> File:\n"
        "    f = File.new_remote('made.txt')\n"
        "    with f.open_sync('wb') as fh:\n"
        "        fh.write(b'made')\n"
        "    return f\n"
        "@env.task\n"
        "def main() -> str:\n"
        "    f = make()\n"
        "    with f.open_sync('rb') as fh:\n"
        "        return f.path + ' ' + fh.read().decode()\n"
        "if __name__ == '__main__':\n"
        "    flyte.init_from_config(sys.argv[1])\n"
        "    print(flyte.run(main).outputs()[0])\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"local:\n  raw_data_path: s3://{BUCKET}/from-config\n")
    env_vars = {**os.environ, **s3_env(s3), "FLYTE_HOME": str(tmp_path / "home")}
    for k in ("FLYTE_AWS_ENDPOINT", "FLYTE_AWS_ACCESS_KEY_ID", "FLYTE_AWS_SECRET_ACCESS_KEY"):
        env_vars.pop(k)
    proc = subprocess.run([sys.executable, str(program), str(config)], capture_output=True, text=True,
                          env=env_vars, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path, content = proc.stdout.strip().splitlines()[-1].split()
    assert path.startswith(f"s3://{BUCKET}/from-config/") and content == "made"
    assert any(k.endswith("made.txt") for k in list_keys(s3, BUCKET, "from-config/"))

    flyte_cli = Path(sys.executable).parent / "flyte"
    proc = subprocess.run([str(flyte_cli), "run", "--raw-data-path", f"s3://{BUCKET}/from-cli", str(program), "main"],
                          capture_output=True, text=True, env=env_vars, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert any(k.endswith("made.txt") for k in list_keys(s3, BUCKET, "from-cli/"))


def test_bad_config_value_names_the_file(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("local:\n  raw_data_path: [1, 2]\n")
    with pytest.raises(flyte.errors.InitializationError, match="raw_data_path"):
        flyte.init_from_config(str(config))
