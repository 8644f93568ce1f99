"""`flyte store check` and `flyte store recover`: the state of the local store, and a way back
from a damaged one that keeps every file it replaces."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import click


def _home(home: Optional[str]) -> Path:
    if home:
        return Path(home).expanduser()
    from .._run import _config
    from .._store import default_home

    return Path(_config.home) if _config.home else default_home()


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@click.group("store")
def store() -> None:
    """Check the local store, or recover a damaged one."""


_HOME_OPTION = click.option("--home", default=None, help="The store's directory (default: $FLYTE_HOME, else ~/.flyte).")


@store.command("check")
@_HOME_OPTION
def check(home: Optional[str]) -> None:
    """Check the database (SQLite's integrity_check) and the journal; change nothing.

    Exits 1 when the store needs `flyte store recover`."""
    from .._store import check_store

    path = _home(home)
    report = check_store(path)
    console = _console()
    console.print(f"Store at {path}", markup=False)
    db = path / "metadata.db"
    if report.new:
        console.print(f"  a new store: nothing recorded yet ({db} is created by the first run)", markup=False)
        console.print("[green]✓ nothing to check[/green]")
        return
    if report.database == "ok":
        counts = report.counts
        console.print(
            f"  database {db}: schema {report.schema_version}, {counts.get('runs', '?')} runs, "
            f"{counts.get('actions', '?')} actions (+ {counts.get('action_batches', '?')} packed batches), "
            f"{counts.get('attempts', '?')} failed attempts, {counts.get('cache', '?')} cache entries, "
            f"{counts.get('logs', 0)} attempt logs, {counts.get('reports', 0)} reports", markup=False)
    else:
        console.print(f"  database {db}: {report.database}", markup=False)
    for owner in report.owners:
        pid = owner.owner.split("-")[0]
        if owner.alive:
            console.print(f"  journal: process {pid} is using the store ({owner.pending_records} records not committed yet)",
                          markup=False)
        else:
            why = f"; it stopped because: {owner.note.splitlines()[-1]}" if owner.note else ""
            console.print(f"  journal: process {pid} died with {owner.pending_records} records not yet applied in "
                          f"{owner.segments} segment(s) (applied when the store is next opened){why}", markup=False)
    console.print(f"  run folders: {report.run_folders}", markup=False)
    if report.healthy:
        console.print("[green]✓ healthy[/green]")
        return
    for problem in report.problems:
        console.print(f"  problem: {problem}", markup=False)
    console.print("[red]✕ damaged[/red]: `flyte store recover` copies what can be read into a fresh store "
                  "and keeps the damaged files aside.")
    sys.exit(1)


@store.command("recover")
@_HOME_OPTION
@click.option("--force", is_flag=True, help="Rebuild the database even when the check finds nothing wrong.")
def recover(home: Optional[str], force: bool) -> None:
    """Copy everything that can be read into a fresh store, apply what died processes journaled,
    and keep the damaged files in <home>/damaged-<time>/ (nothing is deleted)."""
    from .._store import StoreError, check_store, recover_store

    path = _home(home)
    console = _console()
    state = check_store(path)
    if state.new:
        console.print(f"The store at {path} is a new store: nothing recorded, nothing to recover.", markup=False)
        return
    if not force and state.healthy:
        console.print(f"The store at {path} is healthy: nothing to recover (--force rebuilds it anyway).", markup=False)
        return
    try:
        report = recover_store(path)
    except StoreError as e:
        console.print("[red]✕[/red] ", end="")
        console.print(str(e), markup=False)
        sys.exit(1)
    copied = ", ".join(f"{n} {what}" for what, n in report.copied.items()) or "nothing (no readable database)"
    console.print("[green]✓[/green] ", end="")
    console.print(f"Recovered the store at {path}: copied {copied}; applied {report.journal_records} journal "
                  "records.", markup=False)
    if report.read_errors:
        console.print(f"  {len(report.read_errors)} part(s) could not be read (their rows are lost):", markup=False)
        for err in report.read_errors[:10]:
            console.print(f"    {err}", markup=False)
    console.print(f"  The previous files are kept in {report.aside}", markup=False)
