"""Consolidation: bring tables from other SQLite files into the managed database, atomically.

A plan is a TOML file (paths relative to it)::

    [[source]]
    file = "pulse.db"                  # attached read-only: never written

      [[source.table]]
      from = "schedules"               # the source table
      to = "pulse_schedules"           # the target table (must exist: create it by migration)
      where = "deleted = 0"            # optional filter over the source rows
      [source.table.columns]           # renames: target column = source column
      name = "title"
      [source.table.values]            # transforms: target column = SQL over the source row
      status = "CASE status WHEN 'new' THEN 'pending' ELSE status END"
      created_at = "strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch')"

Target columns not named in ``columns`` or ``values`` are copied from the source column of the
same name, when there is one (else they take their default). Every table is copied inside one
``BEGIN IMMEDIATE`` transaction with foreign-key checks deferred to ``COMMIT``; the rows
copied are counted and compared with the rows selected; a failure anywhere rolls everything
back. A plan that ran is recorded (by its content's checksum) and refused a second time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlkeel.errors import ConfigError, SqlkeelError
from sqlkeel.model.names import quote_identifier as q
from sqlkeel.model.names import quote_literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConsolidationError(SqlkeelError):
    """A consolidation plan is wrong, or copying failed (nothing was changed)."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    source_alias: str
    source_table: str
    target_table: str
    columns: tuple[tuple[str, str], ...]  # (target column, SQL expression over the source row)
    where: str | None = None

    def select_sql(self) -> str:
        exprs = ", ".join(expr for _, expr in self.columns)
        sql = f"SELECT {exprs} FROM {self.source_alias}.{q(self.source_table)}"
        return sql + (f" WHERE {self.where}" if self.where else "")

    def insert_sql(self) -> str:
        cols = ", ".join(q(c) for c, _ in self.columns)
        return f"INSERT INTO main.{q(self.target_table)} ({cols}) {self.select_sql()}"

    def count_sql(self) -> str:
        sql = f"SELECT count(*) FROM {self.source_alias}.{q(self.source_table)}"
        return sql + (f" WHERE {self.where}" if self.where else "")


@dataclass(frozen=True, slots=True)
class ConsolidationPlan:
    sources: tuple[tuple[str, Path], ...]  # (alias, file)
    tables: tuple[TableCopy, ...]
    checksum: str
    origin: str = ""

    def statements(self) -> list[str]:
        return [t.insert_sql() for t in self.tables]


@dataclass(frozen=True, slots=True)
class CopiedTable:
    source: str
    target: str
    rows: int


@dataclass(frozen=True, slots=True)
class ConsolidationResult:
    dry_run: bool
    tables: tuple[CopiedTable, ...] = field(default=())
    statements: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "tables": [
                {"source": t.source, "target": t.target, "rows": t.rows} for t in self.tables
            ],
            "statements": list(self.statements),
        }


def load_plan(path: str | os.PathLike[str]) -> ConsolidationPlan:
    """Read a consolidation plan (TOML)."""
    p = Path(os.path.expanduser(os.fspath(path)))
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: no such consolidation plan") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    sources = data.get("source")
    if not isinstance(sources, list) or not sources:
        raise ConfigError(f"{p}: a plan needs at least one [[source]] with a file and tables")
    aliases: list[tuple[str, Path]] = []
    raw_tables: list[tuple[str, dict[str, Any]]] = []
    for i, src in enumerate(sources):
        if not isinstance(src, dict) or "file" not in src:
            raise ConfigError(f"{p}: [[source]] #{i + 1} needs `file`")
        file = Path(os.path.expanduser(str(src["file"])))
        if not file.is_absolute():
            file = p.parent / file
        alias = f"sqlkeel_src_{i + 1}"
        aliases.append((alias, file))
        for table in src.get("table", []):
            if not isinstance(table, dict) or "from" not in table:
                raise ConfigError(f"{p}: every [[source.table]] of {src['file']} needs `from`")
            raw_tables.append((alias, table))
    return ConsolidationPlan(
        sources=tuple(aliases),
        tables=tuple(_table_copy(alias, t) for alias, t in raw_tables),
        checksum="sha256:" + hashlib.sha256(raw).hexdigest(),
        origin=str(p),
    )


def _table_copy(alias: str, table: dict[str, Any]) -> TableCopy:
    # Columns are resolved against the real tables when the plan runs (see _resolve).
    return TableCopy(
        source_alias=alias,
        source_table=str(table["from"]),
        target_table=str(table.get("to", table["from"])),
        columns=tuple(
            [(str(k), "\x00rename:" + str(v)) for k, v in table.get("columns", {}).items()]
            + [(str(k), "\x00value:" + str(v)) for k, v in table.get("values", {}).items()]
        ),
        where=table.get("where"),
    )


def _table_columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        f"SELECT name, hidden FROM pragma_table_xinfo({quote_literal(table)}, {quote_literal(schema)})"
    )
    return [name for name, hidden in rows if hidden in (0,)]


def _resolve(conn: sqlite3.Connection, copy: TableCopy, source_file: Path) -> TableCopy:
    target_cols = _table_columns(conn, "main", copy.target_table)
    if not target_cols:
        raise ConsolidationError(
            f"target table {copy.target_table} does not exist in the database: create it with a "
            "migration first (sqlkeel generate, sqlkeel migrate)"
        )
    source_cols = _table_columns(conn, copy.source_alias, copy.source_table)
    if not source_cols:
        raise ConsolidationError(f"{source_file}: has no table {copy.source_table}")
    lower_target = {c.lower(): c for c in target_cols}
    lower_source = {c.lower(): c for c in source_cols}
    chosen: dict[str, str] = {}
    for target, spec in copy.columns:
        if target.lower() not in lower_target:
            raise ConsolidationError(
                f"{copy.target_table} has no column {target} (named in the plan for {copy.source_table})"
            )
        kind, _, value = spec[1:].partition(":")
        if kind == "rename":
            if value.lower() not in lower_source:
                raise ConsolidationError(
                    f"{source_file}: {copy.source_table} has no column {value}"
                )
            chosen[lower_target[target.lower()]] = q(lower_source[value.lower()])
        else:
            chosen[lower_target[target.lower()]] = f"({value})"
    for col in target_cols:
        if col not in chosen and col.lower() in lower_source:
            chosen[col] = q(lower_source[col.lower()])
    if not chosen:
        raise ConsolidationError(
            f"{copy.source_table} → {copy.target_table}: no column to copy (no names in common; "
            "map them under [source.table.columns])"
        )
    return TableCopy(
        source_alias=copy.source_alias,
        source_table=copy.source_table,
        target_table=copy.target_table,
        columns=tuple(chosen.items()),
        where=copy.where,
    )


_STATE_KEY = "consolidated:"


def consolidate(
    plan: ConsolidationPlan | str | os.PathLike[str],
    database: str | os.PathLike[str],
    *,
    dry_run: bool = False,
) -> ConsolidationResult:
    """Copy the plan's tables into ``database`` in one transaction; sources stay untouched."""
    from sqlkeel.connection import connect
    from sqlkeel.runner.drift import CREATE_STATE, STATE_TABLE

    if not isinstance(plan, ConsolidationPlan):
        plan = load_plan(plan)
    for _, file in plan.sources:
        if not file.is_file():
            raise ConsolidationError(f"{file}: no such source database")
    target = Path(os.path.expanduser(os.fspath(database)))
    if dry_run:
        # A dry run creates nothing and changes no setting: plain connection, no pragmas.
        if not target.is_file():
            raise ConsolidationError(f"{target}: no such database (a dry run creates nothing)")
        conn = sqlite3.connect(target, isolation_level=None, timeout=30)
    else:
        conn = connect(target)
    attached: list[str] = []
    try:
        try:
            done = conn.execute(
                f"SELECT value FROM {STATE_TABLE} WHERE key = ?", (_STATE_KEY + plan.checksum,)
            ).fetchone()
        except sqlite3.OperationalError:
            done = None
        if done is not None:
            raise ConsolidationError(
                f"this plan ({plan.origin}) was already applied to {database} on {done[0]}; "
                "its rows are there"
            )
        for alias, file in plan.sources:
            conn.execute(f"ATTACH DATABASE ? AS {alias}", (file.resolve().as_uri() + "?mode=ro",))
            attached.append(alias)
            row = conn.execute(
                "SELECT file FROM pragma_database_list WHERE name = ?", (alias,)
            ).fetchone()
            if row is None or Path(row[0]).resolve() != file.resolve():
                raise ConsolidationError(
                    f"{file}: could not be attached read-only (this SQLite does not take URI "
                    "file names in ATTACH); nothing was changed"
                )
        files = dict(plan.sources)
        resolved = [_resolve(conn, t, files[t.source_alias]) for t in plan.tables]
        statements = tuple(t.insert_sql() for t in resolved)
        copied: list[CopiedTable] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for t, sql in zip(resolved, statements, strict=True):
                expected = conn.execute(t.count_sql()).fetchone()[0]
                try:
                    rows = conn.execute(sql).rowcount
                except sqlite3.Error as exc:
                    raise ConsolidationError(
                        f"copying {files[t.source_alias]}:{t.source_table} into {t.target_table} "
                        f"failed: {exc}; nothing was changed"
                    ) from exc
                if rows != expected:
                    raise ConsolidationError(
                        f"{t.target_table}: copied {rows} rows but the source selects {expected}; "
                        "nothing was changed"
                    )
                copied.append(
                    CopiedTable(f"{files[t.source_alias]}:{t.source_table}", t.target_table, rows)
                )
            violations = conn.execute("PRAGMA foreign_key_check").fetchall()
            if violations:
                listed = ", ".join(f"{v[0]} rowid {v[1]} → {v[2]}" for v in violations[:10])
                raise ConsolidationError(
                    f"the copied rows break foreign keys ({listed}); nothing was changed"
                )
            if dry_run:
                # Everything ran, so every transform and constraint was tried; keep nothing.
                conn.execute("ROLLBACK")
                return ConsolidationResult(True, tuple(copied), statements)
            from sqlkeel.runner.migrate import _now

            conn.execute(CREATE_STATE)
            conn.execute(
                f"INSERT INTO {STATE_TABLE}(key, value) VALUES (?, ?)",
                (_STATE_KEY + plan.checksum, _now()),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return ConsolidationResult(False, tuple(copied), statements)
    finally:
        for alias in attached:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"DETACH DATABASE {alias}")
        conn.close()
