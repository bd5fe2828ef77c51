"""Drift: every way a database's schema can leave its migrations, named in the user's terms.

Each test builds a database with ``sqlkeel.migrate`` and then changes it the way people do
outside the tool: with a plain ``sqlite3`` connection. The report must name the object and
say what probably happened, exactly; ``sqlkeel drift`` exits 3 with the same lines (or the
same JSON items). Then what drift means for the runner: ``migrate`` refuses to apply on top
of drift unless told to warn or ignore, and ``open_database``'s three modes, with the fast
path that skips the replay while the schema is the one last verified.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
import sqlkeel.runner.drift
import sqlkeel.runner.migrate
import sqlkeel.store.replay
from sqlkeel.catalog.reader import read_database
from sqlkeel.cli.main import main
from sqlkeel.store.replay import replay

BASE = """\
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE search_log (
  id INTEGER PRIMARY KEY,
  query TEXT NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  lang TEXT COLLATE NOCASE,
  project_id INTEGER REFERENCES projects(id)
);
CREATE INDEX search_log_query ON search_log(query);
CREATE VIEW recent_searches AS SELECT id, query FROM search_log ORDER BY id DESC LIMIT 10;
CREATE TRIGGER search_log_touch AFTER INSERT ON search_log BEGIN
  UPDATE projects SET name = name WHERE id = new.project_id;
END;
CREATE VIRTUAL TABLE docs USING fts5(title, body);
"""

ROWS = """\
INSERT INTO projects(id, name) VALUES (1, 'alpha'), (2, 'beta');
INSERT INTO search_log(query, hits, lang, project_id) VALUES
  ('sqlite drift', 3, 'en', 1), ('wal mode', 0, 'en', 2), ('fts5', 7, NULL, 1);
INSERT INTO docs(title, body) VALUES ('intro', 'hello world'), ('wal', 'write ahead log');
"""

ADDED = "exists in the database but in no migration — added outside migrations?"
CREATED = "exists in the database but in no migration — created outside migrations?"
DROPPED = "is missing from the database — dropped outside migrations?"


@dataclass
class Project:
    root: Path
    migrations: Path
    db: Path
    config: Path

    def write(self, name: str, sql: str) -> None:
        (self.migrations / name).write_text(sql, encoding="utf-8")

    def drift(self) -> Any:
        return sqlkeel.drift(migrations=self.migrations, database=self.db)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def make_project(root: Path, first: str = BASE, *, rows: str = ROWS) -> Project:
    """A project whose single migration is ``first``, with a database migrated by sqlkeel."""
    migrations = root / "migrations"
    migrations.mkdir(parents=True)
    config = root / "sqlkeel.toml"
    config.write_text(
        '[tool.sqlkeel]\nschema = "schema"\nmigrations = "migrations"\ndatabase = "app.db"\n',
        encoding="utf-8",
    )
    project = Project(root, migrations, root / "app.db", config)
    project.write("0001_init.sql", first)
    result = sqlkeel.migrate(project.db, migrations)
    assert result.names == ("0001_init.sql",)
    if rows:
        outside(project.db, rows)
    assert project.drift().ok, project.drift().differences
    return project


def outside(db: Path, script: str) -> None:
    """Change the database the way people do without sqlkeel: a plain sqlite3 connection."""
    conn = sqlite3.connect(db)
    try:
        conn.executescript(script)
        conn.commit()
    finally:
        conn.close()


def rebuild(db: Path, table: str, create: str) -> None:
    """Replace ``table`` by ``create`` (same name) with SQLite's rebuild procedure, by hand.

    The rows are copied by column name; indexes and triggers of the table are recreated.
    """
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA legacy_alter_table = ON")  # leave views and triggers alone
        dependents = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') "
                "AND sql IS NOT NULL",
                (table,),
            )
        ]
        old_cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        conn.execute("BEGIN")
        conn.execute(create.replace(f"CREATE TABLE {table} ", "CREATE TABLE rebuild_tmp ", 1))
        new_cols = [r[1] for r in conn.execute("PRAGMA table_info(rebuild_tmp)")]
        cols = ", ".join(c for c in new_cols if c in old_cols)
        conn.execute(f"INSERT INTO rebuild_tmp ({cols}) SELECT {cols} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE rebuild_tmp RENAME TO {table}")
        for sql in dependents:
            conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        conn.close()


def journal(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT name, checksum FROM _sqlkeel_migrations ORDER BY id"))
    finally:
        conn.close()


def table_names(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        conn.close()


def items(project: Project) -> list[tuple[str, str, str]]:
    return [(i.kind, i.name, i.message) for i in project.drift().items]


@pytest.fixture
def sk(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``sk("drift", "-d", db)`` runs the CLI in-process and returns a Run."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    return make_project(tmp_path / "proj")


def assert_drift(
    project: Project, sk: Callable[..., Run], expected: list[tuple[str, str, str]]
) -> None:
    """The API report and both CLI formats agree on exactly these items."""
    report = project.drift()
    assert [(i.kind, i.name, i.message) for i in report.items] == expected
    assert report.ok is False
    assert report.differences == tuple(m for _, _, m in expected)
    text = sk("drift", "-d", str(project.db), "--config", str(project.config))
    assert text.code == 3, text.out + text.err
    assert text.out == "".join(m + "\n" for _, _, m in expected)
    data = sk("drift", "-d", str(project.db), "--config", str(project.config), "--format", "json")
    assert data.code == 3
    assert data.json() == {
        "version": 1,
        "ok": False,
        "differences": [{"kind": k, "name": n, "message": m} for k, n, m in expected],
    }


# --- no drift ------------------------------------------------------------------------------


def test_a_freshly_migrated_database_has_no_drift(project: Project, sk: Callable[..., Run]) -> None:
    report = project.drift()
    assert report.ok and report.items == () and report.differences == ()
    run = sk("drift", "-d", str(project.db), "--config", str(project.config))
    assert run.code == 0
    assert run.out == "no drift: the database matches its applied migrations\n"
    run = sk("drift", "-d", str(project.db), "--config", str(project.config), "--format", "json")
    assert run.code == 0
    assert run.json() == {"version": 1, "ok": True, "differences": []}


def test_rows_are_not_drift_and_neither_are_objects_the_tool_ignores(project: Project) -> None:
    """Data, ANALYZE's sqlite_stat1, Litestream's tables and temp objects are not the schema."""
    outside(
        project.db,
        ROWS.replace("(1, 'alpha'), (2, 'beta')", "(3, 'gamma')")
        + "ANALYZE;\n"
        + "CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);\n"
        + "CREATE TABLE _litestream_lock (id INTEGER);\n"
        + "CREATE TEMP TABLE scratch (x);\n",
    )
    assert "sqlite_stat1" in table_names(project.db)
    assert project.drift().items == ()


def test_cosmetic_differences_are_not_drift(project: Project) -> None:
    """Whitespace, comments, keyword case and identifier quoting do not count (DESIGN §2.1)."""
    outside(
        project.db,
        "DROP VIEW recent_searches;\n"
        'create view "recent_searches" as select "id",   query\n'
        "  -- the newest first\n"
        "  from SEARCH_LOG order by ID desc limit 10;\n"
        "DROP INDEX search_log_query;\n"
        "CREATE   INDEX [search_log_query] ON `search_log` ( query );\n",
    )
    assert project.drift().items == ()


def test_a_change_undone_is_not_drift(project: Project) -> None:
    outside(project.db, "CREATE TABLE oops (x); DROP TABLE oops;")
    assert project.drift().ok


def test_pending_migrations_are_not_drift(project: Project, sk: Callable[..., Run]) -> None:
    """Drift compares with the *applied* migrations; a file not applied yet is pending."""
    project.write("0002_tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\n")
    project.write("0003_log_source.sql", "ALTER TABLE search_log ADD COLUMN source TEXT;\n")
    assert project.drift().ok
    run = sk("drift", "-d", str(project.db), "--config", str(project.config))
    assert run.code == 0, run.out
    # and the same objects made by hand *are* drift: the applied history has no tags table
    outside(project.db, "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);")
    assert items(project) == [("table", "tags", f"table tags {CREATED}")]


# --- tables ----------------------------------------------------------------------------------


def test_a_table_created_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(project.db, "CREATE TABLE search_cache (query TEXT PRIMARY KEY, result BLOB);")
    assert_drift(project, sk, [("table", "search_cache", f"table search_cache {CREATED}")])


def test_a_table_dropped_outside_migrations(tmp_path: Path, sk: Callable[..., Run]) -> None:
    project = make_project(
        tmp_path, BASE + "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);\n"
    )
    outside(project.db, "DROP TABLE settings;")
    assert_drift(project, sk, [("table", "settings", f"table settings {DROPPED}")])


def test_an_fts5_table_created_outside_migrations_is_one_item(
    project: Project, sk: Callable[..., Run]
) -> None:
    """Its shadow tables (notes_fts_data, _idx, _content, _docsize, _config) are not listed."""
    outside(project.db, "CREATE VIRTUAL TABLE notes_fts USING fts5(body);")
    assert "notes_fts_data" in table_names(project.db)
    assert_drift(
        project, sk, [("virtual table", "notes_fts", f"virtual table notes_fts {CREATED}")]
    )


def test_an_fts5_table_dropped_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(project.db, "DROP TABLE docs;")
    assert_drift(project, sk, [("virtual table", "docs", f"virtual table docs {DROPPED}")])


def test_an_fts5_tokenizer_changed_outside_migrations(
    project: Project, sk: Callable[..., Run]
) -> None:
    outside(
        project.db,
        "DROP TABLE docs;\n"
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61');\n",
    )
    assert_drift(
        project,
        sk,
        [
            (
                "virtual table",
                "docs",
                "virtual table docs differs from the migrations:\n"
                "    migrations: CREATE VIRTUAL TABLE docs USING fts5(title, body)\n"
                "    database:   CREATE VIRTUAL TABLE docs USING fts5(title, body, "
                "tokenize='porter unicode61')",
            )
        ],
    )


def test_a_table_no_longer_strict(tmp_path: Path, sk: Callable[..., Run]) -> None:
    project = make_project(
        tmp_path,
        "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL) STRICT;\n",
        rows="",
    )
    outside(project.db, "INSERT INTO events(kind) VALUES ('boot');")
    rebuild(
        project.db, "events", "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)"
    )
    assert_drift(
        project, sk, [("table", "events", "table events is STRICT only in the migrations")]
    )


def test_a_table_made_strict_outside_migrations(tmp_path: Path, sk: Callable[..., Run]) -> None:
    project = make_project(
        tmp_path, "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL);\n", rows=""
    )
    rebuild(
        project.db,
        "events",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL) STRICT",
    )
    assert_drift(project, sk, [("table", "events", "table events is STRICT only in the database")])


def test_without_rowid_changed_outside_migrations(tmp_path: Path, sk: Callable[..., Run]) -> None:
    project = make_project(
        tmp_path, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;\n", rows=""
    )
    rebuild(project.db, "kv", "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
    assert_drift(project, sk, [("table", "kv", "table kv is WITHOUT ROWID only in the migrations")])


# --- columns ---------------------------------------------------------------------------------


def test_a_column_added_by_a_second_connection(project: Project, sk: Callable[..., Run]) -> None:
    """The seed's failure: the app has the database open, another connection adds a column."""
    app = sqlkeel.open_database(project.db, project.migrations)
    try:
        other = sqlite3.connect(project.db)
        other.execute("ALTER TABLE search_log ADD COLUMN project TEXT")
        other.commit()
        other.close()
        assert app.execute("SELECT count(*) FROM search_log").fetchone() == (3,)
    finally:
        app.close()
    assert_drift(
        project,
        sk,
        [
            (
                "column",
                "search_log.project",
                "column search_log.project exists in the database but in no migration — "
                "added outside migrations?",
            )
        ],
    )


def test_a_column_with_an_unusual_name_is_quoted_in_the_message(project: Project) -> None:
    outside(project.db, 'ALTER TABLE search_log ADD COLUMN "Project Name" TEXT;')
    assert items(project) == [
        ("column", "search_log.Project Name", f'column search_log."Project Name" {ADDED}')
    ]


def test_a_column_dropped_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(project.db, "ALTER TABLE search_log DROP COLUMN lang;")
    assert_drift(
        project,
        sk,
        [
            (
                "column",
                "search_log.lang",
                "column search_log.lang is missing from the database — dropped or renamed "
                "outside migrations?",
            )
        ],
    )


def test_a_column_renamed_outside_migrations(project: Project) -> None:
    outside(project.db, "ALTER TABLE search_log RENAME COLUMN lang TO language;")
    assert items(project) == [
        ("column", "search_log.language", f"column search_log.language {ADDED}"),
        (
            "column",
            "search_log.lang",
            "column search_log.lang is missing from the database — dropped or renamed "
            "outside migrations?",
        ),
    ]


NOTES = (
    "CREATE TABLE notes (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  title TEXT NOT NULL DEFAULT 'untitled' COLLATE NOCASE,\n"
    "  score INTEGER DEFAULT 0,\n"
    "  body TEXT\n"
    ");\n"
)


@pytest.mark.parametrize(
    ("create", "message"),
    [
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score REAL DEFAULT 0, body TEXT)",
            "column notes.score differs: type INTEGER in the migrations, REAL in the database",
            id="type",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score INTEGER DEFAULT 0, body)",
            "column notes.body differs: type TEXT in the migrations, (none) in the database",
            id="type-removed",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score INTEGER NOT NULL DEFAULT 0, body TEXT)",
            "column notes.score differs: NOT NULL no in the migrations, yes in the database",
            id="not-null",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score INTEGER DEFAULT 10, body TEXT)",
            "column notes.score differs: default 0 in the migrations, 10 in the database",
            id="default",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score INTEGER, body TEXT)",
            "column notes.score differs: default 0 in the migrations, none in the database",
            id="default-removed",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE RTRIM, score INTEGER DEFAULT 0, body TEXT)",
            "column notes.title differs: collation NOCASE in the migrations, RTRIM in the database",
            id="collation",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT 'untitled' "
            "COLLATE NOCASE, score INTEGER DEFAULT 0, body TEXT COLLATE NOCASE)",
            "column notes.body differs: collation BINARY in the migrations, NOCASE in the database",
            id="collation-added",
        ),
        pytest.param(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(200) DEFAULT '' , "
            "score INTEGER DEFAULT 0, body TEXT)",
            "column notes.title differs: type TEXT in the migrations, VARCHAR(200) in the "
            "database; NOT NULL yes in the migrations, no in the database; default 'untitled' "
            "in the migrations, '' in the database; collation NOCASE in the migrations, BINARY "
            "in the database",
            id="all-four",
        ),
    ],
)
def test_a_column_definition_changed_outside_migrations(
    tmp_path: Path, sk: Callable[..., Run], create: str, message: str
) -> None:
    """Each changed field is named with both values: the migrations' and the database's."""
    project = make_project(tmp_path, NOTES, rows="")
    outside(
        project.db, "INSERT INTO notes(title, score, body) VALUES ('a', 1, 'x'), ('b', 2, 'y');"
    )
    rebuild(project.db, "notes", create)
    column = message.split()[1]
    assert_drift(project, sk, [("column", column, message)])


def test_a_column_check_changed_outside_migrations(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER CHECK (n > 0));\n", rows=""
    )
    rebuild(project.db, "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER CHECK (n >= 0))")
    assert items(project) == [
        (
            "column",
            "t.n",
            "column t.n differs: CHECK n > 0 in the migrations, n >= 0 in the database",
        )
    ]


def test_columns_in_another_order(tmp_path: Path, sk: Callable[..., Run]) -> None:
    project = make_project(tmp_path, NOTES, rows="")
    rebuild(
        project.db,
        "notes",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, title TEXT NOT NULL DEFAULT "
        "'untitled' COLLATE NOCASE, score INTEGER DEFAULT 0)",
    )
    assert_drift(
        project,
        sk,
        [
            (
                "table",
                "notes",
                "columns of notes are in another order: id, title, score, body in the "
                "migrations, id, body, title, score in the database",
            )
        ],
    )


# --- constraints ----------------------------------------------------------------------------

CONSTRAINED = (
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, email TEXT);\n"
    "CREATE TABLE pets (\n"
    "  id INTEGER NOT NULL,\n"
    "  owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL,\n"
    "  legs INTEGER NOT NULL,\n"
    "  PRIMARY KEY (id),\n"
    "  UNIQUE (owner_id, name),\n"
    "  CHECK (legs BETWEEN 0 AND 8)\n"
    ");\n"
)
PETS = (
    "CREATE TABLE pets (id INTEGER NOT NULL, owner_id INTEGER NOT NULL {fk}, name TEXT NOT NULL, "
    "legs INTEGER NOT NULL, PRIMARY KEY ({pk}){unique}, CHECK ({check}))"
)
PETS_AS_MIGRATED = {
    "fk": "REFERENCES owners(id) ON DELETE CASCADE",
    "pk": "id",
    "unique": ", UNIQUE (owner_id, name)",
    "check": "legs BETWEEN 0 AND 8",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"check": "legs BETWEEN 0 AND 100"},
            "CHECK constraints of table pets differ from the migrations: legs BETWEEN 0 AND 8 "
            "in the migrations, legs BETWEEN 0 AND 100 in the database",
            id="check",
        ),
        pytest.param(
            {"unique": ""},
            "UNIQUE constraints of table pets differ from the migrations: (owner_id, name) "
            "in the migrations, none in the database",
            id="unique-dropped",
        ),
        pytest.param(
            {"unique": ", UNIQUE (name)"},
            "UNIQUE constraints of table pets differ from the migrations: (owner_id, name) "
            "in the migrations, (name) in the database",
            id="unique-changed",
        ),
        pytest.param(
            {"fk": "REFERENCES owners(id)"},
            "foreign keys of table pets differ from the migrations: (owner_id) → owners(id) "
            "ON DELETE CASCADE in the migrations, (owner_id) → owners(id) in the database",
            id="fk-action",
        ),
        pytest.param(
            {"fk": ""},
            "foreign keys of table pets differ from the migrations: (owner_id) → owners(id) "
            "ON DELETE CASCADE in the migrations, none in the database",
            id="fk-dropped",
        ),
        pytest.param(
            {"pk": "id, owner_id"},
            "primary key of table pets differs from the migrations: (id) in the migrations, "
            "(id, owner_id) in the database",
            id="primary-key",
        ),
    ],
)
def test_a_constraint_changed_outside_migrations(
    tmp_path: Path, sk: Callable[..., Run], change: dict[str, str], message: str
) -> None:
    project = make_project(tmp_path, CONSTRAINED, rows="")
    outside(
        project.db,
        "INSERT INTO owners VALUES (1, 'a@example.org');\n"
        "INSERT INTO pets VALUES (1, 1, 'rex', 4), (2, 1, 'tweety', 2);",
    )
    rebuild(project.db, "pets", PETS.format(**(PETS_AS_MIGRATED | change)))
    assert_drift(project, sk, [("constraint", "pets", message)])


def test_the_rebuild_helper_alone_is_not_drift(tmp_path: Path) -> None:
    """Guard for the tests above: rebuilding with the migrated definition changes nothing."""
    project = make_project(tmp_path, CONSTRAINED, rows="")
    rebuild(project.db, "pets", PETS.format(**PETS_AS_MIGRATED))
    assert project.drift().items == ()
    project2 = make_project(tmp_path / "notes", NOTES, rows="")
    rebuild(project2.db, "notes", NOTES.rstrip().rstrip(";"))
    assert project2.drift().items == ()


# --- indexes, views, triggers ----------------------------------------------------------------


def test_an_index_dropped_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(project.db, "DROP INDEX search_log_query;")
    assert_drift(project, sk, [("index", "search_log_query", f"index search_log_query {DROPPED}")])


def test_an_index_created_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(project.db, "CREATE INDEX search_log_hits ON search_log(hits DESC);")
    assert_drift(project, sk, [("index", "search_log_hits", f"index search_log_hits {CREATED}")])


def test_an_index_changed_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(
        project.db,
        "DROP INDEX search_log_query;\n"
        "CREATE UNIQUE INDEX search_log_query ON search_log(query, lang) WHERE hits > 0;\n",
    )
    assert_drift(
        project,
        sk,
        [
            (
                "index",
                "search_log_query",
                "index search_log_query differs from the migrations:\n"
                "    migrations: CREATE INDEX search_log_query ON search_log(query)\n"
                "    database:   CREATE UNIQUE INDEX search_log_query ON search_log(query, lang) "
                "WHERE hits > 0",
            )
        ],
    )


def test_a_view_changed_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(
        project.db,
        "DROP VIEW recent_searches;\n"
        "CREATE VIEW recent_searches AS SELECT id, query, hits FROM search_log\n"
        "  ORDER BY id DESC LIMIT 50;\n",
    )
    assert_drift(
        project,
        sk,
        [
            (
                "view",
                "recent_searches",
                "view recent_searches differs from the migrations:\n"
                "    migrations: CREATE VIEW recent_searches AS SELECT id, query FROM search_log "
                "ORDER BY id DESC LIMIT 10\n"
                "    database:   CREATE VIEW recent_searches AS SELECT id, query, hits FROM "
                "search_log ORDER BY id DESC LIMIT 50",
            )
        ],
    )


def test_a_view_dropped_and_one_created_outside_migrations(
    project: Project, sk: Callable[..., Run]
) -> None:
    outside(
        project.db,
        "DROP VIEW recent_searches;\n"
        "CREATE VIEW popular AS SELECT query FROM search_log WHERE hits > 5;\n",
    )
    assert_drift(
        project,
        sk,
        [
            ("view", "popular", f"view popular {CREATED}"),
            ("view", "recent_searches", f"view recent_searches {DROPPED}"),
        ],
    )


def test_a_trigger_changed_outside_migrations(project: Project, sk: Callable[..., Run]) -> None:
    outside(
        project.db,
        "DROP TRIGGER search_log_touch;\n"
        "CREATE TRIGGER search_log_touch AFTER UPDATE ON search_log BEGIN\n"
        "  UPDATE projects SET name = name WHERE id = new.project_id;\n"
        "END;\n",
    )
    assert_drift(
        project,
        sk,
        [
            (
                "trigger",
                "search_log_touch",
                "trigger search_log_touch differs from the migrations:\n"
                "    migrations: CREATE TRIGGER search_log_touch AFTER INSERT ON search_log "
                "BEGIN UPDATE projects SET name = name WHERE id = new.project_id; END\n"
                "    database:   CREATE TRIGGER search_log_touch AFTER UPDATE ON search_log "
                "BEGIN UPDATE projects SET name = name WHERE id = new.project_id; END",
            )
        ],
    )


def test_a_trigger_dropped_and_one_created_outside_migrations(
    project: Project, sk: Callable[..., Run]
) -> None:
    outside(
        project.db,
        "DROP TRIGGER search_log_touch;\n"
        "CREATE TRIGGER docs_guard BEFORE DELETE ON projects BEGIN SELECT RAISE(ABORT, 'no'); END;\n",
    )
    assert_drift(
        project,
        sk,
        [
            ("trigger", "docs_guard", f"trigger docs_guard {CREATED}"),
            ("trigger", "search_log_touch", f"trigger search_log_touch {DROPPED}"),
        ],
    )


def test_every_difference_is_listed_at_once(project: Project, sk: Callable[..., Run]) -> None:
    outside(
        project.db,
        "ALTER TABLE search_log ADD COLUMN project TEXT;\n"
        "DROP INDEX search_log_query;\n"
        "CREATE TABLE search_cache (query TEXT PRIMARY KEY);\n"
        "DROP TRIGGER search_log_touch;\n",
    )
    assert_drift(
        project,
        sk,
        [
            ("table", "search_cache", f"table search_cache {CREATED}"),
            ("column", "search_log.project", f"column search_log.project {ADDED}"),
            ("index", "search_log_query", f"index search_log_query {DROPPED}"),
            ("trigger", "search_log_touch", f"trigger search_log_touch {DROPPED}"),
        ],
    )


# --- migrate on a drifted database -------------------------------------------------------------

PENDING = "0002_tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n"
EXTRA_COLUMN = "ALTER TABLE search_log ADD COLUMN project TEXT;"
EXTRA_COLUMN_MESSAGE = (
    "column search_log.project exists in the database but in no migration — added outside "
    "migrations?"
)


@pytest.fixture
def drifted(project: Project) -> Project:
    """A database with a column added by hand, and a migration pending."""
    outside(project.db, EXTRA_COLUMN)
    project.write(*PENDING)
    return project


def snapshot(db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The journal (every column) and sqlite_schema: what a refused migrate must not change."""
    conn = sqlite3.connect(db)
    try:
        rows = list(conn.execute("SELECT * FROM _sqlkeel_migrations ORDER BY id"))
        schema = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"))
        return rows, schema
    finally:
        conn.close()


@contextlib.contextmanager
def no_drift_warning() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    drift_warnings = [w for w in caught if issubclass(w.category, sqlkeel.SchemaDriftWarning)]
    assert drift_warnings == [], [str(w.message) for w in drift_warnings]


def test_migrate_refuses_to_apply_on_top_of_drift(drifted: Project) -> None:
    before = snapshot(drifted.db)
    with pytest.raises(sqlkeel.DriftError) as info:
        sqlkeel.migrate(drifted.db, drifted.migrations)
    assert [(i.kind, i.name, i.message) for i in info.value.items] == [  # type: ignore[attr-defined]
        ("column", "search_log.project", EXTRA_COLUMN_MESSAGE)
    ]
    message = str(info.value)
    assert f"  - {EXTRA_COLUMN_MESSAGE}" in message
    assert "sqlkeel generate" in message and "sqlkeel drift" in message
    assert snapshot(drifted.db) == before, "a refused migrate changed the database"
    assert "tags" not in table_names(drifted.db)


def test_cli_migrate_refuses_to_apply_on_top_of_drift(
    drifted: Project, sk: Callable[..., Run]
) -> None:
    before = snapshot(drifted.db)
    run = sk("migrate", "-d", str(drifted.db), "--config", str(drifted.config))
    assert run.code == 1, run.out + run.err
    assert f"  - {EXTRA_COLUMN_MESSAGE}" in run.err
    assert run.err.startswith("sqlkeel: error: the database's schema is not the one")
    assert "applied" not in run.out
    run = sk("migrate", "-d", str(drifted.db), "--config", str(drifted.config), "--format", "json")
    assert run.code == 1
    error = run.json()["error"]
    assert error["type"] == "DriftError" and error["exit_code"] == 1
    assert EXTRA_COLUMN_MESSAGE in error["message"]
    assert snapshot(drifted.db) == before
    assert journal(drifted.db) == [("0001_init.sql", journal(drifted.db)[0][1])]


def test_cli_migrate_allow_drift_applies_with_a_warning(
    drifted: Project, sk: Callable[..., Run]
) -> None:
    with pytest.warns(sqlkeel.SchemaDriftWarning) as caught:
        run = sk("migrate", "-d", str(drifted.db), "--config", str(drifted.config), "--allow-drift")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("snapshot: ") and "-pre-0002.db" in lines[0]  # taken first
    assert lines[1].startswith("applied 0002_tags.sql")
    assert any(EXTRA_COLUMN_MESSAGE in str(w.message) for w in caught)
    assert [n for n, _ in journal(drifted.db)] == ["0001_init.sql", "0002_tags.sql"]
    assert "tags" in table_names(drifted.db)


def test_the_console_script_prints_the_allowed_drift(drifted: Project) -> None:
    """Outside pytest the warning must reach the terminal (stderr), not vanish."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONWARNINGS", "SQLKEEL_DATABASE"}}
    base = [sys.executable, "-m", "sqlkeel", "migrate", "-d", str(drifted.db)]
    base += ["--migrations", str(drifted.migrations)]
    refused = subprocess.run(base, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert EXTRA_COLUMN_MESSAGE in refused.stderr
    allowed = subprocess.run(
        [*base, "--allow-drift"], capture_output=True, text=True, env=env, timeout=60
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "applied 0002_tags.sql" in allowed.stdout
    assert "SchemaDriftWarning" in allowed.stderr and EXTRA_COLUMN_MESSAGE in allowed.stderr


def test_migrate_drift_warn_applies_and_warns(drifted: Project) -> None:
    with pytest.warns(sqlkeel.SchemaDriftWarning, match=r"search_log\.project exists"):
        result = sqlkeel.migrate(drifted.db, drifted.migrations, drift="warn")
    assert result.names == ("0002_tags.sql",)
    assert "tags" in table_names(drifted.db)


def test_migrate_drift_ignore_applies_silently(drifted: Project) -> None:
    with no_drift_warning():
        result = sqlkeel.migrate(drifted.db, drifted.migrations, drift="ignore")
    assert result.names == ("0002_tags.sql",)
    assert [n for n, _ in journal(drifted.db)] == ["0001_init.sql", "0002_tags.sql"]


@pytest.mark.parametrize("mode", ["warn", "ignore"])
def test_drift_applied_over_is_still_drift_afterwards(drifted: Project, mode: str) -> None:
    """Applying on top of drift (warn/ignore) must not record the drifted schema as verified:
    the next strict check still has to see the hand-added column."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sqlkeel.SchemaDriftWarning)
        sqlkeel.migrate(drifted.db, drifted.migrations, drift=mode)
    assert drifted.drift().differences == (EXTRA_COLUMN_MESSAGE,)
    with pytest.raises(sqlkeel.DriftError, match=r"search_log\.project"):
        sqlkeel.open_database(drifted.db, drifted.migrations, drift="error").close()


@pytest.mark.parametrize("mode", ["warn", "ignore"])
def test_migrate_after_drift_was_applied_over_still_refuses(drifted: Project, mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sqlkeel.SchemaDriftWarning)
        sqlkeel.migrate(drifted.db, drifted.migrations, drift=mode)
    drifted.write("0003_labels.sql", "CREATE INDEX tags_label ON tags(label);\n")
    with pytest.raises(sqlkeel.DriftError, match=r"search_log\.project"):
        sqlkeel.migrate(drifted.db, drifted.migrations)
    assert [n for n, _ in journal(drifted.db)] == ["0001_init.sql", "0002_tags.sql"]


def test_an_unknown_drift_mode_is_refused(project: Project) -> None:
    with pytest.raises(ValueError, match="drift must be one of error, warn, ignore"):
        sqlkeel.migrate(project.db, project.migrations, drift="loud")
    with pytest.raises(ValueError, match="drift must be one of"):
        sqlkeel.open_database(project.db, project.migrations, drift="loud")


# --- open_database -------------------------------------------------------------------------------


def verified_version(db: Path) -> tuple[int | None, int]:
    """(the schema_version sqlkeel recorded as verified, the database's schema_version)."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT value FROM _sqlkeel_state WHERE key = 'verified_schema_version'"
        ).fetchone()
        current = conn.execute("PRAGMA schema_version").fetchone()[0]
        return (int(row[0]) if row else None), int(current)
    finally:
        conn.close()


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every drift comparison and every replay of the migrations."""
    calls: list[str] = []
    real_items = sqlkeel.runner.drift.drift_items
    real_replay = sqlkeel.store.replay.replay

    def counting_items(*args: Any, **kwargs: Any) -> Any:
        calls.append("drift_items")
        return real_items(*args, **kwargs)

    def counting_replay(*args: Any, **kwargs: Any) -> Any:
        calls.append("replay")
        return real_replay(*args, **kwargs)

    monkeypatch.setattr(sqlkeel.runner.drift, "drift_items", counting_items)
    monkeypatch.setattr(sqlkeel.runner.migrate, "drift_items", counting_items)
    monkeypatch.setattr(sqlkeel.store.replay, "replay", counting_replay)
    return calls


def test_open_database_error_mode_raises_on_drift_with_nothing_pending(project: Project) -> None:
    outside(project.db, EXTRA_COLUMN)
    with pytest.raises(sqlkeel.DriftError) as info:
        sqlkeel.open_database(project.db, project.migrations, drift="error")
    assert [i.message for i in info.value.items] == [EXTRA_COLUMN_MESSAGE]  # type: ignore[attr-defined]
    with pytest.raises(sqlkeel.DriftError):
        sqlkeel.open_database(project.db, project.migrations)  # "error" is the default


def test_open_database_error_mode_applies_nothing_on_drift(drifted: Project) -> None:
    before = snapshot(drifted.db)
    with pytest.raises(sqlkeel.DriftError, match=r"search_log\.project"):
        sqlkeel.open_database(drifted.db, drifted.migrations)
    assert snapshot(drifted.db) == before


def test_open_database_warn_mode_warns_and_returns_a_usable_connection(project: Project) -> None:
    outside(project.db, EXTRA_COLUMN)
    for attempt in range(2):  # the drift is not forgotten: every open warns
        with pytest.warns(sqlkeel.SchemaDriftWarning, match=r"search_log\.project exists"):
            conn = sqlkeel.open_database(project.db, project.migrations, drift="warn")
        try:
            conn.execute("INSERT INTO search_log(query, project) VALUES ('x', 'p')")
            assert conn.execute("SELECT count(*) FROM search_log").fetchone() == (4 + attempt,)
            with pytest.raises(sqlkeel.SchemaChangeRefusedError):
                conn.execute("CREATE TABLE nope (x)")  # still guarded
        finally:
            conn.close()


def test_open_database_warn_mode_applies_pending_migrations(drifted: Project) -> None:
    with pytest.warns(sqlkeel.SchemaDriftWarning):
        conn = sqlkeel.open_database(drifted.db, drifted.migrations, drift="warn")
    try:
        conn.execute("INSERT INTO tags(label) VALUES ('new')")
    finally:
        conn.close()


def test_open_database_ignore_mode_neither_raises_nor_warns(drifted: Project) -> None:
    with no_drift_warning():
        conn = sqlkeel.open_database(drifted.db, drifted.migrations, drift="ignore")
    try:
        assert conn.execute("SELECT count(*) FROM tags").fetchone() == (0,)
        assert conn.execute("SELECT project FROM search_log LIMIT 1").fetchone() == (None,)
    finally:
        conn.close()


def test_open_database_fast_path_after_a_clean_check(project: Project, replays: list[str]) -> None:
    """The verified schema_version is recorded; while it holds, no replay happens."""
    stored, current = verified_version(project.db)
    assert stored == current, "migrate did not record the schema it made as verified"
    conn = sqlkeel.open_database(project.db, project.migrations)
    conn.close()
    assert replays == []
    # a change and its undo bump schema_version: one replay finds no drift and re-verifies
    outside(project.db, "CREATE TABLE oops (x); DROP TABLE oops;")
    stored, current = verified_version(project.db)
    assert stored is not None and stored < current
    conn = sqlkeel.open_database(project.db, project.migrations)
    conn.close()
    assert replays.count("drift_items") == 1 and replays.count("replay") == 1
    stored, current = verified_version(project.db)
    assert stored == current
    replays.clear()
    for _ in range(3):
        sqlkeel.open_database(project.db, project.migrations).close()
    assert replays == [], "open_database replayed although the schema was verified"


def test_open_database_fast_path_does_not_hide_a_later_change(
    project: Project, replays: list[str]
) -> None:
    sqlkeel.open_database(project.db, project.migrations).close()
    assert replays == []
    outside(project.db, EXTRA_COLUMN)
    with pytest.raises(sqlkeel.DriftError, match=r"search_log\.project"):
        sqlkeel.open_database(project.db, project.migrations)
    assert "replay" in replays


def test_open_database_creates_migrates_and_verifies_a_new_database(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text(BASE, encoding="utf-8")
    db = tmp_path / "data" / "app.db"
    conn = sqlkeel.open_database(db, migrations)
    try:
        assert conn.execute("SELECT count(*) FROM search_log").fetchone() == (0,)
    finally:
        conn.close()
    stored, current = verified_version(db)
    assert stored == current
    assert read_database(db) == replay(
        sqlkeel.store.files.MigrationSource.resolve(migrations).read_all()
    )


# --- drift whose cause is the files, not the database ----------------------------------------------


def test_drift_with_an_applied_migration_file_gone_names_the_file(
    project: Project, sk: Callable[..., Run]
) -> None:
    """The tags table is in the database because 0002 ran; blaming the database misleads."""
    project.write(*PENDING)
    sqlkeel.migrate(project.db, project.migrations)
    (project.migrations / PENDING[0]).unlink()
    run = sk("drift", "-d", str(project.db), "--config", str(project.config))
    assert run.code != 0
    assert PENDING[0] in run.out + run.err, (
        "drift does not say that the applied migration's file is gone: " + run.out + run.err
    )


def test_drift_with_an_applied_migration_edited_names_the_file(
    project: Project, sk: Callable[..., Run]
) -> None:
    project.write(*PENDING)
    sqlkeel.migrate(project.db, project.migrations)
    project.write(
        PENDING[0], PENDING[1].replace("label TEXT NOT NULL", "label TEXT NOT NULL, n INT")
    )
    run = sk("drift", "-d", str(project.db), "--config", str(project.config))
    assert run.code != 0
    assert PENDING[0] in run.out + run.err, (
        "drift blames the database for an edit of an applied migration: " + run.out + run.err
    )
