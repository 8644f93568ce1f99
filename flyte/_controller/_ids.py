"""Deterministic action ids: the same call in the same place of a run always gets the same id,
which is what lets a resumed run find the actions that already finished."""

from __future__ import annotations

import hashlib
from typing import Optional


def action_id(parent: str, inputs_hash: str, task_name: str, seq: int, group: Optional[str]) -> str:
    key = f"{parent}-{inputs_hash}-{task_name}-{seq}" if group is None else f"{parent}-{inputs_hash}-{task_name}-{seq}-{group}"
    # 25 lowercase hex characters (100 bits), like the SDK's 25-character ids; hexdigest is C-fast
    return hashlib.md5(key.encode()).hexdigest()[:25]
