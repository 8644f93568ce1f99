"""`Metadata`: what an artifact is published as (name, version, partitions, card, lineage)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Dict, Literal, Optional, Tuple

from ._card import Card
from ._partitions import normalize_partitions

KIND_KEY = "flyte.io/kind"  # the reserved attrs key saying what an artifact is
Kind = Literal["model", "data", "generic"]
MAX_PARENTS = 32  # the catalog's limit on parent versions, checked where Metadata is built


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """An artifact's identity and description. Partitions and parents are checked when the
    object is built, so a bad value fails where it is written, not when the task ends."""

    name: str
    version: Optional[str] = None
    description: Optional[str] = None
    attrs: Optional[typing.Mapping[str, str]] = None
    card: Optional[Card] = None
    kind: Optional[Kind] = None
    partitions: Optional[typing.Mapping[str, Any]] = None
    parents: Optional[Tuple[Any, ...]] = None  # version strings, or flyteidl2 ArtifactVersionIds
    version_from_content: bool = False

    def __post_init__(self) -> None:
        check_parents(self.parents)
        normalize_partitions(self.partitions)

    @classmethod
    def create_model_metadata(cls, *, name: str, version: Optional[str] = None, description: Optional[str] = None,
                              card: Optional[Card] = None, framework: Optional[str] = None,
                              model_type: Optional[str] = None, architecture: Optional[str] = None,
                              task: Optional[str] = None, modality: Tuple[str, ...] = ("text",),
                              serial_format: str = "safetensors", attrs: Optional[typing.Mapping[str, str]] = None,
                              partitions: Optional[typing.Mapping[str, Any]] = None) -> Metadata:
        """Metadata for a model: kind "model" and the model attributes (framework, model_type,
        architecture, task, modality, serial_format); these win over the same keys in `attrs`."""
        merged: Dict[str, str] = dict(attrs or {})
        merged.update({KIND_KEY: "model", "framework": framework or "", "model_type": model_type or "",
                       "architecture": architecture or "", "task": task or "",
                       "modality": ",".join(modality) if modality else "", "serial_format": serial_format or ""})
        return cls(name=name, version=version, description=description, attrs=merged, card=card,
                   partitions=partitions)


def resolved_attrs(md: Metadata) -> Dict[str, str]:
    """The attrs published: `kind=` fills KIND_KEY unless attrs set it explicitly."""
    attrs = dict(md.attrs or {})
    if md.kind is not None:
        attrs.setdefault(KIND_KEY, md.kind)
    return attrs


def check_parents(parents: Optional[typing.Sequence[Any]]) -> None:
    if parents is None:
        return
    if len(parents) > MAX_PARENTS:
        raise ValueError(f"an artifact version may declare at most {MAX_PARENTS} parents, got {len(parents)}")
    for i, parent in enumerate(parents):
        if isinstance(parent, str):
            if not parent:
                raise ValueError(f"parents[{i}] is an empty version string")
        elif type(parent).__name__ != "ArtifactVersionId":
            raise TypeError(f"parents[{i}] must be a version string or an ArtifactVersionId, got {type(parent).__name__}")


def describe(md: Metadata) -> Dict[str, Any]:
    """The metadata as a JSON-ready dict (what the local artifact log records)."""
    strings, timed = normalize_partitions(md.partitions)
    parents = [p if isinstance(p, str) else {"name": p.artifact_key.name, "version": p.version}
               for p in md.parents or ()]
    card = {"uri": md.card.uri, "format": md.card.format, "card_type": md.card.card_type} if md.card else None
    return {"name": md.name, "version": md.version, "description": md.description, "attrs": resolved_attrs(md),
            "kind": resolved_attrs(md).get(KIND_KEY, "generic"), "partitions": strings, "time_partition": timed,
            "parents": parents, "card": card}
