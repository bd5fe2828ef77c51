"""SQL text → statements with line numbers → private ``:memory:`` databases → Schema.

SQLite's DDL costs time in proportion to the schema already there (each CREATE re-scans
sqlite_schema), so a 1000-table file takes quadratic time in one database. A file made only
of CREATE statements is therefore materialized in several ``:memory:`` databases, each
holding whole tables with their indexes and triggers (SQLite checks nothing across tables at
CREATE time: not foreign keys, not view bodies). Anything else (ALTER, DROP, INSERT,
PRAGMA) runs in one database in file order.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlkeel.catalog.parse import created_table_name
from sqlkeel.catalog.reader import read_schema
from sqlkeel.errors import SchemaSyntaxError, SourceError, SourceNotFoundError
from sqlkeel.model.names import fold
from sqlkeel.model.schema import Schema, SchemaObject
from sqlkeel.sources.statements import Statement, split_statements

__all__ = [
    "Statement",
    "materialize",
    "read_sql_path",
    "schema_from_sql",
    "schema_from_statements",
    "split_statements",
]

_NAME = r"""(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)"""
# The head of a CREATE statement, when written without comments inside it (else: no chunking).
_HEAD_RE = re.compile(
    r"CREATE\s+(?P<temp>(?:TEMP|TEMPORARY)\s+)?"
    r"(?P<kind>UNIQUE\s+INDEX|INDEX|VIRTUAL\s+TABLE|TABLE|VIEW|TRIGGER)\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?(?:{_NAME}\s*\.\s*)?(?P<name>{_NAME})",
    re.IGNORECASE,
)
_ON_RE = re.compile(rf"\bON\s+(?:{_NAME}\s*\.\s*)?(?P<target>{_NAME})", re.IGNORECASE)
_CHUNK_STATEMENTS = 120


_TRANSACTION_RE = re.compile(
    r"\s*(BEGIN|COMMIT|END)(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$",
    re.IGNORECASE,
)


def _run(conn: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    for st in statements:
        if _TRANSACTION_RE.match(st.sql):
            continue  # a dump's own BEGIN/COMMIT: the materialization has its transaction
        try:
            conn.execute(st.sql)
        except sqlite3.Error as exc:
            raise SchemaSyntaxError(str(exc), file=st.file, line=st.line, statement=st.sql) from exc


def _trailing_hints(statements: Iterable[Statement]) -> dict[str, str]:
    hints: dict[str, str] = {}
    for st in statements:
        if st.trailing_comment and "renamed" in st.trailing_comment:
            name = created_table_name(st.sql)
            if name is not None:
                hints[fold(name)] = " " + st.trailing_comment
    return hints


def materialize(statements: list[Statement]) -> sqlite3.Connection:
    """Run statements, in order, into one fresh ``:memory:`` database.

    The whole batch goes through ``executescript`` (SQLite's own loop, about twice as fast
    as one ``execute`` per statement); if it fails, a fresh database runs the statements one
    by one to name the file and line of the one SQLite refused.
    """
    wanted = [st for st in statements if not _TRANSACTION_RE.match(st.sql)]
    script = "".join(f"{st.sql}\n;\n" for st in wanted)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(f"BEGIN;\n{script}COMMIT;")
        return conn
    except sqlite3.Error:
        conn.close()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        _run(conn, wanted)
        if conn.in_transaction:
            conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return conn


def _group_of(st: Statement) -> str | None:
    """The table a CREATE statement belongs with, or None when it is not a plain CREATE."""
    m = _HEAD_RE.match(st.sql)
    if m is None:
        return None
    kind = m.group("kind").upper()
    if m.group("temp"):
        return None
    if kind == "VIEW":
        return "\x00views"
    if kind.endswith("TABLE"):
        return fold(_unquote(m.group("name")))
    on = _ON_RE.search(st.sql, m.end())
    return fold(_unquote(on.group("target"))) if on else None


def _unquote(name: str) -> str:
    if name[:1] in {'"', "`", "'"}:
        return name[1:-1].replace(name[0] * 2, name[0])
    if name[:1] == "[":
        return name[1:-1]
    return name


def _chunks(statements: list[Statement]) -> list[list[Statement]] | None:
    groups: dict[str, list[Statement]] = {}
    for st in statements:
        key = _group_of(st)
        if key is None:
            return None
        groups.setdefault(key, []).append(st)
    chunks: list[list[Statement]] = [[]]
    for key, members in groups.items():
        if key == "\x00views":
            continue
        if chunks[-1] and len(chunks[-1]) + len(members) > _CHUNK_STATEMENTS:
            chunks.append([])
        chunks[-1].extend(members)
    if "\x00views" in groups:
        chunks.append(groups["\x00views"])
    return [c for c in chunks if c]


def schema_from_statements(statements: list[Statement]) -> Schema:
    """The schema the statements create, read back with the catalog."""
    hints = _trailing_hints(statements)
    chunks = _chunks(statements) if len(statements) > _CHUNK_STATEMENTS else None
    if chunks is None or len(chunks) == 1:
        conn = materialize(statements)
        try:
            return read_schema(conn, trailing_comments=hints)
        finally:
            conn.close()
    parts: list[Schema] = []
    base = 0
    for chunk in chunks:
        conn = materialize(chunk)
        try:
            part = read_schema(conn, trailing_comments=hints)
        finally:
            conn.close()
        parts.append(_shift_positions(part, base))
        base += len(chunk) + 1
    merged = Schema(
        tables=tuple(t for p in parts for t in p.tables),
        virtual_tables=tuple(t for p in parts for t in p.virtual_tables),
        indexes=tuple(i for p in parts for i in p.indexes),
        views=tuple(v for p in parts for v in p.views),
        triggers=tuple(t for p in parts for t in p.triggers),
    )
    spaced: list[SchemaObject] = [
        *merged.tables,
        *merged.virtual_tables,
        *merged.indexes,
        *merged.views,
    ]
    names = [o.key for o in spaced]
    if len(names) != len(set(names)) or len({t.key for t in merged.triggers}) != len(
        merged.triggers
    ):
        # Two objects with one name: let SQLite say so, with the file and line.
        materialize(statements).close()
    return merged


def _shift_positions(schema: Schema, base: int) -> Schema:
    def shift(items: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(dataclasses.replace(o, position=o.position + base) for o in items)  # type: ignore[attr-defined,type-var]

    return Schema(
        tables=shift(schema.tables),  # type: ignore[arg-type]
        virtual_tables=shift(schema.virtual_tables),  # type: ignore[arg-type]
        indexes=shift(schema.indexes),  # type: ignore[arg-type]
        views=shift(schema.views),  # type: ignore[arg-type]
        triggers=shift(schema.triggers),  # type: ignore[arg-type]
    )


def read_sql_path(path: Path) -> list[Statement]:
    """The statements of a ``.sql`` file, or of every ``.sql`` file of a directory in name order."""
    if not path.exists():
        raise SourceNotFoundError(f"{path}: no such file or directory")
    files = (
        sorted(p for p in path.iterdir() if p.suffix == ".sql" and p.is_file())
        if path.is_dir()
        else [path]
    )
    statements: list[Statement] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{f}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except OSError as exc:
            raise SourceError(f"{f}: cannot be read: {exc.strerror}") from exc
        statements.extend(split_statements(text, file=str(f)))
    return statements


def schema_from_sql(text: str, *, file: str = "<sql>") -> Schema:
    """The schema that SQL text creates, read back from private ``:memory:`` databases."""
    return schema_from_statements(split_statements(text, file=file))
