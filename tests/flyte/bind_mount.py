"""A read-only view of a directory for tests: a bind mount remounted read-only.

Unlike `chmod`, a read-only mount refuses writes to root too, which is how these tests run; it
needs the privilege to mount, and a test without it is skipped with the reason."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only_bind_mount(source: Path, view: Path) -> Iterator[Path]:
    """`source` seen read-only at `view` (made if missing) until the block ends."""
    view.mkdir(exist_ok=True)
    proc = subprocess.run(["mount", "--bind", str(source), str(view)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot bind-mount here ({proc.stderr.strip()})")
    try:
        proc = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here ({proc.stderr.strip()})")
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True)
