"""Desired state → model: SQL files and directories materialized in a private ``:memory:`` database.

The same catalog code that reads production files reads the materialized result, so both
sides of a diff are read alike (DESIGN §1).
"""

from __future__ import annotations

from sqlkeel.sources.sqlfiles import (
    Statement,
    materialize,
    read_sql_path,
    schema_from_sql,
    schema_from_statements,
    split_statements,
)

__all__ = [
    "Statement",
    "materialize",
    "read_sql_path",
    "schema_from_sql",
    "schema_from_statements",
    "split_statements",
]
