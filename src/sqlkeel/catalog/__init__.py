"""Live database or SQL → schema model: sqlite_schema, PRAGMAs and a small DDL lexer."""

from __future__ import annotations

from sqlkeel.catalog.capabilities import probe
from sqlkeel.catalog.reader import open_read_only, read_database, read_schema

__all__ = ["open_read_only", "probe", "read_database", "read_schema"]
