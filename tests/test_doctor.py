"""``sqlkeel doctor`` on real database files: healthy, orphaned, drifted, pending, damaged.

Each test builds a real file, damages it the way it happens (a connection without foreign-key
enforcement, a change outside migrations, a merged file, overwritten or cut-off pages) and
checks what the doctor names, its exit code, and that it changed nothing — or, with
``--fix``, exactly the safe things it says it did.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import sqlkeel
from migration_helpers import run_cli, write_files
from sqlkeel.cli.main import cli

FILES = {
    "0001_init.sql": (
        "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "CREATE TABLE child(id INTEGER PRIMARY KEY,"
        " parent_id INTEGER NOT NULL REFERENCES parent(id), v TEXT);\n"
        "CREATE INDEX child_parent ON child(parent_id);\n"
    ),
    "0002_rows.sql": (
        "INSERT INTO parent(id, name) VALUES (1, 'a'), (2, 'b');\n"
        "INSERT INTO child(id, parent_id, v) VALUES (10, 1, 'x'), (11, 2, 'y');\n"
    ),
}


def files_state(directory: Path) -> dict[str, str]:
    """Every file in the directory and a hash of its bytes: what "changed nothing" means."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A migrated database (closed, so no -wal file) and its migrations; cwd has no config."""
    monkeypatch.chdir(tmp_path)
    migrations = write_files(tmp_path / "migrations", FILES)
    db = tmp_path / "app.db"
    sqlkeel.migrate(db, migrations)
    return db, migrations


def doctor_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_healthy_database_exits_0_and_nothing_changes(project: tuple[Path, Path]) -> None:
    db, migrations = project
    before = files_state(db.parent)
    report = sqlkeel.doctor(db, migrations)
    assert report.ok and report.problems == ()
    assert report.integrity == () and report.foreign_key_violations == ()
    assert [(r.name, r.state) for r in report.states or ()] == [
        ("0001_init.sql", "applied"),
        ("0002_rows.sql", "applied"),
    ]
    assert report.drift == ()
    assert report.pragmas["journal_mode"].value == "wal"
    assert report.pragmas["foreign_keys"].scope == "connection"
    assert "sqlkeel.connect() and open_database() turn it on" in report.pragmas["foreign_keys"].note
    assert report.sizes is not None and report.sizes.file_bytes == db.stat().st_size
    assert report.sizes.wal_bytes == 0 and report.fixes == ()

    code, out = doctor_cli("-d", str(db), "--migrations", str(migrations))
    assert code == 0, out
    assert "integrity_check: ok" in out and "foreign_key_check: ok" in out
    assert "migrations: 2 applied" in out and "drift: none" in out
    assert "healthy: no problems found" in out
    assert files_state(db.parent) == before, "the doctor wrote to the database or left files"


def test_a_rollback_journal_database_is_read_without_a_trace(tmp_path: Path) -> None:
    db = tmp_path / "legacy.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = files_state(tmp_path)
    report = sqlkeel.doctor(db)
    assert report.ok
    assert report.pragmas["journal_mode"].value == "delete"
    assert any("not wal" in n and "sqlkeel.connect() switches" in n for n in report.notes)
    assert any("migrations were not checked" in n for n in report.notes)
    assert files_state(tmp_path) == before


def test_orphan_rows_are_listed_with_table_rowid_and_parent(project: tuple[Path, Path]) -> None:
    db, migrations = project
    raw = sqlite3.connect(db)  # foreign keys are off on a plain connection: the orphan gets in
    raw.execute("INSERT INTO child(id, parent_id, v) VALUES (12, 99, 'orphan')")
    raw.commit()
    raw.close()
    before = files_state(db.parent)
    report = sqlkeel.doctor(db, migrations)
    assert not report.ok
    assert report.foreign_key_violations == (("child", 12, "parent"),)
    (problem,) = report.problems
    assert problem.kind == "foreign_key" and problem.names == ("child",)
    assert "child rowid 12 → missing row in parent" in problem.message

    code, out = doctor_cli("-d", str(db), "--migrations", str(migrations))
    assert code == 3
    assert "foreign_key_check: 1 rows without a parent" in out
    assert "child rowid 12" in out
    assert files_state(db.parent) == before


def test_drift_and_pending_migrations_are_problems(project: tuple[Path, Path]) -> None:
    db, migrations = project
    raw = sqlite3.connect(db)
    raw.execute("ALTER TABLE parent ADD COLUMN nickname TEXT")  # outside the migrations
    raw.close()
    write_files(migrations, {"0003_tags.sql": "CREATE TABLE tags(id INTEGER PRIMARY KEY);\n"})
    report = sqlkeel.doctor(db, migrations)
    kinds = {p.kind: p for p in report.problems}
    assert set(kinds) == {"drift", "pending"}
    assert kinds["pending"].names == ("0003_tags.sql",)
    assert "sqlkeel migrate" in kinds["pending"].message
    assert "parent.nickname" in kinds["drift"].message
    assert report.drift is not None and [i.name for i in report.drift] == ["parent.nickname"]

    code, out = doctor_cli("-d", str(db), "--migrations", str(migrations), "--format", "json")
    assert code == 3
    payload = json.loads(out)
    assert payload["version"] == 1 and payload["ok"] is False
    assert sorted(p["kind"] for p in payload["problems"]) == ["drift", "pending"]
    assert {r["name"]: r["state"] for r in payload["migrations"]["rows"]} == {
        "0001_init.sql": "applied",
        "0002_rows.sql": "applied",
        "0003_tags.sql": "pending",
    }
    assert payload["drift"][0]["name"] == "parent.nickname"
    assert payload["pragmas"]["foreign_keys"]["scope"] == "connection"
    assert payload["sizes"]["page_size"] == 4096
    assert set(payload) >= {
        "database",
        "notes",
        "integrity",
        "foreign_key_violations",
        "processes",
        "fixes",
        "sizes_after_fix",
    }


def test_an_edited_applied_migration_is_named_and_drift_is_not_judged(
    project: tuple[Path, Path],
) -> None:
    db, migrations = project
    path = migrations / "0002_rows.sql"
    path.write_text(path.read_text() + "-- edited\n")
    report = sqlkeel.doctor(db, migrations)
    assert [(p.kind, p.names) for p in report.problems] == [("edited", ("0002_rows.sql",))]
    assert report.drift is None
    assert any("drift was not judged" in n for n in report.notes)


def _damaged(tmp_path: Path) -> tuple[Path, int]:
    """A database (rollback journal, so every page is in the file) with table t's root page
    overwritten: cells point outside their page."""
    db = tmp_path / "damaged.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(f"v{i:05d}" * 20,) for i in range(2000)])
    conn.commit()
    root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with db.open("r+b") as fh:
        fh.seek((root - 1) * page_size + 20)
        fh.write(b"\xff" * 200)
    return db, root


def test_a_damaged_page_is_named_exit_3_and_fix_writes_nothing(tmp_path: Path) -> None:
    db, root = _damaged(tmp_path)
    before = files_state(tmp_path)
    report = sqlkeel.doctor(db)
    (problem,) = report.problems
    assert problem.kind == "integrity" and problem.names == ("t",)
    assert f"page {root}" in problem.message and "restore it from a backup" in problem.message
    assert any(f"page {root}" in line for line in report.integrity)

    code, out = doctor_cli("-d", str(db), "--fix", "--vacuum")
    assert code == 3
    assert "integrity_check:" in out and "errors" in out and " in t:" in out
    assert "nothing was written to it" in out
    assert files_state(tmp_path) == before


def test_a_truncated_database_is_reported_as_damaged(tmp_path: Path) -> None:
    whole = tmp_path / "whole.db"
    conn = sqlite3.connect(whole)
    conn.execute("CREATE TABLE t(x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(200)])
    conn.commit()
    conn.close()
    cut = tmp_path / "cut" / "app.db"
    cut.parent.mkdir()
    cut.write_bytes(whole.read_bytes()[: 3 * 4096])  # a copy that stopped early
    before = files_state(cut.parent)
    report = sqlkeel.doctor(cut)
    assert [p.kind for p in report.problems] == ["corrupt"]
    assert "damaged" in report.problems[0].message
    assert "it was truncated" in report.problems[0].message
    assert f"{3 * 4096}" in report.problems[0].message  # the bytes that are left
    code, out = doctor_cli("-d", str(cut))
    assert code == 3 and "corrupt:" in out
    assert files_state(cut.parent) == before


def test_files_that_cannot_be_examined_are_errors(tmp_path: Path) -> None:
    text = tmp_path / "app.db"
    text.write_text("id,name\n1,a\n")
    code, out, err = run_cli(["doctor", "-d", str(text)])
    assert code == 1 and "not a SQLite database" in err
    code, out, err = run_cli(["doctor", "-d", str(tmp_path / "none.db"), "--format", "json"])
    assert code == 1
    assert json.loads(out)["error"]["message"].endswith(
        "no such database file (nothing was created)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    code, out, err = run_cli(["doctor", "-d", str(text), "--vacuum"])
    assert code == 2 and "--vacuum" in err


def test_fix_checkpoints_the_wal_and_analyzes(project: tuple[Path, Path]) -> None:
    db, migrations = project
    writer = sqlkeel.connect(db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # the WAL keeps every page written
        writer.executemany(
            "INSERT INTO parent(id, name) VALUES (?, ?)", [(i, "n" * 100) for i in range(3, 2003)]
        )
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 100_000

        looked = sqlkeel.doctor(db, migrations)  # without --fix: the WAL is left alone
        assert looked.ok and looked.fixes == ()
        assert looked.sizes is not None and looked.sizes.wal_bytes == wal.stat().st_size

        code, out = doctor_cli("-d", str(db), "--migrations", str(migrations), "--fix")
        assert code == 0, out
        assert "WAL checkpoint (TRUNCATE): moved the -wal file's pages into the database" in out
        assert "VACUUM: not run" in out
        assert wal.stat().st_size == 0
        assert writer.execute("SELECT count(*) FROM parent").fetchone()[0] == 2002
        assert (
            writer.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'child'").fetchone()[0]
            >= 1
        ), "ANALYZE did not run"
    finally:
        writer.close()
    assert sqlkeel.doctor(db, migrations).ok  # sqlite_stat1 is not drift


def test_vacuum_gives_free_pages_back_only_when_asked(project: tuple[Path, Path]) -> None:
    db, migrations = project
    conn = sqlkeel.connect(db)
    conn.executemany(
        "INSERT INTO parent(id, name) VALUES (?, ?)", [(i, "n" * 900) for i in range(3, 3003)]
    )
    conn.execute("DELETE FROM parent WHERE id > 2")
    conn.close()
    report = sqlkeel.doctor(db, migrations)
    assert report.sizes is not None and report.sizes.freelist_count > 500
    assert report.sizes.free_bytes == report.sizes.freelist_count * report.sizes.page_size
    assert any("--fix --vacuum" in n for n in report.notes)
    size = db.stat().st_size

    fixed = sqlkeel.doctor(db, migrations, fix=True)
    assert [f.action for f in fixed.fixes][:2] == ["PRAGMA optimize", "ANALYZE"]
    assert fixed.sizes_after_fix is not None
    # ANALYZE takes a page or two for sqlite_stat1; the rest stay free, the file keeps its size
    assert fixed.sizes_after_fix.freelist_count >= report.sizes.freelist_count - 2
    assert db.stat().st_size == size

    vacuumed = sqlkeel.doctor(db, migrations, fix=True, vacuum=True)
    assert (
        vacuumed.fixes[-1].action == "VACUUM"
        and "free pages given back" in vacuumed.fixes[-1].detail
    )
    assert vacuumed.sizes_after_fix is not None and vacuumed.sizes_after_fix.freelist_count == 0
    assert db.stat().st_size < size / 5
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT id, name FROM parent ORDER BY id").fetchall() == [
            (1, "a"),
            (2, "b"),
        ]
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_the_config_supplies_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sqlkeel.toml").write_text('database = "app.db"\nmigrations = "migrations"\n')
    migrations = write_files(tmp_path / "migrations", FILES)
    sqlkeel.migrate(tmp_path / "app.db", migrations)
    shutil.copy(migrations / "0002_rows.sql", migrations / "0003_again.sql")
    code, out = doctor_cli()
    assert code == 3
    assert "pending: 0003_again.sql" in out
    os.remove(migrations / "0003_again.sql")
    assert doctor_cli()[0] == 0
