"""ShellTask, RawShellTask and get_raw_shell_task: scripts run as real subprocesses, templated
with the task's inputs and outputs as flytekit templates them."""

import datetime
import os

import pytest
from flytekit.exceptions.user import FlyteRecoverableException
from flytekit.extras.tasks.shell import (
    OutputLocation,
    RawShellTask,
    ShellTask,
    get_raw_shell_task,
    subproc_execute,
)
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flytekit import TaskMetadata, kwtypes, task, workflow

write_words = ShellTask(
    name="write_words",
    script="""
    set -e
    mkdir -p {inputs.folder}
    printf '%s\\n' {inputs.first} {inputs.second} > {outputs.listing}
    """,
    inputs=kwtypes(folder=FlyteDirectory, first=str, second=str),
    output_locs=[OutputLocation(var="listing", var_type=FlyteFile, location="{inputs.folder}/words.txt")],
)

count_lines = ShellTask(
    name="count_lines",
    script="""
    wc -l < {inputs.listing} | tr -d ' ' > {outputs.count}
    cp {inputs.listing} {outputs.copy}
    """,
    inputs=kwtypes(listing=FlyteFile),
    output_locs=[
        OutputLocation(var="count", var_type=FlyteFile, location="{inputs.listing}.count"),
        OutputLocation(var="copy", var_type=FlyteFile, location="{inputs.listing}.copy"),
    ],
)


@task
def read_text(f: FlyteFile) -> str:
    with open(f) as fh:
        return fh.read()


@workflow
def words_wf(folder: FlyteDirectory, first: str, second: str) -> tuple[str, str]:
    listing = write_words(folder=folder, first=first, second=second)
    count, copy = count_lines(listing=listing)
    return read_text(f=count), read_text(f=copy)


def test_scripts_run_in_a_workflow_with_templated_inputs_and_outputs(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    count, copy = words_wf(folder=FlyteDirectory(str(folder)), first="alpha", second="beta")
    assert count.strip() == "2"
    assert copy == "alpha\nbeta\n"
    # the output location was the template `{inputs.folder}/words.txt`: the script really wrote there
    assert (folder / "words.txt").read_text() == "alpha\nbeta\n"


def test_a_task_called_alone_returns_its_output_file(tmp_path):
    (tmp_path / "in.txt").write_text("one\ntwo\nthree\n")
    count, copy = count_lines(listing=FlyteFile(str(tmp_path / "in.txt")))
    assert isinstance(count, FlyteFile) and isinstance(copy, FlyteFile)
    assert open(count).read().strip() == "3"
    assert os.fspath(count) == str(tmp_path / "in.txt.count")


stamp = ShellTask(
    name="stamp",
    debug=True,
    script="echo {inputs.when} {inputs.n} > {outputs.out}; echo ran in $(pwd)",
    inputs=kwtypes(when=datetime.datetime, n=int),
    output_locs=[OutputLocation(var="out", var_type=FlyteFile, location="{ctx.working_directory}/stamp.txt")],
)


def test_datetimes_are_written_in_iso_form_and_debug_prints_the_script(capsys):
    out = stamp(when=datetime.datetime(2024, 5, 6, 7, 8, 9), n=3)
    # a naive datetime input is a UTC timestamp by the time the script sees it, as in flytekit
    assert open(out).read() == "2024-05-06T07:08:09+00:00 3\n"
    printed = capsys.readouterr().out
    assert "echo 2024-05-06T07:08:09+00:00 3 >" in printed  # the rendered script, shown with debug=True
    assert "ran in " in printed  # the script's own stdout is echoed


failing = ShellTask(
    name="failing",
    script="echo partial; echo broken >&2; exit 3",
    inputs=kwtypes(x=int),
)


def test_a_failing_script_raises_a_recoverable_error_with_its_exit_code_and_output():
    with pytest.raises(FlyteRecoverableException) as e:
        failing(x=1)
    text = str(e.value)
    assert "return-code 3" in text
    assert "StdOut: partial" in text
    assert "StdErr: broken" in text


flaky = ShellTask(
    name="flaky",
    metadata=TaskMetadata(retries=2),
    script="""
    n=$(cat {inputs.counter} 2>/dev/null || echo 0)
    echo $((n + 1)) > {inputs.counter}
    [ $n -ge 1 ]
    """,
    inputs=kwtypes(counter=str),
)


def test_retries_rerun_a_failed_script(tmp_path):
    counter = tmp_path / "attempts"
    flaky(counter=str(counter))
    assert counter.read_text().strip() == "2"  # failed once, then succeeded


def test_a_script_file_is_read_when_the_task_runs(tmp_path):
    script = tmp_path / "job.sh"
    script.write_text("echo from-file-{inputs.tag} > {outputs.out}\n")
    t = ShellTask(name="from_file", script_file=str(script), inputs=kwtypes(tag=str),
                  output_locs=[OutputLocation(var="out", var_type=FlyteFile, location=str(tmp_path / "o.txt"))])
    assert t.script_file == str(script)
    assert open(t(tag="x")).read() == "from-file-x\n"


def test_missing_template_variables_name_the_variable():
    t = ShellTask(name="missing_var", script="echo {nope}", inputs=kwtypes(x=int))
    with pytest.raises(ValueError, match="Variable 'nope' in Query not found"):
        t(x=1)
    t = ShellTask(name="missing_input", script="echo {inputs.nope}", inputs=kwtypes(x=int))
    with pytest.raises(AttributeError, match="'nope'"):  # an unknown input, as flytekit reports it
        t(x=1)


@pytest.mark.parametrize("kwargs, message", [
    ({"script": "echo", "script_file": "x.sh"}, "Only either of script or script_file"),
    ({}, "Either a script or script_file is needed"),
    ({"script_file": "/no/such/script.sh"}, "FileNotFound: the specified Script file at path /no/such/script.sh"),
    ({"script": "echo", "output_locs": [OutputLocation(var="o", var_type=int, location="x")]},
     "only outputs of type FlyteFile/FlyteDirectory"),
    ({"script": "echo", "output_locs": ["o"]}, "should be an output location"),
    ({"script": "echo", "task_config": object()}, "TaskConfig can either be empty"),
])
def test_definition_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ShellTask(name="bad", **kwargs)


def test_raw_shell_task_exports_env_passes_arguments_and_returns_its_working_directory(tmp_path):
    script = tmp_path / "raw.sh"
    script.write_text('echo "$GREETING $1 $2" > greeting.txt\n')
    raw = get_raw_shell_task("raw")
    assert isinstance(raw, RawShellTask)
    out = raw(env={"GREETING": "hello"}, script_args="big world", script_file=str(script))
    assert isinstance(out, FlyteDirectory)
    assert open(os.path.join(out.path, "greeting.txt")).read() == "hello big world\n"


def test_raw_shell_task_failure_is_the_subprocess_error(tmp_path):
    script = tmp_path / "fails.sh"
    script.write_text("exit 7\n")
    import subprocess

    with pytest.raises(subprocess.CalledProcessError) as e:
        get_raw_shell_task("raw_fail")(env={}, script_args="", script_file=str(script))
    assert e.value.returncode == 7


def test_subproc_execute():
    done = subproc_execute(["sh", "-c", "echo out; echo err >&2"])
    assert (done.returncode, done.output, done.error) == (0, "out\n", "err\n")
    with pytest.raises(RuntimeError, match="Failed with return code 4"):
        subproc_execute(["sh", "-c", "exit 4"])
    with pytest.raises(RuntimeError, match="executable could not be found"):
        subproc_execute(["no-such-executable-here"])
