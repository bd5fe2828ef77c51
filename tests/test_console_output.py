"""Terminal output: rich on a terminal, plain text when piped, NO_COLOR respected, JSON unchanged.

The in-process tests use FORCE_COLOR to stand for a terminal; one test runs the console script
on a real pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from migration_helpers import run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# SGR colour parameters: 30–37/90–97 foreground, 40–47/100–107 background, 38;…/48;… extended.
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)(?:;[0-9;]*)?m")
SCHEMA = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "NO_COLOR", "SQLKEEL_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert run_cli(["init"])[0] == 0
    (tmp_path / "schema" / "app.sql").write_text(SCHEMA, encoding="utf-8")
    assert run_cli(["generate", "--name", "init"])[0] == 0
    assert run_cli(["migrate", "-d", "app.db"])[0] == 0
    return tmp_path


def test_piped_output_is_plain_text(project: Path) -> None:
    code, out, _ = run_cli(["status", "-d", "app.db"])
    assert code == 0 and not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0] == "database: app.db"
    assert re.fullmatch(r"applied  0001_init\.sql  \S+Z  \d+\.\d ms", lines[1])
    code, out, _ = run_cli(["diff", "-", "schema"])
    assert code == 0 and not ANSI.search(out) and "CREATE TABLE users" in out


def test_a_terminal_gets_a_table_and_highlighted_sql(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = run_cli(["status", "-d", "app.db"])
    assert code == 0 and COLOUR.search(out)
    plain = ANSI.sub("", out)
    assert "┃ state" in plain and "0001_init.sql" in plain and "│" in plain
    code, out, _ = run_cli(["diff", "-", "schema"])
    assert code == 0 and COLOUR.search(out)
    assert "CREATE TABLE users" in ANSI.sub("", out)
    (project / "schema" / "app.sql").write_text(
        SCHEMA.replace("email TEXT NOT NULL", "email TEXT NOT NULL UNIQUE"), encoding="utf-8"
    )
    code, out, _ = run_cli(["generate", "--name", "unique_email"])
    assert code == 0
    plain = ANSI.sub("", out)
    assert "rebuild table users" in plain and "table_rebuild:" in plain
    assert "INSERT INTO" in plain  # the file's SQL, highlighted
    assert COLOUR.search(out)


def test_no_color_keeps_the_layout_and_drops_the_colours(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run_cli(["status", "-d", "app.db"])
    assert code == 0 and "┃ state" in ANSI.sub("", out)
    assert not COLOUR.search(out), repr(out)
    code, out, _ = run_cli(["diff", "-", "schema"])
    assert not COLOUR.search(out)


def test_json_is_the_same_on_a_terminal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = json.loads(run_cli(["status", "-d", "app.db", "--format", "json"])[1])
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = run_cli(["status", "-d", "app.db", "--format", "json"])
    assert code == 0 and not ANSI.search(out) and json.loads(out) == plain
    code, out, _ = run_cli(["diff", "-", "schema", "--format", "json"])
    assert code == 0 and not ANSI.search(out) and json.loads(out)["version"] == 1


def test_term_dumb_is_plain(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    out = run_cli(["status", "-d", "app.db"])[1]
    assert not ANSI.search(out) and out.splitlines()[1].startswith("applied  0001_init.sql")


def test_a_real_terminal(project: Path) -> None:
    """The console script on a pseudo-terminal draws the table; piped, the same is plain."""
    sqlkeel = Path(sys.executable).parent / "sqlkeel"
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NO_COLOR"}}
    env.update(TERM="xterm-256color", COLUMNS="120")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(sqlkeel), "status", "-d", "app.db"],
        cwd=project,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 20)
        if not ready:
            break
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=20) == 0
    out = b"".join(chunks).decode("utf-8", "replace")
    assert COLOUR.search(out) and "┃ state" in ANSI.sub("", out)
    piped = subprocess.run(
        [str(sqlkeel), "status", "-d", "app.db"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not ANSI.search(piped.stdout) and "applied  0001_init.sql" in piped.stdout


def test_migrate_shows_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild of 200,000 rows: a bar on the terminal's stderr, nothing when piped."""
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "NO_COLOR", "SQLKEEL_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\n"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)\n"
        "INSERT INTO t(v) SELECT i FROM n;\n",
        encoding="utf-8",
    )
    (migrations / "0002_rebuild.sql").write_text(
        "CREATE TABLE t2 (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\n"
        "INSERT INTO t2(id, v) SELECT id, v FROM t;\nDROP TABLE t;\nALTER TABLE t2 RENAME TO t;\n",
        encoding="utf-8",
    )
    piped = tmp_path / "piped.db"
    code, out, err = run_cli(["migrate", "-d", str(piped), "--migrations", str(migrations)])
    assert code == 0 and "statements" not in err and not ANSI.search(out + err)
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, err = run_cli(
        ["migrate", "-d", str(tmp_path / "tty.db"), "--migrations", str(migrations)]
    )
    assert code == 0, err
    shown = ANSI.sub("", err)
    assert "0001_init.sql" in shown and "statements" in shown and "0:00:" in shown
    assert "applied 0002_rebuild.sql" in out
