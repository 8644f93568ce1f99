"""`ContainerTask`: a task whose body is a container image's command.

Inputs are named and typed (`inputs={"n": int, "data": File}`), and so are outputs. Scalars can
be written into the command as `{{.inputs.n}}`; a `File`/`Dir` input is found at
`<input_data_dir>/<name>` (a `list[File]` as a directory of them; with
`file_input_layout="NAMED_DIR"` a File too, under its own name); the command writes each output
to `<output_data_dir>/<name>` (a scalar as text, a File or Dir as itself), and the task returns
them in declaration order.

Where the command runs locally (`FLYTE_CONTAINER_RUNTIME`):

- `docker`: in the image, with the `docker` command (`docker run --rm -v ...`), as the SDK's
  local mode does (the SDK uses docker's Python client; a missing or unreachable engine is an
  error that says so);
- `host`: on this machine, in a subprocess, with the input and output directories staged in a
  scratch directory and their paths in the command rewritten to it. The image is not used: its
  tools must be installed here (a command that is not found says so);
- `auto` (the default): docker when its engine answers, else the host, with a warning that names
  the image. The SDK's local mode cannot run a container task at all without docker.

A backend runs the same task as a pod; `data_loading_config` is what it is told.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import inspect
import json
import logging
import os
import pathlib
import re
import shutil
import signal
import subprocess
import typing
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Dict, List, Literal, Optional, Tuple, Type, Union

from .. import storage
from .._cache import FunctionBodyPolicy, VersionParameters, cache_from_request
from .._interface import TaskInterface
from .._task import AsyncFunctionTaskTemplate
from ..errors import RuntimeUserError
from ..io import Dir, File
from ..models import NativeInterface

logger = logging.getLogger("flyte")

_TEMPLATE = re.compile(r"\{\{\.inputs\.([A-Za-z0-9_]+)\}\}")
_RUNTIMES = ("auto", "docker", "host")


class ContainerError(RuntimeUserError):
    """docker is missing or cannot run the image, the command failed, or an output is missing."""

    def __init__(self, message: str):
        super().__init__("ContainerError", message)


@dataclass(frozen=True)
class DataLoadingConfig:
    """Where a backend stages a container task's inputs and collects its outputs, with the SDK's
    field names and enum values (those of flyteidl2's `DataLoadingConfig` message)."""

    JSON: ClassVar[int] = 0
    YAML: ClassVar[int] = 1
    PROTO: ClassVar[int] = 2
    DIRECT: ClassVar[int] = 0
    NAMED_DIR: ClassVar[int] = 1

    input_path: str
    output_path: str
    enabled: bool = True
    format: int = 0
    file_input_layout: int = 0


@dataclass(frozen=True)
class ProcessOutcome:
    """One run of a container task's command: how it ended and where its outputs are."""

    returncode: int
    stdout: str
    stderr: str
    outputs_dir: pathlib.Path
    host_image: Optional[str] = None  # the image not used, when the command ran on this machine

    def hint(self, returncode: int) -> str:
        """Why a command may be missing: it ran here, not in its image (exit code 127)."""
        if returncode != 127 or self.host_image is None:
            return ""
        return (f"\n(the command ran on this machine, not in the image {self.host_image!r} that would provide the "
                "tool: start a docker engine, or install the tool here)")


class ContainerSpecPolicy:
    """The cache version of a container task: what it runs (image, command, arguments, data
    directories and layouts), since it has no Python function body to hash. Editing the command
    or changing the image misses the cache; env vars do not count, as for function tasks."""

    def __init__(self, spec: Dict[str, Any]):
        self._spec = spec

    def get_version(self, salt: str, params: VersionParameters) -> str:
        image = params.image
        ident = image if isinstance(image, str) or image is None else getattr(image, "uri", repr(image))
        body = json.dumps({"image": ident, **self._spec}, sort_keys=True, default=str)
        return hashlib.sha256((body + salt).encode()).hexdigest()


def _body_for(task: ContainerTask, inputs: Dict[str, Type], outputs: Dict[str, Type],
              defaults: Optional[Dict[str, Any]] = None) -> Any:
    """An async function with the task's typed signature (inputs with a value in `defaults` are
    optional) whose body runs the container. Several outputs come back as a NamedTuple (so they
    keep their declared names), one as itself."""
    defaults = defaults or {}
    result_type: Any = None
    if len(outputs) > 1:
        result_type = typing.NamedTuple(f"{task.name.replace('.', '_').replace('-', '_')}_outputs",  # type: ignore[misc, no-redef]
                                        list(outputs.items()))
    elif outputs:
        result_type = next(iter(outputs.values()))

    async def run_container(**kwargs: Any) -> Any:
        values = await task.execute(**kwargs)
        if len(outputs) > 1:
            return result_type(*values)
        return values[0] if outputs else None

    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=t,
                                default=defaults.get(k, inspect.Parameter.empty)) for k, t in inputs.items()]
    run_container.__signature__ = inspect.Signature(params, return_annotation=result_type)  # type: ignore[attr-defined]
    run_container.__annotations__ = {**inputs, "return": result_type}
    run_container.__name__ = run_container.__qualname__ = task.name.rsplit(".", 1)[-1].replace("-", "_")
    return run_container


class ContainerInterface(TaskInterface):
    """A container task's interface: its outputs keep their declared names in the SDK's view
    (`task.interface.outputs == {"result": int}`, where a function's single output is `o0`)."""

    def __init__(self, func: Any, outputs: Dict[str, Type]):
        super().__init__(func)
        self.declared_outputs = dict(outputs)

    def native(self) -> NativeInterface:
        native = self.__dict__.get("_native")
        if native is None:
            native = super().native()
            native = self.__dict__["_native"] = NativeInterface(native.inputs, dict(self.declared_outputs))
        return native


_docker_answers: Optional[bool] = None


def _docker_engine_answers() -> bool:
    """Whether `docker info` reaches an engine (asked once per process)."""
    global _docker_answers
    if _docker_answers is None:
        docker = shutil.which("docker")
        if docker is None:
            _docker_answers = False
        else:
            try:
                proc = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                                      text=True, timeout=20)
                _docker_answers = proc.returncode == 0 and bool(proc.stdout.strip())
            except (OSError, subprocess.TimeoutExpired):
                _docker_answers = False
    return _docker_answers


def container_runtime() -> str:
    """`docker` or `host`: where container tasks run in this process (see the module docstring)."""
    chosen = os.environ.get("FLYTE_CONTAINER_RUNTIME", "auto").strip().lower() or "auto"
    if chosen not in _RUNTIMES:
        raise ContainerError(f"FLYTE_CONTAINER_RUNTIME={chosen!r}: expected one of {', '.join(_RUNTIMES)}")
    if chosen == "auto":
        return "docker" if _docker_engine_answers() else "host"
    return chosen


_warned_host: set[str] = set()


class ContainerTask(AsyncFunctionTaskTemplate):
    """A task that runs `command` (+ `arguments`) in `image` (see the module docstring)."""

    MetadataFormat = Literal["JSON", "YAML", "PROTO"]
    # False for a task whose point is isolation (a sandbox): it needs docker even in host mode
    runs_on_host: bool = True

    def __init__(self, name: str, image: Union[str, Any], command: List[str], inputs: Optional[Dict[str, Type]] = None,
                 arguments: Optional[List[str]] = None, outputs: Optional[Dict[str, Type]] = None,
                 input_data_dir: Union[str, pathlib.Path] = "/var/inputs",
                 output_data_dir: Union[str, pathlib.Path] = "/var/outputs",
                 metadata_format: MetadataFormat = "JSON", local_logs: bool = True,
                 file_input_layout: Literal["DIRECT", "NAMED_DIR"] = "DIRECT", **kwargs: Any):
        if command and any(not isinstance(c, str) for c in command):
            raise ValueError("All elements in the command list must be strings.")
        if arguments and any(not isinstance(a, str) for a in arguments):
            raise ValueError("All elements in the arguments list must be strings.")
        if metadata_format not in ("JSON", "YAML", "PROTO"):
            raise ValueError(f"metadata_format must be JSON, YAML or PROTO, got {metadata_format!r}")
        if file_input_layout not in ("DIRECT", "NAMED_DIR"):
            raise ValueError(f"file_input_layout must be DIRECT or NAMED_DIR, got {file_input_layout!r}")
        self._cmd = list(command or [])
        self._args = list(arguments or [])
        self._inputs = dict(inputs or {})
        self._outputs = dict(outputs or {})
        self._input_data_dir = pathlib.Path(input_data_dir)
        self._output_data_dir = pathlib.Path(output_data_dir)
        self._metadata_format = metadata_format
        self._file_input_layout = file_input_layout
        self.local_logs = local_logs
        kwargs.setdefault("task_type", "raw-container")
        cache = cache_from_request(kwargs.get("cache", "disable"))
        if cache.behavior == "auto":
            # a container task has no function body to version by: version it by what it runs
            kept = [p for p in (cache.policies or []) if not isinstance(p, FunctionBodyPolicy)]  # type: ignore[union-attr]
            spec = {"command": self._cmd, "args": self._args, "input_data_dir": str(self._input_data_dir),
                    "output_data_dir": str(self._output_data_dir), "metadata_format": metadata_format,
                    "file_input_layout": file_input_layout}
            kwargs["cache"] = replace(cache, policies=[ContainerSpecPolicy(spec), *kept])
        self.name = name  # _body_for names the function after it
        func = _body_for(self, self._inputs, self._outputs)
        super().__init__(name=name, interface=ContainerInterface(func, self._outputs), func=func, image=image,
                         **kwargs)

    # -- the interface, replaceable as in the SDK ------------------------------------------------------

    @property  # type: ignore[override]
    def interface(self) -> TaskInterface:
        return self.__dict__["interface"]  # type: ignore[no-any-return]

    @interface.setter
    def interface(self, value: Any) -> None:
        """Take a `NativeInterface` as the SDK's tasks do (`task.interface = NativeInterface(...)`,
        how a sandbox gives its script input a default): its inputs must be this task's declared
        inputs; their defaults are honoured on calls, and the outputs stay the declared ones."""
        if isinstance(value, TaskInterface):
            self.__dict__["interface"] = value
            return
        if not isinstance(value, NativeInterface):
            raise TypeError(f"ContainerTask {self.name!r}: interface must be a flyte.models.NativeInterface, "
                            f"got {type(value).__name__}")
        if list(value.inputs) != list(self._inputs):
            raise ValueError(f"ContainerTask {self.name!r}: the interface's inputs {list(value.inputs)} are not the "
                             f"task's declared inputs {list(self._inputs)}")
        if dict(value.outputs) != self._outputs:
            raise ValueError(f"ContainerTask {self.name!r}: the interface's outputs {dict(value.outputs)} are not the "
                             f"task's declared outputs {self._outputs}")
        defaults = {k: d for k, (_, d) in value.inputs.items() if d is not inspect.Parameter.empty}
        func = _body_for(self, self._inputs, self._outputs, defaults)
        self.func = func
        self.__dict__["interface"] = ContainerInterface(func, self._outputs)
        self._rt = None  # the next call binds with the new defaults

    # -- what the command gets ----------------------------------------------------------------------

    def _container_path(self, name: str) -> str:
        return os.path.join(str(self._input_data_dir), name)

    def render_command(self, **inputs: Any) -> List[str]:
        """The command and arguments with `{{.inputs.x}}` filled in (booleans as true/false).
        A File or Dir is referred to by its path (`/var/inputs/x`), not by template."""
        return self._fill([*self._cmd, *self._args], inputs)

    def _fill(self, parts: List[str], inputs: Dict[str, Any]) -> List[str]:
        rendered = []
        for part in parts:
            def fill(m: re.Match) -> str:
                key = m.group(1)
                if key not in inputs:
                    raise ValueError(f"ContainerTask {self.name!r}: the command refers to input {key!r}, which "
                                     f"is not one of its inputs {sorted(self._inputs)}")
                value = inputs[key]
                if isinstance(value, (File, Dir)):
                    raise ValueError(f"ContainerTask {self.name!r}: refer to the File/Dir input {key!r} by its path "
                                     f"{self._container_path(key)}, not as {{{{.inputs.{key}}}}}")
                return str(value).lower() if isinstance(value, bool) else str(value)

            rendered.append(_TEMPLATE.sub(fill, part))
        return rendered

    def mounts(self, outputs_dir: str, **inputs: Any) -> Dict[str, str]:
        """host path -> container path for every File, Dir and list[File] input, and the outputs.
        A `None` (an optional input left out) is not mounted."""
        binds: Dict[str, str] = {}
        for key, value in inputs.items():
            target = self._container_path(key)
            if isinstance(value, File):
                if self._file_input_layout == "NAMED_DIR":
                    binds[self._stage([value])] = target
                else:
                    binds[value.download_sync()] = target
            elif isinstance(value, Dir):
                binds[value.download_sync()] = target
            elif isinstance(value, list) and value and all(isinstance(v, File) for v in value):
                binds[self._stage(value)] = target
        binds[outputs_dir] = str(self._output_data_dir)
        return binds

    def _stage(self, files: List[File], where: Optional[pathlib.Path] = None) -> str:
        """A directory holding copies of `files`: by index (DIRECT) or by their own names,
        numbered on a clash (NAMED_DIR)."""
        if where is None:
            where = storage.get_random_local_directory()
        where.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        for i, f in enumerate(files):
            if self._file_input_layout == "NAMED_DIR":
                base = f.name or os.path.basename(f.path.rstrip("/")) or str(i)
                name, n = base, 1
                while name in taken:
                    name, n = f"{n}_{base}", n + 1
                taken.add(name)
            else:
                name = str(i)
            f.download_sync(str(where / name))
        return str(where)

    # -- running ---------------------------------------------------------------------------------------

    def _image_ref(self) -> str:
        image = self.image
        if isinstance(image, str):
            return image
        uri = getattr(image, "uri", None)
        if not uri:
            raise ContainerError(f"ContainerTask {self.name!r}: cannot tell which image to run from {image!r}")
        return str(uri)

    async def execute(self, **kwargs: Any) -> Tuple[Any, ...]:
        """Run the command once with these inputs; the outputs in declaration order."""
        runtime = container_runtime()
        if runtime == "docker" or not self.runs_on_host:
            outcome = await self._run_in_docker(kwargs)
        else:
            outcome = await self._run_on_host(kwargs)
        if self.local_logs:
            for line in outcome.stdout.splitlines():
                print(f"[{self.name}] {line}")
        return await self._collect(outcome)

    async def _collect(self, outcome: ProcessOutcome) -> Tuple[Any, ...]:
        """The outputs of a finished run; a failed command is an error with its exit code."""
        if outcome.returncode != 0:
            raise ContainerError(f"ContainerTask {self.name!r}: the command exited with code {outcome.returncode}: "
                                 f"{outcome.stderr.strip()[-2000:]}{outcome.hint(outcome.returncode)}")
        return await self._read_outputs(outcome.outputs_dir)

    async def _read_outputs(self, outputs_dir: pathlib.Path) -> Tuple[Any, ...]:
        return tuple([await self._read_output(outputs_dir, k, t) for k, t in self._outputs.items()])

    async def _run_in_docker(self, inputs: Dict[str, Any]) -> ProcessOutcome:
        outputs_dir = storage.get_random_local_directory()
        command = self.render_command(**inputs)
        binds = self.mounts(str(outputs_dir), **inputs)
        docker = shutil.which("docker")
        image = self._image_ref()
        if docker is None:
            raise ContainerError(
                f"ContainerTask {self.name!r} runs the image {image!r} with docker, and the docker command is not "
                "installed here. Install Docker (https://docs.docker.com/get-docker/), run it on a Flyte backend, "
                "or set FLYTE_CONTAINER_RUNTIME=host to run the command on this machine.")
        argv = [docker, "run", "--rm"]
        for host, inside in binds.items():
            argv += ["-v", f"{host}:{inside}:rw"]
        for key, value in (self.env_vars or {}).items():
            argv += ["-e", f"{key}={value}"]
        argv += [image, *command]
        if self.local_logs:
            logger.debug("Container command for task %r: %r", self.name, argv)
        rc, out, err = await _run_process(argv, env=None, cwd=None)
        if rc == 125 or "Cannot connect to the Docker daemon" in err:
            raise ContainerError(f"ContainerTask {self.name!r}: docker could not run the image {image!r} (is the "
                                 f"docker engine running?): {err.strip() or f'exit code {rc}'}")
        return ProcessOutcome(rc, out, err, outputs_dir)

    async def _run_on_host(self, inputs: Dict[str, Any]) -> ProcessOutcome:
        image = self._image_ref()
        explicit = os.environ.get("FLYTE_CONTAINER_RUNTIME", "").strip().lower() == "host"
        if image not in _warned_host and not explicit:
            _warned_host.add(image)
            logger.warning("ContainerTask %r: no docker engine answers here, so its command runs on this machine "
                           "instead of in the image %r (its tools must be installed here; set "
                           "FLYTE_CONTAINER_RUNTIME=docker to require docker).", self.name, image)
        scratch = storage.get_random_local_directory()
        in_dir, out_dir, work = scratch / "inputs", scratch / "outputs", scratch / "work"
        for d in (in_dir, out_dir, work):
            d.mkdir(parents=True, exist_ok=True)
        for key, value in inputs.items():
            target = in_dir / key
            if isinstance(value, File):
                if self._file_input_layout == "NAMED_DIR":
                    self._stage([value], target)
                else:
                    value.download_sync(str(target))
            elif isinstance(value, Dir):
                os.symlink(os.path.abspath(value.download_sync()), target, target_is_directory=True)
            elif isinstance(value, list) and value and all(isinstance(v, File) for v in value):
                self._stage(value, target)
        # the paths first, then the values: a value that happens to contain "/var/inputs" stays as given
        moved = [_move_dir(_move_dir(part, self._input_data_dir, in_dir), self._output_data_dir, out_dir)
                 for part in [*self._cmd, *self._args]]
        argv = self._fill(moved, inputs)
        if not argv:
            raise ContainerError(f"ContainerTask {self.name!r} has no command to run")
        env = {**os.environ, **(self.env_vars or {})}
        if self.local_logs:
            logger.debug("Command for container task %r, run on this machine: %r", self.name, argv)
        try:
            rc, out, err = await _run_process(argv, env=env, cwd=str(work))
        except FileNotFoundError:
            raise ContainerError(
                f"ContainerTask {self.name!r}: {argv[0]!r} is not installed on this machine, and no docker engine "
                f"answers here to run the image {image!r}. Start docker, install the tool, or run the task on a "
                "Flyte backend.") from None
        return ProcessOutcome(rc, out, err, out_dir, host_image=image)

    async def _read_output(self, outputs_dir: pathlib.Path, name: str, tp: Any) -> Any:
        path = outputs_dir / name
        if isinstance(tp, type) and issubclass(tp, File):
            if not path.is_file():
                raise ContainerError(f"ContainerTask {self.name!r}: the command wrote no file for output {name!r} "
                                     f"({self._output_data_dir / name})")
            return await File.from_local(str(path))
        if isinstance(tp, type) and issubclass(tp, Dir):
            if not path.is_dir():
                raise ContainerError(f"ContainerTask {self.name!r}: the command wrote no directory for output "
                                     f"{name!r} ({self._output_data_dir / name})")
            return await Dir.from_local(str(path))
        if not path.is_file():
            raise ContainerError(f"ContainerTask {self.name!r}: the command did not write output {name!r} "
                                 f"({self._output_data_dir / name})")
        text = path.read_text()
        # a str output is the text as written (the SDK's local mode keeps its newline); others are parsed
        return text if tp is str else _parse(text.strip(), tp, name)

    # -- what a backend would be told -----------------------------------------------------------------

    def container_args(self, serialize_context: Any) -> List[str]:
        return [*self._cmd, *self._args]

    def data_loading_config(self, sctx: Any) -> DataLoadingConfig:
        """Where inputs are staged and outputs collected, and in which metadata format."""
        return DataLoadingConfig(
            input_path=str(self._input_data_dir), output_path=str(self._output_data_dir), enabled=True,
            format=getattr(DataLoadingConfig, self._metadata_format),
            file_input_layout=getattr(DataLoadingConfig, self._file_input_layout))


def _move_dir(text: str, inside: pathlib.Path, here: pathlib.Path) -> str:
    """`text` with the directory `inside` (as a whole path component) replaced by `here`."""
    return re.sub(re.escape(str(inside)) + r"(?![\w.-])", lambda _: str(here), text)


async def _run_process(argv: List[str], env: Optional[Dict[str, str]], cwd: Optional[str]) -> Tuple[int, str, str]:
    """Run argv to the end; cancelling (a timeout, a cancelled parent) kills its process group."""
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                stdin=asyncio.subprocess.DEVNULL, env=env, cwd=cwd,
                                                start_new_session=True)
    try:
        out, err = await proc.communicate()
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


def _parse(text: str, tp: Any, name: str) -> Any:
    try:
        if tp is bool:
            return text.lower() not in ("false", "0", "")
        if tp is datetime.datetime:
            return datetime.datetime.fromisoformat(text)
        if tp is datetime.timedelta:
            m = re.fullmatch(r"(?:(\d+) days?, )?(\d+):(\d+):(\d+)(?:\.(\d+))?", text)
            if m is None:
                raise ValueError(f"not a timedelta: {text!r}")
            days, h, mi, s, frac = m.groups()
            return datetime.timedelta(days=int(days or 0), hours=int(h), minutes=int(mi), seconds=int(s),
                                      microseconds=int((frac or "0").ljust(6, "0")[:6]))
        return tp(text)
    except (TypeError, ValueError) as e:
        raise ContainerError(f"output {name!r}: cannot read {text[:100]!r} as {getattr(tp, '__name__', tp)}: {e}") from None
