"""The one way the application opens its database.

Every entry point calls :func:`open_db`. It is :func:`sqlkeel.open_database`: the directory is
created, pending migrations are applied in one transaction (exactly once, even when the HTTP
and the MCP server start together), drift is refused, and the connection it returns is
guarded, so no code path of the application can change the schema behind the migrations'
back. There is no ``init_logging_tables()`` and no ``try: ALTER TABLE … except: pass`` any
more: the schema lives in ``schema/oracle.sql``, its history in ``migrations/``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlkeel

# The migrations sit beside the package in this example. An installed application ships
# them inside its package and passes "oracle_app:migrations" instead (see docs/migrations.md).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_DATABASE = "~/.oracle-v2/oracle.db"
ENV_DATABASE = "ORACLE_DB"


def database_path() -> Path:
    """``$ORACLE_DB``, else ``~/.oracle-v2/oracle.db`` (``~`` expanded)."""
    return Path(os.path.expanduser(os.environ.get(ENV_DATABASE) or DEFAULT_DATABASE))


def open_db(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open the Oracle database, migrated and checked: the only connection the app uses.

    Raises :class:`sqlkeel.DriftError` when the schema was changed outside the migrations,
    and other :class:`sqlkeel.SqlkeelError` subclasses when the file cannot be opened or a
    migration fails (nothing is applied then).
    """
    return sqlkeel.open_database(path if path is not None else database_path(), MIGRATIONS)
