"""Capabilities are probed on a private connection and steer the planner."""

from __future__ import annotations

import sqlite3

import sqlkeel
from sqlkeel import OpKind
from sqlkeel.catalog import probe
from sqlkeel.catalog.capabilities import probe as probe_again
from sqlkeel.model.capabilities import Capabilities
from sqlkeel.sources.sqlfiles import schema_from_sql


def test_probe_matches_the_linked_library() -> None:
    caps = probe()
    version = tuple(int(p) for p in sqlite3.sqlite_version.split("."))
    assert caps.version == version[:3]
    assert caps.drop_column == (version >= (3, 35, 0))
    assert caps.rename_column == (version >= (3, 25, 0))
    assert caps.strict_tables == (version >= (3, 37, 0))
    assert caps.alter_constraints == (version >= (3, 53, 0))
    assert probe_again() is caps  # cached: probing costs one :memory: connection per process


def test_without_drop_column_the_planner_rebuilds() -> None:
    before = schema_from_sql("CREATE TABLE t(a INT, b INT);")
    after = schema_from_sql("CREATE TABLE t(a INT);")
    native = sqlkeel.plan(before, after)
    old = sqlkeel.plan(before, after, capabilities=Capabilities(drop_column=False))
    assert [op.kind for op in native.ops] == [OpKind.DROP_COLUMN]
    assert [op.kind for op in old.ops] == [OpKind.REBUILD_TABLE]
