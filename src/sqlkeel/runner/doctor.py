"""``doctor``: how a database file is, and the few safe things that keep it well.

What it looks at, without changing anything:

- ``PRAGMA integrity_check`` (damaged pages, named by the table or index they belong to) and
  ``PRAGMA foreign_key_check`` (rows whose parent is gone: table, rowid, parent table);
- with migrations: the journal against the files (applied / pending / edited / missing, the
  same code as ``sqlkeel status``) and drift (the same code as ``sqlkeel drift``);
- the pragmas that matter, saying which belong to the file and which to each connection;
- sizes: the file, its ``-wal`` file, and the free pages (``freelist_count × page_size``).

How it opens the file so that nothing changes: a rollback-journal database, or one whose
``-wal`` file exists, is opened with a ``mode=ro`` URI; a WAL database without a ``-wal``
file is opened read-write with ``PRAGMA query_only`` (a ``mode=ro`` connection would leave
new ``-wal`` and ``-shm`` files behind; a read-write one removes them when it closes); a WAL
database in a read-only directory is opened ``immutable`` (nobody can be writing to it).

``fix=True`` then does only what cannot lose data: ``PRAGMA optimize``, ``ANALYZE``, a WAL
checkpoint (``TRUNCATE``) and, only with ``vacuum=True``, ``VACUUM``. Nothing is fixed on a
database that failed its integrity check: writing to a damaged file spreads the damage.

JSON (``DoctorReport.to_json()``, ``sqlkeel doctor --format json``), version 1::

    {"version": 1, "database": str, "ok": bool,
     "problems": [{"kind": str, "message": str, "names": [str]}],
     "notes": [str],
     "integrity": [str],                     # integrity_check's lines; [] when "ok"
     "foreign_key_violations": [{"table": str, "rowid": int|null, "parent": str}],
     "migrations": null | {"directory": str, "rows": [{"name", "state", "applied_at"}]},
     "drift": null | [{"kind": str, "name": str, "message": str}],
     "pragmas": {"journal_mode": {"value", "scope", "note"}, "foreign_keys": {…}, …},
     "sizes": {"file_bytes", "wal_bytes", "page_size", "page_count", "freelist_count",
               "free_bytes"},
     "processes": [{"pid": int, "command": str}],
     "fixes": [{"action": str, "detail": str}],
     "sizes_after_fix": null | {…same keys as sizes…}}

Problem kinds: ``corrupt``, ``integrity``, ``foreign_key``, ``pending``, ``edited``,
``missing``, ``misnamed``, ``unmanaged``, ``drift``. Notes are advice, not problems.

The journal-against-files states come from :mod:`sqlkeel.store.states`, the code behind
``sqlkeel status`` too; nothing here is on the application's startup path.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlkeel.connection import (
    DEFAULT_BUSY_TIMEOUT_MS,
    check_database_file,
    lock_holders,
    storage_error,
)
from sqlkeel.errors import ConnectError, CorruptDatabaseError, NotADatabaseError
from sqlkeel.store.files import MigrationSource

DOCTOR_JSON_VERSION = 1
_PAGE_RE = re.compile(r"\bpage (\d+)\b")
_FREE_NOTE_BYTES = 1 << 20  # suggest VACUUM above 1 MiB of free pages …
_FREE_NOTE_SHARE = 0.25  # … that are a quarter of the file or more
_WAL_NOTE_BYTES = 4 << 20  # suggest a checkpoint above 4 MiB of WAL
_NOT_FIXED = (
    "the database failed its integrity check: nothing was written to it (restore it from a "
    "backup first)"
)


@dataclass(frozen=True, slots=True)
class DoctorProblem:
    """One thing that is wrong with the database (``kind`` is one of the documented kinds)."""

    kind: str
    message: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pragma:
    """A setting, where it lives (``file`` or ``connection``), and what sqlkeel does with it."""

    value: object
    scope: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Sizes:
    file_bytes: int
    wal_bytes: int
    page_size: int
    page_count: int
    freelist_count: int

    @property
    def free_bytes(self) -> int:
        return self.freelist_count * self.page_size

    def to_json(self) -> dict[str, int]:
        return {
            "file_bytes": self.file_bytes,
            "wal_bytes": self.wal_bytes,
            "page_size": self.page_size,
            "page_count": self.page_count,
            "freelist_count": self.freelist_count,
            "free_bytes": self.free_bytes,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """One thing ``fix=True`` did (or could not do), in words."""

    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """What :func:`doctor` found (and, with ``fix=True``, did)."""

    database: str
    problems: tuple[DoctorProblem, ...]
    notes: tuple[str, ...] = ()
    integrity: tuple[str, ...] = ()
    foreign_key_violations: tuple[tuple[str, int | None, str], ...] = ()
    migrations: str | None = None
    states: tuple[Any, ...] | None = None  # store.states.StatusRow values
    drift: tuple[Any, ...] | None = None  # diff.drift.DriftItem values
    pragmas: dict[str, Pragma] = field(default_factory=dict)
    sizes: Sizes | None = None
    processes: tuple[tuple[int, str], ...] = ()
    fixes: tuple[Fix, ...] = ()
    sizes_after_fix: Sizes | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DOCTOR_JSON_VERSION,
            "database": self.database,
            "ok": self.ok,
            "problems": [
                {"kind": p.kind, "message": p.message, "names": list(p.names)}
                for p in self.problems
            ],
            "notes": list(self.notes),
            "integrity": list(self.integrity),
            "foreign_key_violations": [
                {"table": t, "rowid": rid, "parent": p} for t, rid, p in self.foreign_key_violations
            ],
            "migrations": None
            if self.states is None
            else {
                "directory": self.migrations,
                "rows": [
                    {"name": r.name, "state": r.state, "applied_at": r.applied_at}
                    for r in self.states
                ],
            },
            "drift": None
            if self.drift is None
            else [{"kind": i.kind, "name": i.name, "message": i.message} for i in self.drift],
            "pragmas": {
                name: {"value": p.value, "scope": p.scope, "note": p.note}
                for name, p in self.pragmas.items()
            },
            "sizes": self.sizes.to_json() if self.sizes else None,
            "processes": [{"pid": pid, "command": cmd} for pid, cmd in self.processes],
            "fixes": [{"action": f.action, "detail": f.detail} for f in self.fixes],
            "sizes_after_fix": self.sizes_after_fix.to_json() if self.sizes_after_fix else None,
        }


def _wal_bytes(path: str) -> int:
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return 0


def _is_wal_file(path: str) -> bool:
    """The file's header says WAL (bytes 18 and 19 are 2)."""
    with open(path, "rb") as fh:
        head = fh.read(20)
    return len(head) == 20 and head[18] == 2 and head[19] == 2


def _open_unchanged(path: str, timeout_ms: int) -> tuple[sqlite3.Connection, str]:
    """A connection that changes nothing on disk (see the module docstring), and how."""
    directory = os.path.dirname(os.path.abspath(path))
    uri = Path(path).resolve().as_uri()
    timeout = timeout_ms / 1000
    if _is_wal_file(path) and not os.path.exists(path + "-wal"):
        if os.access(directory, os.W_OK) and os.access(path, os.W_OK):
            conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
            conn.execute("PRAGMA query_only = ON")
            return conn, "read-write, query_only"
        conn = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, isolation_level=None)
        return conn, "immutable (the directory or file is read-only)"
    conn = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=timeout)
    return conn, "read-only"


def _one(conn: sqlite3.Connection, sql: str) -> Any:
    return conn.execute(sql).fetchone()[0]


def _sizes(conn: sqlite3.Connection, path: str) -> Sizes:
    return Sizes(
        file_bytes=os.path.getsize(path),
        wal_bytes=_wal_bytes(path),
        page_size=int(_one(conn, "PRAGMA page_size")),
        page_count=int(_one(conn, "PRAGMA page_count")),
        freelist_count=int(_one(conn, "PRAGMA freelist_count")),
    )


def _page_owners(conn: sqlite3.Connection, pages: set[int]) -> dict[int, str]:
    """Which table or index each page belongs to (dbstat where compiled in, else root pages)."""
    owners: dict[int, str] = {}
    try:
        for name, page in conn.execute(
            "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0"
        ):
            if page in pages:
                owners[int(page)] = str(name)
    except sqlite3.Error:
        return owners
    rest = pages - set(owners)
    if rest:
        try:
            marks = ",".join("?" * len(rest))
            for name, page in conn.execute(
                f"SELECT name, pageno FROM dbstat WHERE pageno IN ({marks})", tuple(rest)
            ):
                owners.setdefault(int(page), str(name))
        except sqlite3.Error:
            pass  # no dbstat, or it cannot walk the damaged tree: root pages only
    return owners


def _integrity(conn: sqlite3.Connection) -> tuple[list[str], list[DoctorProblem]]:
    lines: list[str] = []
    for (text,) in conn.execute("PRAGMA integrity_check(100)"):
        lines += [ln for ln in str(text).splitlines() if ln.strip() and not ln.startswith("***")]
    if lines == ["ok"]:
        return [], []
    pages = {int(m) for ln in lines for m in _PAGE_RE.findall(ln)}
    owners = _page_owners(conn, pages)
    objects = sorted(set(owners.values()))
    where = f" in {', '.join(objects)}" if objects else ""
    shown = "\n".join(f"    {ln}" for ln in lines[:10]) + (
        f"\n    … and {len(lines) - 10} more" if len(lines) > 10 else ""
    )
    return lines, [
        DoctorProblem(
            "integrity",
            f"integrity_check found {len(lines)} error{'s' if len(lines) != 1 else ''}{where}:\n"
            f"{shown}\n  The file is damaged: restore it from a backup. If there is none, "
            "`sqlite3 app.db .recover` copies out what can still be read; do not write to "
            "this file meanwhile (and do not VACUUM it).",
            tuple(objects),
        )
    ]


def _foreign_keys(
    conn: sqlite3.Connection,
) -> tuple[tuple[tuple[str, int | None, str], ...], list[DoctorProblem]]:
    rows = tuple((str(r[0]), r[1], str(r[2])) for r in conn.execute("PRAGMA foreign_key_check"))
    if not rows:
        return rows, []
    listed = "\n".join(f"    {t} rowid {rid} → missing row in {p}" for t, rid, p in rows[:20])
    if len(rows) > 20:
        listed += f"\n    … and {len(rows) - 20} more"
    tables = tuple(sorted({t for t, _, _ in rows}))
    return rows, [
        DoctorProblem(
            "foreign_key",
            f"foreign_key_check found {len(rows)} row{'s' if len(rows) != 1 else ''} whose "
            f"parent is gone:\n{listed}\n  They were written by a connection without "
            "foreign-key enforcement (it is per connection, off by default). Delete them, or "
            "give them their parent.",
            tables,
        )
    ]


def _pragmas(conn: sqlite3.Connection) -> tuple[dict[str, Pragma], list[str]]:
    notes: list[str] = []
    journal_mode = str(_one(conn, "PRAGMA journal_mode")).lower()
    wal_note = (
        "the file is in WAL mode: readers do not block the writer"
        if journal_mode == "wal"
        else "sqlkeel.connect() switches the file to WAL on its first open (readers then do "
        "not block the writer)"
    )
    if journal_mode != "wal":
        notes.append(f"journal_mode is {journal_mode}, not wal: {wal_note}")
    pragmas = {
        "journal_mode": Pragma(journal_mode, "file", wal_note),
        "foreign_keys": Pragma(
            bool(_one(conn, "PRAGMA foreign_keys")),
            "connection",
            "off by default in SQLite, and this is the doctor's own connection's value. "
            "sqlkeel.connect() and open_database() turn it on; a connection opened any other "
            "way (sqlite3.connect, the sqlite3 shell, other tools) does not enforce foreign keys "
            "unless it runs PRAGMA foreign_keys = ON",
        ),
        "busy_timeout": Pragma(
            int(_one(conn, "PRAGMA busy_timeout")),
            "connection",
            "how long (ms) a connection waits for another one's lock before 'database is "
            "locked'. sqlkeel.connect() sets "
            f"{DEFAULT_BUSY_TIMEOUT_MS} ms (busy_timeout_ms=); the SQLite C default is 0",
        ),
        "synchronous": Pragma(
            int(_one(conn, "PRAGMA synchronous")),
            "connection",
            "sqlkeel.connect() sets NORMAL (1) in WAL mode: durable against "
            "a crash of the process, the last commits may be lost on power loss",
        ),
        "auto_vacuum": Pragma(int(_one(conn, "PRAGMA auto_vacuum")), "file"),
        "page_size": Pragma(int(_one(conn, "PRAGMA page_size")), "file"),
        "user_version": Pragma(
            int(_one(conn, "PRAGMA user_version")),
            "file",
            "the application's own number; sqlkeel does not use it",
        ),
        "schema_version": Pragma(int(_one(conn, "PRAGMA schema_version")), "file"),
        "sqlite_version": Pragma(sqlite3.sqlite_version, "library"),
    }
    return pragmas, notes


def _migration_checks(
    conn: sqlite3.Connection, source: MigrationSource
) -> tuple[tuple[Any, ...], tuple[Any, ...] | None, list[DoctorProblem], list[str]]:
    from sqlkeel.runner.drift import drift_items
    from sqlkeel.runner.migrate import _has_user_tables
    from sqlkeel.store.journal import read_journal
    from sqlkeel.store.states import migration_states

    journal = read_journal(conn)
    states = migration_states(source, journal)
    problems: list[DoctorProblem] = []
    notes: list[str] = []
    by_state: dict[str, list[str]] = {}
    for row in states:
        by_state.setdefault(row.state, []).append(row.name)
    if not journal and _has_user_tables(conn):
        problems.append(
            DoctorProblem(
                "unmanaged",
                "the database has tables but no sqlkeel journal, so its migrations cannot be "
                "run on it: adopt it with `sqlkeel baseline -d PATH`",
            )
        )
    advice = {
        "pending": "not applied yet: run `sqlkeel migrate`",
        "edited": "edited after the database applied them: restore the applied text (from "
        "version control) and put the change in a new migration",
        "missing": f"applied, but their files are gone from {source.label}: restore them",
        "misnamed": "not named NNNN_slug.sql: rename them or move them out of the directory",
    }
    for state, text in advice.items():
        names = by_state.get(state, [])
        if names and not (state == "pending" and not journal and problems):
            problems.append(DoctorProblem(state, f"{', '.join(names)}: {text}", tuple(names)))
    drift: tuple[Any, ...] | None = None
    if journal:
        items = tuple(drift_items(conn, source))
        judged = tuple(i for i in items if i.kind != "migration")
        if len(judged) < len(items):
            notes.append("drift was not judged: restore the edited or missing migrations first")
        else:
            drift = judged
            if judged:
                problems.append(
                    DoctorProblem(
                        "drift",
                        "the schema is not the one its applied migrations produce:\n"
                        + "\n".join(f"    {i.message}" for i in judged)
                        + "\n  Put the change in a migration (sqlkeel generate), or undo it.",
                        tuple(sorted({i.name for i in judged})),
                    )
                )
    return states, drift, problems, notes


def _notes_on_sizes(sizes: Sizes) -> list[str]:
    notes = []
    if sizes.free_bytes >= _FREE_NOTE_BYTES and sizes.free_bytes >= _FREE_NOTE_SHARE * max(
        sizes.file_bytes, 1
    ):
        notes.append(
            f"{sizes.free_bytes} bytes ({sizes.freelist_count} pages) of the file are free "
            "pages: `sqlkeel doctor --fix --vacuum` gives them back to the disk"
        )
    if sizes.wal_bytes >= _WAL_NOTE_BYTES:
        notes.append(
            f"the -wal file holds {sizes.wal_bytes} bytes: `sqlkeel doctor --fix` checkpoints "
            "it into the database and truncates it (a long-lived reader can keep it growing)"
        )
    return notes


def doctor(
    database: str | os.PathLike[str],
    migrations: str | os.PathLike[str] | MigrationSource | None = None,
    *,
    fix: bool = False,
    vacuum: bool = False,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> DoctorReport:
    """Check a database file (integrity, foreign keys, journal, drift, pragmas, sizes).

    Changes nothing unless ``fix=True`` (``PRAGMA optimize``, ``ANALYZE``, a WAL checkpoint;
    ``VACUUM`` too with ``vacuum=True``). Raises for a file that cannot be examined at all
    (missing, not a database, permission denied); a damaged database is a finding instead.
    """
    path = os.path.expanduser(os.fspath(database))
    if not os.path.exists(path):
        raise ConnectError(f"{path}: no such database file (nothing was created)")
    source = MigrationSource.resolve(migrations) if migrations is not None else None
    try:
        check_database_file(path)  # a directory, unreadable, or not SQLite: raise
    except CorruptDatabaseError as exc:  # truncated: a finding, and nothing to open
        return DoctorReport(
            database=path,
            problems=(DoctorProblem("corrupt", str(exc)),),
            migrations=source.label if source is not None else None,
            processes=lock_holders(path),
            fixes=(Fix("nothing", _NOT_FIXED),) if fix else (),
        )
    problems: list[DoctorProblem] = []
    notes: list[str] = []
    integrity: list[str] = []
    violations: tuple[tuple[str, int | None, str], ...] = ()
    states: tuple[Any, ...] | None = None
    drift: tuple[Any, ...] | None = None
    pragmas: dict[str, Pragma] = {}
    sizes: Sizes | None = None
    try:
        conn, how = _open_unchanged(path, busy_timeout_ms)
    except sqlite3.Error as exc:
        raise storage_error(exc, path, timeout_ms=busy_timeout_ms) or ConnectError(
            f"{path}: cannot open the database: {exc}"
        ) from exc
    if how.startswith("immutable"):
        notes.append(f"opened {how}: nobody can be writing to it")
    try:
        try:
            integrity, found = _integrity(conn)
            problems += found
            violations, found = _foreign_keys(conn)
            problems += found
            pragmas, more = _pragmas(conn)
            notes += more
            sizes = _sizes(conn, path)
            if source is not None:
                states, drift, found, more = _migration_checks(conn, source)
                problems += found
                notes += more
            else:
                notes.append(
                    "migrations were not checked (no configuration found): pass --migrations "
                    "(or migrations=) to compare the journal and the schema with them"
                )
        except sqlite3.DatabaseError as exc:
            fault = storage_error(exc, path, timeout_ms=busy_timeout_ms)
            if not isinstance(fault, NotADatabaseError):  # damaged: a finding, not an error
                if fault is not None:
                    raise fault from exc
                raise
            problems.append(DoctorProblem("corrupt", str(fault)))
    finally:
        conn.close()
    processes = lock_holders(path)
    if sizes is not None:
        notes += _notes_on_sizes(sizes)
    fixes: tuple[Fix, ...] = ()
    after: Sizes | None = None
    if fix:
        if any(p.kind in ("corrupt", "integrity") for p in problems):
            fixes = (Fix("nothing", _NOT_FIXED),)
        else:
            fixes, after = _fix(path, vacuum=vacuum, busy_timeout_ms=busy_timeout_ms)
    return DoctorReport(
        database=path,
        problems=tuple(problems),
        notes=tuple(notes),
        integrity=tuple(integrity),
        foreign_key_violations=violations,
        migrations=source.label if source is not None else None,
        states=states,
        drift=drift,
        pragmas=pragmas,
        sizes=sizes,
        processes=processes,
        fixes=fixes,
        sizes_after_fix=after,
    )


def _fix(path: str, *, vacuum: bool, busy_timeout_ms: int) -> tuple[tuple[Fix, ...], Sizes]:
    """The safe maintenance: optimize, analyze, checkpoint, and VACUUM when asked."""
    done: list[Fix] = []
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    try:
        try:
            before = _sizes(conn, path)
            conn.execute("PRAGMA optimize")
            done.append(Fix("PRAGMA optimize", "refreshed the query planner's statistics"))
            conn.execute("ANALYZE")
            stats = _one(
                conn,
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
            )
            done.append(
                Fix("ANALYZE", "gathered statistics for every table and index (sqlite_stat1)")
                if stats
                else Fix("ANALYZE", "ran; there is nothing to gather statistics for")
            )
            if str(_one(conn, "PRAGMA journal_mode")).lower() == "wal":
                busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy:
                    done.append(
                        Fix(
                            "WAL checkpoint (TRUNCATE)",
                            f"could not finish: another connection is reading or writing "
                            f"({copied} of {frames} frames copied); run again when it is idle",
                        )
                    )
                else:
                    done.append(
                        Fix(
                            "WAL checkpoint (TRUNCATE)",
                            "moved the -wal file's pages into the database and truncated "
                            f"it: {before.wal_bytes} → {_wal_bytes(path)} bytes",
                        )
                    )
            else:
                done.append(Fix("WAL checkpoint", "skipped: the database is not in WAL mode"))
            if vacuum:
                size_before = os.path.getsize(path)
                conn.execute("VACUUM")
                if str(_one(conn, "PRAGMA journal_mode")).lower() == "wal":
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                done.append(
                    Fix(
                        "VACUUM",
                        f"rewrote the file: {size_before} → {os.path.getsize(path)} bytes "
                        f"({before.freelist_count} free pages given back)",
                    )
                )
            else:
                done.append(Fix("VACUUM", "not run (pass --vacuum / vacuum=True)"))
            return tuple(done), _sizes(conn, path)
        except sqlite3.Error as exc:
            fault = storage_error(
                exc,
                path,
                outcome="done before it: " + (", ".join(f.action for f in done) or "nothing"),
                conn=conn,
                timeout_ms=busy_timeout_ms,
            )
            if fault is not None:
                raise fault from exc
            raise
    finally:
        conn.close()
