"""sqlkeel: SQLite schema-as-code and migrations that never lose a row.

Public names only; the list is pinned by a test. Names are imported on first use, so that
``import sqlkeel`` stays cheap for an application's startup path and never imports click,
rich or SQLAlchemy.
"""

from __future__ import annotations

from sqlkeel.errors import (
    ApplyError,
    BackupError,
    CatalogError,
    ChecksumMismatchError,
    ConfigError,
    ConnectError,
    CorruptDatabaseError,
    DatabaseInUseError,
    DatabaseLockedError,
    DestructiveChangeError,
    DiskFullError,
    DriftError,
    DuplicateMigrationError,
    ForeignKeyViolationError,
    ImpossibleChangeError,
    InvalidBackupError,
    MigrationError,
    MigrationFailedError,
    MigrationFileError,
    MissingMigrationError,
    NonConvergentPlanError,
    NotADatabaseError,
    PermissionDeniedError,
    PlanError,
    ReadOnlyDatabaseError,
    RestoreError,
    SchemaDriftWarning,
    SchemaSyntaxError,
    SourceError,
    SourceNotFoundError,
    SqlkeelError,
    UnmanagedDatabaseError,
)

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from sqlkeel.api import LoadedSchema, Plan, load_schema, plan, plan_schemas
    from sqlkeel.config import load_settings
    from sqlkeel.connection import connect
    from sqlkeel.consolidation import consolidate
    from sqlkeel.ddl_guard import SchemaChangeRefusedError, guard
    from sqlkeel.diff import Hazard, HazardNote, OpKind, Renames
    from sqlkeel.model import Schema
    from sqlkeel.runner.backup import Backup, RestoreResult, backup, list_backups, restore, rollback
    from sqlkeel.runner.doctor import DoctorReport, doctor
    from sqlkeel.runner.migrate import MigrateResult, migrate, open_database
    from sqlkeel.workflow import baseline, check, drift, generate, status

__version__ = "0.1.0"

_LAZY = {
    "Backup": "sqlkeel.runner.backup",
    "RestoreResult": "sqlkeel.runner.backup",
    "backup": "sqlkeel.runner.backup",
    "list_backups": "sqlkeel.runner.backup",
    "restore": "sqlkeel.runner.backup",
    "rollback": "sqlkeel.runner.backup",
    "LoadedSchema": "sqlkeel.api",
    "Plan": "sqlkeel.api",
    "load_schema": "sqlkeel.api",
    "plan": "sqlkeel.api",
    "plan_schemas": "sqlkeel.api",
    "Hazard": "sqlkeel.diff",
    "HazardNote": "sqlkeel.diff",
    "OpKind": "sqlkeel.diff",
    "Renames": "sqlkeel.diff",
    "Schema": "sqlkeel.model",
    "connect": "sqlkeel.connection",
    "migrate": "sqlkeel.runner.migrate",
    "open_database": "sqlkeel.runner.migrate",
    "MigrateResult": "sqlkeel.runner.migrate",
    "doctor": "sqlkeel.runner.doctor",
    "DoctorReport": "sqlkeel.runner.doctor",
    "generate": "sqlkeel.workflow",
    "check": "sqlkeel.workflow",
    "status": "sqlkeel.workflow",
    "drift": "sqlkeel.workflow",
    "load_settings": "sqlkeel.config",
    "guard": "sqlkeel.ddl_guard",
    "baseline": "sqlkeel.workflow",
    "consolidate": "sqlkeel.consolidation",
    "SchemaChangeRefusedError": "sqlkeel.ddl_guard",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sqlkeel' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ApplyError",
    "Backup",
    "BackupError",
    "CatalogError",
    "ChecksumMismatchError",
    "ConfigError",
    "ConnectError",
    "CorruptDatabaseError",
    "DatabaseInUseError",
    "DatabaseLockedError",
    "DestructiveChangeError",
    "DiskFullError",
    "DoctorReport",
    "DriftError",
    "DuplicateMigrationError",
    "ForeignKeyViolationError",
    "Hazard",
    "HazardNote",
    "ImpossibleChangeError",
    "InvalidBackupError",
    "LoadedSchema",
    "MigrateResult",
    "MigrationError",
    "MigrationFailedError",
    "MigrationFileError",
    "MissingMigrationError",
    "NonConvergentPlanError",
    "NotADatabaseError",
    "OpKind",
    "PermissionDeniedError",
    "Plan",
    "PlanError",
    "ReadOnlyDatabaseError",
    "Renames",
    "RestoreError",
    "RestoreResult",
    "Schema",
    "SchemaChangeRefusedError",
    "SchemaDriftWarning",
    "SchemaSyntaxError",
    "SourceError",
    "SourceNotFoundError",
    "SqlkeelError",
    "UnmanagedDatabaseError",
    "__version__",
    "backup",
    "baseline",
    "check",
    "connect",
    "consolidate",
    "doctor",
    "drift",
    "generate",
    "guard",
    "list_backups",
    "load_schema",
    "load_settings",
    "migrate",
    "open_database",
    "plan",
    "plan_schemas",
    "restore",
    "rollback",
    "status",
]
