"""flyte-migrate on Flyte 1 code nobody here wrote: public repositories other than flytesnacks.

    python bench/codemods/corpus.py CORPUS_DIR [--mirrors DIR] [--flytekit PY] [--flyte2 PY]
                                    [--jobs N] [--json OUT] [--no-run]

CORPUS_DIR holds one directory per source below. A missing one is extracted from a bare git
mirror at the commit listed (`--mirrors`, default /work/.mirror, where `<owner>+<name>/repo` is
laid out by the search tool's `fetch`); without a mirror, get it with
`git clone https://github.com/<owner>/<name> && git -C <name> checkout <commit>` and copy the
listed paths into CORPUS_DIR/<dir>. Only Python files and the lint configuration files
(pyproject.toml, setup.cfg, tox.ini, .flake8) are extracted. Nothing of the corpus is committed
here; the tree is copied to a scratch directory and migrated there.

What it measures, each against the unmigrated tree of the same run:
1. migrate the whole tree in one run; `compile()` every file; TODOs per file; the flytekit
   imports left in migrated files, and the names they bind;
2. a second run over the migrated tree (`--check`) must change nothing;
3. order: migrating the tree file by file, and after an interruption (half the files first, then
   the whole tree), must give the same files as the one run;
4. every workflow and launch plan that runs on the real flytekit 1.16.31, with no inputs or with
   the literal inputs its repository passes it somewhere (a `__main__` block, a test, a parent
   workflow: `_inputs.py`), is run, migrated and unedited, on the real flyte 2.12.1
   (`flyte.run(entry, **inputs)`), and the values compared. Modules that do not import under flytekit here (a plugin, a GPU library, a cloud
   client missing from the reference venv) are counted apart with the reason.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _inputs import collect
from _workers import DISCOVER_AND_RUN, RUN_MIGRATED, check_reference, run

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Source:
    dir: str  # directory under CORPUS_DIR
    repo: str  # owner/name on GitHub
    commit: str
    paths: tuple[str, ...] = ("",)  # prefixes inside the repository ("" = all of it)
    what: str = ""


SOURCES = (
    Source("flyte-conformance", "unionai/flyte-conformance", "970d7a6ef3a205aa68ef97a3504d3a4c886b4eef", what="Union's Flyte conformance workflows"),
    Source("unionai-examples", "unionai/unionai-examples", "45e2810241defee0d6f7ba85925987decf4425df", ("v1/", "_blogs/"), "Union's v1 tutorials, integrations, blog posts"),
    Source("jasonlai-flyte-school", "jasonlai1218/flyte-school", "b876bc678d3b83eaf5ba5b8f6bab3b273b51c13b", what="a user's Flyte course"),
    Source("flyte-hub", "pingsutw/flyte-hub", "e0103996cca331593c4ef70f78a52b8c2e8359cf", what="a maintainer's demos and talks"),
    Source("flytelab", "flyteorg/flytelab", "67ff9a779004209c82f9f5df89f2873cc5acdd52", what="ML projects (hackathons)"),
    Source("flyte-school", "unionai-oss/flyte-school", "b0dfe6e63c43406a0ad4ae983153e9de19f4a76a", what="workshop material"),
    Source("sklearn-ml-pipelines", "unionai-oss/scikit-learn-ml-pipelines", "2f44c9fd2221619dbebbce80080fb00da9d0109f", what="conference talk"),
    Source("pydata2023", "unionai-oss/pydata2023", "db94845850ce25111c7f3120ab65e752ecad8908", what="conference talk"),
    Source("flytekit-integration", "flyteorg/flytekit", "", ("tests/flytekit/integration/remote/workflows/",), "flytekit's integration-test workflows"),
)

_KEEP = re.compile(r"(\.py|/pyproject\.toml|/setup\.cfg|/tox\.ini|/\.flake8)$")


def extract(source: Source, mirrors: Path, dest: Path) -> str:
    """Copy the source's Python and lint-config files at its commit into `dest`; returns the commit."""
    git_dir = mirrors / source.repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"error: {dest} is missing and there is no mirror at {git_dir}; see this script's docstring")
    commit = source.commit or subprocess.run(["git", "-C", str(git_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    names = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", commit], capture_output=True, text=True, check=True).stdout.splitlines()
    for name in names:
        if not any(name.startswith(p) for p in source.paths) or not _KEEP.search("/" + name):
            continue
        blob = subprocess.run(["git", "-C", str(git_dir), "cat-file", "blob", f"{commit}:{name}"], capture_output=True)
        if blob.returncode:  # a blob the snapshot lacks (large files); Python sources are never that big
            continue
        out = dest / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob.stdout)
    return commit


def module_of(path: Path, top: Path) -> tuple[list[Path], str]:
    """(sys.path entries, dotted module name) to import `path` as its project would."""
    pkg = path.parent
    parts = [path.stem]
    while (pkg / "__init__.py").exists() and pkg != top:
        parts.insert(0, pkg.name)
        pkg = pkg.parent
    entries = [pkg]
    if path.parent != pkg:
        entries.append(path.parent)
    if top not in entries:
        entries.append(top)
    return entries, ".".join(parts)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def flytekit_imports(code: str) -> list[str]:
    """Names a module still takes from flytekit (or its plugins)."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("flytekit", "flytekitplugins"):
            names += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] in ("flytekit", "flytekitplugins")]
    return names


def compiles(data: bytes, name: str) -> str | None:
    try:
        compile(data, name, "exec")
    except SyntaxError as e:
        return f"{e.lineno}: {e.msg}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--mirrors", default="/work/.mirror")
    parser.add_argument("--flytekit", default=os.environ.get("FLYTEKIT_PYTHON", "/work/refvenvs/flytekit/bin/python"))
    parser.add_argument("--flyte2", default=os.environ.get("FLYTE2_PYTHON", "/work/refvenvs/flyte2/bin/python"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=180, help="seconds per module and side")
    parser.add_argument("--json", help="write the per-file and per-entry results here")
    parser.add_argument("--no-run", action="store_true", help="migrate and check only; run no workflow")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (printed)")
    parser.add_argument("--flytekit-cache", help="reuse (or write) the flytekit side's results here: they depend only on the corpus and the flytekit venv")
    args = parser.parse_args()
    if not args.no_run:
        versions = (check_reference(args.flytekit, 'flytekit'), check_reference(args.flyte2, 'flyte'))
        print(f"reference packages: flytekit {versions[0]} ({args.flytekit}), flyte {versions[1]} ({args.flyte2})")

    corpus = Path(args.corpus)
    corpus.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        if not (corpus / source.dir).is_dir():
            commit = extract(source, Path(args.mirrors), corpus / source.dir)
            print(f"extracted {source.repo}@{commit[:10]} into {corpus / source.dir}")

    from codemods import migrate_paths

    scratch = Path(tempfile.mkdtemp(prefix="fm-corpus-"))
    before, after = scratch / "before", scratch / "after"
    shutil.copytree(corpus, before)
    shutil.copytree(corpus, after)
    home = scratch / "home"
    home.mkdir()
    out: dict = {"sources": {}, "files": {}, "entries": []}

    # 1. one run over the whole tree
    start = time.perf_counter()
    report = migrate_paths([str(after)], jobs=args.jobs)
    migrate_s = time.perf_counter() - start
    todos = collections.Counter(os.path.relpath(f.path, after) for f in report.findings)
    changed = [os.path.relpath(r.path, after) for r in report.changed]
    py_files = sorted(after.rglob("*.py"))
    bad, broken_before = [], 0
    for f in py_files:
        if compiles((before / f.relative_to(after)).read_bytes(), str(f)) is not None:
            broken_before += 1  # not Python this interpreter reads (templates, newer syntax)
        elif (err := compiles(f.read_bytes(), str(f))) is not None:
            bad.append(f"{f.relative_to(after)}:{err}")
    with_flytekit = [f for f in py_files if "flytekit" in (before / f.relative_to(after)).read_text(errors="replace")]
    left = {}
    for f in with_flytekit:
        names = flytekit_imports(f.read_text(errors="replace"))
        if names:
            left[str(f.relative_to(after))] = names
    print(f"corpus: {len(py_files)} Python files from {len(SOURCES)} repositories, {len(with_flytekit)} mention flytekit")
    for source in SOURCES:
        n = sum(1 for f in with_flytekit if f.relative_to(after).parts[0] == source.dir)
        out["sources"][source.dir] = {"repo": source.repo, "commit": source.commit, "flytekit_files": n}
        print(f"  {source.dir:<24} {source.repo:<44} {n:>4} files with flytekit")
    print(f"migrated {len(changed)} files in {migrate_s:.1f}s; {len(report.errors)} errors; {len(report.findings)} TODOs ({len(report.findings) / max(len(changed), 1):.1f} per changed file)")
    for e in report.errors:
        print("  error:", os.path.relpath(e.path, after), e.error)
    print(f"compile after migration: {len(py_files) - broken_before - len(bad)}/{len(py_files) - broken_before} that compiled before ({broken_before} did not)")
    for b in bad:
        print("  does not compile:", b)
    by_name = collections.Counter(n for names in left.values() for n in set(names))
    print(f"migrated files still importing flytekit: {len(left)} of {len(with_flytekit)}")
    for name, n in by_name.most_common(40):
        print(f"  {n:>4} {name}")
    by_code = collections.Counter(f.code for f in report.findings)
    print("TODOs by code: " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))

    # 2. a second run changes nothing
    again = migrate_paths([str(after)], jobs=args.jobs, write=False)
    second = [os.path.relpath(r.path, after) for r in again.changed]
    print(f"second run: {len(second)} files would change")
    for f in second:
        print("  changes again:", f)

    # 3. order: file by file, and after an interruption
    whole = tree_bytes(after)
    one_by_one = scratch / "one_by_one"
    shutil.copytree(corpus, one_by_one)
    for f in sorted(one_by_one.rglob("*.py"), reverse=True):
        migrate_paths([str(f)], jobs=1)
    interrupted = scratch / "interrupted"
    shutil.copytree(corpus, interrupted)
    files = sorted(interrupted.rglob("*.py"))
    migrate_paths([str(f) for f in files[::2]], jobs=args.jobs)
    migrate_paths([str(interrupted)], jobs=args.jobs)
    for label, tree in (("file by file", one_by_one), ("interrupted, then whole tree", interrupted)):
        got = tree_bytes(tree)
        differ = sorted(k for k in whole if got.get(k) != whole[k])
        print(f"order, {label}: {len(differ)} files differ from one run over the tree")
        for k in differ[:20]:
            print("  differs:", k)
        out[label] = differ
    out["second_run"] = second
    out["compile_errors"] = bad
    for f in with_flytekit:
        rel = str(f.relative_to(after))
        out["files"][rel] = {"todos": todos.get(rel, 0), "flytekit_left": left.get(rel, [])}

    if not args.no_run:
        run_workflows(args, before, after, home, with_flytekit, out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    if args.keep:
        print("scratch directory kept:", scratch)
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _relocate(rows: list, root: Path) -> list:
    """Rows with the scratch directory's path taken out (so that cached rows compare)."""
    return json.loads(json.dumps(rows).replace(str(root), "<corpus>"))


def repo_inputs(before: Path) -> dict[str, dict]:
    """Inputs the repositories pass to their own workflows, keyed `module:entry` as this bench
    imports the module (see `_inputs.collect`)."""
    found: dict[str, dict] = {}
    for source in SOURCES:
        top = before / source.dir
        if top.is_dir():
            found.update(collect(sorted(top.rglob("*.py")), lambda p, top=top: module_of(p, top)[1]))
    return found


def inputs_for(module: str, found: dict[str, dict]) -> dict[str, dict]:
    """The found inputs of `module`'s entries, keyed as the worker scripts look them up. A call
    that imported the module under a longer or shorter dotted name (a test importing
    `pkg.workflows.wf` where the bench imports `workflows.wf`) counts when it is the only match."""
    out: dict[str, dict] = {}
    by_entry: dict[str, list[tuple[str, dict]]] = collections.defaultdict(list)
    for key, values in found.items():
        mod, _, entry = key.partition(":")
        by_entry[entry].append((mod, values))
    for entry, options in by_entry.items():
        exact = [v for mod, v in options if mod == module]
        near = [v for mod, v in options if mod.endswith("." + module) or module.endswith("." + mod)]
        if exact or len(near) == 1:
            out[f"{module}:{entry}"] = (exact or near)[0]
    return out


def run_workflows(args, before: Path, after: Path, home: Path, with_flytekit: list, out: dict) -> None:
    found = repo_inputs(before)
    items = []
    for f in with_flytekit:
        rel = f.relative_to(after)
        top = before / rel.parts[0]
        entries, module = module_of(before / rel, top)
        items.append((rel, entries, module, json.dumps(inputs_for(module, found), sort_keys=True)))

    def flytekit_side(item):
        _rel, entries, module, known = item
        path = os.pathsep.join(map(str, entries))
        return item, _relocate(run(args.flytekit, DISCOVER_AND_RUN, [path, module, known], str(entries[0]), str(home), args.timeout), before)

    def cache_key(item) -> str:
        return f"{item[0]}|{item[3]}"  # the module and the inputs the bench found for it

    cache_path = Path(args.flytekit_cache) if args.flytekit_cache else None
    cached = json.loads(cache_path.read_text()) if cache_path is not None and cache_path.exists() else {}
    todo = [item for item in items if cache_key(item) not in cached]
    with ThreadPoolExecutor(args.jobs) as pool:
        fresh = dict((cache_key(item), rows) for item, rows in pool.map(flytekit_side, todo))
    if cache_path is not None:
        cache_path.write_text(json.dumps({**cached, **fresh}))
    v1 = [(item, cached.get(cache_key(item), fresh.get(cache_key(item)))) for item in items]
    import_errors = collections.Counter()
    needs_inputs = flytekit_fails = no_entries = 0
    runnable = []
    for item, rows in v1:
        module_status = out.setdefault("modules", {})
        rel = str(item[0])
        if not rows:
            no_entries += 1  # imported; defines no workflow or launch plan
            module_status[rel] = "imported, no workflow"
        elif "crash" in rows[0]:
            import_errors["crashed: " + rows[0]["crash"][:80]] += 1
            module_status[rel] = rows[0]["crash"]
        elif "timeout" in rows[0]:
            import_errors["timeout"] += 1
        elif "import_error" in rows[0]:
            reason = rows[0]["import_error"]
            module_status[rel] = reason
            m = re.match(r"ModuleNotFoundError: No module named '([\w]+)", reason)
            import_errors[f"needs {m.group(1)}" if m else reason[:90]] += 1
        else:
            needs_inputs += sum(1 for r in rows if "skipped" in r)
            flytekit_fails += sum(1 for r in rows if "raises" in r)
            if any("value" in r for r in rows):
                runnable.append((item, rows))
    print(f"\nmodules with flytekit: {len(items)}; import under the real flytekit here: {len(items) - sum(import_errors.values())}")
    for reason, n in import_errors.most_common():
        print(f"  {n:>4} do not import: {reason}")
    print(f"modules that import but define no workflow or launch plan: {no_entries}")
    print(f"entries that need inputs (not run): {needs_inputs}; entries that fail on flytekit itself: {flytekit_fails}")

    def flyte2_side(entry):
        (_rel, entries, module, _known), rows = entry
        ok = [r for r in rows if "value" in r]
        mig_entries = [after / p.relative_to(before) for p in entries]
        path = os.pathsep.join(map(str, mig_entries))
        got = run(args.flyte2, RUN_MIGRATED, [path, module, json.dumps(ok)], str(mig_entries[0]), str(home), args.timeout)
        if got and "timeout" in got[0] and len(ok) > 1:
            # one slow entry must not take the others with it: run each on its own
            got = []
            for one in ok:
                alone = run(args.flyte2, RUN_MIGRATED, [path, module, json.dumps([one])], str(mig_entries[0]), str(home), args.timeout)
                got += [{"entry": one["entry"], "raises": "timeout"}] if alone and "timeout" in alone[0] else alone
        return entry, got

    with ThreadPoolExecutor(args.jobs) as pool:
        v2 = list(pool.map(flyte2_side, runnable))
    total = same = unstable = 0
    for ((rel, entries, module, known), rows), migrated in v2:
        by_entry = {r.get("entry"): r for r in migrated}
        rerun: dict = {}
        if any("value" in r and by_entry.get(r["entry"], {}).get("value") != r["value"] for r in rows):
            # a value that differs: is it one flytekit itself computes again? (unseeded randomness)
            path = os.pathsep.join(map(str, entries))
            again = _relocate(run(args.flytekit, DISCOVER_AND_RUN, [path, module, known], str(entries[0]), str(home), args.timeout), before)
            rerun = {x.get("entry"): x for x in again}
        for r in rows:
            if "value" not in r:
                continue
            if r["entry"] in rerun and rerun[r["entry"]].get("value") != r["value"]:
                unstable += 1
                print(f"  ---- {rel}:{r['entry']}  flytekit gives another value on a second run: not compared")
                continue
            total += 1
            m = by_entry.get(r["entry"], {"raises": "not run" if migrated and "timeout" not in migrated[0] else "timeout"})
            agree = "value" in m and m["value"] == r["value"]
            same += agree
            out["entries"].append({"file": str(rel), "entry": r["entry"], "flytekit": r["value"], "flyte2": m.get("value", m.get("raises")), "same": agree, "message": m.get("message")})
            detail = "" if agree else f"  flytekit={str(r['value'])[:50]!r} flyte2={str(m.get('value', m.get('raises')))[:50]!r} {str(m.get('message', ''))[:200]}"
            print(f"  {'same' if agree else 'DIFF'} {rel}:{r['entry']}{detail}")
    print(f"\nworkflows that run on flytekit with a reproducible value: {total} ({unstable} more change from run to run); same result migrated, unedited, on flyte 2: {same} ({100 * same / max(total, 1):.0f}%)")


if __name__ == "__main__":
    sys.exit(main())
