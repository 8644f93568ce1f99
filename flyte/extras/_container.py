"""`ContainerTask`: a task whose body is a container image's command.

Inputs are named and typed (`inputs={"n": int, "data": File}`), and so are outputs. Scalars can
be written into the command as `{{.inputs.n}}`; a `File`/`Dir` input is mounted at
`<input_data_dir>/<name>` (a `list[File]` as a directory of them); the container writes each
output to `<output_data_dir>/<name>` (a scalar as text, a File or Dir as itself), and the task
returns them in declaration order.

Locally the container runs with the `docker` command (`docker run --rm -v ...`). Without docker,
or without a reachable engine, the task fails with an error that says so; a backend runs the
same task as a pod.
"""

from __future__ import annotations

import datetime
import inspect
import os
import pathlib
import re
import shutil
import subprocess
import typing
from typing import Any, Dict, List, Literal, Optional, Tuple, Type, Union

from .. import storage
from .._interface import TaskInterface
from .._task import AsyncFunctionTaskTemplate
from ..errors import RuntimeUserError
from ..io import Dir, File

_TEMPLATE = re.compile(r"\{\{\.inputs\.([A-Za-z0-9_]+)\}\}")


class ContainerError(RuntimeUserError):
    """docker is missing or cannot run the image, or the container failed."""

    def __init__(self, message: str):
        super().__init__("ContainerError", message)


def _body_for(task: ContainerTask, inputs: Dict[str, Type], outputs: Dict[str, Type]) -> Any:
    """An async function with the task's typed signature whose body runs the container; the
    outputs come back as a NamedTuple, so they keep their declared names."""
    result_type: Any = None
    if outputs:
        result_type = typing.NamedTuple(f"{task.name.replace('.', '_').replace('-', '_')}_outputs",  # type: ignore[misc, no-redef]
                                        list(outputs.items()))

    async def run_container(**kwargs: Any) -> Any:
        values = await task.execute(**kwargs)
        return result_type(*values) if result_type is not None else None

    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=t) for k, t in inputs.items()]
    run_container.__signature__ = inspect.Signature(params, return_annotation=result_type)  # type: ignore[attr-defined]
    run_container.__annotations__ = {**inputs, "return": result_type}
    run_container.__name__ = run_container.__qualname__ = task.name.rsplit(".", 1)[-1].replace("-", "_")
    return run_container


class ContainerTask(AsyncFunctionTaskTemplate):
    """A task that runs `command` (+ `arguments`) in `image` (see the module docstring)."""

    MetadataFormat = Literal["JSON", "YAML", "PROTO"]

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
        self.name = name  # _body_for names the function after it
        func = _body_for(self, self._inputs, self._outputs)
        super().__init__(name=name, interface=TaskInterface(func), func=func, image=image, **kwargs)

    # -- what the container gets --------------------------------------------------------------------

    def _container_path(self, name: str) -> str:
        return os.path.join(str(self._input_data_dir), name)

    def render_command(self, **inputs: Any) -> List[str]:
        """The command and arguments with `{{.inputs.x}}` filled in (booleans as true/false).
        A File or Dir is referred to by its mount path (`/var/inputs/x`), not by template."""
        rendered = []
        for part in [*self._cmd, *self._args]:
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
        """host path -> container path for every File, Dir and list[File] input, and the outputs."""
        binds: Dict[str, str] = {}
        for key, value in inputs.items():
            target = self._container_path(key)
            if isinstance(value, File):
                if self._file_input_layout == "NAMED_DIR":
                    binds[self._stage([value])] = target
                else:
                    binds[value.path] = target
            elif isinstance(value, Dir):
                binds[value.path] = target
            elif isinstance(value, list) and value and all(isinstance(v, File) for v in value):
                binds[self._stage(value)] = target
        binds[outputs_dir] = str(self._output_data_dir)
        return binds

    def _stage(self, files: List[File]) -> str:
        """A directory holding copies of `files`: by index (DIRECT) or by their own names,
        numbered on a clash (NAMED_DIR)."""
        where = storage.get_random_local_directory()
        taken: set[str] = set()
        for i, f in enumerate(files):
            if self._file_input_layout == "NAMED_DIR":
                base = os.path.basename(f.path) or str(i)
                name, n = base, 1
                while name in taken:
                    name, n = f"{n}_{base}", n + 1
                taken.add(name)
            else:
                name = str(i)
            shutil.copy2(f.path, where / name)
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
        """Run the container once with these inputs; the outputs in declaration order."""
        import asyncio

        outputs_dir = str(storage.get_random_local_directory())
        command = self.render_command(**kwargs)
        binds = self.mounts(outputs_dir, **kwargs)
        docker = shutil.which("docker")
        image = self._image_ref()
        if docker is None:
            raise ContainerError(
                f"ContainerTask {self.name!r} runs the image {image!r} with docker, and the docker command is not "
                "installed here. Install Docker (https://docs.docker.com/get-docker/), or run it on a Flyte backend.")
        argv = [docker, "run", "--rm"]
        for host, inside in binds.items():
            argv += ["-v", f"{host}:{inside}:rw"]
        for key, value in (self.env_vars or {}).items():
            argv += ["-e", f"{key}={value}"]
        argv += [image, *command]
        proc = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True)
        if self.local_logs:
            for line in proc.stdout.splitlines():
                print(f"[{self.name}] {line}")
        if proc.returncode == 125 or "Cannot connect to the Docker daemon" in proc.stderr:
            raise ContainerError(f"ContainerTask {self.name!r}: docker could not run the image {image!r} (is the "
                                 f"docker engine running?): {proc.stderr.strip() or f'exit code {proc.returncode}'}")
        if proc.returncode != 0:
            raise ContainerError(f"ContainerTask {self.name!r}: the container exited with code {proc.returncode}: "
                                 f"{proc.stderr.strip()[-2000:]}")
        return tuple([await self._read_output(pathlib.Path(outputs_dir), k, t) for k, t in self._outputs.items()])

    async def _read_output(self, outputs_dir: pathlib.Path, name: str, tp: Any) -> Any:
        path = outputs_dir / name
        if isinstance(tp, type) and issubclass(tp, File):
            if not path.is_file():
                raise ContainerError(f"ContainerTask {self.name!r}: the container wrote no file for output {name!r} "
                                     f"({self._output_data_dir / name})")
            return await File.from_local(str(path))
        if isinstance(tp, type) and issubclass(tp, Dir):
            if not path.is_dir():
                raise ContainerError(f"ContainerTask {self.name!r}: the container wrote no directory for output "
                                     f"{name!r} ({self._output_data_dir / name})")
            return await Dir.from_local(str(path))
        if not path.is_file():
            raise ContainerError(f"ContainerTask {self.name!r}: the container did not write output {name!r} "
                                 f"({self._output_data_dir / name})")
        return _parse(path.read_text().strip(), tp, name)

    # -- what a backend would be told -----------------------------------------------------------------

    def container_args(self, serialize_context: Any) -> List[str]:
        return [*self._cmd, *self._args]

    def data_loading_config(self, sctx: Any) -> Dict[str, Any]:
        """Where inputs are staged and outputs collected, and in which metadata format."""
        return {"input_path": str(self._input_data_dir), "output_path": str(self._output_data_dir),
                "enabled": True, "format": self._metadata_format, "file_input_layout": self._file_input_layout}


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
