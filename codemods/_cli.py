"""`flyte-migrate PATH...`: rewrite Flyte 1 code into Flyte 2 code, in place by default.

Exit status: 0 on success; 1 when `--check` finds files that would change or when a file could
not be read, parsed or written (it is then left untouched); 2 for usage errors; 130 when
interrupted (Ctrl-C or SIGTERM: the summary of what was done is still printed).
"""

from __future__ import annotations

import difflib
import signal
import sys
import threading
from typing import Any, Optional

import click

from ._files import reason
from ._report import FileResult, RunReport
from ._runner import Interrupted, PathError, migrate_paths
from ._write import write_whole
from .rules import BY_CODE, RULES, UnknownRuleError, select_codes

# Show a progress bar only for runs long enough to need one.
_PROGRESS_MIN_FILES = 20


def _diff(result: FileResult) -> str:
    old = result.source.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = (result.output or result.source).decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{result.path}", tofile=f"b/{result.path}"))


def _list_rules(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for rule in sorted(RULES, key=lambda r: r.code):
        click.echo(f"{rule.code}  {rule.name:<18} {rule.summary}")
    ctx.exit(0)


def _explain(ctx: click.Context, _param: click.Parameter, value: Optional[str]) -> None:
    if not value or ctx.resilient_parsing:
        return
    rule = BY_CODE.get(value.upper()) or next((r for r in RULES if r.name == value), None)
    if rule is None:
        raise click.BadParameter(f"no rule {value!r}; see --list-rules", param_hint="--explain")
    click.echo(rule.doc())
    ctx.exit(0)


def _progress(enabled: bool):
    """(start, advance, stop) callbacks driving a rich progress bar on stderr."""
    if not enabled:
        return None, None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("migrating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True
    )
    state: dict[str, Any] = {"task": None}

    def start(n: int) -> None:
        if n >= _PROGRESS_MIN_FILES:
            progress.start()
            state["task"] = progress.add_task("migrate", total=n)

    def advance(_result: FileResult) -> None:
        if state["task"] is not None:
            progress.advance(state["task"])

    def stop() -> None:
        if state["task"] is not None:
            progress.stop()

    return start, advance, stop


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the changes and write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change (for CI).")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (codes, prefixes like FM3, or names; comma-separated or repeated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@click.option("--report", "report_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Summary format; json goes to stdout (or --report-file).")
@click.option("--report-file", type=click.Path(dir_okay=False, writable=True), default=None, help="Write the JSON report to this file.")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors (and diffs / JSON when asked).")
@click.option("--list-rules", is_flag=True, expose_value=False, is_eager=True, callback=_list_rules, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", expose_value=False, is_eager=True, callback=_explain, help="Show a rule's documentation (before/after) and exit.")
def main(
    paths: tuple[str, ...],
    show_diff: bool,
    check: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: Optional[int],
    report_format: str,
    report_file: Optional[str],
    no_progress: bool,
    quiet: bool,
) -> None:
    """Rewrite Flyte 1 (flytekit) code in PATH... into Flyte 2 (flyte) code, in place.

    Files that do not mention flytekit are skipped. Anything without a mechanical Flyte 2
    target is marked with a `# TODO(flyte-migrate): ...` comment and listed at the end.

    \b
    Your files are safe:
    - each file is replaced atomically (complete new content, or the old file untouched);
    - a file that cannot be read, decoded, parsed or written is reported, left as it is,
      and the run goes on (exit status 1); read-only files are reported, not rewritten;
    - symlinks stay links: the file they point to is migrated, once. A link found inside
      a directory is not followed when it points outside the PATHs given; name its
      target to migrate it. A PATH given here is followed even if it is a link.
    """
    try:
        select_codes(list(select), list(ignore))
    except UnknownRuleError as e:
        raise click.BadParameter(str(e), param_hint="--select/--ignore") from None
    if report_format == "json" and show_diff and report_file is None:
        raise click.UsageError("--diff prints to stdout; give --report-file for the JSON report")
    write = not (show_diff or check)
    start, advance, stop = _progress(not no_progress and not quiet and sys.stderr.isatty())
    # SIGTERM stops the run like Ctrl-C: the summary of what was done is still printed
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        report = migrate_paths(list(paths), list(select), list(ignore), jobs=jobs, write=write, on_file=advance, on_start=start)
    except PathError as e:
        stop()
        raise click.BadParameter(str(e), param_hint="PATH") from None
    except Interrupted as e:
        stop()
        _emit_report(e.report, "text", report_file, quiet, write, check)
        sys.exit(130)
    finally:
        stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if show_diff:
        for result in report.changed:
            sys.stdout.write(_diff(result))
    report_failed = _emit_report(report, report_format, report_file, quiet, write, check)
    if report.errors or report_failed or (check and report.changed):
        sys.exit(1)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _emit_report(report: RunReport, fmt: str, report_file: Optional[str], quiet: bool, wrote: bool, check: bool) -> bool:
    """Print the summary (and write --report-file); returns True when the report file failed."""
    failed = False
    if report_file is not None:
        try:
            write_whole(report_file, (report.to_json() + "\n").encode("utf-8"))
        except OSError as e:
            failed = True
            click.echo(f"error: {report_file}: cannot write the report: {reason(e)}", err=True)
    if fmt == "json" and report_file is None:
        click.echo(report.to_json())
        return failed
    lines: list[str]
    verb = "Migrated" if wrote else "Would migrate"
    if quiet:
        lines = [f"error: {f.path}: {f.error}" for f in report.errors]
        if report.interrupted:
            lines.insert(0, report.summary_lines(verb)[0])
    else:
        lines = report.summary_lines(verb)
        if check and report.changed:
            lines.insert(0, "\n".join(f"would change: {f.path}" for f in report.changed))
    for line in lines:
        click.echo(line, err=True)
    return failed


if __name__ == "__main__":  # pragma: no cover
    main()
