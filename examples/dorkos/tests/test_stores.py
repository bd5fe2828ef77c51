"""Tests of the storage layer, each on its own freshly migrated dork.db (the dork_db fixture)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from dorkos_app.stores import finish_run, health_status, iso_now, record_run, runs_of

import sqlkeel

SCHEDULE = (
    "INSERT INTO pulse_schedules (id, name, cron, prompt, created_at, updated_at) "
    "VALUES (?, 'audit', '0 2 * * *', 'audit the lockfile', ?, ?)"
)


def test_fixture_database_is_fully_migrated(dork_db: sqlite3.Connection) -> None:
    names = [r[0] for r in dork_db.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
    assert names[-1] == "0003_rate_limit_bucket_key.sql"
    tables = {
        r[0]
        for r in dork_db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
        )
    }
    assert tables == {
        "pulse_schedules",
        "pulse_runs",
        "relay_index",
        "relay_traces",
        "agents",
        "agent_denials",
        "rate_limit_buckets",
    }


def test_each_test_gets_an_empty_database(dork_db: sqlite3.Connection) -> None:
    assert dork_db.execute("SELECT count(*) FROM pulse_runs").fetchone() == (0,)
    dork_db.execute(SCHEDULE, ("s1", iso_now(), iso_now()))


def test_runs_roundtrip_and_cascade(dork_db: sqlite3.Connection) -> None:
    now = iso_now()
    dork_db.execute(SCHEDULE, ("s1", now, now))
    run_id = record_run(dork_db, "s1")
    finish_run(dork_db, run_id, status="completed", output="3 files changed")
    assert runs_of(dork_db, "s1") == [(run_id, "completed")]
    dork_db.execute("DELETE FROM pulse_schedules WHERE id = 's1'")
    assert runs_of(dork_db, "s1") == []


def test_maildir_status_is_refused(dork_db: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        dork_db.execute(
            "INSERT INTO relay_index (id, subject, sender, endpoint_hash, status, created_at) "
            "VALUES ('01J0', 'relay.x', 'relay.y', 'ab12', 'new', ?)",
            (iso_now(),),
        )


def test_stores_cannot_change_the_schema(dork_db: sqlite3.Connection) -> None:
    with pytest.raises(sqlkeel.SchemaChangeRefusedError):
        dork_db.execute("ALTER TABLE agents ADD COLUMN manifest_json TEXT")


def test_health_is_plain_python() -> None:
    now = datetime(2026, 2, 20, 9, 0, tzinfo=timezone.utc)

    def seen(ago: timedelta) -> str:
        return (now - ago).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    assert health_status(seen(timedelta(minutes=1)), now) == "active"
    assert health_status(seen(timedelta(minutes=30)), now) == "inactive"
    assert health_status(seen(timedelta(days=1)), now) == "stale"
    assert health_status(None, now) == "unreachable"
