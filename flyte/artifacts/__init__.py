"""Artifacts: task outputs published with a name, version, partitions and a card.

Mark an offloaded output (a `flyte.io.File`, `Dir` or `DataFrame`) as an artifact by returning
`flyte.artifacts.new(value, Metadata(name=...))`; the wrapped value behaves exactly as the value.
A Flyte backend publishes it to its catalog. Locally, the artifact is recorded with the run:
`<run dir>/artifacts.jsonl` gets one line per published output (name, version, partitions,
kind, description, attrs, card, the producing task and action, and the value's location),
written when the action's output is recorded. `produces(o0=Metadata(...))` declares the outputs
of a task called inside the block, for tasks that do not wrap their outputs themselves.

This module imports `flyteidl2` (for `ArtifactKey`/`ArtifactVersionId`); `import flyte` does not.
"""

from flyteidl2.core.artifact_id_pb2 import ArtifactKey, ArtifactVersionId

from ._card import Card, CardFormat, CardType
from ._metadata import KIND_KEY, MAX_PARENTS, Kind, Metadata
from ._partitions import Granularity, TimePartition
from ._produces import produces
from ._wrapper import Artifact, new

__all__ = [
    "KIND_KEY",
    "MAX_PARENTS",
    "Artifact",
    "ArtifactKey",
    "ArtifactVersionId",
    "Card",
    "CardFormat",
    "CardType",
    "Granularity",
    "Kind",
    "Metadata",
    "TimePartition",
    "new",
    "produces",
]
