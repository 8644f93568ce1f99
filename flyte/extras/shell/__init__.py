"""`flyte.extras.shell`: a CLI tool in a container image as a typed task (not provided here).

The names are those of the SDK's module; using any of them raises ImportError saying so. A
container command as a typed task is `flyte.extras.ContainerTask`, which runs locally with docker.
"""

import sys

from .._unavailable import UnavailableModule

sys.modules[__name__] = UnavailableModule(__name__, [
    "DictMode", "FlagSpec", "Glob", "OutputSpec", "Stderr", "Stdout", "create", "listMode",
], "shell tasks (a CLI tool's flags rendered into a container script) are not written yet; "
   "use flyte.extras.ContainerTask for a container command with typed inputs and outputs")
