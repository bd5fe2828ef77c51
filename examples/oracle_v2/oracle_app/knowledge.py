"""The application: learn documents, search them with FTS5, and log both.

Plain SQL on the connection :func:`oracle_app.db.open_db` returns; no DDL anywhere.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    type: str
    snippet: str


def learn(
    conn: sqlite3.Connection,
    doc_id: str,
    content: str,
    *,
    type: str = "learning",
    concepts: list[str] | None = None,
    source_file: str = "api",
    project: str | None = None,
) -> None:
    """Store a document, index it for full-text search, and log where it came from."""
    tags = json.dumps(concepts or [])
    now = _now_ms()
    with conn:
        conn.execute("BEGIN")
        cur = conn.execute(
            "INSERT INTO oracle_documents(id, type, source_file, concepts, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, type, source_file, tags, now, now),
        )
        conn.execute(
            "INSERT INTO oracle_fts(rowid, id, content, concepts) VALUES (?, ?, ?, ?)",
            (cur.lastrowid, doc_id, content, " ".join(concepts or [])),
        )
        conn.execute(
            "INSERT INTO learn_log(document_id, pattern_preview, source, created_at, project)"
            " VALUES (?, ?, ?, ?, ?)",
            (doc_id, content[:80], source_file, now, project),
        )


def search(
    conn: sqlite3.Connection, query: str, *, project: str | None = None, limit: int = 10
) -> list[Hit]:
    """Full-text search; every search is logged in ``search_log`` with its project."""
    started = time.perf_counter()
    rows = conn.execute(
        "SELECT d.id, d.type, snippet(oracle_fts, 1, '[', ']', '…', 8)"
        " FROM oracle_fts JOIN oracle_documents AS d ON d.rowid = oracle_fts.rowid"
        " WHERE oracle_fts MATCH ? ORDER BY rank LIMIT ?",
        (query, limit),
    ).fetchall()
    elapsed = int((time.perf_counter() - started) * 1000)
    with conn:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO search_log(query, type, results_count, search_time_ms, created_at,"
            " project) VALUES (?, 'fts', ?, ?, ?, ?)",
            (query, len(rows), elapsed, _now_ms(), project),
        )
    return [Hit(*row) for row in rows]
