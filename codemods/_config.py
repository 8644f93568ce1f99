"""The project's line length, read from its own lint configuration.

New code that flyte-migrate writes (environment definitions, wrapped calls) is broken to fit the
width the project already enforces. The nearest configuration above the file wins, in the order
a project's tools would read it: `ruff.toml`/`.ruff.toml` (`line-length`), `pyproject.toml`
(`[tool.ruff] line-length`, then `[tool.black] line-length`), then `setup.cfg`, `tox.ini` and
`.flake8` (`[flake8] max-line-length`). The search stops at the repository root (a `.git`
entry); without any setting the width is black's and ruff's default, 88.
"""

from __future__ import annotations

import configparser
import functools
import os
import sys
from typing import Optional

DEFAULT_LINE_LENGTH = 88


def line_length_for(path: str) -> int:
    """The line length that applies to the file at `path` (88 when nothing says otherwise)."""
    if not path or path.startswith("<"):
        return DEFAULT_LINE_LENGTH
    return _for_directory(os.path.dirname(os.path.abspath(path)))


@functools.lru_cache(maxsize=1024)
def _for_directory(directory: str) -> int:
    found = _read_directory(directory)
    if found is not None:
        return found
    parent = os.path.dirname(directory)
    if parent == directory or os.path.exists(os.path.join(directory, ".git")):
        return DEFAULT_LINE_LENGTH
    return _for_directory(parent)


def _read_directory(directory: str) -> Optional[int]:
    for name in ("ruff.toml", ".ruff.toml"):
        data = _toml(os.path.join(directory, name))
        if data is not None and isinstance(data.get("line-length"), int):
            return int(data["line-length"])
    data = _toml(os.path.join(directory, "pyproject.toml"))
    if data is not None:
        tool = data.get("tool", {})
        for section in ("ruff", "black"):
            value = tool.get(section, {}).get("line-length")
            if isinstance(value, int):
                return value
    for name in ("setup.cfg", "tox.ini", ".flake8"):
        value = _flake8(os.path.join(directory, name))
        if value is not None:
            return value
    return None


def _toml(path: str) -> Optional[dict]:
    if not os.path.isfile(path):
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the tomli backport, when installed
        try:
            import tomli as tomllib
        except ImportError:
            return None
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, ValueError):
        return None  # an unreadable or invalid file configures nothing


def _flake8(path: str) -> Optional[int]:
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    for key in ("max-line-length", "max_line_length"):
        value = parser.get("flake8", key, fallback=None)
        if value is not None and value.strip().isdigit():
            return int(value.strip())
    return None
