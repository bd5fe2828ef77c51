"""Name the differences between two schemas in words (pure)."""

from __future__ import annotations

import dataclasses

from sqlkeel.model.names import display_identifier
from sqlkeel.model.schema import Schema, SchemaObject, Table


def _table_details(a: Table, b: Table) -> list[str]:
    out = []
    a_cols = {c.key: c for c in a.columns}
    b_cols = {c.key: c for c in b.columns}
    for key, col in b_cols.items():
        if key not in a_cols:
            out.append(f"column {display_identifier(col.name)} is only in the second")
    for key, col in a_cols.items():
        if key not in b_cols:
            out.append(f"column {display_identifier(col.name)} is only in the first")
        elif b_cols[key] != col:
            fields = [
                f.name
                for f in dataclasses.fields(col)
                if f.compare and getattr(col, f.name) != getattr(b_cols[key], f.name)
            ]
            out.append(f"column {display_identifier(col.name)} differs in {', '.join(fields)}")
    if [c.key for c in a.columns] != [c.key for c in b.columns] and not out:
        out.append("column order differs")
    for f in ("primary_key", "uniques", "checks", "foreign_keys", "strict", "without_rowid"):
        if getattr(a, f) != getattr(b, f):
            out.append(f"{f.replace('_', ' ')} differ: {getattr(a, f)!r} vs {getattr(b, f)!r}")
    return out


def describe_differences(first: Schema, second: Schema) -> list[str]:
    """One line per object that differs between ``first`` and ``second``."""
    lines: list[str] = []
    for attr in ("tables", "virtual_tables", "indexes", "views", "triggers"):
        a: dict[str, SchemaObject] = {o.key: o for o in getattr(first, attr)}
        b: dict[str, SchemaObject] = {o.key: o for o in getattr(second, attr)}
        kind = attr[:-1].replace("_", " ")
        for key in sorted(a.keys() | b.keys()):
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            name = display_identifier((x or y).name)  # type: ignore[union-attr]
            if x is None:
                lines.append(f"{kind} {name} is only in the second")
            elif y is None:
                lines.append(f"{kind} {name} is only in the first")
            elif isinstance(x, Table) and isinstance(y, Table):
                details = "; ".join(_table_details(x, y))
                lines.append(f"{kind} {name} differs: {details}")
            else:
                lines.append(f"{kind} {name} differs")
    return lines


def differing_tables(first: Schema, second: Schema) -> set[str]:
    """Folded names of tables (ordinary or virtual) whose definitions, or indexes, differ."""
    keys: set[str] = set()
    for attr in ("tables", "virtual_tables"):
        a = {o.key: o for o in getattr(first, attr)}
        b = {o.key: o for o in getattr(second, attr)}
        keys |= {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    a_ix = {i.key: i for i in first.indexes}
    b_ix = {i.key: i for i in second.indexes}
    for k in a_ix.keys() | b_ix.keys():
        if a_ix.get(k) != b_ix.get(k):
            keys |= {ix.table for ix in (a_ix.get(k), b_ix.get(k)) if ix is not None}
    return keys
