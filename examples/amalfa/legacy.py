"""The old scheme: a list of migration steps, applied by the app itself up to ``PRAGMA user_version``.

Before adopting sqlkeel, opening the database ran every step above the file's
``user_version`` and bumped the version after each one. Nine steps had accumulated: a
full-text index that was added and later removed, embeddings, hashes, edge weights, and the
move of document content out of the database. This module is kept only to build a database
the way the old code did; sqlkeel's ``baseline`` adopts such a file, and the steps are never
run again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Step N takes user_version N-1 to N.
STEPS: list[str] = [
    # 1: nodes and edges
    """
    CREATE TABLE nodes (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      title TEXT,
      content TEXT,
      domain TEXT,
      layer TEXT
    );
    CREATE TABLE edges (
      source TEXT NOT NULL,
      target TEXT NOT NULL,
      type TEXT NOT NULL,
      PRIMARY KEY (source, target, type)
    );
    """,
    # 2: full-text search over titles and content
    "CREATE VIRTUAL TABLE nodes_fts USING fts5(title, content, content='nodes');",
    # 3: vector embeddings, raw Float32 bytes
    "ALTER TABLE nodes ADD COLUMN embedding BLOB;",
    # 4: change detection and free-form metadata
    """
    ALTER TABLE nodes ADD COLUMN hash TEXT;
    ALTER TABLE nodes ADD COLUMN meta TEXT;
    """,
    # 5: full-text search removed (vector search and grep replace it)
    "DROP TABLE nodes_fts;",
    # 6: graph traversal in both directions
    """
    CREATE INDEX idx_edges_source ON edges(source);
    CREATE INDEX idx_edges_target ON edges(target);
    """,
    # 7: edge weights
    """
    ALTER TABLE edges ADD COLUMN confidence REAL DEFAULT 1.0;
    ALTER TABLE edges ADD COLUMN veracity REAL DEFAULT 1.0;
    """,
    # 8: document content moves to the filesystem
    "ALTER TABLE nodes DROP COLUMN content;",
    # 9: dates, and lookups by type
    """
    ALTER TABLE nodes ADD COLUMN date TEXT;
    CREATE INDEX idx_nodes_type ON nodes(type);
    """,
]


def open_legacy(path: Path, *, up_to: int = len(STEPS)) -> sqlite3.Connection:
    """Open ``path`` as the old code did: WAL, then every step above ``user_version``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(STEPS[:up_to], start=1):
        if number > version:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
    return conn


def insert_node(
    conn: sqlite3.Connection,
    node_id: str,
    *,
    node_type: str,
    title: str,
    domain: str,
    layer: str,
    embedding: bytes | None,
    content_hash: str,
    meta: str,
    date: str,
) -> None:
    """The old code's node insert (at step 9)."""
    conn.execute(
        "INSERT INTO nodes (id, type, title, domain, layer, embedding, hash, meta, date) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (node_id, node_type, title, domain, layer, embedding, content_hash, meta, date),
    )


def insert_edge(
    conn: sqlite3.Connection, source: str, target: str, edge_type: str, confidence: float
) -> None:
    """The old code's edge insert (at step 9)."""
    conn.execute(
        "INSERT INTO edges (source, target, type, confidence) VALUES (?, ?, ?, ?)",
        (source, target, edge_type, confidence),
    )
