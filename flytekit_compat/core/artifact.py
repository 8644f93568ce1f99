"""Artifacts (the Flyte artifact service's lineage-tracked outputs): import-only in the shim."""

from __future__ import annotations

from .._internal import internal_classes

(Artifact, ArtifactQuery, Granularity, Inputs, Partition, Partitions, TimePartition) = internal_classes(
    __name__, "Flyte artifact service", "Artifact", "ArtifactQuery", "Granularity", "Inputs", "Partition", "Partitions",
    "TimePartition",
)

__all__ = ["Artifact", "ArtifactQuery", "Granularity", "Inputs", "Partition", "Partitions", "TimePartition"]
