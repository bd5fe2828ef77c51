"""Commands and the error boundary: library errors become messages and exit codes here only.

Exit codes (DESIGN §4): 0 ok · 1 error · 2 usage · 3 differences found · 4 destructive change
refused. ``--format json`` prints one JSON object (``"version": 1``) on stdout, errors included.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
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


from sqlkeel.cli.output import emit_json, report_error  # noqa: E402


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
        from sqlkeel.cli.console import print_sql

        print_sql(result.sql())


def database_option(func: F) -> F:
    """``-d/--database PATH`` for commands that touch a database."""
    return click.option(
        "-d",
        "--database",
        "database",
        type=click.Path(dir_okay=False),
        default=None,
        help="The database file (default: SQLKEEL_DATABASE, else the config's `database`).",
    )(func)


def _settings(config_path: str | None, *, required: bool = True) -> Any:
    from sqlkeel.config import load_settings
    from sqlkeel.sources.metadata import is_object_spec

    settings = load_settings(config_path, required=required)
    parts = (settings.schema,) if isinstance(settings.schema, str) else settings.schema
    if any(is_object_spec(p) for p in parts) and str(settings.root) not in sys.path:
        # Models are imported the way the project's own code imports them: from its root.
        sys.path.insert(0, str(settings.root))
    return settings


@cli.command("init")
@click.option(
    "--database",
    "database",
    default="app.db",
    show_default=True,
    help="The database path to configure.",
)
@common_options
def init_command(
    database: str, config_path: str | None, output_format: str, traceback: bool
) -> None:
    """Write [tool.sqlkeel] (or sqlkeel.toml) and create schema/ and migrations/."""
    _remember(output_format, traceback)
    from pathlib import Path

    from sqlkeel.config import init_project

    config, created = init_project(
        Path.cwd(), database=database, config_file=Path(config_path) if config_path else None
    )
    if output_format == "json":
        emit_json({"version": 1, "config": str(config), "created": [str(p) for p in created]})
        return
    click.echo(f"configuration: {config}")
    for p in created:
        if p != config:
            click.echo(f"created: {p}/")
    click.echo("next: put your schema in schema/*.sql, then run `sqlkeel generate`")


def _ask_rename(kind: str, table: str, old: str, new: str) -> bool:
    where = f"{table}." if table else ""
    return click.confirm(
        f"Is {kind} {where}{old} renamed to {where}{new}?", default=False, err=True
    )


@cli.command("generate")
@click.option(
    "--name", "name", default=None, help="A few words for the file name (default: from the change)."
)
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="OLD=NEW",
    help="A table (OLD=NEW) or column (TABLE.OLD=NEW) rename. Repeatable.",
)
@click.option("--custom", is_flag=True, help="Write an empty migration for data changes.")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow a migration that deletes data (recorded in the file).",
)
@common_options
def generate_command(
    name: str | None,
    renames: tuple[str, ...],
    custom: bool,
    allow_destructive: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Write the next migration: the difference between the migrations and the desired schema.

    The migrations are replayed into a scratch database and compared with the desired
    schema; nothing is written when they agree. When stdin is a terminal and a dropped and
    an added table or column look like a rename, you are asked; otherwise renames come only
    from hints and --rename.

    Exit codes: 0 written or no changes, 1 error, 4 the migration would delete data and
    --allow-destructive was not given.
    """
    _remember(output_format, traceback)
    from sqlkeel.diff.planner import Renames
    from sqlkeel.workflow import generate

    settings = _settings(config_path)
    try:
        parsed = Renames.parse(renames)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rename") from exc
    interactive = sys.stdin.isatty() and output_format == "text"
    result = generate(
        schema=settings.schema,
        migrations=settings.migrations,
        name=name,
        renames=parsed,
        custom=custom,
        allow_destructive=allow_destructive,
        ask_rename=_ask_rename if interactive else None,
    )
    if output_format == "json":
        emit_json(result.to_json())
        return
    if result.path is None:
        click.echo("no changes: the migrations already produce the desired schema")
        return
    from sqlkeel.cli.console import print_ops, print_sql, rich_output

    click.echo(f"wrote {result.path}")
    if result.plan is not None:
        print_ops(result.plan.ops)
    if rich_output():
        from pathlib import Path

        print_sql(Path(result.path).read_text(encoding="utf-8"))


@cli.command("migrate")
@database_option
@click.option("--to", "to", type=int, default=None, help="Apply up to this migration number.")
@click.option("--dry-run", is_flag=True, help="Print what would run, change nothing.")
@click.option(
    "--allow-drift",
    is_flag=True,
    help="Apply even when the schema drifted from the migrations (the drift is printed as a warning).",
)
@click.option(
    "--migrations",
    "migrations",
    default=None,
    help="Migrations directory or package:resource (default: config).",
)
@click.option(
    "--no-backup",
    is_flag=True,
    help="Take no pre-migration snapshot (also: [tool.sqlkeel.backup] enabled = false).",
)
@common_options
def migrate_command(
    database: str | None,
    to: int | None,
    dry_run: bool,
    allow_drift: bool,
    migrations: str | None,
    no_backup: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Apply pending migrations in one transaction, exactly once.

    Any number of processes may run it at once. A failure leaves the database as it was.
    When something is pending and the database has applied migrations, a snapshot is taken
    first, under the write lock (see `sqlkeel rollback`); --no-backup skips it.
    Exit codes: 0 done (or nothing to do), 1 error.
    """
    _remember(output_format, traceback)
    from sqlkeel.cli.fast import run_migrate

    run_migrate(
        database=database,
        migrations=migrations,
        to=to,
        dry_run=dry_run,
        output_format=output_format,
        config_path=config_path,
        allow_drift=allow_drift,
        no_backup=no_backup,
    )


def _backup_settings(config_path: str | None, database: str | None) -> tuple[Any, Any]:
    """(the database path, the settings) for backup, restore and rollback."""
    settings = _settings(config_path, required=database is None)
    return settings.require_database(database), settings


def _describe_backup(b: Any) -> str:
    size = f"{b.size / 1_048_576:.1f} MiB" if b.size >= 1_048_576 else f"{b.size / 1024:.0f} KiB"
    return f"{b.taken_at}  {b.label:<16} {size:>10}  {b.path}"


@cli.group("backup", invoke_without_command=True)
@database_option
@click.option(
    "--label",
    default="manual",
    show_default=True,
    help="The end of the snapshot's file name (letters, digits, '.', '_', '-').",
)
@common_options
@click.pass_context
def backup_command(
    ctx: click.Context,
    database: str | None,
    label: str,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Take a snapshot of the database now; `sqlkeel backup list` shows the snapshots.

    The copy is made with SQLite's online backup API (consistent, committed -wal content
    included, while the application keeps running), checked with integrity_check and then
    renamed into place, in [tool.sqlkeel.backup] directory (default: sqlkeel-backups/ beside
    the database). The retention limits (keep, max_age_days) then apply to this database's
    snapshots; the new one is always kept.

    Exit codes: 0 taken, 1 error (no snapshot was kept).
    """
    if ctx.invoked_subcommand is not None:
        return
    _remember(output_format, traceback)
    from sqlkeel.cli.output import backup_progress
    from sqlkeel.runner.backup import backup

    db, settings = _backup_settings(config_path, database)
    taken = backup(
        db,
        label=label,
        directory=settings.backup.directory,
        keep=settings.backup.keep,
        max_age_days=settings.backup.max_age_days,
        progress=backup_progress(output_format),
    )
    if output_format == "json":
        emit_json({"version": 1, "database": str(db), "backup": taken.to_json()})
        return
    click.echo(f"snapshot: {taken.path}")


@backup_command.command("list")
@database_option
@common_options
def backup_list_command(
    database: str | None, config_path: str | None, output_format: str, traceback: bool
) -> None:
    """List the database's snapshots, oldest first: time (UTC), label, size, path.

    Exit codes: 0 listed (also when there are none), 1 error.
    """
    _remember(output_format, traceback)
    from sqlkeel.runner.backup import backup_directory, list_backups

    db, settings = _backup_settings(config_path, database)
    directory = backup_directory(db, settings.backup.directory)
    found = list_backups(db, directory=directory)
    if output_format == "json":
        emit_json(
            {
                "version": 1,
                "database": str(db),
                "directory": str(directory),
                "backups": [b.to_json() for b in found],
            }
        )
        return
    if not found:
        click.echo(f"no snapshots of {db} in {directory}")
    for b in found:
        click.echo(_describe_backup(b))


def _print_restore(result: Any, output_format: str) -> None:
    if output_format == "json":
        emit_json(result.to_json())
        return
    if result.forced_past:
        from sqlkeel.processes import describe_processes

        click.echo(
            "warning: restored while open in " + describe_processes(list(result.forced_past)),
            err=True,
        )
    if result.replaced is not None:
        click.echo(f"kept the replaced database: {result.replaced.path}")
    click.echo(f"restored {result.database} from {result.restored_from.path}")


def _restore_options(settings: Any) -> dict[str, Any]:
    return {
        "directory": settings.backup.directory,
        "migrations": settings.migrations if settings.config_file is not None else None,
        "keep": settings.backup.keep,
        "max_age_days": settings.backup.max_age_days,
    }


@cli.command("restore")
@click.argument("backup_file", metavar="[BACKUP]", required=False, type=click.Path(dir_okay=False))
@database_option
@click.option("--force", is_flag=True, help="Restore even while other processes have it open.")
@common_options
def restore_command(
    backup_file: str | None,
    database: str | None,
    force: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Put a snapshot (default: the newest) in place of the database.

    The backup is verified first: a SQLite file, not truncated, integrity_check ok, its
    schema readable and, with a configuration, equal to what its own applied migrations
    produce. It refuses while other processes have the database open (they are named)
    unless --force. The replaced database is kept as a pre-restore snapshot, and the copy
    goes through SQLite's backup API in one transaction: a failure changes nothing.

    Exit codes: 0 restored, 1 error (nothing was changed).
    """
    _remember(output_format, traceback)
    from sqlkeel.cli.output import backup_progress
    from sqlkeel.runner.backup import restore

    db, settings = _backup_settings(config_path, database)
    result = restore(
        db,
        backup_file,
        force=force,
        progress=backup_progress(output_format),
        **_restore_options(settings),
    )
    _print_restore(result, output_format)


@cli.command("rollback")
@database_option
@click.option("--force", is_flag=True, help="Roll back even while other processes have it open.")
@common_options
def rollback_command(
    database: str | None,
    force: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Restore the newest pre-migration snapshot: the database as it was before `migrate`.

    Rows written since that snapshot are not in it; the database being replaced is kept as
    a pre-restore snapshot. The rolled-back migrations are pending again. Verification,
    refusal while in use and --force are as for `sqlkeel restore`.

    Exit codes: 0 rolled back, 1 error (nothing was changed).
    """
    _remember(output_format, traceback)
    from sqlkeel.cli.output import backup_progress
    from sqlkeel.runner.backup import rollback

    db, settings = _backup_settings(config_path, database)
    result = rollback(
        db, force=force, progress=backup_progress(output_format), **_restore_options(settings)
    )
    _print_restore(result, output_format)


@cli.command("check")
@database_option
@common_options
def check_command(
    database: str | None, config_path: str | None, output_format: str, traceback: bool
) -> None:
    """Fail when migrations are stale, edited, duplicated or missing (and, with -d, pending).

    Exit codes: 0 all good, 1 error, 3 problems found (listed).
    """
    _remember(output_format, traceback)
    from sqlkeel.workflow import check

    settings = _settings(config_path)
    report = check(schema=settings.schema, migrations=settings.migrations, database=database)
    if output_format == "json":
        emit_json(report.to_json())
    else:
        if report.ok:
            click.echo("ok: the migrations match the desired schema and sqlkeel.sum")
        for p in report.problems:
            click.echo(f"{p.kind}: {p.message}")
        if report.stale_sql:
            click.echo("\nthe missing migration would be:\n")
            click.echo(report.stale_sql)
    if not report.ok:
        sys.exit(EXIT_DIFFERENCES)


@cli.command("status")
@database_option
@common_options
def status_command(
    database: str | None, config_path: str | None, output_format: str, traceback: bool
) -> None:
    """Show each migration: applied, pending, edited (after it was applied) or missing."""
    _remember(output_format, traceback)
    from sqlkeel.workflow import status

    settings = _settings(config_path)
    report = status(migrations=settings.migrations, database=settings.require_database(database))
    if output_format == "json":
        emit_json(report.to_json())
        return
    from sqlkeel.cli.console import print_status

    print_status(report)


@cli.command("drift")
@database_option
@common_options
def drift_command(
    database: str | None, config_path: str | None, output_format: str, traceback: bool
) -> None:
    """Name every difference between the database and the schema its applied migrations produce.

    Exit codes: 0 no drift, 1 error, 3 drift found.
    """
    _remember(output_format, traceback)
    from sqlkeel.workflow import drift

    settings = _settings(config_path)
    report = drift(migrations=settings.migrations, database=settings.require_database(database))
    if output_format == "json":
        emit_json(report.to_json())
    elif report.ok:
        click.echo("no drift: the database matches its applied migrations")
    else:
        for line in report.differences:
            click.echo(line)
    if not report.ok:
        sys.exit(EXIT_DIFFERENCES)


@cli.command("baseline")
@database_option
@click.option("--to", "to", type=int, default=None, help="Verify and record this migration number.")
@common_options
def baseline_command(
    database: str | None,
    to: int | None,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Adopt a database that has tables but no journal.

    Finds the migration whose replayed schema equals the database's (or verifies --to N, or
    the one [tool.sqlkeel.baseline] user_version maps the database's PRAGMA user_version to)
    and records it and the migrations before it as applied. When none matches, shows the
    closest migration and the differences, and records nothing.

    Exit codes: 0 adopted, 1 error, 3 no migration matches.
    """
    _remember(output_format, traceback)
    from sqlkeel.workflow import baseline

    settings = _settings(config_path)
    result = baseline(
        migrations=settings.migrations,
        database=settings.require_database(database),
        to=to,
        user_versions=settings.baseline_user_versions or None,
    )
    if output_format == "json":
        emit_json(result.to_json())
    elif result.ok:
        via = (
            f" (PRAGMA user_version {result.via_user_version})"
            if result.via_user_version is not None
            else ""
        )
        click.echo(f"adopted: the database equals {result.matched}{via}")
        click.echo(f"recorded as applied: {', '.join(result.recorded)}")
        if result.also_matching:
            click.echo(
                "note: the schema also equals the one after "
                + ", ".join(result.also_matching)
                + f"; the last, {result.matched}, was chosen, so the migrations in between (which "
                "change no schema, e.g. data migrations) are recorded as applied without running: "
                "use --to N to choose another"
            )
    else:
        click.echo("no migration matches the database's schema; nothing was recorded")
        if result.closest:
            click.echo(f"closest: {result.closest}, which differs in:")
        for item in result.differences:
            click.echo(f"  - {item.message}")
    if not result.ok:
        sys.exit(EXIT_DIFFERENCES)


@cli.command("consolidate")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@database_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the statements and the rows each would copy; change nothing.",
)
@common_options
def consolidate_command(
    plan_file: str,
    database: str | None,
    dry_run: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Copy tables from other SQLite files into the database, as PLAN (TOML) says.

    Renames and value transforms are SQL over the source rows; every table is copied in one
    transaction, the rows are counted, the source files are attached read-only and never
    written, and a plan that ran once is refused the second time.

    Exit codes: 0 copied (or shown), 1 error (nothing was changed).
    """
    _remember(output_format, traceback)
    from sqlkeel.consolidation import consolidate

    settings = _settings(config_path, required=database is None)
    target = settings.require_database(database)
    result = consolidate(plan_file, target, dry_run=dry_run)
    if output_format == "json":
        emit_json(result.to_json())
        return
    if dry_run:
        click.echo("dry run: nothing is changed")
        for sql in result.statements:
            click.echo(sql + ";")
    for t in result.tables:
        verb = "would copy" if dry_run else "copied"
        click.echo(f"{verb} {t.rows} rows: {t.source} → {t.target}")
    click.echo(f"{'would copy' if dry_run else 'copied'} {result.rows} rows in all")


@cli.command("doctor")
@database_option
@click.option(
    "--migrations",
    "migrations",
    default=None,
    help="Migrations directory or package:resource (default: the config's, when there is one).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Also do the safe maintenance: PRAGMA optimize, ANALYZE, WAL checkpoint (TRUNCATE).",
)
@click.option("--vacuum", is_flag=True, help="With --fix: also VACUUM (rewrites the whole file).")
@common_options
def doctor_command(
    database: str | None,
    migrations: str | None,
    fix: bool,
    vacuum: bool,
    config_path: str | None,
    output_format: str,
    traceback: bool,
) -> None:
    """Check a database: integrity, foreign keys, migrations, drift, pragmas and sizes.

    Runs integrity_check and foreign_key_check; with migrations (from --migrations or the
    config), compares the journal with the files (pending, edited, missing) and the schema
    with what they produce (drift); shows the pragmas, saying which are per connection; and
    the file, -wal and free-page sizes. Nothing is changed unless --fix is given, which runs
    only safe maintenance (and VACUUM with --vacuum), never on a damaged file.

    Exit codes: 0 healthy, 1 error, 3 problems found (listed).
    """
    _remember(output_format, traceback)
    from sqlkeel.runner.doctor import doctor

    if vacuum and not fix:
        raise click.UsageError("--vacuum is a kind of --fix: pass both")
    settings = _settings(config_path, required=False)
    source = migrations
    if source is None and settings.config_file is not None:
        source = settings.migrations
    report = doctor(settings.require_database(database), source, fix=fix, vacuum=vacuum)
    if output_format == "json":
        emit_json(report.to_json())
    else:
        from sqlkeel.cli.output import print_doctor_report

        print_doctor_report(report)
    if not report.ok:
        sys.exit(EXIT_DIFFERENCES)


@cli.command("diagram")
@database_option
@click.option(
    "--schema",
    "use_schema",
    is_flag=True,
    help="Draw the desired schema of the configuration (the default without -d).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot", "svg", "json", "text"]),
    default="mermaid",
    show_default=True,
    help="mermaid (erDiagram; text is the same), dot (Graphviz), svg (drawn by sqlkeel), or "
    "json (the tables, columns, keys and foreign keys as data).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the diagram to this file instead of standard output.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Project configuration file (pyproject.toml or sqlkeel.toml).",
)
@click.option("--traceback", is_flag=True, help="Show the Python stack trace of an error.")
def diagram_command(
    database: str | None,
    use_schema: bool,
    output_format: str,
    output: str | None,
    config_path: str | None,
    traceback: bool,
) -> None:
    """Draw the tables, their columns and keys, and the foreign keys between them.

    The database (-d PATH, opened read-only) or the desired schema (--schema, the default
    without -d). Virtual tables are drawn dashed; an optional foreign key (a nullable
    column) is a dashed arrow.

    Exit codes: 0 drawn, 1 error, 2 usage (-d and --schema together).
    """
    _remember("json" if output_format == "json" else "text", traceback)
    from pathlib import Path

    from sqlkeel.api import load_schema
    from sqlkeel.render.diagram import diagram_json, render_diagram

    if database is not None and use_schema:
        raise click.UsageError("give -d/--database or --schema, not both")
    if database is not None:
        source: Any = database
        if not Path(database).expanduser().is_file():
            raise click.BadParameter(f"{database}: no such database file", param_hint="-d")
    else:
        source = _settings(config_path).schema
    schema = load_schema(source).schema
    if output_format == "json":
        import json

        text = json.dumps(diagram_json(schema), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_diagram(schema, "mermaid" if output_format == "text" else output_format)
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@cli.command("hash")
@common_options
def hash_command(config_path: str | None, output_format: str, traceback: bool) -> None:
    """Rewrite migrations/sqlkeel.sum from the files (after a deliberate edit or renumbering)."""
    _remember(output_format, traceback)
    from sqlkeel.workflow import rehash

    settings = _settings(config_path)
    path = rehash(settings.migrations)
    if output_format == "json":
        emit_json({"version": 1, "written": str(path)})
    else:
        click.echo(f"wrote {path}")


@cli.command("tour")
@common_options
def tour_command(config_path: str | None, output_format: str, traceback: bool) -> None:
    """Show the whole loop on a sample project in a temporary directory, then clean up."""
    _remember(output_format, traceback)
    from sqlkeel.cli.tour import run_tour

    if output_format == "json":
        steps: list[dict[str, object]] = []
        code = run_tour(lambda *args, **kwargs: None, steps)
        emit_json({"version": 1, "ok": code == 0, "steps": steps})
        sys.exit(code)
    sys.exit(run_tour(click.echo))


def _report(exc: SqlkeelError) -> int:
    return report_error(exc, output_format=_STATE.format, show_traceback=_STATE.traceback)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the only place that turns exceptions into exit codes."""
    try:
        cli.main(args=argv, prog_name="sqlkeel", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        args = sys.argv[1:] if argv is None else argv
        wants_json = "--format=json" in args or any(
            a == "--format" and b == "json" for a, b in itertools.pairwise(args)
        )
        if wants_json:
            emit_json(
                {
                    "version": 1,
                    "error": {
                        "type": "UsageError",
                        "message": exc.format_message(),
                        "exit_code": exc.exit_code,
                    },
                }
            )
        else:
            exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except SqlkeelError as exc:
        return _report(exc)
    except sqlite3.Error as exc:
        # Anything SQLite says that sqlkeel did not translate still gets a message, not a trace.
        wrapped = SqlkeelError(f"SQLite: {exc}")
        wrapped.__cause__ = exc
        return _report(wrapped)
    except SystemExit as exc:
        return int(exc.code or 0)
    return EXIT_OK


def entry_point() -> None:
    """The console script: exit with :func:`main`'s code."""
    sys.exit(main())
