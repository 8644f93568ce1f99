"""Fan-out aggregates: a run's actions counted by parent, group, task, short name and kind.

A run of 100,000 actions is a handful of such groups ("a0 → 100,000 x process_item: 99,990
succeeded, 10 failed"), which is what a tree view, a runs list and a timeline need without reading
every action. Both stores answer `action_groups` and `run_counts` from these aggregates: the SQLite
store keeps them up to date as it commits rows, the memory store computes them when asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from operator import countOf, itemgetter
from typing import Optional

from ._records import HITS_INDEX, PHASE_INDEX, ActionCounts, ActionGroup

# An aggregate while it is built: the six phase counts, hits, attempts of finished members,
# first start, first id, last end.
Tally = list
_ATTEMPTS, _FIRST_START, _FIRST_ID, _LAST_END = 7, 8, 9, 10
_NO_END = 0.0  # stored for "no member has finished"
_KEY_FIELDS = itemgetter(0, 2, 5, 3, 4, 6)  # group_key's fields, before None becomes ""
_BATCH_AT_ONCE = 8  # fewer rows than this: one by one is cheaper than the passes of add_finished
_PHASE, _ATTEMPTS_OF, _START, _END, _CACHE = (itemgetter(i) for i in (7, 8, 9, 10, 15))


def group_key(row: tuple) -> tuple:
    """(run, parent, group, task, short name, kind) of an action row, with "" for None."""
    return (row[0], row[2] or "", row[5] or "", row[3], row[4], row[6])


class GroupTallies:
    """Aggregates (or changes to them) of the groups that some action rows belong to."""

    __slots__ = ("tallies",)

    def __init__(self) -> None:
        self.tallies: dict[tuple, Tally] = {}

    def add(self, row: tuple, was_running: bool = False) -> None:
        """Count `row`; `was_running`: it was counted as RUNNING before, and no longer is."""
        key = (row[0], row[2] or "", row[5] or "", row[3], row[4], row[6])
        t = self.tallies.get(key)
        start = row[9] or 0.0
        if t is None:
            t = self.tallies[key] = [0, 0, 0, 0, 0, 0, 0, 0, start, row[1], _NO_END]
        elif start < t[_FIRST_START]:
            t[_FIRST_START], t[_FIRST_ID] = start, row[1]
        if was_running:
            t[1] -= 1
        phase = PHASE_INDEX[row[7]]
        t[phase] += 1
        if phase != 1:  # a running action's attempts are counted when it ends
            t[_ATTEMPTS] += row[8] or 0
        if row[15] == "hit":
            t[HITS_INDEX] += 1
        end = row[10]
        if end is not None and end > t[_LAST_END]:
            t[_LAST_END] = end

    def add_finished(self, rows: Sequence[tuple]) -> None:
        """Count `rows`, none of them counted before (a packed batch of siblings): `add` for
        each, but when they are many, finished and all of one group (the common case: one
        task's children of one parent), counted with one pass of C per field instead of
        Python per row."""
        if len(rows) < _BATCH_AT_ONCE:
            for row in rows:
                self.add(row)
            return
        keys = set(map(_KEY_FIELDS, rows))
        phases = list(map(_PHASE, rows))
        starts = list(map(_START, rows))
        if len(keys) != 1 or "RUNNING" in phases or None in starts:
            for row in rows:
                self.add(row)
            return
        run, parent, group, task, short, kind = keys.pop()
        key = (run, parent or "", group or "", task, short, kind)
        first = min(starts)
        t = self.tallies.get(key)
        if t is None:
            t = self.tallies[key] = [0, 0, 0, 0, 0, 0, 0, 0, first, rows[starts.index(first)][1], _NO_END]
        elif first < t[_FIRST_START]:
            t[_FIRST_START], t[_FIRST_ID] = first, rows[starts.index(first)][1]
        succeeded = countOf(phases, "SUCCEEDED")
        t[PHASE_INDEX["SUCCEEDED"]] += succeeded
        if succeeded != len(phases):
            for phase, n in Counter(phases).items():
                if phase != "SUCCEEDED":
                    t[PHASE_INDEX[phase]] += n
        t[_ATTEMPTS] += sum(filter(None, map(_ATTEMPTS_OF, rows)))
        t[HITS_INDEX] += countOf(map(_CACHE, rows), "hit")
        end = max(filter(None, map(_END, rows)), default=None)
        if end is not None and end > t[_LAST_END]:
            t[_LAST_END] = end

    def remove(self, row: tuple) -> None:
        """Uncount `row`, a stored record that a new one of its action replaces: its phase,
        attempts and cache hit. The group's first start and last end stay (the action's id
        stays in the group)."""
        key = (row[0], row[2] or "", row[5] or "", row[3], row[4], row[6])
        t = self.tallies.get(key)
        if t is None:
            t = self.tallies[key] = [0, 0, 0, 0, 0, 0, 0, 0, row[9] or 0.0, row[1], _NO_END]
        phase = PHASE_INDEX[row[7]]
        t[phase] -= 1
        if phase != 1:
            t[_ATTEMPTS] -= row[8] or 0
        if row[15] == "hit":
            t[HITS_INDEX] -= 1

    def add_all(self, rows: Iterable[tuple]) -> GroupTallies:
        for row in rows:
            self.add(row)
        return self

    def rows(self) -> list[tuple]:
        """(run, parent, group, task, short name, kind, 6 phase counts, hits, attempts, first start,
        first id, last end) per group: the columns of the SQLite store's action_groups table."""
        return [(*key, *t) for key, t in self.tallies.items()]

    def groups(self) -> list[ActionGroup]:
        return [group_of(row) for row in self.rows()]


def group_of(row: tuple) -> ActionGroup:
    """An aggregate row (see `GroupTallies.rows`) as a record."""
    run, parent, group, task, short, kind = row[:6]
    return ActionGroup(run, parent or None, group or None, task, short, kind, ActionCounts(*row[6:13]), row[13],
                       row[14], row[15], row[16] or None)


def counts_of(groups: Iterable[ActionGroup]) -> ActionCounts:
    total = ActionCounts()
    for g in groups:
        total = total + g.counts
    return total


def wanted_parent(parents: Optional[Iterable[Optional[str]]]) -> Optional[set[str]]:
    """The parents filter of `action_groups` in stored form ("" for the run's root)."""
    return None if parents is None else {p or "" for p in parents}
