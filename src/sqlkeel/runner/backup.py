"""Snapshots of a database with SQLite's online backup API, their retention, restore and rollback.

A snapshot is taken through a connection of its own with ``Connection.backup``: consistent,
committed ``-wal`` content included, while other connections keep working. It is written
under a hidden temporary name in the backup directory, fsynced, checked with
``PRAGMA integrity_check`` and only then renamed to its final name, so a snapshot that was
interrupted (even by SIGKILL) never looks like a backup: listing ignores the temporary name,
and the next snapshot of the same database deletes what a dead process left behind.

Names: ``<stem>-<UTC time>-<label>.db`` in the backup directory (by default
``sqlkeel-backups/`` beside the database), e.g. ``app-20261201T181500.123456Z-pre-0003-0005.db``;
``stem`` is the database's file name without its suffix, the time sorts as text, and the label
is ``pre-NNNN[-MMMM]`` (before migrations NNNN to MMMM), ``manual`` or ``pre-restore``.

Restore verifies the backup first, refuses while other processes have the database open
(unless forced), keeps the file it replaces as a ``pre-restore`` snapshot, and copies through
the backup API into the live file, so its ``-wal``/``-shm`` stay coherent; a failure leaves
the database as it was.

Why a second connection for the pre-migration snapshot: SQLite's ``sqlite3_backup_step``
answers SQLITE_BUSY while its source connection is inside a write transaction (and Python
retries BUSY forever), so the runner cannot copy through the connection that holds
``BEGIN IMMEDIATE``. It copies through a fresh read connection instead, while the runner holds
the write lock and has written nothing yet: readers are not blocked by a reserved lock (WAL or
rollback journal), no other writer can commit, so the copy is exactly the pre-migration state.

Stdlib only; imported lazily, by the code that takes, lists or restores snapshots.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlkeel.errors import (
    BackupError,
    DatabaseInUseError,
    InvalidBackupError,
    RestoreError,
    SqlkeelError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sqlkeel.config import BackupSettings
    from sqlkeel.store.files import MigrationSource

DEFAULT_DIRECTORY = "sqlkeel-backups"
DEFAULT_KEEP = 10
DEFAULT_MAX_AGE_DAYS = 7.0
STEP_PAGES = 4096  # pages copied per backup step: progress granularity (16 MiB at 4 KiB pages)
BUSY_TIMEOUT = 30.0  # seconds a backup step may keep answering BUSY before giving up
LEFTOVER_AGE = 3600.0  # a temporary file untouched this long is a leftover, whoever wrote it

SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PRE_MIGRATION = re.compile(r"^pre-(\d+)(?:-(\d+))?$")
_STAMP_FORMAT = "%Y%m%dT%H%M%S"

Progress = Callable[[int, int], None]
"""``progress(copied_pages, total_pages)``, called after every step of a copy."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Backup:
    """One snapshot file: where it is, when it was taken, why, and how big it is."""

    path: Path
    database: str  # the stem of the database it belongs to
    taken_at: str  # UTC, ISO-8601 with microseconds: 2026-12-01T18:15:00.123456Z
    label: str  # pre-0003-0005, pre-0003, manual, pre-restore, …
    size: int  # bytes

    @property
    def migrations(self) -> tuple[int, int] | None:
        """(first, last) migration numbers of a pre-migration snapshot, else None."""
        m = _PRE_MIGRATION.match(self.label)
        if m is None:
            return None
        first = int(m.group(1))
        return first, int(m.group(2) or first)

    @property
    def is_pre_migration(self) -> bool:
        return self.migrations is not None

    def to_json(self) -> dict[str, object]:
        span = self.migrations
        return {
            "path": str(self.path),
            "taken_at": self.taken_at,
            "label": self.label,
            "migrations": list(span) if span else None,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreResult:
    """What :func:`restore` (or :func:`rollback`) did."""

    database: Path
    restored_from: Backup
    replaced: Backup | None  # the pre-restore snapshot of the file that was replaced
    forced_past: tuple[tuple[int, str], ...] = ()  # processes that had it open (with force)
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "database": str(self.database),
            "restored_from": self.restored_from.to_json(),
            "replaced": self.replaced.to_json() if self.replaced else None,
            "forced_past": [{"pid": pid, "command": cmd} for pid, cmd in self.forced_past],
            "duration_ms": round(self.duration_ms, 3),
        }


# -- names and listing -----------------------------------------------------------------


def _database_path(database: str | os.PathLike[str]) -> Path:
    return Path(os.path.expanduser(os.fspath(database)))


def _stem(database: Path) -> str:
    return database.stem or database.name


def backup_directory(
    database: str | os.PathLike[str], directory: str | os.PathLike[str] | None = None
) -> Path:
    """Where the snapshots of ``database`` go: ``directory``, else ``sqlkeel-backups/`` beside it."""
    if directory is not None:
        return Path(os.path.expanduser(os.fspath(directory)))
    return _database_path(database).absolute().parent / DEFAULT_DIRECTORY


def _name_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(
        "^" + re.escape(stem) + r"-(\d{8}T\d{6})\.(\d{6})Z-([A-Za-z0-9][A-Za-z0-9._-]*)\.db$"
    )


def _stamp(now: float) -> str:
    micro = round((now % 1) * 1_000_000)
    if micro >= 1_000_000:  # rounding reached the next second
        now, micro = float(int(now) + 1), 0
    return time.strftime(_STAMP_FORMAT, time.gmtime(now)) + f".{micro:06d}Z"


def _epoch(day_time: str, micro: str) -> float:
    import calendar

    return calendar.timegm(time.strptime(day_time, _STAMP_FORMAT)) + int(micro) / 1_000_000


def _iso(day_time: str, micro: str) -> str:
    t = time.strptime(day_time, _STAMP_FORMAT)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{micro}Z"


def _listed(directory: Path, stem: str) -> list[tuple[float, Backup]]:
    pattern = _name_pattern(stem)
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BackupError(f"{directory}: cannot list the backup directory: {exc.strerror}") from exc
    found: list[tuple[float, Backup]] = []
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None:
            continue
        try:
            if not entry.is_file():
                continue
            size = entry.stat().st_size
        except OSError:
            continue  # removed while we looked
        found.append(
            (
                _epoch(m.group(1), m.group(2)),
                Backup(
                    path=Path(entry.path),
                    database=stem,
                    taken_at=_iso(m.group(1), m.group(2)),
                    label=m.group(3),
                    size=size,
                ),
            )
        )
    found.sort(key=lambda pair: (pair[0], pair[1].path.name))
    return found


def list_backups(
    database: str | os.PathLike[str], *, directory: str | os.PathLike[str] | None = None
) -> list[Backup]:
    """The snapshots of ``database`` in its backup directory, oldest first (read-only).

    Only finished snapshots are listed: the temporary file of a snapshot in progress, or of
    one that was killed, has a hidden name that never matches.
    """
    db = _database_path(database)
    return [b for _, b in _listed(backup_directory(db, directory), _stem(db))]


# -- retention ---------------------------------------------------------------------------


def prune(
    database: str | os.PathLike[str],
    *,
    directory: str | os.PathLike[str] | None = None,
    keep: int = DEFAULT_KEEP,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    protect: Iterable[Path] = (),
    now: float | None = None,
) -> list[Path]:
    """Delete this database's snapshots beyond the newest ``keep`` or older than ``max_age_days``.

    ``keep <= 0`` and ``max_age_days`` None or ``<= 0`` turn that limit off. Paths in
    ``protect`` (the snapshot just taken, the one being restored) are never deleted, nor is
    any other database's snapshot. Returns the deleted paths; one that cannot be deleted is
    left in place (it is tried again next time).
    """
    db = _database_path(database)
    listed = _listed(backup_directory(db, directory), _stem(db))
    kept_names = {Path(p).name for p in protect}
    now = time.time() if now is None else now
    newest_first = list(reversed(listed))
    deleted: list[Path] = []
    for index, (taken, b) in enumerate(newest_first):
        if b.path.name in kept_names:
            continue
        too_many = keep > 0 and index >= keep
        too_old = max_age_days is not None and 0 < max_age_days < (now - taken) / 86400
        if too_many or too_old:
            try:
                b.path.unlink()
            except OSError:
                continue  # gone already, or not ours to delete: tried again next time
            deleted.append(b.path)
    return deleted


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def clean_leftovers(directory: Path, stem: str, *, now: float | None = None) -> list[Path]:
    """Delete the temporary files of this database's snapshots whose writer is gone."""
    pattern = re.compile(r"^\." + re.escape(stem) + r"-.*\.db\.tmp-(\d+)(-journal|-wal|-shm)?$")
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None:
            continue
        try:
            stale = now - entry.stat().st_mtime > LEFTOVER_AGE
            if stale or not _alive(int(m.group(1))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


# -- copying -----------------------------------------------------------------------------


def _copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    progress: Progress | None,
    busy_timeout: float,
) -> None:
    """``source.backup(target)`` in steps, reporting progress, giving up on endless BUSY.

    Python retries SQLITE_BUSY/LOCKED without end; the progress hook raising is the only way
    to stop it, and the backup API then rolls the target's transaction back.
    """
    busy_since: list[float] = []

    def step(status: int, remaining: int, total: int) -> None:
        if status in (_SQLITE_BUSY, _SQLITE_LOCKED):
            if not busy_since:
                busy_since.append(time.monotonic())
            elif time.monotonic() - busy_since[0] > busy_timeout:
                raise _StillBusy
            return
        busy_since.clear()
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=STEP_PAGES, progress=step)


class _StillBusy(Exception):
    pass


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # not supported here (Windows): the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _integrity(conn: sqlite3.Connection) -> list[str]:
    """integrity_check's complaints ([] when it says ok)."""
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)")]
    return [] if rows == ["ok"] else rows


def _snapshot(
    source_path: Path,
    *,
    stem: str,
    label: str,
    directory: Path,
    progress: Progress | None,
    busy_timeout: float = BUSY_TIMEOUT,
) -> Backup:
    """Copy ``source_path`` into ``directory`` as a finished, verified snapshot."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"{directory}: cannot create the backup directory: {exc.strerror}; choose another "
            "one ([tool.sqlkeel.backup] directory) or fix its permissions"
        ) from exc
    clean_leftovers(directory, stem)
    now = time.time()
    final = directory / f"{stem}-{_stamp(now)}-{label}.db"
    while final.exists():  # two snapshots in the same microsecond
        now += 1e-6
        final = directory / f"{stem}-{_stamp(now)}-{label}.db"
    temporary = directory / f".{final.name}.tmp-{os.getpid()}"
    try:
        source = sqlite3.connect(source_path, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"{source_path}: cannot open the database to back it up: {exc}") from exc
    try:
        target = sqlite3.connect(temporary, isolation_level=None)
        try:
            target.execute("PRAGMA journal_mode = OFF")  # a killed copy is garbage anyway
            _copy(source, target, progress, busy_timeout)
            # A copy of a WAL database is marked WAL; make it one self-contained file.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        _fsync_file(temporary)
        check = _read_only(temporary)
        try:
            problems = _integrity(check)
        finally:
            check.close()
        if problems:
            raise BackupError(
                f"the snapshot of {source_path} failed its integrity check, so it was not kept "
                f"({'; '.join(problems[:3])}): the database itself may be damaged; "
                "`sqlkeel doctor` shows what is wrong"
            )
        os.replace(temporary, final)
        _fsync_directory(directory)
    except _StillBusy as exc:
        raise BackupError(
            f"{source_path}: the database stayed locked for {busy_timeout:g} s during the "
            "snapshot; no snapshot was kept. Run again when the other writer is done."
        ) from exc
    except sqlite3.Error as exc:
        raise BackupError(
            f"the snapshot of {source_path} failed: {exc}; no snapshot was kept. "
            "`sqlkeel doctor` checks the database and the backup directory"
        ) from exc
    except OSError as exc:
        raise BackupError(
            f"the snapshot of {source_path} could not be written to {directory}: "
            f"{exc.strerror or exc}; no snapshot was kept. Free space or choose another "
            "directory ([tool.sqlkeel.backup] directory)"
        ) from exc
    finally:
        source.close()
        for leftover in (temporary, Path(f"{temporary}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
    m = _name_pattern(stem).match(final.name)
    assert m is not None
    return Backup(
        path=final,
        database=stem,
        taken_at=_iso(m.group(1), m.group(2)),
        label=label,
        size=final.stat().st_size,
    )


def _require_database_file(db: Path) -> None:
    if not db.is_file():
        raise BackupError(
            f"{db}: no such database file, so there is nothing to back up; check the path"
        )
    try:
        with db.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"{db}: cannot read the database: {exc.strerror}") from exc
    if head != SQLITE_HEADER:
        raise BackupError(
            f"{db}: not a SQLite database (no SQLite header), so it cannot be backed up "
            "with SQLite's backup API; check the path"
        )


def backup(
    database: str | os.PathLike[str],
    *,
    label: str = "manual",
    directory: str | os.PathLike[str] | None = None,
    keep: int = DEFAULT_KEEP,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    progress: Progress | None = None,
) -> Backup:
    """Take a verified snapshot of ``database`` now, then apply the retention limits.

    The database may be in use: the copy is consistent and includes committed WAL content.
    ``label`` ends the file name (letters, digits, ``.``, ``_``, ``-``). Raises
    :class:`BackupError`; the database is never written.
    """
    if not _LABEL.match(label):
        raise BackupError(
            f"{label!r} cannot be a backup label: use letters, digits, '.', '_' and '-'"
        )
    db = _database_path(database)
    _require_database_file(db)
    where = backup_directory(db, directory)
    taken = _snapshot(db, stem=_stem(db), label=label, directory=where, progress=progress)
    prune(db, directory=where, keep=keep, max_age_days=max_age_days, protect=[taken.path])
    return taken


# -- the pre-migration snapshot ------------------------------------------------------------


def _resolve_settings(spec: object) -> tuple[Path | None, int, float | None] | None:
    """(directory, keep, max_age_days) from migrate's ``backup=`` value, or None for off."""
    if callable(spec):
        spec = spec()
    if spec is None or spec is False:
        return None
    if spec is True:
        return None, DEFAULT_KEEP, DEFAULT_MAX_AGE_DAYS
    settings: BackupSettings = spec  # type: ignore[assignment]
    if not getattr(settings, "enabled", True):
        return None
    return settings.directory, int(settings.keep), settings.max_age_days


def migration_label(first: int, last: int) -> str:
    """``pre-0003-0005``, or ``pre-0003`` for a single migration."""
    return f"pre-{first:04d}" if first == last else f"pre-{first:04d}-{last:04d}"


def snapshot_before_migrating(
    conn: sqlite3.Connection,
    spec: object,
    *,
    first: int,
    last: int,
    progress: Progress | None = None,
) -> Backup | None:
    """The pre-migration snapshot, taken while ``conn`` holds the write lock (the runner's).

    ``spec`` is migrate's ``backup=`` value: False/None (off), True (defaults), a
    :class:`~sqlkeel.config.BackupSettings`, or a callable returning one of these (resolved
    only now, when a snapshot is due). A database without a file (``:memory:``) gets none.
    """
    resolved = _resolve_settings(spec)
    if resolved is None:
        return None
    directory, keep, max_age_days = resolved
    row = conn.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    if row is None or not row[0]:
        return None
    db = Path(row[0])
    where = backup_directory(db, directory)
    taken = _snapshot(
        db, stem=_stem(db), label=migration_label(first, last), directory=where, progress=progress
    )
    prune(db, directory=where, keep=keep, max_age_days=max_age_days, protect=[taken.path])
    return taken


# -- restore -------------------------------------------------------------------------------


def _header_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a SQLite database by its first 100 bytes, or None."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if head[:16] != SQLITE_HEADER:
        return "is not a SQLite database (no SQLite header)"
    if len(head) < 100:
        return "is truncated (shorter than the SQLite header)"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid_count = head[24:28] == head[92:96] and pages > 0
    if valid_count and page_size * pages > size:
        return f"is truncated ({size} bytes, its header says {page_size * pages})"
    return None


def verify_backup(
    path: str | os.PathLike[str], *, migrations: str | os.PathLike[str] | MigrationSource | None
) -> None:
    """Raise :class:`InvalidBackupError` unless ``path`` is a sound snapshot (read-only).

    Sound: a SQLite file, not truncated, ``integrity_check`` ok, its schema readable; when
    ``migrations`` is given and the file has a journal, its schema is exactly what its
    journal's applied migrations produce (no drift).
    """
    p = Path(os.path.expanduser(os.fspath(path)))
    if not p.is_file():
        raise InvalidBackupError(f"{p}: no such backup file; `sqlkeel backup list` shows them")
    problem = _header_problem(p)
    if problem:
        raise InvalidBackupError(
            f"{p} {problem}, so it cannot be restored; nothing was changed. Choose another "
            "backup (`sqlkeel backup list`)"
        )
    try:
        conn = _read_only(p)
    except sqlite3.Error as exc:
        raise InvalidBackupError(f"{p}: cannot be opened: {exc}; nothing was changed") from exc
    try:
        try:
            complaints = _integrity(conn)
        except sqlite3.DatabaseError as exc:
            complaints = [str(exc)]
        if complaints:
            raise InvalidBackupError(
                f"{p} failed its integrity check ({'; '.join(complaints[:3])}), so it cannot be "
                "restored; nothing was changed. Choose another backup (`sqlkeel backup list`)"
            )
        from sqlkeel.catalog.reader import read_schema

        try:
            read_schema(conn)
        except SqlkeelError as exc:
            raise InvalidBackupError(
                f"{p}: its schema cannot be read ({exc}); nothing was changed"
            ) from exc
        if migrations is None:
            return
        from sqlkeel.runner.drift import drift_items
        from sqlkeel.store.files import MigrationSource
        from sqlkeel.store.journal import read_journal

        if not read_journal(conn):
            return  # never migrated: there is no expected schema to compare with
        items = drift_items(conn, MigrationSource.resolve(migrations))
        if items:
            raise InvalidBackupError(
                f"{p}: its schema is not the one its own applied migrations produce:\n"
                + "\n".join(f"  - {item.message}" for item in items[:20])
                + "\nIt would not be a database sqlkeel can migrate; nothing was changed. "
                "Choose another backup (`sqlkeel backup list`)"
            )
    except sqlite3.DatabaseError as exc:
        raise InvalidBackupError(f"{p}: cannot be read: {exc}; nothing was changed") from exc
    finally:
        conn.close()


def _as_backup(path: Path) -> Backup:
    """The :class:`Backup` for any file (a snapshot of ours, or a file the user names)."""
    m = re.match(r"^(.*)-(\d{8}T\d{6})\.(\d{6})Z-([A-Za-z0-9][A-Za-z0-9._-]*)\.db$", path.name)
    size = path.stat().st_size
    if m is None:
        return Backup(path=path, database=path.stem, taken_at="", label="", size=size)
    return Backup(
        path=path,
        database=m.group(1),
        taken_at=_iso(m.group(2), m.group(3)),
        label=m.group(4),
        size=size,
    )


def restore(
    database: str | os.PathLike[str],
    backup: str | os.PathLike[str] | Backup | None = None,
    *,
    force: bool = False,
    directory: str | os.PathLike[str] | None = None,
    migrations: str | os.PathLike[str] | MigrationSource | None = None,
    keep: int = DEFAULT_KEEP,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    progress: Progress | None = None,
    busy_timeout: float = BUSY_TIMEOUT,
) -> RestoreResult:
    """Put ``backup`` (default: the newest snapshot of ``database``) in place of the database.

    In order, stopping with nothing changed at the first failure: the backup is verified
    (:func:`verify_backup`, with ``migrations`` for the drift check); other processes that
    have the database open make it refuse (:class:`DatabaseInUseError`, naming them) unless
    ``force``; the current file is kept as a ``pre-restore`` snapshot; the backup is copied in
    through the backup API in one write transaction. ``directory``, ``keep`` and
    ``max_age_days`` are the backup settings (retention never deletes the backup restored).
    """
    started = time.perf_counter()
    db = _database_path(database)
    where = backup_directory(db, directory)
    if backup is None:
        found = list_backups(db, directory=where)
        if not found:
            raise RestoreError(
                f"no snapshots of {db} in {where}: nothing to restore. Name a backup file, or "
                "take snapshots with `sqlkeel backup` (migrate takes one by default)"
            )
        chosen = found[-1]
    elif isinstance(backup, Backup):
        chosen = backup
    else:
        path = Path(os.path.expanduser(os.fspath(backup)))
        if not path.is_file():
            raise InvalidBackupError(
                f"{path}: no such backup file; nothing was changed. `sqlkeel backup list` "
                "shows the snapshots there are"
            )
        chosen = _as_backup(path)
    verify_backup(chosen.path, migrations=migrations)
    if db.exists() and db.resolve() == chosen.path.resolve():
        raise RestoreError(f"{db} is the backup itself: name the database to restore into")
    from sqlkeel.processes import describe_processes, processes_using

    users = processes_using(db) if db.exists() else []
    if users and not force:
        raise DatabaseInUseError(
            f"{db} is open in other processes: {describe_processes(users)}. Restoring under "
            "them would swap their data without their knowing; nothing was changed. Stop them "
            "and run again, or pass --force (force=True) to restore anyway.",
            processes=tuple(users),
        )
    replaced: Backup | None = None
    if db.exists() and db.stat().st_size > 0:
        if _header_problem(db):
            raise RestoreError(
                f"{db} {_header_problem(db)}, so sqlkeel cannot keep it as a pre-restore "
                "snapshot; nothing was changed. Move it aside (with its -wal and -shm files) "
                "and run again: restore then creates the file from the backup"
            )
        try:
            replaced = _snapshot(
                db, stem=_stem(db), label="pre-restore", directory=where, progress=None
            )
        except BackupError as exc:
            raise RestoreError(
                f"the database could not be kept as a pre-restore snapshot, so it was not "
                f"replaced: {exc}"
            ) from exc
    _copy_into(chosen.path, db, progress=progress, busy_timeout=busy_timeout)
    protect = [chosen.path] + ([replaced.path] if replaced else [])
    prune(db, directory=where, keep=keep, max_age_days=max_age_days, protect=protect)
    return RestoreResult(
        database=db,
        restored_from=chosen,
        replaced=replaced,
        forced_past=tuple(users),
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def _copy_into(
    source_path: Path, db: Path, *, progress: Progress | None, busy_timeout: float
) -> None:
    """Copy the snapshot into the live file with the backup API; nothing changes on failure."""
    db.parent.mkdir(parents=True, exist_ok=True)
    source = _read_only(source_path)
    try:
        target = sqlite3.connect(db, timeout=busy_timeout, isolation_level=None)
        try:
            _copy(source, target, progress, busy_timeout)
            problems = [str(r[0]) for r in target.execute("PRAGMA quick_check")]
        finally:
            target.close()
    except _StillBusy as exc:
        raise RestoreError(
            f"{db} stayed locked by another connection for {busy_timeout:g} s; nothing was "
            "changed. Stop the processes that use it and run again"
        ) from exc
    except sqlite3.Error as exc:
        raise RestoreError(
            f"copying {source_path} into {db} failed: {exc}; the write was rolled back, "
            "nothing was changed"
        ) from exc
    finally:
        source.close()
    if problems != ["ok"]:  # pragma: no cover - the copy was verified before it was made
        raise RestoreError(
            f"{db} failed its check after the restore ({'; '.join(problems[:3])}); its "
            "pre-restore snapshot is in the backup directory"
        )


def rollback(
    database: str | os.PathLike[str],
    *,
    force: bool = False,
    directory: str | os.PathLike[str] | None = None,
    migrations: str | os.PathLike[str] | MigrationSource | None = None,
    keep: int = DEFAULT_KEEP,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore the newest pre-migration snapshot of ``database`` (see :func:`restore`).

    The database returns to its state just before that migration run, rows included: what
    was written since is kept only in the ``pre-restore`` snapshot this makes.
    """
    db = _database_path(database)
    where = backup_directory(db, directory)
    candidates = [b for b in list_backups(db, directory=where) if b.is_pre_migration]
    if not candidates:
        raise RestoreError(
            f"no pre-migration snapshot of {db} in {where}, so there is nothing to roll back "
            "to. `sqlkeel backup list` shows the snapshots there are; `sqlkeel restore BACKUP` "
            "restores one of them"
        )
    return restore(
        db,
        candidates[-1],
        force=force,
        directory=where,
        migrations=migrations,
        keep=keep,
        max_age_days=max_age_days,
        progress=progress,
    )
