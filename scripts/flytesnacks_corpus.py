"""Differential corpus: flytesnacks examples run on real flytekit and on this project's shim.

    python scripts/flytesnacks_corpus.py --snacks PATH --flytekit-python /path/to/flytekit-venv/bin/python \
        [--mode python|pyflyte|both] [--only ID ...] [--json out.json] [--md out.md]

PATH is either a flytesnacks `examples/` directory or a flytesnacks git directory (the examples
the corpus needs are then exported from HEAD with `git archive` into a temporary directory; they
are third-party code and never enter this repository).

Each entry (71 of them, over 29 example files) runs in a fresh process from the example's package
directory with an empty HOME and FLYTE_HOME, once per side:
- python mode: import the entity, call it with the entry's keyword arguments (awaiting a
  coroutine), and print the normalised result, or `FAIL: <exception type>: <message>`;
- pyflyte mode (entries whose inputs are plain): `pyflyte run FILE ENTITY --name value ...`,
  compared on exit status.
Results are normalised so that runs can be compared: temporary paths become <tmp>, memory
addresses 0x.., files and directories become their names and content digests, dataframes and
arrays their (rounded) values, iterators their items.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("basics", "advanced_composition", "data_types_and_io", "development_lifecycle", "productionizing",
            "extending", "customizing_dependencies", "testing")


@dataclass
class Entry:
    id: str
    path: str  # <package>/<package>/<module>.py under examples/
    entity: str  # "__main__" runs the file as a script
    kwargs: str  # a Python expression; $TD is the examples' test_data directory
    features: str
    expected: str  # "ok" or "fail", as on real flytekit
    stdin: str = ""
    env: dict[str, str] = field(default_factory=dict)


ENTRIES: list[Entry] = [
    Entry('basics.hello_world', 'basics/basics/hello_world.py', 'hello_world_wf', '{}',
          'task+wf, no io', 'ok'),
    Entry('basics.task.slope', 'basics/basics/task.py', 'slope', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'run a bare task', 'ok'),
    Entry('basics.workflow.simple_wf', 'basics/basics/workflow.py', 'simple_wf', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'two chained tasks', 'ok'),
    Entry('basics.workflow.partial', 'basics/basics/workflow.py', 'simple_wf_with_partial', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'functools.partial of task in wf', 'ok'),
    Entry('basics.named_outputs', 'basics/basics/named_outputs.py', 'simple_wf_with_named_outputs', '{}',
          'NamedTuple outputs, defaults', 'ok'),
    Entry('basics.documenting_workflows', 'basics/basics/documenting_workflows.py', 'sphinx_docstring_wf', '{}',
          'docstrings, tuple output', 'ok'),
    Entry('basics.imperative_workflow', 'basics/basics/imperative_workflow.py', 'imperative_wf', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'flytekit.Workflow imperative API', 'ok'),
    Entry('basics.launch_plan.default_lp', 'basics/basics/launch_plan.py', 'default_lp', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'LaunchPlan.get_default_launch_plan', 'ok'),
    Entry('basics.launch_plan.simple_wf_lp', 'basics/basics/launch_plan.py', 'simple_wf_lp', '{}',
          'LP default_inputs', 'ok'),
    Entry('basics.launch_plan.fixed_inputs', 'basics/basics/launch_plan.py', 'simple_wf_lp_fixed_inputs', "{'y': [7, 4, -2]}",
          'LP fixed_inputs', 'ok'),
    Entry('basics.shell_task', 'basics/basics/shell_task.py', 'shell_task_wf', '{}',
          'ShellTask, FlyteFile/FlyteDirectory (writes output.txt in cwd)', 'ok'),
    Entry('adv.chain_tasks', 'advanced_composition/advanced_composition/chain_entities.py', 'chain_tasks_wf', '{}',
          '>> between task promises', 'ok'),
    Entry('adv.chain_workflows', 'advanced_composition/advanced_composition/chain_entities.py', 'chain_workflows_wf', '{}',
          '>> between subworkflows', 'ok'),
    Entry('adv.chain_launchplans', 'advanced_composition/advanced_composition/chain_entities.py', 'chain_launchplans_wf', '{}',
          '>> between launch plans', 'ok'),
    Entry('adv.checkpoint', 'advanced_composition/advanced_composition/checkpoint.py', 'checkpointing_example', "{'n_iterations': 10}",
          'checkpoint + retries (EXPECTED FAIL locally: no retries)', 'fail'),
    Entry('adv.cond.shape_properties', 'advanced_composition/advanced_composition/conditional.py', 'shape_properties', "{'radius': 0.5}",
          'conditional if/else, & on comparisons', 'ok'),
    Entry('adv.cond.multiple_branches', 'advanced_composition/advanced_composition/conditional.py', 'shape_properties_with_multiple_branches', "{'radius': 5.0}",
          'elif_', 'ok'),
    Entry('adv.cond.multiple_branches_fail', 'advanced_composition/advanced_composition/conditional.py', 'shape_properties_with_multiple_branches', "{'radius': 11.0}",
          'else_().fail() (EXPECTED FAIL)', 'fail'),
    Entry('adv.cond.accept_cond_output', 'advanced_composition/advanced_composition/conditional.py', 'shape_properties_accept_conditional_output', "{'radius': 0.5}",
          'conditional output feeds task', 'ok'),
    Entry('adv.cond.boolean_wf', 'advanced_composition/advanced_composition/conditional.py', 'boolean_wf', "{'seed': 5}",
          'is_true() on task output', 'ok'),
    Entry('adv.cond.boolean_input_wf', 'advanced_composition/advanced_composition/conditional.py', 'boolean_input_wf', "{'boolean_input': True}",
          'is_true() on wf input', 'ok'),
    Entry('adv.cond.nested', 'advanced_composition/advanced_composition/conditional.py', 'nested_conditions', "{'radius': 0.7}",
          'nested conditional', 'ok'),
    Entry('adv.cond.consume_task_output', 'advanced_composition/advanced_composition/conditional.py', 'consume_task_output', "{'radius': 0.7}",
          'condition on task output', 'ok'),
    Entry('adv.cond.noop', 'advanced_composition/advanced_composition/conditional.py', 'noop_in_conditional', "{'radius': 0.7}",
          'Echo task in branch', 'ok'),
    Entry('adv.decorating_tasks', 'advanced_composition/advanced_composition/decorating_tasks.py', 'decorating_task_wf', "{'x': 10}",
          'user decorators wrapping @task', 'ok'),
    Entry('adv.decorating_workflows', 'advanced_composition/advanced_composition/decorating_workflows.py', 'decorating_workflow', "{'x': 19.8}",
          'create_node, >>, Workflow decorator', 'ok'),
    Entry('adv.dynamic_wf', 'advanced_composition/advanced_composition/dynamic_workflow.py', 'dynamic_wf', "{'s1': 'Pear', 's2': 'Earth'}",
          '@dynamic loop', 'ok'),
    Entry('adv.merge_sort', 'advanced_composition/advanced_composition/dynamic_workflow.py', 'merge_sort', "{'numbers': [1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164], 'numbers_count': 10}",
          'recursive @dynamic + conditional', 'ok'),
    Entry('adv.eager.simple', 'advanced_composition/advanced_composition/eager_workflows.py', 'simple_eager_workflow', "{'x': 5}",
          '@eager (stale example: EXPECTED FAIL under 1.16.31)', 'fail'),
    Entry('adv.eager.for_loop', 'advanced_composition/advanced_composition/eager_workflows.py', 'eager_workflow_with_for_loop', "{'x': 4}",
          '@eager asyncio.gather (EXPECTED FAIL under 1.16.31)', 'fail'),
    Entry('adv.map.map_workflow', 'advanced_composition/advanced_composition/map_task.py', 'map_workflow', '{}',
          'map_task basic', 'ok'),
    Entry('adv.map.multiple_inputs', 'advanced_composition/advanced_composition/map_task.py', 'multiple_inputs_map_workflow', '{}',
          'map_task + functools.partial', 'ok'),
    Entry('adv.map.partial_task_output', 'advanced_composition/advanced_composition/map_task.py', 'map_workflow_partial_with_task_output', '{}',
          'partial bound to promise', 'ok'),
    Entry('adv.map.with_lists', 'advanced_composition/advanced_composition/map_task.py', 'map_workflow_with_lists', '{}',
          'map over 2 lists', 'ok'),
    Entry('adv.subwf.slope_intercept', 'advanced_composition/advanced_composition/subworkflow.py', 'slope_intercept_wf', "{'x': [-3, 0, 3], 'y': [7, 4, -2]}",
          'subworkflow', 'ok'),
    Entry('adv.subwf.regression_line', 'advanced_composition/advanced_composition/subworkflow.py', 'regression_line_wf', '{}',
          'subworkflow with defaults', 'ok'),
    Entry('adv.subwf.nested', 'advanced_composition/advanced_composition/subworkflow.py', 'nested_regression_line_wf', '{}',
          'nested subworkflow', 'ok'),
    Entry('adv.subwf.nested_lp', 'advanced_composition/advanced_composition/subworkflow.py', 'nested_regression_line_lp', '{}',
          'LP called from wf', 'ok'),
    Entry('adv.gate.sleep_wf', 'advanced_composition/advanced_composition/waiting_for_external_inputs.py', 'sleep_wf', "{'num': 5}",
          'flytekit.sleep gate (simulated)', 'ok'),
    Entry('adv.gate.reporting_wf', 'advanced_composition/advanced_composition/waiting_for_external_inputs.py', 'reporting_wf', "{'data': [1.0, 2.0, 3.0]}",
          'wait_for_input (stdin prompt)', 'ok'),
    Entry('adv.gate.approval_wf', 'advanced_composition/advanced_composition/waiting_for_external_inputs.py', 'reporting_with_approval_wf', "{'data': [1.0, 2.0, 3.0]}",
          'approve (stdin prompt)', 'ok'),
    Entry('dt.attr.list_wf', 'data_types_and_io/data_types_and_io/attribute_access.py', 'list_wf', '{}',
          'promise[index]', 'ok'),
    Entry('dt.attr.dict_wf', 'data_types_and_io/data_types_and_io/attribute_access.py', 'dict_wf', '{}',
          'promise[key]', 'ok'),
    Entry('dt.attr.dataclass_wf', 'data_types_and_io/data_types_and_io/attribute_access.py', 'dataclass_wf', '{}',
          'promise.attr', 'ok'),
    Entry('dt.attr.advanced', 'data_types_and_io/data_types_and_io/attribute_access.py', 'advanced_workflow', '{}',
          'nested attribute access', 'ok'),
    Entry('dt.dataclass', 'data_types_and_io/data_types_and_io/dataclass.py', 'dataclass_wf', "{'x': 10, 'y': 20}",
          'dataclass w/ FlyteFile, FlyteDirectory, SD', 'ok'),
    Entry('dt.enum.str', 'data_types_and_io/data_types_and_io/enum_type.py', 'coffee_maker', "{'coffee': 'latte'}",
          'Enum output/input', 'ok'),
    Entry('dt.enum.enum', 'data_types_and_io/data_types_and_io/enum_type.py', 'coffee_maker_enum', "{'coffee_enum': 'latte'}",
          'Enum wf input', 'ok'),
    Entry('dt.file.local_csv', 'data_types_and_io/data_types_and_io/file.py', 'normalize_csv_file', "{'csv_url': '$TD/biostats.csv', 'column_names': ['Name', 'Sex', 'Age', 'Heights (in)', 'Weight (lbs)'], 'columns_to_normalize': ['Age']}",
          'FlyteFile in/out (local path instead of URL)', 'ok'),
    Entry('dt.folder.local_urls', 'data_types_and_io/data_types_and_io/folder.py', 'download_and_normalize_csv_files', "{'csv_urls': ['file://$TD/biostats.csv', 'file://$TD/faithful.csv'], 'columns_metadata': [['Name', 'Sex', 'Age', 'Heights (in)', 'Weight (lbs)'], ['Index', 'Eruption length (mins)', 'Eruption wait (mins)']], 'columns_to_normalize_metadata': [['Age'], ['Eruption length (mins)']]}",
          'FlyteDirectory (file:// urls instead of https)', 'ok'),
    Entry('dt.pickle.superhero', 'data_types_and_io/data_types_and_io/pickle_type.py', 'superhero_wf', '{}',
          'pickled custom class', 'ok'),
    Entry('dt.pickle.superheroes', 'data_types_and_io/data_types_and_io/pickle_type.py', 'superheroes_wf', '{}',
          'BatchSize-annotated list of pickles', 'ok'),
    Entry('dt.pydantic', 'data_types_and_io/data_types_and_io/pydantic_basemodel.py', 'basemodel_wf', "{'x': 10, 'y': 20}",
          'pydantic BaseModel w/ Flyte types', 'ok'),
    Entry('dt.sd.simple', 'data_types_and_io/data_types_and_io/structured_dataset.py', 'simple_sd_wf', "{'a': 42}",
          'StructuredDataset column subset', 'ok'),
    Entry('dt.sd.pandas_to_csv', 'data_types_and_io/data_types_and_io/structured_dataset.py', 'pandas_to_csv_wf', '{}',
          'custom CSV encoder', 'ok'),
    Entry('dt.sd.numpy', 'data_types_and_io/data_types_and_io/structured_dataset.py', 'numpy_wf', '{}',
          'custom numpy encoder/decoder', 'ok'),
    Entry('dt.sd.contacts', 'data_types_and_io/data_types_and_io/structured_dataset.py', 'contacts_wf', '{}',
          'nested column schemas (needs tabulate)', 'ok'),
    Entry('dev.failure_node.wf1', 'development_lifecycle/development_lifecycle/failure_node.py', 'wf1', '{}',
          'on_failure=task (EXPECTED FAIL after cleanup)', 'fail'),
    Entry('dev.failure_node.wf2', 'development_lifecycle/development_lifecycle/failure_node.py', 'wf2', '{}',
          'on_failure=workflow (EXPECTED FAIL after cleanup)', 'fail'),
    Entry('dev.task_cache.cached_df', 'development_lifecycle/development_lifecycle/task_cache.py', 'cached_dataframe_wf', '{}',
          'cache=True + HashMethod', 'ok'),
    Entry('dev.task_cache_serialize', 'development_lifecycle/development_lifecycle/task_cache_serialize.py', 'square', "{'n': 7}",
          'cache_serialize', 'ok'),
    Entry('prod.resources.my_workflow', 'productionizing/productionizing/customizing_resources.py', 'my_workflow', "{'x': [1, 2, 2, 3]}",
          'requests/limits', 'ok'),
    Entry('prod.resources.my_pipeline', 'productionizing/productionizing/customizing_resources.py', 'my_pipeline', "{'x': [1, 2, 2, 3]}",
          'with_overrides(limits=...)', 'ok'),
    Entry('prod.lp_notifications', 'productionizing/productionizing/lp_notifications.py', 'int_doubler_wf_lp', "{'a': 4}",
          'LP with notifications', 'ok'),
    Entry('prod.lp_schedules.fixed_rate', 'productionizing/productionizing/lp_schedules.py', 'fixed_rate_lp', '{}',
          'LP FixedRate + fixed_inputs', 'ok'),
    Entry('prod.lp_schedules.cron_wf', 'productionizing/productionizing/lp_schedules.py', 'date_formatter_wf', "{'kickoff_time': datetime.datetime(2024, 1, 2, 3, 4, 5)}",
          'datetime input; wf prints a Promise', 'ok'),
    Entry('prod.secrets', 'productionizing/productionizing/use_secrets.py', 'my_secret_workflow', '{}',
          'Secret + current_context().secrets', 'ok'),
    Entry('ext.custom_types', 'extending/extending/custom_types.py', 'wf', '{}',
          'custom TypeTransformer', 'ok'),
    Entry('ext.user_container', 'extending/extending/user_container.py', 'my_workflow', "{'path': '$TD/biostats.csv'}",
          'custom PythonTask subclass', 'ok'),
    Entry('deps.multi_images', 'customizing_dependencies/customizing_dependencies/multi_images.py', 'multi_images_wf', '{}',
          'container_image template strings {{.image.X.fqn}}, numpy ndarray I/O (needs scikit-learn)', 'ok'),
    Entry('test.mocking', 'testing/testing/mocking.py', '__main__', '{}',
          'flytekit.testing task_mock/patch (python file.py)', 'ok'),
]

_STDIN = {
    "adv.gate.reporting_wf": "My Title\n",
    "adv.gate.approval_wf": "My Title\ny\n",
}
# The flyte runtime asks a gate's question on a terminal only; piped answers go in FLYTE_SIGNAL_<NAME>.
_SHIM_ENV = {
    "adv.gate.reporting_wf": {"FLYTE_SIGNAL_TITLE": "My Title"},
    "adv.gate.approval_wf": {"FLYTE_SIGNAL_TITLE": "My Title", "FLYTE_SIGNAL_APPROVE_FINAL_REPORT": "y"},
}
_ENV = {
    "prod.secrets": {"_FSEC_USER-INFO_USER_SECRET": "value", "_FSEC_USER-INFO_USERNAME": "username_value",
                     "_FSEC_USER-INFO_PASSWORD": "password_value"},
}
for _e in ENTRIES:
    _e.stdin = _STDIN.get(_e.id, "")
    _e.env = _ENV.get(_e.id, {})

# Entries where the shim deliberately differs from flytekit 1.16.31's local mode, with the reason.
DIFFERS_BY_DESIGN: dict[str, str] = {}

# Entries also run through `pyflyte run` (plain inputs that map directly to CLI options).
PYFLYTE_IDS = (
    "basics.hello_world", "basics.workflow.simple_wf", "basics.named_outputs", "adv.chain_tasks",
    "adv.cond.shape_properties", "adv.cond.multiple_branches_fail", "adv.dynamic_wf", "adv.map.map_workflow",
    "adv.subwf.nested", "dt.enum.enum", "prod.resources.my_workflow", "dev.task_cache_serialize",
)

RUNNER = r"""
import asyncio, dataclasses, datetime, hashlib, importlib, inspect, json, os, re, sys
sys.path.insert(0, os.getcwd())
TMP = re.compile(r"(/tmp|/var/folders)[^'\"\s,)\]]*")

def digest(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()[:10]

def norm(x, depth=0):
    if depth > 8:
        return "..."
    cls = type(x).__name__
    if x is None or isinstance(x, (bool, int)):
        return repr(x)
    if isinstance(x, float):
        return repr(round(x, 9))
    if isinstance(x, str):
        return repr(TMP.sub("<tmp>", x))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return cls + "(" + ", ".join(f"{k}={norm(v, depth + 1)}" for k, v in zip(x._fields, x)) + ")"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(norm(v, depth + 1) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{norm(k, depth + 1)}: {norm(v, depth + 1)}" for k, v in x.items()) + "}"
    if cls == "DataFrame" and hasattr(x, "to_dict"):
        return "DataFrame(" + norm(x.to_dict("list"), depth + 1) + ")"
    if cls == "ndarray":
        import numpy as np
        return f"ndarray{x.shape}(first={np.round(x.reshape(len(x), -1)[0], 6).tolist() if len(x) else []}, sum={round(float(x.sum()), 4)})"
    if cls.startswith("StructuredDataset"):
        import pandas as pd
        return "StructuredDataset(" + norm(x.open(pd.DataFrame).all(), depth + 1) + ")"
    if "Directory" in cls or cls == "Dir":
        root = os.fspath(x)
        items = sorted((os.path.relpath(os.path.join(d, f), root), digest(os.path.join(d, f)))
                       for d, _, fs in os.walk(root) for f in fs)
        return "Dir(" + ", ".join(f"{n}:{h}" for n, h in items) + ")"
    if "File" in cls and hasattr(x, "__fspath__"):
        p = os.fspath(x)
        return f"File({re.sub(r'^tmp[a-z0-9_]{6,}', '<tmp>', os.path.basename(p))}:{digest(p)})"
    if dataclasses.is_dataclass(x) or hasattr(type(x), "model_fields"):
        names = [f.name for f in dataclasses.fields(x)] if dataclasses.is_dataclass(x) else list(type(x).model_fields)
        return cls + "(" + ", ".join(f"{n}={norm(getattr(x, n), depth + 1)}" for n in names) + ")"
    if "Iterator" in cls and hasattr(x, "__iter__"):
        return "iter[" + ", ".join(norm(v, depth + 1) for v in x) + "]"
    return re.sub(r"0x[0-9a-f]+", "0x..", TMP.sub("<tmp>", repr(x)))

RANDOM_NAME = re.compile(r"^(tmp[a-z0-9_]{6,}|[0-9a-f]{16,}|flyte-?[a-z0-9_]{6,}|corpus-cwd-[a-z0-9_]+)$")

def _mask_path(m):
    head, _, base = m.group(0).rpartition("/")
    return "<tmp>/" + ("<random>" if RANDOM_NAME.match(base) else base)

# What `print(x)` shows, with only what differs between any two runs masked: the directory part
# of temporary paths, random file names, memory addresses.
def printed(x):
    text = re.sub(r"0x[0-9a-f]+", "0x..", TMP.sub(_mask_path, str(x)))
    return json.dumps(text)

module, entity, kwargs = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    mod = importlib.import_module(module)
    e = getattr(mod, entity)
    r = e(**eval(kwargs, {"datetime": datetime}))
    if inspect.iscoroutine(r):
        r = asyncio.run(r)
    print("PRINTED:", printed(r), flush=True)
    print("RESULT:", norm(r), flush=True)
except Exception as ex:
    msg = (str(ex).strip().splitlines() or [""])
    first = msg[0]
    if first.startswith("Error encountered while executing") and len(msg) > 1:
        first = first + " " + msg[1].strip()
    print("PRINTED:", json.dumps("FAIL: " + type(ex).__name__ + ": " + TMP.sub(_mask_path, first)[:300]), flush=True)
    print("RESULT: FAIL:", type(ex).__name__ + ":", TMP.sub("<tmp>", first)[:300], flush=True)
    sys.exit(1)
"""


def export_examples(source: Path, dest: Path) -> Path:
    """The examples directory: `source` itself, or exported from a flytesnacks git directory."""
    if (source / "basics").is_dir():
        return source
    if (source / "examples" / "basics").is_dir():
        return source / "examples"
    git_dir = source / ".git" if (source / ".git").exists() else source
    archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "HEAD",
                              *[f"examples/{p}" for p in PACKAGES]], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "examples"


def kwargs_for(entry: Entry, examples: Path) -> str:
    return entry.kwargs.replace("$TD", str(examples / "data_types_and_io" / "test_data"))


def _env(scratch: Path, entry: Entry, shim: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "PYTHONPATH"))}
    env.update({"HOME": str(scratch), "FLYTE_HOME": str(scratch / "flyte"), "FLYTE_SDK_RICH_TRACEBACKS": "0",
                "FLYTE_LOCAL_CACHE_ENABLED": "false", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(entry.env)
    if shim:
        env["PYTHONPATH"] = str(REPO)
        env.update(_SHIM_ENV.get(entry.id, {}))
    return env


def run_python(python: str, entry: Entry, examples: Path, shim: bool, timeout: int) -> dict:
    pkg_dir = examples / entry.path.split("/")[0]
    module_file = Path(entry.path)
    scratch = Path(tempfile.mkdtemp(prefix="corpus-home-"))
    work = Path(tempfile.mkdtemp(prefix="corpus-cwd-"))
    shutil.copytree(pkg_dir, work, dirs_exist_ok=True)  # examples write into their cwd (shell_task)
    env = _env(scratch, entry, shim)
    if entry.entity == "__main__":
        cmd = [python, str(Path(*module_file.parts[1:]))]
    else:
        module = ".".join(module_file.with_suffix("").parts[1:])
        cmd = [python, "-c", RUNNER, module, entry.entity, kwargs_for(entry, examples)]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=work, env=env, input=entry.stdin, capture_output=True, text=True, timeout=timeout)
        rc, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", f"timeout after {timeout}s"
    seconds = time.monotonic() - started
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    # A gate's prompt may leave the cursor mid-line, so the marker is searched anywhere in a line.
    lines = [line[line.index("RESULT:"):] for line in out.splitlines() if "RESULT:" in line]
    shown = [line[line.index("PRINTED:") + len("PRINTED: "):] for line in out.splitlines() if "PRINTED:" in line]
    if entry.entity == "__main__":
        result = "OK (script exit 0)" if rc == 0 else f"FAIL: exit {rc}: {(err.strip().splitlines() or [''])[-1][:200]}"
        printed = _mask_script_output(out) if rc == 0 else result
    elif lines:
        result = lines[-1][len("RESULT: "):]
        printed = json.loads(shown[-1]) if shown else result
    else:
        result = f"FAIL: no result (exit {rc}): {(err.strip().splitlines() or [''])[-1][:200]}"
        printed = result
    return {"rc": rc, "result": result, "printed": printed, "seconds": round(seconds, 2), "stderr_tail": err[-1500:]}


def _mask_script_output(out: str) -> str:
    """A script's whole stdout, with temporary paths and memory addresses masked (as the runner does)."""
    import re

    text = re.sub(r"(/tmp|/var/folders)[^'\"\s,)\]]*", "<tmp>", out)
    return re.sub(r"0x[0-9a-f]+", "0x..", text).strip()


def _cli_args(kwargs: dict) -> list[str]:
    args: list[str] = []
    for k, v in kwargs.items():
        if isinstance(v, bool):
            args.append(f"--{k}" if v else f"--no_{k}")
        else:
            args += [f"--{k}", json.dumps(v) if isinstance(v, (list, dict)) else str(v)]
    return args


def run_pyflyte(pyflyte: str, entry: Entry, examples: Path, shim: bool, timeout: int) -> dict:
    import ast

    pkg_dir = examples / entry.path.split("/")[0]
    scratch = Path(tempfile.mkdtemp(prefix="corpus-home-"))
    work = Path(tempfile.mkdtemp(prefix="corpus-cwd-"))
    shutil.copytree(pkg_dir, work, dirs_exist_ok=True)
    kwargs = ast.literal_eval(kwargs_for(entry, examples))
    cmd = [pyflyte, "run", str(Path(*Path(entry.path).parts[1:])), entry.entity, *_cli_args(kwargs)]
    try:
        proc = subprocess.run(cmd, cwd=work, env=_env(scratch, entry, shim), input=entry.stdin, capture_output=True,
                              text=True, timeout=timeout)
        rc, out = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired:
        rc, out = -1, ""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    return {"rc": rc, "last_line": (out.strip().splitlines() or [""])[-1][:200]}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snacks", type=Path, required=True, help="flytesnacks examples/ directory or git directory")
    ap.add_argument("--flytekit-python", required=True, help="interpreter of an environment with real flytekit")
    ap.add_argument("--shim-python", default=sys.executable, help="interpreter of this project's environment")
    ap.add_argument("--mode", choices=("python", "pyflyte", "both"), default="python")
    ap.add_argument("--only", nargs="*", default=[], help="entry ids to run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--md", type=Path)
    args = ap.parse_args(argv)
    entries = [e for e in ENTRIES if not args.only or e.id in args.only]
    unknown = set(args.only) - {e.id for e in ENTRIES}
    if unknown:
        ap.error(f"unknown entry ids: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="flytesnacks-") as tmp:
        examples = export_examples(args.snacks.resolve(), Path(tmp))
        jobs = []
        for e in entries:
            jobs.append((e, "flytekit", "python", args.flytekit_python, False))
            jobs.append((e, "shim", "python", args.shim_python, True))
            if args.mode != "python" and e.id in PYFLYTE_IDS:
                for side, py, shim in (("flytekit", args.flytekit_python, False), ("shim", args.shim_python, True)):
                    jobs.append((e, side, "pyflyte", str(Path(py).parent / "pyflyte"), shim))
        results: dict[str, dict] = {e.id: {"entry": e.__dict__} for e in entries}

        def run(job: tuple) -> None:
            e, side, mode, py, shim = job
            fn = run_python if mode == "python" else run_pyflyte
            results[e.id][f"{side}_{mode}"] = fn(py, e, examples, shim, args.timeout)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(run, jobs))
    table = markdown(entries, results)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    if args.md:
        args.md.write_text(table)
    return 0


def _cell(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 110 else text[:107] + "..."


def markdown(entries: list[Entry], results: dict[str, dict]) -> str:
    """One row per entry: what each side printed (`print(result)`, or the script's stdout), whether
    the printed text is identical, and whether the results mean the same (the normalised values)."""
    lines = ["| # | id | features | flytekit prints | shim prints | prints the same? | same meaning? |",
             "|---|---|---|---|---|---|---|"]
    same = printed_same = cli_same = cli_total = 0
    for i, e in enumerate(entries, 1):
        r = results[e.id]
        fk, sh = r["flytekit_python"], r["shim_python"]
        ok = fk["result"] == sh["result"]
        shown_ok = fk.get("printed") == sh.get("printed")
        same += ok
        printed_same += shown_ok
        design = e.id in DIFFERS_BY_DESIGN
        mark = "yes" if shown_ok else ("differs by design" if design else "**no**")
        meaning = "yes" if ok else ("differs by design" if design else "**no**")
        if "flytekit_pyflyte" in r:
            cli_total += 1
            cli_ok = r["flytekit_pyflyte"]["rc"] == r["shim_pyflyte"]["rc"]
            cli_same += cli_ok
            meaning += f" (pyflyte rc {'same' if cli_ok else 'differs'})"
        lines.append(f"| {i} | `{e.id}` | {_cell(e.features)} | `{_cell(str(fk.get('printed')))}` | "
                     f"`{_cell(str(sh.get('printed')))}` | {mark} | {meaning} |")
    lines.append("")
    by_design = sum(1 for e in entries if e.id in DIFFERS_BY_DESIGN)
    if by_design:
        lines += ["Differs by design:", ""] + [f"- `{k}`: {v}" for k, v in DIFFERS_BY_DESIGN.items()
                                              if any(e.id == k for e in entries)] + [""]
    lines.append(f"**Print exactly what flytekit prints: {printed_same}/{len(entries)}; same result by meaning: "
                 f"{same}/{len(entries)}** ({by_design} differ by design)." +
                 (f" pyflyte mode, same exit status: {cli_same}/{cli_total}." if cli_total else ""))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
