"""New code fits the project's line length, read from its ruff/black/flake8 configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods import migrate_paths
from codemods._config import _for_directory, line_length_for

SOURCE = (
    "from flytekit import Resources, task, workflow\n\n\n"
    '@task(requests=Resources(cpu="2", mem="4Gi"), limits=Resources(cpu="4", mem="8Gi"), retries=2)\n'
    "def crunch(n: int) -> int:\n    return n\n\n\n"
    "@workflow\ndef wf(n: int) -> int:\n    return crunch(n=n)\n"
)


def migrate_in_repo(repo: Path, config: tuple[str, str], source: str) -> tuple[Path, str]:
    """`source` as `wf.py` in a repository root whose lint config file `config[0]` holds
    `config[1]`, migrated in place; returns the file and its migrated text."""
    (repo / ".git").mkdir()
    (repo / config[0]).write_text(config[1])
    path = repo / "wf.py"
    path.write_text(source)
    _for_directory.cache_clear()
    migrate_paths([str(path)], jobs=1)
    return path, path.read_text()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("pyproject.toml", "[tool.ruff]\nline-length = 100\n", 100),
        ("pyproject.toml", "[tool.black]\nline-length = 79\n", 79),
        ("ruff.toml", "line-length = 110\n", 110),
        ("setup.cfg", "[flake8]\nmax-line-length = 99\n", 99),
        (".flake8", "[flake8]\nmax_line_length = 72\n", 72),
        ("pyproject.toml", "[tool.ruff\nbroken", 88),
    ],
)
def test_line_length_is_read_from_the_nearest_config(tmp_path: Path, name: str, text: str, expected: int) -> None:
    (tmp_path / ".git").mkdir()  # the repository root: the search stops here
    (tmp_path / name).write_text(text)
    pkg = tmp_path / "src" / "pkg"
    pkg.mkdir(parents=True)
    _for_directory.cache_clear()
    assert line_length_for(str(pkg / "wf.py")) == expected


def test_default_is_88_and_the_search_stops_at_the_repository(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 200\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _for_directory.cache_clear()
    assert line_length_for(str(repo / "wf.py")) == 88


@pytest.mark.parametrize("width", [60, 88, 120])
def test_generated_environment_fits_the_width(tmp_path: Path, width: int) -> None:
    _, out = migrate_in_repo(tmp_path, ("pyproject.toml", f"[tool.ruff]\nline-length = {width}\n"), SOURCE)
    start = out.index("env = flyte.TaskEnvironment(")
    env_lines = out[start : out.index("\n\n\n", start)].splitlines()
    assert max(len(line) for line in env_lines) <= width, out
    one_line = len(env_lines) == 1
    assert one_line == (width == 120), out


DRIVER = (
    "import functools\n\nfrom flytekit import map_task, task, workflow\n\n\n"
    "@task\ndef scale(value: int, factor: int) -> int:\n    return value * factor\n\n\n"
    "@task\ndef combine(first_values: list[int], second_values: list[int], offset: int) -> int:\n"
    "    return sum(first_values) + sum(second_values) + offset\n\n\n"
    "@workflow\ndef wf(values: list[int], offset: int) -> int:\n"
    "    # a comment line the user wrote, longer than any width this test sets, and kept as it is ......\n"
    "    doubled = map_task(functools.partial(scale, factor=2), concurrency=4)(value=values)\n"
    "    tripled = map_task(functools.partial(scale, factor=3))(value=values)\n"
    "    return combine(first_values=doubled, second_values=tripled, offset=offset)\n"
)


@pytest.mark.parametrize("width", [60, 79, 88, 120])
def test_rewritten_lines_fit_the_width_and_user_lines_are_kept(tmp_path: Path, width: int) -> None:
    path, out = migrate_in_repo(tmp_path, ("pyproject.toml", f"[tool.black]\nline-length = {width}\n"), DRIVER)
    user = "    # a comment line the user wrote, longer than any width this test sets, and kept as it is ......"
    assert user in out.splitlines()
    theirs = set(DRIVER.splitlines())  # lines the migration kept as the user wrote them
    too_long = [ln for ln in out.splitlines() if len(ln) > width and ln not in theirs]
    assert not too_long, out
    compile(out, "wf.py", "exec")
    # broken black's way: one argument per line with a trailing comma
    if width < 88:
        assert "        return_exceptions=False,\n    )]" in out, out
    # a second run changes nothing
    first = out
    migrate_paths([str(path)], jobs=1)
    assert path.read_text() == first


def test_long_lines_the_migration_did_not_change_are_left_alone(tmp_path: Path) -> None:
    long_plain = "    total = sum([value_one, value_two, value_three, value_four, value_five])"
    source = (
        "from flytekit import task\n\n\n@task\ndef add(value_one: int, value_two: int, value_three: int, value_four: int, value_five: int) -> int:\n"
        f"{long_plain}\n    return total\n"
    )
    _, out = migrate_in_repo(tmp_path, ("setup.cfg", "[flake8]\nmax-line-length = 60\n"), source)
    assert long_plain in out.splitlines()
    assert "def add(value_one: int, value_two: int, value_three: int, value_four: int, value_five: int) -> int:" in out


SIGNATURE = (
    "from flytekit import task, workflow\n\n\n"
    "@task\ndef add(first_value: int, second_value: int) -> int:\n    return first_value + second_value\n\n\n"
    "@workflow\n"
    "def add_workflow(first_value: int = 1, second_value: int = 2, third_value: int = 3) -> int:\n"
    "    return add(first_value=add(first_value=first_value, second_value=second_value), second_value=third_value)\n"
)


@pytest.mark.parametrize("width", [88, 120])
def test_a_def_line_made_too_long_by_async_gets_one_parameter_per_line(tmp_path: Path, width: int) -> None:
    path, out = migrate_in_repo(tmp_path, ("pyproject.toml", f"[tool.ruff]\nline-length = {width}\n"), SIGNATURE)
    compile(out, "wf.py", "exec")
    one_line = "async def add_workflow(first_value: int = 1, second_value: int = 2, third_value: int = 3) -> int:"
    if width == 120:
        assert one_line in out.splitlines(), out
    else:
        assert (
            "async def add_workflow(\n    first_value: int = 1,\n    second_value: int = 2,\n    third_value: int = 3,\n) -> int:\n"
        ) in out, out
    assert all(len(ln) <= width for ln in out.splitlines()), out
    first = out
    migrate_paths([str(path)], jobs=1)
    assert path.read_text() == first


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a bare generator argument: no trailing comma may follow it
        (
            "x = sorted(aaaaaaaaaaaaaaaaaaa(i) for i in range(bbbbbbbbbbbbbbbbbbbbbb))\n",
            "x = sorted(\n    aaaaaaaaaaaaaaaaaaa(i)\n    for i in range(bbbbbbbbbbbbbbbbbbbbbb)\n)\n",
        ),
        # *args and **kwargs take a trailing comma like any argument
        (
            "x = foo(*args, **kwargs, key=aaaaaaaaaaaaaaaaaaaaaaaaaaaa)\n",
            "x = foo(\n    *args,\n    **kwargs,\n    key=aaaaaaaaaaaaaaaaaaaaaaaaaaaa,\n)\n",
        ),
        # nothing inside an f-string's braces is broken (not Python before 3.12)
        (
            'x = print(f"{foo(aaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbb, ccccccccccccccccccccc)}")\n',
            'x = print(\n    f"{foo(aaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbb, ccccccccccccccccccccc)}",\n)\n',
        ),
        # a chain breaks at its first call, the tail stays on the closing line
        (
            "r = await tsk.override(resources=flyte.Resources(cpu=2), retries=3).aio(x=n)\n",
            "r = await tsk.override(\n    resources=flyte.Resources(cpu=2),\n    retries=3,\n).aio(x=n)\n",
        ),
    ],
)
def test_fit_statement_breaks_black_s_way_and_writes_valid_code(source: str, expected: str) -> None:
    import libcst as cst

    from codemods._cst import code, fit_statement

    stmt = cst.parse_statement(source)
    assert isinstance(stmt, cst.SimpleStatementLine)
    out = code(fit_statement(stmt, 40, 0))
    assert out == expected
    compile("async def f():\n" + "".join("    " + ln + "\n" for ln in out.splitlines()), "<fit>", "exec")


def test_calls_broken_to_fit_are_still_gathered_and_loop_todos_still_written() -> None:
    # fitting happens after a driver's scheduling: the rules still recognise their awaits
    from codemods import migrate_source

    source = (
        "from flytekit import dynamic, task, workflow\n\n\n"
        "@task\ndef load(number_of_rows_to_load: int, random_seed_for_sampling: int) -> int:\n    return number_of_rows_to_load\n\n\n"
        "@workflow\ndef wf(number_of_rows_to_load: int = 3, random_seed_for_sampling: int = 1) -> int:\n"
        "    first = load(number_of_rows_to_load=number_of_rows_to_load, random_seed_for_sampling=random_seed_for_sampling)\n"
        "    second = load(number_of_rows_to_load=number_of_rows_to_load, random_seed_for_sampling=random_seed_for_sampling)\n"
        "    return first + second\n\n\n"
        "@dynamic\ndef loop(regions: list[int], random_seed_for_sampling: int = 1) -> list[int]:\n"
        "    out = []\n"
        "    for region in regions:\n"
        "        rows = load(number_of_rows_to_load=region, random_seed_for_sampling=random_seed_for_sampling)\n"
        "        out.append(rows)\n"
        "        print(rows)\n"
        "    return out\n"
    )
    out = migrate_source(source, path="<gather>").code
    assert "first, second = await asyncio.gather(\n" in out, out
    assert "FM103 this loop now awaits one task call at a time" in out, out
    assert all(len(ln) <= 88 for ln in out.splitlines() if "TODO(flyte-migrate)" not in ln), out
