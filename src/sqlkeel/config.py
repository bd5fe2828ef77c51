"""Project configuration: ``[tool.sqlkeel]`` in pyproject.toml, or ``sqlkeel.toml``.

::

    [tool.sqlkeel]
    schema = "schema"            # a .sql file, a directory of them, or "module:attr"
                                 # (SQLAlchemy models), or a list of these, e.g.
                                 # ["myapp.models:Base.metadata", "schema/fts.sql"]
    migrations = "migrations"    # a directory, or "package:resource"
    database = "~/.local/share/myapp/app.db"   # SQLKEEL_DATABASE overrides it

    [tool.sqlkeel.baseline]
    user_version = { 9 = "0001" }   # a legacy database at user_version 9 equals 0001

    [tool.sqlkeel.backup]
    enabled = true
    directory = ""               # default: beside the database
    keep = 10                    # snapshots kept, newest first
    max_age_days = 7

Every command finds the file from the current directory upwards (``sqlkeel.toml`` first, then
a ``pyproject.toml`` that has a ``[tool.sqlkeel]`` table); ``--config`` names it directly.
Relative paths are relative to the directory of the file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlkeel.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ENV_DATABASE = "SQLKEEL_DATABASE"


@dataclass(frozen=True, slots=True)
class BackupSettings:
    enabled: bool = True
    directory: Path | None = None
    keep: int = 10
    max_age_days: float | None = 7.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved project settings."""

    root: Path
    config_file: Path | None
    # A path, ``module:attr`` (SQLAlchemy models), or several of these in order.
    schema: str | tuple[str, ...]
    migrations: str
    database: Path | None
    backup: BackupSettings = field(default_factory=BackupSettings)
    # Legacy PRAGMA user_version → the migration a database at that version equals.
    baseline_user_versions: dict[int, str] = field(default_factory=dict)

    def require_database(self, override: str | os.PathLike[str] | None = None) -> Path:
        if override is not None:
            return Path(os.path.expanduser(os.fspath(override)))
        if self.database is None:
            raise ConfigError(
                "no database given: pass -d/--database PATH, set SQLKEEL_DATABASE, or set "
                "`database` under [tool.sqlkeel]"
            )
        return self.database


def _resolve(root: Path, value: str) -> str:
    """A path relative to the config's directory; ``module:attr`` and ``pkg:res`` stay as they are."""
    expanded = os.path.expanduser(value)
    if ":" in value and not Path(expanded).exists() and not Path(root, expanded).exists():
        return value
    p = Path(expanded)
    return str(p if p.is_absolute() else (root / p))


def find_config(start: Path) -> Path | None:
    """The nearest sqlkeel.toml, or pyproject.toml with [tool.sqlkeel], from ``start`` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / "sqlkeel.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "sqlkeel" in _load(pyproject).get("tool", {}):
            return pyproject
    return None


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc


def _table(path: Path) -> dict[str, Any]:
    data = _load(path)
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("sqlkeel")
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: has no [tool.sqlkeel] table")
        return section
    return data.get("tool", {}).get("sqlkeel", data) if "tool" in data else data


def load_settings(
    config: str | os.PathLike[str] | None = None,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    required: bool = True,
) -> Settings:
    """Settings from ``config`` or the nearest config file; defaults when none and not required."""
    env = os.environ if env is None else env
    here = (cwd or Path.cwd()).resolve()
    path = Path(config).resolve() if config is not None else find_config(here)
    if config is not None and not path.is_file():  # type: ignore[union-attr]
        raise ConfigError(f"{config}: no such configuration file")
    if path is None:
        if required:
            raise ConfigError(
                f"no sqlkeel configuration found in {here} or above: run `sqlkeel init`, or "
                "pass --config"
            )
        table: dict[str, Any] = {}
        root = here
    else:
        table = _table(path)
        root = path.parent
    known = {"schema", "migrations", "database", "backup", "baseline"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting{'s' if len(unknown) > 1 else ''} in [tool.sqlkeel]: "
            + ", ".join(sorted(unknown))
            + f" (known: {', '.join(sorted(known))})"
        )
    for key in ("migrations", "database"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{path}: `{key}` must be a string")
    schema_value = table.get("schema", "schema")
    if isinstance(schema_value, list) and schema_value and all(
        isinstance(v, str) for v in schema_value
    ):
        schema: str | tuple[str, ...] = tuple(_resolve(root, v) for v in schema_value)
    elif isinstance(schema_value, str):
        schema = _resolve(root, schema_value)
    else:
        raise ConfigError(
            f"{path}: `schema` must be a string or a non-empty list of strings (paths of .sql "
            'files or directories, or "module:attr" for SQLAlchemy models)'
        )
    database_value = env.get(ENV_DATABASE) or table.get("database")
    database = None
    if database_value:
        expanded = Path(os.path.expanduser(database_value))
        database = expanded if expanded.is_absolute() or env.get(ENV_DATABASE) else root / expanded
    backup_table = table.get("backup", {})
    if not isinstance(backup_table, dict):
        raise ConfigError(f"{path}: [tool.sqlkeel.backup] must be a table")
    directory = backup_table.get("directory") or None
    backup = BackupSettings(
        enabled=bool(backup_table.get("enabled", True)),
        directory=Path(_resolve(root, directory)) if directory else None,
        keep=int(backup_table.get("keep", 10)),
        max_age_days=(
            float(backup_table["max_age_days"])
            if backup_table.get("max_age_days") is not None
            else 7.0
        ),
    )
    baseline_table = table.get("baseline", {})
    user_versions_raw = (
        baseline_table.get("user_version", {}) if isinstance(baseline_table, dict) else {}
    )
    try:
        user_versions = {int(k): str(v) for k, v in user_versions_raw.items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{path}: [tool.sqlkeel.baseline] user_version must map versions to migrations, "
            'e.g. user_version = { 9 = "0001" }'
        ) from exc
    return Settings(
        baseline_user_versions=user_versions,
        root=root,
        config_file=path,
        schema=schema,
        migrations=_resolve(root, table.get("migrations", "migrations")),
        database=database,
        backup=backup,
    )


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def init_project(
    directory: Path, *, database: str = "app.db", config_file: Path | None = None
) -> tuple[Path, list[Path]]:
    """Write the configuration and create schema/ and migrations/; return what was made.

    ``config_file`` names the file to write (a ``pyproject.toml`` gets a ``[tool.sqlkeel]``
    table, any other name a plain sqlkeel.toml); by default ``pyproject.toml`` in
    ``directory`` when it exists, else ``sqlkeel.toml``. Folders go beside the file.
    """
    created: list[Path] = []
    if config_file is not None:
        directory = config_file.parent
        directory.mkdir(parents=True, exist_ok=True)
    body = f'schema = "schema"\nmigrations = "migrations"\ndatabase = {_toml_string(database)}\n'
    pyproject = (
        config_file if config_file is not None and config_file.name == "pyproject.toml" else None
    )
    if config_file is None and (directory / "pyproject.toml").is_file():
        pyproject = directory / "pyproject.toml"
    if pyproject is not None:
        config = pyproject
        if not pyproject.exists():
            pyproject.write_text("[tool.sqlkeel]\n" + body, encoding="utf-8")
            created.append(pyproject)
        elif "sqlkeel" not in _load(pyproject).get("tool", {}):
            text = pyproject.read_text(encoding="utf-8")
            pyproject.write_text(
                text.rstrip("\n") + "\n\n[tool.sqlkeel]\n" + body, encoding="utf-8"
            )
    else:
        config = config_file if config_file is not None else directory / "sqlkeel.toml"
        if not config.exists():
            config.write_text("[tool.sqlkeel]\n" + body, encoding="utf-8")
            created.append(config)
    for name in ("schema", "migrations"):
        d = directory / name
        if not d.exists():
            d.mkdir(parents=True)
            created.append(d)
    return config, created
