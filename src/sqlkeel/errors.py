"""Every exception sqlkeel raises, with the exit code the CLI maps it to.

::

    SqlkeelError                      exit 1   base of everything below
    ├── SourceError                   exit 1   a schema source cannot be used
    │   ├── SourceNotFoundError                the path does not exist
    │   ├── NotADatabaseError                  the file is not a SQLite database
    │   │   └── CorruptDatabaseError           it is one, but damaged: malformed or truncated
    │   └── SchemaSyntaxError                  SQLite refused a statement (file and line given)
    ├── CatalogError                  exit 1   a stored definition could not be read
    ├── PlanError                     exit 1   no correct plan exists for the change
    │   ├── ImpossibleChangeError              SQLite cannot make it on existing rows (names the fix)
    │   └── NonConvergentPlanError             sqlkeel's own plan failed its verification (a bug)
    ├── ConnectError                  exit 1   a database cannot be opened (directory, permissions, lock)
    │   ├── DatabaseLockedError                another connection held the write lock too long
    │   ├── ReadOnlyDatabaseError              the file or its directory cannot be written
    │   └── PermissionDeniedError              the file cannot be opened by this user
    ├── DiskFullError                 exit 1   the disk (or max_page_count) filled up; rolled back
    ├── ConfigError                   exit 1   the project configuration is missing or wrong
    ├── MigrationError                exit 1   the migrations cannot be applied as they are
    │   ├── MigrationFileError                 a file cannot be read, is misnamed, or holds BEGIN/COMMIT
    │   ├── ChecksumMismatchError              an applied file was edited (names the file)
    │   ├── DuplicateMigrationError            two files share a number (names both)
    │   ├── MissingMigrationError              the database applied a file that is gone
    │   ├── UnmanagedDatabaseError             tables but no journal: adopt it with baseline
    │   └── MigrationFailedError               a statement failed; nothing was applied
    ├── DriftError                    exit 1   the schema is not what its migrations made (listed)
    ├── ApplyError                    exit 1   a plan failed while running (rolled back)
    │   └── ForeignKeyViolationError           foreign_key_check found orphans (rows listed)
    ├── BackupError                   exit 1   a snapshot could not be taken; none was kept
    ├── RestoreError                  exit 1   a restore or rollback did not happen; nothing changed
    │   ├── InvalidBackupError                 the backup is not SQLite, truncated, corrupt or drifted
    │   └── DatabaseInUseError                 other processes have the database open (named)
    └── DestructiveChangeError        exit 4   the plan loses data and that was not allowed

The library raises these and never exits; only ``sqlkeel.cli.main`` turns them into exit codes.
"""

from __future__ import annotations


class SqlkeelError(Exception):
    """Base of every sqlkeel error."""

    exit_code = 1


class SourceError(SqlkeelError):
    """A schema source (SQL file, directory, database) cannot be used."""


class SourceNotFoundError(SourceError):
    """The named file or directory does not exist."""


class NotADatabaseError(SourceError):
    """The file is not a SQLite database."""


class SchemaSyntaxError(SourceError):
    """SQLite refused a statement of a schema file."""

    def __init__(self, message: str, *, file: str, line: int, statement: str = "") -> None:
        self.file = file
        self.line = line
        self.statement = statement
        super().__init__(f"{file}:{line}: {message}")


class CatalogError(SqlkeelError):
    """A stored definition could not be read into the model."""


class PlanError(SqlkeelError):
    """No correct plan exists for the requested change."""


class ImpossibleChangeError(PlanError):
    """SQLite cannot make the change on a table that has rows; the message names the fix."""


class NonConvergentPlanError(PlanError):
    """The plan did not reproduce the target when verified on a scratch copy (a sqlkeel bug)."""


class DestructiveChangeError(SqlkeelError):
    """The plan loses data and ``allow_destructive`` was not given."""

    exit_code = 4

    def __init__(self, message: str, *, lossy: tuple[str, ...] = ()) -> None:
        self.lossy = lossy
        super().__init__(message)


class ConnectError(SqlkeelError):
    """A database cannot be opened: its directory, its permissions, or a lock."""


class CorruptDatabaseError(NotADatabaseError):
    """The file is a SQLite database, but damaged: malformed pages, or truncated."""


class DatabaseLockedError(ConnectError):
    """Another connection held the database's write lock for longer than the timeout.

    ``processes`` lists (pid, command line) of the other processes that had the database
    open when the wait ended, where that can be known (Linux); empty means unknown.
    """

    def __init__(self, message: str, *, processes: tuple[tuple[int, str], ...] = ()) -> None:
        self.processes = processes
        super().__init__(message)


class ReadOnlyDatabaseError(ConnectError):
    """The database file, or the directory SQLite must create its -wal/-journal in, is read-only."""


class PermissionDeniedError(ConnectError):
    """The database file (or its directory) cannot be opened by this user."""


class DiskFullError(SqlkeelError):
    """SQLite could not write: the disk is full, or the database reached ``max_page_count``.

    The transaction was rolled back; the message says what, if anything, was applied.
    """


class ConfigError(SqlkeelError):
    """The project configuration is missing or wrong."""


class MigrationError(SqlkeelError):
    """The migrations cannot be applied as they are."""


class MigrationFileError(MigrationError):
    """A migration file cannot be read, is misnamed, or holds its own transaction control."""


class ChecksumMismatchError(MigrationError):
    """A migration the database has applied was edited afterwards."""

    def __init__(self, message: str, *, names: tuple[str, ...]) -> None:
        self.names = names
        super().__init__(message)


class DuplicateMigrationError(MigrationError):
    """Two migration files share a number (typically two branches merged)."""

    def __init__(self, message: str, *, names: tuple[str, ...]) -> None:
        self.names = names
        super().__init__(message)


class MissingMigrationError(MigrationError):
    """The database applied a migration whose file is gone."""

    def __init__(self, message: str, *, names: tuple[str, ...]) -> None:
        self.names = names
        super().__init__(message)


class UnmanagedDatabaseError(MigrationError):
    """The database has tables but no journal: adopt it (baseline) before migrating."""


class MigrationFailedError(MigrationError):
    """A statement of a migration failed; the transaction was rolled back."""

    def __init__(self, message: str, *, name: str, line: int) -> None:
        self.name = name
        self.line = line
        super().__init__(message)


class DriftError(SqlkeelError):
    """The database's schema is not the one its applied migrations produce."""

    def __init__(self, message: str, *, items: tuple[object, ...] = ()) -> None:
        self.items = items
        super().__init__(message)


class SchemaDriftWarning(UserWarning):
    """Drift found where the caller asked to be warned, not stopped."""


class BackupError(SqlkeelError):
    """A snapshot could not be taken (or listed); no partial snapshot was kept."""


class RestoreError(SqlkeelError):
    """A restore or rollback did not happen; the database was not changed."""


class InvalidBackupError(RestoreError):
    """The backup is not a SQLite file, is truncated or corrupt, or its schema drifted."""


class DatabaseInUseError(RestoreError):
    """Other processes have the database open; restoring under them needs ``force``."""

    def __init__(self, message: str, *, processes: tuple[tuple[int, str], ...] = ()) -> None:
        self.processes = processes
        super().__init__(message)


class ApplyError(SqlkeelError):
    """A plan failed while running; the transaction was rolled back."""


class ForeignKeyViolationError(ApplyError):
    """foreign_key_check found rows without a parent before COMMIT; nothing was changed."""

    def __init__(
        self, message: str, *, violations: tuple[tuple[str, int | None, str], ...]
    ) -> None:
        self.violations = violations
        super().__init__(message)
