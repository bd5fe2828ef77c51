"""The DDL guard: application connections that cannot change the schema.

A guarded connection refuses CREATE, ALTER and DROP of tables, indexes, views, triggers and
virtual tables in any database but ``temp`` (temporary objects are not schema changes), with
an error that says the change belongs in a migration. It works through SQLite's authorizer,
which sees every statement when it is prepared, so no SQL text is searched.

- ``sqlkeel.connect(path, guard=True)`` and ``sqlkeel.open_database(...)`` (guarded by
  default) return a :class:`GuardedConnection`, whose errors name the refused statement:
  :class:`SchemaChangeRefusedError`, a ``sqlite3.DatabaseError`` and a ``SqlkeelError``.
- ``guard(conn)`` guards any sqlite3 connection, e.g. the DBAPI connection of a SQLAlchemy
  engine in a ``connect`` event. SQLite then reports a refused statement as ``not
  authorized`` (sqlite3 gives the authorizer no way to say more), and the runner cannot
  lift that guard: migrate with another connection (``sqlkeel.open_database`` does).
- The runner lifts the guard of a :class:`GuardedConnection` it migrates, and puts it back.

Stdlib only.
"""

from __future__ import annotations

import sqlite3
import sys

from sqlkeel.errors import SqlkeelError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_DDL_ACTIONS = {
    sqlite3.SQLITE_CREATE_INDEX: "CREATE INDEX",
    sqlite3.SQLITE_CREATE_TABLE: "CREATE TABLE",
    sqlite3.SQLITE_CREATE_TRIGGER: "CREATE TRIGGER",
    sqlite3.SQLITE_CREATE_VIEW: "CREATE VIEW",
    sqlite3.SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
    sqlite3.SQLITE_DROP_INDEX: "DROP INDEX",
    sqlite3.SQLITE_DROP_TABLE: "DROP TABLE",
    sqlite3.SQLITE_DROP_TRIGGER: "DROP TRIGGER",
    sqlite3.SQLITE_DROP_VIEW: "DROP VIEW",
    sqlite3.SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
    sqlite3.SQLITE_ALTER_TABLE: "ALTER TABLE",
}


class SchemaChangeRefusedError(sqlite3.DatabaseError, SqlkeelError):
    """A guarded connection refused a schema change; it belongs in a migration."""

    exit_code = 1


class _Authorizer:
    """The authorizer callback; remembers what it refused last, for the error message."""

    __slots__ = ("refused",)

    def __init__(self) -> None:
        self.refused: str | None = None

    def __call__(
        self,
        action: int,
        arg1: str | None,
        arg2: str | None,
        database: str | None,
        _src: str | None,
    ) -> int:
        what = _DDL_ACTIONS.get(action)
        if what is None or database == "temp":
            return sqlite3.SQLITE_OK
        # ALTER TABLE reports (database, table) in arg1/arg2; the others (name, table).
        name = arg2 if action == sqlite3.SQLITE_ALTER_TABLE else arg1
        self.refused = f"{what} {name}" if name else what
        return sqlite3.SQLITE_DENY


def _refusal(authorizer: _Authorizer | None, exc: sqlite3.DatabaseError) -> BaseException:
    if authorizer is None or "not authorized" not in str(exc) or authorizer.refused is None:
        return exc
    what, authorizer.refused = authorizer.refused, None
    return SchemaChangeRefusedError(
        f"{what}: refused, this connection may not change the schema. Schema changes belong "
        "in a migration: change the schema files and run `sqlkeel generate`, then "
        "`sqlkeel migrate` (or sqlkeel.open_database at startup). Temporary objects "
        "(CREATE TEMP …) are allowed."
    )


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose refused schema changes raise :class:`SchemaChangeRefusedError`."""

    def execute(self, sql: str, parameters: object = (), /) -> GuardedCursor:
        try:
            super().execute(sql, parameters)  # type: ignore[arg-type]
        except sqlite3.DatabaseError as exc:
            raise _refusal(getattr(self.connection, "_sqlkeel_guard", None), exc) from exc
        return self

    def executemany(self, sql: str, seq_of_parameters: object, /) -> GuardedCursor:
        try:
            super().executemany(sql, seq_of_parameters)  # type: ignore[arg-type]
        except sqlite3.DatabaseError as exc:
            raise _refusal(getattr(self.connection, "_sqlkeel_guard", None), exc) from exc
        return self

    def executescript(self, sql_script: str, /) -> GuardedCursor:
        try:
            super().executescript(sql_script)
        except sqlite3.DatabaseError as exc:
            raise _refusal(getattr(self.connection, "_sqlkeel_guard", None), exc) from exc
        return self


class GuardedConnection(sqlite3.Connection):
    """A sqlite3 connection that refuses schema changes outside the runner."""

    _sqlkeel_guard: _Authorizer

    def cursor(self, factory: type[sqlite3.Cursor] | None = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or GuardedCursor)

    def execute(self, sql: str, parameters: object = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)  # type: ignore[arg-type]

    def executemany(self, sql: str, seq_of_parameters: object, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)  # type: ignore[arg-type]

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        return self.cursor().executescript(sql_script)


def guard(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Refuse schema changes (but temporary objects) on ``conn``; return it."""
    authorizer = _Authorizer()
    if isinstance(conn, GuardedConnection):
        conn._sqlkeel_guard = authorizer
    conn.set_authorizer(authorizer)
    return conn


def is_guarded(conn: sqlite3.Connection) -> bool:
    """True for a :class:`GuardedConnection` whose guard is on."""
    return isinstance(conn, GuardedConnection) and getattr(conn, "_sqlkeel_guard", None) is not None


def _allow(*_args: object) -> int:
    return sqlite3.SQLITE_OK


def _no_authorizer() -> Any:
    """What clears an authorizer: None from Python 3.11 on; before, None is refused by
    sqlite3 and every statement would be denied, so an allow-all callback stands in."""
    return None if sys.version_info >= (3, 11) else _allow


class lifted:
    """``with lifted(conn):`` — the runner's exemption: no guard inside, the same one after."""

    __slots__ = ("authorizer", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.authorizer = conn._sqlkeel_guard if is_guarded(conn) else None  # type: ignore[attr-defined]

    def __enter__(self) -> sqlite3.Connection:
        if self.authorizer is not None:
            self.conn.set_authorizer(_no_authorizer())
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.authorizer is not None:
            self.conn.set_authorizer(self.authorizer)
