"""Helpers for the crash-safety tests: the console script, WAL evidence, content digests, timelines.

- :func:`sqlkeel_command` is the real ``sqlkeel`` console script of the interpreter running the
  suite (``python -m sqlkeel`` when no script is installed beside it).
- :func:`wal_frames` reads the frame headers of a ``-wal`` file: how many frames a killed
  process left, and how many of them come after the last commit frame (pages of a transaction
  that never committed). This is evidence of where a kill landed that does not depend on timing.
- :func:`content` digests every row of the tables the tests populate (SHA-256 of the rows in
  primary-key order), so that "no row lost, no value changed" is one comparison.
- :data:`TRACER` runs the console script's ``main`` with every ``sqlite3`` connection traced
  (wall-clock time of each statement's start); :func:`phases` turns that into the timeline the
  kill times are classified against.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlkeel.model.names import quote_identifier


def sqlkeel_command() -> list[str]:
    """argv prefix that runs the installed ``sqlkeel`` console script."""
    beside = Path(sys.executable).parent / ("sqlkeel.exe" if os.name == "nt" else "sqlkeel")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("sqlkeel")
    return [found] if found else [sys.executable, "-m", "sqlkeel"]


def subprocess_env() -> dict[str, str]:
    """The environment for child processes (the suite's SQLite switch is in-process only)."""
    env = dict(os.environ)
    env.pop("SQLKEEL_TEST_SQLITE", None)
    return env


def wal_frames(wal: Path) -> tuple[int, int] | None:
    """(frames, frames after the last commit frame) of a WAL file; None when there is none.

    Frames are counted while their salts match the header's (a restarted WAL keeps stale frames
    with the old salts after the new ones). Checksums are not verified: a torn last frame is
    counted, which is what a kill in the middle of a write leaves.
    """
    try:
        fh = wal.open("rb")
    except FileNotFoundError:
        return None
    with fh:
        header = fh.read(32)
        if len(header) < 32:
            return (0, 0)
        _magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", header[:24])
        frames = last_commit = 0
        offset = 32
        while True:
            fh.seek(offset)
            head = fh.read(24)
            if len(head) < 24:
                break
            _page, commit, s1, s2 = struct.unpack(">4I", head[:16])
            if (s1, s2) != (salt1, salt2):
                break
            frames += 1
            if commit:
                last_commit = frames
            offset += 24 + page_size
        return frames, frames - last_commit


def table_digest(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    """(row count, SHA-256 of every row in rowid order)."""
    rows = conn.execute(f"SELECT * FROM {quote_identifier(table)} ORDER BY rowid").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def content(
    conn: sqlite3.Connection, digested: Sequence[str], listed: Sequence[str]
) -> dict[str, Any]:
    """Digests of the ``digested`` tables, all rows of the small ``listed`` ones (when they
    exist) and ``sqlite_sequence``."""
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    out: dict[str, Any] = {t: table_digest(conn, t) for t in digested}
    for t in listed:
        if t in existing:
            out[t] = conn.execute(f"SELECT * FROM {quote_identifier(t)} ORDER BY rowid").fetchall()
    if "sqlite_sequence" in existing:
        out["sqlite_sequence"] = conn.execute(
            "SELECT name, seq FROM sqlite_sequence ORDER BY name"
        ).fetchall()
    return out


def raw_schema(conn: sqlite3.Connection) -> list[tuple[str, str, str, str | None]]:
    """sqlite_schema as stored, without root pages (VACUUM moves them)."""
    return conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name"
    ).fetchall()


# argv: log-file, then the sqlkeel arguments. One JSON line per connection and per statement:
# [time, "connect" | "sql", path or statement, index of the connection in opening order].
TRACER = r"""
import json, sqlite3, sys, time
log = open(sys.argv[1], "w", buffering=1)
original = sqlite3.connect
opened = []
def connect(*args, **kwargs):
    conn = original(*args, **kwargs)
    index = len(opened)
    opened.append(index)
    target = args[0] if args else kwargs.get("database")
    log.write(json.dumps([time.time(), "connect", str(target), index]) + "\n")
    conn.set_trace_callback(
        lambda sql: log.write(json.dumps([time.time(), "sql", sql[:80], index]) + "\n"))
    return conn
sqlite3.connect = connect
sys.argv = ["sqlkeel", *sys.argv[2:]]
from sqlkeel.cli.fast import main
main()
"""


def phases(
    events: list[tuple[float, str, str, int]], spawned: float, exited: float
) -> list[tuple[str, float]]:
    """(label, start offset in seconds from spawn) of each phase of a traced ``sqlkeel migrate``.

    The labels name what the process was doing; a kill at offset ``t`` landed in the last phase
    whose start is ``<= t``. The marks are the first connection, the first ``BEGIN``, the
    connections opened under the lock (the pre-migration snapshot, when there is one), the copy
    into ``_sqlkeel_new_parent``, ``DROP TABLE "parent"``, each ``COMMIT``, ``VACUUM`` and the
    process's exit.
    """

    def at(index: int) -> float:
        return events[index][0] - spawned

    def first(predicate: Any, start: int = 0) -> int:
        for i in range(start, len(events)):
            if predicate(events[i]):
                return i
        raise AssertionError(f"the traced run has no such event after #{start}: {events}")

    def sql_is(prefix: str) -> Any:
        return lambda e: e[1] == "sql" and e[2].lstrip().upper().startswith(prefix.upper())

    out: list[tuple[str, float]] = [("start-up: interpreter, imports, options", 0.0)]
    connect = first(lambda e: e[1] == "connect")
    main = events[connect][3]
    begin = first(sql_is("BEGIN"), connect)
    out.append(("open, journal and checksum reads before BEGIN", at(connect)))
    out.append(("BEGIN IMMEDIATE, journal re-read under the lock", at(begin)))
    copy = first(sql_is('INSERT INTO "_sqlkeel_new_parent"'), begin)
    others = [i for i in range(begin, copy) if events[i][1] == "connect"]
    if others:
        back = first(lambda e: e[3] == main, others[-1])
        out.append(("pre-migration snapshot (backup), under the lock", at(others[0])))
        out.append(("batch 1 (0003-0006) before the rebuild's copy", at(back)))
    else:
        out.append(("batch 1 (0003-0006) before the rebuild's copy", at(begin + 1)))
    drop = first(sql_is('DROP TABLE "parent"'), copy)
    commit1 = first(sql_is("COMMIT"), drop)
    vacuum = first(sql_is("VACUUM"), commit1)
    commits = [i for i in range(vacuum, len(events)) if sql_is("COMMIT")(events[i])]
    out += [
        ("rebuild: copying the parent rows", at(copy)),
        ("rebuild: drop, rename, indexes, 0006's index, foreign_key_check", at(drop)),
        ("COMMIT of batch 1", at(commit1)),
        ("between batch 1 and the VACUUM", at(commit1 + 1)),
        ("VACUUM (0007, no-transaction)", at(vacuum)),
        ("recording 0007, batch 3 (0008)", at(vacuum + 1)),
        ("last COMMIT", at(commits[-1])),
    ]
    if commits[-1] + 1 < len(events):
        out.append(("after the last COMMIT, exiting", at(commits[-1] + 1)))
    out.append(("after the process exited", exited - spawned))
    return out


def phase_of(timeline: list[tuple[str, float]], offset: float) -> str:
    label = timeline[0][0]
    for name, start in timeline:
        if offset >= start:
            label = name
    return label
