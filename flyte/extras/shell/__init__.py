"""`flyte.extras.shell`: a CLI tool packaged in a container image as a typed task.

```python
from flyte.extras import shell
from flyte.io import File

head = shell.create(
    name="head", image="debian:12-slim",
    inputs={"src": File, "n": int}, outputs={"out": File},
    script="head -n {inputs.n} {inputs.src} > {outputs.out}",
)
env = flyte.TaskEnvironment(name="pipeline", depends_on=[head.env])

@env.task
async def first_lines(src: File, n: int) -> File:
    return await head(src=src, n=n)
```

The script is rendered into bash once, when the task is created; values reach it as positional
arguments, never as script text. Locally the task runs where `flyte.extras.ContainerTask` runs
(docker, or this machine when no docker engine answers; see `FLYTE_CONTAINER_RUNTIME`), each call
an action of the calling task with its retries, timeout and cache.
"""

from ._spec import DictMode, FlagSpec, Glob, OutputSpec, Stderr, Stdout, listMode
from ._task import ShellTask as ShellTask  # the type `create` returns
from ._task import create

__all__ = ["DictMode", "FlagSpec", "Glob", "OutputSpec", "Stderr", "Stdout", "create", "listMode"]
