"""Extras: building blocks beyond plain tasks, as the SDK ships them.

- `DynamicBatcher` / `TokenBatcher` (with `Prompt`, `BatchStats`, the `CostEstimator` and
  `TokenEstimator` protocols): many concurrent producers, one batched async function. Pure
  Python; they work anywhere.
- `ContainerTask`: a task whose body is a container image's command. Locally it runs with the
  `docker` command (inputs staged under `input_data_dir`, outputs read back from
  `output_data_dir`), or, when no docker engine answers, on this machine in a subprocess with
  the same layout (`FLYTE_CONTAINER_RUNTIME` chooses).
- `shell`: a CLI tool in an image as a typed task (`shell.create(...)`), built on `ContainerTask`:
  typed inputs rendered as arguments and flags, outputs as files, globs or the captured streams.
- `Sleep` / `SleepTask`: a task routed to a backend's sleep plugin; locally its body runs.
- `serialize` / `serialize_env`: a task's wire `TaskSpec` (offline).
- `webhooks` (an app served by a backend) and `model_streamer` (GPU weight streaming) are
  there by name; using them says what they need.
"""

from . import model_streamer, shell, webhooks
from ._batching import BatchStats, CostEstimator, DynamicBatcher, Prompt, TokenBatcher, TokenEstimator
from ._container import ContainerTask
from ._serialize import serialize, serialize_env
from ._sleep import Sleep, SleepTask

__all__ = [
    "BatchStats",
    "ContainerTask",
    "CostEstimator",
    "DynamicBatcher",
    "Prompt",
    "Sleep",
    "SleepTask",
    "TokenBatcher",
    "TokenEstimator",
    "model_streamer",
    "serialize",
    "serialize_env",
    "shell",
    "webhooks",
]
