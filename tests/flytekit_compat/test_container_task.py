"""ContainerTask: the container's command line, mounts and outputs as flytekit builds them, run
through the `docker` command; without docker (this machine has no engine) a clear error.

A stand-in `docker` executable (a small script put first on PATH) plays the engine where the
tests need one: it records its arguments and runs the command on this machine with the mounted
directories mapped back to their sources, or fails as a docker without a reachable engine does.
"""

import datetime
import json
import os
import stat
import sys
import textwrap

import pytest
from flytekit.core.container_task import ContainerError
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flytekit import ContainerTask, kwtypes, task, workflow

FAKE_DOCKER = textwrap.dedent(f"""\
    #!{sys.executable}
    import json, os, subprocess, sys
    argv = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as f:
        f.write(json.dumps(argv) + "\\n")
    if os.environ.get("FAKE_DOCKER_DOWN"):
        print("docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
              "Is the docker daemon running?.", file=sys.stderr)
        sys.exit(125)
    assert argv[:2] == ["run", "--rm"], argv
    i, mounts, env = 2, {{}}, dict(os.environ)
    while argv[i] in ("-v", "-e"):
        if argv[i] == "-v":
            src, dst, _mode = argv[i + 1].rsplit(":", 2)
            mounts[dst] = src
        else:
            k, v = argv[i + 1].split("=", 1)
            env[k] = v
        i += 2
    image, command = argv[i], argv[i + 1:]

    def local(word):
        for dst, src in sorted(mounts.items(), key=lambda m: -len(m[0])):
            if word == dst or word.startswith(dst + "/"):
                return src + word[len(dst):]
        return word

    env["OUT"] = mounts.get("/var/outputs", "")
    sys.exit(subprocess.call([local(w) for w in command], env=env))
""")


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "docker"
    exe.write_text(FAKE_DOCKER)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


ellipse = ContainerTask(
    name="ellipse",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float, label=str, big=bool, took=datetime.timedelta),
    image="example.org/ellipse:v1",
    command=[
        "sh", "-c",
        'python3 -c "print(3.14159 * $0 * $1, end=str())" '
        '> $OUT/area; printf ellipse > $OUT/label; printf False > $OUT/big; printf "1 day, 0:00:02" > $OUT/took',
        "{{.inputs.a}}", "{{.inputs.b}}",
    ],
)


def test_inputs_fill_the_command_and_outputs_are_read_back_typed(fake_docker):
    area, label, big, took = ellipse(a=3.0, b=4.0)
    assert area == pytest.approx(3.14159 * 12)
    assert (label, big, took) == ("ellipse", False, datetime.timedelta(days=1, seconds=2))
    (argv,) = fake_docker()
    assert argv[-2:] == ["3.0", "4.0"]  # {{.inputs.a}}, {{.inputs.b}}
    assert "example.org/ellipse:v1" in argv
    mount = argv[argv.index("-v") + 1]
    assert mount.endswith(":/var/outputs:rw")


@task
def make_text() -> FlyteFile:
    from flytekit import current_context

    p = os.path.join(current_context().working_directory, "in.txt")
    with open(p, "w") as f:
        f.write("through the container")
    return FlyteFile(p)


copy_into_dir = ContainerTask(
    name="copy_into_dir",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(src=FlyteFile),
    outputs=kwtypes(out=FlyteDirectory),
    image="example.org/tools:v1",
    command=["sh", "-c", 'mkdir -p "$OUT/out" && cp "$0" "$OUT/out/copied.txt"', "/var/inputs/src"],
)


@workflow
def through_container() -> FlyteDirectory:
    return copy_into_dir(src=make_text())


def test_file_inputs_are_mounted_and_directory_outputs_returned_in_a_workflow(fake_docker):
    out = through_container()
    assert isinstance(out, FlyteDirectory)
    assert open(os.path.join(out.path, "copied.txt")).read() == "through the container"
    (argv,) = fake_docker()
    assert "/var/inputs/src" in argv  # the command names the mount point, not the local path
    mounts = [argv[i + 1] for i, a in enumerate(argv) if a == "-v"]
    assert any(m.endswith("in.txt:/var/inputs/src:rw") for m in mounts)


def test_template_syntax_for_a_file_input_is_refused_before_anything_runs(fake_docker, tmp_path):
    bad = ContainerTask(
        name="bad_syntax", input_data_dir="/var/inputs", output_data_dir="/var/outputs",
        inputs=kwtypes(src=FlyteFile), image="example.org/tools:v1", command=["cat", "{{.inputs.src}}"],
    )
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(AssertionError, match="should not use the template syntax"):
        bad(src=FlyteFile(str(tmp_path / "f.txt")))
    assert fake_docker() == []


def test_without_docker_the_error_says_so(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ContainerError) as e:
        ellipse(a=1.0, b=2.0)
    message = str(e.value)
    assert "'ellipse'" in message and "example.org/ellipse:v1" in message
    assert "docker command is not installed" in message


def test_an_unreachable_engine_is_named(fake_docker, monkeypatch):
    monkeypatch.setenv("FAKE_DOCKER_DOWN", "1")
    with pytest.raises(ContainerError, match=r"is the docker engine running and reachable.*Cannot connect"):
        ellipse(a=1.0, b=2.0)


def test_a_failing_container_reports_its_exit_code_and_stderr(fake_docker):
    failing = ContainerTask(name="failing_container", image="example.org/tools:v1", output_data_dir="/var/outputs",
                            outputs=kwtypes(x=int), command=["sh", "-c", "echo oops >&2; exit 9"])
    with pytest.raises(ContainerError, match="exited with code 9: oops"):
        failing()


def test_a_missing_output_file_is_named(fake_docker):
    silent = ContainerTask(name="silent", image="example.org/tools:v1", output_data_dir="/var/outputs",
                           outputs=kwtypes(x=int), command=["true"])
    with pytest.raises(ContainerError, match=r"did not write output 'x'.*/var/outputs/x"):
        silent()


def test_resources_are_validated_at_definition():
    from flytekit import Resources

    with pytest.raises(ValueError, match="can not be used together"):
        ContainerTask(name="r", image="i", command=["true"], resources=Resources(cpu="1"), limits=Resources(cpu="2"))
