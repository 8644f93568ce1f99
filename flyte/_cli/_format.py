"""Output of `flyte get ...` in the formats of `-of/--output-format`.

- `table`: a rich table (colours, marks); the name columns are as wide as their longest value,
  so a run name is never cut, and output that is not a terminal is as wide as the table needs;
- `table-simple`: the same columns as plain text separated by two spaces, no colours or boxes
  (for grep, awk and terminals without Unicode);
- `json`: indented JSON of the records; `json-raw`: the same on one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, Literal, Optional

import click

FORMATS = ("table", "table-simple", "json", "json-raw")


class Column:
    """A column of a table: its header, how to get its plain text and its rich markup from a row,
    and whether it must never be cut (names, ids)."""

    def __init__(self, header: str, text: Any, markup: Any = None, whole: bool = False,
                 justify: Literal["left", "right"] = "left"):
        self.header, self.text, self.markup, self.whole, self.justify = header, text, markup, whole, justify


def output_format() -> str:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.obj if root is not None and isinstance(root.obj, dict) else {}
    return obj.get("output_format", "table")


def console(stderr: bool = False, width: Optional[int] = None) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def emit_json(data: Any, fmt: Optional[str] = None) -> None:
    fmt = fmt or output_format()
    indent = None if fmt == "json-raw" else 2
    click.echo(json.dumps(data, indent=indent, default=str, ensure_ascii=False))


def emit_table(rows: Sequence[Any], columns: Sequence[Column], fmt: Optional[str] = None, title: Optional[str] = None,
               empty: str = "Nothing to show") -> None:
    """`rows` as a table in `fmt` (table or table-simple)."""
    fmt = fmt or output_format()
    if not rows:
        click.echo(empty, err=True)
        return
    texts = [[str(col.text(r)) for col in columns] for r in rows]
    if fmt == "table-simple":
        widths = [max(len(c.header), *(len(t[i]) for t in texts)) for i, c in enumerate(columns)]
        lines = ["  ".join(c.header.ljust(w) for c, w in zip(columns, widths)).rstrip()]
        for t in texts:
            lines.append("  ".join((v.rjust(w) if c.justify == "right" else v.ljust(w))
                                   for c, v, w in zip(columns, t, widths)).rstrip())
        if title:
            click.echo(title)
        click.echo("\n".join(lines))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for i, col in enumerate(columns):
        longest = max(len(col.header), *(len(t[i]) for t in texts))
        table.add_column(col.header, justify=col.justify, no_wrap=col.whole, min_width=longest if col.whole else None,
                         overflow="fold")
    for r, t in zip(rows, texts):
        table.add_row(*[(col.markup(r) if col.markup is not None else escape(v)) for col, v in zip(columns, t)])
    show(table)


def show(renderable: Any) -> None:
    """Print a rich renderable on stdout; off a terminal, as wide as it needs to be (nothing is
    cut at 80 columns when piped)."""
    out = console()
    if not out.is_terminal:
        needed = out.measure(renderable, options=out.options.update(width=100_000)).maximum
        out = console(width=max(80, needed))
    out.print(renderable)


def warn(message: str) -> None:
    """Tell the user (on stderr) that something they asked for is not done as asked, and why."""
    from rich.markup import escape

    console(stderr=True).print(f"[yellow]⚠ {escape(message)}[/yellow]")


def fail(message: str, code: int = 1) -> None:
    from rich.markup import escape

    console(stderr=True).print(f"[red]✕ {escape(message)}[/red]")
    sys.exit(code)
