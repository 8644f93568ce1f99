"""flyte.extras.shell: a CLI tool as a typed task. Declarations are checked when the task is
created; a call runs the rendered bash (here on this machine: FLYTE_CONTAINER_RUNTIME=host) as an
action of the calling task, with values passed as arguments, never spliced into the script."""

from __future__ import annotations

import os
import pathlib
from typing import Optional

import pytest

import flyte
import flyte.errors
from flyte._cache import VersionParameters
from flyte._store import open_store
from flyte.extras import ContainerTask, shell
from flyte.extras.shell import FlagSpec, Glob, Stderr, Stdout
from flyte.io import Dir, File


@pytest.fixture(autouse=True)
def on_this_machine(monkeypatch):
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "host")


env = flyte.TaskEnvironment(name="shell_tests")

head = shell.create(
    name="head_lines",
    image="debian:12-slim",
    inputs={"src": File, "n": int},
    outputs={"out": File},
    script="head -n {inputs.n} {inputs.src} > {outputs.out}",
    cache="disable",
)


@env.task
async def first_lines(src: File, n: int) -> str:
    out = await head(src=src, n=n)
    async with out.open("rb") as fh:
        return (await fh.read()).decode()


def test_a_file_and_a_scalar_go_in_and_a_file_comes_out_as_a_recorded_action(tmp_path):
    src = tmp_path / "lines.txt"
    src.write_text("".join(f"line {i}\n" for i in range(1, 21)))
    run = flyte.run(first_lines, File.from_local_sync(str(src)), 3)
    assert run.outputs()[0] == "line 1\nline 2\nline 3\n"
    tasks = [a.task for a in open_store().list_actions(run.name).actions]
    assert "head_lines" in tasks and "shell_tests.first_lines" in tasks


echo = shell.create(
    name="echo_value",
    image="debian:12-slim",
    inputs={"msg": str},
    outputs={"out": Stdout(type=str), "err": Stderr(type=str)},
    script='echo got: {inputs.msg}; echo "to stderr" >&2',  # scalars arrive quoted: no quotes of our own
    cache="disable",
)


@env.task
async def echo_both(msg: str) -> tuple[str, str]:
    return await echo(msg=msg)


@pytest.mark.parametrize("value", ["it's", "$HOME", "`id`", "a\tb", "; rm -rf /tmp/nothing"])
def test_values_with_shell_specials_reach_the_tool_unchanged(value):
    out, err = flyte.run(echo_both, value).outputs()
    assert out == f"got: {value}\n"
    assert err == "to stderr\n"


splitter = shell.create(
    name="split_lines",
    image="debian:12-slim",
    inputs={"parts": list[File], "lines": int},
    outputs={"chunks": Glob("chunk_*")},
    script="cat {inputs.parts} | split -l {inputs.lines} - {outputs.chunks}/chunk_; touch {outputs.chunks}/other",
    cache="disable",
)


@env.task
async def split_all(parts: list[File], lines: int) -> list[str]:
    chunks = await splitter(parts=parts, lines=lines)
    return [f.name for f in chunks]


def test_a_glob_output_is_the_list_of_matching_files(tmp_path):
    parts = []
    for i in range(2):
        p = tmp_path / f"p{i}.txt"
        p.write_text("".join(f"{i}-{j}\n" for j in range(5)))
        parts.append(File.from_local_sync(str(p)))
    assert flyte.run(split_all, parts, 4).outputs()[0] == ["chunk_aa", "chunk_ab", "chunk_ac"]


flags = shell.create(
    name="show_flags",
    image="debian:12-slim",
    inputs={"verbose": bool, "threads": Optional[int], "title": str, "extra": dict[str, str],
            "refs": list[File], "opts": Optional[dict[str, str]]},
    outputs={"argv": Stdout(type=str)},
    flag_aliases={"threads": "--threads", "refs": ("-I", "repeat"), "opts": ("--set=", "equals"),
                  "title": FlagSpec(flag="--title=", separator="")},
    defaults={"title": "untitled"},
    script='printf "%s|" {flags.verbose} {flags.threads} {flags.title} {inputs.extra} {flags.refs} {flags.opts}',
    cache="disable",
)


@env.task
async def show(verbose: bool, threads: Optional[int], extra: dict[str, str], refs: list[File],
               opts: Optional[dict[str, str]]) -> str:
    return await flags(verbose=verbose, threads=threads, extra=extra, refs=refs, opts=opts)


def test_flags_are_spelled_as_declared_and_left_out_when_unset(tmp_path):
    (tmp_path / "a.bam").write_text("a")
    refs = [File.from_local_sync(str(tmp_path / "a.bam"))]
    out = flyte.run(show, True, 4, {"k": "v w"}, refs, {"x": "1"}).outputs()[0]
    words = out.split("|")[:-1]
    assert words[:6] == ["-verbose", "--threads", "4", "--title=untitled", "k", "v w"]
    assert words[6] == "-I" and words[7].endswith("/refs/a.bam")
    assert words[8:] == ["--set=x=1"]
    bare = flyte.run(show, False, None, {}, refs, None).outputs()[0].split("|")[:-1]
    assert bare[:2] == ["--title=untitled", "-I"] and len(bare) == 3  # unset flags are no words at all


failing = shell.create(
    name="fails",
    image="debian:12-slim",
    inputs={},
    outputs={"out": File},
    script="echo partial; echo 'cannot open input' >&2; exit 3",
    cache="disable",
)
silent = shell.create(name="writes_nothing", image="debian:12-slim", outputs={"out": File}, script="echo done",
                      cache="disable")


@env.task
async def call_failing() -> File:
    return await failing()


@env.task
async def call_silent() -> File:
    return await silent()


def test_a_failing_script_reports_its_exit_code_and_what_it_printed():
    with pytest.raises(Exception) as e:
        flyte.run(call_failing)
    assert "returncode=3" in str(e.value) and "cannot open input" in str(e.value) and "partial" in str(e.value)


def test_a_missing_output_names_it_and_shows_the_scripts_streams():
    with pytest.raises(Exception) as e:
        flyte.run(call_silent)
    assert "'out'" in str(e.value) and "returncode=0" in str(e.value) and "done" in str(e.value)


def test_a_tool_missing_on_this_machine_is_reported_with_the_image_that_would_have_it():
    tool = shell.create(name="needs_tool", image="quay.io/biocontainers/bedtools:2.31.1", outputs={"o": int},
                        script="bedtools-not-installed-here --version > {outputs.o}", cache="disable")

    @env.task
    async def call_tool() -> int:
        return await tool()

    with pytest.raises(Exception) as e:
        flyte.run(call_tool)
    assert "returncode=127" in str(e.value) and "bedtools:2.31.1" in str(e.value)


def test_a_timeout_kills_the_script(tmp_path):
    pid_file = tmp_path / "pid"
    slow = shell.create(name="slow", image="debian:12-slim", inputs={"pidfile": str}, outputs={"o": int},
                        script="echo $$ > {inputs.pidfile}; exec sleep 120", timeout=1, cache="disable")

    @env.task
    async def call_slow(pidfile: str) -> int:
        return await slow(pidfile=pidfile)

    with pytest.raises(flyte.errors.TaskTimeoutError):
        flyte.run(call_slow, str(pid_file))
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: the pid is gone
        os.kill(pid, 0)


def test_declarations_are_checked_when_the_task_is_created():
    base = {"name": "bad", "image": "alpine:3.18", "script": "true"}
    with pytest.raises(TypeError, match="Unsupported input type for 'x'"):
        shell.create(**base, inputs={"x": list[str]})
    with pytest.raises(TypeError, match="expected a bare type"):
        shell.create(**base, outputs={"o": list[File]})
    with pytest.raises(KeyError, match="not declared in inputs"):
        shell.create(**base, inputs={"a": File}, flag_aliases={"b": "-b"})
    with pytest.raises(TypeError, match="expected int, got bool"):
        shell.create(**base, inputs={"n": int}, defaults={"n": True})
    with pytest.raises(ValueError, match="redundant"):
        shell.create(**base, inputs={"n": Optional[int]}, defaults={"n": None})
    with pytest.raises(TypeError, match="image must be"):
        shell.create(name="bad", image=3, script="true")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Stdout\.type"):
        Stdout(type=list)
    with pytest.raises(KeyError, match="Stdout/Stderr"):
        shell.create(**{**base, "script": "echo > {outputs.o}"}, outputs={"o": Stdout()}).as_task()
    with pytest.raises(ValueError, match="Unrecognized placeholder"):
        shell.create(**{**base, "script": "echo {input.x}"}, inputs={"x": int}).as_task()
    with pytest.raises(TypeError, match="Missing required input: 'n'"):
        shell.create(**base, inputs={"n": int}).prepare_inputs({})


def test_editing_the_script_changes_the_cache_version_and_the_env_wraps_the_task():
    one = shell.create(name="v", image="debian:12-slim", outputs={"o": int}, script="echo 1 > {outputs.o}")
    two = shell.create(name="v", image="debian:12-slim", outputs={"o": int}, script="echo 2 > {outputs.o}")
    params = VersionParameters(func=None, image="debian:12-slim")
    assert one.as_task().cache.get_version(params) != two.as_task().cache.get_version(params)
    assert one.env is one.env and "v" in one.env.tasks and one.env.image.uri == "debian:12-slim"
    layout = one.as_task().data_loading_config(None)
    assert (layout.input_path, layout.output_path, layout.file_input_layout) == ("/var/inputs", "/var/outputs", 1)


def test_a_dir_input_is_read_in_place_and_a_dir_output_comes_back(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("A")
    (src / "b.txt").write_text("B")
    copy = shell.create(name="copy_tree", image="debian:12-slim", inputs={"d": Dir}, outputs={"out": Dir},
                        script="cp -r {inputs.d}/. {outputs.out}/", cache="disable")

    @env.task
    async def copy_it(d: Dir) -> list[str]:
        out = await copy(d=d)
        root = pathlib.Path(await out.download())
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert flyte.run(copy_it, Dir.from_local_sync(str(src))).outputs()[0] == ["b.txt", "sub/a.txt"]


def test_docker_required_and_missing_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "docker")
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker command at all
    task = ContainerTask(name="echo_n", image="alpine:3.19", command=["echo", "{{.inputs.x}}"], inputs={"x": int},
                         outputs={"o": int})
    with pytest.raises(Exception, match="docker command is not installed"):
        flyte.run(task, x=1)
    monkeypatch.setenv("FLYTE_CONTAINER_RUNTIME", "podman")
    with pytest.raises(Exception, match="FLYTE_CONTAINER_RUNTIME='podman'"):
        flyte.run(task, x=1)


def test_a_container_task_runs_on_this_machine_with_its_directories_staged(tmp_path):
    data = tmp_path / "numbers.txt"
    data.write_text("1\n2\n3\n")
    count = ContainerTask(
        name="count_lines", image="debian:12-slim", inputs={"data": File, "k": int},
        outputs={"lines": int, "label": str},
        command=["sh", "-c", "wc -l < /var/inputs/data > /var/outputs/lines; echo k={{.inputs.k}} > /var/outputs/label"],
    )
    lines, label = flyte.run(count, data=File.from_local_sync(str(data)), k=7).outputs()
    assert (lines, label) == (3, "k=7\n")
    assert count.data_loading_config(None).file_input_layout == 0  # DIRECT: the file itself at /var/inputs/data
