"""Bringing a pre-consolidation DorkOS directory into ``dork.db``.

The three old databases are read by sqlkeel's consolidation plan directly. The schedules
were a JSON file, which a plan cannot read; :func:`stage_schedules` copies it, unchanged,
into a one-table SQLite file that the plan then reads like the others, so every row still
arrives in the one consolidation transaction.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

STAGING_FILE = "schedules.staging.db"
_FIELDS = (
    "id",
    "name",
    "description",
    "cron",
    "timezone",
    "prompt",
    "cwd",
    "status",
    "enabled",
    "maxRuntime",
    "permissionMode",
    "createdAt",
    "updatedAt",
)


def stage_schedules(schedules_json: Path, staging_db: Path) -> int:
    """Write ``schedules.json`` into ``staging_db`` (table ``schedules``, the JSON's keys as
    columns); return the number of schedules. An existing staging file is replaced."""
    entries = json.loads(schedules_json.read_text(encoding="utf-8"))
    staging_db.unlink(missing_ok=True)
    conn = sqlite3.connect(staging_db)
    try:
        columns = ", ".join(f'"{f}"' for f in _FIELDS)
        conn.execute(f"CREATE TABLE schedules ({columns})")
        conn.executemany(
            f"INSERT INTO schedules ({columns}) VALUES ({', '.join('?' * len(_FIELDS))})",
            [tuple(entry.get(f) for f in _FIELDS) for entry in entries],
        )
        conn.commit()
    finally:
        conn.close()
    return len(entries)
