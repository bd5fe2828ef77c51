"""Benchmarks of sqlkeel's planner and of its table rebuild, printed as a small table.

Three measurements (all files live in a temporary directory; nothing is written into the
repository):

(a) ``sqlkeel.plan(from.sql, to.sql)`` on a generated 1000-table schema whose target changes
    5 % of the tables (added columns, dropped columns, type changes that need a rebuild,
    new indexes): end to end, and its parts (loading each side, planning without and with
    verification). Warm (repeated in one process, parse cache filled) and cold (the first
    call of a fresh process, as a CLI run). Target: under 1 s, cold.
(b) The rebuild of a 1,000,000-row table (about 100 bytes a row, three indexes) for a type
    change: ``Plan.apply`` against the hand-written 12-step script of SQLite's documentation,
    on identical copies, alternating which goes first. Target: sqlkeel ≤ 1.1 × hand-written.
(c) Dropping an unindexed, unconstrained column: the plan must use native
    ``ALTER TABLE … DROP COLUMN`` (OpKind.DROP_COLUMN), timed against a 12-step rebuild that
    drops the same column.

Usage::

    python bench/diff.py            # full size (takes a minute or two)
    python bench/diff.py --quick    # small sizes, a smoke run

``SQLKEEL_TEST_SQLITE=pysqlite3`` runs it on pysqlite3's SQLite, as in the test suite.
The exit status is 1 when a result is wrong (a plan of the wrong shape, rows lost, a schema
that differs from the target); missed timing targets are reported, not failed.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_driver = os.environ.get("SQLKEEL_TEST_SQLITE", "").strip()
if _driver and _driver != "sqlite3":
    sys.modules["sqlite3"] = importlib.import_module(
        "pysqlite3.dbapi2" if _driver == "pysqlite3" else _driver
    )

import sqlite3  # noqa: E402

import sqlkeel  # noqa: E402
from sqlkeel import OpKind  # noqa: E402
from sqlkeel.catalog import read_schema  # noqa: E402
from sqlkeel.model.names import quote_identifier as q  # noqa: E402
from sqlkeel.sources.sqlfiles import schema_from_sql  # noqa: E402

PLAN_TARGET_S = 1.0
REBUILD_RATIO_TARGET = 1.1


class BenchFailure(Exception):
    """A benchmark produced a wrong result (not merely a slow one)."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchFailure(message)


# --- output ---------------------------------------------------------------------------------


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<52} {value:>12}  {note}".rstrip())


def secs(value: float) -> str:
    return f"{value:.3f} s"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- (a) a generated schema -----------------------------------------------------------------

_WORDS = (
    "name",
    "email",
    "title",
    "status",
    "amount",
    "quantity",
    "note",
    "description",
    "code",
    "score",
    "flag",
    "payload",
    "label",
    "kind",
    "rank",
    "weight",
    "country",
    "city",
    "phone",
    "currency",
    "total",
    "balance",
    "slug",
    "color",
    "version",
    "source",
    "owner",
    "due_on",
)
_TYPES = ("TEXT", "INTEGER", "REAL", "NUMERIC", "BLOB")
_TYPE_CHANGE = {
    "TEXT": "INTEGER",
    "INTEGER": "TEXT",
    "REAL": "TEXT",
    "NUMERIC": "REAL",
    "BLOB": "TEXT",
}


@dataclass
class ColumnSpec:
    name: str
    type: str
    extra: str = ""
    indexed: bool = False
    constrained: bool = False

    def sql(self) -> str:
        return f"{self.name} {self.type}{' ' + self.extra if self.extra else ''}"


@dataclass
class TableSpec:
    name: str
    columns: list[ColumnSpec]
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, "cols or exprs")
    has_trigger: bool = False

    def sql(self) -> str:
        cols = ",\n    ".join(["id INTEGER PRIMARY KEY"] + [c.sql() for c in self.columns])
        out = [f"CREATE TABLE {self.name} (\n    {cols}\n);"]
        out += [f"CREATE INDEX {ix} ON {self.name} ({terms});" for ix, terms in self.indexes]
        if self.has_trigger:
            out.append(
                f"CREATE TRIGGER {self.name}_touch AFTER UPDATE ON {self.name} "
                f"WHEN NEW.updated_at IS OLD.updated_at BEGIN\n"
                f"    UPDATE {self.name} SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;\nEND;"
            )
        return "\n".join(out)


def generate_tables(n_tables: int, rng: random.Random) -> list[TableSpec]:
    """Tables t0000…: 5–15 columns (id and updated_at included), some FKs, indexes, triggers."""
    tables: list[TableSpec] = []
    for t in range(n_tables):
        name = f"t{t:04d}"
        n_cols = rng.randint(3, 13)
        words = rng.sample(_WORDS, n_cols)
        columns: list[ColumnSpec] = []
        if t > 0 and rng.random() < 0.35:
            ref = f"t{rng.randrange(max(0, t - 50), t):04d}"
            columns.append(
                ColumnSpec(
                    f"{ref}_id",
                    "INTEGER",
                    f"REFERENCES {ref} (id) ON DELETE CASCADE",
                    indexed=True,
                    constrained=True,
                )
            )
        for i, word in enumerate(words):
            typ = "TEXT" if i == 0 else rng.choice(_TYPES)
            col = ColumnSpec(word, typ)
            roll = rng.random()
            if i == 0:
                col.extra, col.constrained = "NOT NULL COLLATE NOCASE", True
            elif roll < 0.15 and typ in {"INTEGER", "REAL", "NUMERIC"}:
                col.extra, col.constrained = f"NOT NULL DEFAULT 0 CHECK ({word} >= 0)", True
            elif roll < 0.30:
                col.extra = "DEFAULT 'x'" if typ == "TEXT" else "DEFAULT 0"
            columns.append(col)
        columns.append(ColumnSpec("updated_at", "TEXT", constrained=True))
        spec = TableSpec(name, columns)
        for col in columns:
            if col.name.endswith("_id"):
                spec.indexes.append((f"{name}_{col.name}", col.name))
        for col in rng.sample(columns, min(len(columns), rng.randint(1, 2))):
            ix = f"{name}_{col.name}_ix"
            if any(ix == existing for existing, _ in spec.indexes):
                continue
            col.indexed = True
            spec.indexes.append((ix, col.name if rng.random() < 0.8 else f"lower({col.name}) DESC"))
        spec.has_trigger = rng.random() < 0.03
        tables.append(spec)
    return tables


def render_schema(tables: list[TableSpec], rng: random.Random) -> str:
    parts = [spec.sql() for spec in tables]
    # A few views joining a child to its parent (first column of each, never changed).
    children = [s for s in tables if s.columns[0].name.endswith("_id")]
    for spec in rng.sample(children, min(25, len(children))):
        fk = spec.columns[0].name
        parent = fk[: -len("_id")]
        label = spec.columns[1].name
        parent_label = next(t for t in tables if t.name == parent).columns[0].name
        parts.append(
            f"CREATE VIEW {spec.name}_with_parent AS\n"
            f"    SELECT c.id, c.{label}, p.{parent_label} AS parent_{parent_label}\n"
            f"    FROM {spec.name} AS c JOIN {parent} AS p ON p.id = c.{fk};"
        )
    return "\n\n".join(parts) + "\n"


def _free_columns(spec: TableSpec) -> list[ColumnSpec]:
    """Columns that nothing else uses: no index, constraint, FK, view or trigger."""
    return [c for c in spec.columns[1:] if not c.indexed and not c.constrained]


def change_tables(
    tables: list[TableSpec], share: float, rng: random.Random
) -> tuple[list[TableSpec], Counter[str]]:
    """A copy of ``tables`` with ``share`` of them changed; and what was done.

    The changes cycle through: an added column (native ADD COLUMN), a dropped column (native
    DROP COLUMN), a type change (a rebuild) and a new index.
    """
    target = copy.deepcopy(tables)
    done: Counter[str] = Counter()
    pool = list(range(len(target)))
    rng.shuffle(pool)
    kinds = ("add column", "drop column", "type change", "new index")
    for i in range(max(1, round(len(target) * share))):
        kind = kinds[i % len(kinds)]
        needs_free = kind in {"drop column", "type change"}
        pick = next((t for t in pool if not needs_free or _free_columns(target[t])), pool[0])
        pool.remove(pick)
        spec = target[pick]
        if kind == "add column":
            spec.columns.append(ColumnSpec("added_col", "TEXT", "DEFAULT 'new'"))
        elif kind == "drop column":
            spec.columns.remove(rng.choice(_free_columns(spec)))
        elif kind == "type change":
            col = rng.choice(_free_columns(spec))
            col.type = _TYPE_CHANGE[col.type]
        else:
            col = rng.choice(spec.columns)
            spec.indexes.append((f"{spec.name}_{col.name}_new_ix", f"{col.name}, id"))
        done[kind] += 1
    return target, done


def bench_plan(workdir: Path, n_tables: int, runs: int) -> bool:
    rng = random.Random(20241123)
    tables = generate_tables(n_tables, rng)
    from_sql = render_schema(tables, random.Random(1))
    changed, done = change_tables(tables, 0.05, rng)
    to_sql = render_schema(changed, random.Random(1))
    from_path = workdir / "from.sql"
    to_path = workdir / "to.sql"
    from_path.write_text(from_sql, encoding="utf-8")
    to_path.write_text(to_sql, encoding="utf-8")

    plan = sqlkeel.plan(from_path, to_path)  # warm-up (capability probe, imports)
    ops = Counter(op.kind.value for op in plan.ops)
    n_objects = from_sql.count("CREATE ")
    print(
        f"(a) plan: {n_tables} tables ({n_objects} objects, {len(from_sql) // 1024} KiB of SQL), "
        f"{sum(done.values())} changed: " + ", ".join(f"{n} {k}" for k, n in sorted(done.items()))
    )
    print("    ops: " + ", ".join(f"{n} {k}" for k, n in sorted(ops.items())))

    check(plan.verified, "the plan was not verified")
    check(ops[OpKind.DROP_COLUMN.value] == done["drop column"], f"expected native drops, got {ops}")
    check(ops[OpKind.ADD_COLUMN.value] == done["add column"], f"expected native adds, got {ops}")
    check(ops[OpKind.REBUILD_TABLE.value] == done["type change"], f"unexpected rebuilds: {ops}")

    src = sqlkeel.load_schema(from_path).schema
    dst = sqlkeel.load_schema(to_path).schema
    t_from = median_time(lambda: sqlkeel.load_schema(from_path), runs)
    t_to = median_time(lambda: sqlkeel.load_schema(to_path), runs)
    t_plan = median_time(lambda: sqlkeel.plan_schemas(src, dst, verify=False), runs)
    t_verified = median_time(lambda: sqlkeel.plan_schemas(src, dst, verify=True), runs)
    t_total = median_time(lambda: sqlkeel.plan(from_path, to_path), runs)
    cold = [_cold_plan(from_path, to_path) for _ in range(max(1, min(runs, 3)))]
    t_cold = statistics.median(c[0] for c in cold)
    t_process = statistics.median(c[1] for c in cold)
    row("load from.sql (execute into :memory:, read)", secs(t_from))
    row("load to.sql", secs(t_to))
    row("plan_schemas(verify=False)", secs(t_plan))
    row(
        "plan_schemas(verify=True)", secs(t_verified), f"verification ≈ {secs(t_verified - t_plan)}"
    )
    row(f"sqlkeel.plan(from.sql, to.sql), warm, median of {runs}", secs(t_total))
    ok = t_cold < PLAN_TARGET_S
    row(
        f"sqlkeel.plan(from.sql, to.sql), cold, median of {len(cold)}",
        secs(t_cold),
        f"target < {PLAN_TARGET_S:g} s: {verdict(ok)}",
    )
    row("  the whole process (python start, import, plan)", secs(t_process))
    return ok


def _cold_plan(from_path: Path, to_path: Path) -> tuple[float, float]:
    """The first ``plan`` call of a fresh process (no parse cache, capability probe included)
    and the wall time of that whole process."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--cold-plan", str(from_path), str(to_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    check(proc.returncode == 0, f"cold plan run failed: {proc.stderr}")
    return float(proc.stdout.strip()), wall


# --- (b) and (c): a 1M-row table --------------------------------------------------------

ORDERS_SQL = """
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty {qty_type} NOT NULL,
    price REAL NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL{note}
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_sku ON orders (sku);
CREATE INDEX orders_status_created ON orders (status, created_at);
"""
SOURCE_ORDERS = ORDERS_SQL.format(qty_type="INTEGER", note=",\n    note TEXT")
RETYPED_ORDERS = ORDERS_SQL.format(qty_type="BIGINT", note=",\n    note TEXT")
NO_NOTE_ORDERS = ORDERS_SQL.format(qty_type="INTEGER", note="")
ALL_COLUMNS = ("id", "customer_id", "sku", "qty", "price", "status", "created_at", "note")

FILL_SQL = """
INSERT INTO orders (id, customer_id, sku, qty, price, status, created_at, note)
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
SELECT x,
       abs(random()) % 50000,
       printf('SKU-%08d', abs(random()) % 1000000),
       1 + abs(random()) % 20,
       (abs(random()) % 100000) / 100.0,
       CASE x % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'returned' END,
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + x * 30, 'unixepoch'),
       printf('order %d: %s', x, hex(randomblob(12)))
FROM seq
"""


def hand_written_rebuild(table_sql: str, columns: tuple[str, ...]) -> str:
    """SQLite's 12-step procedure for ``orders``, as a person would write it."""
    create_table, *indexes = [s.strip() + ";" for s in table_sql.split(";") if s.strip()]
    cols = ", ".join(q(c) for c in columns)
    return "\n".join(
        [
            "PRAGMA foreign_keys = OFF;",
            "BEGIN;",
            create_table.replace("CREATE TABLE orders", "CREATE TABLE new_orders", 1),
            f"INSERT INTO new_orders ({cols}) SELECT {cols} FROM orders;",
            "DROP TABLE orders;",
            "ALTER TABLE new_orders RENAME TO orders;",
            *indexes,
            "PRAGMA foreign_key_check;",
            "COMMIT;",
            "PRAGMA foreign_keys = ON;",
        ]
    )


def build_orders(path: Path, rows: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute(SOURCE_ORDERS.split(";")[0])
        conn.execute(FILL_SQL, (rows,))
        for statement in SOURCE_ORDERS.split(";")[1:]:
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
    finally:
        conn.close()


@contextmanager
def fresh_copy(template: Path, workdir: Path, name: str) -> Iterator[sqlite3.Connection]:
    """A connection (FKs on, like an application) to a new copy of the template."""
    path = workdir / name
    shutil.copyfile(template, path)
    # Flush the copy now, so that the kernel's write-back of it does not land in a timing.
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        yield conn
    finally:
        conn.close()
        path.unlink()
        for suffix in ("-journal", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def check_result(conn: sqlite3.Connection, target_sql: str, rows: int, what: str) -> None:
    check(
        read_schema(conn) == schema_from_sql(target_sql), f"{what}: schema differs from the target"
    )
    check(conn.execute("SELECT count(*) FROM orders").fetchone()[0] == rows, f"{what}: rows lost")
    check(
        conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1, f"{what}: foreign_keys not restored"
    )


Contender = tuple[Callable[[sqlite3.Connection], object], Callable[[sqlite3.Connection], None]]


@dataclass
class Timings:
    """Wall-clock and CPU seconds of each run, in run order."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def timed_runs(
    template: Path, workdir: Path, reps: int, contenders: dict[str, Contender]
) -> dict[str, Timings]:
    """Each contender (run, then an untimed check) ``reps`` times on fresh copies, the
    order alternating every round (ABBA…), so that rounds can be compared pairwise."""
    names = list(contenders)
    times: dict[str, Timings] = {n: Timings() for n in names}
    for rep in range(reps):
        order = names if rep % 2 == 0 else names[::-1]
        for name in order:
            run, verify = contenders[name]
            with fresh_copy(template, workdir, f"{name.replace(' ', '_')}.db") as conn:
                cpu_started = time.process_time()
                started = time.perf_counter()
                run(conn)
                times[name].wall.append(time.perf_counter() - started)
                times[name].cpu.append(time.process_time() - cpu_started)
                verify(conn)
    return times


def compare(
    label_a: str, a: Timings, label_b: str, b: Timings, target: float | None = None
) -> float:
    """Print both contenders and their ratios; return the median of the per-round ratios
    (the figure a target is judged on: it cancels load that drifts between rounds)."""
    reps = len(a.wall)
    row(f"{label_a}, median of {reps}", secs(statistics.median(a.wall)), _spread(a.wall))
    row(f"{label_b}, median of {reps}", secs(statistics.median(b.wall)), _spread(b.wall))
    paired = statistics.median(x / y for x, y in zip(a.wall, b.wall, strict=True))
    cpu = statistics.median(a.cpu) / statistics.median(b.cpu)
    note = "" if target is None else f"target ≤ {target}×: {verdict(paired <= target)}"
    row("  ratio, median of the per-round ratios", f"{paired:.2f}×", note)
    row("  ratio of the CPU times (medians)", f"{cpu:.2f}×")
    return paired


def bench_rebuild(workdir: Path, rows: int, reps: int) -> bool:
    template = workdir / "orders.db"
    started = time.perf_counter()
    build_orders(template, rows)
    built = time.perf_counter() - started
    size_mb = template.stat().st_size / 1e6
    table_mb = _table_megabytes(template, "orders")
    print(
        f"\n(b) rebuild: orders, {rows:,} rows, 3 indexes; file {size_mb:.0f} MB, table {table_mb} "
        f"(built in {built:.1f} s); change: qty INTEGER → BIGINT"
    )
    retyped = schema_from_sql(RETYPED_ORDERS)
    with fresh_copy(template, workdir, "probe.db") as conn:
        t0 = time.perf_counter()
        plan = sqlkeel.plan(conn, retyped)
        t_plan = time.perf_counter() - t0
    kinds = [op.kind for op in plan.ops]
    check(
        OpKind.REBUILD_TABLE in kinds, f"a type change must rebuild, got {[k.value for k in kinds]}"
    )
    hand_script = hand_written_rebuild(RETYPED_ORDERS, ALL_COLUMNS)
    grown: list[float] = []

    def verifier(target_sql: str, what: str) -> Callable[[sqlite3.Connection], None]:
        def verify(conn: sqlite3.Connection) -> None:
            check_result(conn, target_sql, rows, what)
            db_file = conn.execute("PRAGMA database_list").fetchone()[2]
            grown.append(Path(db_file).stat().st_size / 1e6)

        return verify

    times = timed_runs(
        template,
        workdir,
        reps,
        {
            "sqlkeel": (plan.apply, verifier(RETYPED_ORDERS, "sqlkeel rebuild")),
            "hand-written": (
                lambda conn: conn.executescript(hand_script),
                verifier(RETYPED_ORDERS, "hand-written rebuild"),
            ),
        },
    )
    row("sqlkeel.plan(conn, target)", secs(t_plan), f"ops: {', '.join(k.value for k in kinds)}")
    ratio = compare(
        "sqlkeel Plan.apply",
        times["sqlkeel"],
        "hand-written 12-step script",
        times["hand-written"],
        target=REBUILD_RATIO_TARGET,
    )
    ok = ratio <= REBUILD_RATIO_TARGET
    row("file size after the rebuild", f"{max(grown):.0f} MB", f"(before: {size_mb:.0f} MB)")

    # (c) Native DROP COLUMN.
    no_note = schema_from_sql(NO_NOTE_ORDERS)
    with fresh_copy(template, workdir, "probe.db") as conn:
        drop_plan = sqlkeel.plan(conn, no_note)
    drop_kinds = [op.kind for op in drop_plan.ops]
    print(f"\n(c) drop the unindexed, unconstrained column orders.note ({rows:,} rows)")
    row("plan", ", ".join(k.value for k in drop_kinds))
    check(drop_kinds == [OpKind.DROP_COLUMN], f"expected one native DROP COLUMN, got {drop_kinds}")
    drop_script = hand_written_rebuild(NO_NOTE_ORDERS, ALL_COLUMNS[:-1])

    drops = timed_runs(
        template,
        workdir,
        reps,
        {
            "native": (drop_plan.apply, verifier(NO_NOTE_ORDERS, "DROP COLUMN")),
            "rebuild": (
                lambda conn: conn.executescript(drop_script),
                verifier(NO_NOTE_ORDERS, "12-step drop"),
            ),
        },
    )
    compare(
        "sqlkeel Plan.apply (DROP COLUMN)",
        drops["native"],
        "12-step rebuild dropping the column",
        drops["rebuild"],
    )
    return ok


def _table_megabytes(path: Path, table: str) -> str:
    """The table's own size (without its indexes) and bytes per row, when dbstat exists."""
    conn = sqlite3.connect(path)
    try:
        size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (table,)).fetchone()[0]
        rows = conn.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0]
    except sqlite3.Error:
        return "size unknown (no dbstat)"
    finally:
        conn.close()
    return f"{size / 1e6:.0f} MB (~{size / max(rows, 1):.0f} bytes/row)"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _spread(times: list[float]) -> str:
    return f"(min {min(times):.3f}, max {max(times):.3f})" if len(times) > 1 else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run of a few seconds"
    )
    parser.add_argument(
        "--tables", type=int, help="tables in the generated schema (default 1000; quick 100)"
    )
    parser.add_argument(
        "--rows", type=int, help="rows of the rebuilt table (default 1,000,000; quick 20,000)"
    )
    parser.add_argument("--reps", type=int, help="repetitions of each rebuild (default 5; quick 1)")
    parser.add_argument(
        "--runs", type=int, help="runs of each planning measurement (default 7; quick 2)"
    )
    parser.add_argument(
        "--tmpdir", type=Path, help="where the temporary databases go (default: system temp)"
    )
    parser.add_argument("--cold-plan", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_plan:
        started = time.perf_counter()
        sqlkeel.plan(*args.cold_plan)
        print(time.perf_counter() - started)
        return 0
    tables = args.tables or (100 if args.quick else 1000)
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    reps = args.reps or (1 if args.quick else 5)
    runs = args.runs or (2 if args.quick else 7)

    print(
        f"sqlkeel {sqlkeel.__version__} · SQLite {sqlite3.sqlite_version} ({sqlite3.__name__}) · "
        f"Python {platform.python_version()} · {platform.machine()}, {os.cpu_count()} CPUs"
        + (" · --quick" if args.quick else "")
    )
    print(f"load average at start: {_load()} (other processes make the timings noisier)")
    try:
        with tempfile.TemporaryDirectory(prefix="sqlkeel-bench-", dir=args.tmpdir) as tmp:
            workdir = Path(tmp)
            plan_ok = bench_plan(workdir, tables, runs)
            rebuild_ok = bench_rebuild(workdir, rows, reps)
    except BenchFailure as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    print(f"\nload average at the end: {_load()}")
    print(
        f"targets: plan < {PLAN_TARGET_S:g} s {verdict(plan_ok)}; "
        f"rebuild ≤ {REBUILD_RATIO_TARGET}× hand-written {verdict(rebuild_ok)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
