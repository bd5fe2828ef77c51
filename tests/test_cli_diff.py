"""``sqlkeel diff``: output, exit codes and errors, in-process with click's CliRunner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqlkeel.cli.main import cli, main


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "a.sql").write_text("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, age INT);\n")
    (tmp_path / "b.sql").write_text(
        "CREATE TABLE users(\n  id INTEGER PRIMARY KEY,\n"
        "  full_name TEXT, -- sqlkeel: renamed-from name\n  age INT,\n  email TEXT\n);\n"
    )
    (tmp_path / "c.sql").write_text("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_prints_a_complete_script(files: Path) -> None:
    code, out, _ = run("diff", str(files / "a.sql"), str(files / "b.sql"))
    assert code == 0
    assert out.count("BEGIN;") == 1 and out.rstrip().endswith("COMMIT;")
    assert 'RENAME COLUMN "name" TO "full_name"' in out
    assert "ADD COLUMN email TEXT" in out


def test_script_applies_to_the_from_database(files: Path, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript((files / "a.sql").read_text() + "INSERT INTO users VALUES (1, 'Ann', 30);")
    conn.close()
    code, out, _ = run("diff", str(db), str(files / "b.sql"))
    assert code == 0
    conn = sqlite3.connect(db)
    conn.executescript(out)
    assert conn.execute("SELECT id, full_name, age, email FROM users").fetchall() == [(1, "Ann", 30, None)]
    code, out, _ = run("diff", str(db), str(files / "b.sql"))
    assert (code, out) == (0, "")


def test_equal_schemas_print_nothing(files: Path) -> None:
    assert run("diff", str(files / "a.sql"), str(files / "a.sql"))[:2] == (0, "")


def test_empty_sides(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    code, out, _ = run("diff", "-", str(files / "a.sql"))
    assert code == 0 and "CREATE TABLE users" in out
    code, out, err = run_main(capsys, "diff", str(files / "a.sql"), "")
    assert code == 4 and out == "" and "drop table users" in err


def test_destructive_plan_is_refused_with_exit_4(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    code, out, err = run_main(capsys, "diff", str(files / "a.sql"), str(files / "c.sql"))
    assert code == 4 and out == ""
    assert "users.age" in err and "--allow-destructive" in err
    code, out, _ = run_main(capsys, "diff", str(files / "a.sql"), str(files / "c.sql"), "--allow-destructive")
    assert code == 0 and 'DROP COLUMN "age"' in out


def test_rename_option(files: Path) -> None:
    (files / "d.sql").write_text("CREATE TABLE members(id INTEGER PRIMARY KEY, nick TEXT, age INT);\n")
    code, out, _ = run(
        "diff", str(files / "a.sql"), str(files / "d.sql"), "--rename", "users=members", "--rename", "users.name=nick"
    )
    assert code == 0
    assert 'ALTER TABLE "users" RENAME TO "members"' in out
    assert 'RENAME COLUMN "name" TO "nick"' in out


def test_bad_rename_option_is_a_usage_error(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    code, _, err = run_main(capsys, "diff", str(files / "a.sql"), str(files / "b.sql"), "--rename", "nonsense")
    assert code == 2 and "OLD=NEW" in err


def test_json_format(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    code, out, _ = run_main(capsys, "diff", str(files / "a.sql"), str(files / "c.sql"), "--format", "json")
    data = json.loads(out)
    assert code == 4 and data["refused"] is True and data["version"] == 1
    assert [op["kind"] for op in data["ops"]] == ["drop_column"]
    assert data["ops"][0]["hazards"] == [{"kind": "data_loss", "message": "column users.age and its values are deleted"}]


def test_syntax_error_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE ok(a INT);\n\nCREATE TABLE broken(a INT,);\n")
    code, out, err = run_main(capsys, "diff", "-", str(bad))
    assert code == 1 and out == ""
    assert f"{bad}:3:" in err and "syntax error" in err
    assert "Traceback" not in err


def test_traceback_flag_shows_the_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "diff", "-", str(tmp_path / "missing.sql"), "--traceback")
    assert code == 1 and "Traceback" in err and "no such file" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not a database, just text\n", "syntax error"), (b"\x00\x01\x02binary", "neither a SQLite database")],
)
def test_a_file_that_is_not_sqlite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    f = tmp_path / "app.db"
    f.write_bytes(content)
    code, _, err = run_main(capsys, "diff", str(f), "-")
    assert code == 1 and message in err


def test_a_truncated_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t(a); INSERT INTO t VALUES (randomblob(100000));")
    conn.close()
    db.write_bytes(db.read_bytes()[:1500])
    code, _, err = run_main(capsys, "diff", str(db), "-")
    assert code == 1 and "app.db" in err and "Traceback" not in err


def test_a_directory_of_sql_files_runs_in_name_order(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "02_index.sql").write_text("CREATE INDEX users_name ON users(name);\n")
    (schema / "01_users.sql").write_text("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n")
    code, out, _ = run("diff", "-", str(schema))
    assert code == 0 and out.index("CREATE TABLE users") < out.index("CREATE INDEX users_name")
