"""The console script's entry point, with a fast path for ``sqlkeel migrate``.

``sqlkeel migrate`` runs at deploy time and in containers' start commands, so its start-up
matters: with only the options below it is parsed here, without importing click (about half
the process's time). Anything else — other commands, ``--help``, unknown or malformed
options — goes to the click application, which gives the usual help and usage errors.
"""

from __future__ import annotations

import os
import sys

_VALUE_OPTIONS = {
    "-d": "database",
    "--database": "database",
    "--migrations": "migrations",
    "--to": "to",
    "--format": "output_format",
    "--config": "config_path",
}
_FLAGS = {
    "--dry-run": "dry_run",
    "--traceback": "traceback",
    "--allow-drift": "allow_drift",
    "--no-backup": "no_backup",
}


def parse_migrate(argv: list[str]) -> dict[str, object] | None:
    """The options of a plain ``migrate`` call, or None to let click handle the arguments."""
    if not argv or argv[0] != "migrate":
        return None
    options: dict[str, object] = {
        "database": None,
        "migrations": None,
        "to": None,
        "output_format": "text",
        "config_path": None,
        "dry_run": False,
        "allow_drift": False,
        "no_backup": False,
        "traceback": False,
    }
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _FLAGS and not eq:
            options[_FLAGS[name]] = True
            i += 1
            continue
        if name not in _VALUE_OPTIONS:
            return None
        if eq:
            value = inline
            i += 1
        elif i + 1 < len(args):
            value = args[i + 1]
            i += 2
        else:
            return None
        key = _VALUE_OPTIONS[name]
        if key == "to":
            if not value.isdigit():
                return None
            options[key] = int(value)
        elif key == "output_format":
            if value not in ("text", "json"):
                return None
            options[key] = value
        else:
            options[key] = value
    return options


def run_migrate(
    *,
    database: str | None,
    migrations: str | None,
    to: int | None,
    dry_run: bool,
    output_format: str,
    config_path: str | None,
    allow_drift: bool = False,
    no_backup: bool = False,
) -> None:
    """``sqlkeel migrate``: the click command and the fast path both run this (it raises).

    A pre-migration snapshot is taken unless ``no_backup`` or ``[tool.sqlkeel.backup]
    enabled = false``; with both -d and --migrations the configuration is read only when a
    snapshot is due (the no-op path never reads it).
    """
    from sqlkeel.cli.output import MigrateProgress, backup_progress, print_migrate_result
    from sqlkeel.runner.migrate import migrate

    backup: object
    if database is None or migrations is None:
        from sqlkeel.config import load_settings

        settings = load_settings(config_path)
        target = str(settings.require_database(database))
        source = migrations or settings.migrations
        backup = settings.backup
    else:
        target = os.path.expanduser(database)
        source = migrations

        def from_config() -> object:
            return _backup_settings(config_path)

        backup = from_config
    display = MigrateProgress.for_output(output_format)
    try:
        result = migrate(
            target,
            source,
            to=to,
            dry_run=dry_run,
            verify_checksums=True,
            drift="warn" if allow_drift else "error",
            backup=False if no_backup or dry_run else backup,
            backup_progress=backup_progress(output_format),
            progress=display,
        )
    finally:
        if display is not None:
            display.close()
    print_migrate_result(result, output_format=output_format, database=target)


def _backup_settings(config_path: str | None) -> object:
    """``[tool.sqlkeel.backup]`` of the configuration, when there is one (else the defaults)."""
    from sqlkeel.config import load_settings

    return load_settings(config_path, required=False).backup


def main() -> None:
    """The ``sqlkeel`` console script."""
    options = parse_migrate(sys.argv[1:])
    if options is None:
        from sqlkeel.cli.main import entry_point

        entry_point()
        return
    output_format = str(options.pop("output_format"))
    show_traceback = bool(options.pop("traceback"))
    try:
        run_migrate(output_format=output_format, **options)  # type: ignore[arg-type]
    except Exception as exc:
        from sqlite3 import Error as SQLiteError

        from sqlkeel.cli.output import report_error
        from sqlkeel.errors import SqlkeelError

        if isinstance(exc, SqlkeelError):
            sys.exit(report_error(exc, output_format=output_format, show_traceback=show_traceback))
        if isinstance(exc, SQLiteError):
            wrapped = SqlkeelError(f"SQLite: {exc}")
            wrapped.__cause__ = exc
            sys.exit(
                report_error(wrapped, output_format=output_format, show_traceback=show_traceback)
            )
        raise
    sys.exit(0)
