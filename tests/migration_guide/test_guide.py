"""Every example in migration_guide/ runs and prints exactly what the guide says it prints.

Flyte 1 programs run on the flytekit shim, Flyte 2 programs on our runtime, each in a fresh
interpreter with its own FLYTE_HOME. Fragments must at least compile.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from tests.migration_guide.guide_examples import GuideError, all_examples, all_fragments, pages, parse

EXAMPLES = all_examples()
RUNS = [(ex, v) for ex in EXAMPLES for v in ("flyte1", "flyte2") if v in ex.variants]


def run_program(code: str, tmp_path: Path, name: str = "example.py",
                extra_env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_text(code)
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(tmp_path), **(extra_env or {})}
    timeout = 120 if extra_env is None else 600  # connecting to Ray takes a while on a loaded machine
    return subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=timeout)


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# A line Ray's log monitor forwards to the driver's stdout: "(raylet) A worker died ...",
# "(featurize pid=123) ...", possibly in color. Ray's, not the program's output.
_RAY_FORWARDED = re.compile(r"^(\x1b\[[0-9;]*m)?\((raylet|[\w.-]+ pid=\d+|pid=\d+)[^)]*\)")


def program_output(text: str, executor: Optional[str]) -> str:
    if executor == "ray":
        text = "\n".join(line for line in text.splitlines() if not _RAY_FORWARDED.match(line))
    return normalized(text)


def test_guide_has_pages_and_examples() -> None:
    assert len(pages()) >= 8
    assert len(RUNS) >= 30
    # Every page that shows a Flyte 1 construct shows its Flyte 2 form too.
    assert sum(1 for ex in EXAMPLES if {"flyte1", "flyte2"} <= ex.variants.keys()) >= 12


@pytest.mark.parametrize("example,variant", RUNS, ids=[f"{ex.name}/{v}" for ex, v in RUNS])
def test_example_prints_what_the_guide_says(example, variant, tmp_path: Path, request) -> None:
    executor = example.variants[variant].executor
    extra_env = None
    if executor == "ray":  # the session's two-node cluster (tests/conftest.py), by its address
        extra_env = {"FLYTE_EXECUTOR": "ray", "RAY_ADDRESS": request.getfixturevalue("ray_cluster").address}
    elif executor is not None:
        extra_env = {"FLYTE_EXECUTOR": executor}
    proc = run_program(example.variants[variant].code, tmp_path, extra_env=extra_env)
    assert proc.returncode == 0, f"{example.name}/{variant} failed:\n{proc.stdout}\n{proc.stderr}"
    assert program_output(proc.stdout, executor) == normalized(example.variants["output"].code)


@pytest.mark.parametrize("fragment", all_fragments(), ids=lambda f: f"{f.doc}:{f.line}")
def test_fragment_compiles(fragment) -> None:
    compile(fragment.code, f"{fragment.doc}:{fragment.line}", "exec")


def test_unmarked_python_block_is_rejected(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Intro\n\n```python\nprint(1)\n```\n")
    with pytest.raises(GuideError, match=r"page\.md:3: python block has no"):
        parse(page)


def test_example_without_output_is_rejected(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- example: a/flyte2 -->\n```python\nprint(1)\n```\n")
    with pytest.raises(GuideError, match="'a' has no output block"):
        parse(page)


def test_ray_forwarded_lines_are_not_the_program_output() -> None:
    printed = ("\x1b[33m(raylet)\x1b[0m A worker died or was killed while executing a task ...\n[0, 10, 20]\n"
               "(shard pid=12, ip=127.0.0.1) a worker's print\n(pid=5) starting\n(not ray) the program's\n")
    assert program_output(printed, "ray") == "[0, 10, 20]\n(not ray) the program's"
    assert program_output(printed, None).startswith("\x1b[33m(raylet)")  # only Ray runs filter anything
