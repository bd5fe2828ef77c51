"""Snapshots, retention, restore and rollback: real files, real processes, real signals.

What is shown: names carry the database, the UTC time and the label, and sort by time;
retention by count and by age touches only this database's snapshots and never the new one;
a snapshot holds what is still in the -wal; a snapshot killed with SIGKILL is never listed and
its leftovers go with the next one; restore refuses a file that is not SQLite, truncated,
corrupt or drifted, and a database that another process has open (unless forced), changing
nothing; it keeps the file it replaces; migrate snapshots once, under its lock, named with the
range; and after a rollback every row of every table is what it was before the migration,
value and storage class alike. CLI tests run ``sqlkeel.cli.main.main`` (the error boundary)
inside click's ``CliRunner`` isolation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sqlkeel
from sqlkeel.cli.fast import parse_migrate
from sqlkeel.cli.main import main
from sqlkeel.runner import backup as backup_module
from sqlkeel.runner.backup import clean_leftovers, list_backups, prune

NAME = re.compile(r"^app-(\d{8}T\d{6}\.\d{6}Z)-(.+)\.db$")
SRC = Path(sqlkeel.__file__).resolve().parent.parent

MIGRATIONS = {
    "0001_init.sql": """
        CREATE TABLE items (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          qty INTEGER,
          price REAL,
          data BLOB,
          loose
        );
        CREATE TABLE notes (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id), body TEXT);
        CREATE INDEX notes_item ON notes(item_id);
    """,
    "0002_extra.sql": """
        ALTER TABLE items ADD COLUMN extra TEXT DEFAULT 'x';
        UPDATE items SET qty = qty * 2, price = price / 3, loose = 'changed';
        CREATE TABLE added (id INTEGER PRIMARY KEY, v TEXT);
        INSERT INTO added(v) SELECT name FROM items;
    """,
    "0003_prune.sql": """
        DELETE FROM notes WHERE id % 2 = 0;
        UPDATE items SET data = NULL WHERE id = 1;
    """,
}


def write_migrations(directory: Path, names: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text(textwrap.dedent(MIGRATIONS[name]).lstrip(), encoding="utf-8")
    return directory


def fill(db: Path) -> None:
    """Rows of every storage class, with values that a lossy copy would change."""
    conn = sqlite3.connect(db)
    rows = [
        ("plain", 1, 0.1, b"\x00\x01\xff", None),
        ("ünïcödé ✓", -(2**63), 1e308, b"", 7),
        ("big", 2**63 - 1, -0.0, os.urandom(3000), 1.5),
        ("text-ish", 0, float("inf"), b"blob", "3"),
        ("nul\x00inside", None, 2.0 / 3.0, None, b"\x00"),
    ]
    conn.executemany(
        "INSERT INTO items(name, qty, price, data, loose) VALUES (?, ?, ?, ?, ?)", rows
    )
    conn.executemany(
        "INSERT INTO notes(item_id, body) VALUES (?, ?)",
        [(i % 5 + 1, f"note {i}" * (i % 7)) for i in range(40)],
    )
    conn.commit()
    conn.close()


def dump(db: Path) -> dict[str, Any]:
    """Every table's rows (rowid first) as (storage class, exact value), and the schema SQL."""
    conn = sqlite3.connect(db)
    try:
        out: dict[str, Any] = {
            "schema": conn.execute(
                "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name"
            ).fetchall()
        }
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            select = ", ".join(f'typeof("{c}"), "{c}"' for c in cols)
            rows = conn.execute(f'SELECT rowid, {select} FROM "{table}" ORDER BY rowid').fetchall()
            out[table] = [
                tuple(v.hex() if isinstance(v, float) else v for v in row) for row in rows
            ]
        return out
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """app.db at 0001 with rows, in WAL mode (as sqlkeel.connect leaves it)."""
    path = tmp_path / "app.db"
    sqlkeel.migrate(path, write_migrations(tmp_path / "m1", ["0001_init.sql"]))
    fill(path)
    return path


def backdate(snapshot: Path, days: float, label: str) -> Path:
    """A copy of ``snapshot`` named as if taken ``days`` ago."""
    when = time.time() - days * 86400
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(when)) + ".000000Z"
    target = snapshot.parent / f"app-{stamp}-{label}.db"
    shutil.copy(snapshot, target)
    return target


# -- naming, listing, retention --------------------------------------------------------


def test_names_carry_database_time_and_label_and_sort_by_time(db: Path) -> None:
    before = time.time()
    first = sqlkeel.backup(db)
    second = sqlkeel.backup(db, label="before-import")
    assert first.path.parent == db.parent / "sqlkeel-backups"
    m = NAME.match(first.path.name)
    assert m is not None and m.group(2) == "manual"
    taken = time.mktime(time.strptime(first.taken_at[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(taken - before) < 5  # UTC, not local time
    assert [b.path for b in list_backups(db)] == [first.path, second.path]
    assert sorted(p.name for p in first.path.parent.iterdir()) == [
        first.path.name,
        second.path.name,
    ]
    assert second.label == "before-import" and second.migrations is None
    assert first.size == first.path.stat().st_size > 0
    # another database's snapshots in the same directory are not this one's
    other = db.parent / "app-old.db"
    shutil.copy(db, other)
    sqlkeel.backup(other)
    assert [b.path for b in list_backups(db)] == [first.path, second.path]
    assert len(list_backups(other)) == 1
    with pytest.raises(sqlkeel.BackupError, match="cannot be a backup label"):
        sqlkeel.backup(db, label="../evil")


def test_retention_by_count_keeps_the_newest_and_only_touches_this_database(db: Path) -> None:
    other = db.parent / "other.db"
    shutil.copy(db, other)
    foreign = sqlkeel.backup(other, directory=db.parent / "sqlkeel-backups")
    made = [sqlkeel.backup(db, keep=3) for _ in range(5)]
    assert [b.path for b in list_backups(db)] == [b.path for b in made[-3:]]
    assert foreign.path.exists()
    assert sqlkeel.backup(db, keep=1).path == list_backups(db)[0].path  # the new one is kept
    assert len(list_backups(db)) == 1


def test_retention_by_age_deletes_old_snapshots_but_never_the_new_one(db: Path) -> None:
    seed = sqlkeel.backup(db)
    old = backdate(seed.path, 10, "pre-0002")
    recent = backdate(seed.path, 1, "manual")
    assert {b.path for b in list_backups(db)} == {seed.path, old, recent}
    taken = sqlkeel.backup(db, max_age_days=7)
    assert not old.exists()
    assert {b.path for b in list_backups(db)} == {seed.path, recent, taken.path}
    # a limit of 0 days would delete everything: the snapshot just taken is still kept, and
    # max_age_days=0 means "no age limit"
    assert prune(db, max_age_days=0.5, keep=0, protect=[taken.path]) == [recent]
    assert taken.path.exists()
    assert prune(db, max_age_days=0, keep=0) == []


def test_a_snapshot_holds_what_is_still_in_the_wal(db: Path) -> None:
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("DELETE FROM notes")  # committed, but only in app.db-wal
        writer.execute("INSERT INTO notes(body) VALUES ('only in the wal')")
        assert os.path.getsize(f"{db}-wal") > 0
        snap = sqlkeel.backup(db)
    finally:
        writer.close()
    conn = sqlite3.connect(snap.path)
    try:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("only in the wal",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert not Path(f"{snap.path}-wal").exists()


def test_progress_is_reported_step_by_step(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_module, "STEP_PAGES", 2)
    calls: list[tuple[int, int]] = []
    sqlkeel.backup(db, progress=lambda copied, total: calls.append((copied, total)))
    total = calls[-1][1]
    assert len(calls) >= 3 and calls[-1] == (total, total)
    assert [c for c, _ in calls] == sorted(c for c, _ in calls)


KILLED_SNAPSHOT = """
import sys, time
from sqlkeel.runner import backup
backup.STEP_PAGES = 1
def slow(copied, total):
    print("copying", copied, total, flush=True)
    time.sleep(0.05)
backup.backup(sys.argv[1], progress=slow)
"""


def test_a_killed_snapshot_is_never_listed_and_the_next_one_cleans_up(db: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_SNAPSHOT, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().startswith("copying")
        child.stdout.readline()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    directory = db.parent / "sqlkeel-backups"
    leftovers = [p for p in directory.iterdir() if p.name.startswith(".app-")]
    assert leftovers, "the killed copy left its temporary file"
    assert list_backups(db) == []
    taken = sqlkeel.backup(db)
    assert [b.path for b in list_backups(db)] == [taken.path]
    assert sorted(directory.iterdir()) == [taken.path]
    # a temporary file of a live writer (this process) is left alone
    mine = directory / f".app-x.db.tmp-{os.getpid()}"
    mine.write_bytes(b"")
    assert clean_leftovers(directory, "app") == []


# -- migrate takes the snapshot --------------------------------------------------------


def test_migrate_snapshots_under_its_lock_named_with_the_range(db: Path, tmp_path: Path) -> None:
    before = dump(db)
    all_three = write_migrations(tmp_path / "m", list(MIGRATIONS))
    result = sqlkeel.migrate(db, all_three, backup=True)
    assert result.names == ("0002_extra.sql", "0003_prune.sql")
    assert result.backup is not None and result.backup.label == "pre-0002-0003"
    assert result.backup.migrations == (2, 3)
    assert result.to_json()["backup"] == result.backup.to_json()
    assert dump(result.backup.path) == before
    again = sqlkeel.migrate(db, all_three, backup=True)  # nothing pending: no snapshot
    assert again.backup is None and len(list_backups(db)) == 1


def test_no_snapshot_of_a_new_database_nor_by_default(tmp_path: Path) -> None:
    migrations = write_migrations(tmp_path / "m", list(MIGRATIONS))
    fresh = tmp_path / "fresh.db"
    assert sqlkeel.migrate(fresh, migrations, backup=True).backup is None
    assert not (tmp_path / "sqlkeel-backups").exists()
    db = tmp_path / "app.db"
    sqlkeel.migrate(db, write_migrations(tmp_path / "m1", ["0001_init.sql"]))
    assert sqlkeel.migrate(db, migrations).backup is None  # the library default is off
    assert not (tmp_path / "sqlkeel-backups").exists()
    from sqlkeel.config import BackupSettings

    off = BackupSettings(enabled=False)
    db2 = tmp_path / "two.db"
    sqlkeel.migrate(db2, tmp_path / "m1")
    assert sqlkeel.migrate(db2, migrations, backup=off).backup is None
    assert not (tmp_path / "sqlkeel-backups").exists()
    # and open_database passes it on
    db3 = tmp_path / "three.db"
    sqlkeel.migrate(db3, tmp_path / "m1")
    where = tmp_path / "snaps"
    conn = sqlkeel.open_database(db3, migrations, backup=BackupSettings(directory=where))
    conn.close()
    assert [b.label for b in list_backups(db3, directory=where)] == ["pre-0002-0003"]


def test_a_failed_snapshot_applies_nothing(db: Path, tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the directory should be")
    from sqlkeel.config import BackupSettings

    with pytest.raises(sqlkeel.BackupError, match="nothing was applied"):
        sqlkeel.migrate(
            db,
            write_migrations(tmp_path / "m", list(MIGRATIONS)),
            backup=BackupSettings(directory=tmp_path / "blocked" / "sub"),
        )
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT name FROM _sqlkeel_migrations").fetchall() == [
            ("0001_init.sql",)
        ]
    finally:
        conn.close()


MIGRATE_CHILD = """
import sys, time
import sqlkeel
start = float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
result = sqlkeel.migrate(sys.argv[1], sys.argv[2], backup=True)
print(len(result.names), result.backup is not None)
"""


def test_concurrent_migrates_make_one_snapshot(db: Path, tmp_path: Path) -> None:
    migrations = write_migrations(tmp_path / "m", list(MIGRATIONS))
    start = time.time() + 1.5
    children = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_CHILD, str(db), str(migrations), str(start)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        for _ in range(6)
    ]
    outputs = [c.communicate(timeout=60)[0].split() for c in children]
    assert all(c.returncode == 0 for c in children)
    assert sorted(outputs) == [["0", "False"]] * 5 + [["2", "True"]]
    assert [b.label for b in list_backups(db)] == ["pre-0002-0003"]


# -- restore and rollback --------------------------------------------------------------


def test_rollback_returns_every_row_byte_for_byte(db: Path, tmp_path: Path) -> None:
    before = dump(db)
    migrations = write_migrations(tmp_path / "m", list(MIGRATIONS))
    sqlkeel.migrate(db, migrations, backup=True)
    migrated = dump(db)
    assert migrated != before
    writer = sqlite3.connect(db)
    writer.execute("INSERT INTO added(v) VALUES ('written after the migration')")
    writer.commit()
    writer.close()
    after_writes = dump(db)
    result = sqlkeel.rollback(db, migrations=migrations)
    assert dump(db) == before
    assert result.restored_from.label == "pre-0002-0003"
    # the replaced database, with the row written after the migration, is kept
    assert result.replaced is not None and result.replaced.label == "pre-restore"
    assert dump(result.replaced.path) == after_writes
    assert sqlkeel.drift(migrations=migrations, database=db).ok
    report = sqlkeel.status(migrations=migrations, database=db)
    assert [r.state for r in report.rows] == ["applied", "pending", "pending"]
    # forward again, then restore the pre-restore snapshot: the later row is back
    sqlkeel.restore(db, result.replaced.path, migrations=migrations)
    assert dump(db) == after_writes


def bad_backups(good: Path, tmp_path: Path) -> dict[str, Path]:
    text = tmp_path / "text.db"
    text.write_text("this is not a database\n" * 50)
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(good.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page + 8 : page * 3] = os.urandom(page * 2 - 8)  # b-tree pages 2 and 3
    corrupt.write_bytes(bytes(data))
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    return {"text": text, "truncated": truncated, "corrupt": corrupt, "empty": empty}


def test_restore_refuses_a_bad_backup_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    good = sqlkeel.backup(db).path
    writer = sqlite3.connect(db)
    writer.execute("DELETE FROM notes")
    writer.commit()
    writer.close()
    before, listed = digest(db), list_backups(db)
    for kind, path in bad_backups(good, tmp_path).items():
        with pytest.raises(sqlkeel.InvalidBackupError, match="nothing was changed") as info:
            sqlkeel.restore(db, path)
        assert str(path) in str(info.value), kind
        assert digest(db) == before, kind
        assert list_backups(db) == listed, kind  # no pre-restore snapshot was made
    with pytest.raises(sqlkeel.InvalidBackupError, match="no such backup file"):
        sqlkeel.restore(db, tmp_path / "missing.db")


def test_restore_refuses_a_backup_whose_schema_drifted(db: Path, tmp_path: Path) -> None:
    snap = sqlkeel.backup(db).path
    conn = sqlite3.connect(snap)
    conn.execute("ALTER TABLE items ADD COLUMN sneaky TEXT")
    conn.commit()
    conn.close()
    before = digest(db)
    with pytest.raises(sqlkeel.InvalidBackupError, match="sneaky"):
        sqlkeel.restore(db, snap, migrations=tmp_path / "m1")
    assert digest(db) == before
    sqlkeel.restore(db, snap)  # without migrations there is nothing to compare with
    assert "sneaky" in [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(items)")]


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1])
conn.execute("SELECT count(*) FROM items").fetchone()
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_restore_refuses_while_another_process_has_it_open_and_force_restores(
    db: Path,
) -> None:
    snap = sqlkeel.backup(db)
    writer = sqlite3.connect(db)
    writer.execute("DELETE FROM items WHERE id > 2")
    writer.commit()
    writer.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        before = digest(db)
        with pytest.raises(sqlkeel.DatabaseInUseError) as info:
            sqlkeel.restore(db, snap)
        assert f"pid {holder.pid}" in str(info.value) and "--force" in str(info.value)
        assert [pid for pid, _ in info.value.processes] == [holder.pid]
        assert digest(db) == before and len(list_backups(db)) == 1
        result = sqlkeel.restore(db, snap, force=True)
        assert [pid for pid, _ in result.forced_past] == [holder.pid]
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("SELECT count(*) FROM items").fetchone() == (5,)
        finally:
            conn.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_restore_never_deletes_the_backup_it_restores(db: Path) -> None:
    oldest = sqlkeel.backup(db)
    sqlkeel.backup(db)
    result = sqlkeel.restore(db, oldest, keep=1)
    assert oldest.path.exists() and result.replaced is not None and result.replaced.path.exists()


def test_restore_into_a_missing_file_and_over_a_damaged_one(db: Path, tmp_path: Path) -> None:
    snap = sqlkeel.backup(db)
    elsewhere = tmp_path / "new" / "app.db"
    result = sqlkeel.restore(elsewhere, snap.path)
    assert result.replaced is None and dump(elsewhere) == dump(db)
    elsewhere.write_text("garbage")
    with pytest.raises(sqlkeel.RestoreError, match="Move it aside"):
        sqlkeel.restore(elsewhere, snap.path)
    assert elsewhere.read_text() == "garbage"


def test_rollback_without_a_pre_migration_snapshot_says_so(db: Path) -> None:
    sqlkeel.backup(db)  # a manual one is not a pre-migration snapshot
    with pytest.raises(sqlkeel.RestoreError, match="no pre-migration snapshot"):
        sqlkeel.rollback(db)


# -- the command line ------------------------------------------------------------------


def sk(*args: str) -> tuple[int, str, str]:
    """``sqlkeel ARGS`` through the CLI's error boundary, in click's CliRunner isolation."""
    with CliRunner().isolation() as (out, err, _):
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
    return code, out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    (tmp_path / "sqlkeel.toml").write_text(
        '[tool.sqlkeel]\nmigrations = "migrations"\ndatabase = "app.db"\n'
        '[tool.sqlkeel.backup]\ndirectory = "snaps"\nkeep = 3\n',
        encoding="utf-8",
    )
    write_migrations(tmp_path / "migrations", ["0001_init.sql"])
    assert sk("migrate")[0] == 0
    fill(tmp_path / "app.db")
    write_migrations(tmp_path / "migrations", list(MIGRATIONS))
    return tmp_path


def test_cli_migrate_takes_a_snapshot_named_with_the_range(project: Path) -> None:
    before = dump(project / "app.db")
    code, out, _ = sk("migrate")
    assert code == 0
    (snap,) = list((project / "snaps").iterdir())
    assert NAME.match(snap.name) and snap.name.endswith("-pre-0002-0003.db")
    assert f"snapshot: {snap}" in out
    assert dump(snap) == before
    code, out, _ = sk("rollback", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["version"] == 1
    assert payload["restored_from"]["path"] == str(snap)
    assert payload["restored_from"]["migrations"] == [2, 3]
    assert payload["replaced"]["label"] == "pre-restore"
    assert dump(project / "app.db") == before


def test_cli_migrate_no_backup_and_enabled_false(project: Path) -> None:
    assert parse_migrate(["migrate", "--no-backup"]) is not None
    assert sk("migrate", "--no-backup", "--to", "2")[0] == 0
    assert not (project / "snaps").exists()
    config = project / "sqlkeel.toml"
    config.write_text(config.read_text().replace("keep = 3", "enabled = false"))
    code, out, _ = sk("migrate", "--format", "json")
    assert code == 0 and json.loads(out)["backup"] is None
    assert not (project / "snaps").exists()


def test_cli_migrate_fast_path_reads_the_backup_settings_only_when_due(project: Path) -> None:
    # -d and --migrations: the fast path needs no configuration, but a due snapshot still
    # goes where the configuration says
    code, out, _ = sk("migrate", "-d", "app.db", "--migrations", "migrations", "--format", "json")
    assert code == 0
    assert Path(json.loads(out)["backup"]["path"]).parent == project / "snaps"


def test_cli_backup_and_backup_list(project: Path) -> None:
    code, out, _ = sk("backup", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["version"] == 1 and payload["backup"]["label"] == "manual"
    code, out, _ = sk("backup", "-d", "app.db", "--label", "nightly")
    assert code == 0 and out.startswith("snapshot: ") and out.strip().endswith("-nightly.db")
    code, out, _ = sk("backup", "list", "-d", "app.db")
    assert code == 0
    assert [line.split()[1] for line in out.splitlines()] == ["manual", "nightly"]
    code, out, _ = sk("backup", "list", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and listed["version"] == 1 and listed["directory"] == str(project / "snaps")
    assert [b["label"] for b in listed["backups"]] == ["manual", "nightly"]
    code, _, err = sk("backup", "-d", "missing.db")
    assert code == 1 and "no such database file" in err


def test_cli_restore_and_its_exit_codes(project: Path, tmp_path: Path) -> None:
    sk("backup")
    db = project / "app.db"
    before = dump(db)
    writer = sqlite3.connect(db)
    writer.execute("DELETE FROM items")
    writer.commit()
    writer.close()
    text = tmp_path / "text.db"
    text.write_text("not sqlite")
    code, out, _ = sk("restore", str(text), "--format", "json")
    assert code == 1 and json.loads(out)["error"]["type"] == "InvalidBackupError"
    code, out, err = sk("restore")
    assert code == 0 and "restored" in out and "kept the replaced database" in out
    assert dump(db) == before
    code, _, err = sk("restore", "-d", str(tmp_path / "elsewhere.db"))
    assert code == 1 and "no snapshots of" in err
    assert sk("restore", "--bogus")[0] == 2


def test_cli_rollback_without_a_snapshot_exits_1(project: Path) -> None:
    code, out, _ = sk("rollback", "--format", "json")
    assert code == 1
    assert json.loads(out)["error"]["type"] == "RestoreError"
