"""The public namespace is pinned, and importing sqlkeel stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sqlkeel

EXPECTED = {
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
    "SchemaChangeRefusedError",
    "SchemaDriftWarning",
    "Schema",
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
}


def test_all_is_pinned() -> None:
    assert set(sqlkeel.__all__) == EXPECTED
    for name in sqlkeel.__all__:
        assert hasattr(sqlkeel, name), name


def test_every_error_derives_from_the_base_and_says_error() -> None:
    for name in sqlkeel.__all__:
        obj = getattr(sqlkeel, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, sqlkeel.SqlkeelError) and name.endswith("Error")


def test_import_does_not_pull_in_cli_or_optional_libraries() -> None:
    code = (
        "import sys, sqlkeel; "
        "bad = [m for m in ('click', 'rich', 'sqlalchemy') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


SRC = Path(sqlkeel.__file__).resolve().parent

# What each layer may import from sqlkeel (DESIGN §1, STYLE "layers import downward only").
ALLOWED = {
    "model": {"sqlkeel.model"},
    "diff": {"sqlkeel.model", "sqlkeel.diff", "sqlkeel.errors"},
    "render": {"sqlkeel.model", "sqlkeel.diff", "sqlkeel.render"},
    "catalog": {"sqlkeel.model", "sqlkeel.catalog", "sqlkeel.errors"},
    "sources": {"sqlkeel.model", "sqlkeel.catalog", "sqlkeel.sources", "sqlkeel.errors"},
}
PURE = {"model", "diff", "render"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layers_import_downward_only_and_the_pure_core_has_no_sqlite3() -> None:
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in (SRC / layer).rglob("*.py"):
            for name in _imports(path):
                if name.startswith("sqlkeel") and not any(
                    name == a or name.startswith(a + ".") for a in allowed
                ):
                    problems.append(f"{path.name} imports {name}")
                if layer in PURE and name.split(".")[0] == "sqlite3":
                    problems.append(f"{path.name} imports sqlite3")
    for path in SRC.rglob("*.py"):
        if "cli" in path.relative_to(SRC).parts or path.name == "__main__.py":
            continue
        if any(n.startswith("sqlkeel.cli") or n.split(".")[0] in {"click", "rich"} for n in _imports(path)):
            problems.append(f"{path.relative_to(SRC)} imports the CLI layer")
    assert problems == []
