"""Split SQL text into statements with line numbers (stdlib only: on the migration path).

Statements end at a semicolon that completes them (``sqlite3.complete_statement``), so
trigger bodies stay whole; semicolons inside strings, quoted names and comments do not count.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

_SPLIT_RE = re.compile(
    r"""'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|--[^\n]*|/\*.*?(?:\*/|\Z)|;""",
    re.DOTALL,
)
_GAP_RE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z))*", re.DOTALL)
_TRAILING_RE = re.compile(r"(?:[ \t]+|--[^\n]*|/\*(?:(?!\*/)[^\n])*\*/)*")


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement of a file, where it starts, and any comment after it on its last line."""

    sql: str
    file: str
    line: int
    trailing_comment: str = ""


def split_statements(text: str, *, file: str = "<sql>") -> list[Statement]:
    """Split SQL text into complete statements (trigger bodies stay whole)."""
    statements: list[Statement] = []
    line = 1
    counted = 0
    start = _GAP_RE.match(text, 0).end()  # type: ignore[union-attr]
    for m in _SPLIT_RE.finditer(text, start):
        if m.group() != ";" or m.start() < start:
            continue
        chunk = text[start : m.end()]
        if not sqlite3.complete_statement(chunk):
            continue
        line += text.count("\n", counted, start)
        counted = start
        trail = _TRAILING_RE.match(text, m.end())
        trailing = trail.group().strip() if trail else ""
        if chunk.strip() != ";":
            statements.append(Statement(chunk, file, line, trailing))
        start = _GAP_RE.match(text, m.end()).end()  # type: ignore[union-attr]
    rest = text[start:]
    if rest.strip():
        line += text.count("\n", counted, start)
        statements.append(Statement(rest.rstrip(), file, line))
    return statements
