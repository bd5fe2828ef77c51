"""Typed operations of a plan, each carrying its hazards.

Nothing downstream re-reads SQL text to decide whether an operation is dangerous: that is
what the ``hazards`` field is for (DESIGN §1).

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlkeel.model.names import display_identifier
from sqlkeel.model.schema import Column, Index, Table, Trigger, View, VirtualTable


class Hazard(enum.Enum):
    """What can go wrong when an operation runs."""

    DATA_LOSS = "data_loss"  # rows or values are deleted
    TABLE_REBUILD = "table_rebuild"  # the table is copied: time and space grow with its rows
    DATA_DEPENDENT = "data_dependent"  # fails if existing rows violate a new rule


@dataclass(frozen=True, slots=True)
class HazardNote:
    """One hazard of one operation, said in words."""

    kind: Hazard
    message: str


class OpKind(enum.Enum):
    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    REBUILD_TABLE = "rebuild_table"
    CREATE_VIRTUAL_TABLE = "create_virtual_table"
    DROP_VIRTUAL_TABLE = "drop_virtual_table"
    REBUILD_VIRTUAL_TABLE = "rebuild_virtual_table"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    CREATE_VIEW = "create_view"
    DROP_VIEW = "drop_view"
    CREATE_TRIGGER = "create_trigger"
    DROP_TRIGGER = "drop_trigger"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTable:
    table: Table
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.CREATE_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.table.name

    def describe(self) -> str:
        return f"create table {display_identifier(self.table.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DropTable:
    table: Table
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.table.name

    def describe(self) -> str:
        return f"drop table {display_identifier(self.table.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameTable:
    old: str
    new: str
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.RENAME_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.new

    def describe(self) -> str:
        return f"rename table {display_identifier(self.old)} to {display_identifier(self.new)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AddColumn:
    table: str
    column: Column
    needs_foreign_keys_off: bool = False
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.ADD_COLUMN, init=False)

    @property
    def subject(self) -> str:
        return f"{self.table}.{self.column.name}"

    def describe(self) -> str:
        return f"add column {display_identifier(self.table)}.{display_identifier(self.column.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DropColumn:
    table: str
    column: Column
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_COLUMN, init=False)

    @property
    def subject(self) -> str:
        return f"{self.table}.{self.column.name}"

    def describe(self) -> str:
        return (
            f"drop column {display_identifier(self.table)}.{display_identifier(self.column.name)}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameColumn:
    table: str
    old: str
    new: str
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.RENAME_COLUMN, init=False)

    @property
    def subject(self) -> str:
        return f"{self.table}.{self.new}"

    def describe(self) -> str:
        return (
            f"rename column {display_identifier(self.table)}.{display_identifier(self.old)}"
            f" to {display_identifier(self.new)}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildTable:
    """SQLite's 12-step rebuild: new table, copy, drop, rename, then indexes and triggers."""

    old: Table
    new: Table
    # (target column, source column) pairs copied by INSERT … SELECT.
    copy: tuple[tuple[str, str], ...]
    # Carry the rowid over for rowid tables whose rowid has no column alias on both sides.
    copy_rowid: bool = False
    # Keep the AUTOINCREMENT counter (sqlite_sequence) of the old table.
    keep_sequence: bool = False
    reasons: tuple[str, ...] = ()
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.REBUILD_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.new.name

    def describe(self) -> str:
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"rebuild table {display_identifier(self.new.name)}{why}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateVirtualTable:
    table: VirtualTable
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.CREATE_VIRTUAL_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.table.name

    def describe(self) -> str:
        return (
            f"create virtual table {display_identifier(self.table.name)} using {self.table.module}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DropVirtualTable:
    table: VirtualTable
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_VIRTUAL_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.table.name

    def describe(self) -> str:
        return f"drop virtual table {display_identifier(self.table.name)}"


class RefillStrategy(enum.Enum):
    """How a rebuilt virtual table gets its rows back."""

    COPY = "copy"  # copy rowid and columns through a temporary table
    REBUILD_COMMAND = "rebuild"  # external-content FTS: INSERT INTO x(x) VALUES('rebuild')
    NONE = "none"  # contentless or unknown module: the rows cannot be carried over


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildVirtualTable:
    old: VirtualTable
    new: VirtualTable
    strategy: RefillStrategy
    copy_columns: tuple[str, ...] = ()
    copy_rowid: bool = True
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.REBUILD_VIRTUAL_TABLE, init=False)

    @property
    def subject(self) -> str:
        return self.new.name

    def describe(self) -> str:
        return f"rebuild virtual table {display_identifier(self.new.name)} ({self.strategy.value})"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateIndex:
    index: Index
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.CREATE_INDEX, init=False)

    @property
    def subject(self) -> str:
        return self.index.name

    def describe(self) -> str:
        return f"create index {display_identifier(self.index.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DropIndex:
    index: Index
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_INDEX, init=False)

    @property
    def subject(self) -> str:
        return self.index.name

    def describe(self) -> str:
        return f"drop index {display_identifier(self.index.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateView:
    view: View
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.CREATE_VIEW, init=False)

    @property
    def subject(self) -> str:
        return self.view.name

    def describe(self) -> str:
        return f"create view {display_identifier(self.view.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DropView:
    view: View
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_VIEW, init=False)

    @property
    def subject(self) -> str:
        return self.view.name

    def describe(self) -> str:
        return f"drop view {display_identifier(self.view.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTrigger:
    trigger: Trigger
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.CREATE_TRIGGER, init=False)

    @property
    def subject(self) -> str:
        return self.trigger.name

    def describe(self) -> str:
        return f"create trigger {display_identifier(self.trigger.name)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DropTrigger:
    trigger: Trigger
    hazards: tuple[HazardNote, ...] = ()
    kind: OpKind = field(default=OpKind.DROP_TRIGGER, init=False)

    @property
    def subject(self) -> str:
        return self.trigger.name

    def describe(self) -> str:
        return f"drop trigger {display_identifier(self.trigger.name)}"


Op = (
    CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | RebuildTable
    | CreateVirtualTable
    | DropVirtualTable
    | RebuildVirtualTable
    | CreateIndex
    | DropIndex
    | CreateView
    | DropView
    | CreateTrigger
    | DropTrigger
)


def needs_foreign_keys_off(ops: tuple[Op, ...]) -> bool:
    """True when running ``ops`` with FK enforcement on could delete or block rows."""
    return any(
        isinstance(op, (RebuildTable, DropTable))
        or (isinstance(op, AddColumn) and op.needs_foreign_keys_off)
        for op in ops
    )
