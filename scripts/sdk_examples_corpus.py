"""Differential corpus: flyte-sdk's own example programs, run on the real SDK and on ours.

    python scripts/sdk_examples_corpus.py [--mirror DIR] [--ref-python PY] [--only SUBSTR ...]
        [--json out.json] [--md out.md] [--classify-only]

The examples are third-party code: they are extracted from the flyte-sdk mirror (at a pinned
commit, so the selection does not move with the mirror) into a temporary directory and never
enter this repository. Every example with a `__main__` block is a standalone program. Those that
cannot run locally on either side are counted apart, by the first reason found in their source:

- *backend*: deploys, serves, builds images, forces `mode="remote"`, uses `flyte.remote` (other
  than in type hints), apps;
- *missing package*: imports a module installed in neither or only one of the two environments
  (torch, openai, flyteplugins, ...);
- *network*: reads an http(s) URL (passed to a call that fetches it) or object storage (s3://,
  gs://), or calls a hosted API;
- *terminal*: waits for input (prompts, conditions answered on a terminal).

The rest run once per side, as `python FILE` from the example's directory with an empty HOME,
FLYTE_HOME and temp dir, in local mode (no configuration file, so `flyte.init_from_config()`
gives local mode). What the program prints with `print()` is captured apart from logs, normalised
(temporary paths, uuids, addresses, timestamps) and compared together with the exit status. When
the two sides differ, the real SDK runs the example a second time: if its own two runs differ too,
the output is nondeterministic and only the exit status is compared.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = Path("/work/.mirror/flyteorg+flyte-sdk/repo")
DEFAULT_REF_PYTHON = "/work/refvenvs/flyte2/bin/python"
PINNED_COMMIT = "7e2d4231b5598b856584a8cc819c990ff02dcf2a"

BACKEND_CALLS = {"deploy", "serve", "build", "build_images", "with_servecontext", "init_from_api_key",
                 "init_in_cluster", "init_passthrough", "run_python_script"}
BACKEND_MODULES = ("flyte.remote", "flyte.app", "flyte.connectors", "flyte.ai", "flyte.prefetch",
                   "flyte.clustered")
NETWORK_MODULES = {"openai", "anthropic", "httpx", "requests", "aiohttp", "boto3", "aioboto3", "s3fs", "gcsfs",
                   "huggingface_hub", "datasets", "slack_sdk", "gql", "wandb", "langchain", "langchain_core",
                   "langgraph", "google", "urllib", "http"}
URL_RE = re.compile(r"^(https?|s3|gs|abfss?|hf)://")
# calls that fetch what a URL names: File/Dir(...), from_existing_remote, read_csv, urlopen, ...
_READS_RE = re.compile(r"^(File|Dir|DataFrame|open|urlopen|fetch|load.*|read.*|download.*|from_existing_remote|"
                       r"from_uri|from_url|from_pretrained|load_dataset)$", re.IGNORECASE)


@dataclass
class Example:
    path: str          # relative to examples/
    category: str      # "runnable" | "backend" | "missing package" | "network" | "terminal"
    reason: str


def _imports(tree: ast.AST) -> list[str]:
    mods: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.append(node.module)
            mods += [f"{node.module}.{a.name}" for a in node.names if node.module.startswith("flyte")]
    return mods


def _guarded_imports(tree: ast.AST) -> set[str]:
    """Imports inside `try: ... except ImportError` (optional dependencies)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            (h.type is None) or ("ImportError" in ast.unparse(h.type) or "Exception" in ast.unparse(h.type))
            for h in node.handlers
        ):
            for sub in node.body:
                out |= {m.split(".")[0] for m in _imports(sub)}
    return out


def _has_main(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test):
            return True
    return False


def _annotations(tree: ast.AST) -> set[int]:
    """ids of every node inside a type annotation (arguments, returns, annotated assignments)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                roots.append(node.returns)
            a = node.args
            roots += [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
                      if x is not None and x.annotation is not None]
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for r in roots for n in ast.walk(r)}


def _uses_module(tree: ast.AST, prefix: str) -> bool:
    """Whether the program uses what it imports from `prefix` other than in type annotations (a
    program that only annotates with `flyte.remote.Run` runs locally)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == prefix or node.module.startswith(prefix + ".")):
            bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                prefix.startswith(node.module + "."):
            bound |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" == prefix}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == prefix or a.name.startswith(prefix + "."):
                    bound.add(a.asname or a.name.split(".")[0])
    skip = _annotations(tree)
    dotted = prefix + "."
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Attribute) and (ast.unparse(node) + ".").startswith(dotted):
            return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in bound and node.id != "flyte":
            return True
    return False


def _backend_reason(tree: ast.AST, mods: list[str]) -> str:
    for m in mods:
        for prefix in BACKEND_MODULES:
            if (m == prefix or m.startswith(prefix + ".")) and _uses_module(tree, prefix):
                return f"uses {prefix}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            last = name.rsplit(".", 1)[-1]
            if name.startswith("flyte.") and name.count(".") == 1 and last in BACKEND_CALLS:
                return f"calls {name}"
            for kw in node.keywords:
                if kw.arg == "mode" and isinstance(kw.value, ast.Constant) and kw.value.value in ("remote", "hybrid"):
                    return f"runs with mode={kw.value.value!r}"
                if kw.arg in ("endpoint", "api_key") and last.startswith("init"):
                    return f"{name}({kw.arg}=...)"
        if isinstance(node, ast.Attribute) and node.attr == "AppEnvironment":
            return "defines an app (AppEnvironment)"
    return ""


def _network_reason(tree: ast.AST, mods: list[str]) -> str:
    for m in mods:
        if m.split(".")[0] in NETWORK_MODULES:
            return f"uses {m.split('.')[0]} (network)"
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    # An http(s) URL is often plain data (a record's `avatar_url`, a webhook's default address
    # that local mode never calls); it counts only where a call reads from it. Object-store URLs
    # (s3://, gs://, hf://) count wherever they appear.
    read_args: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _READS_RE.search(ast.unparse(node.func).rsplit(".", 1)[-1]):
            read_args |= {id(n) for a in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(a)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            m = URL_RE.match(node.value.strip())
            if m and (not m.group(1).startswith("http") or id(node) in read_args):
                return f"reads {m.group(1)}:// data"
    return ""


def _terminal_reason(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name == "input" or name.endswith("new_condition") or name.endswith("Prompt.ask"):
                return f"waits for an answer ({name})"
    return ""


PROBE = r"""
import importlib.util, json, sys
out = {}
base = list(sys.path)
for folder, mods in json.load(sys.stdin).items():
    sys.path[:] = [folder] + base
    for m in mods:
        try:
            found = importlib.util.find_spec(m) is not None
        except Exception:
            found = False
        out[folder + "|" + m] = found
json.dump(out, sys.stdout)
"""


def probe_modules(python: str, wanted: dict[str, set[str]], ours: bool) -> dict[str, bool]:
    env = dict(os.environ)
    if ours:
        env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([python, "-c", PROBE], input=json.dumps({k: sorted(v) for k, v in wanted.items()}),
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise SystemExit(f"module probe failed with {python}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def classify(examples: Path, ref_python: str, ours_python: str) -> tuple[list[Example], int]:
    candidates: list[tuple[Path, ast.Module]] = []
    no_main = 0
    for path in sorted(examples.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        if _has_main(tree):
            candidates.append((path, tree))
        else:
            no_main += 1
    wanted: dict[str, set[str]] = {}
    for path, tree in candidates:
        top = {m.split(".")[0] for m in _imports(tree)} - _guarded_imports(tree)
        top -= set(sys.stdlib_module_names) | {"flyte", "__future__"}
        wanted.setdefault(str(path.parent), set()).update(top)
    ref = probe_modules(ref_python, wanted, ours=False)
    ours = probe_modules(ours_python, wanted, ours=True)
    out: list[Example] = []
    for path, tree in candidates:
        rel = path.relative_to(examples).as_posix()
        mods = _imports(tree)
        top = sorted({m.split(".")[0] for m in mods} - _guarded_imports(tree)
                     - set(sys.stdlib_module_names) - {"flyte", "__future__"})
        reason = _backend_reason(tree, mods)
        if reason:
            out.append(Example(rel, "backend", reason))
            continue
        key = str(path.parent) + "|"
        missing_ref = [m for m in top if not ref.get(key + m, False)]
        missing_ours = [m for m in top if not ours.get(key + m, False)]
        if missing_ref or missing_ours:
            where = "either environment" if missing_ref else "our environment only"
            out.append(Example(rel, "missing package", f"{(missing_ref or missing_ours)[0]} (not in {where})"))
            continue
        reason = _network_reason(tree, mods)
        if reason:
            out.append(Example(rel, "network", reason))
            continue
        reason = _terminal_reason(tree)
        if reason:
            out.append(Example(rel, "terminal", reason))
            continue
        out.append(Example(rel, "runnable", ""))
    return out, no_main


RUNNER = r"""
import builtins, os, runpy, sys
sink = open(os.environ["CORPUS_PRINTS"], "w", encoding="utf-8")
_print = builtins.print
def _tee(*args, sep=" ", end="\n", file=None, flush=False):
    if file is None or file is sys.stdout:
        sink.write((sep if sep is not None else " ").join(str(a) for a in args) + (end if end is not None else "\n"))
        sink.flush()
    return _print(*args, sep=sep, end=end, file=file, flush=flush)
builtins.print = _tee
path = sys.argv[1]
sys.argv = [path]
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
code = 0
try:
    runpy.run_path(path, run_name="__main__")
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
except BaseException as e:
    sink.write(f"EXCEPTION: {type(e).__name__}\n")
    code = 1
sink.flush()
os._exit(code)
"""

_NORMALISERS = [
    (re.compile(r"\x1b\[[0-9;]*[A-Za-z]"), ""),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"(/tmp|/var/folders|/private/var)[^\s'\",)\]}]*"), "<tmp>"),
    (re.compile(r"0x[0-9a-fA-F]+"), "0x.."),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?"), "<time>"),
    (re.compile(r"datetime\.datetime\([^)]*\)"), "<time>"),
]


# Differences by design, not compared: the real SDK's local runs are all named "dry-run" and keep
# their files under /tmp/flyte; ours get unique, resumable names (r + 16 base-36 characters) and
# live under FLYTE_HOME. A `File`/`Dir.from_local` of a temporary file keeps its temp path on the
# SDK (`<home>/tmpXXXX`, the example's TMPDIR) and is copied into the run's storage on ours.
_BY_DESIGN = [
    (re.compile(r"<home>/flyte-home[^\s'\",)\]}]*"), "<tmp>"),
    (re.compile(r"<home><tmp>"), "<tmp>"),
    (re.compile(r"\br[a-z0-9]{16}\b|\bdry-run\b"), "<run-name>"),
]


def normalise(text: str, home: str) -> list[str]:
    lines = []
    for line in text.replace(home, "<home>").splitlines():
        for rx, sub in [*_NORMALISERS, *_BY_DESIGN]:
            line = rx.sub(sub, line)
        lines.append(line.rstrip())
    return lines


def run_example(python: str, examples: Path, ex: Example, ours: bool, timeout: int) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="sdk-corpus-"))
    work = scratch / "work"
    src_dir = (examples / ex.path).parent
    shutil.copytree(src_dir, work)  # examples may write next to themselves
    prints = scratch / "prints.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "PYTHONPATH", "VIRTUAL_ENV"))}
    env.update({"HOME": str(scratch / "home"), "FLYTE_HOME": str(scratch / "flyte-home"), "TMPDIR": str(scratch),
                "CORPUS_PRINTS": str(prints), "PYTHONDONTWRITEBYTECODE": "1", "FLYTE_DISABLE_SENTRY": "true",
                "COLUMNS": "200", "PYTHONHASHSEED": "0"})
    (scratch / "home").mkdir()
    if ours:
        env["PYTHONPATH"] = str(REPO)
    started = time.monotonic()
    try:
        proc = subprocess.run([python, "-c", RUNNER, str(work / Path(ex.path).name)], cwd=work, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        rc, err = proc.returncode, proc.stderr + proc.stdout
    except subprocess.TimeoutExpired:
        rc, err = "timeout", ""
    seconds = round(time.monotonic() - started, 1)
    printed = prints.read_text(encoding="utf-8", errors="replace") if prints.exists() else ""
    result = {"rc": rc, "prints": normalise(printed, str(scratch)), "seconds": seconds,
              "tail": [x for x in err.strip().splitlines() if x.strip()][-3:] if err.strip() else []}
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def compare(real: dict, ours: dict, real_again: Optional[dict]) -> str:
    if real["rc"] == "timeout":
        return "timeout on real"
    same_rc = real["rc"] == ours["rc"]
    same_prints = sorted(real["prints"]) == sorted(ours["prints"])
    if same_rc and same_prints:
        return "same"
    if real_again is not None and sorted(real_again["prints"]) != sorted(real["prints"]):
        return "same (exit status; output nondeterministic)" if same_rc else "differs: exit status"
    if not same_rc:
        return "differs: exit status"
    return "differs: printed values"


def markdown(examples: list[Example], results: dict[str, dict], no_main: int, commit: str) -> str:
    cats: dict[str, dict[str, int]] = {}
    for ex in examples:
        if ex.category != "runnable":
            cats.setdefault(ex.category, {})
            cats[ex.category][ex.reason] = cats[ex.category].get(ex.reason, 0) + 1
    runnable = [ex for ex in examples if ex.category == "runnable" and ex.path in results]
    verdicts = {ex.path: results[ex.path]["verdict"] for ex in runnable}
    counted = [p for p, v in verdicts.items() if v != "timeout on real"]
    same = [p for p in counted if verdicts[p].startswith("same")]
    real_ok = [p for p in counted if results[p]["real"]["rc"] == 0]
    ours_ok_of_real_ok = [p for p in real_ok if results[p]["ours"]["rc"] == 0]
    lines = [
        f"flyte-sdk examples at `{commit[:8]}`: {len(examples)} standalone programs (`__main__` block; "
        f"{no_main} other files are modules), {len(runnable)} runnable locally on both sides, "
        f"{len(runnable) - len(counted)} time out on the real SDK.",
        "",
        f"**Same exit status and printed values: {len(same)} / {len(counted)}.** "
        f"Exit 0 on the real SDK: {len(real_ok)}, of which {len(ours_ok_of_real_ok)} exit 0 on ours.",
        "",
        "| example | real | ours | verdict |",
        "|---|---|---|---|",
    ]
    for ex in sorted(runnable, key=lambda e: e.path):
        r = results[ex.path]
        lines.append(f"| `{ex.path}` | {r['real']['rc']} ({r['real']['seconds']}s) | {r['ours']['rc']} "
                     f"({r['ours']['seconds']}s) | {r['verdict']} |")
    for cat in ("backend", "missing package", "network", "terminal"):
        if cat not in cats:
            continue
        lines += ["", f"Counted apart, {cat} ({sum(cats[cat].values())}):", ""]
        for reason, n in sorted(cats[cat].items(), key=lambda kv: (-kv[1], kv[0]))[:25]:
            lines.append(f"- {n}: {reason}")
    diffs = [ex for ex in runnable if verdicts[ex.path].startswith("differs")]
    if diffs:
        lines += ["", "Differences:", ""]
        for ex in diffs:
            r = results[ex.path]
            lines.append(f"- `{ex.path}` ({r['verdict']}): real rc {r['real']['rc']}, ours rc {r['ours']['rc']}; "
                         f"ours: {' / '.join(r['ours']['tail'])[:240]!r}")
            only_real = sorted(set(r["real"]["prints"]) - set(r["ours"]["prints"]))[:3]
            only_ours = sorted(set(r["ours"]["prints"]) - set(r["real"]["prints"]))[:3]
            if only_real or only_ours:
                lines.append(f"  - printed only by real: {only_real!r}; only by ours: {only_ours!r}")
    return "\n".join(lines) + "\n"


def rescore(path: Path, md: Optional[Path]) -> int:
    """Apply the current normalisation and comparison to a saved run."""
    saved = json.loads(path.read_text())
    examples = [Example(**e) for e in saved["examples"]]
    for r in saved["results"].values():
        for side in ("real", "ours", "real_again"):
            if side in r:
                r[side]["prints"] = normalise("\n".join(r[side]["prints"]), "<home>")
        r["verdict"] = compare(r["real"], r["ours"], r.get("real_again"))
    no_main = saved.get("no_main", 0)
    report = markdown(examples, saved["results"], no_main, saved["commit"])
    print(report)
    if md:
        md.write_text(report)
    return 0


def extract(mirror: Path, commit: str, dest: Path) -> str:
    if subprocess.run(["git", "-C", str(mirror), "cat-file", "-e", f"{commit}^{{commit}}"],
                      capture_output=True).returncode != 0:
        commit = subprocess.run(["git", "-C", str(mirror), "rev-parse", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        print(f"warning: pinned commit missing; using HEAD {commit[:8]}", file=sys.stderr)
    archive = subprocess.run(["git", "-C", str(mirror), "archive", commit, "examples"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return commit


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    ap.add_argument("--commit", default=PINNED_COMMIT)
    ap.add_argument("--ref-python", default=DEFAULT_REF_PYTHON)
    ap.add_argument("--python", default=sys.executable, help="interpreter for our side (this repository goes first)")
    ap.add_argument("--only", action="append", default=[], help="only examples whose path contains this")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=150, help="seconds per example and side")
    ap.add_argument("--classify-only", action="store_true")
    ap.add_argument("--rescore", type=Path, help="re-compare the results in this --json output (no runs)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--md", type=Path)
    args = ap.parse_args(argv)
    if args.rescore:
        return rescore(args.rescore, args.md)
    with tempfile.TemporaryDirectory(prefix="flyte-sdk-examples-") as tmp:
        commit = extract(args.mirror, args.commit, Path(tmp))
        examples_root = Path(tmp) / "examples"
        examples, no_main = classify(examples_root, args.ref_python, args.python)
        if args.only:
            examples = [e for e in examples if any(o in e.path for o in args.only)]
        if args.classify_only:
            for e in examples:
                print(f"{e.category:16} {e.path}  {e.reason}")
            return 0
        runnable = [e for e in examples if e.category == "runnable"]
        results: dict[str, dict] = {e.path: {} for e in runnable}

        def one(job: tuple[Example, str]) -> None:
            ex, side = job
            py = args.ref_python if side in ("real", "real_again") else args.python
            results[ex.path][side] = run_example(py, examples_root, ex, side == "ours", args.timeout)
            print(f"{side:10} {ex.path}: rc {results[ex.path][side]['rc']} "
                  f"({results[ex.path][side]['seconds']}s)", file=sys.stderr)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, [(e, side) for e in runnable for side in ("real", "ours")]))
            again = [e for e in runnable if results[e.path]["real"]["rc"] != "timeout" and (
                results[e.path]["real"]["rc"] != results[e.path]["ours"]["rc"]
                or sorted(results[e.path]["real"]["prints"]) != sorted(results[e.path]["ours"]["prints"]))]
            list(pool.map(one, [(e, "real_again") for e in again]))
        for e in runnable:
            r = results[e.path]
            r["verdict"] = compare(r["real"], r["ours"], r.get("real_again"))
    report = markdown(examples, results, no_main, commit)
    print(report)
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "no_main": no_main, "examples": [asdict(e) for e in examples],
                                         "results": results}, indent=1))
    if args.md:
        args.md.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
