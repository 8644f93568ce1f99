"""Run the migration guide's Flyte 2 examples on another interpreter (the real `flyte` SDK).

    python scripts/check_guide_on_sdk.py --python /path/to/venv-with-flyte/bin/python

Each example runs in an empty temporary directory (so this checkout is not importable) and
passes when the lines the guide shows appear, in order, in its stdout: the real SDK's local mode
prints its own warnings and tracebacks there too. Prints one line per example and a summary.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.migration_guide.guide_examples import all_examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter that has the real flyte SDK")
    parser.add_argument("--variant", default="flyte2", choices=["flyte1", "flyte2"])
    args = parser.parse_args()
    passed = failed = skipped = 0
    for ex in all_examples():
        variant = ex.variants.get(args.variant)
        if variant is None:
            continue
        if variant.sdk_skip:
            skipped += 1
            print(f"SKIP {ex.name}: {variant.sdk_skip}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "example.py"
            path.write_text(variant.code)
            # A fresh HOME: both references keep a local cache there, which would leak between examples.
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_HOME")}
            env["HOME"] = tmp
            proc = subprocess.run([args.python, str(path)], cwd=tmp, capture_output=True, text=True, env=env, timeout=300)
        want = [ln.rstrip() for ln in ex.variants["output"].code.strip().splitlines()]
        got = [ln.rstrip() for ln in proc.stdout.strip().splitlines()]
        remaining = iter(got)
        if proc.returncode == 0 and all(line in remaining for line in want):
            passed += 1
            print(f"PASS {ex.name}")
        else:
            failed += 1
            tail = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            print(f"FAIL {ex.name}: rc={proc.returncode} got={got[-len(want):]!r} stderr: {tail}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
