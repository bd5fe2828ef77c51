"""SQLAlchemy models as the desired schema: ``schema = "myapp.models:Base.metadata"``.

The object named by ``module:attribute`` may be a ``MetaData``, a declarative base (or any
object with a ``metadata`` attribute, SQLModel's ``SQLModel`` among them). Its tables and
indexes are compiled to SQLite DDL by SQLAlchemy's own SQLite compiler, in dependency order,
and from there they go the way every other source goes: executed into a private
``:memory:`` database and read back by the catalog. So a model and the migrations generated
from it are compared as SQLite stores them: no server-default or CHECK false positives.

SQLAlchemy is imported only here, and only when such a source is used (``pip install
sqlkeel[sqlalchemy]``).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterable
from typing import Any

from sqlkeel.errors import SourceError
from sqlkeel.sources.statements import Statement

_SPEC_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def is_object_spec(value: str) -> bool:
    """True for ``package.module:attribute.path``; Windows paths like ``C:\\x`` are not."""
    return bool(_SPEC_RE.match(value)) and not (len(value) > 1 and value[1] == ":")


def resolve_metadata(spec: str, *, search_path: Iterable[str] = ()) -> Any:
    """Import ``module:attr.path`` and return the SQLAlchemy ``MetaData`` it names."""
    try:
        from sqlalchemy import MetaData
    except ImportError as exc:
        raise SourceError(
            f"{spec}: the schema names a Python object, which needs SQLAlchemy: "
            "pip install 'sqlkeel[sqlalchemy]'"
        ) from exc
    module_name, _, attr_path = spec.partition(":")
    added = [p for p in (*search_path, os.getcwd()) if p not in sys.path]
    sys.path[:0] = added
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SourceError(
            f"{spec}: cannot import {module_name} ({exc}); install your package (pip install "
            "-e .) or run sqlkeel from the directory that holds it"
        ) from exc
    finally:
        for p in added:
            if p in sys.path:
                sys.path.remove(p)
    obj: Any = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise SourceError(f"{spec}: {module_name} has no attribute {attr_path}") from exc
    if not isinstance(obj, MetaData):
        obj = getattr(obj, "metadata", obj)
    if not isinstance(obj, MetaData):
        raise SourceError(
            f"{spec}: is a {type(obj).__name__}, not a SQLAlchemy MetaData or a declarative "
            "base (name Base.metadata, Base, or SQLModel.metadata)"
        )
    return obj


def metadata_statements(metadata: Any, *, label: str = "<metadata>") -> list[Statement]:
    """CREATE TABLE and CREATE INDEX statements for every table, parents first."""
    import warnings

    from sqlalchemy import exc as sa_exc
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    with warnings.catch_warnings():
        # A foreign-key cycle only changes the order; SQLite checks nothing at CREATE time.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        tables = list(metadata.sorted_tables)
    statements: list[Statement] = []
    for number, table in enumerate(tables, start=1):
        where = f"{label} table {table.name}"
        statements.append(Statement(_compile(CreateTable(table), dialect), where, number))
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            statements.append(Statement(_compile(CreateIndex(index), dialect), where, number))
    return statements


def _compile(ddl: Any, dialect: Any) -> str:
    return str(ddl.compile(dialect=dialect)).strip()
