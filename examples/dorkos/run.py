"""DorkOS end to end: three hand-rolled SQLite files become one dork.db, with their rows.

Run it with ``python examples/dorkos/run.py [DIR]``. In DIR (default: a temporary
directory, removed afterwards) it

1. builds the old data directory with the old code's schemas: ``pulse.db`` + ``schedules.json``,
   ``relay/index.db``, ``mesh/mesh.db`` (``legacy/build_legacy.py``);
2. starts the new storage layer: ``dorkos_app.open_db`` opens ``dork.db`` and applies the
   migrations shipped in the package (``sqlkeel.open_database(path, "dorkos_app:migrations")``);
3. stages ``schedules.json`` into SQLite and runs ``sqlkeel consolidate consolidate.toml -d
   dork.db``, which copies every table with the spec's renames and value changes in one
   transaction;
4. checks the counts and values against the old files, that the old files are unchanged, that
   the plan is refused a second time, that dork.db has no drift, and that the stores read
   the carried-over rows.

It prints each check and exits 0 when all of them hold, 1 otherwise.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    import dorkos_app  # noqa: F401  (installed with `pip install -e examples/dorkos`)
except ImportError:  # run from a checkout without installing: use the source tree
    sys.path.insert(0, str(HERE / "src"))
sys.path.insert(0, str(HERE / "legacy"))

import build_legacy  # noqa: E402
from dorkos_app import DB_FILE, MIGRATIONS, open_db  # noqa: E402
from dorkos_app.stores import agent_health, pending_messages, record_run, runs_of  # noqa: E402
from dorkos_app.upgrade import STAGING_FILE, stage_schedules  # noqa: E402

import sqlkeel  # noqa: E402

LEGACY_FILES = ("pulse.db", "schedules.json", "relay/index.db", "mesh/mesh.db")


def fingerprint(home: Path) -> dict[str, str]:
    """SHA-256 of every legacy file."""
    return {name: hashlib.sha256((home / name).read_bytes()).hexdigest() for name in LEGACY_FILES}


def sqlkeel_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``sqlkeel ARGS`` (with this interpreter), echoing the command and its output."""
    print(f"$ sqlkeel {' '.join(args)}")
    result = subprocess.run(
        [sys.executable, "-m", "sqlkeel", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in (result.stdout + result.stderr).splitlines():
        print(f"  {line}")
    print(f"  (exit {result.returncode})")
    return result


def iso_from_ms(ms: int | None) -> str | None:
    """What the plan's strftime turns Unix milliseconds into, computed independently."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read rows from a legacy file without writing to it (read-only URI)."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def demo(home: Path) -> dict[str, bool]:
    """The whole story in ``home``; return each check and whether it held."""
    print(f"== SQLite {sqlite3.sqlite_version}; data directory {home}")
    counts = build_legacy.build(home)
    print("== the old data directory (three databases, three migration schemes, one JSON file)")
    for table, n in counts.items():
        print(f"  {table}: {n}")
    before = fingerprint(home)

    print(f"== server start: open_db() applies {MIGRATIONS}")
    conn = open_db(home)
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
    print("  applied: " + ", ".join(applied))
    conn.close()

    print("== upgrade: schedules.json → SQLite staging file, then the consolidation plan")
    staged = stage_schedules(home / "schedules.json", home / STAGING_FILE)
    print(f"  staged {staged} schedules into {STAGING_FILE}")
    shutil.copy(HERE / "consolidate.toml", home / "consolidate.toml")
    first = sqlkeel_cli("consolidate", "consolidate.toml", "-d", DB_FILE, cwd=home)
    again = sqlkeel_cli("consolidate", "consolidate.toml", "-d", DB_FILE, cwd=home)

    print("== server start after the upgrade")
    conn = open_db(home)
    try:
        count = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "pulse_schedules",
                "pulse_runs",
                "relay_index",
                "relay_traces",
                "agents",
                "agent_denials",
                "rate_limit_buckets",
            )
        }
        for table, n in count.items():
            print(f"  {table}: {n}")
        legacy_ttl = dict(rows(home / "relay/index.db", "SELECT id, ttl FROM messages"))
        legacy_sent = rows(
            home / "relay/index.db",
            "SELECT id, sent_at, delivered_at, processed_at FROM message_traces",
        )
        legacy_output = dict(rows(home / "pulse.db", "SELECT id, output_summary FROM runs"))
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM relay_index GROUP BY status").fetchall()
        )
        legacy_statuses = dict(
            rows(home / "relay/index.db", "SELECT status, count(*) FROM messages GROUP BY status")
        )
        expires = dict(conn.execute("SELECT id, expires_at FROM relay_index").fetchall())
        traces = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT id, sent_at, delivered_at, processed_at FROM relay_traces"
            )
        }
        outputs = dict(conn.execute("SELECT id, output FROM pulse_runs").fetchall())
        agent_columns = {r[1] for r in conn.execute("PRAGMA table_info(agents)")}
        schedule_id, schedule_name = conn.execute(
            "SELECT id, name FROM pulse_schedules WHERE name = 'Nightly dependency audit'"
        ).fetchone()
        carried_runs = len(runs_of(conn, schedule_id))
        run_id = record_run(conn, schedule_id, trigger="manual")
        pending = pending_messages(conn, "relay.agent.backend")
        health = agent_health(conn, build_legacy.EPOCH)
        report = sqlkeel.drift(migrations=MIGRATIONS, database=conn)
        print(f"  {schedule_name}: {carried_runs} carried-over runs; new run {run_id}")
        print(f"  pending for relay.agent.backend: {len(pending)}; agent health: {health}")
    finally:
        conn.close()

    return {
        "the migrations created dork.db": applied
        == [
            "0001_init.sql",
            "0002_pulse_schedule_options.sql",
            "0003_rate_limit_bucket_key.sql",
        ],
        "sqlkeel consolidate exit 0": first.returncode == 0,
        "every schedule carried over": count["pulse_schedules"] == counts["schedules"],
        "runs carried over, orphans of a deleted schedule left behind": count["pulse_runs"]
        == counts["runs"] - counts["orphan_runs"],
        "messages → relay_index": count["relay_index"] == counts["messages"],
        "message_traces → relay_traces": count["relay_traces"] == counts["message_traces"],
        "agents": count["agents"] == counts["agents"],
        "denials → agent_denials": count["agent_denials"] == counts["denials"],
        "budget_counters → rate_limit_buckets": count["rate_limit_buckets"]
        == counts["budget_counters"],
        "status new/cur → pending/delivered": statuses
        == {
            "pending": legacy_statuses["new"],
            "delivered": legacy_statuses["cur"],
            "failed": legacy_statuses["failed"],
        },
        "ttl (Unix ms) → expires_at (ISO-8601)": expires
        == {k: iso_from_ms(v) for k, v in legacy_ttl.items()},
        "trace times (Unix ms) → ISO-8601": traces
        == {r[0]: tuple(iso_from_ms(v) for v in r[1:]) for r in legacy_sent},
        "output_summary → output": all(outputs[k] == legacy_output[k] for k in outputs),
        "agents.manifest_json dropped": "manifest_json" not in agent_columns,
        "the old files are byte-identical": fingerprint(home) == before,
        "the plan is refused a second time": again.returncode == 1
        and "already applied" in again.stderr,
        "dork.db has no drift": report.ok,
        "the stores read the carried rows": bool(pending) and len(health) == 4,
    }


def main(argv: list[str]) -> int:
    """Run the demo in ``argv[0]`` (kept) or a temporary directory; 0 when every check holds."""
    if argv:
        home = Path(argv[0]).resolve()
        if home.exists() and any(home.iterdir()):
            print(f"{home} is not empty: give a new or empty directory", file=sys.stderr)
            return 2
        checks = demo(home)
    else:
        with tempfile.TemporaryDirectory(prefix="dorkos-") as tmp:
            checks = demo(Path(tmp))
    print("== checks")
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
