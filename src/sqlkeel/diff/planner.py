"""Compare two schemas and plan the operations that turn one into the other.

The order of a plan (DESIGN §3): drop the triggers, views and indexes that change or stand on
a changing table; drop tables; rename tables; change tables (native ALTER where SQLite allows
it, else the rebuild); rebuild virtual tables; create tables; create indexes, views, triggers.

Renames come only from explicit hints (``renamed_from`` in the target schema, or
:class:`Renames` from the command line); they are never guessed.

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
    Hazard,
    HazardNote,
    Op,
    RebuildTable,
    RebuildVirtualTable,
    RefillStrategy,
    RenameColumn,
    RenameTable,
)
from sqlkeel.errors import ImpossibleChangeError
from sqlkeel.model.capabilities import Capabilities
from sqlkeel.model.names import display_identifier, fold
from sqlkeel.model.schema import (
    Column,
    Expr,
    GeneratedKind,
    Index,
    Schema,
    Table,
    View,
    VirtualTable,
)

_ROWID_NAMES = ("rowid", "_rowid_", "oid")
_CONSTANT_WORDS = frozenset({"null", "true", "false"})
_FTS_MODULES = frozenset({"fts3", "fts4", "fts5"})
_RTREE_MODULES = frozenset({"rtree", "rtree_i32"})


@dataclass(frozen=True, slots=True)
class Renames:
    """Explicit rename hints: tables ``old → new`` and columns ``(table, old) → new`` (all folded keys)."""

    tables: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Renames:
        """Read ``OLD=NEW`` (a table) and ``TABLE.OLD=NEW`` (a column) specifications."""
        tables: dict[str, str] = {}
        columns: dict[tuple[str, str], str] = {}
        for spec in specs:
            left, sep, new = spec.partition("=")
            new = new.strip()
            left = left.strip()
            if not sep or not left or not new:
                raise ValueError(f"rename {spec!r}: expected OLD=NEW or TABLE.OLD=NEW")
            table, dot, old = left.partition(".")
            if dot:
                columns[(fold(table), fold(old))] = new
            else:
                tables[fold(left)] = new
        return cls(tables=tables, columns=columns)


def _hazard(kind: Hazard, message: str) -> tuple[HazardNote, ...]:
    return (HazardNote(kind, message),)


def _t(name: str) -> str:
    return display_identifier(name)


def _lost_columns(table: str, columns: list[str]) -> str:
    names = ", ".join(f"{_t(table)}.{_t(c)}" for c in columns)
    if len(columns) == 1:
        return f"column {names} and its values are deleted"
    return f"columns {names} and their values are deleted"


# --- simulation of renames on the source schema -------------------------------------------


def _rename_table_in(
    schema_tables: dict[str, Table], indexes: dict[str, Index], old: str, new_name: str
) -> None:
    old_key = fold(old)
    new_key = fold(new_name)
    table = schema_tables.pop(old_key)
    schema_tables[new_key] = dataclasses.replace(table, name=new_name)
    for key, t in list(schema_tables.items()):
        if any(fk.ref_table == old_key for fk in t.foreign_keys):
            fks = tuple(
                dataclasses.replace(fk, ref_table=new_key) if fk.ref_table == old_key else fk
                for fk in t.foreign_keys
            )
            schema_tables[key] = dataclasses.replace(t, foreign_keys=fks)
    for key, ix in list(indexes.items()):
        if ix.table == old_key:
            indexes[key] = dataclasses.replace(ix, table=new_key)


def _rename_column_in(
    schema_tables: dict[str, Table], indexes: dict[str, Index], table_key: str, old: str, new: str
) -> None:
    table = schema_tables[table_key]
    old_key = fold(old)

    def rx(expr: Expr | None) -> Expr | None:
        return None if expr is None else expr.replace_identifier(old, new)

    def rterm(term: Expr) -> Expr:
        return term.replace_identifier(old, new)

    columns = []
    for col in table.columns:
        if col.key == old_key:
            col = dataclasses.replace(col, name=new)
        col = dataclasses.replace(
            col,
            generated=rx(col.generated),
            checks=tuple(dataclasses.replace(c, expr=rterm(c.expr)) for c in col.checks),
        )
        columns.append(col)
    pk = table.primary_key
    if pk is not None:
        pk = dataclasses.replace(pk, columns=tuple(rterm(t) for t in pk.columns))
    schema_tables[table_key] = dataclasses.replace(
        table,
        columns=tuple(columns),
        primary_key=pk,
        uniques=tuple(
            dataclasses.replace(u, columns=tuple(rterm(t) for t in u.columns))
            for u in table.uniques
        ),
        checks=tuple(dataclasses.replace(c, expr=rterm(c.expr)) for c in table.checks),
        foreign_keys=tuple(
            dataclasses.replace(
                fk, columns=tuple(fold(new) if c == old_key else c for c in fk.columns)
            )
            for fk in table.foreign_keys
        ),
    )
    for key, t in list(schema_tables.items()):
        changed = False
        fks = []
        for fk in t.foreign_keys:
            if fk.ref_table == table_key and old_key in fk.ref_columns:
                fk = dataclasses.replace(
                    fk, ref_columns=tuple(fold(new) if c == old_key else c for c in fk.ref_columns)
                )
                changed = True
            fks.append(fk)
        if changed:
            schema_tables[key] = dataclasses.replace(schema_tables[key], foreign_keys=tuple(fks))
    for key, ix in list(indexes.items()):
        if ix.table == table_key:
            indexes[key] = dataclasses.replace(
                ix, terms=tuple(rterm(t) for t in ix.terms), where=rx(ix.where)
            )


# --- helpers --------------------------------------------------------------------------------


def affinity(declared_type: str) -> str:
    """The column affinity SQLite gives a declared type (datatype3.html §3.1)."""
    t = declared_type.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _narrows(before: str, after: str) -> bool:
    """True when copying values into the new type can rewrite them.

    Text that looks like a number is converted by INTEGER and NUMERIC affinity ('007' → 7);
    REAL affinity turns every integer into a float (exact only below 2**53).
    """
    old, new = affinity(before), affinity(after)
    if old == new:
        return False
    return (new in {"INTEGER", "NUMERIC"} and old in {"TEXT", "BLOB"}) or new == "REAL"


def _is_constant_default(expr: Expr | None) -> bool:
    """True for defaults ADD COLUMN accepts on a table with rows.

    SQLite evaluates the default once, without running an expression: it must be a single
    literal (number, string, blob, NULL, TRUE, FALSE), possibly signed and parenthesized.
    ``1 + 2`` or ``'a' || 'b'`` are constant to a reader but not to ``ALTER TABLE``.
    """
    if expr is None:
        return True
    literals = 0
    for tok in expr.tokens:
        if tok in {"(", ")", "+", "-"}:
            continue
        if tok.startswith('"'):
            if tok[1:-1] not in _CONSTANT_WORDS:
                return False
        elif not (tok[:1] == "'" or tok.startswith("X'") or tok[:1].isdigit() or tok[:1] == "."):
            return False
        literals += 1
    return literals <= 1


def _literal_kind(expr: Expr | None) -> str | None:
    """The storage class of a constant default (``integer``, ``real``, ``text``, ``blob``,
    ``null``), or None when it is not a single literal."""
    if expr is None:
        return "null"
    toks = [t for t in expr.tokens if t not in {"(", ")", "+", "-"}]
    if len(toks) != 1:
        return None
    tok = toks[0]
    if tok in {'"true"', '"false"'}:
        return "integer"
    if tok == '"null"':
        return "null"
    if tok.startswith("X'"):
        return "blob"
    if tok.startswith("'"):
        return "text"
    if tok.lower().startswith("0x") or tok.isdigit():
        return "integer"
    return "real" if tok[:1].isdigit() or tok[:1] == "." else None


def _default_survives_add_column(col: Column, strict: bool) -> bool:
    """True when ALTER TABLE ADD COLUMN gives existing rows the value an INSERT would.

    SQLite computes an added column's value for existing rows from its default on every read.
    Two cases go wrong there on some SQLite versions (3.40 among them), so the planner copies
    the rows instead: TRUE/FALSE read back as integers even in a TEXT or REAL column, and a
    STRICT table accepts a default of the wrong type without checking it.
    """
    kind = _literal_kind(col.default)
    if col.default is None or kind is None or kind == "null":
        return kind == "null"
    is_bool = any(t in {'"true"', '"false"'} for t in col.default.tokens)
    if is_bool and affinity(col.type) in {"TEXT", "REAL"}:
        return False
    if not strict:
        return True
    declared = col.type.strip().upper()
    accepts = {
        "ANY": {"integer", "real", "text", "blob"},
        "INT": {"integer"},
        "INTEGER": {"integer"},
        "REAL": {"integer", "real"},
        "TEXT": {"integer", "real", "text"},
        "BLOB": {"blob"},
    }
    return kind in accepts.get(declared, set())


def _is_null_default(expr: Expr | None) -> bool:
    return expr is None or expr.tokens == ('"null"',)


def _column_identifiers(table: Table, exclude: str) -> set[str]:
    """Words used by the table's constraints and generated columns, except ``exclude``'s own."""
    found: set[str] = set()
    for col in table.columns:
        if col.key == exclude:
            continue
        if col.generated is not None:
            found |= col.generated.identifiers()
        for chk in col.checks:
            found |= chk.expr.identifiers()
    for chk in table.checks:
        found |= chk.expr.identifiers()
    return found


def _rebuild_reasons(old: Table, new: Table) -> list[str]:
    reasons = []
    if old.primary_key != new.primary_key:
        reasons.append("primary key changes")
    if old.uniques != new.uniques:
        reasons.append("UNIQUE constraints change")
    if old.checks != new.checks:
        reasons.append("CHECK constraints change")
    if old.foreign_keys != new.foreign_keys:
        reasons.append("foreign keys change")
    if old.strict != new.strict:
        reasons.append("STRICT changes")
    if old.without_rowid != new.without_rowid:
        reasons.append("WITHOUT ROWID changes")
    for col in new.columns:
        before = old.column(col.key)
        if before is not None and before != col:
            reasons.append(f"column {_t(col.name)} changes")
    return reasons


class _Planner:
    def __init__(
        self,
        src: Schema,
        dst: Schema,
        renames: Renames,
        caps: Capabilities,
        populated: frozenset[str] | None,
        force_rebuild: frozenset[str],
    ) -> None:
        self.src = src
        self.dst = dst
        self.renames = renames
        self.caps = caps
        self.populated = populated
        self.force_rebuild = force_rebuild
        self.tables: dict[str, Table] = {t.key: t for t in src.tables}
        self.vtables: dict[str, VirtualTable] = {t.key: t for t in src.virtual_tables}
        self.indexes: dict[str, Index] = {i.key: i for i in src.indexes}
        self.dst_tables = {t.key: t for t in dst.tables}
        self.dst_vtables = {t.key: t for t in dst.virtual_tables}
        self.dst_indexes = {i.key: i for i in dst.indexes}
        # Populated lazily while planning.
        self.touched: set[str] = set()
        self.rebuilt: set[str] = set()
        self.created: set[str] = set()
        self.renamed_old_to_new: dict[str, str] = {}
        self.table_ops: list[Op] = []
        self.drop_table_ops: list[Op] = []
        self.rename_ops: list[Op] = []
        self.create_table_ops: list[Op] = []
        self.vtable_ops: list[Op] = []

    def is_populated(self, key: str) -> bool:
        """True unless the table (under its name in the source) is known to be empty."""
        if self.populated is None or key in self.populated:
            return True
        return any(
            fold(new) == key and old in self.populated
            for old, new in self.renamed_old_to_new.items()
        )

    # -- renames -------------------------------------------------------------------------

    def _table_rename_requests(self) -> dict[str, str]:
        requests: dict[str, str] = {}
        hinted: list[Table | VirtualTable] = [*self.dst.tables, *self.dst.virtual_tables]
        for obj in hinted:
            if obj.renamed_from:
                requests[fold(obj.renamed_from)] = obj.name
        for old_key, new in self.renames.tables.items():
            requests[old_key] = new
        return requests

    def plan_table_renames(self) -> None:
        requests = self._table_rename_requests()
        valid: dict[str, str] = {}
        targets = {fold(n) for n in requests.values()}
        for old_key, new_name in requests.items():
            new_key = fold(new_name)
            if old_key == new_key:
                continue
            src_obj = self.tables.get(old_key) or self.vtables.get(old_key)
            dst_obj = self.dst_tables.get(new_key) or self.dst_vtables.get(new_key)
            if src_obj is None or dst_obj is None:
                continue  # stale hint: already applied, or nothing to rename
            if type(src_obj) is not type(dst_obj):
                continue
            if (
                old_key in self.dst_tables or old_key in self.dst_vtables
            ) and old_key not in targets:
                continue  # the old name is still wanted, by nothing renamed into it
            valid[old_key] = new_name
        # Order: a rename into a name that another rename frees must wait for it.
        pending = dict(valid)
        while pending:
            progressed = False
            for old_key, new_name in list(pending.items()):
                new_key = fold(new_name)
                blocked = new_key in self.tables or new_key in self.vtables
                if blocked and new_key in pending:
                    continue
                if blocked:
                    # The target name is taken by a table that stays: not a rename after all.
                    del pending[old_key]
                    continue
                self._apply_table_rename(old_key, new_name)
                del pending[old_key]
                progressed = True
            if not progressed and pending:
                # A cycle (a→b, b→a): move one aside first.
                old_key, new_name = next(iter(pending.items()))
                temp = f"_sqlkeel_tmp_{old_key}"
                self._apply_table_rename(old_key, temp, record=False)
                pending.pop(old_key)
                pending[fold(temp)] = new_name
                self.renamed_old_to_new[old_key] = new_name

    def _apply_table_rename(self, old_key: str, new_name: str, *, record: bool = True) -> None:
        if old_key in self.tables:
            old_name = self.tables[old_key].name
            _rename_table_in(self.tables, self.indexes, old_key, new_name)
        else:
            vt = self.vtables.pop(old_key)
            old_name = vt.name
            self.vtables[fold(new_name)] = dataclasses.replace(vt, name=new_name)
        self.rename_ops.append(RenameTable(old=old_name, new=new_name))
        self.touched.update({old_key, fold(new_name)})
        if record:
            self.renamed_old_to_new[old_key] = new_name

    def plan_column_renames(self, key: str) -> list[RenameColumn]:
        src = self.tables[key]
        dst = self.dst_tables[key]
        requests: dict[str, str] = {}
        for col in dst.columns:
            if col.renamed_from:
                requests[fold(col.renamed_from)] = col.name
        original_keys = {key} | {o for o, n in self.renamed_old_to_new.items() if fold(n) == key}
        for (table_key, old_col), new in self.renames.columns.items():
            if table_key in original_keys:
                requests[old_col] = new
        ops: list[RenameColumn] = []
        for old_col, new_name in requests.items():
            src = self.tables[key]
            new_col = fold(new_name)
            if old_col == new_col or src.column(old_col) is None or src.column(new_col) is not None:
                continue
            if dst.column(old_col) is not None or dst.column(new_col) is None:
                continue
            old_name = src.column(old_col).name  # type: ignore[union-attr]
            _rename_column_in(self.tables, self.indexes, key, old_name, new_name)
            ops.append(RenameColumn(table=dst.name, old=old_name, new=new_name))
        return ops

    # -- tables --------------------------------------------------------------------------

    def plan_tables(self) -> None:
        dst_keys = set(self.dst_tables)
        for key, table in sorted(self.tables.items()):
            if key not in dst_keys:
                self.drop_table_ops.append(
                    DropTable(
                        table=table,
                        hazards=_hazard(
                            Hazard.DATA_LOSS, f"table {_t(table.name)} and all its rows are deleted"
                        ),
                    )
                )
                self.touched.add(key)
        for key, vtable in sorted(self.vtables.items()):
            if key not in self.dst_vtables:
                self.drop_table_ops.append(
                    DropVirtualTable(
                        table=vtable,
                        hazards=_hazard(
                            Hazard.DATA_LOSS,
                            f"virtual table {_t(vtable.name)} and its content are deleted",
                        ),
                    )
                )
                self.touched.add(key)
        # Creation order follows the target's own order (parents before children, as written).
        for key in sorted(dst_keys, key=lambda k: (self.dst_tables[k].position, k)):
            if key in self.tables:
                self.plan_table_change(key)
            else:
                self.create_table_ops.append(CreateTable(table=self.dst_tables[key]))
                self.created.add(key)
        for key, vt in sorted(self.dst_vtables.items(), key=lambda kv: (kv[1].position, kv[0])):
            if key in self.vtables:
                self.plan_vtable_change(self.vtables[key], vt)
            else:
                self.vtable_ops.append(CreateVirtualTable(table=vt))
                self.created.add(key)

    def plan_table_change(self, key: str) -> None:
        in_database = self.tables[key]  # the table as it stands when its change runs
        rename_ops = self.plan_column_renames(key)
        if rename_ops:
            self.touched.add(key)
        src = self.tables[key]
        dst = self.dst_tables[key]
        if src == dst and key not in self.force_rebuild:
            self.table_ops.extend(rename_ops)
            return
        self.touched.add(key)
        if key in self.force_rebuild:
            # Verification found that a native step fails or diverges here (SQLite refuses
            # some RENAME COLUMNs, e.g. of a key column used by a generated column in a
            # WITHOUT ROWID table): the rebuild renames the columns itself, by copying.
            renamed_back = {fold(op.new): op.old for op in rename_ops}
            self.table_ops.append(self.rebuild(src, dst, in_database, renamed_back))
            self.rebuilt.add(key)
            return
        native = self.native_change(src, dst)
        self.table_ops.extend(rename_ops)
        if native is not None:
            self.table_ops.extend(native)
        else:
            self.table_ops.append(self.rebuild(src, dst))
            self.rebuilt.add(key)

    def native_change(self, src: Table, dst: Table) -> list[Op] | None:
        """ALTER TABLE ADD/DROP COLUMN operations, or None when only a rebuild can do it."""
        dst_keys = [c.key for c in dst.columns]
        src_keys = [c.key for c in src.columns]
        kept = [k for k in src_keys if k in set(dst_keys)]
        added = [c for c in dst.columns if c.key not in set(src_keys)]
        dropped = [c for c in src.columns if c.key not in set(dst_keys)]
        if dst_keys != kept + [c.key for c in added]:
            return None
        if any(src.column(k) != dst.column(k) for k in kept):
            return None
        if (src.primary_key, src.uniques, src.checks, src.strict, src.without_rowid) != (
            dst.primary_key,
            dst.uniques,
            dst.checks,
            dst.strict,
            dst.without_rowid,
        ):
            return None
        added_keys = {c.key for c in added}
        new_fks = [fk for fk in dst.foreign_keys if fk not in src.foreign_keys]
        if any(not set(fk.columns) <= added_keys for fk in new_fks):
            return None
        if any(fk not in dst.foreign_keys for fk in src.foreign_keys):
            return None
        ops: list[Op] = []
        if dropped:
            if not self.caps.drop_column:
                return None
            pk_cols = set(src.primary_key.column_keys()) if src.primary_key else set()
            unique_cols = {c for u in src.uniques for c in u.column_keys()}
            fk_cols = {c for fk in src.foreign_keys for c in fk.columns}
            for col in dropped:
                if col.key in pk_cols or col.key in unique_cols or col.key in fk_cols:
                    return None
                if col.key in _column_identifiers(src, col.key):
                    return None
                # Indexes on the column go first (they differ or vanish in the target).
                for ix in self.indexes.values():
                    if (
                        ix.table == src.key
                        and col.key in ix.identifiers()
                        and (self.dst_indexes.get(ix.key) == ix)
                    ):
                        return None
                # Foreign keys elsewhere that point at the column.
                for other in self.tables.values():
                    for fk in other.foreign_keys:
                        if fk.ref_table == src.key and col.key in fk.ref_columns:
                            return None
            for col in dropped:
                hazards = (
                    ()
                    if col.generated is not None
                    else _hazard(
                        Hazard.DATA_LOSS,
                        f"column {_t(src.name)}.{_t(col.name)} and its values are deleted",
                    )
                )
                ops.append(DropColumn(table=dst.name, column=col, hazards=hazards))
        populated = self.is_populated(src.key)
        for col in added:
            if col.generated_kind is GeneratedKind.STORED and populated:
                return None
            if populated and not (
                _is_constant_default(col.default)
                and _default_survives_add_column(col, dst.strict)
            ):
                return None
            col_fks = [fk for fk in dst.foreign_keys if col.key in fk.columns]
            if (
                col.notnull
                and col.generated is None
                and _is_null_default(col.default)
                and populated
            ):
                raise self.impossible_not_null(dst, col)
            add_hazards: tuple[HazardNote, ...] = ()
            if col.checks or (col.notnull and col.generated is not None):
                add_hazards = _hazard(
                    Hazard.DATA_DEPENDENT,
                    f"existing rows of {_t(dst.name)} must satisfy the constraints "
                    f"of the new column {_t(col.name)}",
                )
            ops.append(
                AddColumn(
                    table=dst.name,
                    column=col,
                    needs_foreign_keys_off=bool(col_fks) and not _is_null_default(col.default),
                    hazards=add_hazards,
                )
            )
        return ops

    def impossible_not_null(self, table: Table, col: Column) -> ImpossibleChangeError:
        return ImpossibleChangeError(
            f"column {_t(table.name)}.{_t(col.name)} is NOT NULL without a DEFAULT, and "
            f"{_t(table.name)} may already have rows, which would have no value for it.\n"
            f"Fix it in one of these ways:\n"
            f"  - give it a default:  {_t(col.name)} {col.type} NOT NULL DEFAULT <value>\n"
            f"  - add it nullable, fill it in a custom migration (UPDATE …), then make it NOT NULL "
            f"in a later migration"
        )

    def rebuild(
        self,
        src: Table,
        dst: Table,
        in_database: Table | None = None,
        renamed_back: Mapping[str, str] | None = None,
    ) -> RebuildTable:
        """The 12-step rebuild of ``src`` (renames applied) into ``dst``.

        ``in_database`` is the table as the database holds it, when column renames are left
        to the rebuild; ``renamed_back`` maps their new (folded) names to the old ones.
        """
        renamed_back = renamed_back or {}
        copy: list[tuple[str, str]] = []
        lost = []
        populated = self.is_populated(src.key)
        dst_alias = dst.rowid_alias()
        for col in dst.columns:
            if col.generated is not None:
                continue
            before = src.column(col.key)
            if before is not None:
                copy.append((col.name, renamed_back.get(before.key, before.name)))
            elif col.key == dst_alias and not src.without_rowid:
                continue  # the rowid is carried over below
            elif col.notnull and _is_null_default(col.default) and populated:
                raise self.impossible_not_null(dst, col)
        rewritten = []
        for col in src.columns:
            after = dst.column(col.key)
            if col.generated is None and (after is None or after.generated is not None):
                lost.append(col.name)  # dropped, or its stored values replaced by an expression
            elif after is not None and after.generated is None and _narrows(col.type, after.type):
                rewritten.append(f"{col.name} ({col.type or 'no type'} → {after.type})")
        copy_rowid = False
        if not src.without_rowid and not dst.without_rowid:
            src_alias = src.rowid_alias()
            copied_targets = {fold(target) for target, _ in copy}
            if dst_alias is None or dst_alias not in copied_targets:
                shadow = {c.key for c in src.columns} | {c.key for c in dst.columns}
                if src_alias is not None or any(n not in shadow for n in _ROWID_NAMES):
                    copy_rowid = True
        hazards: list[HazardNote] = [
            HazardNote(Hazard.TABLE_REBUILD, f"table {_t(dst.name)} is copied row by row")
        ]
        if lost:
            hazards.append(
                HazardNote(
                    Hazard.DATA_LOSS,
                    _lost_columns(dst.name, lost),
                )
            )
        if rewritten:
            hazards.append(
                HazardNote(
                    Hazard.DATA_LOSS,
                    f"values of {_t(dst.name)}."
                    + f", {_t(dst.name)}.".join(rewritten)
                    + " may be rewritten by the new type's affinity ('007' becomes 7, "
                    "large integers become approximate reals)",
                )
            )
        reasons = _rebuild_reasons(src, dst)
        if self._tightens(src, dst):
            hazards.append(
                HazardNote(
                    Hazard.DATA_DEPENDENT,
                    f"existing rows of {_t(dst.name)} must satisfy its new constraints or types",
                )
            )
        return RebuildTable(
            old=in_database or src,
            new=dst,
            copy=tuple(copy),
            copy_rowid=copy_rowid,
            keep_sequence=src.autoincrement and dst.autoincrement,
            reasons=tuple(reasons) or ("requested",),
            hazards=tuple(hazards),
        )

    @staticmethod
    def _tightens(src: Table, dst: Table) -> bool:
        def tighter(a: Iterable[object], b: Iterable[object]) -> bool:
            return bool(set(b) - set(a))

        if tighter(src.uniques, dst.uniques) or tighter(src.checks, dst.checks):
            return True
        if tighter(src.foreign_keys, dst.foreign_keys) or (dst.strict and not src.strict):
            return True
        if src.primary_key != dst.primary_key and dst.primary_key is not None:
            return True
        for col in dst.columns:
            before = src.column(col.key)
            if before is None:
                if col.checks:
                    return True
                continue
            if (col.notnull and not before.notnull) or col.type != before.type:
                return True
            if col.collation != before.collation or tighter(before.checks, col.checks):
                return True
        return False

    def plan_vtable_change(self, src: VirtualTable, dst: VirtualTable) -> None:
        if src == dst and src.key not in self.force_rebuild:
            return
        self.touched.add(dst.key)
        if src.module != dst.module:
            self.vtable_ops.append(
                RebuildVirtualTable(
                    old=src,
                    new=dst,
                    strategy=RefillStrategy.NONE,
                    hazards=_hazard(
                        Hazard.DATA_LOSS,
                        f"virtual table {_t(dst.name)} changes module ({src.module} → {dst.module}): "
                        "its rows are not carried over",
                    ),
                )
            )
            return
        opts = dst.options()
        module = dst.module
        if module in _FTS_MODULES and opts.get("content") == "":
            self.vtable_ops.append(
                RebuildVirtualTable(
                    old=src,
                    new=dst,
                    strategy=RefillStrategy.NONE,
                    hazards=_hazard(
                        Hazard.DATA_LOSS,
                        f"contentless full-text index {_t(dst.name)} cannot be refilled: "
                        "insert its rows again after the migration",
                    ),
                )
            )
            return
        if module in _FTS_MODULES and opts.get("content"):
            self.vtable_ops.append(
                RebuildVirtualTable(
                    old=src,
                    new=dst,
                    strategy=RefillStrategy.REBUILD_COMMAND,
                    hazards=_hazard(
                        Hazard.TABLE_REBUILD,
                        f"full-text index {_t(dst.name)} is rebuilt from {opts['content']}",
                    ),
                )
            )
            return
        if module in _FTS_MODULES or module in _RTREE_MODULES:
            src_cols = {fold(c) for c in src.column_names()}
            cols = tuple(c for c in dst.column_names() if fold(c) in src_cols)
            lost = [
                c
                for c in src.column_names()
                if fold(c) not in {fold(d) for d in dst.column_names()}
            ]
            hazards = [
                HazardNote(
                    Hazard.TABLE_REBUILD, f"virtual table {_t(dst.name)} is refilled row by row"
                )
            ]
            if lost:
                hazards.append(HazardNote(Hazard.DATA_LOSS, _lost_columns(dst.name, lost)))
            self.vtable_ops.append(
                RebuildVirtualTable(
                    old=src,
                    new=dst,
                    strategy=RefillStrategy.COPY,
                    copy_columns=cols,
                    copy_rowid=module in _FTS_MODULES,
                    hazards=tuple(hazards),
                )
            )
            return
        self.vtable_ops.append(
            RebuildVirtualTable(
                old=src,
                new=dst,
                strategy=RefillStrategy.NONE,
                hazards=_hazard(
                    Hazard.DATA_LOSS,
                    f"virtual table {_t(dst.name)} (module {module}) is recreated empty: "
                    "sqlkeel cannot tell how to carry its rows over",
                ),
            )
        )

    # -- dependent objects ---------------------------------------------------------------

    def dependent_ops(self) -> tuple[list[Op], list[Op]]:
        """Drops (before table changes) and creates (after) of indexes, views and triggers."""
        drops: list[Op] = []
        creates: list[Op] = []
        gone_tables = self.rebuilt | {
            k for k in self.touched if k not in self.dst_tables and k not in self.dst_vtables
        }
        # Indexes.
        for key, ix in sorted(self.indexes.items()):
            if ix.table in gone_tables:
                continue  # dropped with its table
            if self.dst_indexes.get(key) != ix:
                drops.append(DropIndex(index=ix))
        src_index_state = {k: ix for k, ix in self.indexes.items() if ix.table not in gone_tables}
        for ix in sorted(self.dst.indexes, key=lambda i: i.position):
            if src_index_state.get(ix.key) != ix or ix.table in self.created:
                creates.append(CreateIndex(index=ix, hazards=self._index_hazards(ix)))
        # Views and triggers: anything that changes or stands on a changed name goes and comes back.
        src_views = {v.key: v for v in self.src.views}
        dst_views = {v.key: v for v in self.dst.views}
        affected: set[str] = set(self.touched) | set(self.renamed_old_to_new)
        dropped_views: set[str] = set()
        for key, view in src_views.items():
            if dst_views.get(key) != view:
                dropped_views.add(key)
        changed = True
        while changed:
            changed = False
            for key, view in src_views.items():
                if key not in dropped_views and view.body.identifiers() & (
                    affected | dropped_views
                ):
                    dropped_views.add(key)
                    changed = True
        src_triggers = {t.key: t for t in self.src.triggers}
        dst_triggers = {t.key: t for t in self.dst.triggers}
        names = affected | dropped_views
        dropped_triggers = {
            key
            for key, trig in src_triggers.items()
            if dst_triggers.get(key) != trig
            or trig.table in names
            or trig.body.identifiers() & names
        }
        trigger_drops = [DropTrigger(trigger=src_triggers[k]) for k in sorted(dropped_triggers)]
        view_drops = [DropView(view=src_views[k]) for k in sorted(dropped_views)]
        drops = trigger_drops + view_drops + drops
        for view in _views_in_dependency_order(self.dst.views):
            if view.key in dropped_views or view.key not in src_views:
                creates.append(CreateView(view=view))
        for trig in sorted(self.dst.triggers, key=lambda t: t.position):
            if trig.key in dropped_triggers or trig.key not in src_triggers:
                creates.append(CreateTrigger(trigger=trig))
        return drops, creates

    def _index_hazards(self, ix: Index) -> tuple[HazardNote, ...]:
        if ix.unique and self.indexes.get(ix.key) == ix:
            # Recreated after a rebuild: it can only fail if an indexed column now compares
            # differently (another collation or type).
            before = self.tables.get(ix.table)
            after = self.dst_tables.get(ix.table)
            used = ix.identifiers()
            if (
                before is None
                or after is None
                or not any(
                    (b := before.column(c.key)) is not None
                    and (b.collation, b.type) != (c.collation, c.type)
                    for c in after.columns
                    if c.key in used
                )
            ):
                return ()
        if ix.unique and ix.table not in self.created:
            return _hazard(
                Hazard.DATA_DEPENDENT,
                f"unique index {_t(ix.name)} fails if {_t(ix.table)} holds duplicates",
            )
        return ()

    def plan(self) -> tuple[Op, ...]:
        self.plan_table_renames()
        self.plan_tables()
        drops, creates = self.dependent_ops()
        ordered: list[Op] = [
            *drops,
            *self.drop_table_ops,
            *self.rename_ops,
            *self.table_ops,
            *self.create_table_ops,
            *self.vtable_ops,
            *creates,
        ]
        return tuple(ordered)


def _views_in_dependency_order(views: Iterable[View]) -> list[View]:
    """Views ordered so that each comes after the views it reads (creation order otherwise)."""
    by_key = {v.key: v for v in views}
    ordered: list[View] = []
    state: dict[str, int] = {}

    def visit(view: View) -> None:
        mark = state.get(view.key)
        if mark == 2 or mark == 1:
            return
        state[view.key] = 1
        for dep in sorted(view.body.identifiers() & set(by_key)):
            if dep != view.key:
                visit(by_key[dep])
        state[view.key] = 2
        ordered.append(view)

    for view in sorted(by_key.values(), key=lambda v: v.position):
        visit(view)
    return ordered


def plan_migration(
    src: Schema,
    dst: Schema,
    *,
    renames: Renames | None = None,
    capabilities: Capabilities | None = None,
    populated: frozenset[str] | None = None,
    force_rebuild: frozenset[str] = frozenset(),
) -> tuple[Op, ...]:
    """The operations that turn ``src`` into ``dst``.

    ``populated`` names the tables known to hold rows (None: assume every table does);
    ``force_rebuild`` names tables to rebuild even where ALTER would do.
    """
    return _Planner(
        src,
        dst,
        renames or Renames(),
        capabilities or Capabilities(),
        populated,
        force_rebuild,
    ).plan()
