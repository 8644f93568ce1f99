"""What seeing a run costs: log capture per action, `flyte get actions` and the web UI on big runs.

    python bench/bench_observe.py                          # everything (a few minutes)
    python bench/bench_observe.py --actions 20000 --runs 2000 --no-browser

1. Log capture, for actions that print nothing. Counted in instructions with valgrind (cachegrind)
   when it is installed, because CPU time on a shared machine is too noisy for a microsecond: each
   worker runs N1 and N2 trivial child actions, and (I(N2) - I(N1)) / (N2 - N1) is the cost of one
   action with start-up and imports cancelled out. Three builds of the same workload, same run:
   this runtime with capture on (the default), with capture off (FLYTE_CAPTURE_OUTPUT=0), and the
   `main` branch before this work (extracted with git, when the checkout has it). Instructions are
   turned into microseconds with the instructions per microsecond of a native run of the same
   worker.
2. A run of --actions actions (a 100,000-wide asyncio.gather, recorded by the runtime) and a store
   of --runs runs. `flyte get actions RUN` (its first page, as the command prints it, in a fresh
   process) against the baseline of the same run: what the command did before this work, every
   action read and printed as a tree (`--all` output of the old code path, reproduced below).
3. The web UI over that store, served by uvicorn: the run's page and the runs page, as the server
   answers them (best of 5) and as Chromium paints them (first contentful paint, when Chromium and
   Playwright are there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

from _workloads import MODES, TASKS, cachegrind_instructions

ROOT = Path(__file__).resolve().parent.parent

WORKER = (
    "import asyncio, json, sys, time\nimport flyte\nmode, n = sys.argv[1], int(sys.argv[2])\n"
    + TASKS
    + """flyte.run(task, 1)
from flyte._store import open_store
open_store().flush()
c0 = time.process_time()
flyte.run(task, n)
open_store().flush()
print(json.dumps({"cpu": time.process_time() - c0}))
"""
)


def _run(args: list[str], env: dict, cwd: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:6])} failed:\n{proc.stderr[-3000:]}")
    return proc


def instructions(python: str, pythonpath: str, mode: str, n: int, home: str, capture: bool) -> int:
    env = {**os.environ, "PYTHONPATH": pythonpath, "FLYTE_HOME": home, "FLYTE_CAPTURE_OUTPUT": "1" if capture else "0"}
    return cachegrind_instructions([python, "-c", WORKER, mode, str(n)], env, home)


def cpu_per_action(python: str, pythonpath: str, mode: str, n: int, home: str, capture: bool) -> float:
    env = {**os.environ, "PYTHONPATH": pythonpath, "FLYTE_HOME": home, "FLYTE_CAPTURE_OUTPUT": "1" if capture else "0"}
    best = min(json.loads(_run([python, "-c", WORKER, mode, str(n)], env, home).stdout.strip().splitlines()[-1])["cpu"]
               for _ in range(3))
    return best / n


def main_branch_source(tmp: str) -> str | None:
    """The `main` branch's flyte package (the runtime before this work), if git has it."""
    target = Path(tmp) / "main-src"
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "main", "flyte"], capture_output=True, timeout=120)
        if archive.returncode != 0:
            return None
        target.mkdir()
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return str(target)


def bench_capture(python: str, tmp: str, n1: int, n2: int) -> None:
    print("\n## Log capture: cost per action that prints nothing")
    have_valgrind = shutil.which("valgrind") is not None
    main_src = main_branch_source(tmp)
    builds = [("capture on", str(ROOT), True), ("capture off", str(ROOT), False)]
    if main_src:
        builds.append(("main branch", main_src, True))
    print(f"(instructions by {'valgrind cachegrind' if have_valgrind else 'CPU time only: valgrind is not installed'};"
          f" per action = (I({n2}) - I({n1})) / {n2 - n1})")
    print(f"{'workload':<10} " + " ".join(f"{b[0]:>24}" for b in builds) + f" {'capture on - off':>18}")
    for mode in MODES:
        cells, per = [], {}
        for label, src, capture in builds:
            home = tempfile.mkdtemp(dir=tmp)
            if have_valgrind:
                i1 = instructions(python, src, mode, n1, home, capture)
                i2 = instructions(python, src, mode, n2, home, capture)
                ins = (i2 - i1) / (n2 - n1)
                cpu = cpu_per_action(python, src, mode, n2, home, capture)
                per[label] = (ins, cpu)
                cells.append(f"{ins:>10,.0f} ins {cpu * 1e6:>6.1f}us")
            else:
                cpu = cpu_per_action(python, src, mode, n2, home, capture)
                per[label] = (0.0, cpu)
                cells.append(f"{cpu * 1e6:>20.1f}us")
        on, off = per["capture on"], per["capture off"]
        if have_valgrind:
            rate = on[0] / (on[1] * 1e6) if on[1] else 0.0  # instructions per microsecond, this machine
            delta = (on[0] - off[0]) / rate if rate else float("nan")
            diff = f"{on[0] - off[0]:>+7,.0f} ins = {delta:+.2f}us"
        else:
            diff = f"{(on[1] - off[1]) * 1e6:+.2f}us"
        print(f"{mode:<10} " + " ".join(f"{c:>24}" for c in cells) + f" {diff:>18}")
        if "main branch" in per and have_valgrind:
            m = per["main branch"]
            print(f"{'':<10} this branch vs main: {on[0] - m[0]:+,.0f} instructions per action "
                  f"({on[0] / m[0]:.3f}x; the store's fan-out aggregates are counted in its writer thread)")


# -- big runs ---------------------------------------------------------------------------------------------

OLD_GET_ACTIONS = r'''
# What `flyte get actions RUN` did before this work: read every action, build the whole tree, print it.
import sys
from rich.console import Console
from rich.tree import Tree
from flyte._run import current_store
run = sys.argv[1]
rows = [r._asdict() for r in current_store().list_actions(run).actions]
children = {}
for r in rows:
    children.setdefault(r["parent"], []).append(r)
def label(r):
    mark = {"SUCCEEDED": "[green]✓[/green]", "FAILED": "[red]✕[/red]"}.get(r["phase"], "…")
    return f"{mark} {r['short_name']} [dim]{r['id']}[/dim]"
tree = Tree(f"run {run}")
def add(node, parent):
    for r in children.get(parent, []):
        add(node.add(label(r)), r["id"])
add(tree, None)
Console(width=120).print(tree)
'''

BIG = r'''
import asyncio, sys, flyte
env = flyte.TaskEnvironment("bench_big")

@env.task
async def leaf(i: int) -> int:
    return i

@env.task
async def wide(n: int) -> int:
    return sum(await asyncio.gather(*[leaf(i) for i in range(n)]))

flyte.with_runcontext(name=sys.argv[2]).run(wide, int(sys.argv[1]))
'''


def timed(args: list[str], env: dict, cwd: str, repeat: int) -> tuple[float, float]:
    """(best wall, best CPU of the child) over `repeat` runs of a command."""
    import resource

    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        _run(args, env, cwd)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def seed_runs(home: str, count: int) -> None:
    """`count` finished runs of five actions each, written straight to the store."""
    from flyte._store import ActionRecord, RunRecord, SQLiteStore

    store = SQLiteStore(Path(home), flush_interval=3600)
    try:
        start = time.time() - count
        for k in range(count):
            name = f"seeded-{k:06d}"
            t = start + k
            store.run_started(RunRecord(name, "bench.main", "SUCCEEDED" if k % 9 else "FAILED", t, t + 0.5, None, None,
                                        None, None, None, None, None, None))
            store.actions_finished([ActionRecord(name, f"a{j}", None if j == 0 else "a0", "bench.step", "step", None,
                                                 "task", "SUCCEEDED", 1, t + j * 0.01, t + j * 0.01 + 0.005, None, None,
                                                 None, None, None) for j in range(5)])
            if k % 1000 == 999:
                store.flush()
    finally:
        store.close()


def bench_big(python: str, tmp: str, actions: int, runs: int, browser: bool) -> None:
    home = os.path.join(tmp, "big-home")
    os.makedirs(home)
    # commands run as a user's do: from bytecode compiled by an earlier run (kept under tmp, not in the checkout)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FLYTE_HOME": home, "PYTHONPYCACHEPREFIX": os.path.join(tmp, "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print(f"\n## A run of {actions:,} actions and a store of {runs:,} runs")
    t0 = time.perf_counter()
    _run([python, "-c", BIG, str(actions), "big-run"], env, home)
    print(f"(recorded the {actions:,}-action run in {time.perf_counter() - t0:.1f}s)")
    seed_runs(home, runs)

    flyte_cli = [python, "-m", "flyte._cli", "--no-progress"]
    timed([*flyte_cli, "get", "actions", "big-run"], env, home, 1)  # compiles the bytecode the runs below read
    first_wall, first_cpu = timed([*flyte_cli, "get", "actions", "big-run"], env, home, 3)
    json_wall, _ = timed([*flyte_cli, "-of", "json", "get", "actions", "big-run"], env, home, 3)
    old_wall, old_cpu = timed([python, "-c", OLD_GET_ACTIONS, "big-run"], env, home, 1)
    bare_wall, bare_cpu = timed([python, "-c", "import flyte._cli"], env, home, 3)
    print(f"`flyte get actions` first page: {first_wall:.2f}s wall, {first_cpu:.2f}s CPU "
          f"(-of json: {json_wall:.2f}s wall); the interpreter and imports alone: {bare_wall:.2f}s wall, {bare_cpu:.2f}s CPU")
    print(f"baseline, every action read and printed as a tree (the command before this work): {old_wall:.2f}s wall, "
          f"{old_cpu:.2f}s CPU  =>  {old_wall / first_wall:.0f}x less wall time, {old_cpu / first_cpu:.0f}x less CPU")

    try:
        import uvicorn  # noqa: F401
    except ImportError:
        print("(the UI's packages are not installed: pip install 'flyteshift[ui]')")
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests" / "flyte"))
    from ui_support import serving  # type: ignore[import-not-found]

    from flyte._store import SQLiteStore

    store = SQLiteStore(Path(home))
    try:
        with serving(store) as base:
            # the baseline, same server and browser: the UI's smallest page (a run that does not exist)
            pages = (("smallest page (baseline: an unknown run)", "/runs/no-such-run"),
                     (f"run page, {actions:,} actions", "/runs/big-run"), (f"runs page, {runs:,} runs", "/"),
                     ("an action of the big run", "/runs/big-run/actions/a0"))
            paints = first_paints([base + url for _, url in pages]) if browser else None
            base_served = None
            for k, (label, url) in enumerate(pages):
                best = float("inf")
                for _ in range(5):
                    t0 = time.perf_counter()
                    try:
                        with urllib.request.urlopen(base + url, timeout=60) as r:
                            r.read()
                    except urllib.error.HTTPError as e:  # the baseline's 404 is a whole page too
                        e.read()
                    best = min(best, time.perf_counter() - t0)
                shown = ratio = ""
                if paints:
                    mine = [p[k] for p in paints]
                    shown = f", first contentful paint in Chromium median {median(mine) * 1000:.0f} ms of {len(mine)}"
                    if k:
                        ratios = [p[k] / p[0] for p in paints]
                        ratio = (f"; painted {median(ratios):.2f}x the baseline (median of rounds; each round: "
                                 + " ".join(f"{r:.2f}" for r in ratios) + ")")
                if base_served is None:
                    base_served = best
                else:
                    ratio = f"  ({best / base_served:.1f}x served{ratio})"
                print(f"UI {label}: served in {best * 1000:.0f} ms (best of 5){shown}{ratio}")
    finally:
        store.close()


# Resolves with the first contentful paint once Chromium has reported it (it may come after `load`).
FCP = """() => new Promise(done => {
  new PerformanceObserver(list => { for (const e of list.getEntries())
    if (e.name === 'first-contentful-paint') done(e.startTime); }).observe({type: 'paint', buffered: true});
  setTimeout(() => done(null), 20000);
})"""


def first_paints(urls: list[str], rounds: int = 7) -> list[list[float]] | None:
    """Rounds of first contentful paints (seconds) of `urls`, each round the pages in turn in one browser: on a
    loaded machine a page is only compared with the baseline painted next to it."""
    chromium = os.environ.get("FLYTE_UI_CHROMIUM", "/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not os.path.exists(chromium):
        return None
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        try:
            for url in urls:  # a first visit of each, not counted: the server's and the browser's caches warm
                page = browser.new_page()
                page.goto(url, wait_until="load")
                page.close()
            for _ in range(rounds):
                paints = []
                for url in urls:
                    page = browser.new_page()
                    page.goto(url, wait_until="load")
                    paints.append(page.evaluate(FCP))
                    page.close()
                if all(paints):
                    out.append([t / 1000 for t in paints])
        finally:
            browser.close()
    return out or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--n1", type=int, default=1000, help="Actions in the smaller capture workload.")
    parser.add_argument("--n2", type=int, default=3000, help="Actions in the larger capture workload.")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--skip-capture", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_capture:
            bench_capture(sys.executable, tmp, args.n1, args.n2)
        if not args.skip_big:
            bench_big(sys.executable, tmp, args.actions, args.runs, not args.no_browser)


if __name__ == "__main__":
    main()
