"""The migration workflow through the command line: every command, its output and exit codes.

In-process through ``sqlkeel.cli.main.main`` (the only place that turns errors into exit
codes), each test in its own project directory; a few end-to-end tests run the installed
``sqlkeel`` console script in a subprocess. Exit codes (DESIGN §4): 0 ok · 1 error · 2 usage ·
3 differences/problems found · 4 destructive change refused.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sqlkeel.cli.main import cli, main
from sqlkeel.config import load_settings
from sqlkeel.sources.statements import split_statements
from sqlkeel.store.files import checksum, parse_migration
from sqlkeel.store.sumfile import read_sum

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

USERS = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n"
USERS_RENAMED = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT\n);\n"
USERS_NO_NAME = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY\n);\n"
NOTES = (
    "CREATE TABLE notes (\n  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  body TEXT\n);\n"
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


@pytest.fixture
def sk(capsys: pytest.CaptureFixture[str]) -> Any:
    """``sk("generate", "--name", "x")`` runs ``sqlkeel …`` in-process and returns a Run."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any) -> Path:
    """A fresh project made by ``sqlkeel init`` in a temporary directory (the cwd)."""
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert sk("init").code == 0
    return tmp_path.resolve()


def schema(project: Path, sql: str) -> None:
    (project / "schema" / "app.sql").write_text(sql, encoding="utf-8")


def migration_files(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "migrations").glob("*.sql"))


def read(project: Path, name: str) -> str:
    return (project / "migrations" / name).read_text(encoding="utf-8")


def journal(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
    finally:
        conn.close()


def tables(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    finally:
        conn.close()


def sql(db: Path, script: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.executescript(script)
        conn.commit()
    finally:
        conn.close()


def generated(sk: Any, project: Path, sql_text: str, *args: str) -> str:
    """Write the schema, generate, and return the new file's name."""
    schema(project, sql_text)
    before = set(migration_files(project))
    run = sk("generate", *args)
    assert run.code == 0, run.err
    (new,) = set(migration_files(project)) - before
    return new


# --- init --------------------------------------------------------------------------------


def test_init_writes_sqlkeel_toml_and_the_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    run = sk("init")
    assert run.code == 0
    assert (tmp_path / "schema").is_dir() and (tmp_path / "migrations").is_dir()
    config = tomllib.loads((tmp_path / "sqlkeel.toml").read_text(encoding="utf-8"))
    assert config["tool"]["sqlkeel"] == {
        "schema": "schema",
        "migrations": "migrations",
        "database": "app.db",
    }
    assert "sqlkeel.toml" in run.out and "sqlkeel generate" in run.out
    settings = load_settings(cwd=tmp_path, env={})
    assert settings.database == tmp_path / "app.db"


def test_init_appends_to_an_existing_pyproject_without_clobbering_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    original = (
        '[project]\nname = "myapp"\nversion = "1.0"\n\n'
        "[tool.black]\nline-length = 99\n# a comment the user keeps\n"
    )
    (tmp_path / "pyproject.toml").write_text(original, encoding="utf-8")
    run = sk("init", "--database", "data/app.db")
    assert run.code == 0, run.err
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(original)
    data = tomllib.loads(text)
    assert data["project"]["name"] == "myapp" and data["tool"]["black"] == {"line-length": 99}
    assert data["tool"]["sqlkeel"]["database"] == "data/app.db"
    assert not (tmp_path / "sqlkeel.toml").exists()
    # idempotent: a second init changes nothing
    assert sk("init").code == 0
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == text


def test_init_is_idempotent(project: Path, sk: Any) -> None:
    config = (project / "sqlkeel.toml").read_text(encoding="utf-8")
    (project / "schema" / "app.sql").write_text(USERS, encoding="utf-8")
    run = sk("init", "--format", "json")
    assert run.code == 0
    assert run.json() == {"version": 1, "config": str(project / "sqlkeel.toml"), "created": []}
    assert (project / "sqlkeel.toml").read_text(encoding="utf-8") == config
    assert (project / "schema" / "app.sql").read_text(encoding="utf-8") == USERS


def test_init_json_lists_what_it_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    run = sk("init", "--format", "json")
    assert run.code == 0
    assert run.json() == {
        "version": 1,
        "config": str(tmp_path / "sqlkeel.toml"),
        "created": [str(tmp_path / n) for n in ("sqlkeel.toml", "schema", "migrations")],
    }


def test_init_writes_valid_toml_for_a_database_path_with_backslashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    """A Windows-style path must not make the configuration unreadable."""
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert sk("init", "--database", r"data\app.db").code == 0
    settings = load_settings(cwd=tmp_path, env={})  # raises ConfigError: "Unescaped '\'"
    assert settings.database is not None and settings.database.name.endswith("app.db")


def test_init_does_not_silently_ignore_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    """Every command accepts --config (DESIGN §4); init must use it or refuse it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    run = sk("init", "--config", "sub/sqlkeel.toml")
    assert run.code != 0 or (tmp_path / "sub" / "sqlkeel.toml").is_file()


# --- generate ----------------------------------------------------------------------------


def test_generate_writes_the_first_migration_and_the_sum(project: Path, sk: Any) -> None:
    schema(project, USERS)
    run = sk("generate")
    assert run.code == 0, run.err
    assert migration_files(project) == ["0001_create_table_users.sql"]
    assert "wrote" in run.out and "create table users" in run.out
    text = read(project, "0001_create_table_users.sql")
    lines = text.splitlines()
    assert lines[0].startswith("-- 0001_create_table_users.sql: generated by sqlkeel ")
    assert "-- from the desired schema, against the replay of no migrations" in lines
    assert "-- what it does:" in lines and "--   create table users" in lines
    assert "-- hazards: none" in lines
    assert "CREATE TABLE users" in text
    assert parse_migration("0001_create_table_users.sql", text).directives == frozenset()
    assert read_sum(project / "migrations") == {"0001_create_table_users.sql": checksum(text)}
    assert sk("check").code == 0


def test_generate_names_the_file(project: Path, sk: Any) -> None:
    assert generated(sk, project, USERS, "--name", "Add the Users!") == "0001_add_the_users.sql"
    name = generated(sk, project, USERS + NOTES + "CREATE INDEX notes_user ON notes(user_id);\n")
    assert name == "0002_create_table_notes_and_1_more.sql"


def test_generate_with_no_changes_writes_nothing(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    files = {p.name: p.read_bytes() for p in (project / "migrations").iterdir()}
    run = sk("generate")
    assert run.code == 0
    assert run.out.startswith("no changes")
    assert {p.name: p.read_bytes() for p in (project / "migrations").iterdir()} == files
    run = sk("generate", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert (data["version"], data["written"], data["changes"], data["custom"]) == (
        1,
        None,
        False,
        False,
    )


def test_generate_on_an_empty_project_says_no_changes(project: Path, sk: Any) -> None:
    run = sk("generate")
    assert run.code == 0 and "no changes" in run.out
    assert migration_files(project) == []


def test_a_destructive_change_is_refused_with_exit_4(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    sum_before = (project / "migrations" / "sqlkeel.sum").read_bytes()
    schema(project, USERS_NO_NAME)
    run = sk("generate")
    assert run.code == 4
    assert run.out == ""
    assert "drop column users.name" in run.err and "--allow-destructive" in run.err
    assert "renamed-from" in run.err  # says how to declare a rename instead
    assert migration_files(project) == ["0001_create_table_users.sql"]
    assert (project / "migrations" / "sqlkeel.sum").read_bytes() == sum_before
    run = sk("generate", "--format", "json")
    assert run.code == 4
    error = run.json()["error"]
    assert run.json()["version"] == 1
    assert error["type"] == "DestructiveChangeError" and error["exit_code"] == 4
    assert "drop column users.name" in error["message"]
    assert migration_files(project) == ["0001_create_table_users.sql"]


def test_allow_destructive_is_recorded_in_the_file(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    name = generated(sk, project, USERS_NO_NAME, "--allow-destructive")
    text = read(project, name)
    assert "-- sqlkeel: allow-destructive" in text.splitlines()
    assert "allow-destructive" in parse_migration(name, text).directives
    assert 'DROP COLUMN "name"' in text
    assert "data_loss" in text
    assert sk("check").code == 0
    assert sk("migrate").code == 0
    conn = sqlite3.connect(project / "app.db")
    assert [r[1] for r in conn.execute("PRAGMA table_info(users)")] == ["id"]
    conn.close()


def test_custom_writes_an_empty_migration_that_is_recorded(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    run = sk("generate", "--custom", "--name", "backfill names")
    assert run.code == 0, run.err
    assert migration_files(project)[-1] == "0002_backfill_names.sql"
    text = read(project, "0002_backfill_names.sql")
    assert split_statements(text) == []
    assert all(line.startswith("--") for line in text.splitlines() if line.strip())
    assert "0002_backfill_names.sql" in (read_sum(project / "migrations") or {})
    assert sk("check").code == 0
    run = sk("generate", "--custom", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert data["custom"] is True and data["changes"] is True and data["plan"] is None
    assert data["written"] == str(project / "migrations" / "0003_custom.sql")


def test_a_custom_migration_with_data_changes_is_applied(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    assert sk("migrate").code == 0
    sql(project / "app.db", "INSERT INTO users(name) VALUES ('ada'), (NULL);")
    sk("generate", "--custom", "--name", "backfill")
    path = project / "migrations" / "0002_backfill.sql"
    path.write_text(path.read_text() + "UPDATE users SET name = 'unknown' WHERE name IS NULL;\n")
    assert sk("hash").code == 0
    assert sk("check", "-d", "app.db").code == 3  # pending
    assert sk("migrate").code == 0
    conn = sqlite3.connect(project / "app.db")
    assert conn.execute("SELECT name FROM users ORDER BY id").fetchall() == [
        ("ada",),
        ("unknown",),
    ]
    conn.close()
    assert sk("check", "-d", "app.db").code == 0


def test_rename_option_makes_a_rename_not_a_drop(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    name = generated(sk, project, USERS_RENAMED, "--rename", "users.name=full_name")
    assert 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";' in read(project, name)
    assert "data_loss" not in read(project, name)
    schema_accounts = USERS_RENAMED.replace("TABLE users", "TABLE accounts")
    name = generated(sk, project, schema_accounts, "--rename", "users=accounts")
    assert 'RENAME TO "accounts"' in read(project, name)
    assert sk("check").code == 0


def test_a_malformed_rename_is_a_usage_error(project: Path, sk: Any) -> None:
    schema(project, USERS)
    run = sk("generate", "--rename", "nonsense")
    assert run.code == 2
    assert "--rename" in run.err and "OLD=NEW" in run.err
    assert migration_files(project) == []


def test_a_rebuild_migration_turns_foreign_keys_off_and_keeps_cascade_children(
    project: Path, sk: Any
) -> None:
    generated(sk, project, USERS + NOTES)
    assert sk("migrate").code == 0
    db = project / "app.db"
    sql(
        db,
        "PRAGMA foreign_keys = ON; INSERT INTO users VALUES (1, 'ada');"
        "INSERT INTO notes VALUES (1, 1, 'first'), (2, 1, 'second');",
    )
    tightened = USERS.replace(
        "name TEXT", "name TEXT NOT NULL DEFAULT '' CHECK (length(name) < 50)"
    )
    name = generated(sk, project, tightened + NOTES)
    text = read(project, name)
    assert "-- sqlkeel: foreign-keys-off" in text.splitlines()
    assert "foreign-keys-off" in parse_migration(name, text).directives
    assert "rebuild table users" in text
    run = sk("migrate")
    assert run.code == 0, run.err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM notes").fetchone() == (2,)
    assert conn.execute("SELECT name FROM users").fetchall() == [("ada",)]
    conn.close()
    assert sk("check", "-d", "app.db").code == 0
    assert sk("drift").code == 0


def test_a_not_null_column_without_default_on_an_existing_table_is_an_error(
    project: Path, sk: Any
) -> None:
    generated(sk, project, USERS)
    schema(project, USERS.replace("name TEXT", "name TEXT,\n  email TEXT NOT NULL"))
    run = sk("generate")
    assert run.code == 1
    assert "users.email" in run.err and "NOT NULL" in run.err
    assert "DEFAULT" in run.err  # the fix: give it a default …
    assert "nullable" in run.err  # … or add it nullable and backfill
    assert migration_files(project) == ["0001_create_table_users.sql"]


def test_generate_refuses_two_migrations_with_one_number(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0002_a.sql").write_text("CREATE TABLE a(x);\n")
    (project / "migrations" / "0002_b.sql").write_text("CREATE TABLE b(x);\n")
    schema(project, USERS + "CREATE TABLE c(x);\n")
    run = sk("generate")
    assert run.code == 1
    assert "0002_a.sql" in run.err and "0002_b.sql" in run.err
    assert migration_files(project) == ["0001_create_table_users.sql", "0002_a.sql", "0002_b.sql"]


def test_generate_does_not_record_an_edited_migration_as_good(project: Path, sk: Any) -> None:
    """An edit to a committed migration stays visible to `check` after the next generate.

    ``generate`` rewrites sqlkeel.sum from the files as they are, so a migration edited after
    it was recorded is silently re-blessed, and CI's ``check`` (no database) passes.
    """
    first = generated(sk, project, USERS)
    path = project / "migrations" / first
    path.write_text(path.read_text() + "CREATE INDEX users_name ON users(name);\n")
    schema(project, USERS + "CREATE INDEX users_name ON users(name);\n")
    assert sk("check").code == 3
    assert sk("generate", "--custom").code == 0  # or any generate after the edit
    run = sk("check")
    assert run.code == 3, "check passes: generate re-recorded the edited " + first
    assert "edited" in run.out and first in run.out


# --- the interactive rename prompt -------------------------------------------------------


class _Terminal(io.StringIO):
    """A stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_interactive_rename_yes_writes_a_rename(
    project: Path, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated(sk, project, USERS)
    schema(project, USERS_RENAMED)
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n"))
    run = sk("generate")
    assert run.code == 0, run.err
    assert "Is column users.name renamed to users.full_name?" in run.err
    (new,) = set(migration_files(project)) - {"0001_create_table_users.sql"}
    text = read(project, new)
    assert 'RENAME COLUMN "name" TO "full_name"' in text and "DROP COLUMN" not in text


def test_interactive_rename_no_is_refused_as_destructive(
    project: Path, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated(sk, project, USERS)
    schema(project, USERS_RENAMED)
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    run = sk("generate")
    assert run.code == 4
    assert "Is column users.name renamed to users.full_name?" in run.err
    assert "drop column users.name" in run.err
    assert migration_files(project) == ["0001_create_table_users.sql"]


def test_interactive_table_rename(project: Path, monkeypatch: pytest.MonkeyPatch, sk: Any) -> None:
    generated(sk, project, USERS)
    schema(project, USERS.replace("TABLE users", "TABLE members"))
    asked: list[str] = []

    def confirm(text: str, **kwargs: Any) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(click, "confirm", confirm)
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    assert sk("generate").code == 0
    assert asked == ["Is table users renamed to members?"]
    (new,) = set(migration_files(project)) - {"0001_create_table_users.sql"}
    assert 'ALTER TABLE "users" RENAME TO "members";' in read(project, new)


def test_clirunner_stdin_is_not_a_terminal_so_nothing_is_asked(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    schema(project, USERS_RENAMED)
    result = CliRunner().invoke(cli, ["generate"], input="y\n")
    assert isinstance(result.exception, click.ClickException) or result.exit_code != 0
    assert "renamed to" not in result.stderr


def test_no_question_without_a_terminal_or_in_json(
    project: Path, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated(sk, project, USERS)
    schema(project, USERS_RENAMED)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    run = sk("generate")
    assert run.code == 4 and "renamed to" not in run.err
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n"))
    run = sk("generate", "--format", "json")
    assert run.code == 4 and run.json()["error"]["exit_code"] == 4
    assert "renamed to" not in run.err


# --- migrate -----------------------------------------------------------------------------


def test_migrate_applies_then_has_nothing_to_do(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    second = generated(sk, project, USERS + NOTES)
    run = sk("migrate")
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].startswith(f"applied {first} (")
    assert run.out.splitlines()[1].startswith(f"applied {second} (")
    assert journal(project / "app.db") == [first, second]
    assert {"users", "notes", "_sqlkeel_migrations"} <= tables(project / "app.db")
    run = sk("migrate")
    assert run.code == 0
    assert run.out.strip() == "nothing to apply: 2 migrations already applied"


def test_migrate_dry_run_prints_the_statements_and_changes_nothing(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    assert sk("migrate").code == 0
    second = generated(sk, project, USERS + NOTES)
    db = project / "app.db"
    before = db.read_bytes()
    run = sk("migrate", "--dry-run")
    assert run.code == 0
    assert f"-- would apply {second}" in run.out and first not in run.out
    assert "CREATE TABLE notes" in run.out
    assert journal(db) == [first]
    assert "notes" not in tables(db)
    assert db.read_bytes() == before
    run = sk("migrate", "--dry-run", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert data["dry_run"] is True and data["already_applied"] == 1
    assert [m["name"] for m in data["applied"]] == [second]
    assert any("CREATE TABLE notes" in s for s in data["applied"][0]["statements"])
    assert journal(db) == [first]


def test_migrate_dry_run_creates_no_database(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    run = sk("migrate", "--dry-run", "-d", "data/new.db")
    assert run.code == 0 and "CREATE TABLE users" in run.out
    assert not (project / "data" / "new.db").exists(), "--dry-run created the database file"


def test_migrate_dry_run_leaves_the_journal_mode_alone(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    db = project / "legacy.db"
    sql(db, "PRAGMA user_version = 7;")  # a database file in rollback-journal mode, no tables
    assert sk("migrate", "--dry-run", "-d", "legacy.db").code == 0
    conn = sqlite3.connect(db)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert mode == "delete", "--dry-run switched the database to WAL"
    # A database with tables but no journal is refused, dry run or not: it must be adopted.
    sql(db, "CREATE TABLE legacy(x);")
    run = sk("migrate", "--dry-run", "-d", "legacy.db")
    assert run.code == 1 and "sqlkeel baseline" in run.err


def test_migrate_to_a_number(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    second = generated(sk, project, USERS + NOTES)
    run = sk("migrate", "--to", "1")
    assert run.code == 0
    assert journal(project / "app.db") == [first]
    assert "notes" not in tables(project / "app.db")
    assert sk("migrate", "--to", "1").out.startswith("nothing to apply")
    assert sk("migrate", "--to", "2").code == 0
    assert journal(project / "app.db") == [first, second]


def test_migrate_json(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    run = sk("migrate", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert set(data) == {
        "version",
        "dry_run",
        "applied",
        "already_applied",
        "out_of_order",
        "database",
        "backup",
    }
    assert data["version"] == 1 and data["dry_run"] is False
    assert data["backup"] is None  # a brand-new database has nothing to snapshot
    assert data["database"] == str(project / "app.db")
    assert [m["name"] for m in data["applied"]] == [first]
    assert isinstance(data["applied"][0]["duration_ms"], float)
    assert "statements" not in data["applied"][0]
    data = sk("migrate", "--format", "json").json()
    assert (data["applied"], data["already_applied"]) == ([], 1)


def test_migrate_with_no_database_configured_is_an_error(project: Path, sk: Any) -> None:
    (project / "sqlkeel.toml").write_text('[tool.sqlkeel]\nschema = "schema"\n')
    generated(sk, project, USERS)
    run = sk("migrate")
    assert run.code == 1
    assert "-d/--database" in run.err and "SQLKEEL_DATABASE" in run.err
    assert sk("migrate", "-d", "x.db").code == 0


def test_migrate_without_a_config_given_database_and_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_init.sql").write_text("CREATE TABLE t(x);\n")
    run = sk("migrate", "-d", "t.db", "--migrations", "m")
    assert run.code == 0, run.err
    assert journal(tmp_path / "t.db") == ["0001_init.sql"]


def test_a_failing_migration_rolls_back_the_whole_batch(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    (project / "migrations" / "0002_broken.sql").write_text(
        "CREATE TABLE fine(x);\nINSERT INTO nowhere VALUES (1);\n"
    )
    assert sk("hash").code == 0
    run = sk("migrate")
    assert run.code == 1
    assert "0002_broken.sql:2" in run.err and "no such table: nowhere" in run.err
    assert "nothing was applied" in run.err
    db = project / "app.db"
    assert tables(db) <= {"_sqlkeel_migrations"}  # neither users (0001) nor fine (0002)
    if "_sqlkeel_migrations" in tables(db):
        assert journal(db) == []
    (project / "migrations" / "0002_broken.sql").unlink()
    assert sk("hash").code == 0
    assert sk("migrate").code == 0
    assert journal(db) == [first]


def test_migrate_refuses_an_applied_migration_that_was_edited(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    assert sk("migrate").code == 0
    generated(sk, project, USERS + NOTES)
    path = project / "migrations" / first
    path.write_text(path.read_text() + "-- a harmless edit\n")
    run = sk("migrate")
    assert run.code == 1
    assert first in run.err and "edited" in run.err
    assert "notes" not in tables(project / "app.db")


def test_migrate_refuses_duplicate_numbers_naming_both(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0002_left.sql").write_text("CREATE TABLE l(x);\n")
    (project / "migrations" / "0002_right.sql").write_text("CREATE TABLE r(x);\n")
    run = sk("migrate")
    assert run.code == 1
    assert "0002_left.sql" in run.err and "0002_right.sql" in run.err
    db = project / "app.db"
    assert not db.exists() or tables(db) <= {"_sqlkeel_migrations"}


def test_transaction_control_in_a_file_is_refused(project: Path, sk: Any) -> None:
    (project / "migrations" / "0001_tx.sql").write_text("BEGIN;\nCREATE TABLE t(x);\nCOMMIT;\n")
    run = sk("migrate")
    assert run.code == 1
    assert "0001_tx.sql:1" in run.err and "no-transaction" in run.err


def test_a_no_transaction_file_runs_alone(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0002_vacuum.sql").write_text("-- sqlkeel: no-transaction\nVACUUM;\n")
    assert sk("hash").code == 0
    run = sk("migrate")
    assert run.code == 0, run.err
    assert journal(project / "app.db") == ["0001_create_table_users.sql", "0002_vacuum.sql"]
    assert sk("check", "-d", "app.db").code == 0


def test_a_failing_no_transaction_file_does_not_claim_nothing_was_applied(
    project: Path, sk: Any
) -> None:
    """Statements before the failing one ran in autocommit mode, and 0001 was committed."""
    migrations = project / "migrations"
    (migrations / "0001_a.sql").write_text("CREATE TABLE a(x);\n")
    (migrations / "0002_outside.sql").write_text(
        "-- sqlkeel: no-transaction\nCREATE TABLE t1(x);\nINSERT INTO nowhere VALUES (1);\n"
    )
    run = sk("migrate")
    assert run.code == 1 and "0002_outside.sql:3" in run.err
    assert {"a", "t1"} <= tables(project / "app.db")  # both stayed
    assert journal(project / "app.db") == ["0001_a.sql"]
    assert "nothing was applied" not in run.err, run.err


def test_a_failure_after_a_no_transaction_file_does_not_claim_nothing_was_applied(
    project: Path, sk: Any
) -> None:
    """0001 and 0002 were committed before 0003 ran; only 0003 was rolled back."""
    migrations = project / "migrations"
    (migrations / "0001_a.sql").write_text("CREATE TABLE a(x);\n")
    (migrations / "0002_vacuum.sql").write_text("-- sqlkeel: no-transaction\nVACUUM;\n")
    (migrations / "0003_c.sql").write_text("CREATE TABLE c(x);\nINSERT INTO nowhere VALUES (1);\n")
    run = sk("migrate")
    assert run.code == 1 and "0003_c.sql:2" in run.err
    assert journal(project / "app.db") == ["0001_a.sql", "0002_vacuum.sql"]
    assert "c" not in tables(project / "app.db")
    assert "nothing was applied" not in run.err, run.err


def test_an_unknown_directive_is_refused(project: Path, sk: Any) -> None:
    (project / "migrations" / "0001_x.sql").write_text("-- sqlkeel: yolo\nCREATE TABLE t(x);\n")
    run = sk("migrate")
    assert run.code == 1 and "unknown directive yolo" in run.err


def test_a_late_merged_migration_is_applied_not_skipped(project: Path, sk: Any) -> None:
    migrations = project / "migrations"
    (migrations / "0001_a.sql").write_text("CREATE TABLE a(x);\n")
    (migrations / "0003_c.sql").write_text("CREATE TABLE c(x);\n")
    assert sk("migrate").code == 0
    (migrations / "0002_b.sql").write_text("CREATE TABLE b(x);\n")  # the other branch
    assert sk("hash").code == 0
    run = sk("check", "-d", "app.db")
    assert run.code == 3 and "pending: 0002_b.sql" in run.out
    run = sk("migrate")
    assert run.code == 0
    assert "applied 0002_b.sql" in run.out
    assert "0002_b.sql was applied after later-numbered migrations" in run.err
    assert journal(project / "app.db") == ["0001_a.sql", "0003_c.sql", "0002_b.sql"]
    data = sk("status", "--format", "json").json()
    assert {m["name"]: m["state"] for m in data["migrations"]} == {
        "0001_a.sql": "applied",
        "0002_b.sql": "applied",
        "0003_c.sql": "applied",
    }


def test_migrations_shipped_in_a_zipped_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    """``package:resource`` migrations are read with importlib.resources, even from a zip."""
    import zipfile

    import sqlkeel

    package = "sqlkeel_test_zipped_app"
    wheel = tmp_path / "app.zip"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"{package}/__init__.py", "")
        zf.writestr(f"{package}/migrations/0001_init.sql", USERS)
        zf.writestr(f"{package}/migrations/0002_notes.sql", NOTES)
    monkeypatch.syspath_prepend(str(wheel))
    monkeypatch.delitem(sys.modules, package, raising=False)
    monkeypatch.chdir(tmp_path)
    spec = f"{package}:migrations"
    run = sk("migrate", "-d", "cli.db", "--migrations", spec)
    assert run.code == 0, run.err
    assert journal(tmp_path / "cli.db") == ["0001_init.sql", "0002_notes.sql"]
    conn = sqlkeel.open_database(tmp_path / "data" / "app.db", spec)
    try:
        assert conn.isolation_level is None
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
        assert names == ["0001_init.sql", "0002_notes.sql"]
        assert sqlkeel.drift(migrations=spec, database=conn).ok
    finally:
        conn.close()
    monkeypatch.delitem(sys.modules, package, raising=False)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_two_branches_each_adding_a_migration_cannot_merge_quietly(project: Path, sk: Any) -> None:
    """git conflicts on sqlkeel.sum; check names the duplicate; renumber + hash; both apply."""
    if _git(project, "--version").returncode != 0:
        pytest.skip("git is not installed")
    generated(sk, project, USERS, "--name", "init")
    assert _git(project, "init", "-q", "-b", "main").returncode == 0
    _git(project, "add", "-A")
    assert _git(project, "commit", "-qm", "init").returncode == 0
    for branch, table in (("left", "a"), ("right", "b")):
        _git(project, "checkout", "-q", "-b", branch, "main")
        (project / "schema" / f"{table}.sql").write_text(f"CREATE TABLE {table}(x);\n")
        assert sk("generate", "--name", table).code == 0
        _git(project, "add", "-A")
        assert _git(project, "commit", "-qm", branch).returncode == 0
    _git(project, "checkout", "-q", "main")
    assert _git(project, "merge", "-q", "left").returncode == 0
    merge = _git(project, "merge", "right")
    assert merge.returncode != 0 and "migrations/sqlkeel.sum" in merge.stdout
    run = sk("check")
    assert run.code == 3
    assert "duplicate:" in run.out and "0002_a.sql and 0002_b.sql" in run.out
    assert "conflict:" in run.out
    assert sk("migrate").code == 1
    (project / "migrations" / "0002_b.sql").rename(project / "migrations" / "0003_b.sql")
    assert sk("hash").code == 0
    assert sk("check").code == 0
    run = sk("migrate")
    assert run.code == 0
    assert journal(project / "app.db") == ["0001_init.sql", "0002_a.sql", "0003_b.sql"]


# --- check -------------------------------------------------------------------------------


def test_check_passes_when_everything_agrees(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    run = sk("check")
    assert run.code == 0
    assert run.out.startswith("ok:")
    run = sk("check", "--format", "json")
    assert run.code == 0
    assert run.json() == {"version": 1, "ok": True, "problems": [], "stale_sql": ""}


def test_check_finds_a_schema_changed_without_a_migration(project: Path, sk: Any) -> None:
    """drizzle-kit #5059: `check` must fail when the schema moved on and no migration was made."""
    generated(sk, project, USERS)
    schema(project, USERS + NOTES)
    run = sk("check")
    assert run.code == 3
    assert "stale:" in run.out and "sqlkeel generate" in run.out
    assert "create table notes" in run.out
    assert "CREATE TABLE notes" in run.out  # the missing migration is shown
    run = sk("check", "--format", "json")
    assert run.code == 3
    data = run.json()
    assert data["version"] == 1 and data["ok"] is False
    assert [p["kind"] for p in data["problems"]] == ["stale"]
    assert "CREATE TABLE notes" in data["stale_sql"]
    assert sk("generate").code == 0
    assert sk("check").code == 0


def test_check_finds_a_migration_edited_after_hash(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    assert sk("hash").code == 0
    path = project / "migrations" / first
    path.write_text(path.read_text().replace("name TEXT", "name TEXT NOT NULL"))
    schema(project, USERS.replace("name TEXT", "name TEXT NOT NULL"))
    run = sk("check")
    assert run.code == 3
    assert f"edited: {first} was edited after it was recorded in sqlkeel.sum" in run.out
    problems = sk("check", "--format", "json").json()["problems"]
    assert problems == [
        {
            "kind": "edited",
            "message": f"{first} was edited after it was recorded in sqlkeel.sum",
            "names": [first],
        }
    ]
    assert sk("hash").code == 0  # a deliberate edit: record it
    assert sk("check").code == 0


def test_line_endings_do_not_count_as_an_edit(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    path = project / "migrations" / first
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert sk("check").code == 0


def test_check_finds_a_file_not_in_the_sum(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0002_by_hand.sql").write_text(
        "CREATE INDEX users_name ON users(name);\n"
    )
    schema(project, USERS + "CREATE INDEX users_name ON users(name);\n")
    run = sk("check")
    assert run.code == 3
    assert "unrecorded: 0002_by_hand.sql is not in sqlkeel.sum" in run.out
    assert "sqlkeel hash" in run.out
    assert sk("hash").code == 0
    assert sk("check").code == 0


def test_check_without_a_sum_file(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "sqlkeel.sum").unlink()
    run = sk("check")
    assert run.code == 3
    assert "there is no sqlkeel.sum" in run.out


def test_check_finds_a_missing_file(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    second = generated(sk, project, USERS + NOTES)
    (project / "migrations" / second).unlink()
    run = sk("check")
    assert run.code == 3
    assert f"missing: {second} is recorded in sqlkeel.sum but the file is gone" in run.out
    kinds = [p["kind"] for p in sk("check", "--format", "json").json()["problems"]]
    assert "missing" in kinds


def test_check_names_both_files_of_a_duplicate_number(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0002_left.sql").write_text("CREATE TABLE l(x);\n")
    (project / "migrations" / "0002_right.sql").write_text("CREATE TABLE r(x);\n")
    schema(project, USERS + "CREATE TABLE l(x);\nCREATE TABLE r(x);\n")
    assert sk("hash").code == 0
    run = sk("check")
    assert run.code == 3
    assert "duplicate:" in run.out
    assert "0002_left.sql and 0002_right.sql" in run.out and "renumber" in run.out
    (dup,) = [
        p for p in sk("check", "--format", "json").json()["problems"] if p["kind"] == "duplicate"
    ]
    assert dup["names"] == ["0002_left.sql", "0002_right.sql"]
    (project / "migrations" / "0002_right.sql").rename(project / "migrations" / "0003_right.sql")
    assert sk("hash").code == 0
    assert sk("check").code == 0


def test_check_finds_a_gap_in_the_numbers(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    (project / "migrations" / "0003_later.sql").write_text("CREATE TABLE later(x);\n")
    schema(project, USERS + "CREATE TABLE later(x);\n")
    assert sk("hash").code == 0
    run = sk("check", "--format", "json")
    assert run.code == 3
    assert [p["kind"] for p in run.json()["problems"]] == ["gap"]
    assert "0002" in run.json()["problems"][0]["message"]


def test_check_finds_merge_conflict_markers_in_the_sum(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    path = project / "migrations" / "sqlkeel.sum"
    path.write_text(path.read_text() + "<<<<<<< HEAD\n=======\n>>>>>>> other\n")
    run = sk("check")
    assert run.code == 3
    assert "conflict:" in run.out and "merge-conflict markers" in run.out


def test_check_with_a_database_finds_pending_migrations(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    assert sk("check").code == 0
    run = sk("check", "-d", "app.db")
    assert run.code == 3
    assert f"pending: {first} is not applied to the database" in run.out
    assert not (project / "app.db").exists()  # check only reads
    assert sk("migrate").code == 0
    assert sk("check", "-d", "app.db").code == 0
    second = generated(sk, project, USERS + NOTES)
    data = sk("check", "-d", "app.db", "--format", "json").json()
    assert data["problems"] == [
        {
            "kind": "pending",
            "message": f"{second} is not applied to the database",
            "names": [second],
        }
    ]


def test_check_with_a_database_finds_an_edited_applied_migration(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    assert sk("migrate").code == 0
    path = project / "migrations" / first
    path.write_text(path.read_text() + "-- edited\n")
    assert sk("hash").code == 0  # the sum agrees now; the database still knows
    run = sk("check", "-d", "app.db")
    assert run.code == 3
    assert f"edited: {first} was edited after the database applied it" in run.out


def test_check_with_a_database_reports_drift(project: Path, sk: Any) -> None:
    """DESIGN §4: `check` with a database finds pending migrations *and drift*."""
    generated(sk, project, USERS)
    assert sk("migrate").code == 0
    sql(project / "app.db", "ALTER TABLE users ADD COLUMN last_seen TEXT;")
    assert sk("drift").code == 3
    run = sk("check", "-d", "app.db")
    assert run.code == 3, "check -d passes on a database that drifted: " + run.out
    assert "last_seen" in run.out


# --- status ------------------------------------------------------------------------------


def test_status_shows_each_state(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    second = generated(sk, project, USERS + NOTES)
    run = sk("status")
    assert run.code == 0
    assert run.out.splitlines() == [
        f"database: {project / 'app.db'}",
        f"pending  {first}",
        f"pending  {second}",
    ]
    assert not (project / "app.db").exists()  # status only reads
    assert sk("migrate").code == 0
    third = generated(sk, project, USERS + NOTES + "CREATE TABLE tags(x);\n")
    path = project / "migrations" / first
    path.write_text(path.read_text() + "-- edited\n")
    run = sk("status")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[1].startswith(f"edited   {first}  ") and lines[1].endswith(" ms")
    assert lines[2].startswith(f"applied  {second}  ")
    assert lines[3] == f"pending  {third}"
    data = sk("status", "--format", "json").json()
    assert data["version"] == 1 and data["database"] == str(project / "app.db")
    assert [(m["name"], m["state"]) for m in data["migrations"]] == [
        (first, "edited"),
        (second, "applied"),
        (third, "pending"),
    ]
    applied = data["migrations"][1]
    assert set(applied) == {"name", "state", "applied_at", "duration_ms"}
    assert applied["applied_at"].endswith("Z") and applied["duration_ms"] >= 0
    assert data["migrations"][2]["applied_at"] is None


def test_status_shows_a_missing_file_in_number_order(project: Path, sk: Any) -> None:
    first = generated(sk, project, USERS)
    second = generated(sk, project, USERS + NOTES)
    assert sk("migrate").code == 0
    (project / "migrations" / second).unlink()
    data = sk("status", "--format", "json").json()
    assert {m["name"]: m["state"] for m in data["migrations"]} == {
        first: "applied",
        second: "missing",
    }
    run = sk("status")
    assert any(line.startswith(f"missing  {second}") for line in run.out.splitlines())
    # rows are listed in migration order: 0001 before 0002
    assert [m["name"] for m in data["migrations"]] == [first, second]


def test_status_without_migrations(project: Path, sk: Any) -> None:
    run = sk("status")
    assert run.code == 0 and run.out.splitlines()[-1] == "no migrations"


# --- drift -------------------------------------------------------------------------------


def test_drift_is_clean_after_migrate(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    assert sk("migrate").code == 0
    run = sk("drift")
    assert run.code == 0
    assert run.out.startswith("no drift")
    assert sk("drift", "--format", "json").json() == {"version": 1, "ok": True, "differences": []}


def test_drift_names_an_alter_made_outside_the_migrations(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    assert sk("migrate").code == 0
    sql(project / "app.db", "ALTER TABLE users ADD COLUMN last_seen TEXT;")
    run = sk("drift")
    assert run.code == 3
    assert "users" in run.out and "last_seen" in run.out
    assert "outside migrations" in run.out
    data = sk("drift", "--format", "json").json()
    assert data["version"] == 1 and data["ok"] is False
    assert any("last_seen" in d["message"] and d["kind"] == "column" for d in data["differences"])


def test_drift_names_a_dropped_index_and_an_extra_table(project: Path, sk: Any) -> None:
    generated(sk, project, USERS + "CREATE INDEX users_name ON users(name);\n")
    assert sk("migrate").code == 0
    sql(project / "app.db", "DROP INDEX users_name; CREATE TABLE scratch(x);")
    run = sk("drift")
    assert run.code == 3
    assert "users_name" in run.out and "scratch" in run.out


def test_drift_compares_with_the_applied_migrations_only(project: Path, sk: Any) -> None:
    generated(sk, project, USERS)
    assert sk("migrate").code == 0
    generated(sk, project, USERS + NOTES)  # pending: not drift
    assert sk("drift").code == 0


def test_drift_on_a_missing_database_is_an_error(project: Path, sk: Any) -> None:
    run = sk("drift", "-d", "nowhere.db")
    assert run.code == 1 and "nowhere.db: no such file" in run.err


# --- hash --------------------------------------------------------------------------------


def test_hash_rewrites_the_sum(project: Path, sk: Any) -> None:
    (project / "migrations" / "0001_by_hand.sql").write_text("CREATE TABLE t(x);\n")
    run = sk("hash")
    assert run.code == 0
    assert run.out.strip() == f"wrote {project / 'migrations' / 'sqlkeel.sum'}"
    recorded = read_sum(project / "migrations")
    assert recorded == {"0001_by_hand.sql": checksum("CREATE TABLE t(x);\n")}
    lines = (project / "migrations" / "sqlkeel.sum").read_text().splitlines()
    assert lines[0].startswith("#") and lines[1].startswith("total sha256:")
    data = sk("hash", "--format", "json").json()
    assert data == {"version": 1, "written": str(project / "migrations" / "sqlkeel.sum")}


# --- tour --------------------------------------------------------------------------------


def test_tour_runs_every_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = sk("tour")
    assert run.code == 0, run.out + run.err
    for n in range(1, 10):
        assert f"\n== {n}. " in run.out
    assert "tour done" in run.out and "FAILED" not in run.out
    assert Path.cwd() == tmp_path and list(tmp_path.iterdir()) == []


def test_tour_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = sk("tour", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert data["version"] == 1 and data["ok"] is True
    assert len(data["steps"]) == 9
    assert all(s["exit_code"] == s["expected"] for s in data["steps"])
    assert [s["exit_code"] for s in data["steps"]].count(3) == 2  # check, then drift


# --- configuration, environment, errors -------------------------------------------------


def test_config_option_points_at_a_project_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    app = tmp_path / "app"
    (app / "db" / "schema").mkdir(parents=True)
    (app / "db" / "schema" / "app.sql").write_text(USERS)
    (app / "sqlkeel.toml").write_text(
        '[tool.sqlkeel]\nschema = "db/schema"\nmigrations = "db/migrations"\n'
        'database = "var/app.db"\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = "../app/sqlkeel.toml"
    assert sk("check", "--config", config).code == 3  # stale: no migration yet
    assert sk("generate", "--config", config).code == 0
    assert (app / "db" / "migrations" / "0001_create_table_users.sql").is_file()
    assert sk("migrate", "--config", config).code == 0
    assert journal(app / "var" / "app.db") == ["0001_create_table_users.sql"]
    assert sk("check", "--config", config, "-d", str(app / "var" / "app.db")).code == 0
    assert sk("status", "--config", config).code == 0
    assert sk("drift", "--config", config).code == 0
    assert list(elsewhere.iterdir()) == []


def test_config_option_naming_a_missing_file(project: Path, sk: Any) -> None:
    run = sk("check", "--config", "nope.toml")
    assert run.code == 1 and "nope.toml: no such configuration file" in run.err


def test_a_pyproject_config_is_found_from_a_subdirectory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any
) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert sk("init").code == 0
    schema(tmp_path, USERS)
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    assert sk("generate").code == 0
    assert sk("migrate").code == 0
    assert journal(tmp_path / "app.db") == ["0001_create_table_users.sql"]


def test_sqlkeel_database_overrides_the_config(
    project: Path, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = generated(sk, project, USERS)
    monkeypatch.setenv("SQLKEEL_DATABASE", str(project / "other" / "env.db"))
    run = sk("migrate", "--format", "json")
    assert run.code == 0
    assert run.json()["database"] == str(project / "other" / "env.db")
    assert journal(project / "other" / "env.db") == [first]
    assert not (project / "app.db").exists()
    assert sk("status", "--format", "json").json()["database"] == str(project / "other" / "env.db")
    assert sk("drift").code == 0
    # -d wins over the environment
    assert sk("migrate", "-d", "cli.db").code == 0
    assert journal(project / "cli.db") == [first]


@pytest.mark.parametrize(
    "args",
    [["generate"], ["check"], ["migrate"], ["status"], ["drift"], ["hash"]],
    ids=lambda a: a[0],
)
def test_a_missing_config_says_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sk: Any, args: list[str]
) -> None:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = sk(*args)
    assert run.code == 1
    assert "no sqlkeel configuration found" in run.err and "sqlkeel init" in run.err
    assert run.out == ""
    run = sk(*args, "--format", "json")
    assert run.code == 1
    error = run.json()["error"]
    assert error["type"] == "ConfigError" and "sqlkeel init" in error["message"]


def test_traceback_shows_the_stack(project: Path, sk: Any) -> None:
    run = sk("check", "--config", "nope.toml")
    assert "(run with --traceback for the stack trace)" in run.err
    assert "Traceback" not in run.err
    run = sk("check", "--config", "nope.toml", "--traceback")
    assert run.code == 1
    assert "Traceback (most recent call last)" in run.err and "ConfigError" in run.err
    assert "sqlkeel: error: nope.toml: no such configuration file" in run.err


def test_usage_errors_exit_2(project: Path, sk: Any) -> None:
    assert sk("migrate", "--no-such-option").code == 2
    assert sk("migrate", "--to", "two").code == 2
    assert sk("check", "--format", "yaml").code == 2
    assert sk("no-such-command").code == 2


def test_version_and_help(sk: Any) -> None:
    run = sk("--version")
    assert run.code == 0 and run.out.startswith("sqlkeel, version ")
    run = sk("--help")
    assert run.code == 0
    for command in ("init", "generate", "migrate", "check", "status", "drift", "hash", "tour"):
        assert f"  {command} " in run.out


@pytest.mark.parametrize(
    "command", ["init", "generate", "migrate", "check", "status", "drift", "hash", "tour"]
)
def test_every_command_takes_the_common_options(sk: Any, command: str) -> None:
    run = sk(command, "--help")
    assert run.code == 0
    for option in ("--config", "--format", "--traceback"):
        assert option in run.out
    if command in {"migrate", "check", "status", "drift"}:
        assert "-d, --database" in run.out


# --- end to end: the installed console script --------------------------------------------


def _console_script() -> Path:
    bindir = Path(sys.executable).parent
    script = bindir / ("sqlkeel.exe" if os.name == "nt" else "sqlkeel")
    if not script.exists():
        pytest.skip(f"the sqlkeel console script is not installed beside {sys.executable}")
    return script


def _run_script(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SQLKEEL_DATABASE"}
    return subprocess.run(
        [str(_console_script()), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_console_script_tour(tmp_path: Path) -> None:
    done = _run_script(["tour"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tour done" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_console_script_generate_migrate_check_loop(tmp_path: Path) -> None:
    def ok(*args: str, code: int = 0) -> str:
        done = _run_script(list(args), tmp_path)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout

    ok("init")
    schema(tmp_path, USERS)
    ok("check", code=3)
    ok("generate", "--name", "init")
    ok("check")
    ok("check", "-d", "app.db", code=3)  # pending
    assert "applied 0001_init.sql" in ok("migrate")
    ok("check", "-d", "app.db")
    schema(tmp_path, USERS + NOTES)
    ok("check", code=3)
    ok("generate", "--name", "notes")
    assert "applied 0002_notes.sql" in ok("migrate")
    ok("check", "-d", "app.db")
    ok("drift")
    status = json.loads(ok("status", "--format", "json"))
    assert [m["state"] for m in status["migrations"]] == ["applied", "applied"]
    schema(tmp_path, USERS_NO_NAME + NOTES)
    done = _run_script(["generate"], tmp_path)
    assert done.returncode == 4 and "drop column users.name" in done.stderr
    done = _run_script(["migrate", "--bogus"], tmp_path)
    assert done.returncode == 2
