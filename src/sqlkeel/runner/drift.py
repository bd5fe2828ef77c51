"""Drift of a live database: cheap when nothing changed, exact when something did.

Every schema change bumps SQLite's ``schema_version``. After each successful migration or
drift check the runner records the value it verified in ``_sqlkeel_state``; while the
database still has that value, nothing can have drifted and no replay is needed (two small
queries). Otherwise the applied migrations are replayed and compared with the live schema.
"""

from __future__ import annotations

import sqlite3

from sqlkeel.store.files import MigrationSource
from sqlkeel.store.journal import read_journal

STATE_TABLE = "_sqlkeel_state"
CREATE_STATE = (
    f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
)
_KEY = "verified_schema_version"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sqlkeel.diff.drift import DriftItem


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA schema_version").fetchone()[0])


def verified_version(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute(f"SELECT value FROM {STATE_TABLE} WHERE key = ?", (_KEY,)).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return int(row[0]) if row else None


def unchanged_since_verified(conn: sqlite3.Connection) -> bool:
    """True when the schema is exactly the one last verified (no replay needed)."""
    stored = verified_version(conn)
    return stored is not None and stored == schema_version(conn)


def mark_verified(conn: sqlite3.Connection) -> None:
    """Record the current schema_version as verified (inside the caller's transaction)."""
    conn.execute(CREATE_STATE)  # DDL first: it bumps schema_version itself
    conn.execute(
        f"INSERT INTO {STATE_TABLE}(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_KEY, str(schema_version(conn))),
    )


def drift_items(conn: sqlite3.Connection, source: MigrationSource) -> list[DriftItem]:
    """Every difference between the live schema and the replay of its applied migrations.

    When an applied migration's file is gone or was edited, the replay would not be what the
    database ran: those files are reported instead, since the schema cannot be judged.
    """
    from sqlkeel.catalog.reader import read_schema
    from sqlkeel.diff.drift import DriftItem
    from sqlkeel.diff.drift import drift_items as compare
    from sqlkeel.store.replay import replay

    on_disk = set(source.sql_names())
    journal = read_journal(conn)
    broken = [
        DriftItem(
            "migration",
            e.name,
            f"migration {e.name} was applied but its file is gone from {source.label}: "
            "restore it to judge drift",
        )
        for e in journal
        if e.name not in on_disk
    ]
    broken += [
        DriftItem(
            "migration",
            e.name,
            f"migration {e.name} was edited after it was applied: restore the applied text "
            "(the database ran it, not the edit) to judge drift",
        )
        for e in journal
        if e.name in on_disk and source.checksum(e.name) != e.checksum
    ]
    if broken:
        return broken
    expected = replay([source.read(e.name) for e in journal])  # in the order applied
    return compare(expected, read_schema(conn))
