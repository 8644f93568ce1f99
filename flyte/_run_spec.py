"""What a run was started with that resuming it must reuse, kept with the run's record.

A resumed run (`flyte rerun --recover`, or a new run under the name of one that did not succeed)
replays the actions that finished and runs the others. Those others must see the run as the
first attempt set it up: their values go to the same raw data path (an object store shared by
every node, where the finished actions' values already are), their reports to the same run
directory, and their bodies see the same environment variables and custom context. A process
that resumes a run does not know any of that (the CLI's `flyte rerun` has no such options), so
the run's record carries it.

It is stored, msgpack-packed, in the run record's `context` column. Records written before this
module held the custom context alone there (a map, or nil); a spec is a list
`[SPEC_VERSION, {...}]`, so the two never read as each other.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, NamedTuple, Optional

from ._serde import pack_plain, unpack_plain

SPEC_VERSION = 1


class RunSpec(NamedTuple):
    """A run's setup, as its first attempt resolved it."""

    raw_data_path: Optional[str]  # where File/Dir/DataFrame values and offloaded blobs were written
    run_dir: Optional[str]  # the run's directory (reports, local raw data)
    env_vars: dict[str, str]
    custom_context: dict[str, str]
    # Shown by `flyte get run` and flyte.remote, and kept by a resumed run (records written
    # before these fields read as none given).
    labels: Mapping[str, str] = MappingProxyType({})
    project: Optional[str] = None
    domain: Optional[str] = None
    images: Mapping[str, str] = MappingProxyType({})  # `flyte run --image NAME=URI`: recorded, not used locally

    def pack(self) -> bytes:
        return pack_plain([SPEC_VERSION, {
            "raw_data_path": self.raw_data_path, "run_dir": self.run_dir,
            "env_vars": dict(self.env_vars), "custom_context": dict(self.custom_context),
            "labels": dict(self.labels), "project": self.project, "domain": self.domain, "images": dict(self.images),
        }])


def unpack_spec(data: Optional[bytes]) -> Optional[RunSpec]:
    """The spec in a run record's `context`; an older record's custom context alone gives a spec
    that knows only that; nothing stored (or a value this version cannot read) gives None."""
    if not data:
        return None
    try:
        value: Any = unpack_plain(data)
    except Exception:
        return None
    if isinstance(value, dict):  # written before specs: the custom context
        return RunSpec(None, None, {}, {str(k): str(v) for k, v in value.items()})
    if isinstance(value, list) and len(value) == 2 and value[0] == SPEC_VERSION and isinstance(value[1], dict):
        fields = value[1]
        return RunSpec(fields.get("raw_data_path"), fields.get("run_dir"), dict(fields.get("env_vars") or {}),
                       dict(fields.get("custom_context") or {}), labels=dict(fields.get("labels") or {}),
                       project=fields.get("project"), domain=fields.get("domain"),
                       images=dict(fields.get("images") or {}))
    return None


_NO_SPEC = RunSpec(None, None, {}, {})


def record_spec(record: Any) -> RunSpec:
    """The spec a run record was started with (its `context`); a record that has none readable
    (written before specs were kept) reads as one with nothing given: no labels, no images, no
    project or domain."""
    return unpack_spec(record.context) or _NO_SPEC
