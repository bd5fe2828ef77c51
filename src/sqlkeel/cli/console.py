"""Terminal output: rich-rendered on a terminal, plain text everywhere else.

- On a terminal (standard output is a TTY, or ``FORCE_COLOR`` is set) the CLI renders tables,
  syntax-highlighted SQL and coloured hazards with rich; ``NO_COLOR`` keeps the layout and
  drops the colours; ``TERM=dumb`` means plain text.
- Piped, redirected or captured (CI logs, ``| less``, tests) the output is the plain text the
  docs show, line for line, so scripts can read it.
- ``--format json`` never comes here: JSON is the same whatever the terminal.

rich is imported only when a terminal is attached, and only by the CLI.
"""

from __future__ import annotations

import os
import sys

import click

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sqlkeel.diff.ops import Op
    from sqlkeel.workflow import StatusReport

_STATE_STYLES = {
    "applied": "green",
    "pending": "yellow",
    "edited": "bold red",
    "missing": "bold red",
    "misnamed": "magenta",
}
_HAZARD_STYLES = {"data_loss": "bold red", "table_rebuild": "yellow", "data_dependent": "cyan"}


def rich_output(stream: Any = None) -> bool:
    """True when the output goes to a terminal that rich should draw on."""
    if os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def console(*, err: bool = False) -> Any:
    """A rich Console on the current stdout/stderr (NO_COLOR and FORCE_COLOR respected)."""
    from rich.console import Console

    return Console(file=sys.stderr if err else sys.stdout, highlight=False, soft_wrap=True)


def print_sql(sql: str) -> None:
    """A SQL script: highlighted on a terminal, verbatim otherwise."""
    if not rich_output():
        click.echo(sql, nl=False)
        return
    from rich.syntax import Syntax

    console().print(
        Syntax(
            sql.rstrip("\n"), "sql", theme="ansi_dark", background_color="default", word_wrap=True
        )
    )


def print_ops(ops: Iterable[Op], *, indent: str = "  ") -> None:
    """One line per operation, its hazards under it (coloured by kind on a terminal)."""
    if not rich_output():
        for op in ops:
            click.echo(f"{indent}{op.describe()}")
            for note in op.hazards:
                click.echo(f"{indent}  {note.kind.value}: {note.message}")
        return
    from rich.text import Text

    out = console()
    for op in ops:
        out.print(Text(f"{indent}{op.describe()}", style="bold"))
        for note in op.hazards:
            line = Text(f"{indent}  ")
            line.append(note.kind.value, style=_HAZARD_STYLES.get(note.kind.value, ""))
            line.append(f": {note.message}")
            out.print(line)


def print_status(report: StatusReport) -> None:
    """``sqlkeel status``: a table on a terminal, one line per migration otherwise."""
    if not rich_output():
        click.echo(f"database: {report.database}")
        if not report.rows:
            click.echo("no migrations")
        for row in report.rows:
            when = (
                f"  {row.applied_at}  {row.duration_ms:.1f} ms"
                if row.applied_at and row.duration_ms is not None
                else ""
            )
            click.echo(f"{row.state:<8} {row.name}{when}")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"database: {report.database}"), title_justify="left")
    table.add_column("state")
    table.add_column("migration")
    table.add_column("applied at (UTC)")
    table.add_column("took", justify="right")
    for row in report.rows:
        table.add_row(  # Text, not markup: a name may hold brackets
            Text(row.state, style=_STATE_STYLES.get(row.state, "")),
            Text(row.name),
            row.applied_at or "",
            f"{row.duration_ms:.1f} ms" if row.duration_ms is not None else "",
        )
    out = console()
    if not report.rows:
        out.print(Text(f"database: {report.database}\nno migrations"))
        return
    out.print(table)
