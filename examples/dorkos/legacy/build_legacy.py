"""Build a DorkOS data directory the way the old code left it: three databases and a JSON file.

Before consolidation every service owned its own file and its own migration scheme:

- ``pulse.db`` — the ``runs`` table of PulseStore, migrated with ``PRAGMA user_version``;
  the schedules themselves live in ``schedules.json`` beside it;
- ``relay/index.db`` — the ``messages`` index over the Maildir (a two-step
  ``user_version`` chain) and TraceStore's ``message_traces``, which shares the file and only
  guards itself with ``CREATE TABLE IF NOT EXISTS``;
- ``mesh/mesh.db`` — AgentRegistry's ``agents`` and ``budget_counters`` (a four-step chain)
  and DenialList's ``denials`` (``IF NOT EXISTS`` again, on the registry's connection).

The rows are made up but shaped like the real ones (UUIDs in Pulse, ULIDs in Relay and Mesh,
Maildir folder names as message status, Unix milliseconds in the traces) and always the same,
so tests can count them. Run it as ``python build_legacy.py DIR``.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Each list is one service's hand-rolled migration chain: entry N takes user_version N to N+1.
PULSE_CHAIN = [
    """
    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      schedule_id TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      duration_ms INTEGER,
      output_summary TEXT,
      error TEXT,
      session_id TEXT
    );
    CREATE INDEX idx_runs_schedule ON runs(schedule_id, started_at DESC);
    """,
    "ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'scheduled';",
]

RELAY_INDEX_CHAIN = [
    """
    CREATE TABLE messages (
      id TEXT PRIMARY KEY,
      subject TEXT NOT NULL,
      sender TEXT NOT NULL,
      endpoint_hash TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      ttl INTEGER
    );
    CREATE INDEX idx_messages_subject ON messages(subject);
    CREATE INDEX idx_messages_endpoint ON messages(endpoint_hash, status);
    """,
    "ALTER TABLE messages ADD COLUMN payload_size INTEGER;",
]

# TraceStore had no version at all: it ran this on every start.
TRACES_DDL = """
CREATE TABLE IF NOT EXISTS message_traces (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  from_endpoint TEXT NOT NULL,
  to_endpoint TEXT NOT NULL,
  status TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  delivered_at INTEGER,
  processed_at INTEGER,
  error TEXT
);
CREATE INDEX IF NOT EXISTS idx_traces_message ON message_traces(message_id);
"""

MESH_CHAIN = [
    """
    CREATE TABLE agents (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      description TEXT,
      project_path TEXT NOT NULL UNIQUE,
      runtime TEXT NOT NULL,
      capabilities_json TEXT NOT NULL DEFAULT '[]',
      manifest_json TEXT NOT NULL,
      registered_at TEXT NOT NULL,
      registered_by TEXT
    );
    """,
    "ALTER TABLE agents ADD COLUMN namespace TEXT NOT NULL DEFAULT 'default';",
    """
    CREATE TABLE budget_counters (
      sender_id TEXT NOT NULL,
      bucket_minute INTEGER NOT NULL,
      count INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (sender_id, bucket_minute)
    );
    """,
    """
    ALTER TABLE agents ADD COLUMN last_seen_at TEXT;
    ALTER TABLE agents ADD COLUMN last_seen_event TEXT;
    """,
]

# DenialList: no version either, on the registry's connection.
DENIALS_DDL = """
CREATE TABLE IF NOT EXISTS denials (
  path TEXT PRIMARY KEY,
  strategy TEXT NOT NULL,
  reason TEXT,
  denied_at TEXT NOT NULL,
  denied_by TEXT NOT NULL
);
"""

EPOCH = datetime(2026, 2, 20, 9, 0, 0, tzinfo=timezone.utc)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def iso(moment: datetime) -> str:
    """The ISO-8601 form the old JavaScript code wrote (``Date.toISOString``)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def unix_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, as the trace store kept them."""
    return int(moment.timestamp() * 1000)


def ulid(moment: datetime, rng: random.Random) -> str:
    """A ULID for ``moment``: 48 bits of milliseconds, 80 random bits, Crockford base32."""
    value = (unix_ms(moment) << 80) | rng.getrandbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _apply_chain(conn: sqlite3.Connection, chain: list[str]) -> None:
    """What each old store's constructor did: run the steps above the file's user_version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(chain, start=1):
        if number > version:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _schedules(rng: random.Random) -> list[dict[str, object]]:
    specs = [
        ("Nightly dependency audit", "0 2 * * *", "active", True, 600_000, "acceptEdits"),
        ("Morning inbox triage", "30 7 * * 1-5", "active", True, 300_000, "default"),
        ("Weekly changelog draft", "0 16 * * 5", "paused", False, None, "plan"),
        ("Flaky test hunter", "*/45 * * * *", "pending_approval", True, 900_000, "acceptEdits"),
    ]
    out: list[dict[str, object]] = []
    for i, (name, cron, status, enabled, max_runtime, mode) in enumerate(specs):
        created = EPOCH - timedelta(days=30 - i * 3)
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": name,
                "description": f"{name.lower()} for ~/projects/dorkos",
                "cron": cron,
                "timezone": "Europe/Berlin" if i % 2 else "UTC",
                "prompt": f"Run the {name.lower()} and report what changed.",
                "cwd": "~/projects/dorkos",
                "status": status,
                "enabled": enabled,
                "maxRuntime": max_runtime,
                "permissionMode": mode,
                "createdAt": iso(created),
                "updatedAt": iso(created + timedelta(days=2, minutes=17)),
            }
        )
    return out


def build_pulse(home: Path, rng: random.Random) -> dict[str, int]:
    """``schedules.json`` and ``pulse.db``: runs of each schedule, and runs of a deleted one."""
    schedules = _schedules(rng)
    (home / "schedules.json").write_text(json.dumps(schedules, indent=2) + "\n", encoding="utf-8")
    deleted_schedule = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    owners = [str(s["id"]) for s in schedules[:3]] * 4 + [deleted_schedule] * 2
    statuses = ["completed", "completed", "failed", "completed", "cancelled", "running"]
    conn = _open(home / "pulse.db")
    _apply_chain(conn, PULSE_CHAIN)
    conn.execute("BEGIN")
    for i, schedule_id in enumerate(owners):
        started = EPOCH + timedelta(hours=6 * i, seconds=rng.randrange(60))
        status = statuses[i % len(statuses)]
        duration = None if status == "running" else rng.randrange(4_000, 600_000)
        conn.execute(
            "INSERT INTO runs (id, schedule_id, status, started_at, finished_at, duration_ms, "
            "output_summary, error, session_id, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                schedule_id,
                status,
                iso(started),
                None if duration is None else iso(started + timedelta(milliseconds=duration)),
                duration,
                f"run {i}: {status}; touched {rng.randrange(1, 9)} files" if duration else None,
                "agent exceeded maxRuntime" if status == "failed" else None,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "manual" if i % 5 == 0 else "scheduled",
            ),
        )
    conn.execute("COMMIT")
    conn.close()
    return {"schedules": len(schedules), "runs": len(owners), "orphan_runs": 2}


def build_relay(home: Path, rng: random.Random) -> dict[str, int]:
    """``relay/index.db``: the Maildir index and the delivery traces, in one file."""
    conn = _open(home / "relay" / "index.db")
    _apply_chain(conn, RELAY_INDEX_CHAIN)
    conn.executescript(TRACES_DDL)
    subjects = ["relay.agent.backend", "relay.agent.frontend", "relay.human.console"]
    folders = ["new"] * 6 + ["cur"] * 10 + ["failed"] * 2
    conn.execute("BEGIN")
    for i, folder in enumerate(folders):
        created = EPOCH + timedelta(minutes=37 * i, milliseconds=rng.randrange(1000))
        conn.execute(
            "INSERT INTO messages (id, subject, sender, endpoint_hash, status, created_at, ttl, "
            "payload_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ulid(created, rng),
                subjects[i % 3],
                "relay.agent.orchestrator" if i % 2 else "relay.human.console",
                f"{rng.getrandbits(32):08x}",
                folder,
                iso(created),
                None if i % 7 == 3 else unix_ms(created + timedelta(hours=24)),
                rng.randrange(200, 20_000),
            ),
        )
    messages = [row[0] for row in conn.execute("SELECT id FROM messages ORDER BY id")]
    trace_states = ["processed", "processed", "delivered", "sent", "failed"]
    for i, message_id in enumerate(messages[:15]):
        sent = EPOCH + timedelta(minutes=37 * i, milliseconds=rng.randrange(1000))
        state = trace_states[i % len(trace_states)]
        delivered = sent + timedelta(milliseconds=rng.randrange(5, 900))
        processed = delivered + timedelta(milliseconds=rng.randrange(100, 30_000))
        conn.execute(
            "INSERT INTO message_traces (id, message_id, trace_id, subject, from_endpoint, "
            "to_endpoint, status, sent_at, delivered_at, processed_at, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ulid(sent, rng),
                message_id,
                ulid(sent, rng),
                subjects[i % 3],
                "relay.agent.orchestrator",
                subjects[i % 3],
                state,
                unix_ms(sent),
                unix_ms(delivered) if state in ("processed", "delivered") else None,
                unix_ms(processed) if state == "processed" else None,
                "endpoint unreachable" if state == "failed" else None,
            ),
        )
    conn.execute("COMMIT")
    conn.close()
    return {"messages": len(folders), "message_traces": 15}


def build_mesh(home: Path, rng: random.Random) -> dict[str, int]:
    """``mesh/mesh.db``: registered agents, rate-limit counters and denied paths."""
    conn = _open(home / "mesh" / "mesh.db")
    _apply_chain(conn, MESH_CHAIN)
    conn.executescript(DENIALS_DDL)
    agents = [
        ("backend-bot", "claude-code", ["code", "tests"], "platform"),
        ("frontend-bot", "claude-code", ["code", "ui"], "platform"),
        ("docs-writer", "codex", ["docs"], "default"),
        ("release-captain", "claude-code", ["release", "changelog"], "ops"),
    ]
    last_seen = [timedelta(minutes=2), timedelta(minutes=20), timedelta(hours=3), None]
    conn.execute("BEGIN")
    ids: list[str] = []
    for (name, runtime, caps, namespace), seen in zip(agents, last_seen, strict=True):
        registered = EPOCH - timedelta(days=10, minutes=rng.randrange(600))
        agent_id = ulid(registered, rng)
        ids.append(agent_id)
        manifest = {"name": name, "runtime": runtime, "capabilities": caps}
        conn.execute(
            "INSERT INTO agents (id, name, description, project_path, runtime, "
            "capabilities_json, manifest_json, registered_at, registered_by, namespace, "
            "last_seen_at, last_seen_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                agent_id,
                name,
                f"{name} for the dorkos monorepo",
                f"~/projects/{name}",
                runtime,
                json.dumps(caps),
                json.dumps(manifest),
                iso(registered),
                "discovery",
                namespace,
                None if seen is None else iso(EPOCH - seen),
                None if seen is None else "heartbeat",
            ),
        )
    minute = unix_ms(EPOCH) // 60_000
    for i in range(6):
        conn.execute(
            "INSERT INTO budget_counters (sender_id, bucket_minute, count) VALUES (?, ?, ?)",
            (ids[i % 2], minute - i // 2, rng.randrange(1, 40)),
        )
    for path, reason in [
        ("~/scratch/tmp-agent", "throwaway checkout"),
        ("~/projects/legacy-monolith", "too large to index"),
    ]:
        conn.execute(
            "INSERT INTO denials (path, strategy, reason, denied_at, denied_by) "
            "VALUES (?, ?, ?, ?, ?)",
            (path, "manual", reason, iso(EPOCH - timedelta(days=2)), "dev"),
        )
    conn.execute("COMMIT")
    conn.close()
    return {"agents": 4, "budget_counters": 6, "denials": 2}


def build(home: Path) -> dict[str, int]:
    """Create the legacy files under ``home``; return the row count of every legacy table."""
    home.mkdir(parents=True, exist_ok=True)
    rng = random.Random(63)
    counts: dict[str, int] = {}
    counts.update(build_pulse(home, rng))
    counts.update(build_relay(home, rng))
    counts.update(build_mesh(home, rng))
    return counts


def main(argv: list[str]) -> int:
    """``python build_legacy.py DIR``: build the legacy data directory in DIR."""
    if len(argv) != 1:
        print("usage: build_legacy.py DIR", file=sys.stderr)
        return 2
    for table, rows in build(Path(argv[0])).items():
        print(f"{table}: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
