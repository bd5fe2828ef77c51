"""Drift in the user's terms: what the live database has that its migrations do not, and back.

``expected`` is the schema the applied migrations produce (their replay); ``live`` is the
database. Each difference is one line that names the object and says what probably
happened, e.g. "column search_log.project exists in the database but in no migration —
added outside migrations?".

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlkeel.model.names import display_identifier as d
from sqlkeel.model.schema import (
    Column,
    Expr,
    ForeignKey,
    PrimaryKey,
    Schema,
    SchemaObject,
    Table,
)

_KIND = {
    "tables": "table",
    "virtual_tables": "virtual table",
    "indexes": "index",
    "views": "view",
    "triggers": "trigger",
}


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference: the kind of object, its name, and the sentence that explains it."""

    kind: str  # table | column | index | view | trigger | virtual table | constraint
    name: str
    message: str

    def __str__(self) -> str:
        return self.message


def _expr(e: Expr | None) -> str:
    return "none" if e is None else e.display()


def _column_fields(expected: Column, live: Column) -> list[str]:
    out = []
    pairs = [
        ("type", expected.type or "(none)", live.type or "(none)"),
        ("NOT NULL", "yes" if expected.notnull else "no", "yes" if live.notnull else "no"),
        ("default", _expr(expected.default), _expr(live.default)),
        ("collation", expected.collation or "BINARY", live.collation or "BINARY"),
        (
            "generated",
            _expr(expected.generated)
            + (f" {expected.generated_kind.value}" if expected.generated_kind else ""),
            _expr(live.generated)
            + (f" {live.generated_kind.value}" if live.generated_kind else ""),
        ),
        (
            "CHECK",
            "; ".join(str(c.expr) for c in expected.checks) or "none",
            "; ".join(str(c.expr) for c in live.checks) or "none",
        ),
    ]
    for label, a, b in pairs:
        if a != b:
            out.append(f"{label} {a} in the migrations, {b} in the database")
    return out


def _terms(terms: tuple[Expr, ...]) -> str:
    return "(" + ", ".join(str(term) for term in terms) + ")"


def _pk(pk: PrimaryKey | None) -> str:
    if pk is None:
        return "none"
    return _terms(pk.columns) + (" AUTOINCREMENT" if pk.autoincrement else "")


def _fk(fk: ForeignKey) -> str:
    ref = d(fk.ref_table)
    if fk.ref_columns:
        ref += "(" + ", ".join(d(c) for c in fk.ref_columns) + ")"
    actions = "".join(
        f" ON {what} {action}"
        for what, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update))
        if action != "NO ACTION"
    )
    return f"({', '.join(d(c) for c in fk.columns)}) → {ref}{actions}"


def _table_items(expected: Table, live: Table) -> list[DriftItem]:
    items: list[DriftItem] = []
    t = d(live.name)
    exp_cols = {c.key: c for c in expected.columns}
    live_cols = {c.key: c for c in live.columns}
    for key, col in live_cols.items():
        if key not in exp_cols:
            items.append(
                DriftItem(
                    "column",
                    f"{live.name}.{col.name}",
                    f"column {t}.{d(col.name)} exists in the database but in no migration — "
                    "added outside migrations?",
                )
            )
    for key, col in exp_cols.items():
        if key not in live_cols:
            items.append(
                DriftItem(
                    "column",
                    f"{live.name}.{col.name}",
                    f"column {t}.{d(col.name)} is missing from the database — dropped or renamed "
                    "outside migrations?",
                )
            )
        elif live_cols[key] != col:
            fields = _column_fields(col, live_cols[key])
            items.append(
                DriftItem(
                    "column",
                    f"{live.name}.{col.name}",
                    f"column {t}.{d(col.name)} differs: " + "; ".join(fields or ["its definition"]),
                )
            )
    common_exp = [c.key for c in expected.columns if c.key in live_cols]
    common_live = [c.key for c in live.columns if c.key in exp_cols]
    if common_exp != common_live:
        items.append(
            DriftItem(
                "table",
                live.name,
                f"columns of {t} are in another order: {', '.join(common_exp)} in the migrations, "
                f"{', '.join(common_live)} in the database",
            )
        )
    constraints = [
        (
            "primary key",
            "differs",
            expected.primary_key != live.primary_key,
            _pk(expected.primary_key),
            _pk(live.primary_key),
        ),
        (
            "UNIQUE constraints",
            "differ",
            expected.uniques != live.uniques,
            "; ".join(_terms(u.columns) for u in expected.uniques) or "none",
            "; ".join(_terms(u.columns) for u in live.uniques) or "none",
        ),
        (
            "CHECK constraints",
            "differ",
            expected.checks != live.checks,
            "; ".join(str(c.expr) for c in expected.checks) or "none",
            "; ".join(str(c.expr) for c in live.checks) or "none",
        ),
        (
            "foreign keys",
            "differ",
            expected.foreign_keys != live.foreign_keys,
            "; ".join(_fk(f) for f in expected.foreign_keys) or "none",
            "; ".join(_fk(f) for f in live.foreign_keys) or "none",
        ),
    ]
    for label, verb, changed, before, after in constraints:
        if changed:
            detail = (
                f": {before} in the migrations, {after} in the database" if before != after else ""
            )
            items.append(
                DriftItem(
                    "constraint",
                    live.name,
                    f"{label} of table {t} {verb} from the migrations{detail}",
                )
            )
    for label, a_flag, b_flag in (
        ("STRICT", expected.strict, live.strict),
        ("WITHOUT ROWID", expected.without_rowid, live.without_rowid),
    ):
        if a_flag != b_flag:
            where = "the migrations" if a_flag else "the database"
            items.append(DriftItem("table", live.name, f"table {t} is {label} only in {where}"))
    return items


def drift_items(expected: Schema, live: Schema) -> list[DriftItem]:
    """Every difference between what the migrations produce and what the database has."""
    items: list[DriftItem] = []
    for attr, kind in _KIND.items():
        exp: dict[str, SchemaObject] = {o.key: o for o in getattr(expected, attr)}
        got: dict[str, SchemaObject] = {o.key: o for o in getattr(live, attr)}
        for key in sorted(exp.keys() | got.keys()):
            a, b = exp.get(key), got.get(key)
            if a == b:
                continue
            name = (b or a).name  # type: ignore[union-attr]
            if a is None:
                verb = "created" if kind != "column" else "added"
                items.append(
                    DriftItem(
                        kind,
                        name,
                        f"{kind} {d(name)} exists in the database but in no migration — {verb} "
                        "outside migrations?",
                    )
                )
            elif b is None:
                items.append(
                    DriftItem(
                        kind,
                        name,
                        f"{kind} {d(name)} is missing from the database — dropped outside migrations?",
                    )
                )
            elif isinstance(a, Table) and isinstance(b, Table):
                items.extend(_table_items(a, b))
            else:
                items.append(
                    DriftItem(
                        kind,
                        name,
                        f"{kind} {d(name)} differs from the migrations:\n"
                        f"    migrations: {' '.join(a.sql.split())}\n"
                        f"    database:   {' '.join(b.sql.split())}",
                    )
                )
    return items
