"""Differential check of the fixture pairs on the real SDKs.

For every fixture in tests/codemods/fixtures, run `before.py` on the real flytekit 1.16.31 and
`after.py` on the real flyte 2.12.1 (each in its own venv, through run_case.py), and compare both
with each other and with the expected values in case.json.

    python bench/codemods/differential.py [--flytekit PY] [--flyte2 PY] [FIXTURE...]

Defaults: /work/refvenvs/flytekit/bin/python and /work/refvenvs/flyte2/bin/python (override with the
FLYTEKIT_PYTHON / FLYTE2_PYTHON environment variables). Exit status 1 if any fixture differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "codemods" / "fixtures"
RUNNER = Path(__file__).with_name("run_case.py")


def run(python: str, mode: str, fixture: Path, env: dict, home: str) -> list:
    # never PYTHONPATH: a checkout of this project on it shadows the reference venv's real packages
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        **env,
        "HOME": home,
        "FLYTE_DISABLE_SENTRY": "true",
        "FLYTE_LOCAL_CACHE_ENABLED": "false",  # flytekit's cache outlives processes
        "FLYTE_SDK_RICH_TRACEBACKS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    proc = subprocess.run(
        [python, str(RUNNER), mode, str(fixture)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        input=env.get("__stdin__", ""),
    )
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not out and proc.returncode:
        out = [{"crash": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}]
    return out


def outcome(entry: dict):
    if "crash" in entry:
        return ("crash", entry["crash"])
    if "raises" in entry:
        return ("raises", entry["raises"])
    return ("value", entry.get("value"))


def expected_outcome(run_spec: dict):
    if "raises" in run_spec:
        return ("raises", run_spec["raises"])
    return ("value", json.loads(json.dumps(run_spec.get("expected"))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", nargs="*")
    parser.add_argument("--flytekit", default=os.environ.get("FLYTEKIT_PYTHON", "/work/refvenvs/flytekit/bin/python"))
    parser.add_argument("--flyte2", default=os.environ.get("FLYTE2_PYTHON", "/work/refvenvs/flyte2/bin/python"))
    args = parser.parse_args()
    names = args.fixtures or sorted(p.name for p in FIXTURES.iterdir() if (p / "case.json").exists())
    failures = 0
    compared = 0
    home = tempfile.mkdtemp(prefix="fm-diff-home-")
    start = time.perf_counter()
    for name in names:
        fixture = FIXTURES / name
        case = json.loads((fixture / "case.json").read_text())
        runs = case.get("runs", [])
        if not runs:
            continue
        env = {k: str(v) for k, v in case.get("env", {}).items()}
        if "stdin" in case:
            env["__stdin__"] = case["stdin"]
        after = run(args.flyte2, "after", fixture, env, home)
        before = run(args.flytekit, "before", fixture, env, home) if case.get("flytekit", True) else None
        for i, spec in enumerate(runs):
            want = expected_outcome(spec)
            got_after = outcome(after[i]) if i < len(after) else ("missing", None)
            got_before = outcome(before[i]) if before is not None and i < len(before) else None
            ok = got_after == want and (got_before is None or got_before == want)
            compared += 1
            status = "ok  " if ok else "DIFF"
            failures += not ok
            where = f"{name}:{spec['entry']}"
            before_text = "not run (needs a plugin or package missing from the flytekit venv)" if got_before is None else got_before
            print(f"{status} {where:<48} flytekit={before_text} flyte2={got_after}" + ("" if ok else f" expected={want}"))
    print(f"\n{compared - failures}/{compared} runs agree ({time.perf_counter() - start:.1f}s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
