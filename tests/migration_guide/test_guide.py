"""Every example in migration_guide/ runs and prints exactly what the guide says it prints.

Flyte 1 programs run on the flytekit shim, Flyte 2 programs on our runtime, each in a fresh
interpreter with its own FLYTE_HOME. Fragments must at least compile.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.migration_guide.guide_examples import GuideError, all_examples, all_fragments, pages, parse

EXAMPLES = all_examples()
RUNS = [(ex, v) for ex in EXAMPLES for v in ("flyte1", "flyte2") if v in ex.variants]


def run_program(code: str, tmp_path: Path, name: str = "example.py") -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_text(code)
    env = {**os.environ, "FLYTE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(tmp_path)}
    return subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def test_guide_has_pages_and_examples() -> None:
    assert len(pages()) >= 8
    assert len(RUNS) >= 30
    # Every page that shows a Flyte 1 construct shows its Flyte 2 form too.
    assert sum(1 for ex in EXAMPLES if {"flyte1", "flyte2"} <= ex.variants.keys()) >= 12


@pytest.mark.parametrize("example,variant", RUNS, ids=[f"{ex.name}/{v}" for ex, v in RUNS])
def test_example_prints_what_the_guide_says(example, variant, tmp_path: Path) -> None:
    proc = run_program(example.variants[variant].code, tmp_path)
    assert proc.returncode == 0, f"{example.name}/{variant} failed:\n{proc.stdout}\n{proc.stderr}"
    assert normalized(proc.stdout) == normalized(example.variants["output"].code)


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
