"""Read a live database (or any sqlite3 connection) into the schema model, read-only.

What is read: sqlite_schema rows, parsed by :mod:`sqlkeel.catalog.parse`. What is ignored
(DESIGN §3): SQLite's own ``sqlite_%`` objects, sqlkeel's ``_sqlkeel_%`` tables, virtual-table
shadow tables, other tools' tables (Litestream, libSQL, Cloudflare) and everything on them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from sqlkeel.catalog.parse import (
    ParseError,
    parse_index,
    parse_table,
    parse_trigger,
    parse_view,
    parse_virtual_table,
)
from sqlkeel.errors import CatalogError, NotADatabaseError, SourceNotFoundError
from sqlkeel.model.names import fold, quote_identifier
from sqlkeel.model.schema import (
    Index,
    Schema,
    SchemaObject,
    Table,
    Trigger,
    View,
    VirtualTable,
)

SQLITE_HEADER = b"SQLite format 3\x00"
_VIRTUAL_RE = re.compile(r"\s*CREATE\s+VIRTUAL\s", re.IGNORECASE)

_FOREIGN_TABLES = re.compile(
    r"^(sqlite_|_sqlkeel_|libsql_)|^(_litestream_seq|_litestream_lock|_cf_kv)$"
)

_SHADOW_SUFFIXES: dict[str, tuple[str, ...]] = {
    "fts5": ("_data", "_idx", "_content", "_docsize", "_config"),
    "fts4": ("_content", "_segments", "_segdir", "_docsize", "_stat"),
    "fts3": ("_content", "_segments", "_segdir", "_docsize", "_stat"),
    "rtree": ("_node", "_rowid", "_parent"),
    "rtree_i32": ("_node", "_rowid", "_parent"),
    "geopoly": ("_node", "_rowid", "_parent"),
}


def is_ignored_name(name: str) -> bool:
    """True for objects sqlkeel never manages (SQLite's, its own, other tools')."""
    return _FOREIGN_TABLES.search(fold(name)) is not None


def _shadow_tables(conn: sqlite3.Connection, vtables: list[tuple[str, str]]) -> set[str]:
    shadows: set[str] = set()
    try:
        rows = conn.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'"
        )
        shadows = {fold(r[0]) for r in rows}
    except sqlite3.Error:
        pass
    # Name patterns too: older SQLite has no table_list, and a module that is not loaded
    # leaves its shadow tables looking like ordinary ones.
    for name, sql in vtables:
        m = re.search(r"\bUSING\s+([A-Za-z_0-9]+)", sql, re.IGNORECASE)
        module = fold(m.group(1)) if m else ""
        for suffix in _SHADOW_SUFFIXES.get(module, ()):
            shadows.add(fold(name) + suffix)
    return shadows


@functools.lru_cache(maxsize=16384)
def _parse_cached(typ: str, sql: str, tbl_name: str, extra: str) -> SchemaObject:
    """Parse one stored definition; the same text always parses to the same (immutable) value."""
    if typ == "table":
        if _VIRTUAL_RE.match(sql):
            return parse_virtual_table(sql, extra_comments=extra)
        return parse_table(sql, extra_comments=extra)
    if typ == "index":
        return parse_index(sql)
    if typ == "view":
        return parse_view(sql)
    return parse_trigger(sql, tbl_name)


def read_schema(
    conn: sqlite3.Connection, *, trailing_comments: Mapping[str, str] | None = None
) -> Schema:
    """The schema of the ``main`` database of ``conn``, read without writing anything."""
    trailing = trailing_comments or {}
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise CatalogError(f"cannot read the schema: {exc}") from exc
    vtables = [
        (name, sql)
        for typ, name, _tbl, sql in rows
        if typ == "table" and sql and _VIRTUAL_RE.match(sql)
    ]
    shadows = _shadow_tables(conn, vtables) if vtables else set()
    tables: list[Table] = []
    virtual_tables: list[VirtualTable] = []
    indexes: list[Index] = []
    views: list[View] = []
    triggers: list[Trigger] = []
    for position, (typ, name, tbl_name, sql) in enumerate(rows):
        if not sql or is_ignored_name(name) or is_ignored_name(tbl_name):
            continue
        key = fold(name)
        if fold(tbl_name) in shadows or key in shadows:
            continue
        extra = trailing.get(key, "")
        if typ not in ("table", "index", "view", "trigger"):
            continue
        try:
            obj = _parse_cached(typ, sql, tbl_name, extra)
        except ParseError as exc:
            raise CatalogError(
                f"cannot read the definition of {typ} {name!r}: {exc}\n  {sql}"
            ) from exc
        obj = dataclasses.replace(obj, position=position)
        if isinstance(obj, Table):
            tables.append(obj)
        elif isinstance(obj, VirtualTable):
            virtual_tables.append(obj)
        elif isinstance(obj, Index):
            indexes.append(obj)
        elif isinstance(obj, View):
            views.append(obj)
        else:
            triggers.append(obj)
    return Schema(
        tables=tuple(tables),
        virtual_tables=tuple(virtual_tables),
        indexes=tuple(indexes),
        views=tuple(views),
        triggers=tuple(triggers),
    )


def looks_like_database(path: Path) -> bool:
    """True when the file starts with SQLite's header (or is empty, which SQLite accepts)."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    return head == SQLITE_HEADER or head == b""


def open_read_only(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open a database file read-only, with clear errors for missing or foreign files."""
    p = Path(path)
    if not p.exists():
        raise SourceNotFoundError(f"{p}: no such file")
    if p.is_dir():
        raise CatalogError(f"{p}: is a directory, not a SQLite database")
    if not looks_like_database(p):
        raise NotADatabaseError(
            f"{p}: not a SQLite database (the file does not start with the SQLite header)"
        )
    uri = p.resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.DatabaseError as exc:
        raise NotADatabaseError(f"{p}: cannot be read as a SQLite database: {exc}") from exc
    return conn


def read_database(path: str | Path) -> Schema:
    """The schema of a database file, opened read-only."""
    conn = open_read_only(path)
    try:
        return read_schema(conn)
    finally:
        conn.close()


def nonempty_tables(conn: sqlite3.Connection, schema: Schema) -> frozenset[str]:
    """Folded names of the tables that hold at least one row."""
    found = set()
    for table in schema.tables:
        row = conn.execute(f"SELECT 1 FROM {quote_identifier(table.name)} LIMIT 1").fetchone()
        if row is not None:
            found.add(table.key)
    return frozenset(found)
