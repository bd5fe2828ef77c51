"""SQL text → statements with line numbers → a private ``:memory:`` database → Schema."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlkeel.catalog.lexer import Kind, LexError, line_of, significant, tokenize
from sqlkeel.catalog.parse import created_table_name
from sqlkeel.catalog.reader import read_schema
from sqlkeel.errors import SchemaSyntaxError, SourceError, SourceNotFoundError
from sqlkeel.model.names import fold
from sqlkeel.model.schema import Schema


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement of a file, where it starts, and any comment after it on its last line."""

    sql: str
    file: str
    line: int
    trailing_comment: str = ""


def split_statements(text: str, *, file: str = "<sql>") -> list[Statement]:
    """Split SQL text into complete statements (trigger bodies stay whole)."""
    try:
        tokens = tokenize(text, keep_space=True)
    except LexError as exc:
        raise SchemaSyntaxError(str(exc), file=file, line=line_of(text, exc.position)) from exc
    statements: list[Statement] = []
    start: int | None = None
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if start is None:
            if tok.kind in (Kind.SPACE, Kind.COMMENT) or (tok.kind is Kind.OP and tok.text == ";"):
                i += 1
                continue
            start = tok.start
        if tok.kind is Kind.OP and tok.text == ";":
            chunk = text[start : tok.end]
            if sqlite3.complete_statement(chunk):
                trailing = []
                j = i + 1
                while j < n and tokens[j].kind in (Kind.SPACE, Kind.COMMENT):
                    if tokens[j].kind is Kind.SPACE and "\n" in tokens[j].text:
                        break
                    if tokens[j].kind is Kind.COMMENT:
                        trailing.append(tokens[j].text)
                    j += 1
                statements.append(
                    Statement(chunk, file, line_of(text, start), " ".join(trailing))
                )
                start = None
        i += 1
    if start is not None and significant(tokenize(text[start:])):
        statements.append(Statement(text[start:].rstrip(), file, line_of(text, start)))
    return statements


def materialize(statements: list[Statement]) -> tuple[sqlite3.Connection, dict[str, str]]:
    """Run statements into a fresh ``:memory:`` database; return it and trailing hint comments."""
    conn = sqlite3.connect(":memory:")
    trailing: dict[str, str] = {}
    for st in statements:
        try:
            conn.execute(st.sql)
        except sqlite3.Error as exc:
            conn.close()
            raise SchemaSyntaxError(str(exc), file=st.file, line=st.line, statement=st.sql) from exc
        if st.trailing_comment and "renamed" in st.trailing_comment:
            name = created_table_name(st.sql)
            if name is not None:
                trailing[fold(name)] = " " + st.trailing_comment
    if conn.in_transaction:
        conn.commit()
    return conn, trailing


def read_sql_path(path: Path) -> list[Statement]:
    """The statements of a ``.sql`` file, or of every ``.sql`` file of a directory in name order."""
    if not path.exists():
        raise SourceNotFoundError(f"{path}: no such file or directory")
    files = sorted(p for p in path.iterdir() if p.suffix == ".sql" and p.is_file()) if path.is_dir() else [path]
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
    """The schema that SQL text creates, read back from a private ``:memory:`` database."""
    conn, trailing = materialize(split_statements(text, file=file))
    try:
        return read_schema(conn, trailing_comments=trailing)
    finally:
        conn.close()
