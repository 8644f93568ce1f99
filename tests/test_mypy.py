"""The packages type-check: `mypy` with the configuration in pyproject.toml ([tool.mypy]: which
packages, and which untyped libraries are taken as Any) reports no error, over all three packages.

A failure lists mypy's own report, file and line first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_checks_every_package() -> None:
    # the runtime, the shim and the codemod: dropping one from the list would hide its errors
    try:
        import tomllib
    except ImportError:  # Python 3.10
        pytest.skip("reading pyproject.toml needs tomllib (Python 3.11+)")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(config["files"]) == {"flyte", "flytekit_compat", "codemods"}


@pytest.mark.timeout(900)  # a cold check of every module takes a minute or so on a busy machine
def test_mypy_reports_no_error() -> None:
    # the repository's .mypy_cache makes a rerun take seconds; a clean checkout (CI) checks from scratch
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"mypy found errors:\n{proc.stdout}{proc.stderr}"
    assert not proc.stdout.strip(), proc.stdout
