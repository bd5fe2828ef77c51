"""``connect()``: open an application database with the house pragmas, or fail clearly.

The house pragmas: WAL journal, ``synchronous=NORMAL``, a busy timeout, foreign keys on.
The parent directory is created. A directory that cannot be written, a file that is not a
database and a locked database each get an error that says what to do.

:func:`storage_error` is the one translation of what SQLite says about the file itself — full
disk, read-only file or directory, permission denied, damaged or foreign file, lock held too
long — into a sqlkeel error that says what happened, why, and the way out. ``connect()``, the
runner and ``Plan.apply`` all use it, so each fault reads the same wherever it happens.

Stdlib only; imports nothing above :mod:`sqlkeel.errors` (and :mod:`sqlkeel.processes`,
lazily, to name the processes that hold a lock).
"""

from __future__ import annotations

import os
import sqlite3
import time

from sqlkeel.errors import (
    ConnectError,
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    NotADatabaseError,
    PermissionDeniedError,
    ReadOnlyDatabaseError,
    SqlkeelError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def database_path(path: str | os.PathLike[str]) -> str:
    """The path with ``~`` expanded (``:memory:`` is returned as is)."""
    return os.path.expanduser(os.fspath(path))


def check_database_file(path: str) -> None:
    """Refuse a directory, an unreadable file, a file that does not start like SQLite, or one
    cut shorter than its header says (before anything could write to it)."""
    if os.path.isdir(path):
        raise ConnectError(f"{path}: is a directory, not a database file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except PermissionError as exc:
        raise PermissionDeniedError(
            f"{path}: permission denied: this user cannot read the database file; run as the "
            "user that owns it, or give this user read and write permission (and write "
            "permission on its directory)"
        ) from exc
    if head and head[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise NotADatabaseError(
            f"{path}: not a SQLite database (the file does not start with the SQLite header); "
            "check the path, or restore the file from a backup"
        )
    if head:
        _check_length(path, head)


def _check_length(path: str, head: bytes) -> None:
    """A file shorter than the page count in its header was truncated (a copy cut short)."""
    size = os.path.getsize(path)
    if len(head) < 100:
        pages, page_size = 1, 512
    else:
        page_size = int.from_bytes(head[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(head[28:32], "big")
        if head[24:28] != head[92:96]:  # the in-header size is stale: nothing to compare
            return
    if size < pages * page_size:
        raise CorruptDatabaseError(
            f"{path}: the database file is damaged: it was truncated (its header says "
            f"{pages} pages of {page_size} bytes, {pages * page_size} bytes, but the file has "
            f"{size}); it was cut short by a copy, a download or a full disk. Nothing was "
            "written to it. Restore it from a backup; `sqlkeel doctor -d PATH` shows what is "
            "left"
        )


def _prepare_directory(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
    except PermissionError as exc:
        raise ConnectError(
            f"{parent}: cannot create the database directory (permission denied); "
            "choose another location or fix its permissions"
        ) from exc
    except (FileExistsError, NotADirectoryError) as exc:
        raise ConnectError(
            f"{parent}: cannot create the database directory: a file stands where it should be; "
            "move that file, or choose another database path"
        ) from exc
    except OSError as exc:
        raise ConnectError(
            f"{parent}: cannot create the database directory: {exc.strerror}; choose another "
            "location or fix the path"
        ) from exc
    if not os.path.exists(path) and not os.access(parent, os.W_OK):
        raise ReadOnlyDatabaseError(
            f"{parent}: the directory is not writable, so {os.path.basename(path)} cannot be created; "
            "choose another location or fix its permissions"
        )


def _switch_to_wal(conn: sqlite3.Connection, timeout: float) -> str:
    """PRAGMA journal_mode = WAL, retried: SQLite answers BUSY at once (no busy handler) while
    another connection writes to a database that is not in WAL mode yet."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if (
                "locked" not in str(exc) and "busy" not in str(exc)
            ) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def connect(
    path: str | os.PathLike[str],
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    wal: bool = True,
    foreign_keys: bool = True,
    isolation_level: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None = None,
    guard: bool = False,
) -> sqlite3.Connection:
    """Open ``path`` with the house pragmas, creating its directory; ``:memory:`` works too.

    The connection is in autocommit mode (``isolation_level=None``) unless told otherwise,
    so transactions are explicit: ``BEGIN`` … ``COMMIT``. With ``guard=True`` it refuses
    schema changes (see :mod:`sqlkeel.ddl_guard`).
    """
    memory = os.fspath(path) == ":memory:"
    p = database_path(path)
    if not memory:
        if os.path.exists(p):
            check_database_file(p)
            if not os.access(p, os.W_OK):
                # SQLite would open it read-only without a word, leave -wal/-shm files behind
                # and fail at the first write: say it now, before anything is created.
                raise ReadOnlyDatabaseError(
                    f"{p}: the file is read-only for this user, and sqlkeel.connect() opens "
                    "databases to write them (WAL, migrations). Make it writable (chmod u+w, or "
                    "chown it to this user), or open it with a mode=ro URI to only read it"
                )
        else:
            _prepare_directory(p)
    try:
        conn = sqlite3.connect(
            ":memory:" if memory else p,
            timeout=busy_timeout_ms / 1000,
            isolation_level=isolation_level,
            check_same_thread=True,
            factory=_guarded_factory() if guard else sqlite3.Connection,
        )
    except sqlite3.Error as exc:
        raise storage_error(exc, p, timeout_ms=busy_timeout_ms) or ConnectError(
            f"{p}: cannot open the database: {exc}"
        ) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if foreign_keys:
            conn.execute("PRAGMA foreign_keys = ON")
        if wal and not memory:
            mode = _switch_to_wal(conn, busy_timeout_ms / 1000)
            if str(mode).lower() == "wal":
                conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise storage_error(exc, p, timeout_ms=busy_timeout_ms) or ConnectError(
            f"{p}: cannot open the database: {exc}"
        ) from exc
    if guard:
        from sqlkeel.ddl_guard import guard as apply_guard

        apply_guard(conn)
    return conn


def _guarded_factory() -> type[sqlite3.Connection]:
    from sqlkeel.ddl_guard import GuardedConnection

    factory: type[sqlite3.Connection] = GuardedConnection
    return factory


def database_file(conn: sqlite3.Connection) -> str:
    """The file of ``conn``'s main database ('' for :memory: and temporary databases)."""
    try:
        for _, name, file in conn.execute("PRAGMA database_list"):
            if name == "main":
                return str(file or "")
    except sqlite3.Error:
        pass
    return ""


def _error_name(exc: sqlite3.Error) -> str:
    """SQLite's (extended) result code name, from Python 3.11's attribute or the message."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return str(name)
    message = str(exc).lower()
    for fragment, code in (
        ("database or disk is full", "SQLITE_FULL"),
        ("readonly", "SQLITE_READONLY"),
        ("read-only", "SQLITE_READONLY"),
        ("malformed", "SQLITE_CORRUPT"),
        ("not a database", "SQLITE_NOTADB"),
        ("database is locked", "SQLITE_BUSY"),
        ("database table is locked", "SQLITE_LOCKED"),
        ("unable to open database file", "SQLITE_CANTOPEN"),
        ("disk i/o error", "SQLITE_IOERR"),
    ):
        if fragment in message:
            return code
    return ""


def lock_holders(path: str) -> tuple[tuple[int, str], ...]:
    """(pid, command line) of the other processes that have ``path`` open ('' → none known)."""
    if not path:
        return ()
    from sqlkeel.processes import processes_using

    return tuple(processes_using(path))


def locked_error(path: str, what: str, advice: str) -> DatabaseLockedError:
    """``PATH: what. Open in: pid … . advice``, naming the processes that have the file open."""
    holders = lock_holders(path)
    if holders:
        from sqlkeel.processes import describe_processes

        who = f"Other processes that have it open: {describe_processes(list(holders))}. "
    else:
        who = ""
    return DatabaseLockedError(
        f"{path or 'the database'}: {what}. {who}{advice}", processes=holders
    )


def storage_error(
    exc: sqlite3.Error,
    path: str,
    *,
    outcome: str = "",
    conn: sqlite3.Connection | None = None,
    timeout_ms: int | None = None,
) -> SqlkeelError | None:
    """The sqlkeel error for what SQLite says about the file, or None when it is not that.

    ``outcome`` (e.g. "nothing was applied") is put in the message; ``conn`` lets a full
    database be told apart from a full disk (``PRAGMA max_page_count``).
    """
    code = _error_name(exc)
    said = str(exc)
    tail = f"; {outcome}" if outcome else ""
    shown = path or "the database"
    directory = os.path.dirname(os.path.abspath(path)) if path else "its directory"
    if code.startswith("SQLITE_FULL"):
        limit = _page_limit(conn)
        if limit is not None:
            why = (
                f"the database reached its page limit (PRAGMA max_page_count = {limit}, set on "
                "this connection)"
            )
            fix = "raise or remove the limit (PRAGMA max_page_count) and run again"
        else:
            why = f"the disk that holds {directory} (or the temporary directory) is full"
            fix = (
                "free space there (SQLite needs room for the new pages in the -wal or "
                "-journal file beside the database, and for temporary files) and run again"
            )
        return DiskFullError(f"{shown}: cannot write ({said}): {why}{tail}. To go on, {fix}")
    if code.startswith("SQLITE_READONLY"):
        if code == "SQLITE_READONLY_DIRECTORY" or (
            path
            and os.path.exists(path)
            and os.access(path, os.W_OK)
            and not os.access(directory, os.W_OK)
        ):
            why = (
                f"the directory {directory} is read-only for this user, and SQLite must create "
                f"{os.path.basename(path) or 'the database'}-wal and -shm (or -journal) beside "
                "the database to write it"
            )
            fix = "make the directory writable for this user, or work on a copy elsewhere"
        elif path and os.path.exists(path) and not os.access(path, os.W_OK):
            why = "the file is read-only for this user"
            fix = (
                "make it writable (chmod u+w, or chown it to this user), or work on a copy "
                "elsewhere"
            )
        else:
            why = (
                "the database was opened read-only (a mode=ro URI, PRAGMA query_only, or a "
                "read-only file system)"
            )
            fix = "open it read-write, or work on a writable copy"
        return ReadOnlyDatabaseError(
            f"{shown}: cannot write ({said}): {why}{tail}. {fix[0].upper()}{fix[1:]}"
        )
    if code.startswith("SQLITE_CORRUPT"):
        return CorruptDatabaseError(
            f"{shown}: the database file is damaged ({said}): pages are corrupted, or the file "
            f"was truncated (cut short by a copy or a full disk){tail}. Nothing was written. "
            "Run `sqlkeel doctor -d PATH` to see what is damaged, and restore the file from a "
            "backup; never write to it until then"
        )
    if code.startswith("SQLITE_NOTADB"):
        return NotADatabaseError(
            f"{shown}: not a SQLite database ({said}){tail}. Check the path (is it the "
            "database, or another file with its name?), or restore the file from a backup"
        )
    if code.startswith("SQLITE_BUSY"):  # SQLITE_LOCKED is within one connection: not a lock
        waited = f"{timeout_ms} ms" if timeout_ms is not None else "the busy timeout"
        return locked_error(
            path,
            "the database is locked: another connection holds a write transaction and did "
            f"not let go within {waited}{tail}",
            "Run again when it is done, or give it longer (busy_timeout_ms)",
        )
    if code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        if path and (
            (os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK))
            or not os.access(directory, os.X_OK)
        ):
            return PermissionDeniedError(
                f"{shown}: cannot open the database ({said}): permission denied for this "
                f"user{tail}. Run as the user that owns it, or fix the permissions of the file "
                f"and of {directory}"
            )
        return ConnectError(
            f"{shown}: cannot open the database ({said}){tail}: check that the path and its "
            "directories exist and that this user may open them"
        )
    return None


def _page_limit(conn: sqlite3.Connection | None) -> int | None:
    """``max_page_count`` when this connection lowered it (then it caused the SQLITE_FULL)."""
    if conn is None:
        return None
    try:
        limit = int(conn.execute("PRAGMA max_page_count").fetchone()[0])
        fresh = sqlite3.connect(":memory:")
        try:
            default = int(fresh.execute("PRAGMA max_page_count").fetchone()[0])
        finally:
            fresh.close()
    except sqlite3.Error:
        return None
    return limit if limit < default else None
