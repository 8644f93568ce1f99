"""Task environment variables and secrets, applied to the process environment while a task runs.

Actions share one process, so variables are layered: each task pushes its values on entry and
pops them on exit, and a variable goes back to its original value when the last layer using it
leaves. When two concurrent tasks set the same variable to different values, the one that
started last is visible to both until it finishes; tasks of one environment never conflict.
"""

from __future__ import annotations

import itertools
import os
import threading
from typing import Optional

_lock = threading.Lock()
_layers: dict[str, list[tuple[int, str]]] = {}
_originals: dict[str, Optional[str]] = {}
_tokens = itertools.count(1)


def push(values: dict[str, str]) -> tuple[int, tuple[str, ...]]:
    token = next(_tokens)
    with _lock:
        for k, v in values.items():
            stack = _layers.get(k)
            if stack is None:
                _originals[k] = os.environ.get(k)
                stack = _layers[k] = []
            stack.append((token, v))
            os.environ[k] = v
    return token, tuple(values)


def pop(handle: tuple[int, tuple[str, ...]]) -> None:
    token, keys = handle
    with _lock:
        for k in keys:
            stack = _layers.get(k)
            if not stack:
                continue
            stack[:] = [entry for entry in stack if entry[0] != token]
            if stack:
                os.environ[k] = stack[-1][1]
            else:
                del _layers[k]
                original = _originals.pop(k, None)
                if original is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = original


def base_environment() -> dict[str, str]:
    """This process's environment without the layers running tasks pushed: what a new worker
    process starts with (each attempt sends its task's own variables)."""
    with _lock:
        env = dict(os.environ)
        for k, original in _originals.items():
            if original is None:
                env.pop(k, None)
            else:
                env[k] = original
    return env
