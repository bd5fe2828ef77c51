"""What Oracle's startup did before sqlkeel — kept only to build an old database.

Every start ran this on a connection of its own: ``CREATE TABLE IF NOT EXISTS`` for the
tables, then ``ALTER TABLE … ADD COLUMN project`` wrapped in a try/except that swallowed
"duplicate column name". It worked on the machine of the person who wrote it and nowhere
else in the same way: a fresh clone, a database created before the column, and the migration
tool each had their own idea of the schema, and nothing ever compared them.

Do not call this on a database sqlkeel manages: the guarded connection of
:func:`oracle_app.db.open_db` refuses its DDL, and a plain connection would make drift that
the next start refuses.
"""

from __future__ import annotations

import sqlite3

# The old DDL, as it sat in the startup code: the same tables as migrations 0001 + 0002,
# written differently (sqlkeel compares schemas by meaning, not by text).
_OLD_TABLES = (
    "CREATE TABLE IF NOT EXISTS oracle_documents (id TEXT PRIMARY KEY, type TEXT NOT NULL"
    " CHECK (type IN ('principle','pattern','learning','retro')), source_file TEXT NOT NULL,"
    " concepts TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_documents_type ON oracle_documents(type)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS oracle_fts USING fts5(id UNINDEXED, content, concepts)",
    "CREATE TABLE IF NOT EXISTS search_log (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " query TEXT NOT NULL, type TEXT, results_count INTEGER NOT NULL DEFAULT 0,"
    " search_time_ms INTEGER, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_search_log_created ON search_log(created_at)",
    "CREATE TABLE IF NOT EXISTS learn_log (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " document_id TEXT NOT NULL REFERENCES oracle_documents(id) ON DELETE CASCADE,"
    " pattern_preview TEXT, source TEXT, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_learn_log_document ON learn_log(document_id)",
)
_LOG_TABLES = ("search_log", "learn_log")


def init_logging_tables(conn: sqlite3.Connection) -> list[str]:
    """The old startup routine. Returns the ALTERs whose error it swallowed (for the demo)."""
    for statement in _OLD_TABLES:
        conn.execute(statement)
    swallowed = []
    for table in _LOG_TABLES:
        try:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN project TEXT")
        except sqlite3.OperationalError as exc:  # "duplicate column name": already there
            swallowed.append(f"ALTER TABLE {table} ADD COLUMN project TEXT -- {exc}")
    conn.commit()
    return swallowed


def old_learn(conn: sqlite3.Connection, rowid: int, doc_id: str, content: str) -> None:
    """How the old version stored a document (the same rows the new one writes)."""
    conn.execute(
        "INSERT INTO oracle_documents(rowid, id, type, source_file, created_at, updated_at)"
        " VALUES (?, ?, 'learning', 'legacy', 0, 0)",
        (rowid, doc_id),
    )
    conn.execute(
        "INSERT INTO oracle_fts(rowid, id, content, concepts) VALUES (?, ?, ?, '')",
        (rowid, doc_id, content),
    )
    conn.commit()
