"""Commands and the error boundary: library errors become messages and exit codes here only.

Exit codes (DESIGN §4): 0 ok · 1 error · 2 usage · 3 differences found · 4 destructive change
refused. ``--format json`` prints one JSON object (``"version": 1``) on stdout, errors included.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sqlkeel import __version__
from sqlkeel.errors import SqlkeelError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_DIFFERENCES = 3
EXIT_DESTRUCTIVE = 4


class Context:
    """What the error boundary needs to know about the running command."""

    def __init__(self) -> None:
        self.format = "text"
        self.traceback = False


_STATE = Context()


def common_options(func: F) -> F:
    """``--config``, ``--format`` and ``--traceback``, accepted by every command."""
    func = click.option(
        "--traceback", is_flag=True, help="Show the Python stack trace of an error."
    )(func)
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format; json prints one object with a version field.",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Project configuration file (pyproject.toml or sqlkeel.toml).",
    )(func)
    return func


def _remember(output_format: str, show_traceback: bool) -> None:
    _STATE.format = output_format
    _STATE.traceback = show_traceback


def emit_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sqlkeel")
def cli() -> None:
    """sqlkeel: SQLite schema-as-code and migrations that never lose a row."""


@cli.command("diff")
@click.argument("from_", metavar="FROM")
@click.argument("to", metavar="TO")
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="OLD=NEW",
    help="A table rename (OLD=NEW) or a column rename (TABLE.OLD=NEW). Repeatable.",
)
@click.option(
    "--allow-destructive", is_flag=True, help="Allow a plan that deletes tables, columns or rows."
)
@common_options
def diff_command(
    from_: str,
    to: str,
    renames: tuple[str, ...],
    allow_destructive: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Print the SQL script that turns FROM into TO.

    FROM and TO are each a .sql file, a directory of .sql files (run in name order), a SQLite
    database file, or '-' / '' for the empty schema. The script carries its own PRAGMA,
    BEGIN and COMMIT: run it with 'sqlite3 -bail FROM.db < script.sql'. Nothing is printed
    when FROM and TO are equal.

    Exit codes: 0 ok, 1 error, 4 the plan deletes data and --allow-destructive was not given.
    """
    _remember(output_format, traceback)
    from sqlkeel.api import plan as make_plan
    from sqlkeel.diff.planner import Renames

    try:
        parsed = Renames.parse(renames)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rename") from exc
    result = make_plan(from_, to, renames=parsed)
    if output_format == "json":
        payload = result.to_json()
        payload["refused"] = bool(result.lossy) and not allow_destructive
        emit_json(payload)
        if payload["refused"]:
            sys.exit(EXIT_DESTRUCTIVE)
        return
    result.require_safe(allow_destructive=allow_destructive)
    if not result.is_empty:
        click.echo(result.sql(), nl=False)


def _report(exc: SqlkeelError) -> int:
    code = exc.exit_code
    if _STATE.format == "json":
        emit_json(
            {
                "version": 1,
                "error": {"type": type(exc).__name__, "message": str(exc), "exit_code": code},
            }
        )
    else:
        click.echo(f"sqlkeel: error: {exc}", err=True)
    if _STATE.traceback:
        traceback.print_exception(exc)
    elif _STATE.format != "json":
        click.echo("(run with --traceback for the stack trace)", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the only place that turns exceptions into exit codes."""
    try:
        cli.main(args=argv, prog_name="sqlkeel", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except SqlkeelError as exc:
        return _report(exc)
    except SystemExit as exc:
        return int(exc.code or 0)
    return EXIT_OK


def entry_point() -> None:
    """The console script: exit with :func:`main`'s code."""
    sys.exit(main())
