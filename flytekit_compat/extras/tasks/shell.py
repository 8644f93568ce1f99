"""`ShellTask`, `RawShellTask`, `get_raw_shell_task`: tasks whose body is a shell script.

The script is a Python format string: `{inputs.x}`, `{outputs.y}` and `{ctx.working_directory}`
are replaced before it runs (a FlyteFile or FlyteDirectory by its local path, fetched first if it
is remote; a datetime by its ISO form). It runs as a real subprocess under the task's shell, in
the process's working directory; a non-zero exit fails the task with the exit code, the script's
output and the directory listing, as a recoverable error (so `retries` retry it). Outputs are
files or directories at the locations `OutputLocation`s name, themselves templates over the
inputs.
"""

from __future__ import annotations

import datetime
import logging
import os
import string
import subprocess
import typing
from dataclasses import dataclass
from typing import Any, Optional, Union

from ..._interface import Interface
from ..._python_task import PythonTask
from ...exceptions.user import FlyteRecoverableException
from ...types.directory import FlyteDirectory
from ...types.file import FlyteFile

logger = logging.getLogger("flytekit")


@dataclass
class ProcessResult:
    """Exit code, standard output and standard error of a finished subprocess."""

    returncode: int
    output: str
    error: str


@dataclass
class OutputLocation:
    """Where output `var` (a FlyteFile or FlyteDirectory type) is found after the script ran;
    `location` may use the inputs, e.g. `"{inputs.src}.tar.gz"`."""

    var: str
    var_type: type
    location: Union[os.PathLike, str]


def subproc_execute(command: Union[list[str], str], **kwargs: Any) -> ProcessResult:
    """Run `command`, capture its output, and raise RuntimeError (with stderr) if it fails or
    its executable does not exist."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "check": True, **kwargs}
    if options.get("shell"):
        if "|" in command:
            logger.warning("Found a pipe in the command and shell=True: a failure before the last command of the "
                           "pipe goes unnoticed when later ones succeed.")
        if isinstance(command, list):
            logger.warning("Found `command` as a list with shell=True: only its first item is the command; the "
                           "others become arguments of the shell itself.")
    try:
        done = subprocess.run(command, **options)
        done.check_returncode()
        return ProcessResult(done.returncode, done.stdout, done.stderr)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"Command: {e.cmd}\nFailed with return code {e.returncode}:\n{e.stderr}") from None
    except FileNotFoundError as e:
        raise RuntimeError(
            "Process failed because the executable could not be found. Did you specify a container image in the "
            f"task definition if using custom dependencies?\n{e}"
        ) from None


class AttrDict(dict):
    """A dict whose keys are also attributes (`inputs.x` in a script template)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.__dict__ = self


class _ScriptFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, (FlyteFile, FlyteDirectory)):
            return value.download()
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        return super().format_field(value, format_spec)


class _PythonFStringInterpolizer:
    """Fills `{inputs.x}`, `{outputs.y}` and `{ctx...}` in a script or a location."""

    def interpolate(self, tmpl: str, inputs: Optional[dict[str, Any]] = None,
                    outputs: Optional[dict[str, Any]] = None) -> str:
        from ..._context import current_context

        args = {"inputs": AttrDict(inputs or {}), "outputs": AttrDict(outputs or {}), "ctx": current_context()}
        try:
            return _ScriptFormatter().format(tmpl, **args)
        except KeyError as e:
            raise ValueError(f"Variable {e} in Query not found in inputs {args.keys()}") from None


def _run_script(script: str, shell: str) -> ProcessResult:
    """Run `script` with `shell`; its stdout is echoed line by line and returned joined."""
    proc = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, shell=True, text=True,
                            executable=shell)
    stdout, stderr = proc.communicate()
    lines = stdout.splitlines()
    for line in lines:
        print(line)
    return ProcessResult(proc.returncode, "".join(lines), stderr)


def _dir_listing() -> str:
    try:
        return "\n-".join(os.listdir("."))
    except OSError as e:
        return f"(cannot list: {e})"


class ShellTask(PythonTask):
    """A task that runs a shell script (see the module docstring for the templating)."""

    def __init__(self, name: str, debug: bool = False, script: Optional[str] = None, script_file: Optional[str] = None,
                 task_config: Any = None, shell: str = "/bin/sh", inputs: Optional[dict[str, type]] = None,
                 output_locs: Optional[list[OutputLocation]] = None, **kwargs: Any):
        if script and script_file:
            raise ValueError("Only either of script or script_file can be provided")
        if not script and not script_file:
            raise ValueError("Either a script or script_file is needed")
        if script_file:
            if not os.path.exists(script_file):
                raise ValueError(f"FileNotFound: the specified Script file at path {script_file} cannot be loaded")
            script_file = os.path.abspath(script_file)
        if task_config is not None:
            qualified = f"{type(task_config).__module__}.{type(task_config).__name__}"
            if qualified != "flytekitplugins.pod.task.Pod":
                raise ValueError("TaskConfig can either be empty - indicating simple container task or a PodConfig.")
        self._script = script
        self._script_file = script_file
        self._debug = debug
        self._shell = shell
        self._output_locs = list(output_locs or [])
        self._interpolizer = _PythonFStringInterpolizer()
        self._process_result: Optional[ProcessResult] = None
        outputs = self._validate_output_locs()
        super().__init__("python-task", name, task_config, interface=Interface(inputs, outputs), **kwargs)
        # The task is defined where ShellTask(...) is called, which is what its flyte environment is named after.
        self._module = _caller_module()

    def _validate_output_locs(self) -> dict[str, type]:
        outputs: dict[str, type] = {}
        for loc in self._output_locs:
            if loc is None:
                raise ValueError("OutputLocation cannot be none")
            if not isinstance(loc, OutputLocation):
                raise ValueError("Every output type should be an output location on the file-system")
            if loc.location is None:
                raise ValueError(f"Output Location not provided for output var {loc.var}")
            if not (isinstance(loc.var_type, type) and issubclass(loc.var_type, (FlyteFile, FlyteDirectory))):
                raise ValueError(
                    "Currently only outputs of type FlyteFile/FlyteDirectory and their derived types are supported"
                )
            outputs[loc.var] = loc.var_type
        return outputs

    @property
    def result(self) -> Optional[ProcessResult]:
        """The last run's exit code and output (in the process that ran it)."""
        return self._process_result

    @property
    def script(self) -> Optional[str]:
        return self._script

    @property
    def script_file(self) -> Optional[str]:
        return self._script_file

    def _load_script(self) -> str:
        if self._script_file:
            with open(self._script_file) as f:
                self._script = f.read()
        assert self._script is not None
        script = self._script
        if os.name == "nt":
            script = script.strip().replace("\n", "&&")
        return script

    def _output_paths(self, inputs: dict[str, Any]) -> dict[str, str]:
        return {loc.var: self._interpolizer.interpolate(os.fspath(loc.location), inputs=inputs)
                for loc in self._output_locs}

    def _render(self, script: str, inputs: dict[str, Any], outputs: dict[str, str]) -> str:
        rendered = self._interpolizer.interpolate(script, inputs=inputs, outputs=outputs)
        if self._debug:
            print("\n==============================================\n")
            print(rendered)
            print("\n==============================================\n")
        return rendered

    def _collect(self, outputs: dict[str, str]) -> Any:
        values = [loc.var_type(outputs[loc.var]) for loc in self._output_locs]
        if not values:
            return None
        return values[0] if len(values) == 1 else tuple(values)

    def execute(self, **kwargs: Any) -> Any:
        logger.info("Running shell script as type %s", self.task_type)
        script = self._load_script()
        outputs = self._output_paths(kwargs)
        rendered = self._render(script, kwargs, outputs)
        self._process_result = result = _run_script(rendered, self._shell)
        if result.returncode != 0:
            error = (
                f"Failed to Execute Script, return-code {result.returncode} \n"
                f"Current directory contents: .\n-{_dir_listing()}\n"
                f"StdOut: {result.output}\n"
                f"StdErr: {result.error}\n"
            )
            logger.error(error)
            raise FlyteRecoverableException(error)
        return self._collect(outputs)


class RawShellTask(ShellTask):
    """A ShellTask whose template exports an `env` input as variables and runs a script named by
    an input (made by `get_raw_shell_task`); the script's exit status is checked directly."""

    @staticmethod
    def make_export_string_from_env_dict(d: dict[str, str]) -> str:
        return "\n".join(f"export {k}={v}" for k, v in d.items())

    def execute(self, **kwargs: Any) -> Any:
        logger.info("Running shell script as type %s", self.task_type)
        script = self._load_script()
        outputs = self._output_paths(kwargs)
        if isinstance(kwargs.get("env"), dict):
            kwargs["export_env"] = self.make_export_string_from_env_dict(kwargs["env"])
        rendered = self._render(script, kwargs, outputs)
        try:
            subprocess.check_call(rendered, shell=True)
        except subprocess.CalledProcessError as e:
            logger.error(f"Failed to Execute Script, return-code {e.returncode} \n"
                         f" Current directory contents: .\n-{_dir_listing()}")
            raise
        return self._collect(outputs)


_RAW_TEMPLATE = """
#!/bin/bash

set -uex

cd {ctx.working_directory}

{inputs.export_env}

bash {inputs.script_file} {inputs.script_args}
"""


def get_raw_shell_task(name: str) -> RawShellTask:
    """A RawShellTask with inputs `env` (exported), `script_args` and `script_file`, whose output
    `out` is the task's working directory (where the script ran)."""
    task = RawShellTask(
        name=name,
        debug=True,
        inputs={"env": typing.Dict[str, str], "script_args": str, "script_file": str},
        output_locs=[OutputLocation(var="out", var_type=FlyteDirectory, location="{ctx.working_directory}")],
        script=_RAW_TEMPLATE,
    )
    task._module = _caller_module()
    return task


def _caller_module() -> str:
    """The first module on the stack outside this one (where the task is defined)."""
    import sys

    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_globals.get("__name__", "__main__") if frame is not None else "__main__"


__all__ = ["AttrDict", "OutputLocation", "ProcessResult", "RawShellTask", "ShellTask", "get_raw_shell_task",
           "subproc_execute"]
