"""Real faults, each with an error a user can act on, and the database left exactly as it was.

- a lock held by another real process (``BEGIN IMMEDIATE``, then sleep): ``migrate`` waits
  for its ``lock_timeout``, then names that process;
- a full disk: ``PRAGMA max_page_count`` on the connection given to ``migrate`` and to
  ``Plan.apply``, and a real small ``tmpfs`` (skipped where it cannot be mounted);
- read-only directories and files and permission denied, with the sqlkeel process run as an
  unprivileged user (root ignores permissions; skipped where no such process can start);
- a text file named ``app.db``, a truncated database, and migration files that are not UTF-8
  or cannot be read.

"Unchanged" is checked on the bytes of every file in the directory (and that no file
appeared), or on the schema, rows and header pragmas where SQLite may legitimately rewrite
a -wal file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
from migration_helpers import journal_names, run_cli, snapshot, write_files
from sqlkeel.sources.sqlfiles import schema_from_sql

SRC = Path(sqlkeel.__file__).resolve().parent.parent
NOBODY = 65534

INIT = {
    "0001_init.sql": (
        "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "INSERT INTO items(name) VALUES ('a'), ('b'), ('c');\n"
    )
}
BIG = {
    "0002_big.sql": (
        "CREATE TABLE big(id INTEGER PRIMARY KEY, v BLOB NOT NULL);\n"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)\n"
        "INSERT INTO big(id, v) SELECT x, randomblob(1000) FROM c;\n"
    )
}


def files_state(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def migrated(directory: Path, files: dict[str, str] = INIT) -> tuple[Path, Path]:
    migrations = write_files(directory / "migrations", files)
    db = directory / "app.db"
    sqlkeel.migrate(db, migrations)
    return db, migrations


# --------------------------------------------------------------------------------------------
# A lock held by another process

HOLDER = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def holder() -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def start(db: Path, seconds: float = 30.0) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        return process

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)


def test_migrate_waits_for_the_lock_then_names_the_process_and_changes_nothing(
    tmp_path: Path, holder: Any
) -> None:
    db, migrations = migrated(tmp_path)
    write_files(migrations, {"0002_more.sql": "CREATE TABLE more(x);\n"})
    process = holder(db)
    before = files_state(tmp_path)
    started = time.monotonic()
    with pytest.raises(sqlkeel.DatabaseLockedError) as refused:
        sqlkeel.migrate(db, migrations, lock_timeout=1.0)
    waited = time.monotonic() - started
    assert 1.0 <= waited < 10, waited
    message = str(refused.value)
    assert "stayed locked for 1 s; nothing was applied" in message
    assert f"Other processes that have it open: pid {process.pid} ({sys.executable} -c" in message
    assert process.pid in [pid for pid, _ in refused.value.processes]
    assert "lock_timeout" in message
    assert files_state(tmp_path) == before
    process.kill()
    process.wait(timeout=10)
    assert journal_names(db) == ["0001_init.sql"]


def test_connect_to_a_locked_rollback_journal_database_names_the_process(
    tmp_path: Path, holder: Any
) -> None:
    db = tmp_path / "legacy.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    process = holder(db)
    before = files_state(tmp_path)
    with pytest.raises(sqlkeel.DatabaseLockedError) as refused:
        sqlkeel.connect(db, busy_timeout_ms=300)  # switching to WAL needs the lock
    assert "within 300 ms" in str(refused.value)
    assert f"pid {process.pid}" in str(refused.value)
    assert files_state(tmp_path) == before


# --------------------------------------------------------------------------------------------
# A full disk


def test_a_full_database_fails_the_migration_clearly_and_applies_nothing(tmp_path: Path) -> None:
    db, migrations = migrated(tmp_path)
    write_files(migrations, BIG)
    before = snapshot(db)
    conn = sqlkeel.connect(db)
    try:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        with pytest.raises(sqlkeel.DiskFullError) as refused:
            sqlkeel.migrate(conn, migrations, backup=True)
        assert not conn.in_transaction
    finally:
        conn.close()
    message = str(refused.value)
    assert "database or disk is full" in message
    assert "while running 0002_big.sql:2" in message
    assert "nothing was applied" in message
    assert "max_page_count" in message
    assert snapshot(db) == before
    assert journal_names(db) == ["0001_init.sql"]
    assert_backup_intact(db, before)


def assert_backup_intact(db: Path, before: dict[str, Any]) -> None:
    """The snapshot taken before the failed migration holds exactly the state before it."""
    (taken,) = sqlkeel.list_backups(db)
    assert taken.label == "pre-0002"
    copy = snapshot(taken.path)
    # The backup API gives the copy a schema cookie of its own (the destination's + 1), so
    # that open connections to it reread its schema; everything else is the same.
    assert {**copy, "schema_version": None} == {**before, "schema_version": None}
    assert copy["integrity"] == [("ok",)]


def test_a_full_database_fails_plan_apply_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    conn = sqlkeel.connect(db)
    try:
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)")
        conn.executemany("INSERT INTO t(v) VALUES (?)", [(i,) for i in range(20000)])
        before = snapshot(db)
        plan = sqlkeel.plan(
            conn,
            schema_from_sql(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);\nCREATE INDEX t_v ON t(v);\n"
            ),
        )
        assert "INSERT INTO" in plan.sql()  # a rebuild: it copies every row
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 5}")
        with pytest.raises(sqlkeel.DiskFullError) as refused:
            plan.apply(conn)
        assert not conn.in_transaction
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        conn.close()
    assert "nothing was changed" in str(refused.value)
    assert "max_page_count" in str(refused.value)
    assert snapshot(db) == before


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MiB tmpfs, mounted for the test (root in a container that allows it), else skip."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        pytest.skip("mounting a small file system needs root on Linux")
    mount_point = Path(tempfile.mkdtemp(prefix="sqlkeel-full-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
        mount_point.rmdir()


def test_a_full_disk_fails_cli_migrate_clearly_and_applies_nothing(small_disk: Path) -> None:
    db, migrations = migrated(small_disk)
    big = dict(BIG)
    big["0002_big.sql"] = big["0002_big.sql"].replace("x < 2000", "x < 4000")  # 4 MB > 2 MiB
    write_files(migrations, big)
    before = snapshot(db)
    filler = small_disk / "filler"
    with filler.open("wb") as fh:  # leave about 200 kB free
        free = shutil.disk_usage(small_disk).free
        fh.write(b"\0" * max(0, free - 200_000))
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlkeel",
            "migrate",
            "-d",
            str(db),
            "--migrations",
            str(migrations),
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SQLKEEL_TEST_SQLITE"},
        timeout=60,
    )
    assert process.returncode == 1, (process.stdout, process.stderr)
    assert "Traceback" not in process.stderr
    assert process.stderr.startswith("sqlkeel: error:")
    assert "database or disk is full" in process.stderr
    assert "is full" in process.stderr and "free space there" in process.stderr
    assert "nothing was applied" in process.stderr
    filler.unlink()
    assert snapshot(db) == before
    assert journal_names(db) == ["0001_init.sql"]
    assert_backup_intact(db, before)  # the CLI's default pre-migration snapshot


# --------------------------------------------------------------------------------------------
# Permissions, as an unprivileged user


def _python_for(user: int | None) -> str | None:
    """A Python interpreter ``user`` can run (the test's may live under /root)."""
    candidates = [sys.executable, shutil.which("python3") or "", "/usr/bin/python3"]
    for candidate in dict.fromkeys(c for c in candidates if c):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sqlite3, sys; print(sys.version_info[:2] >= (3, 10))"],
                capture_output=True,
                text=True,
                **_as(user),
            )
        except OSError:  # not executable by that user (e.g. under /root)
            continue
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


def _as(user: int | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user, "group": user, "extra_groups": []}


class Unprivileged:
    """Runs ``python -m sqlkeel`` as a user whom file permissions apply to."""

    def __init__(self, root: Path, user: int | None, python: str) -> None:
        self.root = root
        self.user = user
        self.python = python

    def own(self, path: Path) -> None:
        """Give ``path`` to the unprivileged user (a no-op when we are that user)."""
        if self.user is not None:
            os.chown(path, self.user, self.user)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(SRC),
            "PYTHONDONTWRITEBYTECODE": "1",
            "HOME": str(self.root),
        }
        return subprocess.run(
            [self.python, "-m", "sqlkeel", *args],
            capture_output=True,
            text=True,
            cwd=self.root,
            env=env,
            timeout=60,
            **_as(self.user),
        )


@pytest.fixture
def unprivileged() -> Iterator[Unprivileged]:
    user = NOBODY if os.geteuid() == 0 else None
    python = _python_for(user)
    if python is None:
        pytest.skip("no Python interpreter the unprivileged user can run")
    root = Path(tempfile.mkdtemp(prefix="sqlkeel-perm-"))  # /tmp: reachable by that user
    root.chmod(0o755)
    try:
        yield Unprivileged(root, user, python)
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(root)


def _readable_project(u: Unprivileged, name: str) -> tuple[Path, Path]:
    """``name/`` with a migrated app.db and migrations, all readable by the user."""
    directory = u.root / name
    directory.mkdir()
    db, migrations = migrated(directory)
    write_files(migrations, {"0002_more.sql": "CREATE TABLE more(x);\n"})
    for path in [directory, migrations, *migrations.iterdir(), db]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return db, migrations


def test_the_unprivileged_process_is_really_unprivileged(unprivileged: Unprivileged) -> None:
    secret = unprivileged.root / "secret"
    secret.write_text("x")
    secret.chmod(0o600)
    done = subprocess.run(
        [unprivileged.python, "-c", f"open({str(secret)!r}).read()"],
        capture_output=True,
        text=True,
        **_as(unprivileged.user),
    )
    assert done.returncode != 0 and "PermissionError" in done.stderr


def test_a_read_only_directory_refuses_a_new_database_and_creates_nothing(
    unprivileged: Unprivileged,
) -> None:
    _db, migrations = _readable_project(unprivileged, "p")
    target = unprivileged.root / "ro"
    target.mkdir(mode=0o555)
    target.chmod(0o555)
    done = unprivileged.run(
        "migrate", "-d", str(target / "app.db"), "--migrations", str(migrations)
    )
    assert done.returncode == 1, done
    assert "the directory is not writable, so app.db cannot be created" in done.stderr
    assert list(target.iterdir()) == []


def test_a_database_in_a_read_only_directory_says_why_it_cannot_be_written(
    unprivileged: Unprivileged,
) -> None:
    db, migrations = _readable_project(unprivileged, "p")
    unprivileged.own(db)  # the file is writable; the directory is not
    db.parent.chmod(0o555)
    before = files_state(db.parent)
    done = unprivileged.run("migrate", "-d", str(db), "--migrations", str(migrations))
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    assert f"the directory {db.parent} is read-only for this user" in done.stderr
    assert "app.db-wal" in done.stderr and "make the directory writable" in done.stderr.lower()
    assert files_state(db.parent) == before


def test_a_read_only_database_file_says_so(unprivileged: Unprivileged) -> None:
    db, migrations = _readable_project(unprivileged, "p")
    unprivileged.own(db.parent)  # the directory is the user's; the file is root's, 0644
    before = files_state(db.parent)
    done = unprivileged.run("migrate", "-d", str(db), "--migrations", str(migrations))
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    assert "the file is read-only for this user" in done.stderr
    assert "chmod u+w" in done.stderr
    assert files_state(db.parent) == before


def test_a_database_the_user_cannot_read_is_permission_denied(unprivileged: Unprivileged) -> None:
    db, migrations = _readable_project(unprivileged, "p")
    db.chmod(0o600)
    before = files_state(db.parent)
    done = unprivileged.run("migrate", "-d", str(db), "--migrations", str(migrations))
    assert done.returncode == 1, done
    assert "permission denied: this user cannot read the database file" in done.stderr
    assert files_state(db.parent) == before


def test_a_migration_file_that_cannot_be_read_is_named(unprivileged: Unprivileged) -> None:
    db, migrations = _readable_project(unprivileged, "p")
    unprivileged.own(db.parent)
    unprivileged.own(db)
    (migrations / "0002_more.sql").chmod(0o600)
    before = files_state(db.parent)
    done = unprivileged.run("migrate", "-d", str(db), "--migrations", str(migrations))
    assert done.returncode == 1, done
    assert f"{migrations}/0002_more.sql: cannot be read: permission denied" in done.stderr
    assert files_state(db.parent) == before
    migrations.chmod(0o700)  # now the directory itself cannot be listed
    done = unprivileged.run("migrate", "-d", str(db), "--migrations", str(migrations))
    assert done.returncode == 1, done
    assert "the migrations directory cannot be listed: permission denied" in done.stderr
    assert files_state(db.parent) == before


# --------------------------------------------------------------------------------------------
# Files that are not what their name says


def test_a_text_file_named_app_db_is_refused_and_left_alone(tmp_path: Path) -> None:
    migrations = write_files(tmp_path / "migrations", INIT)
    db = tmp_path / "app.db"
    db.write_text("id,name\n1,alice\n")
    before = files_state(tmp_path)
    code, _out, err = run_cli(["migrate", "-d", str(db), "--migrations", str(migrations)])
    assert code == 1
    assert "not a SQLite database" in err and "check the path" in err
    assert files_state(tmp_path) == before
    with pytest.raises(sqlkeel.NotADatabaseError):
        sqlkeel.migrate(db, migrations)
    assert files_state(tmp_path) == before


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_truncated_database_is_refused_before_anything_writes(
    tmp_path: Path, journal_mode: str
) -> None:
    whole = tmp_path / "whole.db"
    conn = sqlite3.connect(whole)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE t(x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(200)])
    conn.commit()
    conn.close()
    project = tmp_path / "project"
    migrations = write_files(project / "migrations", INIT)
    db = project / "app.db"
    db.write_bytes(whole.read_bytes()[: 2 * 4096])
    before = files_state(project)
    code, _out, err = run_cli(["migrate", "-d", str(db), "--migrations", str(migrations)])
    assert code == 1
    assert "the database file is damaged: it was truncated" in err
    assert "Restore it from a backup" in err
    assert files_state(project) == before
    with pytest.raises(sqlkeel.CorruptDatabaseError):
        sqlkeel.connect(db)
    assert files_state(project) == before


def test_a_damaged_schema_page_is_a_clear_error(tmp_path: Path) -> None:
    db, migrations = migrated(tmp_path)
    write_files(migrations, {"0002_more.sql": "CREATE TABLE more(x);\n"})
    with db.open("r+b") as fh:  # page 1 holds sqlite_schema: scribble over its cells
        fh.seek(4096 - 600)
        fh.write(b"\xa5" * 600)
    before = files_state(tmp_path)
    code, _out, err = run_cli(["migrate", "-d", str(db), "--migrations", str(migrations)])
    assert code == 1, err
    assert "Traceback" not in err
    assert "the database file is damaged (database disk image is malformed)" in err
    assert "sqlkeel doctor" in err
    assert files_state(tmp_path) == before


def test_a_migration_that_is_not_utf8_names_the_file_and_the_byte(tmp_path: Path) -> None:
    db, migrations = migrated(tmp_path)
    data = "CREATE TABLE café(x);\n".encode("latin-1")
    (migrations / "0002_latin1.sql").write_bytes(data)
    before = snapshot(db)
    code, _out, err = run_cli(["migrate", "-d", str(db), "--migrations", str(migrations)])
    assert code == 1
    offset = data.index("é".encode("latin-1"))
    assert f"0002_latin1.sql: not UTF-8 text (invalid continuation byte at byte {offset})" in err
    assert "save it as UTF-8" in err
    assert snapshot(db) == before
    assert journal_names(db) == ["0001_init.sql"]
