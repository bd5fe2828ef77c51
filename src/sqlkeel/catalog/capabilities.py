"""Probe the linked SQLite's features on a private ``:memory:`` connection."""

from __future__ import annotations

import functools
import sqlite3

from sqlkeel.model.capabilities import Capabilities


def _works(conn: sqlite3.Connection, *statements: str) -> bool:
    try:
        for st in statements:
            conn.execute(st)
    except sqlite3.Error:
        return False
    return True


@functools.lru_cache(maxsize=4)
def probe(module_name: str = sqlite3.__name__) -> Capabilities:
    """The capabilities of the SQLite library behind ``sqlite3`` (cached per library)."""
    conn = sqlite3.connect(":memory:")
    try:
        version = tuple(int(p) for p in sqlite3.sqlite_version.split(".")[:3])
        return Capabilities(
            version=(version[0], version[1], version[2] if len(version) > 2 else 0),
            rename_column=_works(conn, "CREATE TABLE p1(a)", "ALTER TABLE p1 RENAME COLUMN a TO b"),
            rename_rewrites_references=version >= (3, 26, 0),
            drop_column=_works(conn, "CREATE TABLE p2(a, b)", "ALTER TABLE p2 DROP COLUMN b"),
            generated_columns=_works(conn, "CREATE TABLE p3(a, b AS (a + 1))"),
            strict_tables=_works(conn, "CREATE TABLE p4(a INTEGER) STRICT"),
            table_list_pragma=_works(conn, "SELECT * FROM pragma_table_list"),
            fts5=_works(conn, "CREATE VIRTUAL TABLE p5 USING fts5(a)"),
            alter_constraints=_works(
                conn, "CREATE TABLE p6(a)", "ALTER TABLE p6 ALTER COLUMN a SET NOT NULL"
            ),
        )
    finally:
        conn.close()
