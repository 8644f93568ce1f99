"""flyte-migrate turns every Flyte 1 example of the guide into a Flyte 2 program that prints
exactly what the guide says, on our runtime."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods import migrate_source
from tests.migration_guide.guide_examples import all_examples
from tests.migration_guide.test_guide import normalized, run_program

FLYTE1 = [ex for ex in all_examples() if "flyte1" in ex.variants]


@pytest.mark.parametrize("example", FLYTE1, ids=[ex.name for ex in FLYTE1])
def test_migrated_example_prints_what_the_guide_says(example, tmp_path: Path) -> None:
    result = migrate_source(example.variants["flyte1"].code, path="example.py", module_name="example")
    assert result.error is None
    imports = [ln for ln in result.code.splitlines() if ln.lstrip().startswith(("import ", "from "))]
    assert not [ln for ln in imports if "flytekit" in ln]  # nothing left on the shim
    proc = run_program(result.code, tmp_path)
    assert proc.returncode == 0, f"{example.name} migrated failed:\n{result.code}\n{proc.stderr}"
    assert normalized(proc.stdout) == normalized(example.variants["output"].code)
