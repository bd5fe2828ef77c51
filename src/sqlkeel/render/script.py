"""Operations → SQL text: one small function per operation, and the whole script around them.

The script carries its own PRAGMA and transaction statements, so ``sqlite3 -bail app.db <
plan.sql`` or ``executescript`` runs it against the old database. When a plan rebuilds or
drops tables it turns foreign-key enforcement off *before* BEGIN (it is a no-op inside a
transaction), refuses to run if enforcement is still on inside the transaction (that is how
other tools lose ON DELETE CASCADE children), and checks foreign keys before COMMIT.

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlkeel.diff.ops import (
    AddColumn,
    CreateIndex,
    CreateTable,
    CreateTrigger,
    CreateView,
    CreateVirtualTable,
    DropColumn,
    DropIndex,
    DropTable,
    DropTrigger,
    DropView,
    DropVirtualTable,
    Op,
    RebuildTable,
    RebuildVirtualTable,
    RefillStrategy,
    RenameColumn,
    RenameTable,
    needs_foreign_keys_off,
)
from sqlkeel.model.names import quote_identifier as q
from sqlkeel.model.names import quote_literal

REBUILD_PREFIX = "_sqlkeel_new_"
COPY_TABLE = "_sqlkeel_copy"
GUARD_TABLE = "_sqlkeel_guard"
_ROWID_NAMES = ("rowid", "_rowid_", "oid")

GUARD_OPEN = (
    f"CREATE TEMP TABLE {GUARD_TABLE}("
    "fk_enforcement INTEGER CONSTRAINT foreign_keys_must_be_off_during_a_rebuild "
    "CHECK (fk_enforcement = 0), "
    "fk_violations INTEGER CONSTRAINT foreign_key_check_found_violations "
    "CHECK (fk_violations = 0))",
    f"INSERT INTO temp.{GUARD_TABLE}(fk_enforcement) SELECT foreign_keys FROM pragma_foreign_keys",
)
GUARD_CLOSE = (
    f"INSERT INTO temp.{GUARD_TABLE}(fk_violations) SELECT count(*) FROM pragma_foreign_key_check",
    f"DROP TABLE temp.{GUARD_TABLE}",
)


def with_name(sql: str, span: tuple[int, int], name: str) -> str:
    """A CREATE statement's text with the object's name replaced."""
    start, end = span
    return sql[:start] + q(name) + sql[end:]


def _free_rowid_name(*column_sets: Iterable[str]) -> str | None:
    taken = {c.lower() for cols in column_sets for c in cols}
    return next((n for n in _ROWID_NAMES if n not in taken), None)


def _create_table(op: CreateTable) -> list[str]:
    return [op.table.sql]


def _drop_table(op: DropTable | DropVirtualTable) -> list[str]:
    return [f"DROP TABLE {q(op.table.name)}"]


def _rename_table(op: RenameTable) -> list[str]:
    return [f"ALTER TABLE {q(op.old)} RENAME TO {q(op.new)}"]


def _add_column(op: AddColumn) -> list[str]:
    return [f"ALTER TABLE {q(op.table)} ADD COLUMN {op.column.definition}"]


def _drop_column(op: DropColumn) -> list[str]:
    return [f"ALTER TABLE {q(op.table)} DROP COLUMN {q(op.column.name)}"]


def _rename_column(op: RenameColumn) -> list[str]:
    return [f"ALTER TABLE {q(op.table)} RENAME COLUMN {q(op.old)} TO {q(op.new)}"]


def _rebuild_table(op: RebuildTable) -> list[str]:
    old, new = op.old, op.new
    temp = REBUILD_PREFIX + new.name
    targets = [q(t) for t, _ in op.copy]
    sources = [q(s) for _, s in op.copy]
    if op.copy_rowid:
        name = _free_rowid_name((c.name for c in old.columns), (c.name for c in new.columns))
        if name is not None:
            targets.insert(0, name)
            sources.insert(0, name)
    if not targets:
        # No column survives: each row still becomes a row of the new table, holding the
        # defaults (or failing on the new table's constraints, which rolls everything back).
        fill = next(c for c in new.columns if c.generated is None)
        targets = [q(fill.name)]
        sources = [f"({fill.default.text})" if fill.default is not None else "NULL"]
    out = [
        with_name(new.sql, new.name_span, temp),
        f"INSERT INTO {q(temp)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM {q(old.name)}",
    ]
    if op.keep_sequence:
        out.append(f"DELETE FROM sqlite_sequence WHERE name = {quote_literal(temp)}")
        out.append(
            f"INSERT INTO sqlite_sequence(name, seq) SELECT {quote_literal(temp)}, seq "
            f"FROM sqlite_sequence WHERE name = {quote_literal(old.name)}"
        )
    out += [
        f"DROP TABLE {q(old.name)}",
        "PRAGMA legacy_alter_table = ON",
        f"ALTER TABLE {q(temp)} RENAME TO {q(new.name)}",
        "PRAGMA legacy_alter_table = OFF",
    ]
    return out


def _create_virtual_table(op: CreateVirtualTable) -> list[str]:
    return [op.table.sql]


def _rebuild_virtual_table(op: RebuildVirtualTable) -> list[str]:
    old, new = op.old, op.new
    if op.strategy is RefillStrategy.REBUILD_COMMAND:
        return [
            f"DROP TABLE {q(old.name)}",
            new.sql,
            f"INSERT INTO {q(new.name)}({q(new.name)}) VALUES ('rebuild')",
        ]
    if op.strategy is RefillStrategy.NONE or not (op.copy_columns or op.copy_rowid):
        return [f"DROP TABLE {q(old.name)}", new.sql]
    cols = [q(c) for c in op.copy_columns]
    select, insert, copied = list(cols), list(cols), list(cols)
    if op.copy_rowid:
        select.insert(0, "rowid AS _sqlkeel_rowid")
        insert.insert(0, "rowid")
        copied.insert(0, "_sqlkeel_rowid")
    return [
        f"CREATE TEMP TABLE {COPY_TABLE} AS SELECT {', '.join(select)} FROM {q(old.name)}",
        f"DROP TABLE {q(old.name)}",
        new.sql,
        f"INSERT INTO {q(new.name)} ({', '.join(insert)}) "
        f"SELECT {', '.join(copied)} FROM temp.{COPY_TABLE}",
        f"DROP TABLE temp.{COPY_TABLE}",
    ]


def _create_index(op: CreateIndex) -> list[str]:
    return [op.index.sql]


def _drop_index(op: DropIndex) -> list[str]:
    return [f"DROP INDEX {q(op.index.name)}"]


def _create_view(op: CreateView) -> list[str]:
    return [op.view.sql]


def _drop_view(op: DropView) -> list[str]:
    return [f"DROP VIEW {q(op.view.name)}"]


def _create_trigger(op: CreateTrigger) -> list[str]:
    return [op.trigger.sql]


def _drop_trigger(op: DropTrigger) -> list[str]:
    return [f"DROP TRIGGER {q(op.trigger.name)}"]


_RENDERERS: dict[type, Callable[[Any], list[str]]] = {
    CreateTable: _create_table,
    DropTable: _drop_table,
    RenameTable: _rename_table,
    AddColumn: _add_column,
    DropColumn: _drop_column,
    RenameColumn: _rename_column,
    RebuildTable: _rebuild_table,
    CreateVirtualTable: _create_virtual_table,
    DropVirtualTable: _drop_table,
    RebuildVirtualTable: _rebuild_virtual_table,
    CreateIndex: _create_index,
    DropIndex: _drop_index,
    CreateView: _create_view,
    DropView: _drop_view,
    CreateTrigger: _create_trigger,
    DropTrigger: _drop_trigger,
}


def op_statements(op: Op) -> list[str]:
    """The SQL statements of one operation, without terminating semicolons."""
    return _RENDERERS[type(op)](op)


def body_statements(ops: tuple[Op, ...]) -> list[str]:
    """Every statement of the plan that runs inside its transaction, guards included."""
    guarded = needs_foreign_keys_off(ops)
    out: list[str] = list(GUARD_OPEN) if guarded else []
    for op in ops:
        out.extend(op_statements(op))
    if guarded:
        out.extend(GUARD_CLOSE)
    return out


def _terminate(statement: str) -> str:
    return statement if statement.rstrip().endswith(";") else statement + ";"


def render_body(ops: tuple[Op, ...]) -> list[str]:
    """The lines inside the transaction: each operation with its comment and hazards."""
    lines: list[str] = []
    guarded = needs_foreign_keys_off(ops)
    if guarded:
        lines.extend(_terminate(s) for s in GUARD_OPEN)
    for op in ops:
        lines.append("")
        lines.append(f"-- {op.describe()}")
        for note in op.hazards:
            lines.append(f"--   {note.kind.value}: {note.message}")
        lines.extend(_terminate(s) for s in op_statements(op))
    lines.append("")
    if guarded:
        lines.extend(_terminate(s) for s in GUARD_CLOSE)
    return lines


def render_script(ops: tuple[Op, ...], *, header: Iterable[str] = ()) -> str:
    """The complete script: header comments, PRAGMAs, BEGIN, the operations, COMMIT."""
    if not ops:
        return ""
    lines = [f"-- {line}" if line else "--" for line in header]
    guarded = needs_foreign_keys_off(ops)
    if guarded:
        lines.append("PRAGMA foreign_keys = OFF;")
    lines.append("BEGIN;")
    lines.extend(render_body(ops))
    lines.append("COMMIT;")
    if guarded:
        lines.append("PRAGMA foreign_keys = ON;")
    return "\n".join(lines) + "\n"
