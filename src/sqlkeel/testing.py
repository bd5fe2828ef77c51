"""Helpers for users' own tests: a migrated template copied per test, and drift assertions.

- :class:`MigratedTemplate` migrates a private ``:memory:`` database once and hands out
  copies made with SQLite's backup API (a page copy: microseconds for a typical schema),
  so each test gets a database at the latest migration without replaying the migrations.
- :func:`assert_no_drift` fails a test, naming every difference, when a database's schema
  is not the one its applied migrations produce.
- :func:`assert_migrations_current` fails when the desired schema has changes that no
  migration holds yet (what ``sqlkeel check`` reports), so a test suite catches it too.

The pytest plugin (:mod:`sqlkeel.integrations.pytest_plugin`) builds its fixtures on these.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlkeel.connection import connect
from sqlkeel.ddl_guard import GuardedConnection
from sqlkeel.ddl_guard import guard as apply_guard
from sqlkeel.runner.migrate import migrate
from sqlkeel.store.files import MigrationSource

__all__ = ["MigratedTemplate", "assert_migrations_current", "assert_no_drift"]


class MigratedTemplate:
    """A ``:memory:`` database migrated once; :meth:`copy` and :meth:`copy_to` clone it."""

    def __init__(self, migrations: str | os.PathLike[str] | MigrationSource) -> None:
        self.source = MigrationSource.resolve(migrations)
        self._conn = connect(":memory:")
        self.result = migrate(self._conn, self.source, drift="ignore")

    def copy(self, *, guard: bool = True) -> sqlite3.Connection:
        """A new ``:memory:`` connection holding the migrated schema (and any seeded rows)."""
        factory = GuardedConnection if guard else sqlite3.Connection
        conn = sqlite3.connect(":memory:", isolation_level=None, factory=factory)
        self._conn.backup(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        return apply_guard(conn) if guard else conn

    def copy_to(self, path: str | os.PathLike[str]) -> Path:
        """Write the migrated database to ``path`` (a new file, WAL mode) and return the path."""
        target = Path(path)
        conn = sqlite3.connect(target)
        try:
            self._conn.backup(conn)
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        return target

    @property
    def connection(self) -> sqlite3.Connection:
        """The template itself: seed rows here (once per session) before tests copy it."""
        return self._conn

    def close(self) -> None:
        self._conn.close()


def assert_no_drift(
    database: str | os.PathLike[str] | sqlite3.Connection,
    migrations: str | os.PathLike[str] | MigrationSource,
) -> None:
    """Fail (AssertionError) when the database's schema differs from its applied migrations'."""
    from sqlkeel.workflow import drift

    report = drift(migrations=migrations, database=database)
    if not report.ok:
        raise AssertionError(
            "the database's schema is not the one its applied migrations produce:\n"
            + "\n".join(f"  - {line}" for line in report.differences)
        )


def assert_migrations_current(
    schema: str | os.PathLike[str] | tuple[str, ...],
    migrations: str | os.PathLike[str],
) -> None:
    """Fail when the migrations are stale, edited, duplicated or missing (``sqlkeel check``)."""
    from sqlkeel.workflow import check

    report = check(schema=schema, migrations=migrations)
    if not report.ok:
        message = "\n".join(f"  - {p.kind}: {p.message}" for p in report.problems)
        if report.stale_sql:
            message += "\nthe missing migration would be:\n" + report.stale_sql
        raise AssertionError("the migrations do not match the desired schema:\n" + message)
