"""Deterministic action ids: the same call in the same place of a run always gets the same id,
which is what lets a resumed run find the actions that already finished."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Optional

from .._context import COMPACT_COUNTS_AFTER

if TYPE_CHECKING:
    from .._context import Frame

try:  # CPython's own md5: for the few dozen bytes hashed here, ~4x cheaper than OpenSSL's (same digest)
    from _md5 import md5 as _md5  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - an interpreter built without it
    _md5 = hashlib.md5


def action_id(parent: str, packed_inputs: bytes, task_name: str, seq: int, group: Optional[str]) -> str:
    """Parent id, task name, the inputs' canonical bytes, and the call's number among identical
    calls (same task, inputs and group) of the same parent: one hash over all of it."""
    head = f"{parent}-{task_name}-{seq}-" if group is None else f"{parent}-{task_name}-{seq}-{group}-"
    # 25 lowercase hex characters (100 bits), like the SDK's 25-character ids; md5 is C-fast
    return _md5(head.encode() + packed_inputs).hexdigest()[:25]


def _encode_head(pid: str, task_name: str, group: Optional[str]) -> bytes:
    global _last_head
    head = (f"{pid}-{task_name}-1-" if group is None else f"{pid}-{task_name}-1-{group}-").encode()
    _last_head = (pid, task_name, group, head)
    return head


_last_head: tuple = (None, None, None, b"")


def next_action_id(parent: Frame, packed_inputs: bytes, task_name: str, group: Optional[str]) -> str:
    """`action_id` of the next call of `task_name` with these inputs in `group` made by `parent`.

    The parent numbers identical calls under a number taken from the first such call's id (60 of
    its bits), not under the inputs themselves: a 100,000-wide fan-out keeps 100,000 8-byte slots
    while the parent runs (see `flyte._context.CallCounts`), not 100,000 copies of the inputs.
    Two different calls sharing that number (about 1 in 10^8 at that width) only number each
    other's repeats; their ids still differ, since the inputs are hashed into them."""
    # action_id(parent.id, packed_inputs, task_name, 1, group), inlined: this is every call's path.
    # The encoded head is the same for every call of one task by one parent: kept from the last
    # call (matched by identity, so a miss only costs the encoding; swapped whole, so threads
    # racing here only miss).
    pid = parent.id
    last = _last_head
    if last[0] is pid and last[1] is task_name and last[2] is group:
        head = last[3]
    else:
        head = _encode_head(pid, task_name, group)
    first = _md5(head + packed_inputs).hexdigest()[:25]
    key = int(first[:15], 16) or 1
    # The first call under a key (most calls) is counted without the frame's lock: one
    # dict.setdefault, atomic under the GIL, puts this call's id (a new str object) there unless
    # another call did first. Threads of a sync body calling tasks at once each either put
    # their own id there or see another's and take the lock to count a repeat.
    counts = parent.counts
    if type(counts) is dict and len(counts) < COMPACT_COUNTS_AFTER:
        if counts.setdefault(key, first) is first:
            if parent.counts is counts:
                return first
            seq = parent.first_after_compaction(key, counts, first)  # another thread compacted it meanwhile
        else:
            seq = parent.next_seq(key)
    else:
        seq = parent.next_seq(key)
    return first if seq == 1 else action_id(parent.id, packed_inputs, task_name, seq, group)
