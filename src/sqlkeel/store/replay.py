"""Replay migration files into a private ``:memory:`` database: the schema they produce.

This is the expected schema of a fully migrated database (DESIGN §1): ``generate`` diffs it
with the desired schema, ``check`` requires that diff to be empty, ``drift`` compares it with
a live database. No snapshot files to go stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlkeel.catalog.reader import read_schema
from sqlkeel.errors import MigrationFailedError
from sqlkeel.model.schema import Schema
from sqlkeel.sources.statements import split_statements
from sqlkeel.store.files import Migration


def replay_steps(migrations: list[Migration]) -> Iterator[Schema]:
    """The schema after each migration, in order (one scratch database for all of them)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for migration in migrations:
            _run(conn, migration)
            yield read_schema(conn)
    finally:
        conn.close()


def replay(migrations: list[Migration]) -> Schema:
    """The schema that running ``migrations`` in order on an empty database produces."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for migration in migrations:
            _run(conn, migration)
        return read_schema(conn)
    finally:
        conn.close()


def _run(conn: sqlite3.Connection, migration: Migration) -> None:
    for st in split_statements(migration.text, file=migration.name):
        head = st.sql.lstrip()[:12].upper()
        if head.startswith(("BEGIN", "COMMIT", "END", "ROLLBACK", "PRAGMA FOREIGN")):
            continue
        try:
            conn.execute(st.sql)
        except sqlite3.Error as exc:
            raise MigrationFailedError(
                f"{migration.name}:{st.line}: {exc} (while replaying the migrations "
                "into a scratch database)",
                name=migration.name,
                line=st.line,
            ) from exc
