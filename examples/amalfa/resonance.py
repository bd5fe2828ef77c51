"""Runtime access to the resonance graph: raw SQL with bound parameters, no ORM.

Embeddings are stored as the raw bytes of little-endian Float32 arrays, so reading one is a
``frombytes`` and no parsing. Similarity search reads the BLOBs of the candidate nodes with one
prepared statement and ranks them by cosine similarity in Python.

The connection comes from :func:`sqlkeel.connect` with ``guard=True``: the house pragmas (WAL,
``busy_timeout``, ``foreign_keys``), and any ``CREATE``/``ALTER``/``DROP`` from application
code is refused, because schema changes go through migrations only.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path

import sqlkeel


def to_blob(vector: Sequence[float]) -> bytes:
    """Float32 little-endian bytes of ``vector``."""
    values = array("f", vector)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def from_blob(blob: bytes) -> array[float]:
    """The Float32 values stored in ``blob``."""
    values = array("f")
    values.frombytes(blob)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors of the same length (0.0 when one of them is zero)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class ResonanceDB:
    """The graph store: nodes with embeddings, edges, and vector search."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlkeel.connect(path, guard=True)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def upsert_node(
        self,
        node_id: str,
        *,
        node_type: str,
        title: str,
        domain: str,
        layer: str,
        embedding: Sequence[float],
        model: str,
        content_hash: str,
        meta: str = "{}",
        date: str | None = None,
    ) -> None:
        """Insert a node, or replace the one with the same id."""
        self.conn.execute(
            "INSERT INTO nodes (id, type, title, domain, layer, embedding, hash, meta, date, "
            "embedding_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, "
            "domain = excluded.domain, layer = excluded.layer, embedding = excluded.embedding, "
            "hash = excluded.hash, meta = excluded.meta, date = excluded.date, "
            "embedding_model = excluded.embedding_model",
            (
                node_id,
                node_type,
                title,
                domain,
                layer,
                to_blob(embedding),
                content_hash,
                meta,
                date,
                model,
            ),
        )

    def node(self, node_id: str) -> tuple[str, str, str] | None:
        """``(id, type, title)`` of a node, or None."""
        row = self.conn.execute(
            "SELECT id, type, title FROM nodes WHERE id = ?", (node_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def neighbours(self, node_id: str, edge_type: str) -> list[str]:
        """Targets of ``node_id``'s edges of one type, most confident first."""
        rows = self.conn.execute(
            "SELECT target FROM edges WHERE source = ? AND type = ? "
            "ORDER BY confidence DESC, target",
            (node_id, edge_type),
        )
        return [r[0] for r in rows]

    def similar(
        self, query: Sequence[float], *, k: int = 5, domain: str | None = None
    ) -> list[tuple[str, str, float]]:
        """The ``k`` nodes most similar to ``query``: ``(id, title, cosine)``, best first."""
        if domain is None:
            rows = self.conn.execute(
                "SELECT id, title, embedding FROM nodes WHERE embedding IS NOT NULL"
            )
        else:
            rows = self.conn.execute(
                "SELECT id, title, embedding FROM nodes WHERE embedding IS NOT NULL AND domain = ?",
                (domain,),
            )
        scored = [(node_id, title, cosine(query, from_blob(blob))) for node_id, title, blob in rows]
        scored.sort(key=lambda item: (-item[2], item[0]))
        return scored[:k]
