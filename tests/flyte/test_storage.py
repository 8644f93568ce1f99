"""flyte.storage: configuration objects, and the I/O helpers on local paths and a real S3 API (moto)."""

from __future__ import annotations

import asyncio
import datetime
import errno
import os
import subprocess
import sys
import textwrap

import pytest

import flyte
import flyte.storage as storage
from flyte._fsspec import configure_storage


@pytest.fixture(autouse=True)
def no_configured_storage():
    yield
    configure_storage(None)


def test_storage_kwargs_have_the_sdk_shape():
    kw = storage.S3(access_key_id="k", secret_access_key="s", endpoint="http://e", addressing_style="path",
                    region="eu-west-1").get_fsspec_kwargs(retries=5)
    assert kw["config"] == {"access_key_id": "k", "secret_access_key": "s", "endpoint": "http://e",
                            "virtual_hosted_style_request": False}
    assert kw["retry_config"]["max_retries"] == 5 and kw["region"] == "eu-west-1"
    assert kw["client_options"] == {"timeout": "99999s", "allow_http": True}
    assert storage.GCS().get_fsspec_kwargs(anonymous=True)["config"] == {"skip_signature": True}
    mine = {"max_retries": 9}
    assert storage.ABFS(account_name="a").get_fsspec_kwargs(retry_config=mine)["retry_config"] is mine


def test_auto_reads_the_environment(monkeypatch):
    monkeypatch.setenv("FLYTE_AWS_ENDPOINT", "http://minio:9000")
    monkeypatch.setenv("FLYTE_STORAGE_RETRIES", "7")
    monkeypatch.setenv("FLYTE_STORAGE_BACKOFF_SECONDS", "2")
    s3 = storage.S3.auto()
    assert s3.endpoint == "http://minio:9000" and s3.retries == 7 and s3.backoff == datetime.timedelta(seconds=2)
    assert storage.get_configured_fsspec_kwargs("s3")["config"]["endpoint"] == "http://minio:9000"


def test_init_chooses_the_storage_and_rejects_other_objects():
    cfg = storage.S3(endpoint="http://configured")
    flyte.init(storage=cfg)
    assert storage.get_configured_fsspec_kwargs("s3")["config"]["endpoint"] == "http://configured"
    assert storage.get_configured_fsspec_kwargs("file") == {}
    with pytest.raises(TypeError, match=r"flyte\.storage\.Storage"):
        flyte.init(storage={"endpoint": "x"})


def test_paths():
    assert storage.is_remote("s3://b/k") and storage.is_remote("gs://b") and not storage.is_remote("/tmp/x")
    assert not storage.is_remote("file:///tmp/x")
    assert storage.join("s3://bucket/", "a", "/b/") == "s3://bucket/a/b"
    p = storage.get_random_local_path("name.txt")
    assert p.name == "name.txt" and p.parent.is_dir() and not p.exists()


def test_local_put_get_streams(tmp_path):
    async def go():
        src = tmp_path / "src.bin"
        src.write_bytes(b"0123456789")
        dst = await storage.put(str(src), str(tmp_path / "out" / "copy.bin"))
        assert open(dst, "rb").read() == b"0123456789"
        fetched = await storage.get(dst)
        assert open(fetched, "rb").read() == b"0123456789"
        chunks = [c async for c in storage.get_stream(dst, chunk_size=4)]
        assert chunks == [b"0123", b"4567", b"89"]

        async def parts():
            yield b"ab"
            yield b"cd"

        streamed = await storage.put_stream(parts(), to_path=str(tmp_path / "s.bin"))
        assert open(streamed, "rb").read() == b"abcd"
        assert await storage.exists(streamed) and storage.exists_sync(streamed)
        assert not await storage.exists(str(tmp_path / "missing"))
        f = await storage.open(streamed)
        assert await f.read() == b"abcd"
        await f.close()
        async with await storage.open(str(tmp_path / "w.txt"), "wb") as w:
            await w.write(b"written")
        assert (tmp_path / "w.txt").read_bytes() == b"written"
        tree = tmp_path / "tree"
        (tree / "sub").mkdir(parents=True)
        (tree / "sub" / "f").write_text("x")
        with pytest.raises(IsADirectoryError, match="recursive=True"):
            await storage.put(str(tree), str(tmp_path / "tree2"))
        await storage.put(str(tree), str(tmp_path / "tree2"), recursive=True)
        assert (tmp_path / "tree2" / "sub" / "f").read_text() == "x"

    asyncio.run(go())


def test_a_failed_stream_leaves_no_partial_file(tmp_path):
    target = tmp_path / "partial.bin"

    async def broken():
        yield b"first half"
        raise ConnectionError("source went away")

    with pytest.raises(ConnectionError):
        asyncio.run(storage.put_stream(broken(), to_path=str(target)))
    assert not target.exists()
    assert os.listdir(tmp_path) == []  # no temporary file left behind either


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_a_read_only_directory_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match=str(ro)):
            asyncio.run(storage.put_stream(b"data", to_path=str(ro / "x")))
    finally:
        ro.chmod(0o700)


def test_running_out_of_space_leaves_nothing_behind(tmp_path):
    """A write that hits the file size limit (as a full disk would stop it) fails with the OS error
    and leaves neither the target nor a temporary file."""
    code = textwrap.dedent(f"""
        import asyncio, resource, signal
        import flyte.storage as storage
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        try:
            asyncio.run(storage.put_stream(b"x" * 100_000, to_path={str(tmp_path / "big.bin")!r}))
        except OSError as e:
            print("OSError", e.errno)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["OSError", str(errno.EFBIG)], out.stderr
    assert os.listdir(tmp_path) == []


def test_a_missing_source_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        asyncio.run(storage.get(str(tmp_path / "nope"), str(tmp_path / "dst")))


@pytest.fixture
def s3_server():
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("obstore")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="key", aws_secret_access_key="secret",
                 region_name="us-east-1").create_bucket(Bucket="flyte-data")
    yield endpoint
    server.stop()


def test_s3_through_the_configured_storage(s3_server, tmp_path):
    flyte.init(storage=storage.S3(endpoint=s3_server, access_key_id="key", secret_access_key="secret",
                                  region="us-east-1"))

    async def go():
        src = tmp_path / "local.txt"
        src.write_text("to the bucket")
        url = await storage.put(str(src), "s3://flyte-data/runs/local.txt")
        assert url == "s3://flyte-data/runs/local.txt" and await storage.exists(url)
        assert not await storage.exists("s3://flyte-data/runs/other.txt")
        back = await storage.get(url, str(tmp_path / "back.txt"))
        assert open(back).read() == "to the bucket"
        await storage.put_stream(b"streamed bytes", to_path="s3://flyte-data/s.bin")
        assert b"".join([c async for c in storage.get_stream("s3://flyte-data/s.bin")]) == b"streamed bytes"
        fs = storage.get_underlying_filesystem(path="s3://flyte-data/s.bin")
        assert fs.exists("s3://flyte-data/s.bin")

    asyncio.run(go())


def test_import_flyte_loads_no_storage_backend_and_import_flyte_storage_loads_fsspec():
    code = ("import sys, flyte; print('fsspec' in sys.modules, 'flyte.storage' in sys.modules); "
            "import flyte.storage, fsspec; print(fsspec.implementations.local.LocalFileSystem.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "LocalFileSystem"]
