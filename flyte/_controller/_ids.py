"""Deterministic action ids: the same call in the same place of a run always gets the same id,
which is what lets a resumed run find the actions that already finished."""

from __future__ import annotations

import hashlib
from typing import Optional

_md5 = hashlib.md5


def action_id(parent: str, packed_inputs: bytes, task_name: str, seq: int, group: Optional[str]) -> str:
    """Parent id, task name, the inputs' canonical bytes, and the call's number among identical
    calls (same task, inputs and group) of the same parent: one hash over all of it."""
    head = f"{parent}-{task_name}-{seq}-" if group is None else f"{parent}-{task_name}-{seq}-{group}-"
    # 25 lowercase hex characters (100 bits), like the SDK's 25-character ids; md5 is C-fast
    return _md5(head.encode() + packed_inputs).hexdigest()[:25]
