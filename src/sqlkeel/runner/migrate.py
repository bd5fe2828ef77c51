"""The runner: the only code that applies migrations to a database.

- ``BEGIN IMMEDIATE`` serialises processes; the journal is read again under the lock, so any
  number of processes may call :func:`migrate` at once and each file is applied once.
- All pending migrations run in one transaction (a ``no-transaction`` file runs alone, between
  batches). A failure rolls everything back: the database is exactly as before.
- When a pending file asks for it (``foreign-keys-off``, written by ``generate`` for table
  rebuilds), FK enforcement is turned off *before* the transaction, ``foreign_key_check``
  runs before ``COMMIT``, and the connection's setting is restored afterwards.
- Checksums of applied files are compared with the journal before anything is applied.
- The no-op path reads the directory listing and the journal names, nothing else.

Stdlib only, and light: this is the application's startup path (no dataclasses, pathlib,
datetime or typing at import time).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time

from sqlkeel.connection import connect, database_file, locked_error, storage_error
from sqlkeel.ddl_guard import lifted
from sqlkeel.errors import (
    BackupError,
    ChecksumMismatchError,
    DriftError,
    ForeignKeyViolationError,
    MigrationFailedError,
    MigrationFileError,
    MissingMigrationError,
    SchemaDriftWarning,
    UnmanagedDatabaseError,
)
from sqlkeel.runner.drift import drift_items, mark_verified, unchanged_since_verified
from sqlkeel.store.files import Migration, MigrationSource, migration_number, require_unique_numbers
from sqlkeel.store.journal import CREATE_JOURNAL, applied_names, read_journal, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlkeel.runner.backup import Backup

TOOL_VERSION = "0.1.0"
DRIFT_MODES = ("error", "warn", "ignore")
DEFAULT_LOCK_TIMEOUT = 120.0

_TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE
)
_FK_PRAGMA = re.compile(r"^\s*PRAGMA\s+(main\.)?foreign_keys\s*=\s*(\w+)\s*;?\s*$", re.IGNORECASE)


class AppliedMigration:
    """One migration this call applied (or, in a dry run, would apply)."""

    __slots__ = ("duration_ms", "name", "statements")

    def __init__(self, name: str, duration_ms: float, statements: tuple[str, ...] = ()) -> None:
        self.name = name
        self.duration_ms = duration_ms
        self.statements = statements

    def __repr__(self) -> str:
        return f"AppliedMigration({self.name!r}, {self.duration_ms:.3f} ms)"


class MigrateResult:
    """What :func:`migrate` did."""

    __slots__ = ("already_applied", "applied", "backup", "dry_run", "out_of_order")

    def __init__(
        self,
        applied: tuple[AppliedMigration, ...] = (),
        already_applied: int = 0,
        dry_run: bool = False,
        out_of_order: tuple[str, ...] = (),
        backup: Backup | None = None,
    ) -> None:
        self.applied = applied
        self.already_applied = already_applied
        self.dry_run = dry_run
        self.out_of_order = out_of_order
        self.backup = backup  # the pre-migration snapshot taken, if any

    def __repr__(self) -> str:
        return f"MigrateResult(applied={self.names!r}, already_applied={self.already_applied})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.applied)

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "dry_run": self.dry_run,
            "applied": [
                {"name": m.name, "duration_ms": round(m.duration_ms, 3)}
                | ({"statements": list(m.statements)} if self.dry_run else {})
                for m in self.applied
            ],
            "already_applied": self.already_applied,
            "out_of_order": list(self.out_of_order),
            "backup": self.backup.to_json() if self.backup else None,
        }


class _SnapshotRequest:
    """migrate's ``backup=`` request, taken at most once per call, under the write lock."""

    __slots__ = ("last", "progress", "spec", "taken")

    def __init__(self, spec: object, progress: Callable[[int, int], None] | None, last: int):
        self.spec = spec
        self.progress = progress
        self.last = last  # the number of the last migration this call means to apply
        self.taken: Backup | None = None

    def take(self, conn: sqlite3.Connection, todo: list[Migration]) -> None:
        """Snapshot the database as it is now: the runner holds BEGIN IMMEDIATE, unwritten."""
        from sqlkeel.runner.backup import snapshot_before_migrating

        spec, self.spec = self.spec, None
        try:
            self.taken = snapshot_before_migrating(
                conn,
                spec,
                first=migration_number(todo[0].name) or 0,
                last=max(self.last, migration_number(todo[-1].name) or 0),
                progress=self.progress,
            )
        except BackupError as exc:
            raise BackupError(
                f"{exc}\nThe pre-migration snapshot failed, so nothing was applied. Fix the "
                "cause, or migrate without a snapshot (--no-backup, or backup=False)."
            ) from exc


def _statements(migration: Migration) -> list[tuple[str, int]]:
    """(statement, line) pairs; transaction control is refused, FK pragmas become directives."""
    from sqlkeel.sources.statements import split_statements

    out: list[tuple[str, int]] = []
    for st in split_statements(migration.text, file=migration.name):
        if _FK_PRAGMA.match(st.sql):
            continue  # a no-op inside the transaction; the runner handles FK enforcement
        if _TRANSACTION_CONTROL.match(st.sql):
            raise MigrationFileError(
                f"{migration.name}:{st.line}: migration files must not control transactions "
                f"({st.sql.split()[0].upper()}): sqlkeel runs every file inside its own "
                "transaction; for a statement that cannot run in one (VACUUM), put "
                "`-- sqlkeel: no-transaction` at the top of the file"
            )
        out.append((st.sql, st.line))
    return out


def _needs_foreign_keys_off(migration: Migration) -> bool:
    if "foreign-keys-off" in migration.directives:
        return True
    return any(
        (m := _FK_PRAGMA.match(line)) is not None
        and m.group(2).upper() in {"OFF", "0", "FALSE", "NO"}
        for line in migration.text.splitlines()
    )


def _now() -> str:
    """UTC time, ISO-8601 with milliseconds."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def _verify_applied(source: MigrationSource, conn: sqlite3.Connection, names: list[str]) -> None:
    journal = read_journal(conn)
    on_disk = set(names)
    missing = tuple(e.name for e in journal if e.name not in on_disk)
    if missing:
        applied_names_set = {e.name for e in journal}
        by_checksum = {source.read(n).checksum: n for n in names if n not in applied_names_set}
        hints = [
            f"{e.name} looks renamed to {by_checksum[e.checksum]} (same text): rename it back "
            "and renumber the other migration instead"
            for e in journal
            if e.name in missing and e.checksum in by_checksum
        ]
        raise MissingMigrationError(
            f"the database has applied migrations whose files are gone from {source.label}: "
            + ", ".join(missing)
            + ". Restore the files (from version control), or point at the right directory."
            + "".join(f"\n  - {h}" for h in hints),
            names=missing,
        )
    edited = tuple(e.name for e in journal if source.checksum(e.name) != e.checksum)
    if edited:
        raise ChecksumMismatchError(
            "applied migrations were edited after they ran: "
            + ", ".join(edited)
            + ". Restore their applied text (from version control) and put the change in a new "
            "migration; a database that ran the old text would never see the edit.",
            names=edited,
        )


def _begin_immediate(conn: sqlite3.Connection, lock_timeout: float) -> None:
    """BEGIN IMMEDIATE, waiting up to ``lock_timeout`` seconds for another writer to finish.

    The connection's busy timeout is the first wait; another process's migration can take
    longer than that, so the runner keeps trying until its own deadline.
    """
    deadline = time.monotonic() + lock_timeout
    delay = 0.01
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise locked_error(
                    database_file(conn),
                    "the database is locked by another connection and stayed locked for "
                    f"{lock_timeout:g} s; nothing was applied",
                    "Another process may be migrating or writing a long transaction: run again "
                    "when it is done, or raise the lock timeout (sqlkeel.migrate(..., "
                    "lock_timeout=…))",
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _violations(conn: sqlite3.Connection) -> set[tuple[str, int | None, str, int]]:
    return {(r[0], r[1], r[2], r[3]) for r in conn.execute("PRAGMA foreign_key_check")}


def _orphans_error(
    new: set[tuple[str, int | None, str, int]], batch: list[Migration], fk_off: bool
) -> ForeignKeyViolationError:
    rows = sorted(new, key=lambda v: (v[0], v[1] or 0))
    lines = [f"  - {t} rowid {rid} → missing row in {p}" for t, rid, p, _ in rows[:20]]
    if len(rows) > 20:
        lines.append(f"  … and {len(rows) - 20} more")
    why = ""
    if fk_off:
        rebuilds = [m.name for m in batch if _needs_foreign_keys_off(m)]
        others = [m.name for m in batch if m.name not in rebuilds]
        why = (
            "\nThis batch ran with foreign-key enforcement off because "
            + ", ".join(rebuilds)
            + " rebuilds tables (foreign-keys-off), so ON DELETE/UPDATE actions did not fire"
            + (f" in {', '.join(others)}" if others else "")
            + ". If a data migration relies on them, apply it first on its own: "
            "`sqlkeel migrate --to N` with N its number, then migrate again."
        )
    return ForeignKeyViolationError(
        "foreign_key_check found rows without a parent that this batch would leave behind; "
        "nothing was applied:\n" + "\n".join(lines) + why,
        violations=tuple((t, rid, p) for t, rid, p, _ in rows),
    )


_GUARD_FAILURES = ("foreign_key_check_found_violations", "foreign_keys_must_be_off")


def _run_batch(
    conn: sqlite3.Connection,
    source: MigrationSource,
    names: list[str],
    batch: list[Migration],
    *,
    transactional: bool,
    verify: bool,
    committed_before: list[str],
    lock_timeout: float,
    drift_mode: str,
    drift_state: list[bool],
    snapshot: _SnapshotRequest | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[AppliedMigration]:
    """Apply ``batch`` (the files not yet in the journal, re-read under the lock)."""
    fk_before = int(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    fk_off = any(_needs_foreign_keys_off(m) for m in batch)
    # With enforcement on, SQLite refuses orphans as they are made; the check before COMMIT
    # matters when it is off. Orphans that were there before the batch are not its doing.
    check_orphans = fk_off or not fk_before
    done: list[AppliedMigration] = []
    if fk_off and fk_before:
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        _begin_immediate(conn, lock_timeout)
        try:
            conn.execute(CREATE_JOURNAL)
            if verify:
                _verify_applied(source, conn, names)
            applied = applied_names(conn)
            todo = [m for m in batch if m.name not in applied]  # others won the race
            if snapshot is not None and snapshot.spec and todo and applied:
                # Under the write lock, before anything is written (so exactly the state
                # before the migration, and one snapshot however many processes migrate);
                # a brand-new database (empty journal) has nothing to keep.
                snapshot.take(conn, todo)
            if verify and todo:
                # Only a schema known to be what the migrations made may be recorded as
                # verified after this batch; drift applied over stays visible.
                drift_state[0] = drift_mode != "ignore" and _check_drift(conn, source, drift_mode)
            baseline = _violations(conn) if check_orphans and todo else set()
            planned = [(m, _statements(m)) for m in todo]
            total = sum(len(statements) for _, statements in planned)
            ran = 0
            for migration, statements in planned:
                if not transactional:
                    conn.execute("COMMIT")
                started = time.perf_counter()
                for sql, line in statements:
                    if progress is not None:
                        progress(migration.name, ran, total)
                    ran += 1
                    try:
                        conn.execute(sql)
                    except sqlite3.Error as exc:
                        if any(g in str(exc) for g in _GUARD_FAILURES) and conn.in_transaction:
                            found = _violations(conn) - baseline
                            if found:
                                raise _orphans_error(found, batch, fk_off) from exc
                        if transactional:
                            what = (
                                ("nothing was applied: " if not committed_before else "")
                                + "the transaction was rolled back, so no file of its batch "
                                f"({', '.join(m.name for m in batch)}) left a trace"
                            )
                        else:
                            what = (
                                "this file runs outside a transaction (no-transaction): the "
                                f"statements before line {line} took effect and stay; the file is "
                                "not recorded as applied"
                            )
                        if committed_before:
                            what += (
                                "; committed before it, by earlier batches of this run: "
                                + ", ".join(committed_before)
                            )
                        fault = storage_error(
                            exc,
                            database_file(conn),
                            outcome=f"while running {migration.name}:{line}; {what}",
                            conn=conn,
                        )
                        if fault is not None:
                            raise fault from exc
                        raise MigrationFailedError(
                            f"{migration.name}:{line}: {exc}\n{what}",
                            name=migration.name,
                            line=line,
                        ) from exc
                elapsed = (time.perf_counter() - started) * 1000
                if not transactional:
                    _begin_immediate(conn, lock_timeout)
                    if migration.name in applied_names(conn):
                        continue  # ran twice at once: such files must be idempotent (documented)
                record(
                    conn,
                    name=migration.name,
                    checksum=migration.checksum,
                    applied_at=_now(),
                    duration_ms=elapsed,
                    tool_version=TOOL_VERSION,
                )
                done.append(AppliedMigration(migration.name, elapsed))
                if not transactional and drift_state[0]:
                    mark_verified(conn)
            if check_orphans and todo:
                found = _violations(conn) - baseline
                if found:
                    raise _orphans_error(found, batch, fk_off)
            if todo and drift_state[0]:
                mark_verified(conn)  # this schema is what the migrations made
            conn.execute("COMMIT")
        except sqlite3.Error as exc:  # the journal, the drift record or COMMIT itself
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if not transactional:
                what = (
                    f"{batch[0].name} runs outside a transaction (no-transaction): what it did "
                    "stays, but it is not recorded as applied"
                )
            elif committed_before:
                what = f"the batch ({', '.join(m.name for m in batch)}) was rolled back"
            else:
                what = "nothing was applied: the transaction was rolled back"
            what += (
                f"; committed before it, by earlier batches of this run: "
                f"{', '.join(committed_before)}"
                if committed_before
                else ""
            )
            fault = storage_error(exc, database_file(conn), outcome=what, conn=conn)
            if fault is not None:
                raise fault from exc
            raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        if fk_off and fk_before:
            conn.execute("PRAGMA foreign_keys = ON")
    return done


def _has_user_tables(conn: sqlite3.Connection) -> bool:
    """True when the database holds tables other than SQLite's, sqlkeel's and other tools'."""
    rows = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    return any(
        not (
            n.lower().startswith(("sqlite_", "_sqlkeel_", "libsql_", "_litestream_"))
            or n == "_cf_KV"
        )
        for (n,) in rows
    )


def _open_for_reading(path: str | os.PathLike[str]) -> sqlite3.Connection:
    p = os.path.expanduser(os.fspath(path))
    if not os.path.exists(p):
        return sqlite3.connect(":memory:")  # nothing applied yet, and nothing is created
    from pathlib import Path

    return sqlite3.connect(Path(p).resolve().as_uri() + "?mode=ro", uri=True)


def migrate(
    db: str | os.PathLike[str] | sqlite3.Connection,
    migrations: str | os.PathLike[str] | MigrationSource = "migrations",
    *,
    to: int | None = None,
    dry_run: bool = False,
    verify_checksums: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    drift: str = "error",
    backup: object = False,
    backup_progress: Callable[[int, int], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> MigrateResult:
    """Apply pending migrations atomically and exactly once; return what was applied.

    ``db`` is a path (opened with :func:`sqlkeel.connect`) or an open connection.
    ``migrations`` is a directory or ``"package:resource"``. ``to`` stops after that number.
    With nothing pending this reads the directory listing and the journal names only;
    ``verify_checksums=True`` also compares every applied file with the journal then.
    ``lock_timeout`` is how long to wait (seconds) for another process's migration or write.
    ``drift`` is what to do when, before applying anything, the database's schema is not the
    one its applied migrations produce: ``"error"`` (refuse, listing the differences),
    ``"warn"`` (a :class:`SchemaDriftWarning`, then apply) or ``"ignore"``.
    ``backup`` asks for a pre-migration snapshot (off by default): ``True`` (beside the
    database, default retention), a :class:`~sqlkeel.config.BackupSettings` (its ``enabled``
    is obeyed), or a callable returning either, called only when a snapshot is due. It is
    taken only when something is pending and the database has applied migrations, under the
    write lock; ``backup_progress(copied_pages, total_pages)`` follows the copy. A failed
    snapshot (:class:`BackupError`) applies nothing. ``progress(migration, done, total)`` is
    called before each statement of a batch (``done`` of ``total`` statements ran), e.g. to
    show a progress bar while a table is rebuilt.
    """
    if drift not in DRIFT_MODES:
        raise ValueError(f"drift must be one of {', '.join(DRIFT_MODES)}, not {drift!r}")
    source = MigrationSource.resolve(migrations)
    own = not isinstance(db, sqlite3.Connection)
    if isinstance(db, sqlite3.Connection):
        conn = db
    elif dry_run:
        conn = _open_for_reading(db)  # a dry run creates nothing and changes no setting
    else:
        conn = connect(db)
    try:
        names = source.names()
        wanted = [n for n in names if (migration_number(n) or 0) <= to] if to is not None else names
        done = applied_names(conn)
        gone = done - set(names)
        if gone:
            _verify_applied(source, conn, names)  # raises MissingMigrationError, explained
        pending = [n for n in wanted if n not in done]
        if not pending:
            if verify_checksums or dry_run:
                _verify_applied(source, conn, names)
            return MigrateResult(already_applied=len(done), dry_run=dry_run)
        require_unique_numbers(names, source.label)
        if not done and _has_user_tables(conn):
            label = getattr(conn, "sqlkeel_path", None) or "the database"
            raise UnmanagedDatabaseError(
                f"{label} has tables but sqlkeel has never migrated it (no journal), so its "
                "migrations cannot be run on it. Adopt it: `sqlkeel baseline -d PATH` (or "
                "sqlkeel.baseline(...)) records the migrations its schema already equals; or "
                "start from a fresh file."
            )
        highest = max((migration_number(n) or 0 for n in done if migration_number(n)), default=0)
        out_of_order = tuple(n for n in pending if (migration_number(n) or 0) < highest)
        migrations_to_run = [source.read(n) for n in pending]
        if dry_run:
            _verify_applied(source, conn, names)
            return MigrateResult(
                applied=tuple(
                    AppliedMigration(m.name, 0.0, tuple(sql for sql, _ in _statements(m)))
                    for m in migrations_to_run
                ),
                already_applied=len(done),
                dry_run=True,
                out_of_order=out_of_order,
            )
        for m in migrations_to_run:
            _statements(m)  # refuse malformed files before touching the database
        applied: list[AppliedMigration] = []
        if conn.in_transaction:
            raise MigrationFileError(
                "a transaction is open on this connection: commit or roll back before migrating"
            )
        isolation = conn.isolation_level
        conn.isolation_level = None
        exemption = lifted(conn)  # the runner is the one writer of schema
        exemption.__enter__()
        try:
            batches: list[tuple[list[Migration], bool]] = []
            for m in migrations_to_run:
                if not m.transactional:
                    batches.append(([m], False))
                elif batches and batches[-1][1]:
                    batches[-1][0].append(m)
                else:
                    batches.append(([m], True))
            drift_state = [False]  # set by the first batch's drift check
            snapshot = (
                _SnapshotRequest(
                    backup,
                    backup_progress,
                    max(migration_number(m.name) or 0 for m in migrations_to_run),
                )
                if backup
                else None
            )
            for index, (batch, transactional) in enumerate(batches):
                applied += _run_batch(
                    conn,
                    source,
                    names,
                    batch,
                    transactional=transactional,
                    verify=index == 0,
                    committed_before=[a.name for a in applied],
                    lock_timeout=lock_timeout,
                    drift_mode=drift,
                    drift_state=drift_state,
                    snapshot=snapshot,
                    progress=progress,
                )
        finally:
            exemption.__exit__()
            conn.isolation_level = isolation
        return MigrateResult(
            applied=tuple(applied),
            already_applied=len(applied_names(conn)) - len(applied),
            out_of_order=tuple(n for n in out_of_order if n in {a.name for a in applied}),
            backup=snapshot.taken if snapshot is not None else None,
        )
    except sqlite3.Error as exc:  # reading the journal of a damaged, foreign or locked file
        fault = storage_error(
            exc,
            database_file(conn) or ("" if isinstance(db, sqlite3.Connection) else os.fspath(db)),
            outcome="nothing was applied",
            conn=conn,
        )
        if fault is not None:
            raise fault from exc
        raise
    finally:
        if own:
            conn.close()


def pending_migrations(
    conn: sqlite3.Connection, migrations: str | os.PathLike[str] | MigrationSource
) -> list[str]:
    """Names of the files not yet applied to ``conn``'s database."""
    source = MigrationSource.resolve(migrations)
    done = applied_names(conn)
    return [n for n in source.names() if n not in done]


def _check_drift(conn: sqlite3.Connection, source: MigrationSource, mode: str) -> bool:
    """Refuse or warn when the schema is not what the applied migrations made.

    Returns True when the schema is verified clean (and records that), False when drift
    was found and only warned about.
    """
    if unchanged_since_verified(conn):
        return True
    items = drift_items(conn, source)
    if not items:
        if not conn.in_transaction and not _read_only(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                mark_verified(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        elif conn.in_transaction:
            mark_verified(conn)
        return True
    message = (
        "the database's schema is not the one its applied migrations produce (drift):\n"
        + "\n".join(f"  - {item.message}" for item in items)
        + "\nPut the change in a migration (sqlkeel generate), or undo it; "
        "`sqlkeel drift` lists the differences."
    )
    if mode == "warn":
        import warnings

        warnings.warn(message, SchemaDriftWarning, stacklevel=3)
        return False
    raise DriftError(message, items=tuple(items))


def _read_only(conn: sqlite3.Connection) -> bool:
    try:
        return bool(conn.execute("PRAGMA query_only").fetchone()[0])
    except sqlite3.Error:
        return True


def open_database(
    path: str | os.PathLike[str] | Path,
    migrations: str | os.PathLike[str] | MigrationSource = "migrations",
    *,
    drift: str = "error",
    guard: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    backup: object = False,
    **connect_options: object,
) -> sqlite3.Connection:
    """The application's one startup call: open its database, apply pending migrations, check
    for drift, and return the connection.

    ``drift`` is ``"error"`` (raise :class:`DriftError`), ``"warn"`` or ``"ignore"``. When the
    schema has not changed since it was last verified, the check costs two small queries.
    The connection is guarded (``guard=True``): schema changes outside migrations are refused.
    ``lock_timeout`` (seconds) is how long to wait for another process's migration.
    ``backup`` takes a pre-migration snapshot when something is pending (see :func:`migrate`).
    """
    conn = connect(path, guard=guard, **connect_options)  # type: ignore[arg-type]
    try:
        source = MigrationSource.resolve(migrations)
        migrate(conn, source, drift=drift, lock_timeout=lock_timeout, backup=backup)
        if drift != "ignore":
            isolation = conn.isolation_level
            conn.isolation_level = None
            try:
                with lifted(conn):
                    _check_drift(conn, source, drift)
            finally:
                conn.isolation_level = isolation
    except BaseException:
        conn.close()
        raise
    return conn
