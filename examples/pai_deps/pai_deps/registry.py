"""The registry's operations: plain SQL on the connection :func:`open_registry` returns.

No DDL here, and no cleanup code for deletions: ``ON DELETE CASCADE`` in the schema removes a
tool's dependencies, contracts and verifications, because sqlkeel opens every connection with
foreign keys on.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

TABLES = ("tools", "dependencies", "contracts", "verifications", "circular_deps")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def register_tool(
    conn: sqlite3.Connection,
    tool_id: str,
    *,
    path: str,
    type: str = "cli",
    name: str | None = None,
    version: str | None = None,
) -> None:
    """Add a tool (or update the one with this id)."""
    now = _now()
    with conn:
        conn.execute(
            "INSERT INTO tools(id, name, path, type, version, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET name = excluded.name, path = excluded.path,"
            " type = excluded.type, version = excluded.version, updated_at = excluded.updated_at",
            (tool_id, name or tool_id, path, type, version, now, now),
        )


def add_dependency(
    conn: sqlite3.Connection,
    consumer: str,
    provider: str,
    *,
    type: str = "cli",
    version_constraint: str | None = None,
    optional: bool = False,
) -> int:
    """Record that ``consumer`` depends on ``provider``; both must be registered."""
    with conn:
        cur = conn.execute(
            "INSERT INTO dependencies(consumer_id, provider_id, type, version_constraint,"
            " optional, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (consumer, provider, type, version_constraint, int(optional), _now()),
        )
    return int(cur.lastrowid or 0)


def add_contract(
    conn: sqlite3.Connection, tool_id: str, name: str, *, contract_type: str = "cli_output"
) -> int:
    """A contract ``tool_id`` promises (a CLI output shape, an MCP tool, …)."""
    with conn:
        cur = conn.execute(
            "INSERT INTO contracts(tool_id, contract_type, name) VALUES (?, ?, ?)",
            (tool_id, contract_type, name),
        )
    return int(cur.lastrowid or 0)


def record_verification(
    conn: sqlite3.Connection,
    contract_id: int,
    status: str,
    *,
    details: dict[str, object] | None = None,
    duration_ms: int | None = None,
) -> int:
    """The result of checking a contract; the contract's status follows it."""
    now = _now()
    contract_status = {"pass": "valid", "fail": "broken", "drift": "drift"}[status]
    with conn:
        conn.execute("BEGIN")
        cur = conn.execute(
            "INSERT INTO verifications(contract_id, verified_at, status, details, duration_ms)"
            " VALUES (?, ?, ?, ?, ?)",
            (contract_id, now, status, json.dumps(details) if details else None, duration_ms),
        )
        conn.execute(
            "UPDATE contracts SET status = ?, last_verified = ? WHERE id = ?",
            (contract_status, now, contract_id),
        )
    return int(cur.lastrowid or 0)


def record_cycle(conn: sqlite3.Connection, cycle: list[str]) -> int:
    """A dependency cycle found in the graph, e.g. ``['a', 'b', 'a']``."""
    with conn:
        cur = conn.execute(
            "INSERT INTO circular_deps(cycle, detected_at) VALUES (?, ?)",
            (json.dumps(cycle), _now()),
        )
    return int(cur.lastrowid or 0)


def remove_tool(conn: sqlite3.Connection, tool_id: str) -> bool:
    """Delete a tool; the schema's ON DELETE CASCADE deletes what hangs off it."""
    with conn:
        cur = conn.execute("DELETE FROM tools WHERE id = ?", (tool_id,))
    return cur.rowcount > 0


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table."""
    return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}


def rows_of(conn: sqlite3.Connection, tool_id: str) -> dict[str, int]:
    """How many rows anywhere refer to ``tool_id`` (directly, or through its contracts)."""
    one = conn.execute
    return {
        "dependencies": one(
            "SELECT count(*) FROM dependencies WHERE ? IN (consumer_id, provider_id)", (tool_id,)
        ).fetchone()[0],
        "contracts": one("SELECT count(*) FROM contracts WHERE tool_id = ?", (tool_id,)).fetchone()[
            0
        ],
        "verifications": one(
            "SELECT count(*) FROM verifications JOIN contracts ON contracts.id = contract_id"
            " WHERE contracts.tool_id = ?",
            (tool_id,),
        ).fetchone()[0],
    }
