"""``connect()`` (house pragmas, clear errors) and the project configuration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import sqlkeel
from sqlkeel.config import find_config, init_project, load_settings


def test_connect_applies_the_house_pragmas_and_creates_the_directory(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "app.db"
    conn = sqlkeel.connect(db)
    try:
        assert db.parent.is_dir()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.isolation_level is None  # explicit transactions
    finally:
        conn.close()


def test_connect_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    conn = sqlkeel.connect("~/data/app.db")
    conn.close()
    assert (tmp_path / "data" / "app.db").is_file()


def test_connect_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    f = tmp_path / "app.db"
    f.write_text("hello, I am a text file\n")
    with pytest.raises(sqlkeel.NotADatabaseError, match="not a SQLite database"):
        sqlkeel.connect(f)
    assert f.read_text() == "hello, I am a text file\n"  # nothing written


def test_connect_refuses_a_directory_and_a_parent_that_is_a_file(tmp_path: Path) -> None:
    with pytest.raises(sqlkeel.ConnectError, match="is a directory"):
        sqlkeel.connect(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(sqlkeel.ConnectError, match="cannot create the database directory"):
        sqlkeel.connect(blocker / "app.db")


def test_connect_memory() -> None:
    conn = sqlkeel.connect(":memory:")
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_config_is_found_upwards_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sqlkeel]\nschema = "db/schema.sql"\ndatabase = "~/x.db"\n'
    )
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    assert find_config(nested) == tmp_path / "pyproject.toml"
    settings = load_settings(cwd=nested, env={})
    assert settings.schema == str(tmp_path / "db" / "schema.sql")
    assert settings.migrations == str(tmp_path / "migrations")
    assert settings.database == Path("~/x.db").expanduser()


def test_sqlkeel_toml_wins_and_env_overrides_the_database(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sqlkeel]\nschema = "a"\n')
    (tmp_path / "sqlkeel.toml").write_text('schema = "b"\ndatabase = "app.db"\n')
    settings = load_settings(cwd=tmp_path, env={"SQLKEEL_DATABASE": "/tmp/other.db"})
    assert settings.config_file == tmp_path / "sqlkeel.toml"
    assert settings.schema == str(tmp_path / "b")
    assert settings.database == Path("/tmp/other.db")
    assert load_settings(cwd=tmp_path, env={}).database == tmp_path / "app.db"


def test_package_locations_are_kept_as_given(tmp_path: Path) -> None:
    (tmp_path / "sqlkeel.toml").write_text('schema = "myapp.models:metadata"\nmigrations = "myapp:migrations"\n')
    settings = load_settings(cwd=tmp_path, env={})
    assert settings.schema == "myapp.models:metadata"
    assert settings.migrations == "myapp:migrations"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('schema = "a"\nshcema = "b"\n', "unknown setting"),
        ("schema = [1, 2]\n", "must be a string"),
        ("schema = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sqlkeel.toml").write_text(text)
    with pytest.raises(sqlkeel.ConfigError, match=message):
        load_settings(cwd=tmp_path, env={})


def test_missing_config_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(sqlkeel.ConfigError, match="sqlkeel init"):
        load_settings(cwd=tmp_path, env={})


def test_init_is_idempotent_and_keeps_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "keepme"\n')
    config, created = init_project(tmp_path)
    assert config == tmp_path / "pyproject.toml"
    assert {p.name for p in created} == {"schema", "migrations"}
    text = config.read_text()
    assert 'name = "keepme"' in text and "[tool.sqlkeel]" in text
    again, created_again = init_project(tmp_path)
    assert again == config and created_again == [] and config.read_text() == text


def test_backup_settings(tmp_path: Path) -> None:
    (tmp_path / "sqlkeel.toml").write_text(
        '[backup]\nenabled = false\ndirectory = "snaps"\nkeep = 3\nmax_age_days = 2.5\n'
    )
    backup = load_settings(cwd=tmp_path, env={}).backup
    assert (backup.enabled, backup.directory, backup.keep, backup.max_age_days) == (
        False,
        tmp_path / "snaps",
        3,
        2.5,
    )


def test_migrate_accepts_a_connection_and_keeps_its_settings(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text("CREATE TABLE t(id INTEGER PRIMARY KEY);\n")
    conn = sqlite3.connect(tmp_path / "app.db")
    result = sqlkeel.migrate(conn, migrations)
    assert result.names == ("0001_init.sql",)
    assert conn.isolation_level == ""  # restored
    assert sqlkeel.migrate(conn, migrations).names == ()
    conn.close()
