"""The DDL guard: application connections cannot change the schema; the runner can."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import sqlkeel
from sqlkeel.ddl_guard import GuardedConnection

REFUSED = [
    ("ALTER TABLE t ADD COLUMN project TEXT", "ALTER TABLE t"),
    ("ALTER TABLE t RENAME TO t2", "ALTER TABLE t"),
    ("CREATE TABLE other(x)", "CREATE TABLE other"),
    ("CREATE TABLE main.other(x)", "CREATE TABLE other"),
    ("CREATE INDEX t_a ON t(a)", "CREATE INDEX t_a"),
    ("CREATE VIEW v AS SELECT a FROM t", "CREATE VIEW v"),
    ("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "CREATE TRIGGER tr"),
    ("CREATE VIRTUAL TABLE f USING fts5(a)", "CREATE VIRTUAL TABLE f"),
    ("DROP TABLE t", "DROP TABLE t"),
    ("DROP INDEX t_existing", "DROP INDEX t_existing"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);\nCREATE INDEX t_existing ON t(a);\n"
    )
    return tmp_path


@pytest.mark.parametrize(("statement", "named"), REFUSED, ids=[s for s, _ in REFUSED])
def test_the_startup_connection_refuses_schema_changes(
    project: Path, statement: str, named: str
) -> None:
    conn = sqlkeel.open_database(project / "app.db", project / "migrations")
    try:
        assert isinstance(conn, GuardedConnection)
        before = conn.execute("SELECT type, name, sql FROM sqlite_schema ORDER BY name").fetchall()
        with pytest.raises(sqlkeel.SchemaChangeRefusedError) as info:
            conn.execute(statement)
        assert str(info.value).startswith(f"{named}: refused")
        assert "migration" in str(info.value)
        assert isinstance(
            info.value, sqlite3.DatabaseError
        )  # code catching sqlite3 errors still works
        assert (
            conn.execute("SELECT type, name, sql FROM sqlite_schema ORDER BY name").fetchall()
            == before
        )
    finally:
        conn.close()


def test_cursors_executemany_and_executescript_are_guarded_too(tmp_path: Path) -> None:
    conn = sqlkeel.connect(tmp_path / "app.db", guard=True)
    with pytest.raises(sqlkeel.SchemaChangeRefusedError, match="CREATE TABLE x"):
        conn.cursor().execute("CREATE TABLE x(a)")
    with pytest.raises(sqlkeel.SchemaChangeRefusedError, match="CREATE TABLE y"):
        conn.executescript("CREATE TABLE y(a);")
    conn.close()


def test_data_and_temporary_objects_are_allowed(project: Path) -> None:
    conn = sqlkeel.open_database(project / "app.db", project / "migrations")
    conn.execute("INSERT INTO t(a) VALUES ('x')")
    conn.execute("UPDATE t SET a = 'y'")
    conn.execute("CREATE TEMP TABLE scratch(v)")
    conn.execute("CREATE TEMP VIEW tv AS SELECT a FROM t")
    conn.execute("CREATE TABLE temp.also_scratch(v)")
    conn.execute("CREATE INDEX temp.scratch_v ON scratch(v)")
    conn.execute("DROP TABLE scratch")
    assert conn.execute("SELECT a FROM t").fetchall() == [("y",)]
    conn.close()


def test_the_runner_is_exempt_and_the_guard_comes_back(project: Path) -> None:
    conn = sqlkeel.open_database(project / "app.db", project / "migrations")
    (project / "migrations" / "0002_more.sql").write_text("ALTER TABLE t ADD COLUMN b TEXT;\n")
    assert sqlkeel.migrate(conn, project / "migrations").names == ("0002_more.sql",)
    with pytest.raises(sqlkeel.SchemaChangeRefusedError):
        conn.execute("ALTER TABLE t ADD COLUMN c TEXT")
    conn.close()


def test_an_unguarded_connection_is_unchanged(tmp_path: Path) -> None:
    conn = sqlkeel.connect(tmp_path / "app.db")
    conn.execute("CREATE TABLE fine(x)")
    conn.close()
    conn = sqlkeel.open_database(tmp_path / "b.db", tmp_path, guard=False)
    conn.execute("CREATE TABLE fine(x)")
    conn.close()


def test_guard_on_a_plain_sqlite3_connection(tmp_path: Path) -> None:
    conn = sqlkeel.guard(sqlite3.connect(tmp_path / "app.db"))
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        conn.execute("CREATE TABLE x(a)")
    conn.execute("CREATE TEMP TABLE y(a)")
    conn.close()


def test_guard_through_a_sqlalchemy_engine(project: Path) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy import event, text

    db = project / "app.db"
    sqlkeel.open_database(db, project / "migrations").close()  # migrations first, unguarded runner
    # module=: the sqlite3 this suite runs on (pysqlite3 under SQLKEEL_TEST_SQLITE=pysqlite3)
    engine = sqlalchemy.create_engine(f"sqlite:///{db}", module=sqlite3)

    @event.listens_for(engine, "connect")
    def _guard(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        sqlkeel.guard(dbapi_connection)

    with engine.begin() as c:
        c.execute(text("INSERT INTO t(a) VALUES ('via sqlalchemy')"))
        c.execute(text("CREATE TEMP TABLE scratch(x)"))
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="not authorized"), engine.begin() as c:
        c.execute(text("ALTER TABLE t ADD COLUMN project TEXT"))
    with engine.connect() as c:
        cols = [row[1] for row in c.execute(text("PRAGMA table_info(t)"))]
        assert cols == ["id", "a"]
        assert c.execute(text("SELECT a FROM t")).fetchall() == [("via sqlalchemy",)]
    engine.dispose()
