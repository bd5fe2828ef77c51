"""A SQLAlchemy engine on the application's one database, opened the sqlkeel way.

``create_engine(path, migrations=...)`` applies pending migrations (exactly as
:func:`sqlkeel.open_database` does at startup), then returns an engine whose every pooled
connection comes from :func:`sqlkeel.connect`: WAL, ``synchronous=NORMAL``, a busy timeout,
foreign keys on, the parent directory created, clear errors, and the DDL guard, so that
``metadata.create_all()`` or an ad-hoc ``ALTER TABLE`` fails with a message that says the
change belongs in a migration.

Python's sqlite3 driver, left to itself, starts transactions late and never for DDL;
sqlkeel's connections are in autocommit mode and this engine emits ``BEGIN`` itself when
SQLAlchemy begins a transaction (the recipe SQLAlchemy documents for pysqlite), so
``engine.begin()`` is a real SQLite transaction.

Needs SQLAlchemy 2: ``pip install 'sqlkeel[sqlalchemy]'``.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from sqlkeel.connection import DEFAULT_BUSY_TIMEOUT_MS, connect, database_path
from sqlkeel.errors import SqlkeelError
from sqlkeel.runner.migrate import DEFAULT_LOCK_TIMEOUT, migrate


def create_engine(
    path: str | os.PathLike[str],
    *,
    migrations: str | os.PathLike[str] | None = None,
    drift: str = "error",
    guard: bool = True,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    **engine_options: Any,
) -> Any:
    """A SQLAlchemy ``Engine`` on ``path`` with the house pragmas and the DDL guard.

    With ``migrations`` (a directory or ``"package:resource"``), pending migrations are
    applied first and drift is handled as ``drift`` says (``"error"``, ``"warn"``,
    ``"ignore"``). Other keyword arguments go to :func:`sqlalchemy.create_engine`.
    """
    try:
        import sqlalchemy
        from sqlalchemy import event
    except ImportError as exc:
        raise SqlkeelError(
            "sqlkeel.integrations.sqlalchemy needs SQLAlchemy: pip install 'sqlkeel[sqlalchemy]'"
        ) from exc
    target = database_path(path)
    if migrations is not None:
        migrate(target, migrations, drift=drift, lock_timeout=lock_timeout)

    def creator() -> sqlite3.Connection:
        return connect(target, guard=guard, busy_timeout_ms=busy_timeout_ms)

    engine_options.setdefault("module", sqlite3)  # the sqlite3 sqlkeel itself runs on
    engine = sqlalchemy.create_engine(f"sqlite:///{target}", creator=creator, **engine_options)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
