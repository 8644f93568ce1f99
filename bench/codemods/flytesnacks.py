"""flyte-migrate over flytesnacks: does everything parse after migration, and do the examples that
run on flytekit still run, migrated, on the real flyte 2 with the same result?

    python bench/codemods/flytesnacks.py [EXAMPLES_DIR] [--flytekit PY] [--flyte2 PY] [--jobs N]

EXAMPLES_DIR defaults to /tmp/flytesnacks/examples (FLYTESNACKS env var). The tree is copied to
a scratch directory and migrated there; the original is never touched.

1. migrate the copy with flyte-migrate and `compile()` every migrated file;
2. in each example package, import every module under the real flytekit 1.16.31 and run every
   workflow and launch plan that needs no inputs, or that the examples call with literal inputs
   themselves (`bench/codemods/_inputs.py`), plus the entries listed in KNOWN_INPUTS;
3. for each entry that succeeded, run the migrated module's entry of the same name on the real
   flyte 2.12.1 (`flyte.init(); flyte.run(entry, **inputs)`) and compare the outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _inputs import collect
from _workers import DISCOVER_AND_RUN, RUN_MIGRATED, check_reference, run

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Entries that need inputs, as the flytekit reference corpus ran them.
KNOWN_INPUTS = {
    "basics.task:slope": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "basics.workflow:simple_wf": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "basics.workflow:simple_wf_with_partial": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "basics.imperative_workflow:imperative_wf": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "basics.launch_plan:default_lp": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "basics.launch_plan:simple_wf_lp_fixed_inputs": {"y": [7, 4, -2]},
    "advanced_composition.conditional:shape_properties": {"radius": 0.5},
    "advanced_composition.conditional:shape_properties_with_multiple_branches": {"radius": 5.0},
    "advanced_composition.conditional:shape_properties_accept_conditional_output": {"radius": 0.5},
    "advanced_composition.conditional:boolean_input_wf": {"boolean_input": True},
    "advanced_composition.conditional:nested_conditions": {"radius": 0.7},
    "advanced_composition.conditional:consume_task_output": {"radius": 0.7},
    "advanced_composition.conditional:noop_in_conditional": {"radius": 0.7},
    "advanced_composition.decorating_tasks:decorating_task_wf": {"x": 10},
    "advanced_composition.decorating_workflows:decorating_workflow": {"x": 19.8},
    "advanced_composition.dynamic_workflow:dynamic_wf": {"s1": "Pear", "s2": "Earth"},
    "advanced_composition.dynamic_workflow:merge_sort": {
        "numbers": [1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164],
        "numbers_count": 10,
    },
    "advanced_composition.subworkflow:slope_intercept_wf": {"x": [-3, 0, 3], "y": [7, 4, -2]},
    "advanced_composition.waiting_for_external_inputs:sleep_wf": {"num": 5},
    "data_types_and_io.dataclass:dataclass_wf": {"x": 10, "y": 20},
    "data_types_and_io.enum_type:coffee_maker": {"coffee": "latte"},
    "data_types_and_io.pydantic_basemodel:basemodel_wf": {"x": 10, "y": 20},
    "data_types_and_io.structured_dataset:simple_sd_wf": {"a": 42},
    "productionizing.customizing_resources:my_workflow": {"x": [1, 1, 2]},
    "productionizing.customizing_resources:my_pipeline": {"x": [1, 1, 2]},
}

def _modules(tree: Path):
    """(package dir, dotted module) for every module that mentions flytekit."""
    for pkg_root in sorted(p for p in tree.iterdir() if p.is_dir()):
        for path in sorted(pkg_root.rglob("*.py")):
            if path.name == "__init__.py" or "flytekit" not in path.read_text(errors="replace"):
                continue
            rel = path.relative_to(pkg_root).with_suffix("")
            if not (pkg_root / rel.parts[0] / "__init__.py").exists() and len(rel.parts) > 1:
                continue
            yield pkg_root, ".".join(rel.parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", nargs="?", default=os.environ.get("FLYTESNACKS", "/tmp/flytesnacks/examples"))
    parser.add_argument("--flytekit", default=os.environ.get("FLYTEKIT_PYTHON", "/work/refvenvs/flytekit/bin/python"))
    parser.add_argument("--flyte2", default=os.environ.get("FLYTE2_PYTHON", "/work/refvenvs/flyte2/bin/python"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", help="write the per-entry results here")
    args = parser.parse_args()
    versions = (check_reference(args.flytekit, 'flytekit'), check_reference(args.flyte2, 'flyte'))
    print(f"reference packages: flytekit {versions[0]} ({args.flytekit}), flyte {versions[1]} ({args.flyte2})")
    source = Path(args.tree)
    if not source.is_dir():
        print(f"error: {source} is not a directory (clone flyteorg/flytesnacks)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="fm-snacks-"))
    before, after = scratch / "before", scratch / "after"
    shutil.copytree(source, before)
    shutil.copytree(source, after)
    home = str(scratch / "home")
    os.makedirs(home)

    from codemods import migrate_paths

    start = time.perf_counter()
    report = migrate_paths([str(after)], jobs=args.jobs)
    migrate_s = time.perf_counter() - start
    py_files = sorted(after.rglob("*.py"))
    bad = []
    for f in py_files:
        try:
            compile(f.read_bytes(), str(f), "exec")
        except SyntaxError as e:
            bad.append(f"{f.relative_to(after)}: {e}")
    print(f"migrated {len(report.changed)} of {len(report.files)} files in {migrate_s:.1f}s; {len(report.errors)} errors; {len(report.findings)} TODOs")
    print(f"parse after migration: {len(py_files) - len(bad)}/{len(py_files)} files compile")
    for b in bad:
        print("  does not compile:", b)

    modules = list(_modules(before))
    # inputs the examples pass to their own workflows (`__main__` blocks, tests), then the list above
    found: dict[str, dict] = {}
    for pkg_root in sorted({root for root, _ in modules}):
        found.update(collect(sorted(pkg_root.rglob("*.py")), lambda p, root=pkg_root: ".".join(p.relative_to(root).with_suffix("").parts)))
    known = json.dumps({**found, **KNOWN_INPUTS})

    def flytekit_side(item):
        pkg_root, mod = item
        return item, run(args.flytekit, DISCOVER_AND_RUN, [str(pkg_root), mod, known], str(pkg_root), home)

    with ThreadPoolExecutor(args.jobs) as pool:
        v1 = list(pool.map(flytekit_side, modules))
    imported = [(item, rows) for item, rows in v1 if rows and "import_error" not in rows[0] and "timeout" not in rows[0] and "crash" not in rows[0]]
    print(f"modules importable under flytekit: {len(imported)} of {len(modules)}")

    def flyte2_side(entry):
        (pkg_root, mod), rows = entry
        ok = [r for r in rows if "value" in r]
        if not ok:
            return entry, []
        after_root = after / pkg_root.name
        return entry, run(args.flyte2, RUN_MIGRATED, [str(after_root), mod, json.dumps(ok)], str(after_root), home)

    with ThreadPoolExecutor(args.jobs) as pool:
        v2 = list(pool.map(flyte2_side, imported))
    total_ok = same = unstable = 0
    results = []
    for ((pkg_root, mod), rows), migrated in v2:
        by_entry = {r["entry"]: r for r in migrated}
        rerun: dict = {}
        if any("value" in r and by_entry.get(r["entry"], {}).get("value") != r["value"] for r in rows):
            # a value that differs: is it one flytekit itself computes again? (unseeded randomness)
            rerun = {r.get("entry"): r for r in run(args.flytekit, DISCOVER_AND_RUN, [str(pkg_root), mod, known], str(pkg_root), home)}
        for r in rows:
            if "value" not in r:
                continue
            if r["entry"] in rerun and rerun[r["entry"]].get("value") != r["value"]:
                unstable += 1
                print(f"  ---- {mod}:{r['entry']}  flytekit gives another value on a second run: not compared")
                continue
            total_ok += 1
            m = by_entry.get(r["entry"], {"raises": "not run"})
            agree = "value" in m and m["value"] == r["value"]
            same += agree
            results.append({"module": mod, "entry": r["entry"], "flytekit": r.get("value"), "flyte2": m.get("value", m.get("raises")), "same": agree, "message": m.get("message")})
            status = "same" if agree else "DIFF"
            detail = "" if agree else f"  flytekit={str(r['value'])[:60]!r} flyte2={str(m.get('value', m.get('raises')))[:60]!r} {str(m.get('message', ''))[:160]}"
            print(f"  {status} {mod}:{r['entry']}{detail}")
    print(f"\nentries that run on flytekit with a reproducible value: {total_ok} ({unstable} more change from run to run); same result migrated on flyte 2: {same} ({100 * same / max(total_ok, 1):.0f}%)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
