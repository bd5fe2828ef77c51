"""Fill the tables of a SQLite database with a few valid rows, best effort, for tests.

The corpus convergence runner (``corpus_runner.py``) needs populated databases: a plan that
is only ever applied to empty tables proves nothing about data. This module owns

* :func:`inspect_tables` — ordinary and virtual tables read with PRAGMAs only. It does not use
  sqlkeel's catalog on purpose: the rows that are meant to expose a catalog or planner bug must
  not be shaped by that same code.
* :func:`fill_database` — a few rows per table: values that fit the declared type (and STRICT
  types), NOT NULL, UNIQUE (every row gets distinct values), CHECK literals (``IN ('a', 'b')``)
  and foreign keys (parents are filled first, children take existing parent keys; it runs
  with ``PRAGMA foreign_keys=ON`` so that every row it keeps is valid). Several candidate rows
  are tried and the ones SQLite refuses are skipped; a table that cannot be filled stays
  empty and is reported. Generated columns are never written; FTS tables get rows too
  (external-content ones are rebuilt from their content table).

Imports nothing from sqlkeel.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

ROWS_PER_TABLE = 4
ATTEMPTS_PER_ROW = 24

FTS_MODULES = frozenset({"fts3", "fts4", "fts5"})


def quote(name: str) -> str:
    """An identifier quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def fold(name: str) -> str:
    """SQLite's identifier folding (ASCII case only)."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in name)


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column as ``PRAGMA table_xinfo`` reports it."""

    name: str
    type: str
    notnull: bool
    default: str | None
    pk: int
    hidden: int

    @property
    def key(self) -> str:
        return fold(self.name)

    @property
    def generated(self) -> bool:
        return self.hidden in (2, 3)

    @property
    def null_default(self) -> bool:
        return self.default is None or self.default.strip().upper() == "NULL"


@dataclass(frozen=True, slots=True)
class ForeignKeyInfo:
    """One foreign key: child columns → parent table (and its columns, empty = its primary key)."""

    parent: str
    columns: tuple[str, ...]
    parent_columns: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class ExtraConstraints:
    """Constraints the rows of one table should also meet (another schema's, in this one's names).

    A foreign key whose ``parent`` is ``""`` points at a table that does not exist here: its
    columns are left NULL where they may be.
    """

    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableInfo:
    """An ordinary or virtual table, read with PRAGMAs."""

    name: str
    sql: str
    virtual: bool
    columns: tuple[ColumnInfo, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    strict: bool = False
    without_rowid: bool = False
    checks: tuple[str, ...] = ()
    module: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return fold(self.name)

    def column(self, name: str) -> ColumnInfo | None:
        key = fold(name)
        return next((c for c in self.columns if c.key == key), None)

    @property
    def stored_columns(self) -> tuple[ColumnInfo, ...]:
        """Columns that hold written values (not generated, not an FTS hidden column)."""
        return tuple(c for c in self.columns if c.hidden == 0)

    @property
    def rowid_alias(self) -> str | None:
        """The folded name of the INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        if self.virtual or self.without_rowid:
            return None
        pks = [c for c in self.columns if c.pk > 0]
        if len(pks) != 1 or pks[0].type.strip().upper() != "INTEGER":
            return None
        return pks[0].key

    @property
    def rowid_name(self) -> str | None:
        """A name that reads the rowid (not shadowed by a column), or None for WITHOUT ROWID."""
        if self.without_rowid:
            return None
        names = {c.key for c in self.columns}
        return next((n for n in ("rowid", "_rowid_", "oid") if n not in names), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(
            c.name for c in sorted((c for c in self.columns if c.pk > 0), key=lambda c: c.pk)
        )


# --- reading the schema -----------------------------------------------------------------------


def _balanced(text: str, start: int) -> str:
    """The text inside the parenthesis that opens at ``start`` (string literals respected)."""
    depth = 0
    i = start
    quote_char = ""
    while i < len(text):
        ch = text[i]
        if quote_char:
            if ch == quote_char:
                quote_char = ""
        elif ch in "'\"`[":
            quote_char = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        i += 1
    return text[start + 1 :]


def check_expressions(sql: str) -> tuple[str, ...]:
    """The expressions of every CHECK constraint of a CREATE TABLE statement (rough scan)."""
    found = []
    for m in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        found.append(_balanced(sql, m.end() - 1))
    return tuple(found)


def _module_and_options(sql: str) -> tuple[str, dict[str, str]]:
    m = re.search(
        r"\bUSING\s+([A-Za-z_0-9]+)\s*(\((.*)\))?\s*;?\s*$", sql, re.IGNORECASE | re.DOTALL
    )
    if not m:
        return "", {}
    module = m.group(1).lower()
    options: dict[str, str] = {}
    for om in re.finditer(
        r"\b([A-Za-z_]+)\s*=\s*('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^,)\s]+)", m.group(3) or ""
    ):
        value = om.group(2)
        if value[:1] in "'\"":
            value = value[1:-1].replace(value[0] * 2, value[0])
        options[om.group(1).lower()] = value
    return module, options


def inspect_tables(conn: sqlite3.Connection) -> dict[str, TableInfo]:
    """Every ordinary and virtual table of ``main`` (folded name → info), shadow tables excluded."""
    listed = conn.execute(
        "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'"
    ).fetchall()
    sql_of = dict(
        conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").fetchall()
    )
    tables: dict[str, TableInfo] = {}
    for name, typ, wr, strict in listed:
        if typ not in ("table", "virtual") or fold(name).startswith("sqlite_"):
            continue
        sql = sql_of.get(name) or ""
        virtual = typ == "virtual"
        columns = tuple(
            ColumnInfo(
                name=r[1], type=r[2] or "", notnull=bool(r[3]), default=r[4], pk=r[5], hidden=r[6]
            )
            for r in conn.execute(f"PRAGMA table_xinfo({quote(name)})")
        )
        fks: dict[int, list[tuple[str, str, str | None]]] = {}
        if not virtual:
            for r in conn.execute(f"PRAGMA foreign_key_list({quote(name)})"):
                fks.setdefault(r[0], []).append((r[2], r[3], r[4]))
        module, options = _module_and_options(sql) if virtual else ("", {})
        tables[fold(name)] = TableInfo(
            name=name,
            sql=sql,
            virtual=virtual,
            columns=columns,
            foreign_keys=tuple(
                ForeignKeyInfo(
                    parent=parts[0][0],
                    columns=tuple(p[1] for p in parts),
                    parent_columns=tuple(p[2] for p in parts),
                )
                for _, parts in sorted(fks.items())
            ),
            strict=bool(strict),
            without_rowid=bool(wr),
            checks=check_expressions(sql) if not virtual else (),
            module=module,
            options=options,
        )
    return tables


def count_rows(conn: sqlite3.Connection, table: TableInfo) -> int:
    if table.virtual and table.module in FTS_MODULES and table.options.get("content") == "":
        # A contentless index cannot be counted with count(*) on old versions; use its rowids.
        return len(conn.execute(f"SELECT rowid FROM {quote(table.name)}").fetchall())
    return int(conn.execute(f"SELECT count(*) FROM {quote(table.name)}").fetchone()[0])


# --- values ----------------------------------------------------------------------------------


def affinity(declared: str) -> str:
    """SQLite's column affinity rules (datatype3 §3.1): INTEGER, TEXT, BLOB, REAL or NUMERIC."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _mentions(expr: str, name: str) -> bool:
    return (
        re.search(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])", expr, re.IGNORECASE) is not None
    )


def _literals(exprs: Iterable[str]) -> list[object]:
    values: list[object] = []
    for expr in exprs:
        for m in re.finditer(r"'((?:[^']|'')*)'|(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w.])", expr):
            if m.group(1) is not None:
                values.append(m.group(1).replace("''", "'"))
            else:
                text = m.group(2)
                values.append(float(text) if "." in text else int(text))
    return values


_TIME_WORDS = ("_at", "date", "time", "timestamp", "_on", "expires", "seen", "when")


class _ColumnValues:
    """Candidate values for one column."""

    def __init__(
        self, table: TableInfo, col: ColumnInfo, position: int, extra_checks: tuple[str, ...] = ()
    ) -> None:
        self.col = col
        # Numbers differ from column to column too, so that values that land in the wrong
        # column of a copied row are noticed.
        self.position = position
        self.offset = 100 * position
        self.name = col.name
        lname = col.name.lower()
        declared = col.type.strip().upper()
        if table.strict:
            kind = {
                "INT": "INTEGER",
                "INTEGER": "INTEGER",
                "REAL": "REAL",
                "TEXT": "TEXT",
                "BLOB": "BLOBX",
            }
            self.kind = kind.get(declared, "TEXT")
        else:
            self.kind = affinity(declared)
            if self.kind == "BLOB" and "BLOB" in declared:
                self.kind = "BLOBX"
            if self.kind == "NUMERIC":
                if "BOOL" in declared:
                    self.kind = "BOOL"
                elif "DATE" in declared or "TIME" in declared:
                    self.kind = "DATETEXT"
        self.timeish = any(w in lname for w in _TIME_WORDS)
        # Only a declared BOOLEAN gets 0/1: an "integer" flag column keeps distinct values, so
        # that a UNIQUE index added on it later does not fail on the test's own rows.
        self.boolish = self.kind == "BOOL"
        checks = [c for c in (*table.checks, *extra_checks) if _mentions(c, col.name)]
        self.jsonish = "json" in lname or any("json" in c.lower() for c in checks)
        self.literals = _literals(checks)
        if table.strict:
            self.literals = [v for v in self.literals if self._strict_ok(v)]
        # CHECK (x IN ('a', 'b')): the listed values are the only good ones.
        in_list = [
            c
            for c in checks
            if re.search(
                r"(?<![\w$])" + re.escape(col.name) + r"[`\"\]]?\s+IN\s*\(", c, re.IGNORECASE
            )
        ]
        enumerated = _literals(in_list)
        if table.strict:
            enumerated = [v for v in enumerated if self._strict_ok(v)]
        self.enumerated = enumerated

    def _strict_ok(self, value: object) -> bool:
        if self.kind == "INTEGER":
            return isinstance(value, int)
        if self.kind == "REAL":
            return isinstance(value, (int, float))
        if self.kind == "TEXT":
            return isinstance(value, str)
        if self.kind == "BLOBX":
            return isinstance(value, bytes)
        return True

    def base(self, i: int) -> object:
        """The first-choice value for row ``i``: plain, non-NULL, distinct per row."""
        if self.enumerated:
            return self.enumerated[i % len(self.enumerated)]
        if self.boolish:
            return i % 2
        if self.kind == "INTEGER":
            return (
                1_700_000_000_000 + 1000 * self.offset + i if self.timeish else self.offset + i + 1
            )
        if self.kind == "REAL":
            return self.offset + i + 1.5
        if self.kind == "NUMERIC":
            return self.offset + i + 1
        month, hour = self.position % 12 + 1, self.position % 24
        if self.kind == "DATETEXT":
            return f"2024-{month:02d}-{i % 28 + 1:02d} {hour:02d}:00:00"
        if self.kind == "BLOBX":
            return bytes([i % 256, self.position % 256, 0x00, 0x7F])
        if self.jsonish:
            return f'{{"n": {i + 1}, "c": {self.position}}}'
        if self.timeish:
            return f"2024-{month:02d}-{i % 28 + 1:02d}T{hour:02d}:00:00.000Z"
        return f"{self.name}-{i + 1}"

    def variant(self, i: int, rng: random.Random, allow_null: bool) -> object:
        """A random alternative for a retry."""
        choices: list[object] = [self.base(i), self.base(i + 10 * rng.randint(1, 50))]
        for v in self.literals:
            choices.append(v)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                choices.extend([v + 1, v - 1])
        if self.kind in ("TEXT", "BLOB", "DATETEXT", "NUMERIC"):
            choices.extend(["[]", "{}", f"x{i}", str(i + 1), i + 1])
        if self.kind in ("INTEGER", "REAL", "NUMERIC", "BOOL"):
            choices.extend([0, 1, i + 1, -(i + 1)])
        if allow_null and not self.col.notnull:
            choices.append(None)
        value = rng.choice(choices)
        return value


# --- filling ---------------------------------------------------------------------------------


@dataclass
class FillReport:
    """What :func:`fill_database` achieved."""

    tables: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def filled(self) -> int:
        return sum(1 for t in self.tables if self.rows.get(t, 0) > 0)

    @property
    def empty(self) -> list[str]:
        return [t for t in self.tables if self.rows.get(t, 0) == 0]


def _parent_order(tables: dict[str, TableInfo]) -> list[str]:
    """Table keys, parents before children (cycles broken arbitrarily, by name)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(key: str) -> None:
        if state.get(key) is not None:
            return
        state[key] = 0
        for fk in tables[key].foreign_keys:
            parent = fold(fk.parent)
            if parent in tables and parent != key and state.get(parent) is None:
                visit(parent)
        state[key] = 1
        order.append(key)

    for key in sorted(tables):
        visit(key)
    return order


def _parent_keys(
    conn: sqlite3.Connection, tables: dict[str, TableInfo], fk: ForeignKeyInfo
) -> list[tuple[object, ...]]:
    parent = tables.get(fold(fk.parent))
    if parent is None or parent.virtual:
        return []
    cols: list[str] = []
    for i, name in enumerate(fk.parent_columns):
        if name is None:
            pk = parent.primary_key
            if pk and i < len(pk):
                cols.append(pk[i])
            elif parent.rowid_name:
                cols.append(parent.rowid_name)
            else:
                return []
        else:
            cols.append(name)
    select = ", ".join(quote(c) for c in cols)
    try:
        return conn.execute(
            f"SELECT DISTINCT {select} FROM {quote(parent.name)} ORDER BY 1 LIMIT 50"
        ).fetchall()
    except sqlite3.Error:
        return []


def _fill_table(
    conn: sqlite3.Connection,
    tables: dict[str, TableInfo],
    table: TableInfo,
    rows: int,
    report: FillReport,
    also: ExtraConstraints,
) -> None:
    alias = table.rowid_alias
    foreign_keys = (*table.foreign_keys, *also.foreign_keys)
    fk_columns = {fold(c) for fk in foreign_keys for c in fk.columns}
    writable = [c for c in table.stored_columns if not (c.key == alias and c.key not in fk_columns)]
    makers = {c.key: _ColumnValues(table, c, n, also.checks) for n, c in enumerate(writable)}
    target = quote(table.name)
    names = ", ".join(quote(c.name) for c in writable)
    marks = ", ".join("?" for _ in writable)
    sql = (
        f"INSERT INTO {target} ({names}) VALUES ({marks})"
        if writable
        else f"INSERT INTO {target} DEFAULT VALUES"
    )
    have = count_rows(conn, table)
    for i in range(have, have + rows):
        for attempt in range(ATTEMPTS_PER_ROW):
            rng = random.Random(f"{table.key}|{i}|{attempt}")
            late = attempt >= ATTEMPTS_PER_ROW // 2
            values: dict[str, object] = {
                c.key: (
                    makers[c.key].base(i) if attempt == 0 else makers[c.key].variant(i, rng, late)
                )
                for c in writable
            }
            for fk in foreign_keys:
                keys = _parent_keys(conn, tables, fk)
                child = [c for c in (table.column(n) for n in fk.columns) if c is not None]
                nullable = not any(c.notnull for c in child)
                if keys and not (late and nullable and rng.random() < 0.3):
                    chosen = keys[(i + attempt) % len(keys)]
                    for c, v in zip(child, chosen, strict=False):
                        values[c.key] = v
                elif nullable:
                    for c in child:
                        values[c.key] = None
            try:
                conn.execute(sql, [values[c.key] for c in writable])
            except sqlite3.Error as exc:
                report.errors[table.key] = f"{type(exc).__name__}: {exc}"
                continue
            break


def _fill_virtual(
    conn: sqlite3.Connection, table: TableInfo, rows: int, report: FillReport
) -> None:
    target = quote(table.name)
    cols = table.stored_columns
    content = table.options.get("content")
    try:
        if table.module in FTS_MODULES and content:
            # External content: the index is rebuilt from its content table.
            conn.execute(f"INSERT INTO {target}({target}) VALUES ('rebuild')")
            return
        names = ", ".join(["rowid", *(quote(c.name) for c in cols)])
        marks = ", ".join("?" for _ in range(len(cols) + 1))
        for i in range(rows):
            if table.module in FTS_MODULES:
                values: list[object] = [f"{c.name} word{i + 1} alpha beta" for c in cols]
            else:  # R*Tree and other numeric modules: increasing numbers keep min <= max.
                values = [float(i + k) for k, _ in enumerate(cols)]
            conn.execute(f"INSERT INTO {target} ({names}) VALUES ({marks})", [1000 + i, *values])
    except sqlite3.Error as exc:
        report.errors[table.key] = f"{type(exc).__name__}: {exc}"


def fill_database(
    conn: sqlite3.Connection,
    *,
    seed: Sequence[str] = (),
    rows: int = ROWS_PER_TABLE,
    also: Mapping[str, ExtraConstraints] | None = None,
) -> FillReport:
    """Insert ``rows`` valid rows per table (best effort); ``seed`` statements run first.

    ``also`` maps folded table names to constraints the rows should meet as well (the target
    schema's, when the rows are meant to survive a migration). Tables that the seed
    statements (or the schema script itself) already filled are left as they are. The
    connection must be in autocommit mode; foreign keys are enforced while filling and the
    previous setting is restored.
    """
    also = also or {}
    fk_before = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        for statement in seed:
            conn.execute(statement)
        tables = inspect_tables(conn)
        report = FillReport(tables=sorted(tables))
        ordinary = {k: t for k, t in tables.items() if not t.virtual}
        # Two passes: a table whose parent was still empty (a cycle, a late parent) retries.
        for _ in range(2):
            for key in _parent_order(ordinary):
                table = ordinary[key]
                if count_rows(conn, table) == 0:
                    _fill_table(
                        conn, tables, table, rows, report, also.get(key, ExtraConstraints())
                    )
        for _key, table in sorted(tables.items()):
            if table.virtual and (count_rows(conn, table) == 0 or table.options.get("content")):
                _fill_virtual(conn, table, min(rows, 2), report)
        for key, table in tables.items():
            report.rows[key] = count_rows(conn, table)
            if report.rows[key]:
                report.errors.pop(key, None)
    finally:
        conn.execute(f"PRAGMA foreign_keys = {int(fk_before)}")
    return report


# --- structure, for comparing two databases without sqlkeel ---------------------------------

_NAME_PREFIX = re.compile(
    r"^\s*CREATE\s+(?:TEMP\w*\s+)?(?:UNIQUE\s+)?(?:VIRTUAL\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?:\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|'(?:[^']|'')+'|[^\s(]+)",
    re.IGNORECASE,
)


def normalized_sql(text: str | None) -> str:
    """SQL text with comments, identifier quotes, case and layout removed (a rough yardstick)."""
    if not text:
        return ""
    text = re.sub(r"--[^\n]*", " ", text)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"[\"`\[\]]", "", text)
    text = " ".join(text.split()).lower()
    return re.sub(r"\s*([(),;=<>+*/|-])\s*", r"\1", text).rstrip(";")


def _body(sql: str | None) -> str:
    """A CREATE statement without ``CREATE … name`` (a renamed object's text stays comparable)."""
    return normalized_sql(_NAME_PREFIX.sub("", sql or "", count=1))


def _default(text: str | None) -> str | None:
    if text is None:
        return None
    return re.sub(r"\s*([(),=<>+*/|-])\s*", r"\1", " ".join(text.split()))


def structure(conn: sqlite3.Connection) -> dict[str, object]:
    """What PRAGMAs say about every object, comparable between two databases.

    Per table: columns in order (name, declared type, NOT NULL, default, primary key position,
    generated), WITHOUT ROWID, STRICT, AUTOINCREMENT, foreign keys and the indexes that its
    constraints create. Indexes, views, triggers and virtual tables: their normalized text.
    Column collations and CHECK constraints are not visible to PRAGMAs and are left out.
    """
    listed = {
        fold(r[0]): r[1:]
        for r in conn.execute(
            "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'"
        )
    }
    out: dict[str, object] = {}
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name"
    ).fetchall()
    for typ, name, tbl_name, sql in rows:
        key = fold(name)
        if key.startswith("sqlite_") or listed.get(key, ("",))[0] == "shadow" or not sql:
            continue
        if typ == "table" and listed.get(key, ("",))[0] == "virtual":
            out[f"virtual table {key}"] = _body(sql)
        elif typ == "table":
            q = quote(name)
            columns = tuple(
                (
                    fold(r[1]),
                    " ".join((r[2] or "").upper().split()),
                    r[3],
                    _default(r[4]),
                    r[5],
                    r[6],
                )
                for r in conn.execute(f"PRAGMA table_xinfo({q})")
            )
            fks: dict[int, list[tuple[object, ...]]] = {}
            for r in conn.execute(f"PRAGMA foreign_key_list({q})"):
                fks.setdefault(r[0], []).append(
                    (fold(r[2]), fold(r[3]), fold(r[4]) if r[4] else None, r[5], r[6], r[7])
                )
            constraint_indexes = []
            for r in conn.execute(f"PRAGMA index_list({q})"):
                if r[3] in ("u", "pk"):
                    cols = tuple(
                        (fold(x[2]) if x[2] else None, x[3], (x[4] or "").upper())
                        for x in conn.execute(f"PRAGMA index_xinfo({quote(r[1])})")
                        if x[5]
                    )
                    constraint_indexes.append((r[2], r[3], cols))
            _, wr, strict = listed.get(key, ("table", 0, 0))
            out[f"table {key}"] = (
                columns,
                bool(wr),
                bool(strict),
                "autoincrement" in normalized_sql(sql),
                tuple(sorted(tuple(v) for v in fks.values())),
                tuple(sorted(constraint_indexes, key=repr)),
            )
        else:
            out[f"{typ} {key}"] = (fold(tbl_name), _body(sql))
    return out


def structure_differences(got: dict[str, object], want: dict[str, object]) -> list[str]:
    """One line per object whose PRAGMA-level structure differs."""
    lines = []
    for key in sorted(got.keys() | want.keys()):
        if key not in want:
            lines.append(f"{key} exists but should not")
        elif key not in got:
            lines.append(f"{key} is missing")
        elif got[key] != want[key]:
            lines.append(f"{key}: is {got[key]!r}, should be {want[key]!r}")
    return lines
