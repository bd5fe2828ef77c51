"""Property: for any populated database at schema A and any schema B, plan(A→B) converges.

Schemas and their edited pairs come from :mod:`strategies` (random, valid SQL text with hostile
identifiers). For every pair the test builds A in a real database, fills it with random rows
that SQLite accepts, and then checks DESIGN §2:

* an *oracle* decides, without sqlkeel, whether A's rows fit B at all: it creates B's tables and
  indexes in a scratch database and copies A's rows into them (kept columns, renames followed,
  rowids kept) the way a rebuild does, then runs ``foreign_key_check``;
* if they fit, ``plan(conn, B)`` must apply, the catalog must equal B, a second plan must be
  empty, every table must hold exactly the oracle's rows (kept values with their storage
  class, rowids; new columns' defaults and generated values compared by their text),
  ``foreign_key_check`` must be empty, ``integrity_check`` must find nothing the oracle's copy
  does not have, AUTOINCREMENT counters must be kept, kept FTS5 tables must pass their
  integrity checks and still find their rows, and ``plan.sql()`` run with ``executescript``
  on a copy must give the very same database;
* if they do not fit, planning may refuse with :class:`sqlkeel.ImpossibleChangeError` (only for
  a NOT NULL column without a default added to a table with rows) or applying must fail, and
  the database (and the copy the script ran on) must be exactly as before.

``SQLKEEL_HYPOTHESIS_EXAMPLES`` sets the number of examples (default 500).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

import sqlkeel
from sqlkeel.catalog import read_schema
from sqlkeel.sources.sqlfiles import schema_from_sql
from strategies import (
    VOCABULARY,
    SchemaPair,
    SchemaSpec,
    TableSpec,
    column_values,
    fold,
    fts_values,
    q,
    schema_pairs,
    storage_statements,
)

EXAMPLES = int(os.environ.get("SQLKEEL_HYPOTHESIS_EXAMPLES", "500"))

Row = tuple[Any, ...]


# --- reading databases ------------------------------------------------------------------------


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")  # lower(blob) can make invalid UTF-8


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.text_factory = _text
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    try:
        conn.execute(f"SELECT _rowid_ FROM {q(table)} LIMIT 0")
        return True
    except sqlite3.OperationalError:
        return False


def columns_of(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[tuple[str, int]]:
    """(name, hidden) of every column, generated ones included."""
    return [(r[1], r[6]) for r in conn.execute(f"PRAGMA {q(schema)}.table_xinfo({q(table)})")]


def typed(value: Any) -> tuple[str, Any]:
    """A value with its storage class, so that 1, 1.0, '1' and b'1' never compare equal."""
    return (type(value).__name__, value)


def loosen(rows: list[Row], positions: set[int]) -> list[Row]:
    """Rows with the values at ``positions`` compared by their text only."""

    def loose(value: tuple[str, Any]) -> tuple[str, Any]:
        return value if value[0] == "bytes" else ("text of", str(value[1]))

    return [tuple(loose(v) if i in positions else v for i, v in enumerate(r)) for r in rows]


def read_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: list[str],
    *,
    with_rowid: bool,
    schema: str = "main",
) -> list[Row]:
    cols = ", ".join(["_rowid_"] * with_rowid + [q(c) for c in columns]) or "1"
    order = " ORDER BY _rowid_" if with_rowid else ""
    return [
        tuple(typed(v) for v in r)
        for r in conn.execute(f"SELECT {cols} FROM {q(schema)}.{q(table)}{order}")
    ]


def snapshot(
    conn: sqlite3.Connection, volatile: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, Any]:
    """The whole main database: catalog text and every stored row (shadow tables too),
    except the ``volatile`` (folded table, folded column) values."""
    catalog = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name"
    ).fetchall()
    rows: dict[str, Any] = {"": catalog}
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage <> 0"
    ).fetchall():
        cols = [
            c
            for c, hidden in columns_of(conn, name)
            if hidden == 0 and (fold(name), fold(c)) not in volatile
        ]
        rows[name] = sorted(
            map(repr, read_rows(conn, name, cols, with_rowid=has_rowid(conn, name)))
        )
    return rows


# SQLite before 3.41 reports false integrity_check problems for tables with generated
# columns ("NULL value in t.c" for some WITHOUT ROWID tables, "non-INTEGER value" for a
# STRICT generated column), so those tables are not checked there.
_GENERATED_CHECK_OK = sqlite3.sqlite_version_info >= (3, 41, 0)


def integrity_problems(
    conn: sqlite3.Connection, spec: SchemaSpec, schema: str = "main"
) -> set[str]:
    """What ``PRAGMA integrity_check`` finds wrong in the tables of ``spec`` (and their indexes)."""
    found: set[str] = set()
    for t in spec.tables:
        if _GENERATED_CHECK_OK or all(c.generated is None for c in t.columns):
            found |= {
                r[0] for r in conn.execute(f"PRAGMA {q(schema)}.integrity_check({q(t.name)})")
            }
    return found - {"ok"}


def clone(conn: sqlite3.Connection) -> sqlite3.Connection:
    copy = connect()
    conn.backup(copy)
    return copy


def differences(got: sqlkeel.Schema, want: sqlkeel.Schema) -> str:
    try:
        from sqlkeel.diff.compare import describe_differences

        return "\n".join(describe_differences(got, want))
    except Exception:  # diagnostics only
        return f"{got!r}\n!=\n{want!r}"


# --- filling schema A with rows -----------------------------------------------------------------


def _key_columns(
    spec: SchemaSpec, fk_parent: TableSpec, parent_cols: list[int] | None
) -> list[str]:
    names = spec.names()
    if parent_cols is None:
        assert fk_parent.pk is not None
        parent_cols = fk_parent.pk.cols
    return [names[u] for u in parent_cols]


def populate(conn: sqlite3.Connection, spec: SchemaSpec, data: st.DataObject) -> None:
    """Insert random rows, one transaction each, keeping those SQLite accepts; then maybe
    update and delete one (firing triggers and FK actions, leaving gaps in the rowids)."""
    names = spec.names()
    fts_fed = {u for f in spec.fts for u in f.ext_columns}
    for t in spec.tables:
        alias = t.rowid_alias()
        for _ in range(data.draw(st.integers(0, 5), label=f"rows of {t.name}")):
            values: dict[int | str, Any] = {}
            for fk in t.fks:
                parent = spec.table(fk.parent)
                if parent is None or not data.draw(st.integers(0, 9)) < 8:
                    continue
                key = _key_columns(spec, parent, fk.parent_cols)
                found = conn.execute(
                    f"SELECT {', '.join(q(k) for k in key)} FROM {q(parent.name)}"
                ).fetchall()
                if found:
                    row = found[data.draw(st.integers(0, len(found) - 1))]
                    values.update(zip(fk.cols, row, strict=True))
            if alias is None and not t.without_rowid and data.draw(st.integers(0, 2)) == 0:
                values["_rowid_"] = data.draw(st.integers(-3, 50), label="rowid")
            for c in t.plain_columns():
                if c.uid in values:
                    continue
                if c is alias and data.draw(st.booleans()):
                    continue  # let SQLite choose the rowid
                if c.default is not None and data.draw(st.integers(0, 3)) == 0:
                    continue  # the default applies
                if c.uid in fts_fed and data.draw(st.integers(0, 3)) > 0:
                    values[c.uid] = data.draw(fts_values(), label=c.name)
                else:
                    values[c.uid] = data.draw(column_values(c.type), label=c.name)
            cols = ", ".join(u if isinstance(u, str) else q(names[u]) for u in values)
            sql = (
                f"INSERT INTO {q(t.name)} ({cols}) VALUES ({', '.join('?' * len(values))})"
                if values
                else f"INSERT INTO {q(t.name)} DEFAULT VALUES"
            )
            # A's constraints or a trigger refuse it (or a parent key is not valid UTF-8).
            with contextlib.suppress(sqlite3.DatabaseError, UnicodeEncodeError):
                conn.execute(sql, list(values.values()))
    for f in spec.fts:
        if f.content is not None:
            continue
        for _ in range(data.draw(st.integers(0, 3), label=f"rows of {f.name}")):
            cols = ["rowid"] * data.draw(st.booleans()) + [q(n) for _, n in f.columns]
            vals = [
                data.draw(st.integers(1, 60)) if c == "rowid" else data.draw(fts_values())
                for c in cols
            ]
            with contextlib.suppress(sqlite3.DatabaseError):  # a rowid drawn twice
                conn.execute(
                    f"INSERT INTO {q(f.name)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    vals,
                )
    rowid_tables = [t for t in spec.tables if not t.without_rowid]
    if not rowid_tables:
        return
    if data.draw(st.integers(0, 2)) == 0:
        t = rowid_tables[data.draw(st.integers(0, len(rowid_tables) - 1))]
        c = t.plain_columns()[data.draw(st.integers(0, len(t.plain_columns()) - 1))]
        value = data.draw(fts_values() if c.uid in fts_fed else column_values(c.type))
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute(
                f"UPDATE {q(t.name)} SET {q(c.name)} = ? WHERE _rowid_ = "
                f"(SELECT _rowid_ FROM {q(t.name)} ORDER BY _rowid_ LIMIT 1 OFFSET ?)",
                (value, data.draw(st.integers(0, 4))),
            )
    if data.draw(st.integers(0, 2)) == 0:
        t = rowid_tables[data.draw(st.integers(0, len(rowid_tables) - 1))]
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute(
                f"DELETE FROM {q(t.name)} WHERE _rowid_ = "
                f"(SELECT _rowid_ FROM {q(t.name)} ORDER BY _rowid_ LIMIT 1 OFFSET ?)",
                (data.draw(st.integers(0, 4)),),
            )


# --- the oracle -------------------------------------------------------------------------------


@dataclass
class Expected:
    """What B must hold after the migration, or why A's rows cannot be in B at all."""

    problem: str | None = None
    rows: dict[str, list[Row]] = field(default_factory=dict)  # folded B table → rows
    by_rowid: dict[str, bool] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    # integrity_check problems of B built from scratch with these rows.
    integrity: set[str] = field(default_factory=set)
    # Positions of B columns that A did not have (defaults, generated values): compared
    # loosely, because SQLite 3.40's ADD COLUMN gives old rows DEFAULT TRUE as the integer 1
    # in a TEXT column, where an INSERT stores '1'.
    new_columns: dict[str, set[int]] = field(default_factory=dict)


def oracle(conn: sqlite3.Connection, pair: SchemaPair) -> Expected:
    """Copy A's rows into a fresh B the way a rebuild does, without sqlkeel.

    A copy of A is ``main``; B's tables and indexes are created in an attached database
    ``b``; each B table that continues an A table is filled with one ``INSERT … SELECT`` of
    its kept columns (renames followed, rowids kept), so values never leave SQLite.
    """
    oc = clone(conn)
    oc.execute("PRAGMA foreign_keys = OFF")
    oc.execute("ATTACH ':memory:' AS b")
    try:
        for sql in storage_statements(pair.b_spec, "b"):
            oc.execute(sql)
        expected = Expected()
        for bt in pair.b_spec.tables:
            key = fold(bt.name)
            a_name = pair.table_map.get(key)
            if a_name is None:
                continue
            mapped = [
                (b, pair.column_map[(key, fold(b))])
                for b, hidden in columns_of(oc, bt.name, "b")
                if hidden == 0 and (key, fold(b)) in pair.column_map
            ]
            alias = bt.rowid_alias()
            alias_copied = alias is not None and any(fold(b) == fold(alias.name) for b, _ in mapped)
            a_rowid = has_rowid(conn, a_name)
            with_rowid = a_rowid and not bt.without_rowid and not alias_copied
            targets = ["_rowid_"] * with_rowid + [q(b) for b, _ in mapped]
            sources = ["_rowid_"] * with_rowid + [q(a) for _, a in mapped]
            order = " ORDER BY _rowid_" if a_rowid else ""
            into = f"b.{q(bt.name)}"
            sql = (
                f"INSERT INTO {into} ({', '.join(targets)}) SELECT {', '.join(sources)} "
                f"FROM main.{q(a_name)}{order}"
                if targets
                else f"INSERT INTO {into} DEFAULT VALUES"
            )
            rows = (
                1 if targets else oc.execute(f"SELECT count(*) FROM main.{q(a_name)}").fetchone()[0]
            )
            try:
                for _ in range(rows):
                    oc.execute(sql)
            except sqlite3.DatabaseError as exc:
                return Expected(problem=f"A's rows of {a_name!r} do not fit B's {bt.name!r}: {exc}")
        violations = oc.execute("PRAGMA b.foreign_key_check").fetchall()
        if violations:
            return Expected(problem=f"A's rows violate B's foreign keys: {violations!r}")
        for bt in pair.b_spec.tables:
            key = fold(bt.name)
            cols = [
                c for c, _ in columns_of(oc, bt.name, "b") if (key, fold(c)) not in pair.volatile
            ]
            a_name = pair.table_map.get(key)
            keyed = not bt.without_rowid and (a_name is None or has_rowid(conn, a_name))
            expected.columns[key] = cols
            expected.by_rowid[key] = keyed
            expected.rows[key] = read_rows(oc, bt.name, cols, with_rowid=keyed, schema="b")
            expected.new_columns[key] = {
                i + keyed for i, c in enumerate(cols) if (key, fold(c)) not in pair.column_map
            }
        expected.integrity = integrity_problems(oc, pair.b_spec, "b")
        return expected
    finally:
        oc.close()


def impossible_not_null(conn: sqlite3.Connection, pair: SchemaPair) -> list[str]:
    """B columns that are NOT NULL without a default and new in a table that has rows."""
    found = []
    for bt in pair.b_spec.tables:
        key = fold(bt.name)
        a_name = pair.table_map.get(key)
        if a_name is None or conn.execute(f"SELECT 1 FROM {q(a_name)} LIMIT 1").fetchone() is None:
            continue
        alias = bt.rowid_alias()
        for c in bt.columns:
            if (key, fold(c.name)) in pair.column_map or c.generated is not None:
                continue
            if not c.notnull or c.default not in (None, "NULL"):
                continue
            if c is alias and has_rowid(conn, a_name):
                continue  # filled from the rowid
            found.append(f"{bt.name}.{c.name}")
    return found


def lost_data(conn: sqlite3.Connection, pair: SchemaPair) -> list[str]:
    """Tables and columns of A that hold rows and that B does not keep."""
    kept_tables = {fold(a): b for b, a in pair.table_map.items()}
    kept_columns = {(fold(pair.table_map[t]), fold(a)) for (t, _), a in pair.column_map.items()}
    lost = []
    for at in pair.a_spec.tables:
        if conn.execute(f"SELECT 1 FROM {q(at.name)} LIMIT 1").fetchone() is None:
            continue
        if fold(at.name) not in kept_tables:
            lost.append(f"table {at.name}")
            continue
        for c in at.plain_columns():
            if (fold(at.name), fold(c.name)) not in kept_columns:
                lost.append(f"column {at.name}.{c.name}")
    kept_fts = {fold(a) for a in pair.fts_map.values()}
    for f in pair.a_spec.fts:
        has_rows = conn.execute(f"SELECT 1 FROM {q(f.name)} LIMIT 1").fetchone() is not None
        if f.content is None and fold(f.name) not in kept_fts and has_rows:
            lost.append(f"fts {f.name}")
    return lost


# --- full-text checks ---------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]+")


def fts_rows(conn: sqlite3.Connection, name: str) -> dict[int, dict[str, Any]]:
    cols = [c for c, hidden in columns_of(conn, name) if hidden == 0]
    return {
        r[0]: dict(zip([fold(c) for c in cols], r[1:], strict=True))
        for r in conn.execute(
            f"SELECT rowid, {', '.join(q(c) for c in cols)} FROM {q(name)} ORDER BY rowid"
        )
    }


def check_fts(conn: sqlite3.Connection, pair: SchemaPair, before: dict[str, Any]) -> None:
    a_fts = {fold(f.name): f for f in pair.a_spec.fts}
    for f in pair.b_spec.fts:
        a_name = pair.fts_map.get(fold(f.name))
        if a_name is None:
            continue  # a new full-text table: nothing of A's to find
        conn.execute(f"INSERT INTO {q(f.name)}({q(f.name)}) VALUES ('integrity-check')")
        if f.content is not None:
            conn.execute(
                f"INSERT INTO {q(f.name)}({q(f.name)}, rank) VALUES ('integrity-check', 1)"
            )
        rows = fts_rows(conn, f.name)
        af = a_fts[fold(a_name)]
        if f.content is None and af.content is None:
            old = before[fold(a_name)]
            assert set(rows) == set(old), f"FTS5 {f.name!r}: rowids {sorted(rows)} != {sorted(old)}"
            for rowid, values in old.items():
                for col, value in values.items():
                    if col in rows[rowid]:
                        assert rows[rowid][col] == value, (
                            f"FTS5 {f.name!r} rowid {rowid} column {col!r}: "
                            f"{rows[rowid][col]!r} != {value!r}"
                        )
        unindexed = {fold(n) for u, n in f.columns if u in f.unindexed}
        for word in VOCABULARY:
            holding = {
                rowid
                for rowid, values in rows.items()
                if any(
                    isinstance(v, str) and word in {w.lower() for w in _WORD.findall(v)}
                    for c, v in values.items()
                    if c not in unindexed
                )
            }
            if not holding:
                continue
            found = {
                r[0]
                for r in conn.execute(
                    f"SELECT rowid FROM {q(f.name)} WHERE {q(f.name)} MATCH ?", (f'"{word}"',)
                )
            }
            assert holding <= found, (
                f"FTS5 {f.name!r} no longer finds {word!r} in rowids {sorted(holding - found)}"
            )


# --- the property -------------------------------------------------------------------------------


def _script_fails_cleanly(copy: sqlite3.Connection, script: str, before: dict[str, Any]) -> None:
    try:
        copy.executescript(script)
    except sqlite3.DatabaseError:
        if copy.in_transaction:
            copy.execute("ROLLBACK")
    else:
        raise AssertionError("plan.sql() ran through on rows that B's constraints reject")
    assert snapshot(copy) == before, "the failed plan.sql() left the copy changed"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pair=schema_pairs(), data=st.data())
def test_plan_converges_and_keeps_every_row(pair: SchemaPair, data: st.DataObject) -> None:
    for kind in pair.edits:
        event(f"edit: {kind}")
    if pair.independent:
        event("independent pair")
    conn = connect()
    conn.executescript(pair.a_sql)
    a_schema = schema_from_sql(pair.a_sql)
    assert read_schema(conn) == a_schema, "schema A reads differently from a database and from SQL"
    populate(conn, pair.a_spec, data)
    rows_in_a = sum(
        conn.execute(f"SELECT count(*) FROM {q(t.name)}").fetchone()[0] for t in pair.a_spec.tables
    )
    event(f"rows in A: {'none' if not rows_in_a else '1-5' if rows_in_a <= 5 else 'over 5'}")
    for f in pair.a_spec.fts:
        if f.content is not None:  # the sync triggers kept the index in step (sanity)
            conn.execute(
                f"INSERT INTO {q(f.name)}({q(f.name)}, rank) VALUES ('integrity-check', 1)"
            )
    b_schema = schema_from_sql(pair.b_sql)
    before = snapshot(conn)
    copy = clone(conn)
    fts_before = {
        fold(f.name): fts_rows(conn, f.name) for f in pair.a_spec.fts if f.content is None
    }
    a_sequences = {}
    if any(t.pk is not None and t.pk.autoincrement for t in pair.a_spec.tables):
        a_sequences = {fold(n): s for n, s in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    expected = oracle(conn, pair)
    note(f"oracle: {expected.problem or 'A rows fit B'}")
    impossible = impossible_not_null(conn, pair)

    try:
        plan = sqlkeel.plan(conn, b_schema, renames=list(pair.renames) or None)
    except sqlkeel.ImpossibleChangeError as exc:
        event("outcome: ImpossibleChangeError")
        assert impossible, f"ImpossibleChangeError, but nothing in B is impossible: {exc}"
        assert expected.problem is not None
        assert snapshot(conn) == before
        return
    note(f"plan:\n{plan.sql()}")
    assert not impossible, (
        f"B adds NOT NULL columns without default to tables with rows: {impossible}"
    )
    assert snapshot(conn) == before, "planning changed the database"
    lost = lost_data(conn, pair)
    if lost:
        assert plan.lossy, f"the plan deletes {lost} but does not say it is destructive"
    plan.require_safe(allow_destructive=True)

    try:
        plan.apply(conn)
        failure: Exception | None = None
    except (sqlite3.DatabaseError, sqlkeel.SqlkeelError) as exc:
        failure = exc

    if expected.problem is not None:
        assert failure is not None, (
            f"A's rows do not fit B ({expected.problem}), yet the plan applied; "
            f"integrity_check: {conn.execute('PRAGMA integrity_check').fetchall()}, "
            f"foreign_key_check: {conn.execute('PRAGMA foreign_key_check').fetchall()}"
        )
        event("outcome: B rejects A's rows, apply failed")
        assert snapshot(conn) == before, "a failed apply left the database changed"
        _script_fails_cleanly(copy, plan.sql(), before)
        return
    assert failure is None, f"apply failed although A's rows fit B: {failure!r}"

    event(f"outcome: applied ({'empty plan' if not plan.ops else 'non-empty plan'})")
    # 1. Convergence.
    got = read_schema(conn)
    assert got == b_schema, "the migrated catalog differs from B:\n" + differences(got, b_schema)
    again = sqlkeel.plan(conn, b_schema)
    assert not again.ops, f"a second plan is not empty:\n{again.sql()}"
    # 2. Every row and value: exactly what the oracle put into B.
    for bt in pair.b_spec.tables:
        key = fold(bt.name)
        got_rows = read_rows(
            conn, bt.name, expected.columns[key], with_rowid=expected.by_rowid[key]
        )
        want = expected.rows[key]
        got_rows, want = (
            loosen(got_rows, expected.new_columns[key]),
            loosen(want, expected.new_columns[key]),
        )
        if not expected.by_rowid[key]:
            got_rows, want = sorted(got_rows, key=repr), sorted(want, key=repr)
        assert got_rows == want, (
            f"rows of {bt.name!r} (columns {['_rowid_'] * expected.by_rowid[key] + expected.columns[key]}):\n"
            f"  got  {got_rows!r}\n  want {want!r}"
        )
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    problems = integrity_problems(conn, pair.b_spec)
    assert problems <= expected.integrity, f"integrity_check after the migration: {problems}"
    # AUTOINCREMENT counters survive.
    for bt in pair.b_spec.tables:
        a_name = pair.table_map.get(fold(bt.name))
        if bt.pk is None or not bt.pk.autoincrement or a_name is None:
            continue
        if fold(a_name) in a_sequences:
            b_sequences = {
                fold(n): s for n, s in conn.execute("SELECT name, seq FROM sqlite_sequence")
            }
            seq = b_sequences.get(fold(bt.name))
            assert seq is not None and seq >= a_sequences[fold(a_name)], (
                f"AUTOINCREMENT counter of {bt.name!r}: {seq} < {a_sequences[fold(a_name)]}"
            )
    # 3. Full-text tables.
    check_fts(conn, pair, fts_before)
    # 4. The script is the same migration.
    copy.executescript(plan.sql())
    assert snapshot(copy, pair.volatile) == snapshot(conn, pair.volatile), (
        "plan.sql() and plan.apply() give different databases"
    )


# --- what the property found, as fixed cases ------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A minimal case the property found: A with rows, B, and what must come of it.

    ``rows`` maps a table of B to its exact contents after the migration
    (``SELECT * … ORDER BY 1``); ``refused`` means B cannot hold A's rows, so applying must
    fail and change nothing; ``impossible`` that planning must already refuse, with
    :class:`sqlkeel.ImpossibleChangeError`.
    """

    a_sql: str
    b_sql: str
    inserts: tuple[str, ...] = ()
    renames: tuple[str, ...] = ()
    rows: dict[str, list[Row]] = field(default_factory=dict)
    refused: bool = False
    impossible: bool = False


FINDINGS = {
    "table name with a dot: dropped": Finding('CREATE VIRTUAL TABLE "a." USING fts5(x);', ""),
    "table name with a dot: column added": Finding(
        'CREATE TABLE "t.x"(a);',
        'CREATE TABLE "t.x"(a, b);',
        ('INSERT INTO "t.x" VALUES (1)',),
        rows={"t.x": [(1, None)]},
    ),
    "ADD COLUMN with an expression default SQLite calls non-constant": Finding(
        "CREATE TABLE t(a);",
        "CREATE TABLE t(a, b DEFAULT (1 + 2), c DEFAULT ('a' || 'b'));",
        ("INSERT INTO t VALUES (1)",),
        rows={"t": [(1, 3, "ab")]},
    ),
    "no column kept: the rows stay": Finding(
        "CREATE TABLE b(x PRIMARY KEY) WITHOUT ROWID;",
        "CREATE TABLE b(y);",
        ("INSERT INTO b VALUES (1), (2)",),
        rows={"b": [(None,), (None,)]},
    ),
    "no column kept, and B cannot hold the rows": Finding(
        "CREATE TABLE b(x);",
        "CREATE TABLE b(y PRIMARY KEY) WITHOUT ROWID;",
        ("INSERT INTO b VALUES (1), (2)",),
        refused=True,
    ),
    "renamed table gains a NOT NULL column without default": Finding(
        "CREATE TABLE t(a);",
        "CREATE TABLE u( -- sqlkeel: renamed-from t\n  a, b NOT NULL);",
        ("INSERT INTO t VALUES (1)",),
        refused=True,
        impossible=True,
    ),
    "renamed table gains a column with a non-constant default": Finding(
        "CREATE TABLE t(a);",
        "CREATE TABLE u(a, b DEFAULT (lower('X')));",
        ("INSERT INTO t VALUES (1)",),
        renames=("t=u",),
        rows={"u": [(1, "x")]},
    ),
    "STRICT column added with a default of the wrong type": Finding(
        "CREATE TABLE t(a INTEGER) STRICT;",
        "CREATE TABLE t(a INTEGER, b INTEGER DEFAULT 1.5) STRICT;",
        ("INSERT INTO t VALUES (1)",),
        refused=True,
    ),
    "column rename SQLite refuses natively": Finding(
        "CREATE TABLE t(a INTEGER, b, g AS (a + 1), PRIMARY KEY (a), UNIQUE (a, b)) WITHOUT ROWID;",
        "CREATE TABLE t(c INTEGER, b, g AS (c + 1), PRIMARY KEY (c), UNIQUE (c, b)) WITHOUT ROWID;",
        ("INSERT INTO t(a, b) VALUES (1, 2)",),
        renames=("t.a=c",),
        rows={"t": [(1, 2, 2)]},
    ),
    "TEXT column added with DEFAULT TRUE": Finding(
        "CREATE TABLE t(a);",
        "CREATE TABLE t(a, b TEXT DEFAULT TRUE);",
        ("INSERT INTO t VALUES (1)",),
        rows={"t": [(1, "1")]},
    ),
}


@pytest.mark.parametrize("finding", FINDINGS.values(), ids=FINDINGS.keys())
def test_property_finding(finding: Finding) -> None:
    conn = connect()
    conn.executescript(finding.a_sql)
    for sql in finding.inserts:
        conn.execute(sql)
    before = snapshot(conn)
    b_schema = schema_from_sql(finding.b_sql)
    try:
        plan = sqlkeel.plan(conn, b_schema, renames=list(finding.renames) or None)
        plan.apply(conn)
    except sqlkeel.ImpossibleChangeError:
        assert finding.refused, "ImpossibleChangeError for a change B can hold"
        assert snapshot(conn) == before
        return
    except (sqlite3.DatabaseError, sqlkeel.ApplyError):
        if not finding.refused or finding.impossible:
            raise
        assert snapshot(conn) == before, "a failed apply left the database changed"
        return
    assert not finding.refused, (
        "B cannot hold A's rows, yet the plan applied: "
        f"{conn.execute('PRAGMA integrity_check').fetchall()}, {snapshot(conn)}"
    )
    got = read_schema(conn)
    assert got == b_schema, differences(got, b_schema)
    assert not sqlkeel.plan(conn, b_schema).ops
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for table, want in finding.rows.items():
        assert conn.execute(f"SELECT * FROM {q(table)} ORDER BY 1").fetchall() == want
