"""``connect()``: open an application database with the house pragmas, or fail clearly.

The house pragmas: WAL journal, ``synchronous=NORMAL``, a busy timeout, foreign keys on.
The parent directory is created. A directory that cannot be written, a file that is not a
database and a locked database each get an error that says what to do.

Stdlib only; imports nothing above :mod:`sqlkeel.errors`.
"""

from __future__ import annotations

import os
import sqlite3
import time

from sqlkeel.errors import ConnectError, DatabaseLockedError, NotADatabaseError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def database_path(path: str | os.PathLike[str]) -> str:
    """The path with ``~`` expanded (``:memory:`` is returned as is)."""
    return os.path.expanduser(os.fspath(path))


def _check_file(path: str) -> None:
    if os.path.isdir(path):
        raise ConnectError(f"{path}: is a directory, not a database file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise ConnectError(f"{path}: permission denied: cannot read the database file") from exc
    if head and head != SQLITE_HEADER:
        raise NotADatabaseError(
            f"{path}: not a SQLite database (the file does not start with the SQLite header); "
            "check the path, or restore the file from a backup"
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
        raise ConnectError(
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
            _check_file(p)
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
    except sqlite3.OperationalError as exc:
        raise ConnectError(f"{p}: cannot open the database: {exc}") from exc
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
        message = str(exc)
        if "not a database" in message or "malformed" in message:
            raise NotADatabaseError(f"{p}: cannot be read as a SQLite database: {message}") from exc
        if "locked" in message or "busy" in message:
            raise DatabaseLockedError(
                f"{p}: the database is locked: another connection holds a write transaction "
                f"and did not let go within {busy_timeout_ms} ms. Try again when it is done, "
                "or give it longer (busy_timeout_ms)"
            ) from exc
        if "readonly" in message or "read-only" in message:
            raise ConnectError(
                f"{p}: the database cannot be written ({message}): the file or its directory "
                "is read-only for this user; fix the permissions, or use a copy elsewhere"
            ) from exc
        raise ConnectError(f"{p}: cannot open the database: {message}") from exc
    if guard:
        from sqlkeel.ddl_guard import guard as apply_guard

        apply_guard(conn)
    return conn


def _guarded_factory() -> type[sqlite3.Connection]:
    from sqlkeel.ddl_guard import GuardedConnection

    factory: type[sqlite3.Connection] = GuardedConnection
    return factory
