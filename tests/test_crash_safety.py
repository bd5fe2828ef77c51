"""Crash safety and races, proved with real processes: DESIGN §2 invariants 2, 3 and 4.

**SIGKILL at random moments.** The pending part of a migration set rebuilds a 200,000-row
``AUTOINCREMENT`` parent table that two ``ON DELETE CASCADE`` tables reference (the file is
written by ``sqlkeel.generate`` and carries ``-- sqlkeel: foreign-keys-off``), between other
files: a new table, a hand-written data migration, an index over 200,000 rows, a
``no-transaction`` VACUUM and a last table. ``sqlkeel migrate`` (the console script) runs on a
copy of one cleanly closed, populated template and is killed with SIGKILL after a delay drawn
evenly over the whole run, from just after the spawn to past its exit. After each kill:
``integrity_check`` is ok, the journal is a prefix of the files at a batch boundary, the schema
(sqlkeel's catalog read, and the stored ``sqlite_schema`` text) is exactly the replay of that
prefix, ``foreign_key_check`` is empty and every row of every table is there, unchanged
(SHA-256 of the rows). The next ``sqlkeel migrate`` applies exactly the rest, and the same
checks hold for the final state. Where each kill landed is recorded twice: by time, against the
phases of a traced uninterrupted run, and by what is on disk (the journal and the WAL's
uncommitted frames).

``SQLKEEL_CRASH_TRIALS`` sets the number of trials (default: a quick subset),
``SQLKEEL_CRASH_SEED`` the random seed, ``SQLKEEL_CRASH_REPORT`` a file for the JSON figures,
``SQLKEEL_RACES`` how many times the race runs (default 1).

When ``sqlkeel migrate`` has a pre-migration backup (``--no-backup`` in its help), three trials
in four run with the default (backup on) and every snapshot that ``list_backups()``
shows after a kill must be a complete, consistent copy; without it the trials run as they are.

**Races.** 16 console-script processes migrate one fresh database whose migrations fill and
rebuild a parent table, while reader processes query it throughout: the readers only ever see
the database before the migration or after all of it, never an error other than a busy retry;
every file is applied by exactly one process and recorded once; all 16 exit 0.
(``test_migrate_faults.py`` has the barrier-started in-process variants and the old/new reader
test; this adds the console script, the rebuild with cascade children, and readers on a fresh
database.)
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
from crash_helpers import (
    TRACER,
    content,
    phase_of,
    phases,
    raw_schema,
    sqlkeel_command,
    subprocess_env,
    wal_frames,
)
from sqlkeel.catalog.reader import read_schema
from sqlkeel.model.schema import Schema
from sqlkeel.store.files import MigrationSource
from sqlkeel.store.replay import replay_steps
from sqlkeel.workflow import rehash

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

PARENT_ROWS = 200_000
CHILD_ROWS = 200_000
TAG_ROWS = 50_000
DEFAULT_TRIALS = 6
TRIALS = int(os.environ.get("SQLKEEL_CRASH_TRIALS", "") or DEFAULT_TRIALS)
SEED = int(os.environ.get("SQLKEEL_CRASH_SEED", "") or random.SystemRandom().randrange(10**6))
REPORT = os.environ.get("SQLKEEL_CRASH_REPORT", "")
RACES = int(os.environ.get("SQLKEEL_RACES", "") or 1)
# Kill delays are spread over [0, OVERSHOOT x the uninterrupted run's duration].
OVERSHOOT = 1.2

DIGESTED = ("parent", "child", "tag")
LISTED = ("audit", "archive")

V1 = """
CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                    score INTEGER NOT NULL);
CREATE UNIQUE INDEX parent_name ON parent(name);
CREATE TABLE child(id INTEGER PRIMARY KEY,
                   parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
                   v TEXT);
CREATE INDEX child_parent ON child(parent_id);
CREATE TABLE tag(id INTEGER PRIMARY KEY,
                 parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE ON UPDATE CASCADE,
                 tag TEXT NOT NULL);
"""
V2 = V1 + "CREATE VIEW parent_names AS SELECT id, name FROM parent;\n"
V3 = V2 + "CREATE TABLE audit(id INTEGER PRIMARY KEY, event TEXT NOT NULL, n INTEGER NOT NULL);\n"
# A collation and a CHECK: neither can be changed with ALTER on SQLite < 3.53, so the parent is
# rebuilt (12 steps, foreign keys off, its view dropped and recreated, sqlite_sequence kept).
V5 = V3.replace(
    "name TEXT NOT NULL,\n                    score INTEGER NOT NULL)",
    "name TEXT NOT NULL COLLATE NOCASE,\n                    score INTEGER NOT NULL CHECK (score >= 0))",
)
V6 = V5 + "CREATE INDEX child_v ON child(v);\n"
V8 = V6 + (
    "CREATE TABLE archive(id INTEGER PRIMARY KEY,"
    " parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE, at TEXT);\n"
)
DATA_MIGRATION = (
    "INSERT INTO audit(event, n) SELECT 'children before the rebuild', count(*) FROM child;\n"
)
VACUUM_FILE = "-- sqlkeel: no-transaction\n-- compact the file after the rebuild\nVACUUM;\n"
APPLIED_BEFORE = 2  # the template has 0001 and 0002
# Batches of the pending part: [0003-0006] one transaction, [0007] alone, [0008] one transaction.
# A kill leaves the journal at one of these lengths.
BOUNDARIES = (2, 6, 7, 8)


@dataclass
class Project:
    """The migration set, the populated template and what each legal state must look like."""

    root: Path
    migrations: Path
    template: Path
    names: list[str]
    replays: dict[int, Schema]
    raw: dict[int, list[Any]]
    expected: dict[int, dict[str, Any]]
    backups: bool
    duration: float = 0.0
    timeline: list[tuple[str, float]] = field(default_factory=list)


def _generate(schema_dir: Path, migrations: Path, text: str, name: str) -> Path:
    (schema_dir / "app.sql").write_text(text, encoding="utf-8")
    result = sqlkeel.generate(schema=schema_dir, migrations=migrations, name=name)
    assert result.path is not None, f"generate wrote nothing for {name}"
    return result.path


def _write_migrations(root: Path) -> Path:
    schema_dir = root / "schema"
    schema_dir.mkdir(parents=True)
    migrations = root / "migrations"
    _generate(schema_dir, migrations, V1, "init")
    _generate(schema_dir, migrations, V2, "views")
    _generate(schema_dir, migrations, V3, "audit")
    custom = sqlkeel.generate(
        schema=schema_dir, migrations=migrations, custom=True, name="count children"
    )
    assert custom.path is not None
    custom.path.write_text(custom.path.read_text() + DATA_MIGRATION, encoding="utf-8")
    rebuild = _generate(schema_dir, migrations, V5, "parent checks")
    text = rebuild.read_text()
    assert "-- sqlkeel: foreign-keys-off" in text, text
    assert 'INSERT INTO "_sqlkeel_new_parent"' in text and 'DROP TABLE "parent"' in text, text
    _generate(schema_dir, migrations, V6, "child index")
    (migrations / "0007_vacuum.sql").write_text(VACUUM_FILE, encoding="utf-8")
    _generate(schema_dir, migrations, V8, "archive")
    rehash(migrations)
    return migrations


def _populate(db: Path) -> None:
    conn = sqlkeel.connect(db)
    try:
        conn.execute("BEGIN")
        conn.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
            " INSERT INTO parent(id, name, score)"
            " SELECT x, printf('parent-%07d', x), x * 7 % 1000 FROM c",
            (PARENT_ROWS + 1,),
        )
        conn.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
            " INSERT INTO child(id, parent_id, v)"
            " SELECT x, (x * 7919) % ? + 1, printf('v%x', x * 2654435761 % 4294967296) FROM c",
            (CHILD_ROWS, PARENT_ROWS),
        )
        conn.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
            " INSERT INTO tag(id, parent_id, tag) SELECT x, x * 4, 't' || (x % 13) FROM c",
            (TAG_ROWS,),
        )
        # The last parent goes (nothing references it): sqlite_sequence stays above max(id),
        # which a rebuild that forgot the sequence would lose.
        conn.execute("DELETE FROM parent WHERE id = ?", (PARENT_ROWS + 1,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert not Path(f"{db}-wal").exists(), "the template was not closed cleanly"


def _state(conn: sqlite3.Connection) -> dict[str, Any]:
    return content(conn, DIGESTED, LISTED)


def _run_cli(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*sqlkeel_command(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=subprocess_env(),
        timeout=timeout,
    )


def _migrate_args(db: Path, migrations: Path, *, backup: bool | None) -> list[str]:
    args = ["migrate", "-d", str(db), "--migrations", str(migrations), "--format", "json"]
    if backup is False:
        args.append("--no-backup")
    return args


def _has_backups(cwd: Path) -> bool:
    """Whether ``sqlkeel migrate`` takes a pre-migration snapshot (and ``--no-backup``)."""
    try:
        backup = importlib.import_module("sqlkeel.runner.backup")
    except ImportError:
        return False
    from sqlkeel.cli.fast import parse_migrate

    if parse_migrate(["migrate", "--no-backup"]) is None:
        done = _run_cli(["migrate", "--help"], cwd, timeout=60)
        if "--no-backup" not in done.stdout:
            return False
    assert hasattr(backup, "list_backups"), "the backup module has no list_backups()"
    return True


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("crash")
    migrations = _write_migrations(root)
    names = MigrationSource.resolve(migrations).names()
    assert len(names) == BOUNDARIES[-1]
    template = root / "template" / "app.db"
    sqlkeel.migrate(template, migrations, to=APPLIED_BEFORE)
    _populate(template)

    steps = list(replay_steps(MigrationSource.resolve(migrations).read_all()))
    replays = {k: steps[k - 1] for k in BOUNDARIES}
    assert len({repr(s) for s in (replays[2], replays[6], replays[8])}) == 3
    assert replays[6] == replays[7], "the VACUUM file changes no schema"

    raw: dict[int, list[Any]] = {}
    expected: dict[int, dict[str, Any]] = {}
    for k in BOUNDARIES:
        copy = root / f"reference-{k}" / "app.db"
        copy.parent.mkdir()
        shutil.copyfile(template, copy)
        if k > APPLIED_BEFORE:
            sqlkeel.migrate(copy, migrations, to=k)
        with sqlite3.connect(copy) as conn:
            raw[k] = raw_schema(conn)
            expected[k] = _state(conn)
            assert read_schema(conn) == replays[k]
        conn.close()
    base = expected[APPLIED_BEFORE]
    assert base["parent"][0] == PARENT_ROWS and base["child"][0] == CHILD_ROWS
    assert base["sqlite_sequence"] == [("parent", PARENT_ROWS + 1)]
    assert expected[8]["audit"] == [(1, "children before the rebuild", CHILD_ROWS)]
    for k in BOUNDARIES:
        for table in (*DIGESTED, "sqlite_sequence"):
            assert expected[k][table] == base[table], f"the reference run changed {table}"
    return Project(root, migrations, template, names, replays, raw, expected, _has_backups(root))


def _fresh_copy(project: Project, name: str) -> Path:
    trial = project.root / name
    shutil.rmtree(trial, ignore_errors=True)
    trial.mkdir()
    db = trial / "app.db"
    shutil.copyfile(project.template, db)
    return db


def _measure(project: Project) -> None:
    """The uninterrupted run: its duration (median of two) and its traced timeline."""
    durations = []
    for i in range(2):
        db = _fresh_copy(project, f"measure-{i}")
        started = time.monotonic()
        done = _run_cli(_migrate_args(db, project.migrations, backup=None), db.parent)
        durations.append(time.monotonic() - started)
        assert done.returncode == 0, done.stderr
        assert [m["name"] for m in json.loads(done.stdout)["applied"]] == project.names[2:]
        assert _check(project, db, None) == BOUNDARIES[-1]
        shutil.rmtree(db.parent)
    project.duration = statistics.median(durations)

    db = _fresh_copy(project, "traced")
    log = db.parent / "trace.jsonl"
    spawned = time.time()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            TRACER,
            str(log),
            *_migrate_args(db, project.migrations, backup=None),
        ],
        capture_output=True,
        text=True,
        cwd=db.parent,
        env=subprocess_env(),
        timeout=300,
    )
    exited = time.time()
    assert done.returncode == 0, done.stderr
    events = [tuple(json.loads(line)) for line in log.read_text().splitlines()]
    project.timeline = phases(events, spawned, exited)  # type: ignore[arg-type]
    shutil.rmtree(db.parent)


def _check(project: Project, db: Path, listed_k: int | None) -> int:
    """Every check of a database a kill left behind; returns how many files its journal has."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        has_journal = conn.execute(
            "SELECT 1 FROM sqlite_schema WHERE name = '_sqlkeel_migrations'"
        ).fetchone()
        assert has_journal, "the journal table is gone"
        journal = conn.execute(
            "SELECT name, checksum FROM _sqlkeel_migrations ORDER BY id"
        ).fetchall()
        k = len(journal)
        assert [n for n, _ in journal] == project.names[:k], f"journal {journal}"
        assert k in BOUNDARIES, f"the journal stops inside a transaction's batch: {journal}"
        source = MigrationSource.resolve(project.migrations)
        assert all(source.checksum(n) == c for n, c in journal), "a journal checksum is wrong"
        if listed_k is not None:
            assert k == listed_k, f"expected the journal at {listed_k} files, found {k}"
        live = read_schema(conn)
        assert live == project.replays[k], (
            f"the journal says {k} files are applied but the schema is not their replay"
        )
        others = [j for j in BOUNDARIES if project.replays[j] != project.replays[k]]
        assert all(live != project.replays[j] for j in others)
        assert raw_schema(conn) == project.raw[k], "the stored schema text differs"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        got = _state(conn)
    conn.close()
    for table, want in project.expected[k].items():
        assert got.get(table) == want, f"{table}: rows lost or changed ({got.get(table)} != {want})"
    assert set(got) == set(project.expected[k])
    return k


def _snapshots(db: Path) -> tuple[list[Path], list[Path]]:
    """(the snapshots the backup module lists, the other files in the backup directory)."""
    backup = importlib.import_module("sqlkeel.runner.backup")
    listed = [b.path for b in backup.list_backups(db)]
    directory = backup.backup_directory(db)
    others = sorted(
        p for p in (directory.iterdir() if directory.is_dir() else []) if p not in set(listed)
    )
    return listed, others


def _check_snapshots(project: Project, db: Path, checked: set[Path]) -> list[Path]:
    """Every listed snapshot is a complete, consistent copy of a legal state; returns the files
    of the backup directory that are not listed (temporary files of a killed snapshot)."""
    listed, others = _snapshots(db)
    for snapshot in listed:
        if snapshot in checked:
            continue
        copy = snapshot.with_name(snapshot.name + ".checked")  # never open the snapshot itself
        shutil.copyfile(snapshot, copy)
        try:
            _check(project, copy, None)
        except AssertionError as exc:
            raise AssertionError(
                f"a listed snapshot is not a complete copy: {snapshot}: {exc}"
            ) from exc
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        checked.add(snapshot)
    for other in others:
        assert other.name.startswith("."), (
            f"{other.name}: a file in the backup directory that is neither a listed snapshot "
            "nor a hidden temporary file"
        )
    return others


@dataclass
class Trial:
    index: int
    delay: float
    backup: bool | None
    phase: str = ""
    killed: bool = False
    wal: str = ""
    journal_after_kill: int = -1
    snapshots: int = 0
    leftovers: int = 0
    error: str = ""


def _evidence(db: Path) -> str:
    frames = wal_frames(Path(f"{db}-wal"))
    if frames is None:
        return "no WAL: the database was never opened"
    total, uncommitted = frames
    if uncommitted:
        return "uncommitted pages in the WAL"
    if total:
        return "WAL with committed frames only"
    return "empty WAL"


def _trial(project: Project, trial: Trial) -> None:
    db = _fresh_copy(project, f"trial-{trial.index:03d}")
    args = _migrate_args(db, project.migrations, backup=trial.backup)
    started = time.monotonic()
    process = subprocess.Popen(
        [*sqlkeel_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=db.parent,
        env=subprocess_env(),
    )
    while (left := started + trial.delay - time.monotonic()) > 0 and process.poll() is None:
        time.sleep(min(left, 0.05))
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
        trial.killed = True
    offset = time.monotonic() - started
    out, err = process.communicate(timeout=60)
    if trial.killed:
        assert process.returncode == -signal.SIGKILL, (process.returncode, out, err)
    else:
        assert process.returncode == 0, f"the uninterrupted run failed:\n{out}\n{err}"
    trial.phase = phase_of(project.timeline, offset)
    trial.wal = _evidence(db)

    k = _check(project, db, None)
    trial.journal_after_kill = k
    backups = trial.backup is not False and project.backups
    checked: set[Path] = set()
    if backups:
        trial.leftovers = len(_check_snapshots(project, db, checked))
        if trial.leftovers:
            trial.wal += "; a snapshot's temporary file left (killed mid-snapshot)"

    done = _run_cli(_migrate_args(db, project.migrations, backup=trial.backup), db.parent)
    assert done.returncode == 0, f"the next migrate failed:\n{done.stdout}\n{done.stderr}"
    applied = [m["name"] for m in json.loads(done.stdout)["applied"]]
    assert applied == project.names[k:], f"the next migrate applied {applied}"
    _check(project, db, BOUNDARIES[-1])
    if backups:
        left = _check_snapshots(project, db, checked)
        if k < BOUNDARIES[-1]:  # the next migrate took a snapshot, and cleared the dead one's
            assert not left, f"the killed snapshot's temporary files stayed: {left}"
        trial.snapshots = len(checked)
    shutil.rmtree(db.parent)


def _delays(duration: float, n: int, rng: random.Random) -> list[float]:
    """One delay per stratum of [0, OVERSHOOT x duration], in random order."""
    span = duration * OVERSHOOT
    out = [span * (i + rng.random()) / n for i in range(n)]
    rng.shuffle(out)
    return out


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_the_next_migrate_finishes(
    project: Project,
) -> None:
    _measure(project)
    rng = random.Random(SEED)
    trials = []
    for i, delay in enumerate(_delays(project.duration, TRIALS, rng)):
        backup = None if not project.backups else (i % 4 != 3)
        trials.append(Trial(i, delay, backup))
    failures = []
    for trial in trials:
        try:
            _trial(project, trial)
        except AssertionError as exc:
            trial.error = str(exc)[:2000]
            failures.append(trial)
            if len(failures) >= 5:
                break
    run = [t for t in trials if t.phase]
    killed = [t for t in run if t.killed]
    summary = {
        "seed": SEED,
        "trials": len(run),
        "killed": len(killed),
        "survived": sum(1 for t in killed if not t.error),
        "finished_before_the_kill": len(run) - len(killed),
        "backups": project.backups,
        "trials_with_backup": sum(1 for t in run if t.backup),
        "snapshots_checked": sum(t.snapshots for t in run),
        "killed_mid_snapshot": sum(1 for t in killed if t.leftovers),
        "uninterrupted_seconds": round(project.duration, 3),
        "timeline": [(label, round(start, 3)) for label, start in project.timeline],
        "by_phase": dict(Counter(t.phase for t in killed)),
        "by_journal": {
            str(k): v for k, v in sorted(Counter(t.journal_after_kill for t in killed).items())
        },
        "by_wal": dict(Counter(t.wal for t in killed)),
        "rows_checked_per_state": PARENT_ROWS + CHILD_ROWS + TAG_ROWS,
        "failures": [vars(t) for t in failures],
    }
    print(json.dumps(summary, indent=2))
    if REPORT:
        Path(REPORT).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    assert not failures, "\n\n".join(
        f"trial {t.index} (seed {SEED}, kill after {t.delay:.3f} s, {t.phase}; {t.wal}):\n{t.error}"
        for t in failures
    )
    if len(run) >= 10:
        assert len(killed) >= len(run) * 0.6, f"too few trials were killed: {summary}"
    if len(run) >= 40:
        # The whole run was covered: kills landed before the database was opened, inside
        # the rebuild's transaction with pages on disk, and after the first commit.
        assert summary["by_wal"].get("no WAL: the database was never opened")
        assert summary["by_wal"].get("uncommitted pages in the WAL")
        assert any(k > APPLIED_BEFORE for k in (t.journal_after_kill for t in killed))


# --------------------------------------------------------------------------------------------
# Races: 16 console-script migrators on one fresh database, readers querying it throughout

RACE_V1 = """
CREATE TABLE runs(id INTEGER PRIMARY KEY, migration TEXT NOT NULL);
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL);
CREATE TABLE child(id INTEGER PRIMARY KEY,
                   parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
                   v TEXT);
CREATE INDEX child_parent ON child(parent_id);
"""
RACE_V3 = RACE_V1.replace(
    "name TEXT NOT NULL, score INTEGER NOT NULL)",
    "name TEXT NOT NULL COLLATE NOCASE, score INTEGER NOT NULL CHECK (score >= 0))",
)
RACE_V4 = RACE_V3 + (
    "CREATE INDEX child_v ON child(v);\nCREATE VIEW parent_names AS SELECT id, name FROM parent;\n"
)
RACE_FILL = (
    "INSERT INTO runs(migration) VALUES ('0002');\n"
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)\n"
    "INSERT INTO parent(id, name, score) SELECT x, printf('parent-%07d', x), x % 1000 FROM c;\n"
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)\n"
    "INSERT INTO child(id, parent_id, v) SELECT x, (x * 7919) % 200000 + 1, hex(x) FROM c;\n"
)
# Deliberately slow: about a second of work inside the transaction, so that all 16 processes
# are inside migrate() (and waiting for its lock) while the first one holds it.
RACE_SLOW = (
    "INSERT INTO runs(migration) VALUES ('0005');\n"
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)\n"
    "SELECT count(*) FROM c WHERE x % 7 = 3;\n"
)
RACE_EXPECTED_COUNTS = [200_000, float(sum(range(1, 200_001))), 200_000, 200_000, 2, 200_000]

# Reads until the stop file exists (then once more). Each read is one transaction: the schema,
# the journal and, when the tables exist, counts that a half-done migration would change.
# argv: db stop ready
RACE_READER = r"""
import json, os, sqlite3, sys, time
db, stop, ready = sys.argv[1:4]
states, errors = {}, []
busy = reads = 0
conn = None
def observe():
    conn.execute("BEGIN")
    try:
        schema = conn.execute(
            "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name").fetchall()
        names = {r[1] for r in schema}
        journal = None
        if "_sqlkeel_migrations" in names:
            journal = [r[0] for r in conn.execute(
                "SELECT name FROM _sqlkeel_migrations ORDER BY id")]
        counts = None
        if "parent" in names:
            counts = list(conn.execute(
                "SELECT (SELECT count(*) FROM parent), (SELECT total(id) FROM parent),"
                " (SELECT count(*) FROM child),"
                " (SELECT count(*) FROM child JOIN parent ON parent.id = child.parent_id),"
                " (SELECT count(*) FROM runs)").fetchone())
            if "parent_names" in names:
                counts += conn.execute("SELECT count(*) FROM parent_names").fetchone()
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return json.dumps([schema, journal, counts])
open(ready, "w").close()
while True:
    stopping = os.path.exists(stop)
    if conn is None and os.path.exists(db):
        conn = sqlite3.connect(db, isolation_level=None, timeout=0.05)
    if conn is None:
        key = json.dumps("absent")
    else:
        try:
            key = observe()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                busy += 1
                continue
            errors.append(type(exc).__name__ + ": " + str(exc))
            continue
        except sqlite3.Error as exc:
            errors.append(type(exc).__name__ + ": " + str(exc))
            continue
    now = time.time()
    reads += 1
    seen = states.setdefault(key, {"first": now, "last": now, "count": 0})
    seen["last"] = now
    seen["count"] += 1
    if stopping:
        break
    time.sleep(0.003)
print(json.dumps({"reads": reads, "busy": busy, "errors": errors,
                  "states": [dict(v, state=json.loads(k)) for k, v in states.items()]}))
"""


def _race_migrations(root: Path) -> Path:
    schema_dir = root / "schema"
    schema_dir.mkdir()
    migrations = root / "migrations"
    _generate(schema_dir, migrations, RACE_V1, "init")
    fill = sqlkeel.generate(schema=schema_dir, migrations=migrations, custom=True, name="fill")
    assert fill.path is not None
    fill.path.write_text(fill.path.read_text() + RACE_FILL, encoding="utf-8")
    rebuild = _generate(schema_dir, migrations, RACE_V3, "parent checks")
    assert "-- sqlkeel: foreign-keys-off" in rebuild.read_text()
    _generate(schema_dir, migrations, RACE_V4, "child index and view")
    slow = sqlkeel.generate(schema=schema_dir, migrations=migrations, custom=True, name="slow")
    assert slow.path is not None
    slow.path.write_text(slow.path.read_text() + RACE_SLOW, encoding="utf-8")
    rehash(migrations)
    return migrations


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _has_open(pid: int, db: Path) -> bool | None:
    """Whether process ``pid`` has ``db`` open (None where /proc cannot tell)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    target = os.path.realpath(db)
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.parametrize("race", range(RACES))
def test_16_cli_migrators_and_readers_on_one_fresh_database(tmp_path: Path, race: int) -> None:
    migrations = _race_migrations(tmp_path)
    names = MigrationSource.resolve(migrations).names()
    db = tmp_path / "app.db"  # does not exist yet
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE_READER, str(db), str(stop), str(tmp_path / f"ready-{i}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        for i in range(4)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < len(readers):
            assert all(r.poll() is None for r in readers), "a reader died before starting"
            assert time.monotonic() < deadline, "the readers did not start"
            time.sleep(0.01)
        args = ["migrate", "-d", str(db), "--migrations", str(migrations), "--format", "json"]
        migrators = []
        launched = []
        for _ in range(16):
            launched.append(time.time())
            migrators.append(
                subprocess.Popen(
                    [*sqlkeel_command(), *args],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=tmp_path,
                    env=subprocess_env(),
                )
            )
        opened_at: dict[int, float] = {}
        proc_readable = True
        deadline = time.monotonic() + 300
        while any(m.poll() is None for m in migrators):
            assert time.monotonic() < deadline, "the migrators did not finish"
            for i, m in enumerate(migrators):
                if i not in opened_at and m.poll() is None:
                    seen = _has_open(m.pid, db)
                    if seen is None and m.poll() is None:
                        proc_readable = False
                    elif seen:
                        opened_at[i] = time.time()
            time.sleep(0.002)
        outputs = [m.communicate(timeout=60) for m in migrators]
        time.sleep(0.3)  # the readers see the migrated database a few times
    finally:
        stop.touch()
        read = [r.communicate(timeout=60) for r in readers]
        for p in [*readers, *locals().get("migrators", [])]:
            if p.poll() is None:
                p.kill()

    failed = [
        f"exit {m.returncode}:\n{out}\n{err}"
        for m, (out, err) in zip(migrators, outputs, strict=True)
        if m.returncode != 0
    ]
    assert not failed, "\n\n".join(failed)
    applied = sorted(
        n for out, _ in outputs for n in (a["name"] for a in json.loads(out)["applied"])
    )
    assert applied == names, "each migration is reported applied by exactly one process"

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        journal = conn.execute(
            "SELECT name, applied_at FROM _sqlkeel_migrations ORDER BY id"
        ).fetchall()
        assert [n for n, _ in journal] == names, "each migration is recorded exactly once"
        assert conn.execute("SELECT migration FROM runs ORDER BY id").fetchall() == [
            ("0002",),
            ("0005",),
        ], "a migration ran twice"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        final_schema = [
            list(r)
            for r in conn.execute("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
        ]
        assert (
            read_schema(conn)
            == list(replay_steps(MigrationSource.resolve(migrations).read_all()))[-1]
        )
    conn.close()
    began, committed = _epoch(journal[0][1]), _epoch(journal[-1][1])

    before = after = 0
    last_before_read = 0.0
    total_reads = busy = 0
    for process, (out, err) in zip(readers, read, strict=True):
        assert process.returncode == 0, err
        record = json.loads(out.strip().splitlines()[-1])
        assert record["errors"] == [], f"a reader failed: {record['errors']}"
        total_reads += record["reads"]
        busy += record["busy"]
        for seen in record["states"]:
            state = seen["state"]
            if state == "absent" or state == [[], None, None]:
                before += seen["count"]
                last_before_read = max(last_before_read, seen["last"])
                continue
            schema, journal_seen, counts = state
            assert journal_seen == names, f"a reader saw a half-migrated journal: {state}"
            assert schema == final_schema, f"a reader saw a half-migrated schema: {schema}"
            assert counts == RACE_EXPECTED_COUNTS, f"a reader saw rows missing: {counts}"
            after += seen["count"]
    assert before and after, f"the readers did not see both states ({before} / {after})"
    assert last_before_read > began, (
        "no reader completed a read while the migration's transaction was open"
    )
    if proc_readable and sys.platform.startswith("linux"):
        late = [i for i in range(16) if opened_at.get(i, float("inf")) >= committed]
        assert not late, (
            f"processes {late} opened the database only after the migration committed: "
            "they did not race"
        )
    print(
        f"16 migrators ({len(opened_at)} seen with the database open before the commit), "
        f"4 readers: {total_reads} reads ({before} before, {after} after, "
        f"{busy} busy retries); {committed - began:.2f} s from the first file recorded to the last"
    )
