"""The docs' walk-through runs as written: docs/tutorial.md's schemas and commands."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from migration_helpers import run_cli

DOCS = Path(__file__).resolve().parent.parent / "docs"


def sql_blocks(page: str) -> list[str]:
    return re.findall(r"```sql\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    first, second = sql_blocks("tutorial.md")[:2]
    assert run_cli(["init"])[0] == 0
    schema = tmp_path / "schema" / "app.sql"
    schema.write_text(first, encoding="utf-8")
    assert run_cli(["generate", "--name", "init"])[0] == 0
    assert (tmp_path / "migrations" / "0001_init.sql").is_file()
    assert (tmp_path / "migrations" / "sqlkeel.sum").is_file()
    assert run_cli(["migrate", "-d", "app.db"])[0] == 0
    code, out, _ = run_cli(["status", "-d", "app.db"])
    assert code == 0 and "applied  0001_init.sql" in out
    conn = sqlite3.connect(tmp_path / "app.db")
    conn.execute("INSERT INTO users(id, email) VALUES (1, 'Ada@example.org')")
    conn.execute("INSERT INTO notes(user_id, body) VALUES (1, 'kept through the rename')")
    conn.commit()
    conn.close()

    users = first[: first.index("CREATE TABLE notes")]
    schema.write_text(users + second, encoding="utf-8")
    code, out, _ = run_cli(["check"])
    assert code == 3 and "CREATE INDEX notes_user" in out
    assert run_cli(["generate", "--name", "rename_body"])[0] == 0
    assert "RENAME COLUMN" in (tmp_path / "migrations" / "0002_rename_body.sql").read_text(
        encoding="utf-8"
    )
    assert run_cli(["migrate", "-d", "app.db"])[0] == 0
    assert run_cli(["check"])[0] == 0
    conn = sqlite3.connect(tmp_path / "app.db")
    assert conn.execute("SELECT content FROM notes").fetchall() == [("kept through the rename",)]
    conn.close()
