"""`ContainerTask`: a task whose body is a container image's command, run with docker.

As in flytekit's local mode, the command and arguments may name inputs: `{{.inputs.x}}` becomes
the value of `x`, and `<input_data_dir>/x` for a FlyteFile or FlyteDirectory input mounts its
local path there. A fresh local directory is mounted at `output_data_dir`; after the container
exits, output `y` is read from the file `y` in it (a FlyteFile or FlyteDirectory output is that
path itself).

The container runs through the `docker` command. Without it, or without a reachable docker
engine, or when the container exits with an error, the task fails with a message that says
which of these happened.
"""

from __future__ import annotations

import datetime
import enum
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any, Optional

from .._interface import Interface
from .._python_task import PythonTask
from .._task import TaskMetadata, _check_resources

DOCKER_IMPORT_ERROR_MESSAGE = "Docker is not installed. Please install Docker by running `pip install docker`."
_TEMPLATE = re.compile(r"^\{\{\s*\.inputs\.(.*?)\s*\}\}$")
_TIMEDELTA = re.compile(r"(?:(\d+) days?, )?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?")


class ContainerError(RuntimeError):
    """docker is missing or unreachable, or the container failed."""


class ContainerTask(PythonTask):
    class MetadataFormat(enum.Enum):
        JSON = 0
        YAML = 1
        PROTO = 2

    class IOStrategy(enum.Enum):
        DOWNLOAD_EAGER = 0
        DOWNLOAD_STREAM = 1
        DO_NOT_DOWNLOAD = 2
        UPLOAD_EAGER = 3
        UPLOAD_ON_EXIT = 4
        DO_NOT_UPLOAD = 5

    def __init__(self, name: str, image: Any, command: list[str], inputs: Optional[dict[str, type]] = None,
                 metadata: Optional[TaskMetadata] = None, arguments: Optional[list[str]] = None,
                 outputs: Optional[dict[str, type]] = None, requests: Any = None, limits: Any = None,
                 input_data_dir: Optional[str] = None, output_data_dir: Optional[str] = None,
                 metadata_format: MetadataFormat = MetadataFormat.JSON, io_strategy: Optional[IOStrategy] = None,
                 secret_requests: Optional[list[Any]] = None, pod_template: Any = None,
                 pod_template_name: Optional[str] = None, local_logs: bool = False, resources: Any = None,
                 **kwargs: Any):
        if secret_requests:
            from .._secrets import Secret

            for s in secret_requests:
                if not isinstance(s, Secret):
                    raise AssertionError(f"Secret {s} should be of type flytekit.Secret, received {type(s)}")
        # flytekit validates resources at definition, as for @task
        self._resources = _check_resources(requests, limits, resources)
        metadata = metadata or TaskMetadata()
        metadata.pod_template_name = pod_template_name
        super().__init__("raw-container", name, None, interface=Interface(inputs, outputs), metadata=metadata, **kwargs)
        self._image = image
        self._cmd = command
        self._args = arguments
        self._input_data_dir = input_data_dir
        self._output_data_dir = output_data_dir
        self._outputs = dict(outputs or {})
        self._md_format = metadata_format
        self._io_strategy = io_strategy
        self.secret_requests = list(secret_requests or [])
        self.pod_template = pod_template
        self.local_logs = local_logs
        import sys

        self._module = sys._getframe(1).f_globals.get("__name__", "__main__")

    @property
    def resources(self) -> Any:
        return self._resources

    @property
    def image(self) -> str:
        image = self._image
        return image.image_name() if hasattr(image, "image_name") else str(image)

    # -- the command line -------------------------------------------------------------------------

    def _extract_command_key(self, cmd: str, **kwargs: Any) -> Optional[str]:
        m = _TEMPLATE.match(cmd)
        return m.group(1) if m else None

    def _extract_path_command_key(self, cmd: str, input_data_dir: Optional[str]) -> Optional[str]:
        m = re.match(rf"{re.escape(input_data_dir or '')}/(.+)$", cmd)
        return m.group(1) if m else None

    def _render_command_and_volume_binding(self, cmd: str, **kwargs: Any) -> tuple[str, dict[str, dict[str, str]]]:
        """One command word: the word itself, an input's value, or the mount point of a file or
        directory input (with the mount)."""
        from ..types.directory import FlyteDirectory
        from ..types.file import FlyteFile

        path_key = self._extract_path_command_key(cmd, self._input_data_dir)
        key = path_key or self._extract_command_key(cmd)
        if not key:
            return cmd, {}
        value = kwargs.get(key)
        if isinstance(value, (FlyteFile, FlyteDirectory)):
            if not path_key:
                raise AssertionError(
                    "FlyteFile and FlyteDirectory commands should not use the template syntax like this: "
                    "{{.inputs.infile}}\n"
                    "Please use a path-like syntax, such as: /var/inputs/infile.\n"
                    "This requirement is due to how Flyte Propeller processes template syntax inputs."
                )
            target = os.path.join(self._input_data_dir or "", key)
            return target, {os.path.abspath(os.fspath(value)): {"bind": target, "mode": "rw"}}
        return str(value), {}

    def _prepare_command_and_volumes(self, cmd_and_args: list[str], **kwargs: Any) -> tuple[list[str], dict]:
        commands: list[str] = []
        volumes: dict[str, dict[str, str]] = {}
        for word in cmd_and_args:
            text, binding = self._render_command_and_volume_binding(word, **kwargs)
            commands.append(text)
            volumes.update(binding)
        return commands, volumes

    # -- outputs ----------------------------------------------------------------------------------

    def _string_to_timedelta(self, s: str) -> datetime.timedelta:
        m = _TIMEDELTA.match(s)
        if not m:
            raise ValueError("Invalid timedelta string format")
        days, hours, minutes, seconds, micro = (int(g) if g else 0 for g in m.groups())
        return datetime.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=micro)

    def _convert_output_val_to_correct_type(self, output_val: str, output_type: Any) -> Any:
        if output_type is bool:
            return output_val.lower() != "false"
        if output_type is datetime.datetime:
            return datetime.datetime.fromisoformat(output_val)
        if output_type is datetime.timedelta:
            return self._string_to_timedelta(output_val)
        return output_type(output_val)

    def _get_output_dict(self, output_directory: str) -> dict[str, Any]:
        from ..types.directory import FlyteDirectory
        from ..types.file import FlyteFile

        values: dict[str, Any] = {}
        for name, tp in self._outputs.items():
            path = os.path.join(output_directory, name)
            if isinstance(tp, type) and issubclass(tp, (FlyteFile, FlyteDirectory)):
                values[name] = tp(path=path)
                continue
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                raise ContainerError(
                    f"ContainerTask {self.name!r}: the container did not write output {name!r} "
                    f"(expected the file {os.path.join(self._output_data_dir or '', name)} in the container)"
                ) from None
            values[name] = self._convert_output_val_to_correct_type(text, tp)
        return values

    # -- running ----------------------------------------------------------------------------------

    def _docker(self) -> str:
        exe = shutil.which("docker")
        if exe is None:
            raise ContainerError(
                f"ContainerTask {self.name!r} runs the image {self.image!r} with docker, and the docker command is "
                "not installed here. Install Docker (https://docs.docker.com/get-docker/), or run this task on a "
                "Flyte backend."
            )
        return exe

    def execute(self, **kwargs: Any) -> Any:
        from ..core.data_persistence import flyte_tmp_dir

        input_dir = os.path.normpath(self._input_data_dir) if self._input_data_dir else ""
        output_dir = os.path.normpath(self._output_data_dir) if self._output_data_dir else ""
        self._input_data_dir, self._output_data_dir = input_dir, output_dir
        commands, volumes = self._prepare_command_and_volumes([*(self._cmd or []), *(self._args or [])], **kwargs)
        docker = self._docker()
        local_outputs = tempfile.mkdtemp(prefix="container-outputs-", dir=flyte_tmp_dir)
        volumes[local_outputs] = {"bind": output_dir, "mode": "rw"}
        argv = [docker, "run", "--rm"]
        for src, spec in volumes.items():
            argv += ["-v", f"{src}:{spec['bind']}:{spec['mode']}"]
        for key, value in (self.environment or {}).items():
            argv += ["-e", f"{key}={value}"]
        argv += [self.image, *commands]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate()
        if self.local_logs:
            for line in out.splitlines():
                print(f"[Local Container] {line}")
        if proc.returncode == 125 or _engine_down(err):
            raise ContainerError(
                f"ContainerTask {self.name!r}: docker could not run the image {self.image!r} (is the docker engine "
                f"running and reachable?): {err.strip() or f'exit code {proc.returncode}'}"
            )
        if proc.returncode != 0:
            raise ContainerError(
                f"ContainerTask {self.name!r}: the container of image {self.image!r} exited with code "
                f"{proc.returncode}: {err.strip()[-2000:]}"
            )
        values = self._get_output_dict(local_outputs)
        ordered = [values[k] for k in self._outputs]
        if not ordered:
            return None
        return ordered[0] if len(ordered) == 1 else tuple(ordered)


def _engine_down(stderr: str) -> bool:
    return "Cannot connect to the Docker daemon" in stderr or "error during connect" in stderr


__all__ = ["DOCKER_IMPORT_ERROR_MESSAGE", "ContainerError", "ContainerTask"]
