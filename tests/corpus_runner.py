"""The corpus convergence runner: every schema pair of the shared corpus, on a populated database.

Pairs: every peer case (``cases/<family>/<id>/from.sql`` → ``to.sql``) and every consecutive
pair of an application's full-schema versions (``apps/<app>/versions/vNNN.sql`` → the next).
Each pair runs in both directions: ``forward`` (FROM → TO) and ``reverse`` (TO → FROM, rename
hints turned around, destructive changes allowed where something really is dropped).

One run (:func:`run_pair`): build FROM in a database file, fill it with rows
(:mod:`corpus_rows`; the case's ``seed_data`` first), plan FROM → TO from the live connection
(so sqlkeel sees which tables hold rows) with the case's rename hints, apply it, and check
DESIGN §2 invariants 1 and 2 on the result:

* the catalog equals TO and a second plan is empty;
* every row of every kept table, every value of every kept column, is still there (renamed
  tables and columns are followed; rows are matched by rowid where the rowid is meant to
  survive, else compared as a multiset);
* the same once more without sqlkeel: what PRAGMAs report about every table (columns, types,
  NOT NULL, defaults, keys, generated columns, STRICT, WITHOUT ROWID), index, view, trigger
  and virtual table equals what they report on a fresh database built from TO;
* ``PRAGMA foreign_key_check`` and ``PRAGMA integrity_check`` are clean, FTS5 indexes pass
  their own integrity check, AUTOINCREMENT counters do not go back;
* the plan says DATA_LOSS exactly when the change drops a table or a stored column (never
  silently, never as a false alarm).

A change SQLite cannot make on rows (a NOT NULL column without a DEFAULT added to a table
that has rows) must raise :class:`sqlkeel.ImpossibleChangeError`; the run then proves that
the pair converges from an empty FROM (``populated=frozenset()``).

The expectations (which tables and columns are kept, renamed, dropped) are computed here from
the SQL text and PRAGMAs, never from sqlkeel's model, so that an engine bug cannot also bend
the yardstick. Shared by ``tests/test_corpus_convergence.py`` and ``bench/corpus.py``.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import corpus_rows
import sqlkeel
from corpus_rows import FillReport, TableInfo, fold, inspect_tables, quote
from sqlkeel.catalog import read_schema
from sqlkeel.diff.compare import describe_differences
from sqlkeel.model import Schema
from sqlkeel.sources.sqlfiles import schema_from_sql

DIRECTIONS = ("forward", "reverse")

# Pairs that cannot converge because of SQLite itself (not because of sqlkeel), keyed by case
# id or app pair id, optionally with ":forward" / ":reverse". Every entry needs a reason, and
# the test checks that each still fails, so the list cannot go stale. Never add an entry to
# hide an engine bug.
EXCEPTIONS: dict[str, str] = {}


def default_corpus_dir() -> Path:
    """``../shared/corpus`` beside the project (the same rule as ``tests/conftest.py``)."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


# --- pairs and rename hints --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenameHint:
    """A rename, forward sense: table ``table`` (or its column ``column``) is now called ``new``."""

    table: str
    column: str | None
    new: str
    in_sql: bool = False  # written as a comment in to.sql: sqlkeel reads it from there

    def spec(self) -> str:
        """The ``OLD=NEW`` / ``TABLE.OLD=NEW`` form :func:`sqlkeel.plan` accepts."""
        return (
            f"{self.table}.{self.column}={self.new}" if self.column else f"{self.table}={self.new}"
        )


@dataclass(frozen=True, slots=True)
class Pair:
    """One FROM → TO schema pair of the corpus."""

    id: str
    from_sql: str
    to_sql: str
    hints: tuple[RenameHint, ...] = ()
    seed: tuple[str, ...] = ()


def case_json_hints(specs: list[str]) -> list[RenameHint]:
    """drizzle-kit's ``"table.old->table.new"`` (a column) or ``"old->new"`` (a table)."""
    hints: list[RenameHint] = []
    for spec in specs:
        left, _, right = spec.partition("->")
        left, right = left.strip(), right.strip()
        if "." in left:
            t_old, c_old = left.split(".", 1)
            t_new, c_new = right.split(".", 1) if "." in right else (t_old, right)
            if fold(t_old) != fold(t_new):
                hints.append(RenameHint(t_old, None, t_new))
            hints.append(RenameHint(t_old, c_old, c_new))
        else:
            hints.append(RenameHint(left, None, right))
    return hints


_IDENT = r"(\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][A-Za-z_0-9$]*)"
_HINT = re.compile(r"(?:@renamed\s+from\s*=\s*|sqlkeel:\s*renamed-from\s+)" + _IDENT, re.IGNORECASE)
_CREATE_TABLE = re.compile(
    r"\bCREATE\s+(?:TEMP\w*\s+)?(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _IDENT,
    re.IGNORECASE,
)


def _unquote(name: str) -> str:
    if name[:1] in '"`' and name[-1:] == name[:1]:
        return name[1:-1].replace(name[0] * 2, name[0])
    if name[:1] == "[" and name[-1:] == "]":
        return name[1:-1]
    return name


def sql_hints(to_sql: str) -> list[RenameHint]:
    """Rename comments in a desired schema (sqldef's and sqlkeel's spellings), read line by line."""
    hints: list[RenameHint] = []
    table: str | None = None
    table_old: dict[str, str] = {}
    for line in to_sql.splitlines():
        created = _CREATE_TABLE.search(line)
        if created:
            table = _unquote(created.group(1))
        m = _HINT.search(line)
        if not m:
            continue
        old = _unquote(m.group(1))
        if created:
            hints.append(RenameHint(old, None, table or "", in_sql=True))
            table_old[fold(table or "")] = old
        elif re.match(r"\s*CREATE\b", line, re.IGNORECASE):
            continue  # an index rename: no data involved
        elif table is not None:
            first = re.match(r"\s*" + _IDENT, line)
            if first:
                owner = table_old.get(fold(table), table)
                hints.append(RenameHint(owner, old, _unquote(first.group(1)), in_sql=True))
    return hints


def reverse_hints(hints: tuple[RenameHint, ...]) -> tuple[RenameHint, ...]:
    """The same renames, TO → FROM (all given explicitly: FROM carries no comments)."""
    new_table = {fold(h.table): h.new for h in hints if h.column is None}
    out = []
    for h in hints:
        if h.column is None:
            out.append(RenameHint(h.new, None, h.table))
        else:
            out.append(RenameHint(new_table.get(fold(h.table), h.table), h.new, h.column))
    return tuple(out)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def discover_pairs(corpus: Path) -> Iterator[Pair]:
    """Every case pair, then every consecutive app version pair, in a stable order."""
    for case in sorted(p for p in corpus.glob("cases/*/*") if (p / "to.sql").exists()):
        meta = json.loads(_read(case / "case.json") or "{}")
        to_sql = _read(case / "to.sql")
        hints = [*case_json_hints(meta.get("rename_hints") or []), *sql_hints(to_sql)]
        yield Pair(
            id=case.name,
            from_sql=_read(case / "from.sql"),
            to_sql=to_sql,
            hints=tuple(hints),
            seed=tuple(meta.get("seed_data") or ()),
        )
    for app in sorted(p for p in corpus.glob("apps/*") if (p / "versions").is_dir()):
        versions = sorted((app / "versions").glob("v*.sql"))
        for a, b in itertools.pairwise(versions):
            to_sql = _read(b)
            yield Pair(
                id=f"{app.name}/{a.stem}-{b.stem}",
                from_sql=_read(a),
                to_sql=to_sql,
                hints=tuple(sql_hints(to_sql)),
            )


@functools.cache
def pairs_by_id(corpus: Path) -> dict[str, Pair]:
    """Every pair of the corpus, by id (read once per process)."""
    return {pair.id: pair for pair in discover_pairs(corpus)}


def exception_reason(pair_id: str, direction: str) -> str | None:
    """The listed reason why this run cannot converge, if it is an exception."""
    return EXCEPTIONS.get(f"{pair_id}:{direction}") or EXCEPTIONS.get(pair_id)


# --- what a run must keep ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnPair:
    source: str
    target: str
    lenient: bool  # the declared type changed: values may convert by affinity


@dataclass(frozen=True, slots=True)
class KeptTable:
    """A table whose rows must survive: names on both sides and the columns whose values must."""

    source: TableInfo
    target: TableInfo
    columns: tuple[ColumnPair, ...]
    by_rowid: bool


@dataclass
class Expectations:
    """What a change keeps, drops and cannot do, from the two schemas and the rename hints."""

    kept: list[KeptTable] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    impossible: list[str] = field(default_factory=list)


def _type_key(declared: str) -> str:
    return " ".join(declared.upper().split())


def _rowid_survives(src: TableInfo, dst: TableInfo, col_map: dict[str, str]) -> bool:
    """Whether rows keep their rowid (else the rowid becomes some column's value, or is absent)."""
    if src.virtual != dst.virtual or not src.rowid_name or not dst.rowid_name:
        return False
    dst_alias = dst.rowid_alias
    if dst_alias is None:
        return True
    origin = next((s for s, d in col_map.items() if d == dst_alias), None)
    return origin is None or origin == src.rowid_alias


@dataclass
class NameMap:
    """Where each source table and column ends up in the target (folded names), hints applied."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)


def name_map(
    src: dict[str, TableInfo], dst: dict[str, TableInfo], hints: tuple[RenameHint, ...]
) -> NameMap:
    """Kept tables and their kept columns; a hint counts only where sqlkeel documents it does."""
    renamed: dict[str, str] = {}
    for h in hints:
        if (
            h.column is None
            and fold(h.table) in src
            and fold(h.new) in dst
            and fold(h.table) not in dst
        ):
            renamed[fold(h.table)] = fold(h.new)
    names = NameMap()
    for key, s in src.items():
        d_key = renamed.get(key, key)
        d = dst.get(d_key)
        if d is None or d.virtual != s.virtual:
            continue
        names.tables[key] = d_key
        col_hints = {
            fold(h.column): fold(h.new) for h in hints if h.column and fold(h.table) in (key, d_key)
        }
        columns: dict[str, str] = {}
        for c in s.columns:
            if c.hidden == 1:
                continue  # FTS hidden columns
            target = col_hints.get(c.key, c.key)
            if d.column(target) is None or (target != c.key and d.column(c.key) is not None):
                target = c.key if d.column(c.key) is not None else ""
            if target:
                columns[c.key] = target
        names.columns[key] = columns
    return names


def target_constraints(
    src: dict[str, TableInfo], dst: dict[str, TableInfo], names: NameMap
) -> dict[str, corpus_rows.ExtraConstraints]:
    """TO's foreign keys and CHECKs in FROM's names, so that the rows suit both sides.

    Without this the test's own rows would make a correct plan fail: a foreign key that TO
    adds on an existing column is checked on the copied rows (and must be: DATA_DEPENDENT).
    """
    back_tables = {d: s for s, d in names.tables.items()}
    extra: dict[str, corpus_rows.ExtraConstraints] = {}
    for s_key, d_key in names.tables.items():
        d = dst[d_key]
        back_cols = {dc: sc for sc, dc in names.columns[s_key].items()}
        fks = []
        for fk in d.foreign_keys:
            cols = [back_cols.get(fold(c)) for c in fk.columns]
            if None in cols:
                continue  # a new column: it starts NULL or at its default
            parent = back_tables.get(fold(fk.parent))
            parent_cols: list[str | None] = []
            if parent is not None:
                parent_back = {dc: sc for sc, dc in names.columns[parent].items()}
                for pc in fk.parent_columns:
                    parent_cols.append(None if pc is None else parent_back.get(fold(pc)))
                if any(
                    pc is not None and parent_cols[i] is None
                    for i, pc in enumerate(fk.parent_columns)
                ):
                    parent = None
            fks.append(
                corpus_rows.ForeignKeyInfo(
                    parent=src[parent].name if parent else "",
                    columns=tuple(src[s_key].column(c).name for c in cols if c),  # type: ignore[union-attr]
                    parent_columns=tuple(parent_cols) if parent else fk.parent_columns,
                )
            )
        extra[s_key] = corpus_rows.ExtraConstraints(foreign_keys=tuple(fks), checks=d.checks)
    return extra


def _affinity(declared: str) -> str:
    """SQLite's affinity rules (datatype3.html §3.1), written out here independently of sqlkeel."""
    t = declared.upper()
    for needle, name in (("INT", "INTEGER"), ("CHAR", "TEXT"), ("CLOB", "TEXT"), ("TEXT", "TEXT")):
        if needle in t:
            return name
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if any(n in t for n in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _narrowing(before: str, after: str) -> bool:
    """A type change whose new affinity can rewrite stored values ('007' → 7, big ints → floats)."""
    old, new = _affinity(before), _affinity(after)
    return old != new and (new == "REAL" or (new in {"INTEGER", "NUMERIC"} and old in {"TEXT", "BLOB"}))


def expectations(
    src: dict[str, TableInfo], dst: dict[str, TableInfo], names: NameMap, rows: dict[str, int]
) -> Expectations:
    """Kept tables and columns, dropped ones, and NOT NULL columns that cannot be added to rows."""
    exp = Expectations()
    for key, s in sorted(src.items()):
        if key not in names.tables:
            exp.lost.append(f"{'virtual ' if s.virtual else ''}table {s.name}")
            continue
        d = dst[names.tables[key]]
        col_map = names.columns[key]
        if s.virtual:
            lost = [c.name for c in s.stored_columns if c.key not in col_map]
            same = " ".join(s.sql.split()).lower() == " ".join(d.sql.split()).lower()
            if lost or (not same and (s.module != d.module or d.options.get("content") == "")):
                exp.lost.append(f"content of virtual table {s.name}")
                continue
            if s.module not in corpus_rows.FTS_MODULES or s.options.get("content") == "":
                continue
        pairs: list[ColumnPair] = []
        for c in s.columns:
            if c.hidden == 1:
                continue
            target_key = col_map.get(c.key)
            dc = d.column(target_key) if target_key else None
            if dc is None:
                if not c.generated:
                    exp.lost.append(f"column {s.name}.{c.name}")
                continue
            if dc.generated:
                if not c.generated:
                    exp.lost.append(f"values of column {s.name}.{c.name} (it becomes generated)")
                continue
            # A changed declared type may convert values by affinity: compare those loosely,
            # and expect the plan to call a narrowing conversion data loss.
            if not c.generated and _narrowing(c.type, dc.type):
                exp.lost.append(f"values of column {s.name}.{c.name} ({c.type} → {dc.type})")
            pairs.append(ColumnPair(c.name, dc.name, _type_key(c.type) != _type_key(dc.type)))
        exp.kept.append(KeptTable(s, d, tuple(pairs), _rowid_survives(s, d, col_map)))
        if rows.get(key, 0) and not d.virtual:
            mapped = set(col_map.values())
            for dc in d.columns:
                if dc.key in mapped or dc.generated or not dc.notnull or not dc.null_default:
                    continue
                if dc.key == d.rowid_alias:
                    continue  # SQLite numbers the rows itself
                exp.impossible.append(f"{d.name}.{dc.name}")
    return exp


# --- snapshots ----------------------------------------------------------------------------


def _loose(value: object) -> object:
    """A value compared across a declared-type change: affinity may turn 3 into '3' or 3.0 into 3."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


Rows = dict[object, tuple[object, ...]] | Counter[tuple[object, ...]]


def _rows(
    conn: sqlite3.Connection,
    table: TableInfo,
    columns: list[str],
    loose: list[bool],
    by_rowid: bool,
) -> Rows:
    select = [quote(c) for c in columns]
    if by_rowid:
        select.insert(0, table.rowid_name or "rowid")
    if not select:
        select = ["1"]
    data = conn.execute(f"SELECT {', '.join(select)} FROM {quote(table.name)}").fetchall()

    def norm(values: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(_loose(v) if lz else v for v, lz in zip(values, loose, strict=True))

    if by_rowid:
        return {r[0]: norm(tuple(r[1:])) for r in data}
    return Counter(norm(tuple(r)) if columns else () for r in data)


def _snapshot(conn: sqlite3.Connection, kept: KeptTable, side: str) -> Rows:
    table = kept.source if side == "source" else kept.target
    columns = [getattr(p, side) for p in kept.columns]
    return _rows(conn, table, columns, [p.lenient for p in kept.columns], kept.by_rowid)


def _row_differences(kept: KeptTable, before: Rows, after: Rows) -> list[str]:
    name = (
        kept.source.name
        if kept.source.name == kept.target.name
        else f"{kept.source.name} → {kept.target.name}"
    )
    cols = ", ".join(
        p.source if p.source == p.target else f"{p.source}→{p.target}" for p in kept.columns
    )
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for rowid, values in before.items():
            if rowid not in after:
                out.append(f"{name}: row rowid={rowid!r} {values!r} is gone")
            elif after[rowid] != values:
                out.append(
                    f"{name}: row rowid={rowid!r} ({cols}) was {values!r}, is {after[rowid]!r}"
                )
        return out[:5]
    assert isinstance(before, Counter) and isinstance(after, Counter)
    if before == after:
        return []
    missing = list((before - after).elements())[:3]
    extra = list((after - before).elements())[:3]
    return [
        f"{name} ({cols}): rows {missing!r} are gone"
        + (f", found {extra!r} instead" if extra else "")
    ]


def _sequences(conn: sqlite3.Connection) -> dict[str, int]:
    try:
        return {fold(n): int(s) for n, s in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    except sqlite3.Error:
        return {}


# --- one run ------------------------------------------------------------------------------


class ConvergenceFailure(AssertionError):
    """A run broke an invariant; ``problems`` says which, one line each."""

    def __init__(
        self, pair: str, direction: str, problems: list[str], report: FillReport | None = None
    ) -> None:
        self.problems = problems
        self.report = report or FillReport()
        super().__init__(f"{pair} ({direction}):\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one successful run did."""

    pair: str
    direction: str
    outcome: str  # "converged" (with rows) or "impossible-with-rows" (converged from empty)
    tables: int
    tables_filled: int
    rows_checked: int
    detail: str = ""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # a scratch file: durability is not under test
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _describe_plan(plan: sqlkeel.Plan) -> str:
    return "; ".join(op.describe() for op in plan.ops)


@dataclass(frozen=True, slots=True)
class Target:
    """TO three ways: sqlkeel's model, PRAGMA table info, and PRAGMA-level structure."""

    schema: Schema
    tables: dict[str, TableInfo]
    structure: dict[str, object]


def _target(sql: str) -> Target:
    schema = schema_from_sql(sql)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(sql)
        return Target(schema, inspect_tables(conn), corpus_rows.structure(conn))
    finally:
        conn.close()


def _converged(conn: sqlite3.Connection, dst: Target, specs: list[str]) -> list[str]:
    """Invariant 1 and the database checks, after a plan was applied."""
    problems: list[str] = []
    try:
        got = read_schema(conn)
    except sqlkeel.SqlkeelError as exc:
        return [f"the migrated catalog cannot be read: {type(exc).__name__}: {exc}"]
    if got != dst.schema:
        diffs = describe_differences(got, dst.schema) or [
            "(equality fails but describe_differences names nothing)"
        ]
        problems.extend(f"catalog ≠ TO (first = database, second = TO): {d}" for d in diffs)
    # The same question without sqlkeel's model, so that a blind spot of its equality shows.
    problems.extend(
        f"PRAGMA structure ≠ TO: {d}"
        for d in corpus_rows.structure_differences(corpus_rows.structure(conn), dst.structure)
    )
    try:
        again = sqlkeel.plan(conn, dst.schema, renames=specs or None)
        if again.ops:
            problems.append(f"second plan is not empty: {_describe_plan(again)}")
    except sqlkeel.SqlkeelError as exc:
        problems.append(f"second plan failed: {type(exc).__name__}: {exc}")
    orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    if orphans:
        problems.append(f"foreign_key_check: {orphans[:5]!r}")
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.append(f"integrity_check: {integrity[:5]!r}")
    for t in dst.tables.values():
        if t.virtual and t.module == "fts5":
            try:
                conn.execute(
                    f"INSERT INTO {quote(t.name)}({quote(t.name)}) VALUES ('integrity-check')"
                )
            except sqlite3.Error as exc:
                problems.append(f"FTS5 integrity-check of {t.name}: {exc}")
    return problems


def build_database(
    path: Path | str, sql: str, seed: tuple[str, ...] = (), *, fill: bool = True
) -> FillReport:
    """Run a schema script into a database and (unless ``fill=False``) fill it with rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(sql)
        if conn.in_transaction:
            conn.execute("COMMIT")
        if not fill:
            return FillReport()
        return corpus_rows.fill_database(conn, seed=seed)
    finally:
        conn.close()


def _prove_from_empty(src_sql: str, dst: Target, specs: list[str], path: Path) -> list[str]:
    """The pair converges when FROM has no rows (after an ImpossibleChangeError on rows)."""
    build_database(path, src_sql, fill=False)
    conn = _connect(path)
    try:
        plan = sqlkeel.plan_schemas(
            read_schema(conn), dst.schema, renames=specs or None, populated=frozenset()
        )
        plan.apply(conn)
        return [f"from an empty FROM: {p}" for p in _converged(conn, dst, specs)]
    except (sqlkeel.SqlkeelError, sqlite3.Error) as exc:
        return [f"from an empty FROM: {type(exc).__name__}: {exc}"]
    finally:
        conn.close()


def run_pair(pair: Pair, direction: str, workdir: Path) -> RunResult:
    """Run one pair in one direction; raise :class:`ConvergenceFailure` when an invariant breaks."""
    forward = direction == "forward"
    src_sql, dst_sql = (pair.from_sql, pair.to_sql) if forward else (pair.to_sql, pair.from_sql)
    hints = pair.hints if forward else reverse_hints(pair.hints)
    # Going forward, hints written in to.sql are sqlkeel's to find; case.json hints are given.
    specs = [h.spec() for h in hints if not (forward and h.in_sql)]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{pair.id}-{direction}")

    report = FillReport()

    def fail(problems: list[str]) -> ConvergenceFailure:
        return ConvergenceFailure(pair.id, direction, problems, report)

    try:
        dst = _target(dst_sql)
    except sqlkeel.SqlkeelError as exc:
        raise fail([f"TO cannot be read: {type(exc).__name__}: {exc}"]) from exc
    dst_tables = dst.tables
    path = workdir / f"{slug}.db"
    try:
        build_database(path, src_sql, fill=False)
    except sqlite3.Error as exc:
        raise fail([f"FROM cannot be built on SQLite {sqlite3.sqlite_version}: {exc}"]) from exc
    conn = _connect(path)
    try:
        src_tables = inspect_tables(conn)
        names = name_map(src_tables, dst_tables, hints)
        try:
            report = corpus_rows.fill_database(
                conn,
                seed=pair.seed if forward else (),
                also=target_constraints(src_tables, dst_tables, names),
            )
        except sqlite3.Error as exc:
            raise fail([f"the case's seed_data does not load: {exc}"]) from exc
        exp = expectations(src_tables, dst_tables, names, report.rows)
        before = {id(k): _snapshot(conn, k, "source") for k in exp.kept}
        seq_before = _sequences(conn)
        schema_before = read_schema(conn)
        try:
            plan = sqlkeel.plan(conn, dst.schema, renames=specs or None)
        except sqlkeel.ImpossibleChangeError as exc:
            # Legitimate only for a NOT NULL column without DEFAULT that a table with rows
            # gains, and the message must name it.
            named = [
                f"{t}.{c}"
                for t, _, c in (x.partition(".") for x in exp.impossible)
                if t in str(exc) and c in str(exc)
            ]
            if not named:
                raise fail(
                    [
                        "ImpossibleChangeError, but no table with rows gains a NOT NULL column "
                        f"without DEFAULT{' named in it' if exp.impossible else ''}: {exc}"
                    ]
                ) from exc
            problems = _prove_from_empty(src_sql, dst, specs, workdir / f"{slug}-empty.db")
            if problems:
                raise fail(problems) from exc
            return RunResult(
                pair.id,
                direction,
                "impossible-with-rows",
                len(report.tables),
                report.filled,
                0,
                detail=f"populated: {', '.join(exp.impossible)}",
            )
        except sqlkeel.SqlkeelError as exc:
            raise fail([f"planning failed: {type(exc).__name__}: {exc}"]) from exc

        problems: list[str] = []
        if exp.impossible:
            problems.append(
                f"expected ImpossibleChangeError (NOT NULL without DEFAULT on a table with rows: "
                f"{', '.join(exp.impossible)}), got a plan: {_describe_plan(plan)}"
            )
        try:
            plan.require_safe(allow_destructive=bool(exp.lost))
        except sqlkeel.DestructiveChangeError as exc:
            problems.append(f"plan reports data loss, but the change drops nothing: {exc.lossy!r}")
        if exp.lost and not plan.lossy:
            problems.append(
                f"silent data loss: the change drops {', '.join(exp.lost)} but no op says DATA_LOSS"
            )
        try:
            plan.apply(conn)
        except (sqlkeel.SqlkeelError, sqlite3.Error) as exc:
            problems.append(f"apply failed: {type(exc).__name__}: {exc}")
            # Invariant 3: a failed plan leaves the database exactly as it was.
            if read_schema(conn) != schema_before:
                problems.append("the failed apply left the schema changed")
            try:
                if any(_snapshot(conn, k, "source") != before[id(k)] for k in exp.kept):
                    problems.append("the failed apply left rows changed")
            except sqlite3.Error as read_exc:
                problems.append(f"after the failed apply the old rows cannot be read: {read_exc}")
            raise fail(problems) from exc

        problems.extend(_converged(conn, dst, specs))
        rows_checked = 0
        for kept in exp.kept:
            old = before[id(kept)]
            try:
                new = _snapshot(conn, kept, "target")
            except sqlite3.Error as exc:
                problems.append(f"{kept.target.name}: cannot read the kept rows: {exc}")
                continue
            problems.extend(_row_differences(kept, old, new))
            rows_checked += len(old) if isinstance(old, dict) else sum(old.values())
        seq_after = _sequences(conn)
        for kept in exp.kept:
            was = seq_before.get(kept.source.key)
            now = seq_after.get(kept.target.key)
            if (
                was is not None
                and "AUTOINCREMENT" in kept.target.sql.upper()
                and (now is None or now < was)
            ):
                problems.append(f"sqlite_sequence of {kept.target.name} went from {was} to {now}")
        if problems:
            raise fail(problems)
        return RunResult(
            pair.id, direction, "converged", len(report.tables), report.filled, rows_checked
        )
    finally:
        conn.close()


# --- the whole corpus ---------------------------------------------------------------------


@dataclass
class Summary:
    """Figures of a whole-corpus run (bench/corpus.py prints them)."""

    runs: int = 0
    converged: int = 0
    impossible_with_rows: list[str] = field(default_factory=list)
    exceptions: dict[str, str] = field(default_factory=dict)
    stale_exceptions: list[str] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=dict)
    rows_checked: int = 0
    tables: int = 0
    tables_filled: int = 0

    @property
    def fill_share(self) -> float:
        return self.tables_filled / self.tables if self.tables else 0.0


def run_corpus(corpus: Path, workdir: Path) -> Summary:
    """Every pair, both directions; never raises for a failing run (it is counted instead)."""
    summary = Summary()
    for pair in discover_pairs(corpus):
        for direction in DIRECTIONS:
            run_id = f"{pair.id}:{direction}"
            summary.runs += 1
            reason = exception_reason(pair.id, direction)
            try:
                result = run_pair(pair, direction, workdir)
            except Exception as exc:  # a crash is a failure too, with its type
                failure = (
                    exc
                    if isinstance(exc, ConvergenceFailure)
                    else ConvergenceFailure(pair.id, direction, [f"{type(exc).__name__}: {exc}"])
                )
                summary.tables += len(failure.report.tables)
                summary.tables_filled += failure.report.filled
                if reason:
                    summary.exceptions[run_id] = reason
                else:
                    summary.failures[run_id] = failure.problems
                continue
            if reason:
                summary.stale_exceptions.append(run_id)
            summary.tables += result.tables
            summary.tables_filled += result.tables_filled
            summary.rows_checked += result.rows_checked
            if result.outcome == "converged":
                summary.converged += 1
            else:
                summary.impossible_with_rows.append(f"{run_id} ({result.detail})")
    return summary
