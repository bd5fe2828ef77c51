"""The pytest plugin, run in pytester sandboxes: fixtures, isolation, configuration, errors.

Each sandbox is a small project with its own migrations; pytester runs pytest inside it with
sqlkeel's plugin loaded from its entry point, as a user's test suite would.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import sqlkeel
from sqlkeel.testing import MigratedTemplate, assert_migrations_current, assert_no_drift

MIGRATION_1 = """CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body TEXT
);
"""
MIGRATION_2 = "ALTER TABLE users ADD COLUMN name TEXT;\n"


def write_project(root: Path, *, config: str = "sqlkeel.toml") -> None:
    (root / "migrations").mkdir()
    (root / "migrations" / "0001_init.sql").write_text(MIGRATION_1, encoding="utf-8")
    (root / "migrations" / "0002_name.sql").write_text(MIGRATION_2, encoding="utf-8")
    if config == "sqlkeel.toml":
        (root / "sqlkeel.toml").write_text(
            '[tool.sqlkeel]\nschema = "schema"\nmigrations = "migrations"\n', encoding="utf-8"
        )


def test_each_test_gets_its_own_migrated_database(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    pytester.makepyfile(
        """
        import sqlite3
        import pytest

        @pytest.mark.parametrize("n", range(5))
        def test_fresh(sqlkeel_db, n):
            cols = [r[1] for r in sqlkeel_db.execute("PRAGMA table_info(users)")]
            assert cols == ["id", "email", "name"]
            # nothing left over from the other tests
            assert sqlkeel_db.execute("SELECT count(*) FROM users").fetchone() == (0,)
            sqlkeel_db.execute("INSERT INTO users(email) VALUES (?)", (f"u{n}@x",))
            assert sqlkeel_db.execute("PRAGMA foreign_keys").fetchone() == (1,)

        def test_guarded(sqlkeel_db):
            with pytest.raises(sqlite3.DatabaseError, match="belong in a migration"):
                sqlkeel_db.execute("ALTER TABLE users ADD COLUMN x")
            sqlkeel_db.execute("CREATE TEMP TABLE scratch(a)")

        def test_cascade(sqlkeel_db):
            sqlkeel_db.execute("INSERT INTO users(id, email) VALUES (1, 'a@x')")
            sqlkeel_db.execute("INSERT INTO notes(user_id, body) VALUES (1, 'n')")
            sqlkeel_db.execute("DELETE FROM users")
            assert sqlkeel_db.execute("SELECT count(*) FROM notes").fetchone() == (0,)

        def test_path(sqlkeel_db_path):
            conn = sqlite3.connect(sqlkeel_db_path)
            names = [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
            assert names == ["0001_init.sql", "0002_name.sql"]
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            conn.close()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


def test_the_template_is_migrated_once_per_session_and_seeds_reach_every_copy(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path)
    pytester.makeconftest(
        """
        import pytest

        CALLS = []

        @pytest.fixture(scope="session", autouse=True)
        def seeded(sqlkeel_template):
            CALLS.append(1)
            sqlkeel_template.connection.execute("INSERT INTO users(email) VALUES ('seed@x')")
        """
    )
    pytester.makepyfile(
        """
        import conftest

        def test_a(sqlkeel_db):
            assert sqlkeel_db.execute("SELECT email FROM users").fetchall() == [("seed@x",)]

        def test_b(sqlkeel_db, sqlkeel_template):
            assert sqlkeel_db.execute("SELECT count(*) FROM users").fetchone() == (1,)
            assert sqlkeel_template.result.names == ("0001_init.sql", "0002_name.sql")
            assert conftest.CALLS == [1]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_migrations_come_from_the_ini_option(pytester: pytest.Pytester) -> None:
    write_project(pytester.path, config="none")
    (pytester.path / "migrations").rename(pytester.path / "db_migrations")
    pytester.makeini("[pytest]\nsqlkeel_migrations = db_migrations\n")
    pytester.makepyfile(
        """
        def test_it(sqlkeel_db):
            assert sqlkeel_db.execute("SELECT count(*) FROM _sqlkeel_migrations").fetchone() == (2,)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_broken_migration_fails_the_tests_that_use_it_with_sqlkeels_message(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path)
    (pytester.path / "migrations" / "0003_bad.sql").write_text(
        "ALTER TABLE nope ADD COLUMN x;\n", encoding="utf-8"
    )
    pytester.makepyfile("def test_it(sqlkeel_db):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*MigrationFailedError*0003_bad.sql:1*no such table: nope*"])


def test_assert_no_drift(tmp_path: Path) -> None:
    write_project(tmp_path)
    db = tmp_path / "app.db"
    sqlkeel.migrate(db, tmp_path / "migrations")
    assert_no_drift(db, tmp_path / "migrations")  # passes
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE notes ADD COLUMN project TEXT")
    conn.close()
    with pytest.raises(AssertionError, match=r"column notes\.project exists in the database"):
        assert_no_drift(db, tmp_path / "migrations")


def test_assert_migrations_current(tmp_path: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "schema").mkdir()
    desired = tmp_path / "schema" / "app.sql"
    desired.write_text(
        MIGRATION_1.replace("email TEXT NOT NULL UNIQUE", "email TEXT NOT NULL UNIQUE, name TEXT"),
        encoding="utf-8",
    )
    from sqlkeel.workflow import rehash

    rehash(tmp_path / "migrations")
    assert_migrations_current(str(desired), str(tmp_path / "migrations"))
    desired.write_text(desired.read_text(encoding="utf-8") + "CREATE INDEX notes_user ON notes(user_id);\n")
    with pytest.raises(AssertionError, match="CREATE INDEX notes_user"):
        assert_migrations_current(str(desired), str(tmp_path / "migrations"))


def test_template_copies_are_independent(tmp_path: Path) -> None:
    write_project(tmp_path)
    template = MigratedTemplate(tmp_path / "migrations")
    a, b = template.copy(), template.copy(guard=False)
    a.execute("INSERT INTO users(email) VALUES ('a@x')")
    assert b.execute("SELECT count(*) FROM users").fetchone() == (0,)
    b.execute("CREATE TABLE scratch(x)")  # unguarded on request
    assert template.connection.execute("SELECT count(*) FROM users").fetchone() == (0,)
    a.close()
    b.close()
    template.close()
