"""The stores, reduced to what the example needs: plain parameterised SQL on one connection.

Every store takes the connection that :func:`dorkos_app.open_db` returned, instead of a path
to a database of its own.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from dorkos_app.ids import new_ulid

# Agent health thresholds. The old registry computed this in SQL with julianday(); it is a
# plain function now, testable without a database.
ACTIVE_WITHIN = timedelta(minutes=5)
INACTIVE_WITHIN = timedelta(hours=1)


def iso_now() -> str:
    """The current UTC time in the one timestamp format of dork.db."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Read a dork.db timestamp (``2026-02-20T09:00:00.000Z``)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def health_status(last_seen_at: str | None, now: datetime) -> str:
    """``active``, ``inactive``, ``stale`` or ``unreachable`` (never seen)."""
    if last_seen_at is None:
        return "unreachable"
    age = now - parse_iso(last_seen_at)
    if age <= ACTIVE_WITHIN:
        return "active"
    if age <= INACTIVE_WITHIN:
        return "inactive"
    return "stale"


def record_run(conn: sqlite3.Connection, schedule_id: str, *, trigger: str = "scheduled") -> str:
    """Start a Pulse run of ``schedule_id``; return its (ULID) id."""
    run_id = new_ulid()
    conn.execute(
        "INSERT INTO pulse_runs (id, schedule_id, status, started_at, trigger) "
        "VALUES (?, ?, 'running', ?, ?)",
        (run_id, schedule_id, iso_now(), trigger),
    )
    return run_id


def finish_run(conn: sqlite3.Connection, run_id: str, *, status: str, output: str) -> None:
    """Close a run with its final status and output."""
    conn.execute(
        "UPDATE pulse_runs SET status = ?, output = ?, finished_at = ? WHERE id = ?",
        (status, output, iso_now(), run_id),
    )


def runs_of(conn: sqlite3.Connection, schedule_id: str) -> list[tuple[str, str]]:
    """``(id, status)`` of a schedule's runs, newest first."""
    return conn.execute(
        "SELECT id, status FROM pulse_runs WHERE schedule_id = ? ORDER BY started_at DESC",
        (schedule_id,),
    ).fetchall()


def pending_messages(conn: sqlite3.Connection, subject: str) -> list[str]:
    """Ids of the messages for ``subject`` that no reader has picked up yet."""
    rows = conn.execute(
        "SELECT id FROM relay_index WHERE subject = ? AND status = 'pending' ORDER BY id",
        (subject,),
    )
    return [r[0] for r in rows]


def agent_health(conn: sqlite3.Connection, now: datetime) -> dict[str, str]:
    """Every agent's name and health."""
    rows = conn.execute("SELECT name, last_seen_at FROM agents ORDER BY name")
    return {name: health_status(seen, now) for name, seen in rows}
