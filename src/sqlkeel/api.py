"""One function per user-facing action; the CLI and applications both call these.

``plan(from_, to)`` reads both sides with the same catalog code, plans, and verifies the plan
on a scratch ``:memory:`` copy of the source schema before returning it: a plan that would
not reproduce the target is re-planned with table rebuilds, and if it still does not
converge the call fails loudly instead of handing out a wrong script.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlkeel.catalog.capabilities import probe
from sqlkeel.catalog.reader import (
    looks_like_database,
    nonempty_tables,
    open_read_only,
    read_schema,
)
from sqlkeel.diff.compare import describe_differences, differing_tables
from sqlkeel.diff.ops import (
    AddColumn,
    CreateIndex,
    CreateTable,
    CreateView,
    CreateVirtualTable,
    DropColumn,
    DropIndex,
    DropTable,
    DropView,
    DropVirtualTable,
    Hazard,
    HazardNote,
    Op,
    RebuildTable,
    RebuildVirtualTable,
    RenameColumn,
    RenameTable,
    needs_foreign_keys_off,
)
from sqlkeel.diff.planner import Renames, plan_migration
from sqlkeel.errors import (
    ApplyError,
    DestructiveChangeError,
    ForeignKeyViolationError,
    NonConvergentPlanError,
    SourceError,
    SourceNotFoundError,
)
from sqlkeel.model.capabilities import Capabilities
from sqlkeel.model.names import display_identifier, fold
from sqlkeel.model.schema import Schema
from sqlkeel.render.script import GUARD_CLOSE, body_statements, op_statements, render_script
from sqlkeel.sources.sqlfiles import read_sql_path, schema_from_statements
from sqlkeel.sources.statements import Statement

SchemaSource = (
    str | os.PathLike[str] | sqlite3.Connection | Schema | tuple[str, ...] | list[str] | None
)

JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class LoadedSchema:
    """A schema and what is known about the rows behind it."""

    schema: Schema
    # Folded names of tables that hold rows; None when unknown (then every table may).
    populated: frozenset[str] | None
    origin: str


def _text_statements(source: str | os.PathLike[str]) -> list[Statement]:
    """Statements of a ``.sql`` file, a directory of them, or SQLAlchemy models (module:attr)."""
    from sqlkeel.sources.metadata import is_object_spec

    text = os.fspath(source)
    path = Path(text).expanduser()
    if not path.exists() and is_object_spec(text):
        from sqlkeel.sources.metadata import metadata_statements, resolve_metadata

        return metadata_statements(resolve_metadata(text), label=text)
    return read_sql_path(path)


def load_schema(source: SchemaSource) -> LoadedSchema:
    """Read a schema from a ``.sql`` file, a directory of them, SQLAlchemy models
    (``"myapp.models:Base.metadata"``), a database file, a connection, a :class:`Schema`, a
    list of files and models (their statements run in order: models, then the SQL that
    SQLAlchemy cannot express), or nothing (``None``, ``""`` or ``"-"``: the empty schema)."""
    if source is None or (isinstance(source, str) and source.strip() in {"", "-"}):
        return LoadedSchema(Schema.empty(), frozenset(), "empty")
    if isinstance(source, (list, tuple)):
        statements = [st for part in source for st in _text_statements(part)]
        return LoadedSchema(schema_from_statements(statements), None, " + ".join(source))
    if isinstance(source, Schema):
        return LoadedSchema(source, None, "schema")
    if isinstance(source, sqlite3.Connection):
        schema = read_schema(source)
        return LoadedSchema(schema, nonempty_tables(source, schema), "connection")
    path = Path(os.fspath(source)).expanduser()
    if not path.exists():
        from sqlkeel.sources.metadata import is_object_spec

        if is_object_spec(os.fspath(source)):
            return LoadedSchema(
                schema_from_statements(_text_statements(source)), None, os.fspath(source)
            )
        raise SourceNotFoundError(f"{path}: no such file or directory")
    if path.is_file() and path.suffix.lower() != ".sql" and looks_like_database(path):
        conn = open_read_only(path)
        try:
            schema = read_schema(conn)
            return LoadedSchema(schema, nonempty_tables(conn, schema), str(path))
        finally:
            conn.close()
    if path.is_file() and path.suffix.lower() != ".sql":
        with path.open("rb") as fh:
            head = fh.read(4096)
        if b"\x00" in head:
            raise SourceError(f"{path}: neither a SQLite database nor a SQL text file")
    return LoadedSchema(schema_from_statements(read_sql_path(path)), None, str(path))


def materialize_schema(schema: Schema) -> sqlite3.Connection:
    """A fresh ``:memory:`` database holding ``schema`` (no rows), built from its stored SQL."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for obj in schema.objects():
        conn.execute(obj.sql)
    return conn


@dataclass(frozen=True, slots=True)
class Plan:
    """The operations that turn one schema into another, with their hazards.

    ``sql()`` is the complete script; ``statements()`` the statements that run inside its
    transaction; ``apply(conn)`` runs it on a connection atomically.
    """

    ops: tuple[Op, ...]
    source: Schema = field(repr=False)
    target: Schema = field(repr=False)
    verified: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.ops

    def __bool__(self) -> bool:
        return bool(self.ops)

    @property
    def hazards(self) -> tuple[HazardNote, ...]:
        return tuple(note for op in self.ops for note in op.hazards)

    @property
    def lossy(self) -> tuple[Op, ...]:
        """Operations that delete rows or values."""
        return tuple(op for op in self.ops if any(h.kind is Hazard.DATA_LOSS for h in op.hazards))

    @property
    def needs_foreign_keys_off(self) -> bool:
        return needs_foreign_keys_off(self.ops)

    def sql(self, *, header: bool = True) -> str:
        """The complete script, with its own PRAGMA/BEGIN/COMMIT ('' for an empty plan)."""
        lines: list[str] = []
        if header and self.ops:
            lines.append(
                f"sqlkeel plan: {len(self.ops)} operation{'s' if len(self.ops) != 1 else ''}"
            )
            kinds = sorted({h.kind.value for h in self.hazards})
            lines.append(f"hazards: {', '.join(kinds) if kinds else 'none'}")
            if self.needs_foreign_keys_off:
                lines.append("run it with: sqlite3 -bail DATABASE < this-file.sql")
        return render_script(self.ops, header=lines)

    def statements(self) -> list[str]:
        """The statements that run inside the transaction (guards included)."""
        return body_statements(self.ops)

    def require_safe(self, *, allow_destructive: bool = False) -> None:
        """Raise :class:`DestructiveChangeError` when the plan loses data and that is not allowed."""
        if allow_destructive or not self.lossy:
            return
        lines = [
            f"  - {op.describe()}: "
            + "; ".join(h.message for h in op.hazards if h.kind is Hazard.DATA_LOSS)
            for op in self.lossy
        ]
        raise DestructiveChangeError(
            "the plan deletes data:\n" + "\n".join(lines) + "\n"
            "Re-run with --allow-destructive if that is intended, or add a rename hint "
            "(-- sqlkeel: renamed-from OLD, or --rename OLD=NEW) if it is a rename.",
            lossy=tuple(op.describe() for op in self.lossy),
        )

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape (version 1) of a plan."""
        return {
            "version": JSON_VERSION,
            "empty": self.is_empty,
            "verified": self.verified,
            "ops": [
                {
                    "kind": op.kind.value,
                    "subject": op.subject,
                    "description": op.describe(),
                    "hazards": [{"kind": h.kind.value, "message": h.message} for h in op.hazards],
                    "sql": op_statements(op),
                }
                for op in self.ops
            ],
            "hazards": sorted({h.kind.value for h in self.hazards}),
            "destructive": bool(self.lossy),
            "sql": self.sql(),
        }

    def apply(self, conn: sqlite3.Connection) -> float:
        """Run the plan on ``conn`` in one transaction; return the seconds it took."""
        return apply_statements(
            conn, self.statements(), foreign_keys_off=self.needs_foreign_keys_off
        )


def foreign_key_violations(conn: sqlite3.Connection) -> tuple[tuple[str, int | None, str], ...]:
    """Rows without a parent: (table, rowid, parent table)."""
    return tuple((r[0], r[1], r[2]) for r in conn.execute("PRAGMA foreign_key_check"))


def apply_statements(
    conn: sqlite3.Connection, statements: Iterable[str], *, foreign_keys_off: bool
) -> float:
    """Run statements in one IMMEDIATE transaction, FK enforcement handled; all or nothing."""
    if conn.in_transaction:
        raise ApplyError("a transaction is open on this connection: commit or roll back first")
    started = time.perf_counter()
    isolation = conn.isolation_level
    conn.isolation_level = None
    fk_before = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    try:
        if foreign_keys_off:
            conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for st in statements:
                if st == GUARD_CLOSE[0]:
                    # The script's own guard re-runs foreign_key_check to fail a bare run;
                    # here one check lists the rows instead, and the guard row is skipped.
                    violations = foreign_key_violations(conn)
                    if violations:
                        raise ForeignKeyViolationError(
                            "foreign_key_check found rows without a parent; nothing was changed:\n"
                            + "\n".join(
                                f"  - {display_identifier(t)} rowid {rid} → missing row in {display_identifier(p)}"
                                for t, rid, p in violations[:20]
                            ),
                            violations=violations,
                        )
                    continue
                conn.execute(st)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:  # a full disk, a read-only or damaged file: say so
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            from sqlkeel.connection import database_file, storage_error

            fault = storage_error(
                exc,
                database_file(conn),
                outcome="nothing was changed: the plan's transaction was rolled back",
                conn=conn,
            )
            if fault is not None:
                raise fault from exc
            raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        if foreign_keys_off:
            conn.execute(f"PRAGMA foreign_keys = {int(fk_before)}")
        conn.isolation_level = isolation
    return time.perf_counter() - started


def _op_names(op: Op) -> set[str]:
    """Folded names an operation creates, drops, renames or changes, and the tables it stands on."""
    if isinstance(op, (CreateTable, DropTable, CreateVirtualTable, DropVirtualTable)):
        return {op.table.key}
    if isinstance(op, RenameTable):
        return {fold(op.old), fold(op.new)}
    if isinstance(op, (AddColumn, DropColumn, RenameColumn)):
        return {fold(op.table)}
    if isinstance(op, (RebuildTable, RebuildVirtualTable)):
        return {op.old.key, op.new.key}
    if isinstance(op, (CreateIndex, DropIndex)):
        return {op.index.key, op.index.table}
    if isinstance(op, (CreateView, DropView)):
        return {op.view.key}
    return {op.trigger.key, op.trigger.table}


def _closure(schema: Schema, names: set[str]) -> Schema:
    """The part of ``schema`` a plan touching ``names`` can affect, closed over references.

    Tables whose foreign keys point at a name (a rename rewrites them), views and triggers
    that mention a name or stand on it, and everything those mention (so that nothing in the
    scratch copy dangles), with the indexes of every table kept.
    """
    tables = {t.key: t for t in schema.tables}
    vtables = {t.key: t for t in schema.virtual_tables}
    views = {v.key: v for v in schema.views}
    wanted = set(names)
    # One level only: a rename rewrites the foreign keys that point at the renamed table.
    wanted |= {
        t.key for t in tables.values() if any(fk.ref_table in names for fk in t.foreign_keys)
    }
    known = tables.keys() | vtables.keys() | views.keys()
    changed = True
    while changed:
        size = len(wanted)
        for v in views.values():
            refs = v.body.identifiers()
            if v.key in wanted or refs & wanted:
                wanted |= {v.key} | (refs & known)
        for tr in schema.triggers:
            refs = tr.body.identifiers()
            if tr.key in wanted or tr.table in wanted or refs & wanted:
                wanted |= {tr.key, tr.table} | (refs & known)
        changed = len(wanted) != size
    return Schema(
        tables=tuple(t for t in schema.tables if t.key in wanted),
        virtual_tables=tuple(t for t in schema.virtual_tables if t.key in wanted),
        indexes=tuple(i for i in schema.indexes if i.table in wanted or i.key in wanted),
        views=tuple(v for v in schema.views if v.key in wanted),
        triggers=tuple(t for t in schema.triggers if t.key in wanted or t.table in wanted),
    )


def _restrict(schema: Schema, like: Schema, extra: set[str]) -> Schema:
    """``schema`` cut down to the objects named in ``like`` or in ``extra``."""
    keys = {o.key for o in like.objects()} | extra
    return Schema(
        tables=tuple(o for o in schema.tables if o.key in keys),
        virtual_tables=tuple(o for o in schema.virtual_tables if o.key in keys),
        indexes=tuple(o for o in schema.indexes if o.key in keys or o.table in keys),
        views=tuple(o for o in schema.views if o.key in keys),
        triggers=tuple(o for o in schema.triggers if o.key in keys or o.table in keys),
    )


def _verify(plan_ops: tuple[Op, ...], src: Schema, dst: Schema) -> tuple[bool, set[str], list[str]]:
    """Run the plan on an empty copy of the part of ``src`` it touches.

    Returns (verified, tables to rebuild instead, differences). Objects the plan does not
    touch are equal on both sides by the planner's own comparison, so they need no copy.
    """
    names: set[str] = set()
    for op in plan_ops:
        names |= _op_names(op)
    part = _closure(src, names)
    try:
        conn = materialize_schema(part)
    except sqlite3.Error:
        return False, set(), []  # e.g. a virtual-table module this SQLite does not have
    try:
        conn.execute("BEGIN")
        for op in plan_ops:
            try:
                for st in op_statements(op):
                    conn.execute(st)
            except sqlite3.Error as exc:
                return True, _op_names(op) & _table_keys(src, dst), [f"{op.describe()}: {exc}"]
        conn.execute("COMMIT")
        got = read_schema(conn)
    finally:
        conn.close()
    expected = _restrict(dst, got, names)
    if got == expected:
        return True, set(), []
    return True, differing_tables(got, expected), describe_differences(got, expected)


def _table_keys(*schemas: Schema) -> set[str]:
    keys = {t.key for s in schemas for t in s.tables}
    return keys | {t.key for s in schemas for t in s.virtual_tables}


def plan(
    from_: SchemaSource,
    to: SchemaSource,
    *,
    renames: Renames | Iterable[str] | None = None,
    capabilities: Capabilities | None = None,
    verify: bool = True,
) -> Plan:
    """The plan that turns ``from_`` into ``to``; see :func:`load_schema` for the sources."""
    src = load_schema(from_)
    dst = load_schema(to)
    return plan_schemas(
        src.schema,
        dst.schema,
        renames=renames,
        capabilities=capabilities,
        populated=src.populated,
        verify=verify,
    )


def plan_schemas(
    src: Schema,
    dst: Schema,
    *,
    renames: Renames | Iterable[str] | None = None,
    capabilities: Capabilities | None = None,
    populated: frozenset[str] | None = None,
    verify: bool = True,
) -> Plan:
    """Plan between two schema values (see :func:`plan`)."""
    if renames is not None and not isinstance(renames, Renames):
        renames = Renames.parse(renames)
    caps = capabilities or probe()
    force: frozenset[str] = frozenset()
    for _attempt in range(4):
        ops = plan_migration(
            src, dst, renames=renames, capabilities=caps, populated=populated, force_rebuild=force
        )
        if not verify or not ops:
            return Plan(ops, src, dst, verified=verify)
        verified, mismatched, differences = _verify(ops, src, dst)
        if not verified:
            return Plan(ops, src, dst, verified=False)
        if not differences:
            return Plan(ops, src, dst, verified=True)
        rebuilt = {op.new.key for op in ops if isinstance(op, RebuildTable)}
        if not (mismatched - force - rebuilt):
            break
        force = force | frozenset(mismatched)
    raise NonConvergentPlanError(
        "sqlkeel's plan does not reproduce the target schema (this is a bug; please report it):\n"
        + "\n".join(f"  - {d}" for d in differences)
    )
