"""The Flyte 1 snippets of the user's guide (../shared/seeds/), run as written on the shim."""

from pathlib import Path

SEEDS = Path(__file__).parent / "seeds"

_DRIVER_TASK = "my_workflow"


def _run(tmp_path, seed, **kwargs):
    # The workflow object is a flytekit entity; run it the way legacy code does: call it.
    prog = tmp_path / f"call_{seed}"
    prog.write_text(
        "import json, sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('seedmod', {str(SEEDS / seed)!r})\n"
        "mod = importlib.util.module_from_spec(spec); sys.modules['seedmod'] = mod; spec.loader.exec_module(mod)\n"
        f"print('@@' + json.dumps(mod.{_DRIVER_TASK}(**json.loads(sys.argv[1]))))\n"
    )
    import json
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(prog), json.dumps(kwargs)], capture_output=True, text=True,
                          env={**os.environ, "FLYTE_HOME": str(tmp_path / "home")}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("@@"))
    return json.loads(line[2:]), tmp_path / "home"


def _actions(home):
    from flyte._store import SQLiteStore

    store = SQLiteStore(home)
    try:
        runs = store.list_runs()
        assert len(runs) == 1
        return [a._asdict() for a in store.list_actions(runs[0].name).actions]
    finally:
        store.close()


def test_map_task_basic(tmp_path):
    out, home = _run(tmp_path, "map_basic_v1.py", items=[1, 2, 3, 4])
    assert out == [2, 4, 6, 8]
    tasks = [a["task"] for a in _actions(home)]
    assert tasks.count("seedmod.process_item") == 4  # every item is a recorded action


def test_map_task_with_concurrency(tmp_path):
    out, home = _run(tmp_path, "map_concurrency_v1.py", items=list(range(12)))
    assert out == [2 * i for i in range(12)]
    assert sum(a["task"] == "seedmod.process_item" for a in _actions(home)) == 12


def test_sequential_workflow(tmp_path):
    out, home = _run(tmp_path, "sequential_v1.py", x=3)
    assert out == "result=8"
    acts = sorted(_actions(home), key=lambda a: a["start_time"])
    names = [a["short_name"] for a in acts if a["parent"] is not None]
    assert names == ["step1", "step2", "step3"]

