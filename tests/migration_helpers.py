"""Helpers for the migration fault tests: files, dumps, the CLI, and processes started together.

Processes are started with :func:`start_together`: each one imports what it needs, writes a
``ready-N`` file and then waits for a ``go`` file, so that they call ``migrate`` at the same
moment instead of one after the other as they finish starting. Each prints one JSON record (its
start and end times, what it applied, any error) as its last line of output.

The processes run ``sys.executable`` and therefore the system ``sqlite3`` module even when the
suite itself runs with ``SQLKEEL_TEST_SQLITE=pysqlite3`` (conftest swaps the module in-process
only); the database files they write are read back in-process with whichever module is active.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlkeel.cli.main import main as cli_main

# A process that calls migrate (``api``), open_database (``open``) or the CLI (``cli``) once the
# barrier opens. argv: mode db migrations barrier index
MIGRATE_WORKER = r"""
import contextlib, io, json, os, sys, time
mode, db, migrations, barrier, index = sys.argv[1:6]
import sqlkeel
from sqlkeel.runner.migrate import migrate, open_database
from sqlkeel.cli.main import main
open(os.path.join(barrier, "ready-" + index), "w").close()
go = os.path.join(barrier, "go")
while not os.path.exists(go):
    time.sleep(0.001)
record = {"index": int(index), "start": time.time()}
code = 0
try:
    if mode == "api":
        result = migrate(db, migrations)
        record["applied"] = list(result.names)
        record["already_applied"] = result.already_applied
    elif mode == "open":
        conn = open_database(db, migrations)
        record["applied"] = None
        conn.close()
    else:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["migrate", "-d", db, "--migrations", migrations, "--format", "json"])
        payload = json.loads(out.getvalue())
        record["cli"] = payload
        record["applied"] = [m["name"] for m in payload.get("applied", [])]
        if code:
            record["error"] = payload.get("error")
except Exception as exc:
    record["error"] = type(exc).__module__ + "." + type(exc).__name__ + ": " + str(exc)
    code = 1
record["end"] = time.time()
print(json.dumps(record))
sys.exit(code)
"""

# A process that reads the database until a ``stop`` file appears: in each read transaction the
# schema, the journal and a row count, recorded as a state with the times it was seen.
# argv: db barrier index
READ_WORKER = r"""
import json, os, sqlite3, sys, time
db, barrier, index = sys.argv[1:4]
conn = sqlite3.connect(db, isolation_level=None, timeout=5.0)
def observe():
    conn.execute("BEGIN")
    try:
        schema = conn.execute(
            "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name"
        ).fetchall()
        journal = [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")]
        rows = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        columns = [r[1] for r in conn.execute("PRAGMA table_info(items)")]
        conn.execute("SELECT * FROM items ORDER BY id LIMIT 5").fetchall()
    finally:
        conn.execute("COMMIT")
    return json.dumps({"schema": schema, "journal": journal, "rows": rows, "columns": columns})
states = {}
errors = []
reads = 0
def note():
    global reads
    started = time.time()
    try:
        key = observe()
    except sqlite3.Error as exc:
        errors.append(type(exc).__name__ + ": " + str(exc))
        return
    ended = time.time()
    reads += 1
    seen = states.setdefault(key, {"first": ended, "last": ended, "count": 0, "slowest": 0.0})
    seen["last"] = ended
    seen["count"] += 1
    seen["slowest"] = max(seen["slowest"], ended - started)
note()
open(os.path.join(barrier, "ready-" + index), "w").close()
stop = os.path.join(barrier, "stop")
while not os.path.exists(stop):
    note()
    time.sleep(0.002)
note()
print(json.dumps({"index": int(index), "reads": reads, "errors": errors,
                  "states": [dict(v, state=json.loads(k)) for k, v in states.items()]}))
"""


@dataclass
class Report:
    """What one process did: its exit code, its JSON record and its output."""

    returncode: int
    record: dict[str, Any]
    stdout: str
    stderr: str

    def describe(self) -> str:
        return f"exit {self.returncode}; record {self.record}; stderr:\n{self.stderr[-2000:]}"


@dataclass
class Group:
    """Processes started with a barrier; release them with :meth:`go`."""

    barrier: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    ready_prefix: str = "ready-"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ready = len(list(self.barrier.glob(f"{self.ready_prefix}*")))
            if ready >= len(self.processes):
                return
            dead = [p for p in self.processes if p.poll() is not None]
            if dead:
                out, err = dead[0].communicate()
                self.kill()
                raise AssertionError(f"a process died before the barrier:\n{out}\n{err}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"only {ready}/{len(self.processes)} processes got ready")
            time.sleep(0.01)

    def go(self) -> None:
        (self.barrier / "go").touch()

    def collect(self, timeout: float = 120.0) -> list[Report]:
        reports = []
        deadline = time.monotonic() + timeout
        for p in self.processes:
            try:
                out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill()
                raise
            last = out.strip().splitlines()[-1] if out.strip() else ""
            try:
                record = json.loads(last) if last.startswith("{") else {}
            except json.JSONDecodeError:
                record = {}
            reports.append(Report(p.returncode, record, out, err))
        return reports

    def kill(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait()


def start_together(
    commands: Sequence[Sequence[str]], barrier: Path, *, cwd: Path | None = None
) -> Group:
    """Start ``commands`` (each gets nothing extra: put barrier and index in them) in parallel."""
    barrier.mkdir(parents=True, exist_ok=True)
    group = Group(barrier)
    env = dict(os.environ)
    env.pop("SQLKEEL_TEST_SQLITE", None)
    for command in commands:
        group.processes.append(
            subprocess.Popen(
                list(command),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=cwd,
                env=env,
            )
        )
    return group


def migrate_command(
    mode: str, db: Path, migrations: Path | str, barrier: Path, index: int
) -> list[str]:
    return [
        sys.executable,
        "-c",
        MIGRATE_WORKER,
        mode,
        str(db),
        str(migrations),
        str(barrier),
        str(index),
    ]


def read_command(db: Path, barrier: Path, index: int) -> list[str]:
    return [sys.executable, "-c", READ_WORKER, str(db), str(barrier), str(index)]


def write_files(directory: Path, files: Mapping[str, str]) -> Path:
    """Write ``name → text`` into ``directory`` (created); return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@contextlib.contextmanager
def opened(db: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection (no house pragmas), closed afterwards."""
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _rows(conn: sqlite3.Connection) -> list[Any]:
    """Every schema row, then every row of every stored table in a stable order.

    (``Connection.iterdump`` would do, but pysqlite3's connection does not have it.)"""
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid"
    ).fetchall()
    out: list[Any] = list(schema)
    tables = conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 ORDER BY name"
    ).fetchall()
    for (name,) in tables:
        quoted = '"' + name.replace('"', '""') + '"'
        width = len(conn.execute(f"SELECT * FROM {quoted} LIMIT 0").description)
        order = ", ".join(str(i) for i in range(1, width + 1))
        out.append((name, conn.execute(f"SELECT * FROM {quoted} ORDER BY {order}").fetchall()))
    return out


def snapshot(db: Path) -> dict[str, Any]:
    """The state a failed migrate must leave untouched: schema rows, data, header pragmas."""
    with opened(db) as conn:
        return {
            "schema": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid"
            ).fetchall(),
            "dump": _rows(conn),
            "schema_version": conn.execute("PRAGMA schema_version").fetchone()[0],
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
        }


def journal(db: Path) -> list[tuple[str, str]]:
    """(name, checksum) rows of the journal in applied order; [] when it does not exist."""
    with opened(db) as conn:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_schema WHERE name = '_sqlkeel_migrations'"
        ).fetchone()
        if not exists:
            return []
        return conn.execute("SELECT name, checksum FROM _sqlkeel_migrations ORDER BY id").fetchall()


def journal_names(db: Path) -> list[str]:
    return [name for name, _ in journal(db)]


def epoch(iso: str) -> float:
    """A journal ``applied_at`` (UTC ISO-8601 with Z) as seconds since the epoch."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """Run the CLI in-process through its error boundary; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    return code, out.getvalue(), err.getvalue()
