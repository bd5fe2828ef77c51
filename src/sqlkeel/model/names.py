"""Identifier rules: the one folding rule and the one quoting function.

SQLite compares identifiers case-insensitively for ASCII letters only, so ``fold`` lowers
``A``-``Z`` and nothing else. Every identifier that sqlkeel writes into SQL goes through
``quote_identifier``; every string literal through ``quote_literal``.

Pure: imports nothing from sqlkeel and never touches sqlite3.
"""

from __future__ import annotations

_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def fold(name: str) -> str:
    """Fold an identifier the way SQLite compares it (ASCII case only)."""
    return name.translate(_ASCII_LOWER)


def quote_identifier(name: str) -> str:
    """Quote an identifier for SQL, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL."""
    return "'" + value.replace("'", "''") + "'"


def display_identifier(name: str) -> str:
    """An identifier as a person would like to read it: bare when that is unambiguous."""
    if (
        name
        and (name[0].isascii() and (name[0].isalpha() or name[0] == "_"))
        and all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name)
    ):
        return name
    return quote_identifier(name)
