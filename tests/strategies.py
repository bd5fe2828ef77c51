"""Hypothesis strategies: random, valid SQLite schemas as SQL text, and pairs of them.

A schema is first drawn as a small *spec* (plain mutable dataclasses), then rendered to SQL.
Every object, column and view column of a spec carries a stable ``uid``; expressions hold
:class:`Ref` parts that are resolved to the current (quoted) name when rendering. That is what
lets a second schema be *derived* from the first by random edits (renames included) and still
render correct SQL: a renamed column is the same uid under a new name, a dropped one is a uid
that no longer resolves, and :func:`_fixup` removes whatever depended on it.

The strategies build valid schemas by construction rather than by filtering: names are made
unique under SQLite's ASCII case folding, foreign keys only point at a parent's PRIMARY KEY or
UNIQUE columns, STRICT tables get STRICT types, WITHOUT ROWID tables get a primary key, and so
on. Identifiers are deliberately hostile (quotes, spaces, brackets, backticks, keywords,
non-ASCII letters whose case SQLite does *not* fold) and always quoted.

Public entry points: :func:`schema_specs`, :func:`schema_pairs`, :func:`render_sql`,
:func:`column_values`, :class:`SchemaPair`. This module imports nothing from sqlkeel: it is
the independent side of the property tests.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Union

from hypothesis import strategies as st

# --- what this SQLite can do (probed on a private :memory: connection) ----------------------


def _supports(sql: str) -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(sql)
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.close()


STRICT_SUPPORTED = _supports("CREATE TABLE t(a INT) STRICT")
FTS5_SUPPORTED = _supports("CREATE VIRTUAL TABLE t USING fts5(a)")

# --- identifiers ----------------------------------------------------------------------------

_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def fold(name: str) -> str:
    """Fold an identifier the way SQLite compares it (ASCII letters only)."""
    return name.translate(_ASCII_LOWER)


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal."""
    return "'" + text.replace("'", "''") + "'"


# Words and decorations that identifiers are made of. Keywords, mixed case, non-ASCII letters
# whose upper and lower case SQLite treats as *different* names (É/é, Übung/übung), and
# characters that need quoting. "Café"/"café" fold to the same name and never meet.
WORDS = (
    "a", "b", "id", "Name", "select", "order", "group", "table", "from", "where", "index",
    "Users", "café", "Café", "É", "é", "中文", "数据", "Übung", "übung", "key", "values", "x",
    "2",
)  # fmt: skip
# Column names that hide the rowid under one of its names (never all three: "_rowid_" stays).
ROWID_WORDS = ("rowid", "oid")
DECOR = (
    "",
    "",
    "",
    "",
    " 2",
    ' "q"',
    "[b]",
    "`t`",
    " x y",
    "'s",
    ".",
    "=1",
    "é",
    " ",
)

FTS5_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
_RESERVED_PREFIXES = ("sqlite_", "_sqlkeel_", "libsql_")
_RESERVED_NAMES = frozenset(
    {"_litestream_seq", "_litestream_lock", "_cf_kv", "rowid", "oid", "_rowid_", "rank"}
)


def list_hint_ok(*names: str) -> bool:
    """True when names can be written in a ``--rename OLD=NEW`` / ``T.OLD=NEW`` spec."""
    return all(n and n == n.strip() and "=" not in n and "." not in n for n in names)


# --- expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A reference to a named thing (table, column, view, view column) by uid."""

    uid: int


Part = Union[str, Ref]  # noqa: UP007 (a runtime alias must work on Python 3.10 too)
Expr = tuple[Part, ...]


def refs(expr: Expr | None) -> set[int]:
    """The uids an expression refers to."""
    return {p.uid for p in expr if isinstance(p, Ref)} if expr else set()


def render_expr(expr: Expr, names: dict[int, str]) -> str:
    return "".join(q(names[p.uid]) if isinstance(p, Ref) else p for p in expr)


# --- the spec ---------------------------------------------------------------------------------


@dataclass
class CheckSpec:
    name: str | None
    expr: Expr


@dataclass
class ColumnSpec:
    uid: int
    name: str
    type: str = ""
    notnull: bool = False
    default: str | None = None
    collate: str | None = None
    unique: bool = False
    checks: list[CheckSpec] = field(default_factory=list)
    generated: Expr | None = None
    gen_form: str = "virtual"
    # How a rename of this column is announced: in the renames list (else a comment), and
    # whether the list names the table by its old name.
    hint_in_list: bool = False
    hint_old_table: bool = False


@dataclass
class PkSpec:
    cols: list[int]
    desc: list[bool]
    inline: bool
    name: str | None = None
    autoincrement: bool = False


@dataclass
class UniqueSpec:
    name: str | None
    cols: list[int]


@dataclass
class FkSpec:
    name: str | None
    cols: list[int]
    parent: int
    parent_cols: list[int] | None  # None: REFERENCES parent (its primary key)
    on_delete: str | None = None
    on_update: str | None = None
    deferred: bool = False
    inline: bool = False


@dataclass
class TableSpec:
    uid: int
    name: str
    columns: list[ColumnSpec]
    pk: PkSpec | None = None
    uniques: list[UniqueSpec] = field(default_factory=list)
    checks: list[CheckSpec] = field(default_factory=list)
    fks: list[FkSpec] = field(default_factory=list)
    strict: bool = False
    without_rowid: bool = False
    hint_in_list: bool = False

    def column(self, uid: int) -> ColumnSpec | None:
        return next((c for c in self.columns if c.uid == uid), None)

    def plain_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.generated is None]

    def rowid_alias(self) -> ColumnSpec | None:
        """The INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        if self.without_rowid or self.pk is None or len(self.pk.cols) != 1 or any(self.pk.desc):
            return None
        col = self.column(self.pk.cols[0])
        return col if col is not None and col.type.upper() == "INTEGER" else None


@dataclass
class FtsSpec:
    uid: int
    name: str
    columns: list[tuple[int, str]]  # internal content: own columns
    content: int | None = None  # external content: the table's uid
    ext_columns: list[int] = field(default_factory=list)  # external: the table's columns
    rowid_col: int | None = None
    tokenize: str | None = None
    unindexed: set[int] = field(default_factory=set)
    sync_names: list[str] = field(default_factory=list)
    hint_in_list: bool = False


@dataclass
class IndexSpec:
    uid: int
    name: str
    table: int
    unique: bool
    terms: list[Expr]
    where: Expr | None = None


@dataclass
class ViewSpec:
    uid: int
    name: str
    body: Expr
    out: list[tuple[int, str]]
    column_list: bool = False  # CREATE VIEW v(a, b) AS ...


@dataclass
class TriggerSpec:
    uid: int
    name: str
    table: int
    rest: Expr  # everything after the name


@dataclass
class SchemaSpec:
    tables: list[TableSpec] = field(default_factory=list)
    fts: list[FtsSpec] = field(default_factory=list)
    indexes: list[IndexSpec] = field(default_factory=list)
    views: list[ViewSpec] = field(default_factory=list)
    triggers: list[TriggerSpec] = field(default_factory=list)
    next_uid: int = 1
    taken: set[str] = field(default_factory=set)  # folded object names never to reuse
    col_taken: dict[int, set[str]] = field(default_factory=dict)
    lower_keywords: bool = False

    def table(self, uid: int) -> TableSpec | None:
        return next((t for t in self.tables if t.uid == uid), None)

    def names(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for t in self.tables:
            out[t.uid] = t.name
            for c in t.columns:
                out[c.uid] = c.name
        for f in self.fts:
            out[f.uid] = f.name
            for uid, name in f.columns:
                out[uid] = name
        for v in self.views:
            out[v.uid] = v.name
            for uid, name in v.out:
                out[uid] = name
        for obj in (*self.indexes, *self.triggers):
            out[obj.uid] = obj.name
        return out


# --- rendering --------------------------------------------------------------------------------


def _kw(spec: SchemaSpec, text: str) -> str:
    return text.lower() if spec.lower_keywords else text


def _column_sql(
    spec: SchemaSpec, t: TableSpec, c: ColumnSpec, names: dict[int, str], hints: dict[int, str]
) -> str:
    k = lambda s: _kw(spec, s)  # noqa: E731
    parts = [q(c.name)]
    if c.type:
        parts.append(c.type)
    if t.pk is not None and t.pk.inline and t.pk.cols == [c.uid]:
        if t.pk.name is not None:
            parts.append(f"{k('CONSTRAINT')} {q(t.pk.name)}")
        parts.append(k("PRIMARY KEY"))
        if t.pk.autoincrement:
            parts.append(k("AUTOINCREMENT"))
    if c.notnull:
        parts.append(k("NOT NULL"))
    if c.unique:
        parts.append(k("UNIQUE"))
    if c.default is not None:
        parts.append(f"{k('DEFAULT')} {c.default}")
    if c.collate is not None:
        parts.append(f"{k('COLLATE')} {c.collate}")
    for chk in c.checks:
        if chk.name is not None:
            parts.append(f"{k('CONSTRAINT')} {q(chk.name)}")
        parts.append(f"{k('CHECK')} ({render_expr(chk.expr, names)})")
    for fk in t.fks:
        if fk.inline and fk.cols == [c.uid]:
            parts.append(_fk_sql(spec, fk, names, table_level=False))
    if c.generated is not None:
        e = render_expr(c.generated, names)
        parts.append(
            {
                "virtual": f"{k('GENERATED ALWAYS AS')} ({e}) {k('VIRTUAL')}",
                "stored": f"{k('GENERATED ALWAYS AS')} ({e}) {k('STORED')}",
                "always": f"{k('GENERATED ALWAYS AS')} ({e})",
                "short": f"{k('AS')} ({e})",
                "short_stored": f"{k('AS')} ({e}) {k('STORED')}",
            }[c.gen_form]
        )
    return " ".join(parts)


def _fk_sql(spec: SchemaSpec, fk: FkSpec, names: dict[int, str], *, table_level: bool) -> str:
    k = lambda s: _kw(spec, s)  # noqa: E731
    out = f"{k('CONSTRAINT')} {q(fk.name)} " if fk.name is not None else ""
    if table_level:
        out += f"{k('FOREIGN KEY')} ({', '.join(q(names[u]) for u in fk.cols)}) "
    out += f"{k('REFERENCES')} {q(names[fk.parent])}"
    if fk.parent_cols is not None:
        out += f"({', '.join(q(names[u]) for u in fk.parent_cols)})"
    if fk.on_delete:
        out += f" {k('ON DELETE')} {k(fk.on_delete)}"
    if fk.on_update:
        out += f" {k('ON UPDATE')} {k(fk.on_update)}"
    if fk.deferred:
        out += f" {k('DEFERRABLE INITIALLY DEFERRED')}"
    return out


def table_sql(
    spec: SchemaSpec, t: TableSpec, hints: dict[int, str] | None = None, *, schema: str = ""
) -> str:
    """``CREATE TABLE`` for one table; ``hints`` maps uids to ``renamed-from`` names."""
    hints = hints or {}
    names = spec.names()
    k = lambda s: _kw(spec, s)  # noqa: E731
    items: list[tuple[str, int | None]] = [
        (_column_sql(spec, t, c, names, hints), c.uid) for c in t.columns
    ]
    if t.pk is not None and not t.pk.inline:
        terms = ", ".join(
            q(names[u]) + (f" {k('DESC')}" if d else "")
            for u, d in zip(t.pk.cols, t.pk.desc, strict=True)
        )
        if t.pk.autoincrement:
            terms += f" {k('AUTOINCREMENT')}"
        head = f"{k('CONSTRAINT')} {q(t.pk.name)} " if t.pk.name is not None else ""
        items.append((f"{head}{k('PRIMARY KEY')} ({terms})", None))
    for u in t.uniques:
        head = f"{k('CONSTRAINT')} {q(u.name)} " if u.name is not None else ""
        items.append((f"{head}{k('UNIQUE')} ({', '.join(q(names[c]) for c in u.cols)})", None))
    for chk in t.checks:
        head = f"{k('CONSTRAINT')} {q(chk.name)} " if chk.name is not None else ""
        items.append((f"{head}{k('CHECK')} ({render_expr(chk.expr, names)})", None))
    for fk in t.fks:
        if not fk.inline:
            items.append((_fk_sql(spec, fk, names, table_level=True), None))
    lines = [f"{k('CREATE TABLE')} {schema and q(schema) + '.'}{q(t.name)} ("]
    if t.uid in hints:
        lines[0] += f" -- sqlkeel: renamed-from {q(hints[t.uid])}"
    for i, (text, uid) in enumerate(items):
        line = "  " + text + ("," if i < len(items) - 1 else "")
        if uid is not None and uid in hints:
            line += f" -- sqlkeel: renamed-from {q(hints[uid])}"
        lines.append(line)
    options = []
    if t.without_rowid:
        options.append(k("WITHOUT ROWID"))
    if t.strict:
        options.append(k("STRICT"))
    lines.append(")" + (" " + ", ".join(options) if options else ""))
    return "\n".join(lines)


def fts_sql(spec: SchemaSpec, f: FtsSpec, hints: dict[int, str] | None = None) -> str:
    hints = hints or {}
    names = spec.names()
    k = lambda s: _kw(spec, s)  # noqa: E731
    if f.content is None:
        args = [q(n) + (f" {k('UNINDEXED')}" if u in f.unindexed else "") for u, n in f.columns]
    else:
        args = [q(names[u]) for u in f.ext_columns]
        args.append(f"content={lit(names[f.content])}")
        assert f.rowid_col is not None
        args.append(f"content_rowid={lit(names[f.rowid_col])}")
    if f.tokenize is not None:
        args.append(f"tokenize={lit(f.tokenize)}")
    head = f"{k('CREATE VIRTUAL TABLE')} {q(f.name)} {k('USING')} fts5("
    if f.uid in hints:
        head += f" -- sqlkeel: renamed-from {q(hints[f.uid])}\n  "
    return head + ", ".join(args) + ")"


def fts_sync_triggers(spec: SchemaSpec, f: FtsSpec) -> list[str]:
    """The three triggers that keep an external-content FTS5 table in step with its table."""
    if f.content is None:
        return []
    names = spec.names()
    assert f.rowid_col is not None
    k = lambda s: _kw(spec, s)  # noqa: E731
    t, fn, rid = q(names[f.content]), q(f.name), q(names[f.rowid_col])
    cols = [q(names[u]) for u in f.ext_columns]
    collist = ", ".join(["rowid", *cols])

    def vals(prefix: str) -> str:
        return ", ".join([f"{prefix}.{rid}", *(f"{prefix}.{c}" for c in cols)])

    ins = f"{k('INSERT INTO')} {fn}({collist}) {k('VALUES')} ({vals('new')});"
    dele = f"{k('INSERT INTO')} {fn}({fn}, {collist}) {k('VALUES')} ('delete', {vals('old')});"
    n_ins, n_del, n_upd = f.sync_names
    return [
        f"{k('CREATE TRIGGER')} {q(n_ins)} {k('AFTER INSERT ON')} {t} {k('BEGIN')}\n  {ins}\n{k('END')}",
        f"{k('CREATE TRIGGER')} {q(n_del)} {k('AFTER DELETE ON')} {t} {k('BEGIN')}\n  {dele}\n{k('END')}",
        f"{k('CREATE TRIGGER')} {q(n_upd)} {k('AFTER UPDATE ON')} {t} {k('BEGIN')}\n  {dele}\n  {ins}\n{k('END')}",
    ]


def index_sql(spec: SchemaSpec, ix: IndexSpec, *, schema: str = "") -> str:
    names = spec.names()
    k = lambda s: _kw(spec, s)  # noqa: E731
    head = k("CREATE UNIQUE INDEX") if ix.unique else k("CREATE INDEX")
    terms = ", ".join(render_expr(term, names) for term in ix.terms)
    out = (
        f"{head} {schema and q(schema) + '.'}{q(ix.name)} {k('ON')} {q(names[ix.table])} ({terms})"
    )
    if ix.where is not None:
        out += f" {k('WHERE')} {render_expr(ix.where, names)}"
    return out


def view_sql(spec: SchemaSpec, v: ViewSpec) -> str:
    cols = f"({', '.join(q(n) for _, n in v.out)})" if v.column_list else ""
    body = render_expr(v.body, spec.names())
    return f"{_kw(spec, 'CREATE VIEW')} {q(v.name)}{cols} {_kw(spec, 'AS')} {body}"


def trigger_sql(spec: SchemaSpec, tr: TriggerSpec) -> str:
    return f"{_kw(spec, 'CREATE TRIGGER')} {q(tr.name)} {render_expr(tr.rest, spec.names())}"


def render_statements(
    spec: SchemaSpec, hints: dict[int, str] | None = None
) -> list[tuple[str, str]]:
    """Every CREATE statement of the schema as ``(kind, sql)``, in a valid creation order."""
    out: list[tuple[str, str]] = [("table", table_sql(spec, t, hints)) for t in spec.tables]
    for f in spec.fts:
        out.append(("fts", fts_sql(spec, f, hints)))
    for ix in spec.indexes:
        out.append(("index", index_sql(spec, ix)))
    for v in spec.views:
        out.append(("view", view_sql(spec, v)))
    for f in spec.fts:
        out.extend(("trigger", sql) for sql in fts_sync_triggers(spec, f))
    for tr in spec.triggers:
        out.append(("trigger", trigger_sql(spec, tr)))
    return out


def storage_statements(spec: SchemaSpec, schema: str) -> list[str]:
    """The tables and indexes alone, created in the attached database ``schema``."""
    return [table_sql(spec, t, schema=schema) for t in spec.tables] + [
        index_sql(spec, ix, schema=schema) for ix in spec.indexes
    ]


def render_sql(spec: SchemaSpec, hints: dict[int, str] | None = None) -> str:
    """The whole schema as a SQL script."""
    return "".join(sql + ";\n" for _, sql in render_statements(spec, hints))


# --- validity -------------------------------------------------------------------------------

STRICT_TYPES = ("INTEGER", "INT", "TEXT", "REAL", "BLOB", "ANY", "integer", "Text")
TYPES = (
    "", "INTEGER", "TEXT", "INT", "REAL", "BLOB", "NUMERIC", "integer", "VARCHAR(20)",
    "DECIMAL(10, 2)", "BOOLEAN", "DATETIME", "ANY", "double precision", "Text",
)  # fmt: skip
COLLATIONS = ("NOCASE", "RTRIM", "BINARY", "nocase")
DEFAULTS = (
    "0",
    "-1",
    "42",
    "1.5",
    "'x'",
    "'it''s'",
    "'中文'",
    "NULL",
    "TRUE",
    "FALSE",
    "X'00ff'",
    "+7",
    "''",
    "(1 + 2)",
    "('a' || 'b')",
    "(lower('ABC'))",
    "CURRENT_TIMESTAMP",
    "(abs(random()))",
)
VOLATILE_DEFAULTS = frozenset({"CURRENT_TIMESTAMP", "(abs(random()))"})
FK_ACTIONS = (None, "CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT")
TOKENIZERS = (None, "porter unicode61", "unicode61", "porter")
VOCABULARY = ("alpha", "beta", "gamma", "running", "runs", "cats", "cat", "delta", "omega")


def strict_type(t: str) -> str:
    """The STRICT type closest to a declared type."""
    if t.upper() in {s.upper() for s in STRICT_TYPES}:
        return t
    u = t.upper()
    if "INT" in u:
        return "INTEGER"
    if any(w in u for w in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if any(w in u for w in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "BLOB" if u == "BLOB" else "ANY"


def _key_sets(t: TableSpec) -> list[list[int]]:
    """Column lists that a foreign key may reference in ``t``."""
    out: list[list[int]] = []
    if t.pk is not None:
        out.append(list(t.pk.cols))
    out += [list(u.cols) for u in t.uniques]
    out += [[c.uid] for c in t.columns if c.unique]
    return out


def _fk_valid(spec: SchemaSpec, t: TableSpec, fk: FkSpec) -> bool:
    parent = spec.table(fk.parent)
    if parent is None or any(t.column(u) is None for u in fk.cols):
        return False
    if any(t.column(u).generated is not None for u in fk.cols):  # type: ignore[union-attr]
        return False
    if fk.parent_cols is None:
        key = parent.pk.cols if parent.pk is not None else None
    else:
        key = fk.parent_cols
    if key is None or len(key) != len(fk.cols) or any(parent.column(u) is None for u in key):
        return False
    if fk.inline and len(fk.cols) != 1:
        return False
    return any(set(key) == set(s) and len(s) == len(key) for s in _key_sets(parent))


def _fixup(spec: SchemaSpec) -> None:
    """Make a spec valid again after edits: drop whatever lost what it stood on."""
    changed = True
    while changed:
        changed = False
        for t in spec.tables:
            plain = {c.uid for c in t.plain_columns()}
            present = {c.uid for c in t.columns}
            for c in list(t.columns):
                if c.generated is not None and not refs(c.generated) <= plain:
                    t.columns.remove(c)
                    changed = True
            present = {c.uid for c in t.columns}
            for c in t.columns:
                kept = [chk for chk in c.checks if refs(chk.expr) <= present]
                changed |= len(kept) != len(c.checks)
                c.checks = kept
            kept_checks = [chk for chk in t.checks if refs(chk.expr) <= present]
            changed |= len(kept_checks) != len(t.checks)
            t.checks = kept_checks
            kept_u = [u for u in t.uniques if set(u.cols) <= plain]
            changed |= len(kept_u) != len(t.uniques)
            t.uniques = kept_u
            if t.pk is not None and not set(t.pk.cols) <= plain:
                t.pk = None
                changed = True
            if t.pk is not None and t.pk.inline and len(t.pk.cols) != 1:
                t.pk.inline = False
            if t.pk is None and t.without_rowid:
                t.without_rowid = False
            if (
                t.pk is not None
                and t.pk.autoincrement
                and (
                    t.without_rowid or t.rowid_alias() is None or t.rowid_alias().type != "INTEGER"  # type: ignore[union-attr]
                )
            ):
                t.pk.autoincrement = False
            kept_fk = [fk for fk in t.fks if _fk_valid(spec, t, fk)]
            changed |= len(kept_fk) != len(t.fks)
            t.fks = kept_fk
            if t.strict:
                for c in t.columns:
                    c.type = strict_type(c.type)
        for f in list(spec.fts):
            names = spec.names()
            own = {fold(names[u]) for u in f.ext_columns if u in names} | {
                fold(n) for _, n in f.columns
            }
            if own & {fold(f.name), "rowid", "rank"}:
                spec.fts.remove(f)  # FTS5 refuses these column names
                changed = True
                continue
            if f.content is None:
                continue
            ct = spec.table(f.content)
            alias = ct.rowid_alias() if ct is not None else None
            if (
                ct is None
                or alias is None
                or alias.uid != f.rowid_col
                or not f.ext_columns
                or any(
                    ct.column(u) is None or ct.column(u).generated is not None
                    for u in f.ext_columns
                )  # type: ignore[union-attr]
            ):
                spec.fts.remove(f)
                changed = True
        present_all = set(spec.names())
        for ix in list(spec.indexes):
            t = spec.table(ix.table)
            cols = {c.uid for c in t.columns} if t is not None else set()
            used = set().union(*(refs(term) for term in ix.terms)) | refs(ix.where)
            if t is None or not used <= cols:
                spec.indexes.remove(ix)
                changed = True
        for v in list(spec.views):
            if not refs(v.body) <= present_all:
                spec.views.remove(v)
                changed = True
                present_all = set(spec.names())
        for tr in list(spec.triggers):
            if not refs(tr.rest) <= present_all or spec.table(tr.table) is None:
                spec.triggers.remove(tr)
                changed = True


# --- building ---------------------------------------------------------------------------------


class _Builder:
    """Draws the parts of a spec; every method keeps the spec valid."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any], spec: SchemaSpec) -> None:
        self.draw = draw
        self.spec = spec

    # small helpers (each shrinks towards "no", the first choice, the smallest number)
    def chance(self, percent: int) -> bool:
        return bool(self.draw(st.integers(0, 99)) >= 100 - percent)

    def pick(self, seq: Iterable[Any]) -> Any:
        return self.draw(st.sampled_from(list(seq)))

    def count(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))

    def uid(self) -> int:
        self.spec.next_uid += 1
        return self.spec.next_uid

    def name(self, taken: set[str], *, shadows: bool = False, column: bool = False) -> str:
        """A fresh name; ``column``: an ordinary table's column, which may hide the rowid."""
        base = self.pick(WORDS + ROWID_WORDS if column else WORDS) + self.pick(DECOR)
        candidate, n = base, 1
        reserved = _RESERVED_NAMES - set(ROWID_WORDS) if column else _RESERVED_NAMES

        def ok(name: str) -> bool:
            f = fold(name)
            if f in taken or f in reserved or f.startswith(_RESERVED_PREFIXES):
                return False
            if f.startswith("_") or "\n" in name or not name.strip():
                return False
            # No object may be called like an FTS5 shadow table of another one, and an FTS5
            # table's shadow names must be free.
            return not (shadows and any(f + s in taken for s in FTS5_SUFFIXES))

        while not ok(candidate):
            n += 1
            candidate = f"{base}{n}"
        taken.add(fold(candidate))
        if shadows:
            taken.update(fold(candidate) + s for s in FTS5_SUFFIXES)
        return candidate

    def object_name(self, *, shadows: bool = False) -> str:
        return self.name(self.spec.taken, shadows=shadows)

    def constraint_name(self) -> str | None:
        return self.object_name() if self.chance(30) else None

    # columns
    def column(self, t: TableSpec, *, generated_ok: bool = True) -> ColumnSpec:
        taken = self.spec.col_taken.setdefault(t.uid, {fold(c.name) for c in t.columns})
        c = ColumnSpec(uid=self.uid(), name=self.name(taken, column=True))
        c.type = self.pick(STRICT_TYPES if t.strict else TYPES)
        plain = t.plain_columns()
        if generated_ok and plain and self.chance(20):
            c.generated = self.generated_expr(plain)
            c.gen_form = self.pick(("virtual", "stored", "always", "short", "short_stored"))
        elif self.chance(35):
            c.default = self.pick(DEFAULTS)
        c.notnull = self.chance(20)
        if self.chance(20):
            c.collate = self.pick(COLLATIONS)
        if self.chance(20):
            c.checks.append(CheckSpec(self.constraint_name(), self.column_check(c.uid)))
        c.unique = c.generated is None and self.chance(10)
        c.hint_in_list = self.chance(50)
        c.hint_old_table = self.chance(50)
        return c

    def generated_expr(self, plain: list[ColumnSpec]) -> Expr:
        a = Ref(self.pick(c.uid for c in plain))
        b = Ref(self.pick(c.uid for c in plain))
        return self.pick(
            [
                (a, " + 1"),
                ("lower(", a, ")"),
                ("coalesce(", a, ", ", b, ")"),
                ("length(", a, ")"),
                (a, " || '-' || ", b),
            ]
        )

    def column_check(self, uid: int) -> Expr:
        c = Ref(uid)
        return self.pick(
            [
                ("length(", c, ") <= 30"),
                (c, " IS NOT 'forbidden'"),
                ("typeof(", c, ") <> 'blob'"),
                (c, " <> 7"),
                (c, " IS NULL OR ", c, " >= -500"),
                (c, " >= 0"),
            ]
        )

    def table_check(self, t: TableSpec) -> Expr:
        a = Ref(self.pick(c.uid for c in t.columns))
        b = Ref(self.pick(c.uid for c in t.columns))
        return self.pick(
            [
                ("coalesce(", a, ", 0) IS NOT 'zzz'"),
                (a, " IS NOT ", b, " OR ", a, " IS NULL"),
                ("length(", a, ") < 40"),
                (a, " IS NULL OR ", b, " IS NOT NULL"),
            ]
        )

    # tables
    def table(self) -> TableSpec:
        t = TableSpec(uid=self.uid(), name=self.object_name(), columns=[])
        t.strict = STRICT_SUPPORTED and self.chance(20)
        t.hint_in_list = self.chance(50)
        for i in range(self.count(1, 4)):
            t.columns.append(self.column(t, generated_ok=i > 0))
        self.primary_key(t)
        if t.pk is not None and not t.pk.autoincrement and self.chance(15):
            t.without_rowid = True
        if self.chance(15):
            self.add_unique(t)
        if self.chance(20):
            t.checks.append(CheckSpec(self.constraint_name(), self.table_check(t)))
        if self.chance(45):
            self.add_fk(t)
        return t

    def primary_key(self, t: TableSpec) -> None:
        plain = t.plain_columns()
        kind = self.pick(["none", "single", "alias", "composite", "table"])
        if not plain or kind == "none":
            t.pk = None
            return
        if kind == "alias":
            c = plain[0]
            c.type = "INTEGER" if not self.chance(20) else "integer"
            c.generated = None
            t.pk = PkSpec([c.uid], [False], inline=self.chance(70), name=self.constraint_name())
            t.pk.autoincrement = not t.without_rowid and self.chance(35)
            if c.type != "INTEGER":
                t.pk.autoincrement = False
            return
        if kind == "composite" and len(plain) >= 2:
            cols = self.draw(st.permutations([c.uid for c in plain]))[: self.count(2, len(plain))]
            desc = [self.chance(25) for _ in cols]
            t.pk = PkSpec(cols, desc, inline=False, name=self.constraint_name())
            return
        c = self.pick(plain)
        t.pk = PkSpec([c.uid], [False], inline=kind == "single", name=self.constraint_name())

    def add_unique(self, t: TableSpec) -> None:
        plain = t.plain_columns()
        if not plain:
            return
        cols = self.draw(st.permutations([c.uid for c in plain]))[
            : self.count(1, min(2, len(plain)))
        ]
        if any(set(cols) == set(s) for s in _key_sets(t)):
            return
        t.uniques.append(UniqueSpec(self.constraint_name(), cols))

    def add_fk(self, t: TableSpec) -> None:
        parents = [p for p in self.spec.tables if p is not t and _key_sets(p)]
        if _key_sets(t):
            parents.append(t)
        plain = t.plain_columns()
        if not parents or not plain:
            return
        parent = self.pick(parents)
        key = self.pick(_key_sets(parent))
        if len(key) > len(plain):
            return
        cols = self.draw(st.permutations([c.uid for c in plain]))[: len(key)]
        implicit = parent.pk is not None and key == parent.pk.cols and self.chance(30)
        fk = FkSpec(
            name=self.constraint_name(),
            cols=cols,
            parent=parent.uid,
            parent_cols=None if implicit else list(key),
            on_delete=self.pick(FK_ACTIONS),
            on_update=self.pick(FK_ACTIONS) if self.chance(20) else None,
            deferred=self.chance(30),
            inline=len(cols) == 1 and self.chance(50),
        )
        if _fk_valid(self.spec, t, fk):
            t.fks.append(fk)

    # full-text tables
    def fts(self) -> FtsSpec | None:
        f = FtsSpec(uid=self.uid(), name="", columns=[])
        aliased = [t for t in self.spec.tables if t.rowid_alias() is not None]
        external = bool(aliased) and self.chance(40)
        if external:
            ct = self.pick(aliased)
            alias = ct.rowid_alias()
            assert alias is not None
            cols = [
                c.uid
                for c in ct.plain_columns()
                if c.uid != alias.uid and fold(c.name) not in {"rowid", "rank"}
            ]
            if not cols:
                return None
            f.content, f.rowid_col = ct.uid, alias.uid
            f.ext_columns = self.draw(st.permutations(cols))[: self.count(1, min(2, len(cols)))]
            f.sync_names = [self.object_name() for _ in range(3)]
        else:
            taken: set[str] = set()
            for _ in range(self.count(1, 3)):
                f.columns.append((self.uid(), self.name(taken)))
            if len(f.columns) > 1 and self.chance(20):
                f.unindexed.add(f.columns[-1][0])
        own = {fold(n) for _, n in f.columns} | {fold(self.spec.names()[u]) for u in f.ext_columns}
        f.name = self.name(self.spec.taken | own, shadows=True)
        self.spec.taken |= {fold(f.name)} | {fold(f.name) + s for s in FTS5_SUFFIXES}
        f.tokenize = self.pick(TOKENIZERS)
        f.hint_in_list = self.chance(50)
        return f

    # indexes, views, triggers
    def index(self) -> IndexSpec | None:
        if not self.spec.tables:
            return None
        t = self.pick(self.spec.tables)
        cols = [c.uid for c in t.columns]
        terms: list[Expr] = []
        for u in self.draw(st.permutations(cols))[: self.count(1, min(2, len(cols)))]:
            c = Ref(u)
            terms.append(
                self.pick(
                    [
                        (c,),
                        (c, " DESC"),
                        (c, " COLLATE NOCASE"),
                        (c, " COLLATE RTRIM DESC"),
                        ("lower(", c, ")"),
                        ("(", c, " + 1)"),
                        ("length(", c, ")"),
                    ]
                )
            )
        where = None
        if self.chance(25):
            c = Ref(self.pick(cols))
            where = self.pick([(c, " IS NOT NULL"), (c, " > 0"), ("length(", c, ") > 1")])
        return IndexSpec(self.uid(), self.object_name(), t.uid, self.chance(30), terms, where)

    def view(self) -> ViewSpec | None:
        choices = ["table"] + (["join"] if len(self.spec.tables) > 1 else [])
        choices += ["count"] + (["view"] if self.spec.views else [])
        choices += ["fts"] if self.spec.fts else []
        kind = self.pick(choices) if self.spec.tables else None
        if kind is None:
            return None
        taken: set[str] = set()
        if kind == "view":
            base = self.pick(self.spec.views)
            a = self.uid(), self.name(taken)
            src = self.pick(base.out)[0]
            body: Expr = ("SELECT ", Ref(src), " AS ", Ref(a[0]), " FROM ", Ref(base.uid))
            if self.chance(40):
                body += (" WHERE ", Ref(src), " IS NOT NULL")
            out = [a]
        elif kind == "fts":
            f = self.pick(self.spec.fts)
            col = self.pick([u for u, _ in f.columns] or f.ext_columns)
            a, b = (self.uid(), self.name(taken)), (self.uid(), self.name(taken))
            body = (
                "SELECT rowid AS ",
                Ref(a[0]),
                ", ",
                Ref(col),
                " AS ",
                Ref(b[0]),
                " FROM ",
                Ref(f.uid),
            )
            if self.chance(50):
                body += (" WHERE ", Ref(f.uid), " MATCH 'alpha OR cat'")
            out = [a, b]
        elif kind == "count":
            t = self.pick(self.spec.tables)
            a = self.uid(), self.name(taken)
            body, out = ("SELECT count(*) AS ", Ref(a[0]), " FROM ", Ref(t.uid)), [a]
        elif kind == "join":
            t1, t2 = self.draw(st.permutations(self.spec.tables))[:2]
            c1, c2 = self.pick(t1.columns), self.pick(t2.columns)
            a, b = (self.uid(), self.name(taken)), (self.uid(), self.name(taken))
            body = (
                "SELECT ", Ref(t1.uid), ".", Ref(c1.uid), " AS ", Ref(a[0]), ", ",
                Ref(t2.uid), ".", Ref(c2.uid), " AS ", Ref(b[0]), " FROM ", Ref(t1.uid),
                " JOIN ", Ref(t2.uid), " ON ", Ref(t1.uid), ".", Ref(c1.uid), " = ",
                Ref(t2.uid), ".", Ref(c2.uid),
            )  # fmt: skip
            out = [a, b]
        else:
            t = self.pick(self.spec.tables)
            cols = self.draw(st.permutations(t.columns))[: self.count(1, min(2, len(t.columns)))]
            out = [(self.uid(), self.name(taken)) for _ in cols]
            sel: list[Part] = ["SELECT "]
            for i, (c, (a_uid, _)) in enumerate(zip(cols, out, strict=True)):
                sel += [", "] * (i > 0) + [Ref(c.uid), " AS ", Ref(a_uid)]
            body = (*sel, " FROM ", Ref(t.uid))
            if self.chance(40):
                body += (" WHERE ", Ref(cols[0].uid), " IS NOT NULL")
        return ViewSpec(self.uid(), self.object_name(), body, out, column_list=self.chance(20))

    def trigger(self) -> TriggerSpec | None:
        targets = [t for t in self.spec.tables if t.plain_columns()]
        if not self.spec.tables or not targets:
            return None
        t = self.pick(self.spec.tables)
        u = self.pick(targets)
        c = Ref(self.pick(t.columns).uid)
        uc = Ref(self.pick(u.plain_columns()).uid)
        internal = [f for f in self.spec.fts if f.content is None]
        event = self.pick(["INSERT", "UPDATE", "DELETE"] + ["FTS"] * bool(internal))
        rest: Expr
        if event == "FTS":
            f = self.pick(internal)
            fc = Ref(self.pick(f.columns)[0])
            rest = ("AFTER INSERT ON ", Ref(t.uid), " BEGIN\n  INSERT INTO ", Ref(f.uid), "(")
            rest += (fc, ") VALUES (new.", c, ");\nEND")
        elif event == "INSERT":
            rest = ("AFTER INSERT ON ", Ref(t.uid))
            if self.chance(25):
                rest += (" WHEN new.", c, " IS NOT NULL")
            rest += (" BEGIN\n  INSERT INTO ", Ref(u.uid), "(", uc, ") VALUES (new.", c, ");\nEND")
        elif event == "UPDATE":
            rest = ("AFTER UPDATE", *((" OF ", c) if self.chance(40) else ()), " ON ", Ref(t.uid))
            rest += (" FOR EACH ROW BEGIN\n  UPDATE ", Ref(u.uid), " SET ", uc, " = new.", c)
            rest += (" WHERE ", uc, " = old.", c, ";\nEND")
        else:
            rest = ("AFTER DELETE ON ", Ref(t.uid), " BEGIN\n  DELETE FROM ", Ref(u.uid))
            rest += (" WHERE ", uc, " = old.", c, ";\nEND")
        return TriggerSpec(self.uid(), self.object_name(), t.uid, rest)

    def fill(self, *, tables: tuple[int, int] = (1, 5)) -> None:
        for _ in range(self.count(*tables)):
            self.spec.tables.append(self.table())
        if FTS5_SUPPORTED:
            for _ in range(self.count(0, 2)):
                f = self.fts()
                if f is not None:
                    self.spec.fts.append(f)
        for _ in range(self.count(0, 2)):
            ix = self.index()
            if ix is not None:
                self.spec.indexes.append(ix)
        for _ in range(self.count(0, 2)):
            v = self.view()
            if v is not None:
                self.spec.views.append(v)
        for _ in range(self.count(0, 2)):
            tr = self.trigger()
            if tr is not None:
                self.spec.triggers.append(tr)
        _fixup(self.spec)


@st.composite
def schema_specs(draw: Callable[[st.SearchStrategy[Any]], Any]) -> SchemaSpec:
    """A random valid schema: 1-5 tables, FTS5 tables, indexes, views, triggers."""
    spec = SchemaSpec()
    b = _Builder(draw, spec)
    spec.lower_keywords = b.chance(20)
    b.fill()
    return spec


# --- edits: deriving schema B from schema A --------------------------------------------------


TABLE_EDITS = (
    "add_column", "drop_column", "rename_column", "change_type", "toggle_notnull",
    "change_default", "change_collation", "column_check", "change_generated", "reorder",
    "rename_table", "recase_table", "strict", "without_rowid", "primary_key", "autoincrement",
    "unique", "table_check", "add_fk", "drop_fk", "fk_action", "fk_deferred",
)  # fmt: skip
OTHER_EDITS = (
    "add_table", "add_table", "drop_table", "drop_table", "index", "index", "index", "view",
    "view", "trigger", "trigger", "fts", "fts", "fts",
)  # fmt: skip


def _edit_table(b: _Builder, t: TableSpec, kind: str) -> str:
    spec = b.spec
    plain = t.plain_columns()
    if kind == "add_column":
        c = b.column(t)
        if c.notnull and c.default is None and c.generated is None and not b.chance(30):
            c.default = b.pick(DEFAULTS[:-2])  # mostly addable, sometimes impossible
        pos = b.count(0, len(t.columns)) if b.chance(30) else len(t.columns)
        t.columns.insert(pos, c)
    elif kind == "drop_column":
        victims = [c for c in t.columns if c.generated is not None or len(plain) > 1]
        if victims:
            t.columns.remove(b.pick(victims))
    elif kind == "rename_column":
        c = b.pick(t.columns)
        taken = spec.col_taken.setdefault(t.uid, {fold(x.name) for x in t.columns})
        recased = c.name.swapcase()
        if fold(recased) == fold(c.name) and recased != c.name and b.chance(20):
            c.name = recased  # the same name to SQLite
        else:
            c.name = b.name(taken, column=True)
    elif kind == "change_type":
        b.pick(t.columns).type = b.pick(STRICT_TYPES if t.strict else TYPES)
    elif kind == "toggle_notnull":
        c = b.pick(t.columns)
        c.notnull = not c.notnull
    elif kind == "change_default" and plain:
        c = b.pick(plain)
        c.default = None if c.default is not None and b.chance(40) else b.pick(DEFAULTS)
    elif kind == "change_collation":
        b.pick(t.columns).collate = b.pick((None, *COLLATIONS))
    elif kind == "column_check":
        c = b.pick(t.columns)
        if c.checks and b.chance(50):
            c.checks.pop()
        else:
            c.checks.append(CheckSpec(b.constraint_name(), b.column_check(c.uid)))
    elif kind == "change_generated":
        gens = [c for c in t.columns if c.generated is not None]
        if gens and plain:
            c = b.pick(gens)
            if b.chance(50):
                c.generated = b.generated_expr(plain)
            else:
                c.gen_form = b.pick(("virtual", "stored", "always", "short", "short_stored"))
    elif kind == "reorder" and len(t.columns) > 1:
        i, j = b.draw(st.permutations(range(len(t.columns))))[:2]
        t.columns[i], t.columns[j] = t.columns[j], t.columns[i]
    elif kind == "rename_table":
        t.name = b.object_name()
    elif kind == "recase_table":
        t.name = t.name.swapcase() if fold(t.name.swapcase()) == fold(t.name) else t.name
    elif kind == "strict" and STRICT_SUPPORTED:
        t.strict = not t.strict
    elif kind == "without_rowid":
        t.without_rowid = not t.without_rowid and t.pk is not None
        if t.without_rowid and t.pk is not None:
            t.pk.autoincrement = False
    elif kind == "primary_key":
        b.primary_key(t)
    elif kind == "autoincrement" and t.pk is not None:
        t.pk.autoincrement = not t.pk.autoincrement
    elif kind == "unique":
        if t.uniques and b.chance(50):
            t.uniques.pop(b.count(0, len(t.uniques) - 1))
        else:
            b.add_unique(t)
    elif kind == "table_check":
        if t.checks and b.chance(50):
            t.checks.pop(b.count(0, len(t.checks) - 1))
        else:
            t.checks.append(CheckSpec(b.constraint_name(), b.table_check(t)))
    elif kind == "add_fk":
        b.add_fk(t)
    elif kind == "drop_fk" and t.fks:
        t.fks.pop(b.count(0, len(t.fks) - 1))
    elif kind == "fk_action" and t.fks:
        fk = b.pick(t.fks)
        fk.on_delete = b.pick(FK_ACTIONS)
    elif kind == "fk_deferred" and t.fks:
        fk = b.pick(t.fks)
        fk.deferred = not fk.deferred
    return kind


def _edit(b: _Builder, focus: list[int]) -> str:
    """One random edit; table edits mostly hit the same table, so that they combine."""
    spec = b.spec
    kind = b.pick(TABLE_EDITS + OTHER_EDITS)
    if kind in TABLE_EDITS and spec.tables:
        focused = [t for t in spec.tables if t.uid in focus]
        t = focused[0] if focused and not b.chance(30) else b.pick(spec.tables)
        focus[:] = [t.uid]
        return _edit_table(b, t, kind)
    if kind == "add_table" or not spec.tables:
        spec.tables.append(b.table())
    elif kind == "drop_table" and len(spec.tables) > 1:
        spec.tables.remove(b.pick(spec.tables))
    elif kind == "index":
        if spec.indexes and b.chance(50):
            ix = b.pick(spec.indexes)
            if b.chance(50):
                spec.indexes.remove(ix)
            else:
                ix.unique = not ix.unique
                first = next(p for p in ix.terms[0] if isinstance(p, Ref))
                ix.where = None if ix.where is not None else (first, " IS NOT NULL")
        else:
            new = b.index()
            if new is not None:
                spec.indexes.append(new)
    elif kind == "view":
        if spec.views and b.chance(50):
            v = b.pick(spec.views)
            spec.views.remove(v)
            _fixup(spec)
            if b.chance(50):
                # Changed: a new body under the same name, created after its dependencies.
                new_v = b.view()
                if new_v is not None:
                    new_v.name = v.name
                    spec.views.append(new_v)
        else:
            new_v = b.view()
            if new_v is not None:
                spec.views.append(new_v)
    elif kind == "trigger":
        if spec.triggers and b.chance(50):
            tr = b.pick(spec.triggers)
            if b.chance(50):
                spec.triggers.remove(tr)
            else:
                new_tr = b.trigger()
                if new_tr is not None:
                    new_tr.name = tr.name
                    spec.triggers[spec.triggers.index(tr)] = new_tr
        else:
            new_tr = b.trigger()
            if new_tr is not None:
                spec.triggers.append(new_tr)
    elif kind == "fts" and FTS5_SUPPORTED:
        if spec.fts and b.chance(70):
            f = b.pick(spec.fts)
            what = b.pick(["tokenize", "drop", "rename", "add_column", "drop_column", "unindexed"])
            if what == "tokenize":
                f.tokenize = b.pick([t for t in TOKENIZERS if t != f.tokenize])
            elif what == "drop":
                spec.fts.remove(f)
            elif what == "rename":
                f.name = b.object_name(shadows=True)
            elif f.content is None and what == "add_column":
                taken = {fold(n) for _, n in f.columns} | {fold(f.name)}
                f.columns.append((b.uid(), b.name(taken)))
            elif f.content is None and what == "drop_column" and len(f.columns) > 1:
                f.columns.pop(b.count(0, len(f.columns) - 1))
            elif f.content is None and what == "unindexed":
                f.unindexed ^= {b.pick(f.columns)[0]}
        else:
            new_f = b.fts()
            if new_f is not None:
                spec.fts.append(new_f)
    return kind


# --- pairs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaPair:
    """Schema A and schema B as SQL, the rename hints, and which things of B were A's.

    ``table_map`` maps a B table name to the A table it continues (by hint or same name),
    ``column_map`` maps ``(B table, B column)`` to the A column, ``fts_map`` likewise for
    FTS5 tables. ``volatile`` lists ``(B table, B column)`` whose value depends on time or
    chance (their defaults), which row comparisons skip.
    """

    a_sql: str
    b_sql: str
    renames: tuple[str, ...]
    independent: bool
    table_map: dict[str, str] = field(compare=False)
    column_map: dict[tuple[str, str], str] = field(compare=False)
    fts_map: dict[str, str] = field(compare=False)
    volatile: frozenset[tuple[str, str]] = field(compare=False)
    b_statements: tuple[tuple[str, str], ...] = field(compare=False)
    edits: tuple[str, ...] = field(compare=False)
    a_spec: SchemaSpec = field(compare=False, repr=False)
    b_spec: SchemaSpec = field(compare=False, repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' pretty printer
        printer.text(repr(self))

    def __repr__(self) -> str:
        return (
            f"SchemaPair(independent={self.independent}, renames={list(self.renames)!r})\n"
            f"-- schema A --\n{self.a_sql}-- schema B --\n{self.b_sql}"
        )


def _volatile(spec: SchemaSpec) -> frozenset[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for t in spec.tables:
        bad = {c.uid for c in t.columns if c.default in VOLATILE_DEFAULTS}
        for c in t.columns:
            if c.uid in bad or refs(c.generated) & bad:
                out.add((fold(t.name), fold(c.name)))
    return frozenset(out)


def _derived_maps(
    a: SchemaSpec, spec: SchemaSpec
) -> tuple[dict[int, str], list[str], dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    a_tables = {t.uid: t for t in a.tables}
    a_fts = {f.uid: f for f in a.fts}
    hints: dict[int, str] = {}
    renames: list[str] = []
    table_map: dict[str, str] = {}
    column_map: dict[tuple[str, str], str] = {}
    fts_map: dict[str, str] = {}
    for t in spec.tables:
        at = a_tables.get(t.uid)
        if at is None:
            continue
        table_map[t.name] = at.name
        if fold(at.name) != fold(t.name):
            if t.hint_in_list and list_hint_ok(at.name, t.name):
                renames.append(f"{at.name}={t.name}")
            else:
                hints[t.uid] = at.name
        for c in t.columns:
            ac = at.column(c.uid)
            if ac is None:
                continue
            column_map[(t.name, c.name)] = ac.name
            if fold(ac.name) != fold(c.name):
                table_name = at.name if c.hint_old_table else t.name
                if c.hint_in_list and list_hint_ok(table_name, ac.name, c.name):
                    renames.append(f"{table_name}.{ac.name}={c.name}")
                else:
                    hints[c.uid] = ac.name
    for f in spec.fts:
        af = a_fts.get(f.uid)
        if af is None:
            continue
        fts_map[f.name] = af.name
        if fold(af.name) != fold(f.name):
            if f.hint_in_list and list_hint_ok(af.name, f.name):
                renames.append(f"{af.name}={f.name}")
            else:
                hints[f.uid] = af.name
    return hints, renames, table_map, column_map, fts_map


def _independent_maps(
    a: SchemaSpec, spec: SchemaSpec
) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    a_tables = {fold(t.name): t for t in a.tables}
    a_fts = {fold(f.name): f for f in a.fts}
    table_map: dict[str, str] = {}
    column_map: dict[tuple[str, str], str] = {}
    fts_map: dict[str, str] = {}
    for t in spec.tables:
        at = a_tables.get(fold(t.name))
        if at is None:
            continue
        table_map[t.name] = at.name
        a_cols = {fold(c.name): c for c in at.columns}
        for c in t.columns:
            if fold(c.name) in a_cols:
                column_map[(t.name, c.name)] = a_cols[fold(c.name)].name
    for f in spec.fts:
        if fold(f.name) in a_fts:
            fts_map[f.name] = a_fts[fold(f.name)].name
    return table_map, column_map, fts_map


@st.composite
def schema_pairs(draw: Callable[[st.SearchStrategy[Any]], Any]) -> SchemaPair:
    """Schema A and a schema B: derived from A by 0-5 random edits (renames announced by
    comment hints or the renames list), or (about 1 in 8) drawn independently of A."""
    a = draw(schema_specs())
    b = _Builder(draw, copy.deepcopy(a))
    independent = b.chance(12)
    edits: list[str] = []
    focus: list[int] = []
    if independent:
        b.spec = SchemaSpec(next_uid=a.next_uid)
        b.spec.lower_keywords = b.chance(20)
        b.fill()
        spec = b.spec
        table_map, column_map, fts_map = _independent_maps(a, spec)
        hints: dict[int, str] = {}
        renames: list[str] = []
    else:
        spec = b.spec
        spec.lower_keywords = b.chance(20)
        for _ in range(b.count(0, 1) + b.count(0, 4)):
            # Retry an edit that changed nothing (say, an FK action on a table without FKs).
            rendered = render_sql(spec)
            for _attempt in range(4):
                kind = _edit(b, focus)
                _fixup(spec)
                if render_sql(spec) != rendered:
                    edits.append(kind)
                    break
        hints, renames, table_map, column_map, fts_map = _derived_maps(a, spec)
    statements = render_statements(spec, hints)
    return SchemaPair(
        a_sql=render_sql(a),
        b_sql="".join(sql + ";\n" for _, sql in statements),
        renames=tuple(renames),
        independent=independent,
        table_map={fold(k): v for k, v in table_map.items()},
        column_map={(fold(t), fold(c)): v for (t, c), v in column_map.items()},
        fts_map={fold(k): v for k, v in fts_map.items()},
        volatile=_volatile(spec),
        b_statements=tuple(statements),
        edits=tuple(edits),
        a_spec=a,
        b_spec=spec,
    )


# --- values -----------------------------------------------------------------------------------

_TEXT = st.one_of(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3).map(" ".join),
    st.text(alphabet=st.sampled_from("ab é中'\"x1 -"), max_size=6),
    st.sampled_from(["12", "1.5", "forbidden", "", " x "]),
)
_INT = st.one_of(st.integers(-20, 20), st.integers(-(2**63), 2**63 - 1))
_REAL = st.floats(allow_nan=False, allow_infinity=False, width=64)
_BLOB = st.binary(max_size=4)
_ANY = st.one_of(st.none(), _INT, _REAL, _TEXT, _BLOB)


def column_values(declared_type: str) -> st.SearchStrategy[Any]:
    """Values for a column: mostly ones its declared type suits, sometimes anything."""
    u = declared_type.upper()
    if "INT" in u:
        main: st.SearchStrategy[Any] = _INT
    elif any(w in u for w in ("CHAR", "CLOB", "TEXT")):
        main = _TEXT
    elif any(w in u for w in ("REAL", "FLOA", "DOUB")):
        main = _REAL
    elif u == "BLOB":
        main = _BLOB
    else:
        main = _ANY
    return st.one_of(main, st.none(), _ANY)


def fts_values() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4).map(" ".join), st.none()
    )
