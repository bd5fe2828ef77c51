"""The journal table ``_sqlkeel_migrations``: which files a database has applied, and how.

Pending means "a file whose name is not in the journal": never a timestamp high-water mark
(a late-merged branch would be skipped) and never ``user_version``.
"""

from __future__ import annotations

import sqlite3

JOURNAL_TABLE = "_sqlkeel_migrations"

CREATE_JOURNAL = f"""CREATE TABLE IF NOT EXISTS {JOURNAL_TABLE} (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  tool_version TEXT NOT NULL
)"""


class JournalEntry:
    """One row of the journal."""

    __slots__ = ("applied_at", "checksum", "duration_ms", "name", "tool_version")

    def __init__(
        self, name: str, checksum: str, applied_at: str, duration_ms: float, tool_version: str
    ) -> None:
        self.name = name
        self.checksum = checksum
        self.applied_at = applied_at
        self.duration_ms = duration_ms
        self.tool_version = tool_version

    def __repr__(self) -> str:
        return f"JournalEntry({self.name!r}, applied_at={self.applied_at!r})"


def read_journal(conn: sqlite3.Connection) -> list[JournalEntry]:
    """The applied migrations in the order they were applied ([] when there is no journal)."""
    try:
        rows = conn.execute(
            f"SELECT name, checksum, applied_at, duration_ms, tool_version FROM {JOURNAL_TABLE} "
            "ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    return [JournalEntry(*row) for row in rows]


def applied_names(conn: sqlite3.Connection) -> set[str]:
    """Names in the journal (the no-op path reads this and nothing else)."""
    try:
        return {row[0] for row in conn.execute(f"SELECT name FROM {JOURNAL_TABLE}")}
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()
        raise


def record(
    conn: sqlite3.Connection,
    *,
    name: str,
    checksum: str,
    applied_at: str,
    duration_ms: float,
    tool_version: str,
) -> None:
    conn.execute(
        f"INSERT INTO {JOURNAL_TABLE}(name, checksum, applied_at, duration_ms, tool_version) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, checksum, applied_at, duration_ms, tool_version),
    )
