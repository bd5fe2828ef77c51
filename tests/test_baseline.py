"""Adoption: ``baseline`` records the migrations an unmanaged database already has.

A database made before sqlkeel (by running the same SQL by hand, or by a legacy scheme keyed on
``PRAGMA user_version``) has the tables but no journal. ``baseline`` must find the migration
whose replayed schema equals the live one — for every point of a 20-migration history —
record exactly the migrations up to it, with their checksums, and leave the rest for
``migrate``, which must then converge on the full history. When nothing matches it writes
nothing and names the closest migration and the differences.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
from sqlkeel.catalog.reader import read_database
from sqlkeel.cli.main import main
from sqlkeel.store.files import MigrationSource, checksum
from sqlkeel.store.replay import replay, replay_steps
from sqlkeel.workflow import BaselineResult, baseline

# The history: (slug, SQL). 0005, 0012 and 0013 change rows only; 0011 renames a table,
# 0015 a column; 0017 rebuilds a table by hand (SQLite's 12 steps, as a migration may).
HISTORY: list[tuple[str, str]] = [
    ("users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"),
    (
        "posts",
        "CREATE TABLE posts (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
        "  title TEXT NOT NULL\n"
        ");",
    ),
    ("users_name", "ALTER TABLE users ADD COLUMN name TEXT;"),
    ("posts_user_index", "CREATE INDEX posts_user ON posts(user_id);"),
    ("seed_admin", "INSERT INTO users(email, name) VALUES ('admin@example.org', 'admin');"),
    ("posts_body", "ALTER TABLE posts ADD COLUMN body TEXT NOT NULL DEFAULT '';"),
    ("tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);"),
    (
        "post_titles_view",
        "CREATE VIEW post_titles AS\n"
        "  SELECT p.id, p.title, u.email FROM posts p JOIN users u ON u.id = p.user_id;",
    ),
    ("posts_fts", "CREATE VIRTUAL TABLE posts_fts USING fts5(title, body);"),
    (
        "posts_fts_trigger",
        "CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN\n"
        "  INSERT INTO posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body);\n"
        "END;",
    ),
    ("rename_tags", "ALTER TABLE tags RENAME TO labels;"),
    ("rename_admin", "UPDATE users SET name = 'root' WHERE name = 'admin';"),
    ("seed_labels", "INSERT INTO labels(label) VALUES ('news'), ('release');"),
    (
        "post_labels",
        "CREATE TABLE post_labels (\n"
        "  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,\n"
        "  label_id INTEGER NOT NULL REFERENCES labels(id),\n"
        "  PRIMARY KEY (post_id, label_id)\n"
        ") WITHOUT ROWID;",
    ),
    ("users_display_name", "ALTER TABLE users RENAME COLUMN name TO display_name;"),
    ("labels_unique", "CREATE UNIQUE INDEX labels_label ON labels(label);"),
    (
        "labels_color_rebuild",
        "-- sqlkeel: foreign-keys-off\n"
        "CREATE TABLE new_labels (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  label TEXT NOT NULL,\n"
        "  color TEXT NOT NULL DEFAULT 'grey' CHECK (length(color) > 0)\n"
        ");\n"
        "INSERT INTO new_labels(id, label) SELECT id, label FROM labels;\n"
        "DROP TABLE labels;\n"
        "ALTER TABLE new_labels RENAME TO labels;\n"
        "CREATE UNIQUE INDEX labels_label ON labels(label);",
    ),
    (
        "audit",
        "CREATE TABLE audit (\n"
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "  at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
        "  what TEXT\n"
        ") STRICT;",
    ),
    (
        "posts_published",
        "ALTER TABLE posts ADD COLUMN published_at TEXT;\n"
        "CREATE INDEX posts_published ON posts(published_at) WHERE published_at IS NOT NULL;",
    ),
    (
        "post_titles_display_name",
        "DROP VIEW post_titles;\n"
        "CREATE VIEW post_titles AS\n"
        "  SELECT p.id, p.title, u.email, u.display_name\n"
        "  FROM posts p JOIN users u ON u.id = p.user_id;",
    ),
]
NAMES = [f"{i:04d}_{slug}.sql" for i, (slug, _) in enumerate(HISTORY, start=1)]
# Schemas that several prefixes share (the later ones change rows only).
SAME_SCHEMA = [(4, 5), (11, 12, 13)]


def group_of(k: int) -> tuple[int, ...]:
    return next((g for g in SAME_SCHEMA if k in g), (k,))


def write_history(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, (slug, sql) in zip(NAMES, HISTORY, strict=True):
        (directory / name).write_text(f"-- {slug}\n{sql}\n", encoding="utf-8")
    return directory


def build_by_hand(db: Path, migrations: Path, upto: int) -> None:
    """The database as a pre-sqlkeel deploy made it: the files' SQL, run with plain sqlite3."""
    conn = sqlite3.connect(db)
    try:
        for name in NAMES[:upto]:
            conn.executescript((migrations / name).read_text(encoding="utf-8"))
        conn.commit()
    finally:
        conn.close()


def journal(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT name, checksum FROM _sqlkeel_migrations ORDER BY id"))
    finally:
        conn.close()


def sqlkeel_tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_schema WHERE name LIKE '\\_sqlkeel%' ESCAPE '\\'"
            )
        ]
    finally:
        conn.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_journal(migrations: Path, upto: int) -> list[tuple[str, str]]:
    return [(n, checksum((migrations / n).read_text(encoding="utf-8"))) for n in NAMES[:upto]]


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


@pytest.fixture
def sk(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 20 migration files (read-only for every test)."""
    return write_history(tmp_path_factory.mktemp("history") / "migrations")


@pytest.fixture
def config(tmp_path: Path, history: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    path = tmp_path / "sqlkeel.toml"
    path.write_text(
        f'[tool.sqlkeel]\nmigrations = "{history.as_posix()}"\ndatabase = "app.db"\n',
        encoding="utf-8",
    )
    return path


def test_the_history_has_the_shape_the_tests_assume(history: Path) -> None:
    """Guard: the prefixes' schemas are all different except the data-only groups."""
    schemas = list(replay_steps(MigrationSource.resolve(history).read_all()))
    assert len(schemas) == 20
    for i in range(20):
        for j in range(i + 1, 20):
            same = any(i + 1 in g and j + 1 in g for g in SAME_SCHEMA)
            assert (schemas[i] == schemas[j]) == same, (NAMES[i], NAMES[j])


# --- (a) every point of the history ---------------------------------------------------------


@pytest.mark.parametrize("k", range(1, 21))
def test_baseline_adopts_a_hand_built_database_at_every_point(
    tmp_path: Path, history: Path, k: int
) -> None:
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, k)
    assert sqlkeel_tables(db) == []

    result = baseline(migrations=history, database=db)

    group = group_of(k)
    last = max(group)
    assert isinstance(result, BaselineResult)
    assert result.ok
    assert result.matched == NAMES[last - 1]
    assert result.recorded == tuple(NAMES[:last])
    assert result.also_matching == tuple(NAMES[i - 1] for i in group if i != last)
    assert result.closest is None and result.differences == ()
    assert result.via_user_version is None
    assert journal(db) == expected_journal(history, last)
    assert sqlkeel.drift(migrations=history, database=db).ok

    applied = sqlkeel.migrate(db, history)
    assert applied.names == tuple(NAMES[last:])
    assert applied.already_applied == last
    assert journal(db) == expected_journal(history, 20)
    assert read_database(db) == replay(MigrationSource.resolve(history).read_all())
    assert sqlkeel.drift(migrations=history, database=db).ok


def test_baseline_json_and_text_output(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "a.db"
    build_by_hand(db, history, 11)
    run = sk("baseline", "-d", str(db), "--config", str(config), "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.json() == {
        "version": 1,
        "ok": True,
        "database": str(db),
        "matched": NAMES[12],
        "recorded": NAMES[:13],
        "also_matching": [NAMES[10], NAMES[11]],
        "closest": None,
        "via_user_version": None,
        "differences": [],
    }
    db2 = tmp_path / "b.db"
    build_by_hand(db2, history, 11)
    run = sk("baseline", "-d", str(db2), "--config", str(config))
    assert run.code == 0
    assert run.out.splitlines()[0] == f"adopted: the database equals {NAMES[12]}"
    assert run.out.splitlines()[1] == "recorded as applied: " + ", ".join(NAMES[:13])
    assert f"the schema also equals the one after {NAMES[10]}, {NAMES[11]}" in run.out
    assert "--to N" in run.out


def test_baseline_makes_the_database_start_on_the_fast_path(tmp_path: Path, history: Path) -> None:
    """What baseline verified is recorded, so the application's first open does not replay."""
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, 20)
    assert baseline(migrations=history, database=db).matched == NAMES[19]
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute(
            "SELECT value FROM _sqlkeel_state WHERE key = 'verified_schema_version'"
        ).fetchone()
        assert stored is not None
        assert int(stored[0]) == conn.execute("PRAGMA schema_version").fetchone()[0]
    finally:
        conn.close()
    sqlkeel.open_database(db, history).close()


def test_baseline_is_part_of_the_public_api() -> None:
    """Like check, drift and status, the adoption call is importable from ``sqlkeel``."""
    assert getattr(sqlkeel, "baseline", None) is baseline


# --- (b) no match ------------------------------------------------------------------------------


def extra_column_db(tmp_path: Path, history: Path) -> Path:
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, 8)
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE users ADD COLUMN nickname TEXT")
    conn.close()
    return db


EXTRA = (
    "column users.nickname exists in the database but in no migration — added outside migrations?"
)


def test_baseline_refuses_a_database_with_an_extra_column(tmp_path: Path, history: Path) -> None:
    db = extra_column_db(tmp_path, history)
    before = file_hash(db)
    result = baseline(migrations=history, database=db)
    assert not result.ok
    assert result.matched is None and result.recorded == () and result.also_matching == ()
    assert result.closest == NAMES[7]
    assert [(d.kind, d.name, d.message) for d in result.differences] == [
        ("column", "users.nickname", EXTRA)
    ]
    assert sqlkeel_tables(db) == [], "a refused baseline wrote to the database"
    assert file_hash(db) == before


def test_cli_baseline_refuses_a_database_with_an_extra_column(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = extra_column_db(tmp_path, history)
    before = file_hash(db)
    run = sk("baseline", "-d", str(db), "--config", str(config))
    assert run.code == 3, run.out + run.err
    assert run.out == (
        "no migration matches the database's schema; nothing was recorded\n"
        f"closest: {NAMES[7]}, which differs in:\n"
        f"  - {EXTRA}\n"
    )
    run = sk("baseline", "-d", str(db), "--config", str(config), "--format", "json")
    assert run.code == 3
    assert run.json() == {
        "version": 1,
        "ok": False,
        "database": str(db),
        "matched": None,
        "recorded": [],
        "also_matching": [],
        "closest": NAMES[7],
        "via_user_version": None,
        "differences": [{"kind": "column", "name": "users.nickname", "message": EXTRA}],
    }
    assert sqlkeel_tables(db) == []
    assert file_hash(db) == before


# --- (c) --to N -----------------------------------------------------------------------------------


def test_baseline_to_verifies_the_named_migration(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, 8)
    before = file_hash(db)
    wrong = baseline(migrations=history, database=db, to=7)
    assert not wrong.ok and wrong.closest == NAMES[6]
    assert [(d.kind, d.name, d.message) for d in wrong.differences] == [
        (
            "view",
            "post_titles",
            "view post_titles exists in the database but in no migration — created outside "
            "migrations?",
        )
    ]
    assert file_hash(db) == before and sqlkeel_tables(db) == []
    run = sk("baseline", "-d", str(db), "--config", str(config), "--to", "9")
    assert run.code == 3
    assert f"closest: {NAMES[8]}, which differs in:" in run.out
    assert "virtual table posts_fts is missing from the database" in run.out
    assert file_hash(db) == before and sqlkeel_tables(db) == []

    run = sk("baseline", "-d", str(db), "--config", str(config), "--to", "8")
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines()[0] == f"adopted: the database equals {NAMES[7]}"
    assert journal(db) == expected_journal(history, 8)


def test_baseline_to_picks_the_first_of_identical_schemas(tmp_path: Path, history: Path) -> None:
    """At 0004 the data migration 0005 has not run: --to 4 records it as pending."""
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, 4)
    result = baseline(migrations=history, database=db, to=4)
    assert result.ok and result.matched == NAMES[3]
    assert result.recorded == tuple(NAMES[:4]) and result.also_matching == ()
    assert journal(db) == expected_journal(history, 4)
    assert sqlkeel.migrate(db, history).names[0] == NAMES[4]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT email, display_name FROM users").fetchall() == [
            ("admin@example.org", "root")
        ]
    finally:
        conn.close()


def test_baseline_to_a_migration_that_does_not_exist(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "legacy.db"
    build_by_hand(db, history, 8)
    before = file_hash(db)
    run = sk("baseline", "-d", str(db), "--config", str(config), "--to", "99")
    assert run.code != 0
    assert "99" in run.out + run.err, "the output does not say that there is no migration 99"
    assert file_hash(db) == before and sqlkeel_tables(db) == []


# --- (d) legacy PRAGMA user_version ---------------------------------------------------------------


def user_version_project(tmp_path: Path, history: Path, version: int) -> tuple[Path, Path]:
    db = tmp_path / "app.db"
    build_by_hand(db, history, 1)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    config = tmp_path / "sqlkeel.toml"
    config.write_text(
        "[tool.sqlkeel]\n"
        f'migrations = "{history.as_posix()}"\n'
        'database = "app.db"\n'
        "\n[tool.sqlkeel.baseline]\n"
        'user_version = { 9 = "0001" }\n',
        encoding="utf-8",
    )
    return db, config


def test_baseline_through_the_user_version_map(
    tmp_path: Path,
    history: Path,
    sk: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    db, _ = user_version_project(tmp_path, history, 9)
    monkeypatch.chdir(tmp_path)  # the config is found from the working directory
    run = sk("baseline", "-d", "app.db")
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines()[0] == (
        f"adopted: the database equals {NAMES[0]} (PRAGMA user_version 9)"
    )
    assert journal(db) == expected_journal(history, 1)
    assert sqlkeel.migrate(db, history).names == tuple(NAMES[1:])
    assert sqlkeel.drift(migrations=history, database=db).ok


def test_baseline_user_version_map_json(
    tmp_path: Path, history: Path, sk: Callable[..., Run]
) -> None:
    db, config = user_version_project(tmp_path, history, 9)
    run = sk("baseline", "-d", str(db), "--config", str(config), "--format", "json")
    assert run.code == 0
    data = run.json()
    assert data["via_user_version"] == 9
    assert data["matched"] == NAMES[0] and data["recorded"] == [NAMES[0]]


def test_baseline_at_an_unmapped_user_version_is_an_error(
    tmp_path: Path, history: Path, sk: Callable[..., Run]
) -> None:
    db, config = user_version_project(tmp_path, history, 3)
    before = file_hash(db)
    run = sk("baseline", "-d", str(db), "--config", str(config))
    assert run.code == 1, run.out + run.err
    assert "PRAGMA user_version is 3" in run.err
    assert "(9)" in run.err and "does not name" in run.err
    assert file_hash(db) == before and sqlkeel_tables(db) == []
    with pytest.raises(sqlkeel.ConfigError, match="user_version is 3"):
        baseline(migrations=history, database=db, user_versions={9: "0001"})


def test_baseline_user_version_mapped_to_a_missing_migration(tmp_path: Path, history: Path) -> None:
    db, _ = user_version_project(tmp_path, history, 9)
    with pytest.raises(sqlkeel.ConfigError, match="'0042', which does not exist"):
        baseline(migrations=history, database=db, user_versions={9: "0042"})
    assert sqlkeel_tables(db) == []


def test_baseline_user_version_map_whose_schema_differs(tmp_path: Path, history: Path) -> None:
    """The map picks the migration; the schema must still equal it."""
    db, _ = user_version_project(tmp_path, history, 9)
    result = baseline(migrations=history, database=db, user_versions={9: "0002"})
    assert not result.ok and result.via_user_version == 9
    assert result.closest == NAMES[1]
    assert [d.message for d in result.differences] == [
        "table posts is missing from the database — dropped outside migrations?"
    ]
    assert sqlkeel_tables(db) == []


# --- (e) databases that cannot be adopted -----------------------------------------------------------


def test_baseline_refuses_a_managed_database(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "managed.db"
    sqlkeel.migrate(db, history, to=3)
    before = journal(db)
    with pytest.raises(sqlkeel.MigrationFileError, match="already managed by sqlkeel"):
        baseline(migrations=history, database=db)
    run = sk("baseline", "-d", str(db), "--config", str(config))
    assert run.code == 1
    assert "already managed by sqlkeel" in run.err
    assert journal(db) == before


def test_baseline_refuses_an_empty_database(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    for path in (db, tmp_path / "zero.db"):
        if not path.exists():
            path.write_bytes(b"")
        with pytest.raises(sqlkeel.MigrationFileError, match="has no tables to adopt"):
            baseline(migrations=history, database=path)
        run = sk("baseline", "-d", str(path), "--config", str(config))
        assert run.code == 1
        assert "has no tables to adopt" in run.err and "sqlkeel migrate" in run.err
        assert sqlkeel_tables(path) == []


def test_baseline_of_a_missing_file_is_an_error_and_creates_nothing(
    tmp_path: Path, history: Path, config: Path, sk: Callable[..., Run]
) -> None:
    db = tmp_path / "nowhere.db"
    run = sk("baseline", "-d", str(db), "--config", str(config))
    assert run.code == 1
    assert "no such database" in run.err
    assert not db.exists()
