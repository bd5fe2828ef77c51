"""Opening the registry: one call, and an error that says what to do for each way it fails.

:func:`open_registry` is :func:`sqlkeel.open_database` plus what a command-line tool owes its
user on top of it:

- the directory (``~/.pai-deps`` by default) is created on first use;
- pending migrations are applied, exactly once even when two commands start together; a
  command that finds another one migrating or writing waits ``lock_timeout`` seconds, then
  fails with :class:`RegistryError` instead of hanging;
- foreign keys are on (sqlkeel's house setting), so ``ON DELETE CASCADE`` works; the call
  checks it, because deleting a tool must delete what hangs off it;
- a registry created by an older pai-deps that did not track its schema is *adopted* when its
  tables are exactly one version of ``migrations/`` (``sqlkeel``'s baseline records that
  version as applied, changing nothing else), then migrated; one whose tables match no version
  is refused, with the differences, and nothing is changed;
- a registry whose schema was changed behind pai-deps' back (drift) is refused.

Every failure is a :class:`RegistryError` whose message says what happened and what to do.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import sqlkeel
from sqlkeel.errors import DatabaseLockedError  # not exported as sqlkeel.DatabaseLockedError yet

log = logging.getLogger("pai_deps")

# The migrations sit beside the package in this example; an installed tool ships them inside
# its package and passes "pai_deps:migrations" instead (see docs/migrations.md).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_DATABASE = "~/.pai-deps/registry.db"
ENV_DATABASE = "PAI_DEPS_DB"
LOCK_TIMEOUT = 10.0  # seconds to wait for another pai-deps command
BUSY_TIMEOUT_MS = 2000  # each single wait inside SQLite; LOCK_TIMEOUT bounds the total


class RegistryError(Exception):
    """The registry cannot be used; the message says why and what to do."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(message)


def registry_path() -> Path:
    """``$PAI_DEPS_DB``, else ``~/.pai-deps/registry.db`` (``~`` expanded)."""
    return Path(os.path.expanduser(os.environ.get(ENV_DATABASE) or DEFAULT_DATABASE))


def _unmanaged_tables(path: Path) -> list[str]:
    """The tables of a registry that has no sqlkeel journal ([] if managed, empty or absent)."""
    if not path.is_file() or path.stat().st_size == 0:
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []  # sqlkeel.connect below reports why it cannot be opened
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite^_%'"
                " ESCAPE '^' ORDER BY name"
            )
        ]
    except sqlite3.DatabaseError:
        return []  # not a database: sqlkeel.connect below says so
    finally:
        conn.close()
    if "_sqlkeel_migrations" in names:
        return []
    return [n for n in names if not n.startswith("_sqlkeel_")]


def _nearest_existing(path: Path) -> Path:
    """The registry's directory, or its nearest ancestor that exists (file or directory)."""
    for parent in (path.parent, *path.parent.parents):
        if parent.exists():
            return parent
    return Path(path.anchor or ".")


def _require_writable(db: Path) -> None:
    """Refuse an existing registry this user cannot write, before SQLite trips over it.

    pai-deps writes on every command (migrations, verifications), and SQLite in WAL mode
    also needs to create ``registry.db-wal`` and ``-shm`` beside the file.
    """
    if not db.exists():
        return  # a missing directory or file: sqlkeel.connect creates it or says why not
    if not os.access(db, os.R_OK | os.W_OK):
        what = f"{db}: the registry is read-only for this user"
    elif not os.access(db.parent, os.W_OK | os.X_OK):
        what = (
            f"{db.parent}: the registry's directory is read-only for this user (SQLite needs "
            "to create its -wal and -shm files beside the registry)"
        )
    else:
        return
    raise RegistryError(
        f"{what}. Make it writable for the user who runs pai-deps (chown/chmod), or set "
        f"{ENV_DATABASE} to a registry in a writable directory.",
        path=db,
    )


def _adopt(path: Path) -> None:
    """Record the migration an unmanaged registry's schema equals, or refuse it."""
    result = sqlkeel.baseline(migrations=MIGRATIONS, database=path)
    if result.ok:
        log.info(
            "adopted %s, created by an older pai-deps: its tables are %s, recorded as applied",
            path,
            result.matched,
        )
        return
    differences = "\n".join(f"  - {item.message}" for item in result.differences)
    raise RegistryError(
        f"{path}: this registry was created by an older pai-deps that did not track its "
        "schema, and its tables match no version this pai-deps knows"
        + (f" (closest: {result.closest})" if result.closest else "")
        + f":\n{differences}\n"
        "Nothing was changed. Move it aside and let pai-deps create a new registry, then "
        f"register your tools again: mv {path} {path}.old",
        path=path,
    )


def open_registry(
    path: str | os.PathLike[str] | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> sqlite3.Connection:
    """Open the registry, migrated and checked, with foreign keys on; or raise RegistryError."""
    db = Path(os.path.expanduser(os.fspath(path))) if path is not None else registry_path()
    _require_writable(db)
    try:
        if _unmanaged_tables(db):
            _adopt(db)
        conn = sqlkeel.open_database(
            db, MIGRATIONS, lock_timeout=lock_timeout, busy_timeout_ms=busy_timeout_ms
        )
    except DatabaseLockedError as exc:
        raise RegistryError(
            f"{exc}\nAnother pai-deps command is using the registry {db}: wait for it to "
            "finish (or stop it), then run this command again.",
            path=db,
        ) from exc
    except sqlkeel.DriftError as exc:
        raise RegistryError(
            f"{db}: the registry's schema was changed outside pai-deps, so pai-deps will not "
            f"write to it.\n{exc}\nUndo that change, or move the registry aside and let "
            f"pai-deps create a new one: mv {db} {db}.old",
            path=db,
        ) from exc
    except sqlkeel.NotADatabaseError as exc:
        raise RegistryError(
            f"{exc}\nMove it aside and let pai-deps create a new registry: mv {db} {db}.old",
            path=db,
        ) from exc
    except sqlkeel.ConnectError as exc:
        existing = _nearest_existing(db)
        if not existing.is_dir():
            hint = (
                f"{existing} is a file, not a directory, so the registry cannot be created "
                f"under it: move that file away, or set {ENV_DATABASE} to another path."
            )
        else:
            hint = (
                f"pai-deps keeps its registry in {db}: make {existing} writable for this "
                f"user, or set {ENV_DATABASE} to a file in a writable directory "
                f"(e.g. {ENV_DATABASE}=$HOME/.local/share/pai-deps/registry.db)."
            )
        raise RegistryError(f"{exc}\n{hint}", path=db) from exc
    except sqlkeel.SqlkeelError as exc:
        raise RegistryError(
            f"{exc}\nThe registry {db} was not changed; this pai-deps cannot use it as it is.",
            path=db,
        ) from exc
    except sqlite3.OperationalError as exc:  # the adoption step waits on a lock, too
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise RegistryError(
            f"{db}: the database is locked\nAnother pai-deps command is using the registry: "
            "wait for it to finish (or stop it), then run this command again.",
            path=db,
        ) from exc
    if conn.execute("PRAGMA foreign_keys").fetchone()[0] != 1:  # never, with sqlkeel.connect
        conn.close()
        raise RegistryError(
            f"{db}: foreign keys are off, so deleting a tool would leave its dependencies "
            "behind; pai-deps needs SQLite 3.6.19 or later, built with foreign keys",
            path=db,
        )
    return conn
