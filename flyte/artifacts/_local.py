"""Locally published artifacts: the run's artifact log, `<run dir>/artifacts.jsonl`.

A backend publishes an artifact to its catalog when the action that produced it succeeds. Here
the same moment appends one JSON line per artifact to the run's log (fsynced before the next
line is written): what it is (`describe(Metadata)`), the value's location, and the task, action
and output that produced it. Nothing is logged for an action that fails.

Two ways in, as in the SDK: a task returns `new(value, Metadata)` (noted here when `new` is
called inside the task), or a caller declares a child's outputs with `produces(o0=...)`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ._metadata import Metadata, describe

logger = logging.getLogger("flyte")

LOG_NAME = "artifacts.jsonl"
_lock = threading.Lock()
# (run, action) -> the run dir and the artifacts its outputs were wrapped as
_wrapped: Dict[Tuple[str, str], Tuple[str, List[Tuple[Metadata, Any]]]] = {}
# (run, parent action) -> the run dir and what the parent declared its next calls produce
_declared: Dict[Tuple[str, str], Tuple[str, Dict[str, Metadata]]] = {}
_listening = False


def location(value: Any) -> Optional[str]:
    """Where an offloaded value lives (a File's or Dir's path, a DataFrame's uri)."""
    for attr in ("path", "uri"):
        where = getattr(value, attr, None)
        if isinstance(where, str):
            return where
    return None


def _current() -> Optional[Tuple[str, str, str]]:
    import flyte

    task = flyte.ctx()
    if not task or task.action is None:
        return None
    return str(task.action.run_name), task.action.name, task.run_base_dir


def pending_output(value: Any, md: Metadata) -> None:
    where = _current()
    if where is None:
        return  # outside a task: nothing publishes it
    run, action, run_dir = where
    _listen()
    with _lock:
        _wrapped.setdefault((run, action), (run_dir, []))[1].append((md, value))


@contextlib.contextmanager
def declaring(outputs: Dict[str, Metadata]) -> Iterator[None]:
    where = _current()
    if where is None:
        yield
        return
    run, action, run_dir = where
    _listen()
    with _lock:
        previous = _declared.get((run, action))
        _declared[(run, action)] = (run_dir, outputs)
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _declared.pop((run, action), None)
            else:
                _declared[(run, action)] = previous


def _listen() -> None:
    global _listening
    if _listening:
        return
    from .._controller import RunListener, add_listener

    class ArtifactLog(RunListener):
        def action_finished(self, record: Any) -> None:
            _finished(record)

    with _lock:
        if not _listening:
            add_listener(ArtifactLog())
            _listening = True


def _finished(record: Any) -> None:
    succeeded = str(record.phase).upper() == "SUCCEEDED"
    with _lock:
        wrapped = _wrapped.pop((record.run, record.id), None)
        declared = _declared.get((record.run, record.parent)) if record.parent else None
    lines = []
    if wrapped is not None and succeeded:
        run_dir, items = wrapped
        slots = {location(v): slot for slot, v in _outputs(record).items() if location(v) is not None}
        for md, value in items:
            where = location(value)
            lines.append(_line(record, md, slots.get(where), where, "returned"))
    if declared is not None and succeeded:
        run_dir, outputs = declared
        values = _outputs(record)
        for slot, md in outputs.items():
            lines.append(_line(record, md, slot, location(values.get(slot)), "declared by the caller"))
    if lines:
        _append(Path(run_dir) / LOG_NAME, lines)


def _outputs(record: Any) -> Dict[str, Any]:
    """The finished action's outputs by slot (o0, o1, ...)."""
    if record.outputs is None:
        return {}
    try:
        from .._run import current_store
        from .._serde import Codec

        value = Codec(blob_loader=current_store().load_blob).unpack(record.outputs)
    except Exception:  # the log still gets the declaration, without the value's location
        logger.debug("could not read the outputs of %s/%s", record.run, record.id, exc_info=True)
        return {}
    values = value if isinstance(value, (list, tuple)) else (value,)
    return {f"o{i}": v for i, v in enumerate(values)}


def _line(record: Any, md: Metadata, slot: Optional[str], where: Optional[str], how: str) -> Dict[str, Any]:
    return {**describe(md), "output": slot, "uri": where, "task": record.task, "action": record.id,
            "run": record.run, "produced": how, "time": time.time()}


def _append(path: Path, lines: List[Dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_log(run_dir: Path) -> List[Dict[str, Any]]:
    """The artifacts a run published, in order."""
    path = Path(run_dir) / LOG_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
