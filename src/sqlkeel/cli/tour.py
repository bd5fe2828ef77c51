"""``sqlkeel tour``: the whole loop on a sample project in a temporary directory.

Each step runs a real ``sqlkeel`` command (in this process) on real files and an embedded
SQLite database, prints it and its output, and checks its exit code. The directory is
removed at the end. Exit code 0 when every step behaved as expected.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

SCHEMA_V1 = """\
CREATE TABLE users (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL
);

CREATE TABLE notes (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body     TEXT NOT NULL
);

CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');

CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body);
END;
"""

SCHEMA_V2 = """\
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  full_name  TEXT NOT NULL,          -- sqlkeel: renamed-from name
  email      TEXT COLLATE NOCASE
);

CREATE UNIQUE INDEX users_email ON users(email) WHERE email IS NOT NULL;

CREATE TABLE notes (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body     TEXT NOT NULL
);

CREATE VIRTUAL TABLE notes_fts USING fts5(
  body, content='notes', content_rowid='id', tokenize='porter unicode61'
);

CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body);
END;
"""


def run_tour(echo: Callable[..., None], steps: list[dict[str, object]] | None = None) -> int:
    """Run the tour, printing through ``echo``; 0 when every step did what it should.

    With ``steps`` (a list), each step's command, exit code and output are appended to it
    and the commands' own output is captured instead of printed (for ``--format json``).
    """
    import contextlib
    import io

    from sqlkeel.cli.main import main

    failures: list[str] = []
    old_cwd = Path.cwd()
    tmp = Path(tempfile.mkdtemp(prefix="sqlkeel-tour-"))

    def step(title: str, args: list[str], expect: int) -> None:
        echo(f"\n== {title}\n$ sqlkeel {' '.join(args)}")
        if steps is None:
            code = main(args)
        else:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = main(args)
            steps.append(
                {
                    "title": title,
                    "command": ["sqlkeel", *args],
                    "exit_code": code,
                    "expected": expect,
                    "output": out.getvalue(),
                }
            )
        if code != expect:
            failures.append(f"`sqlkeel {' '.join(args)}` exited {code}, expected {expect}")
            echo(f"!! exit code {code}, expected {expect}")
        elif code:
            echo(f"(exit code {code}, as expected)")

    try:
        os.chdir(tmp)
        echo(f"sqlkeel tour, in {tmp} (removed at the end)")
        step("1. a new project", ["init"], 0)
        (tmp / "schema" / "app.sql").write_text(SCHEMA_V1, encoding="utf-8")
        echo("\n(wrote schema/app.sql: users, notes, an FTS5 index with its trigger)")
        step("2. the first migration, generated from the schema", ["generate", "--name", "init"], 0)
        step(
            "3. apply it: the app does this at startup with sqlkeel.open_database()",
            ["migrate", "-d", "app.db"],
            0,
        )
        with sqlite3.connect(tmp / "app.db") as conn:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("INSERT INTO users(name) VALUES ('Ada'), ('Grace')")
            conn.execute(
                "INSERT INTO notes(user_id, body) VALUES (1, 'running the engine'), (2, 'compilers')"
            )
        conn.close()
        echo("\n(the app wrote 2 users and 2 notes)")
        step("4. status", ["status", "-d", "app.db"], 0)
        (tmp / "schema" / "app.sql").write_text(SCHEMA_V2, encoding="utf-8")
        echo(
            "\n(edited schema/app.sql: users.name renamed to full_name, an email column with a unique index, stemming search)"
        )
        step("5. CI catches a schema change without a migration", ["check"], 3)
        step("6. generate the second migration", ["generate", "--name", "email_and_stemming"], 0)
        step("7. now check passes", ["check"], 0)
        step("8. apply it on the database with rows", ["migrate", "-d", "app.db"], 0)
        with sqlite3.connect(tmp / "app.db") as conn:
            rows = conn.execute("SELECT id, full_name FROM users ORDER BY id").fetchall()
            hits = conn.execute(
                "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'run'"
            ).fetchall()
        conn.close()
        echo(f"\n(users kept: {rows}; stemmed search for 'run' finds note {hits})")
        if rows != [(1, "Ada"), (2, "Grace")] or hits != [(1,)]:
            failures.append("rows or search results changed")
        with sqlite3.connect(tmp / "app.db") as conn:
            conn.execute("ALTER TABLE users ADD COLUMN last_seen TEXT")
        conn.close()
        echo("\n(another connection ran its own ALTER TABLE users ADD COLUMN last_seen)")
        step("9. drift names what changed outside the migrations", ["drift", "-d", "app.db"], 3)
    finally:
        os.chdir(old_cwd)
        shutil.rmtree(tmp, ignore_errors=True)
    echo("")
    if failures:
        for f in failures:
            echo(f"tour FAILED: {f}")
        return 1
    echo("tour done: every step behaved as expected; the temporary project is removed.")
    return 0
