"""`FlyteFile(p, remote_path=dest)` and `FlyteDirectory(p, remote_directory=dest)`: flytekit
uploads the value to `dest` when a task returns it, even in a local execution, and passes `dest`
on; `remote_directory=False` keeps the local path. The program below prints what a user can see
of that (no random paths), and runs here on the shim and, where it is installed, on the real
flytekit 1.16.31 ($FLYTEKIT_PYTHON or /work/refvenvs/flytekit/bin/python): both must print the
same lines. Before, the shim ignored both destinations (nothing was written there, and the next
task got the temporary local path)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

REAL_FLYTEKIT = os.environ.get("FLYTEKIT_PYTHON", "/work/refvenvs/flytekit/bin/python")

PROGRAM = textwrap.dedent(
    '''
    import os, sys, tempfile
    from flytekit import FlyteContext, task, workflow
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile

    DEST = tempfile.mkdtemp()


    @task
    def make_dir(keep_local: bool) -> FlyteDirectory:
        d = tempfile.mkdtemp()
        os.makedirs(os.path.join(d, "sub"))
        for name in ("a.txt", "b.txt"):
            with open(os.path.join(d, name), "w") as f:
                f.write(name.upper())
        if keep_local:
            return FlyteDirectory(path=d, remote_directory=False)
        remote = FlyteContext.current_context().file_access.get_random_remote_directory()
        print("dir given a destination:", remote is not None)
        return FlyteDirectory(path=d, remote_directory=os.path.join(DEST, "dir"))


    @task
    def look(directory: FlyteDirectory) -> str:
        entries = FlyteDirectory.listdir(directory)
        names = sorted(f"{type(e).__name__}:{os.path.basename(e.path)}" for e in entries)
        first = sorted((e for e in entries if isinstance(e, FlyteFile)), key=lambda e: os.path.basename(e.path))[0]
        with open(first) as fh:
            names.append(fh.read())
        names.append(f"arrived at destination={directory.path == os.path.join(DEST, 'dir')}")
        names.append(f"remote_directory={directory.remote_directory!r}")
        return " ".join(names)


    @task
    def make_file() -> FlyteFile:
        p = os.path.join(tempfile.mkdtemp(), "a.txt")
        with open(p, "w") as f:
            f.write("A")
        return FlyteFile(p, remote_path=os.path.join(DEST, "out", "copied.txt"))


    @task
    def read(f: FlyteFile) -> str:
        with open(f) as fh:
            return f"{fh.read()} arrived at destination={f.path == os.path.join(DEST, 'out', 'copied.txt')}"


    @workflow
    def wf(keep_local: bool) -> str:
        return look(directory=make_dir(keep_local=keep_local))


    @workflow
    def file_wf() -> str:
        return read(f=make_file())


    print("uploaded:", wf(keep_local=False))
    print("written at destination:", sorted(os.listdir(os.path.join(DEST, "dir"))))
    print("kept local:", wf(keep_local=True))
    print("file:", file_wf(), os.path.exists(os.path.join(DEST, "out", "copied.txt")))
    returned = make_dir(keep_local=False)
    print("task output is the destination:", returned.path == os.path.join(DEST, "dir"))
    print("arguments:", FlyteDirectory("/tmp", remote_directory=False).remote_directory,
          FlyteDirectory("/tmp", remote_directory="s3://bucket/x").remote_directory)
    '''
)

EXPECTED = [
    "dir given a destination: True",
    "uploaded: FlyteDirectory:sub FlyteFile:a.txt FlyteFile:b.txt A.TXT arrived at destination=True remote_directory=False",
    "written at destination: ['a.txt', 'b.txt', 'sub']",
    "kept local: FlyteDirectory:sub FlyteFile:a.txt FlyteFile:b.txt A.TXT arrived at destination=False remote_directory=False",
    "file: A arrived at destination=True True",
    "dir given a destination: True",
    "task output is the destination: True",
    "arguments: False s3://bucket/x",
]


def _run(python: str, tmp_path, name: str) -> list[str]:
    script = tmp_path / f"program_{name}.py"
    script.write_text(PROGRAM)
    env = {**os.environ, "TMPDIR": str(tmp_path), "FLYTE_HOME": str(tmp_path / f"home-{name}")}
    proc = subprocess.run([python, str(script)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [line for line in proc.stdout.splitlines() if line.split(":")[0] in {e.split(":")[0] for e in EXPECTED}]


def test_destinations_are_uploaded_and_passed_on_as_flytekit_does(tmp_path) -> None:
    assert _run(sys.executable, tmp_path, "shim") == EXPECTED


@pytest.mark.skipif(not os.path.exists(REAL_FLYTEKIT), reason=f"no real flytekit at {REAL_FLYTEKIT} (set FLYTEKIT_PYTHON)")
def test_the_real_flytekit_prints_the_same(tmp_path) -> None:
    assert _run(REAL_FLYTEKIT, tmp_path, "flytekit") == EXPECTED
