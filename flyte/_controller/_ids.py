"""Deterministic action ids: the same call in the same place of a run always gets the same id,
which is what lets a resumed run find the actions that already finished."""

from __future__ import annotations

import base64
import hashlib
from typing import Optional


def action_id(parent: str, inputs_hash: str, task_name: str, seq: int, group: Optional[str]) -> str:
    key = f"{parent}-{inputs_hash}-{task_name}-{seq}" if group is None else f"{parent}-{inputs_hash}-{task_name}-{seq}-{group}"
    return base64.b32encode(hashlib.md5(key.encode()).digest()).decode().rstrip("=").lower()
