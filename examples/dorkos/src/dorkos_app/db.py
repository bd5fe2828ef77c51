"""Opening ``dork.db``: one connection, migrated at startup."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlkeel

DB_FILE = "dork.db"
# The migrations inside this package, found with importlib.resources: from a source
# checkout, an installed wheel or a zip alike. No build step copies them anywhere.
MIGRATIONS = "dorkos_app:migrations"


def default_home() -> Path:
    """``$DORK_HOME``, else ``~/.dork``."""
    return Path(os.environ.get("DORK_HOME") or "~/.dork").expanduser()


def open_db(home: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open ``<home>/dork.db``, apply pending migrations, refuse a drifted schema.

    This is the server's first call at startup, before any store is built. The connection
    is guarded: a store that tries ``CREATE``/``ALTER``/``DROP`` gets
    ``sqlkeel.SchemaChangeRefusedError`` (schema changes belong in a migration).
    """
    base = Path(home).expanduser() if home is not None else default_home()
    return sqlkeel.open_database(base / DB_FILE, MIGRATIONS)
